"""Options and helpers shared by the commands.

A new command reuses these: ``setting_option`` for a flag that sets a setting
(the settings' own parser and bounds, its metavar, its default in the help),
``choice_option`` for a fixed set of values, the ``...Option`` aliases below, and
``Command`` (registered with ``cls=Command``), whose help shows conventional
metavars (``URL...``, ``FILE``, ``N``, ``[jsonl|json|csv|markdown]``).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Coroutine, Iterable
from datetime import datetime
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperArgument, TyperCommand

from scraper.archive import Archive
from scraper.errors import ArchiveError, InputFileError, Interrupted, UsageError, reading
from scraper.settings import (
    DEFAULTS,
    RULES,
    Settings,
    is_database_url,
    parse_setting,
    resolve_settings,
)
from scraper.urls import check_url, redact
from scraper.when import FORMS, parse_when

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ARCHIVE = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT), as shells report it

T = TypeVar("T")

# the flag of a setting whose flag is not ``--`` + its name
FLAGS = {"crawl_delay": "--delay"}


def _parse_flag(name: str, text: str) -> Any:
    try:
        return parse_setting(name, text)
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r}: {exc}") from None


def _shown(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def setting_option(name: str, help: str, *decls: str, default: str | None = None) -> Any:
    """A flag for setting ``name``, checked by the same rules as the file and the
    environment; the help ends with the default (``default`` overrides its text)."""
    shown = default if default is not None else _shown(getattr(DEFAULTS, name))
    return typer.Option(
        *(decls or [FLAGS.get(name, "--" + name.replace("_", "-"))]),
        parser=partial(_parse_flag, name),
        metavar=RULES[name].metavar,
        help=f"{help} (default {shown}).",
        show_default=False,
    )


def choices(name: str, values: Iterable[str]) -> type[StrEnum]:
    """The type of an option that takes one of ``values``: help shows them as
    ``[a|b|c]``, completion offers them, any other value is a usage error (exit 2).
    ``Format = choices("Format", WRITERS)``, then ``format: Format = Format("jsonl")``."""
    return StrEnum(name, {v: v for v in values})  # type: ignore[return-value]


def urls_argument(help: str) -> Any:
    """The URLs a command takes as arguments, shown as ``[URL]...``."""
    return typer.Argument(help=help, metavar="URL", show_default=False)


def _parse_db(text: str) -> Path | str:
    """An archive file, or a postgresql:// URL; a directory is a usage error."""
    db = _parse_flag("db", text)
    if isinstance(db, Path) and db.is_dir():
        raise typer.BadParameter(f"File {text!r} is a directory.")
    return db


DbOption = Annotated[
    Any,  # Path | str (a PostgreSQL URL) | None
    typer.Option(
        "--db",
        parser=_parse_db,
        help="Archive file or postgresql:// URL (env SCRAPER_DB; default data/archive.db).",
        show_default=False,
        metavar="FILE|URL",
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="TOML settings file (default data/scraper.toml if present).",
        show_default=False,
        dir_okay=False,
        metavar="FILE",
    ),
]
RefArgument = Annotated[
    str, typer.Argument(metavar="URL|ID", help="URL or id of an archived article.")
]
InputOption = Annotated[
    str | None,
    typer.Option(
        "--input",
        "-i",
        help="File with one URL a line ('-' reads stdin).",
        show_default=False,
        metavar="FILE",
    ),
]
SiteOption = Annotated[
    str | None,
    typer.Option(
        help="Only articles of this host (and its subdomains).", metavar="HOST", show_default=False
    ),
]
ProcessesOption = Annotated[
    int | None,
    typer.Option(min=1, help="Extraction processes (default: the cores).", show_default=False),
]
QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet", "-q", help="Print nothing if all went well; else the errors and the summary."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]
JsonLinesOption = Annotated[
    bool,
    typer.Option("--json", help="One JSON object per URL as it finishes, then the summary."),
]
ConcurrencyOption = Annotated[int | None, setting_option("concurrency", "Requests at once in all")]
PerHostOption = Annotated[int | None, setting_option("per_host", "Requests at once to one host")]
TimeoutOption = Annotated[float | None, setting_option("timeout", "Seconds per request, in all")]
UserAgentOption = Annotated[
    str | None, setting_option("user_agent", "User-Agent header", default="scraper/VERSION")
]


