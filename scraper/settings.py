"""One settings object, with a written precedence.

    defaults  <  TOML file  <  environment (SCRAPER_*)  <  command-line flags

The TOML file is ``--config PATH`` or, if present, ``data/scraper.toml``.  Keys
are the field names below (``per_host = 4``); an environment variable is the
upper-cased name with a ``SCRAPER_`` prefix (``SCRAPER_PER_HOST=4``).

Each field's type is its default's type; its bounds are in ``RULES``, below the
class. ``parse_setting`` applies both to a value from any source - the file, the
environment or a flag - so all three obey the same rules.
"""

from __future__ import annotations

import difflib
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from scraper import __version__
from scraper.errors import InputFileError, SettingError

DEFAULT_DB = Path("data") / "archive.db"
DATABASE_URL_SCHEMES = ("postgresql://", "postgres://")  # --db URL: PostgreSQL
DEFAULT_CONFIG = Path("data") / "scraper.toml"
DEFAULT_USER_AGENT = f"scraper/{__version__} (+https://github.com/scraper-archive/scraper)"
ENV_PREFIX = "SCRAPER_"


@dataclass(frozen=True, slots=True)
class Rule:
    """A setting's bounds, for a number: ``low <= value`` (``low < value`` when
    ``above``) and ``value <= high``, and finite; text must not be empty."""

    low: float | None = 0
    high: float | None = None
    above: bool = False  # low itself is excluded (a timeout of 0 means nothing)
    metavar: str | None = None  # what a flag for it shows in --help (N, SECONDS ...)


@dataclass(frozen=True, slots=True)
class Settings:
    db: Path | str = DEFAULT_DB  # a file (SQLite) or a postgresql:// URL
    user_agent: str = DEFAULT_USER_AGENT
    concurrency: int = 8
    per_host: int = 2
    delay: float = 0.0  # seconds between two requests to one host (crawl default: 1)
    connect_timeout: float = 10.0
    timeout: float = 30.0  # total, per attempt
    retries: int = 3  # extra attempts after the first, on connect errors, 429 and 5xx
    backoff: float = 0.5  # first backoff in seconds; doubled each retry, with jitter
    max_retry_wait: float = 60.0  # a longer Retry-After is not waited for: the URL fails
    max_redirects: int = 10
    max_bytes: int = 10_000_000  # decompressed response size cap
    http2: bool = False  # HTTP/1.1 through aiohttp (aiotransport); true: httpx with HTTP/2
    # crawl
    max_pages: int = 1000
    max_depth: int = 5
    host_failures: int = 5  # consecutive failures before a host is paused
    host_pause: float = 30.0  # seconds a failing host is paused for
    crawl_delay: float = 1.0  # ``delay`` for crawl (robots.txt Crawl-delay may raise it)

    def merged(self, **overrides: Any) -> Settings:
        """A copy with the given fields replaced; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


N, SECONDS = "N", "SECONDS"
# Each setting's bounds; its type is its default's. A setting not listed here
# is a number of at least 0 (or any non-empty text).
_RULES = {
    "db": Rule(metavar="FILE|URL"),
    "user_agent": Rule(metavar="TEXT"),
    "concurrency": Rule(low=1, high=1000, metavar=N),
    "per_host": Rule(low=1, high=100, metavar=N),
    "delay": Rule(high=3600, metavar=SECONDS),
    "connect_timeout": Rule(above=True, metavar=SECONDS),
    "timeout": Rule(above=True, metavar=SECONDS),
    "retries": Rule(high=100, metavar=N),
    "backoff": Rule(high=3600, metavar=SECONDS),
    "max_retry_wait": Rule(metavar=SECONDS),
    "max_redirects": Rule(high=100, metavar=N),
    "max_bytes": Rule(low=1, metavar="BYTES"),
    "max_pages": Rule(low=1, metavar=N),
    "max_depth": Rule(metavar=N),
    "host_failures": Rule(low=1, metavar=N),
    "host_pause": Rule(metavar=SECONDS),
    "crawl_delay": Rule(high=3600, metavar=SECONDS),
}

DEFAULTS = Settings()
NAMES = tuple(f.name for f in fields(Settings))
RULES: dict[str, Rule] = {name: _RULES.get(name, Rule()) for name in NAMES}
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def is_database_url(db: object) -> bool:
    """Whether a ``db`` setting is a database URL (PostgreSQL), not an archive file."""
    return isinstance(db, str) and db.lower().startswith(DATABASE_URL_SCHEMES)


def env_var(name: str) -> str:
    return ENV_PREFIX + name.upper()


_ENV_VARS = frozenset(env_var(name) for name in NAMES)


def parse_setting(name: str, value: object) -> Any:
    """``value`` as setting ``name``: a TOML value, or text from the environment or
    a flag, converted to the setting's type and checked against its bounds.

    Raises ``ValueError`` with the reason, e.g. ``must be at least 1``.
    """
    default = getattr(DEFAULTS, name)
    if isinstance(default, bool):
        return _parse_bool(value)
    if isinstance(default, int | float):
        number = _parse_number(value, whole=isinstance(default, int))
        _check_bounds(number, RULES[name])
        return number
    if isinstance(value, Path) and isinstance(default, Path):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("must be text")
    if not value.strip():
        raise ValueError("must not be empty")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must not contain control characters")
    if isinstance(default, Path) and not is_database_url(value):
        return Path(value)
    return value


def _parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE | FALSE:
            return text in TRUE
    raise ValueError("must be true or false (also 1/0, yes/no, on/off)")


def _parse_number(value: object, *, whole: bool) -> int | float:
    kind = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, str) if whole else (int, float, str)):
        raise ValueError(f"must be {kind}")
    try:
        number: int | float = int(value) if whole else float(value)
    except ValueError:
        raise ValueError(f"must be {kind}") from None
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError("must be a finite number")
    return number


def _check_bounds(number: float, rule: Rule) -> None:
    if rule.low is not None:
        low = f"{rule.low:g}"
        if rule.above and number <= rule.low:
            raise ValueError(f"must be more than {low}")
        if number < rule.low:
            raise ValueError(f"must be at least {low}")
    if rule.high is not None and number > rule.high:
        raise ValueError(f"must be at most {rule.high:g}")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a setting's value came from: ``kind`` is default, file, env or flag;
    ``origin`` the file's path, the variable or the flag (None for a default)."""

    kind: str
    origin: str | None = None

    def __str__(self) -> str:
        return self.origin or self.kind


