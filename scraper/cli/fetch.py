"""``scraper fetch``: fetch URLs, extract the articles, archive them."""

from __future__ import annotations

from typing import Annotated

import typer

from scraper.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
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
    run_async,
    setting_option,
    settings_for,
    urls_argument,
)


def fetch(
    urls: Annotated[list[str] | None, urls_argument("Article URLs.")] = None,
    input: InputOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
    concurrency: ConcurrencyOption = None,
    per_host: PerHostOption = None,
    timeout: TimeoutOption = None,
    retries: Annotated[
        int | None, setting_option("retries", "Retries on connect errors, 429, 5xx")
    ] = None,
    max_bytes: Annotated[
        int | None, setting_option("max_bytes", "Response size cap, decompressed", default="10 MB")
    ] = None,
    user_agent: UserAgentOption = None,
    quiet: QuietOption = False,
    json: JsonLinesOption = False,
) -> None:
    """Fetch article pages and store their clean text and metadata in the archive."""
    from scraper.cli.report import Reporter
    from scraper.crawl.urllist import archive_urls
    from scraper.pipeline import Summary

    targets = read_urls(urls, input)
    if not targets:
        err("no URLs given (pass URLs or --input FILE)")
        raise typer.Exit(EXIT_USAGE)
    settings = settings_for(
        config,
        db=db,
        concurrency=concurrency,
        per_host=per_host,
        timeout=timeout,
        retries=retries,
        max_bytes=max_bytes,
        user_agent=user_agent,
    )
    summary = Summary()  # filled as URLs finish: the figures of an interrupted run too
    interrupted = False
    with (
        open_archive(settings) as archive,
        Reporter(len(targets), quiet=quiet, as_json=json) as rep,
    ):
        try:
            run_async(archive_urls(targets, archive, settings, on_outcome=rep, summary=summary))
        except KeyboardInterrupt:  # Ctrl-C: what finished is stored; say what it was
            interrupted = True
        if not interrupted:
            archive.tidy()
    if interrupted:
        rep.summary(summary, always=True, interrupted=True)
        raise typer.Exit(EXIT_INTERRUPTED)
    rep.summary(summary)
    if summary.failed:
        raise typer.Exit(EXIT_FAILED)
