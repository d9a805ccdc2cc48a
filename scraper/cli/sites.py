"""``scraper sites``: the sites workers crawl (add, list, pause, resume)."""

from __future__ import annotations

import json as jsonlib
import re
from typing import Annotated, Any

import typer

from scraper.cli.common import (
    EXIT_FAILED,
    EXIT_USAGE,
    Command,
    ConfigOption,
    DbOption,
    InputOption,
    err,
    open_archive,
    open_existing,
    open_reader,
    read_urls,
    settings_for,
    urls_argument,
)
from scraper.settings import parse_setting
from scraper.urls import host_key

app = typer.Typer(
    help="The sites workers crawl: add, list, pause, resume.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_SPAN = re.compile(r"(\d{1,7})\s*([smhdw]?)")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_every(text: str) -> int:
    """``30m``, ``2h``, ``1d``, ``90s``, ``1w`` or plain seconds, as seconds (at least 1)."""
    found = _SPAN.fullmatch(text.strip().lower())
    seconds = int(found[1]) * _SECONDS[found[2]] if found else 0
    if seconds < 1:
        raise typer.BadParameter(f"{text!r}: not a period like 90s, 30m, 2h, 1d or 1w")
    return seconds


def every_text(seconds: int) -> str:
    """The shortest exact form of a period: ``30m``, ``2h``, ``90s``."""
    for unit in ("w", "d", "h", "m"):
        if seconds % _SECONDS[unit] == 0:
            return f"{seconds // _SECONDS[unit]}{unit}"
    return f"{seconds}s"


def _delay(text: str) -> float:
    try:
        return float(parse_setting("crawl_delay", text))
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r}: {exc}") from None


@app.command("add", cls=Command)
def add(
    urls: Annotated[list[str] | None, urls_argument("Seed URLs (home pages).")] = None,
    input: InputOption = None,
    every: Annotated[
        int | None,
        typer.Option(
            parser=parse_every,
            metavar="PERIOD",
            help="Time from the end of a run to the next (90s, 30m, 2h, 1d; default 1h).",
            show_default=False,
        ),
    ] = None,
    delay: Annotated[
        float | None,
        typer.Option(
            parser=_delay,
            metavar="SECONDS",
            help="Seconds between requests to its hosts (default: the worker's --delay).",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Add sites for workers to crawl (seeds grouped by site), due at once; a known site
    gets the seeds it lacks, and the period and delay given."""
    from scraper.crawl.crawler import group_seeds

    seeds = read_urls(urls, input)
    if not seeds:
        err("no seed URLs given (pass URLs or --input FILE)")
        raise typer.Exit(EXIT_USAGE)
    with open_archive(settings_for(config, db=db)) as archive, archive.transaction():
        for site, site_seeds in group_seeds(seeds).items():
            new, n, interval = archive.sites.add(site, site_seeds, every, delay)
            print(
                f"{site}: {'added' if new else 'updated'} "
                f"({n} seed{'s' * (n != 1)}, every {every_text(interval)})"
            )


def _state(row: dict[str, Any], now: str) -> str:
    if row["paused"]:
        return "paused"
    if row["lease_owner"] and row["lease_expires"] and row["lease_expires"] > now:
        return "crawling"
    return "due" if row["next_run"] <= now else "waiting"


@app.command("list", cls=Command)
def list_sites(
    json: Annotated[bool, typer.Option("--json", help="One JSON object a site.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Every site: its state (due, crawling, waiting, paused), period, next run,
    failed runs in a row and the last run's result."""
    from scraper.archive.sites import now, stamp

    with open_reader(settings_for(config, db=db)) as archive:
        rows = archive.sites.list()
    at = stamp(now())
    for row in rows:
        row["state"] = _state(row, at)
        if json:
            print(jsonlib.dumps(row, ensure_ascii=False))
            continue
        holder = f" by {row['lease_owner']} until {row['lease_expires']}"
        print(
            f"{row['site']}  {row['state']}{holder if row['state'] == 'crawling' else ''}"
            f"  every {every_text(row['interval_seconds'])}  next {row['next_run']}"
            f"  failures {row['failures']}  last {row['last_result'] or 'never run'}"
        )


def _pause(names: list[str], db: Any, config: Any, paused: bool) -> None:
    missing = 0
    with open_existing(settings_for(config, db=db)) as archive:
        for name in names:
            site = host_key(name) if "://" in name else name.strip().lower().removeprefix("www.")
            if archive.sites.pause(site, paused):
                print(f"{site}: {'paused' if paused else 'resumed'}")
            else:
                err(f"{name}: no such site (scraper sites list)")
                missing += 1
    if missing:
        raise typer.Exit(EXIT_FAILED)


SitesArgument = Annotated[
    list[str], typer.Argument(metavar="SITE", help="Sites (host, or a URL of it).")
]


@app.command("pause", cls=Command)
def pause(names: SitesArgument, db: DbOption = None, config: ConfigOption = None) -> None:
    """Stop crawling sites: not claimed, and a run in progress stops at its next heartbeat."""
    _pause(names, db, config, True)


@app.command("resume", cls=Command)
def resume(names: SitesArgument, db: DbOption = None, config: ConfigOption = None) -> None:
    """Crawl paused sites again."""
    _pause(names, db, config, False)
