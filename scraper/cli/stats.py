"""``scraper stats``: per site, articles, the last fetch, failures and the crawl queue."""

from __future__ import annotations

import json as jsonlib
from typing import Annotated

import typer

from scraper.cli.common import ConfigOption, DbOption, open_reader, settings_for

TOP_FAILURES = 5


def stats(
    json: Annotated[bool, typer.Option("--json", help="As one JSON object, by site.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Per site: articles, the last fetch, failures by reason, the crawl queue by state."""
    with open_reader(settings_for(config, db=db)) as archive:
        sites = archive.stats()
    if json:
        print(jsonlib.dumps(sites, ensure_ascii=False, indent=2))
        return
    for site, entry in sites.items():
        print(site or "(no host)")
        print(f"  articles {entry['articles']}, last fetch {entry['last_fetch'] or 'never'}")
        failures = sorted(entry["failures"].items(), key=lambda kv: (-kv[1], kv[0]))
        if failures:
            total = sum(n for _, n in failures)
            print(f"  failures {total}:")
            for reason, n in failures[:TOP_FAILURES]:
                print(f"    {n:>6}  {reason}")
            if len(failures) > TOP_FAILURES:
                print(f"    ... {len(failures) - TOP_FAILURES} other reasons")
        if entry["queue"]:
            queue = ", ".join(f"{state} {n}" for state, n in sorted(entry["queue"].items()))
            print(f"  queue: {queue}")
