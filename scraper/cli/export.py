"""``scraper export``: stream the archive's articles as jsonl, json, csv, markdown or WARC."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from scraper.cli.common import (
    ConfigOption,
    DbOption,
    SinceOption,
    SiteOption,
    choices,
    open_reader,
    settings_for,
    when_option,
)
from scraper.errors import InputFileError
from scraper.export import COLUMNS, VERSION_COLUMNS, WRITERS

FORMATS = (*WRITERS, "warc")
ExportFormat = choices("ExportFormat", FORMATS)
JSONL = ExportFormat("jsonl")
Versions = choices("Versions", ("latest", "all"))
LATEST = Versions("latest")


def export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="Output format.")] = JSONL,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write here instead of stdout.", dir_okay=False, metavar="FILE"
        ),
    ] = None,
    since: SinceOption = None,
    site: SiteOption = None,
    version: Annotated[
        Versions,
        typer.Option(
            "--version",
            help="latest: each article as it is now; all: a row per version of its text "
            "(warc: every raw page kept).",
        ),
    ] = LATEST,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Write the archived articles to stdout or a file."""
    from scraper.warc import write_warc

    after = when_option(since, "--since")
    settings = settings_for(config, db=db)
    with open_reader(settings) as archive:
        every = version == "all"
        rows = archive.iter_articles(since=after, site=site)
        if format == "warc":  # bytes: the raw pages as WARC records, gzip per record
            if output is None:
                write_warc(archive, rows, sys.stdout.buffer, latest=not every)
                sys.stdout.buffer.flush()
                return
            tmp = output.with_name(output.name + ".part")
            try:
                with tmp.open("wb") as raw_out:
                    write_warc(archive, rows, raw_out, filename=output.name, latest=not every)
                tmp.replace(output)
            except OSError as exc:
                raise InputFileError(str(output), exc.strerror or "cannot write") from exc
            finally:  # an archive that fails to read midway leaves no part file either
                tmp.unlink(missing_ok=True)
            return
        columns = VERSION_COLUMNS if every else COLUMNS
        if every:
            rows = archive.iter_versions(since=after, site=site)
        if output is None:
            WRITERS[format](rows, sys.stdout, columns)
            sys.stdout.flush()
            return
        tmp = output.with_name(output.name + ".part")
        try:
            with tmp.open("w", encoding="utf-8", newline="") as out:
                WRITERS[format](rows, out, columns)
            tmp.replace(output)
        except OSError as exc:
            raise InputFileError(str(output), exc.strerror or "cannot write") from exc
        finally:  # a failed export leaves neither a part file nor a half-written output
            tmp.unlink(missing_ok=True)
