"""``scraper history`` and ``scraper diff``: an article's versions and what changed."""

from __future__ import annotations

import json as jsonlib
from typing import Annotated, Any

import typer

from scraper.cli.common import (
    EXIT_FAILED,
    ConfigOption,
    DbOption,
    RefArgument,
    choices,
    err,
    open_reader,
    resolve_ref,
    settings_for,
)
from scraper.textdiff import changes, unified, word_diff, word_ops

SHOWN = ("version", "fetched_at", "fetch_id", "content_hash", "title", "word_count", "modified")
DiffFormat = choices("DiffFormat", ("word", "unified", "json"))
WORD = DiffFormat("word")


def _versions(archive: Any, ref: str) -> tuple[int, list[dict[str, Any]]]:
    found = resolve_ref(archive, ref)
    versions = archive.article_versions(found)
    if not versions:
        err(f"{ref}: not in the archive")
        raise typer.Exit(EXIT_FAILED)
    return found, versions


def _label(version: dict[str, Any]) -> str:
    return f"{version['canonical_url']} version {version['version']} ({version['fetched_at']})"


def history(
    url: RefArgument,
    json: Annotated[
        bool, typer.Option("--json", help="One JSON object a line, oldest version first.")
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """List an article's versions: when each was fetched, its words, and the lines
    and words added and removed since the one before."""
    with open_reader(settings_for(config, db=db)) as archive:
        article_id, versions = _versions(archive, url)
    if not json:
        n, key = len(versions), versions[-1]["canonical_url"]
        print(f"{key}  (article {article_id}, {n} version{'s' * (n > 1)})")
    previous: dict[str, Any] | None = None
    for v in versions:
        diff = changes(previous["text"], v["text"]).as_dict() if previous else None
        previous = v
        if json:
            record = {"article_id": article_id, **{k: v[k] for k in SHOWN}}
            record.update(diff or dict.fromkeys(changes("", "").as_dict()))
            print(jsonlib.dumps(record, ensure_ascii=False))
            continue
        line = f"{v['version']:>4}  {v['fetched_at']}  {v['word_count']:>6} words"
        if diff:
            line += (
                f"  lines +{diff['lines_added']} -{diff['lines_removed']}"
                f"  words +{diff['words_added']} -{diff['words_removed']}"
            )
        print(line)


def diff(
    url: RefArgument,
    from_: Annotated[
        int | None,
        typer.Option(
            "--from", min=1, metavar="N", help="The older version (default: the one before --to)."
        ),
    ] = None,
    to: Annotated[
        int | None,
        typer.Option("--to", min=1, metavar="M", help="The newer version (default: the latest)."),
    ] = None,
    format: Annotated[
        DiffFormat,
        typer.Option(
            "--format",
            "-f",
            help="word: changed paragraphs, words marked [-removed-]{+added+}; "
            "unified: diff -u of the lines; json: the word-level changes.",
        ),
    ] = WORD,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Show what changed in an article's text between two of its versions."""
    with open_reader(settings_for(config, db=db)) as archive:
        article_id, versions = _versions(archive, url)
    by_number = {v["version"]: v for v in versions}
    new_n = to if to is not None else versions[-1]["version"]
    old_n = from_ if from_ is not None else max(new_n - 1, 1)
    for n in (old_n, new_n):
        if n not in by_number:
            last = versions[-1]["version"]
            err(f"{url}: no version {n} (it has {'1' if last == 1 else f'1-{last}'})")
            raise typer.Exit(EXIT_FAILED)
    old, new = by_number[old_n], by_number[new_n]
    if format == "json":
        record = {
            "article_id": article_id,
            "url": new["canonical_url"],
            "from": {k: old[k] for k in SHOWN},
            "to": {k: new[k] for k in SHOWN},
            **changes(old["text"], new["text"]).as_dict(),
            "changes": word_ops(old["text"], new["text"]),
        }
        print(jsonlib.dumps(record, ensure_ascii=False))
        return
    labels = [_label(old), _label(new)]
    if format == "unified":
        for line in unified(old["text"], new["text"], *labels):
            print(line)
        return
    if old["content_hash"] == new["content_hash"]:
        return
    print(f"--- {labels[0]}\n+++ {labels[1]}")
    for paragraph in word_diff(old["text"], new["text"]):
        print(paragraph)
