"""``scraper list``: the archived articles, newest first."""

from __future__ import annotations

import json as jsonlib
from typing import Annotated

import typer

from scraper.cli.common import (
    ConfigOption,
    DbOption,
    SinceOption,
    SiteOption,
    UntilOption,
    open_reader,
    settings_for,
    when_option,
)
from scraper.export import COLUMNS

LISTED = ("id", "published_utc", "host", "title", "canonical_url", "word_count")


def list_articles(
    site: SiteOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: Annotated[
        int | None, typer.Option(min=1, metavar="N", help="At most N articles.")
    ] = None,
    json: Annotated[
        bool, typer.Option("--json", help="One JSON object a line (the export's columns).")
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """List the archived articles, newest first (by publication, else first seen)."""
    after, before = when_option(since, "--since"), when_option(until, "--until")
    with open_reader(settings_for(config, db=db)) as archive:
        rows = archive.iter_articles(
            since=after, until=before, site=site, newest_first=True, limit=limit
        )
        for row in rows:
            if json:
                record = {k: row.get(k) for k in (*COLUMNS, "published_utc")}
                print(jsonlib.dumps(record, ensure_ascii=False))
                continue
            date = (row["published_utc"] or row["first_seen"] or "")[:10]
            title = row["title"] or "(no title)"
            print(f"{row['id']}  {date:<10}  {row['host']}  {title}  {row['canonical_url']}")
