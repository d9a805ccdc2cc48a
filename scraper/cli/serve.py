"""``scraper serve``: browse and search the archive in Datasette (optional extra)."""

from __future__ import annotations

from typing import Annotated

import typer

from scraper import serve as serving
from scraper.cli.common import ConfigOption, DbOption, settings_for


def serve(
    db: DbOption = None,
    config: ConfigOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8001,
) -> None:
    """Browse and search the archive in Datasette, read-only.

    Needs the serve extra: pip install 'scraper[serve]'.
    """
    settings = settings_for(config, db=db)
    serving.run(settings.db, host, port)