def _metavar(param: Any, ctx: typer.Context) -> str:
    """A conventional metavar for an option declared without one."""
    label = param.display_type(ctx).strip("<>")
    if "|" in label:
        return f"[{label}]"
    kind = label.split()[0].removeprefix("list[").rstrip("]")
    return {"int": "N", "float": "NUMBER", "file": "FILE", "path": "PATH"}.get(kind, "TEXT")


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, with Ctrl-C taken inside the event loop: the first
    cancels ``main`` between two callbacks and ends in ``KeyboardInterrupt``, as
    ``asyncio.run`` does; a second raises at once.

    ``asyncio.run``'s own SIGINT handler cancels the task from the signal handler,
    which runs between two bytecodes of whatever callback is running: a connect
    callback that has just found its future pending then sets a result on a
    cancelled one, and asyncio prints an ``InvalidStateError`` traceback on the way
    out (seen in CI on Python 3.11.7, Ctrl-C during ``fetch``)."""
    interrupted = False

    async def guarded() -> T:
        nonlocal interrupted
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def on_sigint() -> None:
            nonlocal interrupted
            interrupted = True
            loop.remove_signal_handler(signal.SIGINT)  # a second Ctrl-C raises at once
            task.cancel()

        loop.add_signal_handler(signal.SIGINT, on_sigint)
        try:
            return await main
        finally:
            loop.remove_signal_handler(signal.SIGINT)

    try:
        return asyncio.run(guarded())
    except asyncio.CancelledError:
        if interrupted:
            raise KeyboardInterrupt from None
        raise


class Command(TyperCommand):
    """A command whose help and usage show conventional metavars (``URL...``,
    ``FILE``, ``N``, ``[a|b]``) rather than Python types (``<list[str]>``)."""

    def invoke(self, ctx: typer.Context) -> Any:
        # typer turns a KeyboardInterrupt into a silent exit 130: ``main`` says it instead
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            raise Interrupted("interrupted") from exc

    def _argument(self, param: TyperArgument, usage: bool) -> str:
        name = param.metavar or (param.name or "").upper()
        if usage and not param.required:
            name = f"[{name}]"
        return name + ("..." if param.nargs != 1 else "")

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                pieces.append(self._argument(param, usage=True))
        return pieces

    def format_options(self, ctx: typer.Context, formatter: Any) -> None:
        args, opts = [], []
        for param in self.get_params(ctx):
            if param.hidden:
                continue
            if isinstance(param, TyperArgument):
                args.append((self._argument(param, usage=False), param.help or ""))
                continue
            if param.metavar is None and not param.is_flag:
                param.metavar = _metavar(param, ctx)
            record = param.get_help_record(ctx)
            if record is not None:
                opts.append(record)
        for title, rows in (("Arguments", args), ("Options", opts)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


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


def err(message: str) -> None:
    """One line on stderr, prefixed like every error scraper prints."""
    print(f"scraper: error: {redact(message)}", file=sys.stderr, flush=True)


def settings_for(config: Path | None, **flags: object) -> Settings:
    """defaults < file < environment < flags."""
    return resolve_settings(config, flags=flag_values(**flags)).settings


def flag_values(**flags: object) -> dict[str, tuple[str, object]]:
    """``{setting: (flag, value)}`` for ``resolve_settings``."""
    return {k: (FLAGS.get(k, "--" + k.replace("_", "-")), v) for k, v in flags.items()}


def open_archive(settings: Settings, *, readonly: bool = False) -> Archive:
    """The archive of ``settings``; ``readonly`` for commands that only read it
    (they never create one, and work on a read-only file)."""
    return Archive(settings.db, readonly=readonly)


def open_reader(settings: Settings) -> Archive:
    """The archive opened read-only: a missing file is an error (exit 3), never created."""
    return Archive(settings.db, readonly=True)


def resolve_ref(archive: Archive, ref: str) -> int:
    """The id of the archived article ``ref`` (a URL or an id); else one line, exit 1."""
    found = archive.resolve(ref)
    if found is None:
        err(f"{ref}: not in the archive")
        raise typer.Exit(EXIT_FAILED)
    return found


def open_existing(settings: Settings) -> Archive:
    """The archive opened for writing, for commands that change an archive but never
    make one (``delete``, ``prune``): a missing file is an error (exit 3)."""
    if is_database_url(settings.db):  # a database holds an archive once opened
        return Archive(settings.db)
    path = Path(settings.db)
    if not path.is_file():
        reason = "is a directory" if path.is_dir() else "no such archive"
        raise ArchiveError(f"{path}: {reason}")
    return Archive(path)


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
            with reading(name):
                lines = Path(input_path).read_text(encoding="utf-8-sig").splitlines()
        except UnicodeDecodeError as exc:
            raise InputFileError(name, "not a UTF-8 text file") from exc
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            urls.append(check_url(line))
        except Exception as exc:
            raise InputFileError(f"{name}:{number}", str(exc)) from exc
    return urls
