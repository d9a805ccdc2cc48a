"""``scraper crawl``: keep a site's archive current (see scraper.crawl)."""

from __future__ import annotations

import typer


def crawl() -> None:
    """Crawl sites incrementally (not yet available)."""
    typer.echo("scraper crawl: not implemented yet", err=True)
    raise typer.Exit(2)
