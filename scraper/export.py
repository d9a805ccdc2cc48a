"""Exports of the archive: streaming writers for jsonl, json, csv and markdown.

Each writer takes an iterator of article rows (``Archive.iter_articles``) and
a text stream, and writes one row at a time, so memory stays flat however big
the archive is.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from typing import Any, TextIO

COLUMNS = (
    "id", "url", "canonical_url", "title", "authors", "published", "modified", "site_name",
    "language", "description", "image", "section", "tags", "text", "word_count",
    "content_hash", "first_seen", "last_fetched",
)  # fmt: skip
# the columns of an export of every version (``--version all``): one row per version,
# whose title, text, word_count, content_hash and modified are that version's
VERSION_COLUMNS = (*COLUMNS, "version", "fetched_at")
FORMATS_SHOW = ("text", "markdown", "json")
Columns = tuple[str, ...]


def _record(row: dict[str, Any], columns: Columns = COLUMNS) -> dict[str, Any]:
    return {k: row.get(k) for k in columns}


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO, columns: Columns = COLUMNS) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(_record(row, columns), ensure_ascii=False))
        out.write("\n")
        n += 1
    return n


def write_json(rows: Iterable[dict[str, Any]], out: TextIO, columns: Columns = COLUMNS) -> int:
    out.write("[")
    n = 0
    for n, row in enumerate(rows, 1):
        out.write(",\n" if n > 1 else "\n")
        out.write(json.dumps(_record(row, columns), ensure_ascii=False))
    out.write("\n]\n" if n else "]\n")
    return n


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO, columns: Columns = COLUMNS) -> int:
    """CSV with a header row; list columns (authors, tags) as JSON arrays."""
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    n = 0
    for row in rows:
        n += 1
        record = _record(row, columns)
        for key in ("authors", "tags"):
            record[key] = json.dumps(record[key] or [], ensure_ascii=False)
        writer.writerow(record)
    return n


def write_markdown(rows: Iterable[dict[str, Any]], out: TextIO, columns: Columns = COLUMNS) -> int:
    n = 0
    for n, row in enumerate(rows, 1):
        if n > 1:
            out.write("\n---\n\n")
        out.write(render_markdown(row))
        out.write("\n")
    return n


WRITERS: dict[str, Callable[[Iterable[dict[str, Any]], TextIO, Columns], int]] = {
    "jsonl": write_jsonl,
    "json": write_json,
    "csv": write_csv,
    "markdown": write_markdown,
}


def _byline(row: dict[str, Any]) -> str:
    parts = []
    if row.get("authors"):
        parts.append(", ".join(row["authors"]))
    if row.get("published"):
        parts.append(str(row["published"]))
    if row.get("site_name"):
        parts.append(str(row["site_name"]))
    return " · ".join(parts)


def render_markdown(row: dict[str, Any]) -> str:
    lines = [f"# {row.get('title') or row.get('url')}", ""]
    if byline := _byline(row):
        lines += [f"*{byline}*", ""]
    if row.get("version"):  # a row of ``export --version all``
        lines += [f"*Version {row['version']}, fetched {row.get('fetched_at')}*", ""]
    lines += [f"<{row.get('canonical_url') or row.get('url')}>", ""]
    lines.append((row.get("markdown") or row.get("text") or "").strip())
    return "\n".join(lines) + "\n"


def render_text(row: dict[str, Any]) -> str:
    lines = [str(row.get("title") or row.get("url"))]
    if byline := _byline(row):
        lines.append(byline)
    lines += [str(row.get("canonical_url") or row.get("url")), ""]
    lines.append((row.get("text") or "").strip())
    return "\n".join(lines) + "\n"
