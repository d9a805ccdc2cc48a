"""Export formats parse with their standard parsers."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from scraper.archive import Archive
from scraper.export import WRITERS
from scraper.models import Article, FetchResult


@pytest.fixture
def filled(archive: Archive) -> Archive:
    for i in range(3):
        url = f"https://example.com/news/{i}"
        archive.store(
            FetchResult(url=url, final_url=url, status=200, body=b"<html></html>"),
            Article(
                text=f'Paragraph "{i}", with, commas.\n\nAnd a second line; ünïcode.',
                title=f"Title {i}",
                authors=["A. Writer", "B, Comma"],
                published=datetime(2026, 11, i + 1, tzinfo=UTC),
                markdown=f"## Heading {i}\n\nText",
            ),
            url,
        )
    return archive


def export(archive: Archive, fmt: str, **kw: datetime) -> str:
    out = io.StringIO()
    WRITERS[fmt](archive.iter_articles(**kw), out)
    return out.getvalue()


def test_jsonl(filled: Archive) -> None:
    rows = [json.loads(line) for line in export(filled, "jsonl").splitlines()]
    assert [r["title"] for r in rows] == ["Title 0", "Title 1", "Title 2"]
    assert rows[0]["authors"] == ["A. Writer", "B, Comma"]
    assert "ünïcode" in rows[0]["text"]


def test_json(filled: Archive, archive: Archive) -> None:
    assert len(json.loads(export(filled, "json"))) == 3
    assert json.loads(export(filled, "json", since=datetime(2030, 1, 1, tzinfo=UTC))) == []


def test_csv(filled: Archive) -> None:
    rows = list(csv.DictReader(io.StringIO(export(filled, "csv"))))
    assert len(rows) == 3
    assert json.loads(rows[1]["authors"]) == ["A. Writer", "B, Comma"]
    assert rows[1]["text"].startswith('Paragraph "1", with, commas.\n\nAnd')


def test_markdown(filled: Archive) -> None:
    text = export(filled, "markdown", since=datetime(2026, 11, 2, tzinfo=UTC))
    assert text.startswith("# Title 1\n") and "## Heading 2" in text and "Title 0" not in text
