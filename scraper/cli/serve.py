"""``scraper serve``: browse and search the archive in Datasette (optional extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scraper import serve as serving
from scraper.cli.common import ConfigOption, DbOption, settings_for
from scraper.errors import UsageError
from scraper.settings import is_database_url
from scraper.urls import redact


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
    if is_database_url(settings.db):
        raise UsageError(
            f"{redact(str(settings.db))}: serve opens SQLite archives only (Datasette)"
        )
    serving.run(Path(settings.db), host, port)
