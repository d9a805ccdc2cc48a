"""Migration 0007_url_keys: an archive whose keys the previous release's
``normalize_url`` made is re-keyed in the form it gives now, on a real SQLite file,
and no article is lost or merged (issue 11, item 20)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from scraper.archive import Archive
from scraper.archive.queue import Discovered
from scraper.models import Article, FetchResult, Link

# The keys the release before 0007 gave these URLs (its normalize_url kept the
# host in Unicode and the path's escapes and dot segments as written).
OLD = {
    "bucher": "http://bücher.de/a",  # http://Bücher.de/a
    "tilde_escaped": "http://example.com/%7euser",
    "tilde": "http://example.com/~user",  # the new key already
    "cafe": "http://example.com/café",
    "cafe_escaped": "http://example.com/caf%c3%a9",
    "dots": "http://example.com/a/../b",
}


def fetched(url: str, day: int, body: bytes) -> FetchResult:
    return FetchResult(
        url=url,
        final_url=url,
        status=200,
        content_type="text/html",
        body=body,
        fetched_at=datetime(2026, 11, day, tzinfo=UTC),
        etag=f'"{day}"',
    )


def article(text: str) -> Article:
    return Article(text=text, title=text, links=[Link("https://example.com/x", "X", True)])


def sql(path: Path, query: str, *params: object) -> list[tuple]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(query, params).fetchall()


def old_archive(path: Path, articles: dict[str, int], frontier: dict[str, str]) -> None:
    """An archive as the previous release left it: ``articles`` (name: day fetched)
    stored under their old keys through the stores, ``frontier`` (name: state)
    queued under theirs, and 0007 not applied."""
    with Archive(path) as archive:
        for name, day in articles.items():
            url = OLD[name]
            archive.store(fetched(url, day, name.encode()), article(f"Text of {name}"), url)
        for name, state in frontier.items():
            url = OLD[name]
            site = url.split("/")[2]
            archive.frontier_add(site, [Discovered(url, site, kind="article")])
            if state != "queued":
                archive.frontier_finish(url, state)
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("DELETE FROM _sqlite_migrations WHERE name = '0007_url_keys'")


def test_keys_are_rewritten_and_every_row_stays_with_its_article(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old_archive(path, {"bucher": 1, "dots": 2}, {"bucher": "done", "dots": "queued"})
    before = sql(path, "SELECT id, title FROM articles ORDER BY id")
    children = "SELECT article_id, count(*) FROM {} GROUP BY article_id ORDER BY article_id"
    counts = {t: sql(path, children.format(t)) for t in ("links", "fetches", "raw_pages")}

    triggers = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    before_triggers = sql(path, triggers)

    Archive(path).close()  # a writer opens it: the migration runs

    rows = sql(path, "SELECT id, title, canonical_url, host FROM articles ORDER BY id")
    assert rows == [
        (before[0][0], "Text of bucher", "http://xn--bcher-kva.de/a", "xn--bcher-kva.de"),
        (before[1][0], "Text of dots", "http://example.com/b", "example.com"),
    ]
    assert {t: sql(path, children.format(t)) for t in counts} == counts
    assert sql(path, "SELECT url, site, host, state FROM frontier ORDER BY url") == [
        ("http://example.com/b", "example.com", "example.com", "queued"),
        ("http://xn--bcher-kva.de/a", "xn--bcher-kva.de", "xn--bcher-kva.de", "done"),
    ]
    # found by the URL in its other form, and by the full-text index
    assert sql(path, triggers) == before_triggers
    sql(path, "INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    with Archive(path) as archive:
        found = archive.get_article("http://Bücher.de/a")
        assert found is not None and found["id"] == before[0][0]
        assert [a["id"] for a in archive.search("bucher")] == [before[0][0]]


def test_articles_meeting_at_one_key_are_not_merged(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    # ~user holds its new key already; café and caf%c3%a9 both move to caf%C3%A9
    days = {"tilde_escaped": 9, "tilde": 1, "cafe": 3, "cafe_escaped": 5}
    queue = {"tilde_escaped": "done", "tilde": "queued", "cafe": "failed", "cafe_escaped": "failed"}
    old_archive(path, days, queue)
    with closing(sqlite3.connect(path)) as db, db:
        for name, day in (("cafe", 20), ("cafe_escaped", 10)):
            db.execute(
                "UPDATE frontier SET updated_at = ?, reason = ? WHERE url = ?",
                [f"2026-11-{day}T00:00:00+00:00", f"reason of {name}", OLD[name]],
            )
    ids = dict(sql(path, "SELECT title, id FROM articles"))

    with Archive(path) as archive:
        assert archive.counts()["articles"] == 4  # nothing merged, nothing lost
        cafe = archive.get_article("http://example.com/caf%C3%A9")
        assert cafe is not None and cafe["text"] == "Text of cafe_escaped"  # the newer one
        old = archive.get_article("http://example.com/café")  # its exact old key
        assert old is not None and old["text"] == "Text of cafe"

    keys = dict(sql(path, "SELECT title, canonical_url FROM articles"))
    assert keys == {
        "Text of tilde": "http://example.com/~user",  # kept its key
        "Text of tilde_escaped": "http://example.com/%7euser",  # newer, but the key was taken
        "Text of cafe_escaped": "http://example.com/caf%C3%A9",  # fetched last: the new key
        "Text of cafe": "http://example.com/café",  # stays under its old key
    }
    assert dict(sql(path, "SELECT title, id FROM articles")) == ids
    # rows of the queue that are one URL now: the one done stays; of two failed,
    # the one updated last
    assert sql(path, "SELECT url, state, reason FROM frontier ORDER BY url") == [
        ("http://example.com/caf%C3%A9", "failed", "reason of cafe"),
        ("http://example.com/~user", "done", None),
    ]
