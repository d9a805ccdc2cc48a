"""``scraper config``: the settings in force, and where each one came from."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from typing import Annotated

import typer

from scraper.cli.common import ConfigOption, DbOption, flag_values
from scraper.settings import NAMES, is_database_url, resolve_settings
from scraper.urls import redact


def _json(value: object) -> object:
    if isinstance(value, str) and is_database_url(value):
        return redact(value)  # a database URL's password is not shown
    return str(value) if isinstance(value, Path) else value


def _toml(value: object) -> str:
    """The value as TOML writes it (a JSON string is a TOML basic string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return jsonlib.dumps(_json(value), ensure_ascii=False)


def config(
    db: DbOption = None,
    config: ConfigOption = None,
    json: Annotated[bool, typer.Option("--json", help="Print the settings as JSON.")] = False,
) -> None:
    """Show the settings in force and where each came from (default, file, env, flag).

    The output is TOML, each line commented with its source. Precedence:
    defaults < TOML file < environment (SCRAPER_*) < flags.
    """
    resolved = resolve_settings(config, flags=flag_values(db=db))
    values = {name: getattr(resolved.settings, name) for name in NAMES}
    file = str(resolved.config) if resolved.config is not None else None
    if json:
        settings = {
            name: {
                "value": _json(values[name]),
                "source": resolved.sources[name].kind,
                "from": resolved.sources[name].origin,
            }
            for name in NAMES
        }
        typer.echo(jsonlib.dumps({"config": file, "settings": settings}, ensure_ascii=False))
        return
    # valid TOML: the output can be the start of a settings file
    typer.echo(f"# config file: {file or 'none'}")
    lines = [f"{name} = {_toml(values[name])}" for name in NAMES]
    width = max(map(len, lines))
    for name, line in zip(NAMES, lines, strict=True):
        typer.echo(f"{line:<{width}}  # {resolved.sources[name]}")
