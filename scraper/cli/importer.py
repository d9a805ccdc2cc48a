"""``scraper import``: archive the HTML pages of WARC files."""

from __future__ import annotations

import json as jsonlib
import sys
from typing import Annotated

import typer

from scraper.cli.common import (
    EXIT_FAILED,
    ConfigOption,
    DbOption,
    JsonOption,
    QuietOption,
    open_archive,
    settings_for,
)


def import_warc(
    files: Annotated[
        list[str], typer.Argument(help="WARC files (.warc or .warc.gz); '-' reads stdin.")
    ],
    processes: Annotated[
        int | None,
        typer.Option(min=1, help="Extraction processes (default: the cores).", show_default=False),
    ] = None,
    max_bytes: Annotated[
        int | None,
        typer.Option(min=1, help="Largest page kept, bytes (default 10 MB).", show_default=False),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    quiet: QuietOption = False,
    json: JsonOption = False,
) -> None:
    """Archive every HTML page (response records, status 200) of WARC files.

    Each page is extracted and stored as if it had been fetched, with the
    record's WARC-Date as the fetch time. A record already archived (same URL,
    same payload) is skipped, so an interrupted import can simply be run again.
    """
    from rich.console import Console
    from rich.progress import DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    from scraper.pipeline import Outcome, Status
    from scraper.warc import ImportSummary, check_inputs, default_processes, import_warcs

    total = check_inputs(files)
    settings = settings_for(config, db=db, max_bytes=max_bytes)
    console = Console(stderr=True)
    progress: Progress | None = None
    if console.is_terminal and not quiet and not json:
        progress = Progress(
            TextColumn("[bold]importing"),
            TextColumn("{task.fields[records]:,} records"),
            DownloadColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        task = progress.add_task("import", total=total, records=0)

    def line(text: str, *, error: bool) -> None:
        if progress is not None:
            progress.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=sys.stderr if error else sys.stdout, flush=True)

    def on_outcome(outcome: Outcome) -> None:
        if outcome.status is Status.FAILED:
            line(f"scraper: error: {outcome.url}: {outcome.reason}", error=True)
        elif not quiet and not json and progress is None:
            title = f"  {outcome.title}" if outcome.title else ""
            reason = f"  ({outcome.reason})" if outcome.reason else ""
            line(f"{outcome.status.value:<12} {outcome.url}{title}{reason}", error=False)

    def on_error(message: str) -> None:
        line(f"scraper: error: {message}", error=True)

    def on_progress(summary: ImportSummary) -> None:
        if progress is not None:
            progress.update(task, completed=summary.bytes, records=summary.records)

    with open_archive(settings) as archive:
        if progress is not None:
            progress.start()
        try:
            summary = import_warcs(
                files,
                archive,
                processes=processes or default_processes(),
                max_bytes=settings.max_bytes,
                on_outcome=on_outcome,
                on_error=on_error,
                on_progress=on_progress,
            )
        finally:
            if progress is not None:
                progress.stop()
    done = summary.as_dict()
    failed = bool(summary.counts["failed"] or summary.errors)
    if quiet and not failed:  # quiet: silent when all went well, as fetch and crawl
        return
    if json:
        failures = [{"url": o.url, "reason": o.reason} for o in summary.failures]
        print(jsonlib.dumps({**done, "failures": failures}), flush=True)
    else:
        print(", ".join(f"{k} {v:,}" for k, v in done.items()), file=sys.stderr, flush=True)
    if failed:
        raise typer.Exit(EXIT_FAILED)
