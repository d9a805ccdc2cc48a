"""The ``scraper`` command: assembles the app; each command lives in its own module.

Exit codes (also in the README):
  0  everything asked for was done
  1  some URLs failed (each printed as one line with its reason), or nothing found
  2  usage error: bad option, unreadable input or config file, a string that is
     not an http(s) URL
  3  the archive cannot be opened or written
  130 interrupted (Ctrl-C): the summary of what was done is printed
(crawl: 1 only for a seed, robots.txt, sitemap or feed that failed, or pages not
fetched after retries; dead links found on pages are counted, not errors)
"""

from __future__ import annotations

import sys

import typer

from scraper import __version__
from scraper.cli import (
    config,
    crawl,
    delete,
    export,
    fetch,
    importer,
    listing,
    merge,
    raw,
    reextract,
    search,
    serve,
    show,
    sites,
    stats,
    versions,
    worker,
)
from scraper.cli.common import Command, err
from scraper.errors import ScraperError

app = typer.Typer(
    name="scraper",
    help="Fetch news articles, strip boilerplate, and keep them in a SQLite archive.",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help: conventional metavars, no <bool> / <str> types
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"scraper {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        "-V",
        callback=_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """Fetch news articles, strip boilerplate, and keep them in a SQLite archive."""


for name, command in (
    ("fetch", fetch.fetch),
    ("crawl", crawl.crawl),
    ("show", show.show),
    ("export", export.export),
    ("reextract", reextract.reextract),
    ("import", importer.import_warc),
    ("serve", serve.serve),
    ("config", config.config),
    ("search", search.search),
    ("list", listing.list_articles),
    ("stats", stats.stats),
    ("history", versions.history),
    ("diff", versions.diff),
    ("raw", raw.raw),
    ("delete", delete.delete),
    ("prune", delete.prune),
    ("compact", delete.compact),
    ("merge", merge.merge),
    ("worker", worker.worker),
):
    app.command(name, cls=Command)(command)
app.add_typer(sites.app, name="sites")


def main() -> None:
    try:
        app(prog_name="scraper")  # also under ``python -m scraper``: completion uses the name
    except ScraperError as exc:  # one line, and the exit code of its kind: UsageError 2,
        err(str(exc))  # ArchiveError 3, Interrupted 130 (Ctrl-C with nothing to sum up)
        sys.exit(exc.exit_code)
