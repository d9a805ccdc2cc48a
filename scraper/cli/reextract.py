"""``scraper reextract``: extract the archived raw pages again, after an upgrade."""

from __future__ import annotations

import json as jsonlib
import sys
from typing import Annotated

import typer

from scraper.cli.common import (
    ConfigOption,
    DbOption,
    JsonLinesOption,
    ProcessesOption,
    QuietOption,
    SiteOption,
    open_archive,
    settings_for,
)


def reextract(
    site: SiteOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
    quiet: QuietOption = False,
    json: JsonLinesOption = False,
    processes: ProcessesOption = None,
    versions: Annotated[
        bool,
        typer.Option(
            "--versions",
            help="Also rebuild each article's earlier versions from the raw pages kept.",
        ),
    ] = False,
) -> None:
    """Run extraction again over the raw pages the archive keeps; nothing is fetched.

    Use it after upgrading scraper: every article gets the new extractor's text,
    metadata and links (extracted in --processes worker processes; only what
    changed is written). An article whose new extraction finds no text keeps the
    stored one.  With --versions, every page an article's text was archived from is
    extracted again, oldest first, and its versions are rebuilt from them.
    """
    from scraper.cli.report import Reporter
    from scraper.pipeline import reextract as reextract_archive
    from scraper.pipeline import reextract_versions

    settings = settings_for(config, db=db)
    with (
        open_archive(settings) as archive,
        Reporter(None, quiet=quiet, as_json=json, label="reextracting") as rep,
    ):
        if versions:
            summary = reextract_versions(archive, site=site, on_outcome=rep)
        else:
            summary = reextract_archive(archive, site=site, on_outcome=rep, processes=processes)
    c = summary.counts
    done = {
        "reextracted": c["updated"] + c["unchanged"] + c["kept"],
        "updated": c["updated"],
        "unchanged": c["unchanged"],
        "kept": c["kept"],
    }
    if json:
        print(jsonlib.dumps({"type": "summary", **done}), flush=True)
    else:
        print(", ".join(f"{k} {v}" for k, v in done.items()), file=sys.stderr, flush=True)
