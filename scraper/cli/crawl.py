"""``scraper crawl``: keep a site's archive current (see scraper.crawl)."""

from __future__ import annotations

import re
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    run_async,
    setting_option,
    settings_for,
    urls_argument,
    when_option,
)
from scraper.urls import redact

if TYPE_CHECKING:
    from scraper.crawl import CrawlOptions
    from scraper.settings import Settings


MaxPagesOption = Annotated[
    int | None,
    setting_option("max_pages", "Requests per site and run, sitemaps and feeds included"),
]
MaxDepthOption = Annotated[int | None, setting_option("max_depth", "Links followed from a seed")]
SinceOption = Annotated[
    str | None,
    typer.Option(
        metavar="DATE",
        help="Skip sitemap / feed entries and articles dated before DATE (YYYY-MM-DD, or 7d).",
        show_default=False,
    ),
]
IncludeOption = Annotated[
    list[str] | None,
    typer.Option(
        help="Only page URLs matching this regex (repeatable).",
        metavar="REGEX",
        show_default=False,
    ),
]
ExcludeOption = Annotated[
    list[str] | None,
    typer.Option(
        help="No page URLs matching this regex (repeatable).",
        metavar="REGEX",
        show_default=False,
    ),
]
NoLinksOption = Annotated[
    bool, typer.Option("--no-links", help="Sitemaps and feeds only: follow no page links.")
]
OffsiteOption = Annotated[bool, typer.Option("--offsite", help="Follow links to other sites too.")]
DelayOption = Annotated[
    float | None, setting_option("crawl_delay", "Seconds between requests to one host")
]
ExtractProcessesOption = Annotated[
    int | None,
    typer.Option(
        "--processes",
        min=0,
        help="Extraction processes (default: the cores but one, at least 1, at most 4; 0: "
        "extract in this process, with no time limit on a page).",
        show_default=False,
    ),
]
LeaseOption = Annotated[
    float,
    typer.Option(
        "--lease",
        min=1,
        metavar="SECONDS",
        help="Sites table: a site's lease lasts this long unless renewed (default 60).",
        show_default=False,
    ),
]
PollOption = Annotated[
    float,
    typer.Option(
        "--poll",
        min=0.01,
        metavar="SECONDS",
        help="Sites table: when no site can be claimed, look again after this long (default 5).",
        show_default=False,
    ),
]


def crawl(
    urls: Annotated[list[str] | None, urls_argument("Seed URLs (home pages).")] = None,
    input: InputOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
    max_pages: MaxPagesOption = None,
    max_depth: MaxDepthOption = None,
    since: SinceOption = None,
    include: IncludeOption = None,
    exclude: ExcludeOption = None,
    no_links: NoLinksOption = False,
    offsite: OffsiteOption = False,
    per_host: PerHostOption = None,
    delay: DelayOption = None,
    concurrency: ConcurrencyOption = None,
    timeout: TimeoutOption = None,
    user_agent: UserAgentOption = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for another crawl of the archive to end.")
    ] = False,
    until_drained: Annotated[
        bool,
        typer.Option(
            "--until-drained",
            help="Crawl the sites of the sites table (scraper sites add), as a worker does, "
            "until none is due; no seeds.",
        ),
    ] = False,
    lease: LeaseOption = 60.0,
    poll: PollOption = 5.0,
    processes: ExtractProcessesOption = None,
    quiet: QuietOption = False,
    json: JsonLinesOption = False,
) -> None:
    """Crawl sites into the archive: new and changed articles only, politely, resumably."""
    from scraper.cli.report import Reporter
    from scraper.crawl import CrawlOptions, CrawlResult, crawl_lock
    from scraper.crawl import crawl as run_crawl
    from scraper.crawl.pool import ExtractPool
    from scraper.errors import ArchiveLocked

    seeds = read_urls(urls, input)
    if until_drained and seeds:
        err("--until-drained crawls the sites table: add seeds with 'scraper sites add'")
        raise typer.Exit(EXIT_USAGE)
    if not seeds and not until_drained:
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
    if until_drained:
        _drain(settings, options, lease, poll, processes, quiet=quiet, as_json=json)
        return
    pool = None if processes is None else ExtractPool(processes)
    result = CrawlResult()
    try:
        with (
            crawl_lock(settings.db, wait=wait, on_wait=None if quiet else _waiting(settings.db)),
            open_archive(settings) as archive,
            Reporter(None, quiet=quiet, as_json=json) as rep,
        ):
            try:
                run_async(
                    run_crawl(
                        seeds, archive, settings, options, on_outcome=rep, result=result, pool=pool
                    )
                )
            except KeyboardInterrupt:  # Ctrl-C: what was done is committed; say what it was
                result.interrupted = True
            finally:
                if pool is not None:
                    pool.close()
            if not result.interrupted:
                archive.tidy()
    except ArchiveLocked as exc:
        err(f"{exc}; not starting (use --wait to wait for it)")
        raise typer.Exit(EXIT_OK) from None
    rep.summary(result.summary, always=result.interrupted, **result.extra())
    if result.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    if result.problems:  # dead links and pages that are not articles are only counted
        raise typer.Exit(EXIT_FAILED)


def _drain(
    settings: Settings,
    options: CrawlOptions,
    lease: float,
    poll: float,
    processes: int | None,
    *,
    quiet: bool,
    as_json: bool,
) -> None:
    """``crawl --until-drained``: the worker loop, until no site is due; no crawl lock
    (each site's lease is its lock), the output and exit codes of a crawl."""
    from scraper.cli.report import Reporter
    from scraper.cli.worker import run_sites
    from scraper.crawl.worker import WorkerOptions

    plan = WorkerOptions(
        lease_seconds=lease, poll_seconds=poll, until_drained=True, processes=processes
    )
    with Reporter(None, quiet=quiet, as_json=as_json) as rep:
        result, sig = run_sites(settings, options, plan, on_outcome=rep)
    result.interrupted = sig is not None
    rep.summary(result.summary, always=result.interrupted, **result.extra())
    if sig == signal.SIGINT:
        raise typer.Exit(EXIT_INTERRUPTED)
    if sig is None and result.problems:
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
