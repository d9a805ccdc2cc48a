"""``scraper crawl``: keep a site's archive current (see scraper.crawl)."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from scraper.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    ConcurrencyOption,
    ConfigOption,
    DbOption,
    InputOption,
    JsonLinesOption,
    PerHostOption,
    QuietOption,
    TimeoutOption,
    UserAgentOption,
    err,
    open_archive,
    read_urls,
    setting_option,
    settings_for,
    urls_argument,
    when_option,
)
from scraper.urls import redact


def crawl(
    urls: Annotated[list[str] | None, urls_argument("Seed URLs (home pages).")] = None,
    input: InputOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
    max_pages: Annotated[
        int | None,
        setting_option("max_pages", "Requests per site and run, sitemaps and feeds included"),
    ] = None,
    max_depth: Annotated[
        int | None, setting_option("max_depth", "Links followed from a seed")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="Skip sitemap / feed entries and articles dated before DATE (YYYY-MM-DD, or 7d).",
            show_default=False,
        ),
    ] = None,
    include: Annotated[
        list[str] | None,
        typer.Option(
            help="Only page URLs matching this regex (repeatable).",
            metavar="REGEX",
            show_default=False,
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            help="No page URLs matching this regex (repeatable).",
            metavar="REGEX",
            show_default=False,
        ),
    ] = None,
    no_links: Annotated[
        bool, typer.Option("--no-links", help="Sitemaps and feeds only: follow no page links.")
    ] = False,
    offsite: Annotated[
        bool, typer.Option("--offsite", help="Follow links to other sites too.")
    ] = False,
    per_host: PerHostOption = None,
    delay: Annotated[
        float | None, setting_option("crawl_delay", "Seconds between requests to one host")
    ] = None,
    concurrency: ConcurrencyOption = None,
    timeout: TimeoutOption = None,
    user_agent: UserAgentOption = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for another crawl of the archive to end.")
    ] = False,
    quiet: QuietOption = False,
    json: JsonLinesOption = False,
) -> None:
    """Crawl sites into the archive: new and changed articles only, politely, resumably."""
    from scraper.cli.report import Reporter
    from scraper.crawl import CrawlOptions, CrawlResult, crawl_lock
    from scraper.crawl import crawl as run_crawl
    from scraper.errors import ArchiveLocked

    seeds = read_urls(urls, input)
    if not seeds:
        err("no seed URLs given (pass URLs or --input FILE)")
        raise typer.Exit(EXIT_USAGE)
    options = CrawlOptions(
        since=when_option(since, "--since"),
        include=_patterns(include, "--include"),
        exclude=_patterns(exclude, "--exclude"),
        follow_links=not no_links,
        offsite=offsite,
    )
    settings = settings_for(
        config,
        db=db,
        max_pages=max_pages,
        max_depth=max_depth,
        per_host=per_host,
        crawl_delay=delay,
        concurrency=concurrency,
        timeout=timeout,
        user_agent=user_agent,
    )
    result = CrawlResult()
    try:
        with (
            crawl_lock(settings.db, wait=wait, on_wait=None if quiet else _waiting(settings.db)),
            open_archive(settings) as archive,
            Reporter(None, quiet=quiet, as_json=json) as rep,
        ):
            try:
                asyncio.run(
                    run_crawl(seeds, archive, settings, options, on_outcome=rep, result=result)
                )
            except KeyboardInterrupt:  # Ctrl-C: what was done is committed; say what it was
                result.interrupted = True
    except ArchiveLocked as exc:
        err(f"{exc}; not starting (use --wait to wait for it)")
        raise typer.Exit(EXIT_OK) from None
    rep.summary(result.summary, always=result.interrupted, **result.extra())
    if result.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    if result.problems:  # dead links and pages that are not articles are only counted
        raise typer.Exit(EXIT_FAILED)


def _waiting(db: Path | str) -> Callable[[], None]:
    def say() -> None:
        print(
            f"scraper: {redact(str(db))}: another crawl is running; waiting for it to end",
            file=sys.stderr,
        )
        sys.stderr.flush()

    return say


def _patterns(values: list[str] | None, hint: str) -> tuple[re.Pattern[str], ...]:
    try:
        return tuple(re.compile(v) for v in values or [])
    except re.error as exc:
        raise typer.BadParameter(f"not a regular expression ({exc})", param_hint=hint) from exc
