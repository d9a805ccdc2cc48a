"""Raw pages compressed again with a zstd dictionary of their site (``scraper compact``):
every reader gets the same bytes back, on both backends; merge and delete follow."""

from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scraper.archive import Archive
from scraper.models import Article, FetchResult

WORDS = "the of news city council vote budget school river police market storm".split()


def template(seed: int) -> tuple[bytes, bytes]:
    """A site's page template: a long head (styles, scripts, navigation) and a footer."""
    rng = random.Random(seed)
    css = "".join(
        f".c{rng.randrange(10**6)} {{ margin: {rng.randrange(40)}px }}\n" for _ in range(500)
    )
    nav = "".join(f'<li><a href="/s/{rng.randrange(10**6)}/">Section</a></li>' for _ in range(150))
    head = f"<html><head><style>{css}</style></head><body><nav><ul>{nav}</ul></nav><article>"
    return head.encode(), b"</article><footer>(c) The Example Times</footer></body></html>"


def page(n: int, seed: int = 1) -> bytes:
    head, foot = template(seed)
    rng = random.Random(1000 + n)
    text = " ".join(rng.choice(WORDS) for _ in range(600))
    return head + f"<h1>Story {n}</h1><p>{text}</p>".encode() + foot


def url(n: int, host: str = "example.com") -> str:
    return f"https://{host}/news/{n}"


def store(arc: Archive, n: int, host: str = "example.com") -> int:
    fetch = FetchResult(
        url=url(n, host),
        final_url=url(n, host),
        status=200,
        content_type="text/html",
        body=page(n),
        fetched_at=datetime(2026, 11, 1 + n % 28, tzinfo=UTC),
    )
    article = Article(text=f"Story {n}. " * 30, title=f"Story {n}")
    return arc.store(fetch, article, url(n, host)).article_id


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "sqlite":
        return tmp_path / "a.db"
    pytest.importorskip("psycopg")
    return request.getfixturevalue("pg_url")


def bodies(arc: Archive, ids: list[int]) -> list[bytes | None]:
    out: list[bytes | None] = []
    for article_id in ids:
        out += [c.body for c in arc.captures(article_id)]
        out += [s.body for s in arc.version_sources(article_id)]
        page = arc.raw_page_of(article_id)
        out.append(page if isinstance(page, bytes) else None)
    return out


def test_compact_gives_a_site_a_dictionary_and_every_page_reads_the_same(target: Any) -> None:
    with Archive(target) as arc:
        ids = [store(arc, n) for n in range(60)]
        expected = [page(n) for n in range(60) for _ in range(3)]
        assert arc.compact(min_pages=61).dictionaries == 0  # too few pages for one
        done = arc.compact(min_pages=60)
        assert (done.sites, done.dictionaries, done.pages) == (1, 1, 60)
        assert done.after < done.before * 0.8
        assert bodies(arc, ids) == expected
        again = arc.compact(min_pages=60)  # nothing left without a dictionary
        assert (again.dictionaries, again.pages) == (0, 0)
        later = store(arc, 60)  # a new page is plain zstd until the next compaction
        done = arc.compact(min_pages=60)
        assert (done.dictionaries, done.pages) == (0, 1)
        assert bodies(arc, [later]) == [page(60)] * 3
    with Archive(target) as arc:  # a new connection reads the dictionary from the archive
        assert bodies(arc, ids[:2]) == expected[:6]


def test_merge_and_delete_follow_the_dictionaries(tmp_path: Path) -> None:
    source, merged = tmp_path / "a.db", tmp_path / "b.db"
    with Archive(source) as arc:
        ids = [store(arc, n) for n in range(50)]
        other = store(arc, 0, "other.org")
        assert arc.compact(min_pages=50).pages == 50
    with Archive(merged) as arc:
        arc.merge_from(source)
        kept = [i for i, _ in arc.keys_of(arc.matching(site="example.com"))]
        assert bodies(arc, kept) == [page(n) for n in range(50) for _ in range(3)]
    with closing(sqlite3.connect(merged)) as conn:  # plain zstd there: no dictionary came
        assert conn.execute("SELECT count(*) FROM raw_pages WHERE dict_id IS NULL").fetchone() == (
            51,
        )
    with Archive(source) as arc:
        arc.delete_articles(ids[:10])
        assert arc.captures(ids[10]).__next__().body == page(10)
        arc.delete_articles(ids[10:])  # the last page using it gone: the dictionary too
        assert arc.captures(other).__next__().body == page(0)
    with closing(sqlite3.connect(source)) as conn:
        assert conn.execute("SELECT count(*) FROM raw_dicts").fetchone() == (0,)


def test_compact_command(cli_here, tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Archive(db) as arc:
        for n in range(50):
            store(arc, n)
    r = cli_here("compact", "--db", str(db))
    assert r.code == 0, r.err
    first, second = r.out.splitlines()
    assert first.startswith("compacted: raw pages 50 of 1 sites (1 new dictionaries), ")
    assert second.startswith("archive: ")
    r = cli_here("compact", "--db", str(tmp_path / "typo.db"))
    assert (r.code, r.err) == (3, f"scraper: error: {tmp_path / 'typo.db'}: no such archive\n")