DEFAULT_SOURCE = Source("default")


@dataclass(frozen=True, slots=True)
class Resolved:
    settings: Settings
    sources: dict[str, Source]
    config: Path | None  # the TOML file read, if any


def resolve_settings(
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, tuple[str, Any]] | None = None,
) -> Resolved:
    """Defaults, then the TOML file, then ``SCRAPER_*`` variables, then flags
    (``{name: (flag, value)}``, already checked; ``None`` values are not given),
    with where each value came from. Raises ``UsageError`` naming the file or
    variable whose value is not valid."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    sources = dict.fromkeys(NAMES, DEFAULT_SOURCE)
    path = config if config is not None else DEFAULT_CONFIG
    read = config is not None or path.exists()
    if read:
        for key, value in _read_toml(path).items():
            name = key.replace("-", "_")
            if name not in sources:
                raise InputFileError(str(path), f"unknown setting {key!r}")
            try:
                values[name] = parse_setting(name, value)
            except ValueError as exc:
                raise InputFileError(str(path), f"{key} = {value!r}: {exc}") from None
            sources[name] = Source("file", str(path))
    for name in NAMES:
        var = env_var(name)
        raw = env.get(var)
        if raw:  # set but empty is unset
            try:
                values[name] = parse_setting(name, raw)
            except ValueError as exc:
                raise SettingError(f"{var}={raw!r}: {exc}") from None
            sources[name] = Source("env", var)
    unknown = sorted(v for v in env if v.startswith(ENV_PREFIX) and v not in _ENV_VARS)
    if unknown:  # a typo would silently leave the default in force
        typed = unknown[0].removeprefix(ENV_PREFIX).lower()
        close = difflib.get_close_matches(typed, NAMES, n=1)
        hint = (
            f" (did you mean {env_var(close[0])}?)" if close else " (`scraper config` lists them)"
        )
        raise SettingError(f"{unknown[0]}: unknown setting{hint}")
    for name, (flag, value) in (flags or {}).items():
        if value is not None:
            values[name] = value
            sources[name] = Source("flag", flag)
    return Resolved(replace(DEFAULTS, **values), sources, path if read else None)


def load_settings(config: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Defaults, then the TOML file, then ``SCRAPER_*`` environment variables."""
    return resolve_settings(config, env).settings


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputFileError(str(path), exc.strerror or "cannot read") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError(str(path), f"not valid TOML ({exc})") from exc
    table = data.get("scraper", data)
    if not isinstance(table, dict):
        raise InputFileError(str(path), "[scraper] must be a table")
    return table
