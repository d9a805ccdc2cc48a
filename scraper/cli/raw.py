"""``scraper raw``: the archived HTML of an article, decompressed, as stored."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from scraper.cli.common import (
    EXIT_FAILED,
    ConfigOption,
    DbOption,
    RefArgument,
    err,
    open_reader,
    resolve_ref,
    settings_for,
)


def raw(
    url: RefArgument,
    version: Annotated[
        int | None,
        typer.Option(
            "--version", min=1, metavar="N", help="The page of version N (default: the latest)."
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Print the archived HTML of an article (the page its text was extracted from),
    decompressed, byte for byte as stored: the latest, or that of --version N."""
    with open_reader(settings_for(config, db=db)) as archive:
        found = archive.raw_page_of(resolve_ref(archive, url), version)
    if isinstance(found, str):
        err(f"{url}: {found}")
        raise typer.Exit(EXIT_FAILED)
    sys.stdout.buffer.write(found)
    sys.stdout.buffer.flush()
