"""``scraper merge``: fold archives (the shards of an import on Dask) into one."""

from __future__ import annotations

import json as jsonlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from scraper.cli.common import EXIT_ARCHIVE, ConfigOption, QuietOption, err, settings_for
from scraper.errors import ArchiveError, InputFileError, UsageError

IntoOption = Annotated[
    Path | None,
    typer.Option(
        "--into",
        "--db",
        help="The archive merged into, created if needed (env SCRAPER_DB; default "
        "data/archive.db).",
        show_default=False,
        dir_okay=False,
        metavar="FILE",
    ),
]


def merge(
    shards: Annotated[
        list[Path], typer.Argument(metavar="ARCHIVE", help="Archives to merge (shard-*.db).")
    ],
    into: IntoOption = None,
    config: ConfigOption = None,
    quiet: QuietOption = False,
    json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Fold archives into one: articles by canonical URL, with their fetches, raw
    pages, versions and links.

    Each archive is merged in one transaction; merging one again changes nothing.
    An article both have keeps every version, in the order fetched, the newest current.
    """
    from scraper.archive import Archive

    settings = settings_for(config, db=into)
    target = Path(settings.db)
    for shard in shards:  # before anything is merged
        if not shard.is_file():
            raise InputFileError(str(shard), "is a directory" if shard.is_dir() else "no such file")
        if target.exists() and shard.resolve() == target.resolve():
            raise UsageError(f"{shard}: is the archive merged into")
    totals: dict[str, int] = {"archives": 0}
    broken = 0
    with Archive(target) as archive:
        for shard in shards:
            try:
                counts = archive.merge_from(shard)
            except ArchiveError as exc:  # that shard: nothing of it is in the target
                broken += 1
                err(str(exc) if str(exc).startswith(str(shard)) else f"{shard}: {exc}")
                continue
            totals["archives"] += 1
            for key, n in counts.items():
                totals[key] = totals.get(key, 0) + n
            if not quiet and not json:
                shown = ", ".join(f"{k.replace('_', ' ')} {n:,}" for k, n in counts.items())
                print(f"{'merged':<12} {shard}  {shown}", flush=True)
    totals["errors"] = broken
    if not (quiet and not broken):
        if json:
            print(jsonlib.dumps(totals), flush=True)
        else:
            shown = ", ".join(f"{k.replace('_', ' ')} {n:,}" for k, n in totals.items())
            print(shown, file=sys.stderr, flush=True)
    if broken:
        raise typer.Exit(EXIT_ARCHIVE)
