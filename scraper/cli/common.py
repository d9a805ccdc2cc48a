"""Options and helpers shared by the commands."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from scraper.archive import Archive
from scraper.errors import InputFileError, UsageError
from scraper.settings import Settings, load_settings
from scraper.urls import check_url, redact
from scraper.when import FORMS, parse_when

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ARCHIVE = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT), as shells report it

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="Archive file (env SCRAPER_DB; default data/archive.db).",
        show_default=False,
        dir_okay=False,
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="TOML settings file (default data/scraper.toml if present).",
        show_default=False,
        dir_okay=False,
    ),
]
InputOption = Annotated[
    str | None,
    typer.Option(
        "--input", "-i", help="File with one URL a line ('-' reads stdin).", show_default=False
    ),
]
QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet", "-q", help="Print nothing if all went well; else the errors and the summary."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]
ConcurrencyOption = Annotated[
    int | None,
    typer.Option(min=1, help="Requests at once in all (default 8).", show_default=False),
]
PerHostOption = Annotated[
    int | None,
    typer.Option(min=1, help="Requests at once to one host (default 2).", show_default=False),
]
TimeoutOption = Annotated[
    float | None,
    typer.Option(min=0.1, help="Seconds per request, in all (default 30).", show_default=False),
]
DATE_HELP = f"({FORMS})"
SinceOption = Annotated[
    str | None,
    typer.Option(
        metavar="DATE",
        help=f"Only articles dated on or after DATE {DATE_HELP}.",
        show_default=False,
    ),
]
UntilOption = Annotated[
    str | None,
    typer.Option(metavar="DATE", help="Only articles dated before DATE.", show_default=False),
]
SiteOption = Annotated[
    str | None,
    typer.Option(
        metavar="HOST", help="Only articles of this host (and its subdomains).", show_default=False
    ),
]
UserAgentOption = Annotated[str | None, typer.Option(help="User-Agent header.", show_default=False)]


def err(message: str) -> None:
    """One line on stderr, prefixed like every error scraper prints."""
    print(f"scraper: error: {redact(message)}", file=sys.stderr, flush=True)


def settings_for(config: Path | None, **flags: object) -> Settings:
    """defaults < file < environment < flags."""
    return load_settings(config).merged(**flags)


def open_archive(settings: Settings) -> Archive:
    return Archive(settings.db)


def open_reader(settings: Settings) -> Archive:
    """The archive opened read-only: a missing file is an error (exit 3), never created."""
    return Archive(settings.db, readonly=True)


def when_option(value: str | None, option: str) -> datetime | None:
    """A date option's value (ISO date or datetime, or an age: 12h, 7d, 2w) as UTC."""
    if value is None:
        return None
    try:
        return parse_when(value)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def read_urls(args: list[str] | None, input_path: str | None) -> list[str]:
    """URLs from the arguments and the input file, checked; '#' lines are comments."""
    urls = [check_url(u) for u in args or []]
    if input_path is None:
        return urls
    if input_path == "-":
        lines = sys.stdin.read().splitlines()
        name = "<stdin>"
    else:
        name = input_path
        try:
            lines = Path(input_path).read_text(encoding="utf-8-sig").splitlines()
        except FileNotFoundError as exc:
            raise InputFileError(name, "no such file") from exc
        except IsADirectoryError as exc:
            raise InputFileError(name, "is a directory") from exc
        except UnicodeDecodeError as exc:
            raise InputFileError(name, "not a UTF-8 text file") from exc
        except OSError as exc:
            raise InputFileError(name, exc.strerror or "cannot read") from exc
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            urls.append(check_url(line))
        except Exception as exc:
            raise InputFileError(f"{name}:{number}", str(exc)) from exc
    return urls
