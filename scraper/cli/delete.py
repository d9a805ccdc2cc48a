"""``scraper delete``, ``scraper prune`` and ``scraper compact``: remove articles, or old
fetch rows and superseded raw pages, then give the space back; or compress raw pages
again with a dictionary of their site."""

from __future__ import annotations

import json as jsonlib
from typing import Annotated

import typer

from scraper.cli.common import (
    EXIT_FAILED,
    ConfigOption,
    DbOption,
    SiteOption,
    err,
    open_existing,
    settings_for,
    when_option,
)
from scraper.errors import UsageError

DryRunOption = Annotated[
    bool, typer.Option("--dry-run", "-n", help="Say what would be deleted; delete nothing.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")]


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{table.replace('_', ' ')} {n}" for table, n in counts.items())


def delete(
    urls: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="URL|ID", help="URLs or ids of archived articles.", show_default=False
        ),
    ] = None,
    site: SiteOption = None,
    query: Annotated[
        str | None,
        typer.Option(
            "--query", metavar="QUERY", help="Every article a search for QUERY finds (FTS5 syntax)."
        ),
    ] = None,
    dry_run: DryRunOption = False,
    json: JsonOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Delete articles with their links, versions, raw pages and fetch rows.

    By URL or id, or every article of --site, or that a search --query finds (both:
    the site's articles the query finds). Prints what it deleted; asks nothing.
    """
    if urls and (site or query):
        raise UsageError("delete: give URLs or --site / --query, not both")
    if not urls and not site and not query:
        raise UsageError("delete: give URLs, --site or --query")
    if query is not None and not query.strip():
        raise UsageError("delete: the query is empty")
    with open_existing(settings_for(config, db=db)) as archive:
        if urls:
            ids = []
            for ref in urls:
                found = archive.resolve(ref)
                if found is None:
                    err(f"{ref}: not in the archive")
                    raise typer.Exit(EXIT_FAILED)
                ids.append(found)
        else:
            ids = archive.matching(site=site, query=query)
        listed = archive.keys_of(ids)
        counts = archive.delete_articles(ids, dry_run=dry_run)
    if not ids:
        err("nothing to delete: no article matches")
        raise typer.Exit(EXIT_FAILED)
    verb = "would delete" if dry_run else "deleted"
    if json:
        print(jsonlib.dumps({"dry_run": dry_run, "ids": ids, **counts}))
        return
    for article_id, key in listed:
        print(f"{verb}  {article_id}  {key}")
    print(f"{verb}: {_counts(counts)}")


def prune(
    before: Annotated[
        str,
        typer.Option(
            "--before",
            metavar="DATE",
            help="Prune what was fetched before DATE (YYYY-MM-DD, ISO datetime, or an age: 30d).",
            show_default=False,
        ),
    ],
    dry_run: DryRunOption = False,
    json: JsonOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Delete fetch rows and superseded raw pages fetched before DATE, then VACUUM.

    Never an article's newest raw page, nor the page of its current text, nor any
    version's text; a fetch row a kept raw page or a version names stays.
    """
    when = when_option(before, "--before")
    assert when is not None
    with open_existing(settings_for(config, db=db)) as archive:
        size = archive.size()
        counts = archive.prune(when, dry_run=dry_run)
        if not dry_run:
            archive.vacuum()
        after = archive.size()
    if json:
        sizes = {"bytes_before": size, "bytes_after": after}
        print(jsonlib.dumps({"dry_run": dry_run, **counts, **sizes}))
        return
    verb = "would delete" if dry_run else "deleted"
    print(f"{verb}: {_counts(counts)}")
    if not dry_run:
        print(f"vacuumed: {size:,} bytes -> {after:,} bytes")


def compact(
    site: SiteOption = None,
    json: JsonOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Compress raw pages again with a zstd dictionary of their site.

    A site with 50 raw pages or more gets a dictionary trained on them (its pages share
    a template); its raw pages without one are compressed again with it, then the space
    they free goes back to the file system. Lossless; safe beside a running crawl.
    """
    with open_existing(settings_for(config, db=db)) as archive:
        size = archive.size()
        done = archive.compact(site)
        archive.tidy()
        after = archive.size()
    if json:
        print(
            jsonlib.dumps(
                {
                    "sites": done.sites,
                    "dictionaries": done.dictionaries,
                    "raw_pages": done.pages,
                    "raw_bytes_before": done.before,
                    "raw_bytes_after": done.after,
                    "bytes_before": size,
                    "bytes_after": after,
                }
            )
        )
        return
    print(
        f"compacted: raw pages {done.pages} of {done.sites} sites "
        f"({done.dictionaries} new dictionaries), {done.before:,} bytes -> {done.after:,} bytes"
    )
    print(f"archive: {size:,} bytes -> {after:,} bytes")
