"""``scraper search``: full-text search of the archive, best matches first (bm25)."""

from __future__ import annotations

import json as jsonlib
import sys
from typing import Annotated, Any

import typer

from scraper.archive.dialect import SNIPPET_MARKS
from scraper.cli.common import (
    EXIT_FAILED,
    ConfigOption,
    DbOption,
    SinceOption,
    SiteOption,
    UntilOption,
    err,
    open_reader,
    settings_for,
    when_option,
)
from scraper.errors import UsageError

BOLD, PLAIN = ("\x1b[1m", "\x1b[0m"), ("**", "**")


def search(
    query: Annotated[
        str,
        typer.Argument(
            help='FTS5 query: words, "a phrase", AND / OR / NOT, prefix*, title:word.',
            show_default=False,
        ),
    ],
    site: SiteOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    author: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="Only articles by an author whose name contains NAME."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, metavar="N", help="At most N results.")] = 20,
    json: Annotated[bool, typer.Option("--json", help="One JSON object a line.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Search the archived articles' titles and texts, best matches first.

    Exits 1 when nothing matches (like grep); a query SQLite cannot parse is a
    usage error (exit 2).
    """
    if not query.strip():
        raise UsageError("search: the query is empty")
    filters: dict[str, Any] = {
        "since": when_option(since, "--since"),
        "until": when_option(until, "--until"),
        "site": site,
        "author": author,
        "limit": limit,
    }
    with open_reader(settings_for(config, db=db)) as archive:
        found = archive.search(query, **filters)
    if not found:
        err(f"no article matches {query!r}")
        raise typer.Exit(EXIT_FAILED)
    if json:
        for row in found:
            row["snippet"] = _marked(row["snippet"], ("", ""))
            print(jsonlib.dumps(row, ensure_ascii=False))
        return
    marks = BOLD if sys.stdout.isatty() else PLAIN
    for row in found:
        date = (row["published_utc"] or row["first_seen"] or "")[:10]
        print(f"{row['id']}  {date:<10}  {row['host']}  {row['title'] or '(no title)'}")
        print(f"    {row['url']}")
        print(f"    {_marked(row['snippet'], marks)}")


def _marked(snippet: str | None, marks: tuple[str, str]) -> str:
    text = " ".join((snippet or "").split())
    return text.replace(SNIPPET_MARKS[0], marks[0]).replace(SNIPPET_MARKS[1], marks[1])
