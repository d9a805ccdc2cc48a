"""``scraper import``: archive the HTML pages of WARC files."""

from __future__ import annotations

import json as jsonlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from scraper.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    ConfigOption,
    DbOption,
    JsonOption,
    ProcessesOption,
    QuietOption,
    err,
    open_archive,
    settings_for,
)
from scraper.errors import UsageError


def import_warc(
    files: Annotated[
        list[str], typer.Argument(help="WARC files (.warc or .warc.gz); '-' reads stdin.")
    ],
    processes: ProcessesOption = None,
    max_bytes: Annotated[
        int | None,
        typer.Option(min=1, help="Largest page kept, bytes (default 10 MB).", show_default=False),
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            metavar="ADDRESS",
            help="Run one task per file on Dask: a scheduler (tcp://host:8786) or 'local' "
            "(a local cluster of --processes workers); needs scraper[dask].",
            show_default=False,
        ),
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
    With --dask, each file is a task that writes its own shard beside the archive;
    the shards are merged into it.
    """
    if dask is not None:
        _import_on_dask(files, dask, processes, max_bytes, db, config, quiet, json)
        return
    from rich.console import Console
    from rich.progress import DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    from scraper.pipeline import Outcome, Status
    from scraper.warc import ImportSummary, check_inputs, import_warcs
    from scraper.workers import default_processes

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

    summary = ImportSummary()  # filled as pages are stored: an interrupted run's too
    interrupted = False
    with open_archive(settings) as archive:
        if progress is not None:
            progress.start()
        try:
            import_warcs(
                files,
                archive,
                processes=processes or default_processes(),
                max_bytes=settings.max_bytes,
                on_outcome=on_outcome,
                on_error=on_error,
                on_progress=on_progress,
                summary=summary,
            )
        except KeyboardInterrupt:  # Ctrl-C: what was stored is kept; say what it was
            interrupted = True
        finally:
            if progress is not None:
                progress.stop()
        if not interrupted:
            archive.tidy()
    done = summary.as_dict()
    failed = bool(summary.counts["failed"] or summary.errors)
    if quiet and not failed and not json and not interrupted:  # quiet: silent when all
        return  # went well, as fetch and crawl; their --json summary line is printed
    if json:
        failures = [{"url": o.url, "reason": o.reason} for o in summary.failures]
        extra = {"interrupted": True} if interrupted else {}
        print(jsonlib.dumps({**done, **extra, "failures": failures}), flush=True)
    else:
        line = ", ".join(f"{k} {v:,}" for k, v in done.items())
        print(line + (", interrupted True" if interrupted else ""), file=sys.stderr, flush=True)
    if interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    if failed:
        raise typer.Exit(EXIT_FAILED)


def _import_on_dask(
    files: list[str],
    address: str,
    processes: int | None,
    max_bytes: int | None,
    db: Path | None,
    config: Path | None,
    quiet: bool,
    json: bool,
) -> None:
    from scraper.batch import client_for, import_on_dask
    from scraper.warc import check_inputs
    from scraper.workers import default_processes

    if "-" in files:
        raise UsageError("-: stdin cannot be read by Dask workers; give files")
    if not address.strip():
        raise UsageError("--dask: give a scheduler address or 'local'")
    check_inputs(files)
    settings = settings_for(config, db=db, max_bytes=max_bytes)

    def on_file(path: str, counts: dict[str, Any]) -> None:
        for url, reason in counts.get("failures", []):
            err(f"{url}: {reason}")
        if not quiet and not json:
            shown = ("records", "pages", "archived", "updated", "unchanged", "failed")
            print(f"{'imported':<12} {path}  " + ", ".join(f"{k} {counts[k]:,}" for k in shown))

    with (
        open_archive(settings) as archive,
        client_for(address, processes or default_processes()) as client,
    ):
        summary = import_on_dask(
            files, archive, client, max_bytes=settings.max_bytes, on_file=on_file, on_error=err
        )
    done = summary.as_dict()
    failed = bool(done["failed"] or done["errors"])
    if quiet and not failed and not json:
        return
    if json:
        failures = [{"url": u, "reason": r} for u, r in summary.failures]
        print(jsonlib.dumps({**done, "failures": failures}), flush=True)
    else:
        print(", ".join(f"{k} {v:,}" for k, v in done.items()), file=sys.stderr, flush=True)
    if failed:
        raise typer.Exit(EXIT_FAILED)
