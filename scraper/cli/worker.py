"""``scraper worker``: a long-running crawler of the sites table (see scraper.crawl.worker).

Also the runner of ``scraper crawl --until-drained``.  SIGTERM (and Ctrl-C) stop a
worker cleanly: the site's run is cut short, what it wrote is committed, its
lease is released with the site still due (another worker goes on with it).
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from scraper.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    ConcurrencyOption,
    ConfigOption,
    DbOption,
    PerHostOption,
    QuietOption,
    TimeoutOption,
    UserAgentOption,
    open_archive,
    settings_for,
)
from scraper.cli.crawl import (
    DelayOption,
    ExtractProcessesOption,
    LeaseOption,
    MaxDepthOption,
    MaxPagesOption,
    NoLinksOption,
    OffsiteOption,
    PollOption,
)

if TYPE_CHECKING:
    from scraper.crawl import CrawlOptions, CrawlResult
    from scraper.crawl.worker import SiteRun, WorkerOptions
    from scraper.pipeline import Outcome
    from scraper.settings import Settings


def run_sites(
    settings: Settings,
    options: CrawlOptions,
    worker: WorkerOptions,
    *,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_site: Callable[[SiteRun], None] | None = None,
) -> tuple[CrawlResult, int | None]:
    """Run the worker loop until it ends or a signal stops it: its figures, and the
    signal (SIGTERM, SIGINT) that stopped it, if one did."""
    from scraper.crawl.worker import work

    got: list[int] = []

    async def main() -> CrawlResult:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):

            def stopped(sig: int = sig) -> None:
                got.append(sig)
                stop.set()

            loop.add_signal_handler(sig, stopped)
        try:
            with open_archive(settings) as archive:
                return await work(
                    archive,
                    settings,
                    options,
                    worker,
                    stop=stop,
                    on_outcome=on_outcome,
                    on_site=on_site,
                )
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)

    result = asyncio.run(main())
    return result, got[0] if got else None


def worker(
    db: DbOption = None,
    config: ConfigOption = None,
    lease: LeaseOption = 60.0,
    poll: PollOption = 5.0,
    until_drained: Annotated[
        bool, typer.Option("--until-drained", help="Exit once no site is due.")
    ] = False,
    max_pages: MaxPagesOption = None,
    max_depth: MaxDepthOption = None,
    no_links: NoLinksOption = False,
    offsite: OffsiteOption = False,
    per_host: PerHostOption = None,
    delay: DelayOption = None,
    concurrency: ConcurrencyOption = None,
    timeout: TimeoutOption = None,
    user_agent: UserAgentOption = None,
    processes: ExtractProcessesOption = None,
    quiet: QuietOption = False,
    json: Annotated[
        bool, typer.Option("--json", help="A JSON object a site run (and a failed URL).")
    ] = False,
) -> None:
    """Crawl the sites of the sites table, one at a time, each leased to this worker,
    until SIGTERM (run one on each of N machines)."""
    from scraper.cli.report import Reporter
    from scraper.crawl import CrawlOptions
    from scraper.crawl.worker import WorkerOptions

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
    options = CrawlOptions(follow_links=not no_links, offsite=offsite)
    plan = WorkerOptions(
        lease_seconds=lease, poll_seconds=poll, until_drained=until_drained, processes=processes
    )

    def said(run: SiteRun) -> None:
        if quiet:
            return
        if json:
            line = {"type": "site", "site": run.site, "cut": run.cut, "next_in": run.next_in}
            line.update(run.result.summary.as_dict())
            line.update(run.result.extra())
            print(jsonlib.dumps(line, ensure_ascii=False), flush=True)
            return
        after = "cut short: " + run.cut if run.cut else f"next in {_span(run.next_in)}"
        print(f"{run.site}: {run.result.line()}; {after}", flush=True)

    with Reporter(None, quiet=True, as_json=json) as rep:
        result, sig = run_sites(settings, options, plan, on_outcome=rep, on_site=said)
    if sig == signal.SIGINT:
        raise typer.Exit(EXIT_INTERRUPTED)
    if sig is None and result.problems:  # --until-drained: as a crawl would
        raise typer.Exit(EXIT_FAILED)
    raise typer.Exit(EXIT_OK)


def _span(seconds: float | None) -> str:
    if not seconds:
        return "0 s (URLs left)"
    from scraper.cli.sites import every_text

    return every_text(int(seconds))
