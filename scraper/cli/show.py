"""``scraper show``: print one archived article."""

from __future__ import annotations

import json as jsonlib
from typing import Annotated

import typer

from scraper.cli.common import (
    EXIT_FAILED,
    ConfigOption,
    DbOption,
    RefArgument,
    choices,
    err,
    open_reader,
    resolve_ref,
    settings_for,
)
from scraper.export import FORMATS_SHOW, render_markdown, render_text

ShowFormat = choices("ShowFormat", FORMATS_SHOW)
TEXT = ShowFormat("text")


def show(
    url: RefArgument,
    db: DbOption = None,
    config: ConfigOption = None,
    format: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] = TEXT,
) -> None:
    """Print an archived article: its metadata, then its text."""
    with open_reader(settings_for(config, db=db)) as archive:
        row = archive.get_article_by_id(resolve_ref(archive, url))
    if row is None:
        err(f"{url}: not in the archive")
        raise typer.Exit(EXIT_FAILED)
    if format == "json":
        typer.echo(jsonlib.dumps(row, ensure_ascii=False, indent=2))
    elif format == "markdown":
        typer.echo(render_markdown(row))
    else:
        typer.echo(render_text(row))
