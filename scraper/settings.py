"""One settings object, with a written precedence.

    defaults  <  TOML file  <  environment (SCRAPER_*)  <  command-line flags

The TOML file is ``--config PATH`` or, if present, ``data/scraper.toml``.  Keys
are the field names below (``per_host = 4``); an environment variable is the
upper-cased name with a ``SCRAPER_`` prefix (``SCRAPER_PER_HOST=4``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from scraper import __version__
from scraper.errors import InputFileError

DEFAULT_DB = Path("data") / "archive.db"
DEFAULT_CONFIG = Path("data") / "scraper.toml"
DEFAULT_USER_AGENT = f"scraper/{__version__} (+https://github.com/scraper-archive/scraper)"


@dataclass(frozen=True, slots=True)
class Settings:
    db: Path = DEFAULT_DB
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
    http2: bool = True
    # crawl
    max_pages: int = 1000
    max_depth: int = 5
    host_failures: int = 5  # consecutive failures before a host is paused
    host_pause: float = 30.0  # seconds a failing host is paused for
    crawl_delay: float = 1.0  # ``delay`` for crawl (robots.txt Crawl-delay may raise it)

    def merged(self, **overrides: Any) -> Settings:
        """A copy with the given fields replaced; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def _coerce(name: str, value: Any, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                return value.strip().lower() in {"1", "true", "yes", "on"}
            return bool(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, Path):
            return Path(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise InputFileError(name, f"invalid value {value!r}") from exc


def load_settings(config: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Defaults, then the TOML file, then ``SCRAPER_*`` environment variables."""
    env = os.environ if env is None else env
    base = Settings()
    known = {f.name: getattr(base, f.name) for f in fields(Settings)}
    values: dict[str, Any] = {}
    path = config if config is not None else DEFAULT_CONFIG
    if config is not None or path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputFileError(str(path), exc.strerror or "cannot read") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputFileError(str(path), f"not valid TOML ({exc})") from exc
        data = data.get("scraper", data)
        for key, value in data.items():
            name = key.replace("-", "_")
            if name not in known:
                raise InputFileError(str(path), f"unknown setting {key!r}")
            values[name] = _coerce(f"{path}: {key}", value, known[name])
    for name, default in known.items():
        raw = env.get(f"SCRAPER_{name.upper()}")
        if raw:
            values[name] = _coerce(f"SCRAPER_{name.upper()}", raw, default)
    return replace(base, **values)
