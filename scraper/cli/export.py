"""``scraper export``: stream the archive's articles as jsonl, json, csv or markdown."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from scraper.cli.common import ConfigOption, DbOption, open_archive, settings_for
from scraper.errors import InputFileError
from scraper.export import WRITERS, parse_since


def export(
    format: Annotated[
        str, typer.Option("--format", "-f", help=f"One of: {', '.join(WRITERS)}.")
    ] = "jsonl",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here instead of stdout.", dir_okay=False),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Only articles published (or first seen) on or after this date."),
    ] = None,
    site: Annotated[
        str | None, typer.Option(help="Only articles of this host (and its subdomains).")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Write the archived articles to stdout or a file."""
    if format not in WRITERS:
        raise typer.BadParameter(f"must be one of {', '.join(WRITERS)}", param_hint="--format")
    try:
        since_iso = parse_since(since) if since else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from exc
    settings = settings_for(config, db=db)
    with open_archive(settings) as archive:
        rows = archive.iter_articles(since=since_iso, site=site)
        if output is None:
            WRITERS[format](rows, sys.stdout)
            sys.stdout.flush()
            return
        tmp = output.with_name(output.name + ".part")
        try:
            with tmp.open("w", encoding="utf-8", newline="") as out:
                WRITERS[format](rows, out)
            tmp.replace(output)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise InputFileError(str(output), exc.strerror or "cannot write") from exc
