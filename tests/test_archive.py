"""The archive on real SQLite files."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scraper.archive import Archive
from scraper.archive.schema import MIGRATIONS
from scraper.errors import ArchiveError
from scraper.models import Article, FetchResult, Link


def page(url: str = "https://example.com/a", body: bytes = b"<html>v1</html>") -> FetchResult:
    return FetchResult(
        url=url,
        final_url=url,
        status=200,
        content_type="text/html",
        body=body,
        fetched_at=datetime(2026, 11, 1, tzinfo=UTC),
        etag='"e1"',
    )


def sql(path: Path, query: str, *params: object) -> list[tuple]:
    """Read the archive file as any sqlite3 user would."""
    with closing(sqlite3.connect(path)) as db:
        return db.execute(query, params).fetchall()


def article(text: str = "First paragraph.\n\nSecond one.", title: str = "A title") -> Article:
    return Article(
        text=text,
        title=title,
        authors=["Simon Shuster"],
        published=datetime(2016, 11, 9, 12, 0, tzinfo=UTC),
        tags=["russia"],
        links=[Link("https://example.com/b", "B", True), Link("https://example.com/", "Home")],
    )


def test_schema_is_created_with_wal_and_migrations(archive: Archive) -> None:
    tables = {r[0] for r in sql(archive.path, "SELECT name FROM sqlite_master")}
    assert {"articles", "links", "fetches", "raw_pages", "articles_fts", "frontier"} <= tables
    assert sql(archive.path, "PRAGMA journal_mode") == [("wal",)]
    applied = sql(archive.path, "SELECT migration_set, name FROM _sqlite_migrations ORDER BY id")
    assert applied == [("scraper", name) for name in MIGRATIONS]


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "dir" / "a.db"  # folder created on first use
    Archive(path).close()
    Archive(path).close()
    names = [r[0] for r in sql(path, "SELECT name FROM _sqlite_migrations")]
    assert names == list(MIGRATIONS)


def test_store_then_refetch_updates_the_row(archive: Archive) -> None:
    first = archive.store(page(), article(), "https://example.com/a")
    assert first.created and first.changed
    same = archive.store(page(), article(), "https://example.com/a")
    assert not same.created and not same.changed and same.article_id == first.article_id
    changed = archive.store(
        page(body=b"<html>v2</html>"), article(text="New text."), "https://example.com/a"
    )
    assert changed.changed and changed.article_id == first.article_id
    counts = archive.counts()
    assert counts["articles"] == 1
    assert counts["links"] == 2  # replaced, not appended
    assert counts["fetches"] == 3
    assert counts["raw_pages"] == 2  # one per distinct body: both versions kept
    row = archive.get_article("https://example.com/a")
    assert row["text"] == "New text." and row["authors"] == ["Simon Shuster"]
    assert row["published"] == "2016-11-09T12:00:00+00:00"
    assert row["first_seen"] <= row["last_fetched"]


def test_raw_body_is_compressed_and_recoverable(archive: Archive) -> None:
    body = b"<html>" + b"<p>same words again</p>" * 2000 + b"</html>"
    stored = archive.store(page(body=body), article(), "https://example.com/a")
    assert archive.raw_page(stored.article_id) == body
    [(size,)] = sql(archive.path, "SELECT length(body) FROM raw_pages")
    assert size < len(body) / 10


def test_full_text_search_stays_in_sync(archive: Archive) -> None:
    archive.store(page(), article(text="Kremlin emails were hacked."), "https://example.com/a")
    q = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
    assert sql(archive.path, q, "kremlin")
    archive.store(page(), article(text="Nothing about it now."), "https://example.com/a")
    assert not sql(archive.path, q, "kremlin")
    assert sql(archive.path, q, "nothing")


def test_failures_are_recorded_with_reason(archive: Archive) -> None:
    bad = FetchResult(url="https://example.com/x", status=410, error="HTTP 410 Gone")
    archive.record_fetch(bad)
    [row] = sql(archive.path, "SELECT url, status, error FROM fetches")
    assert row == ("https://example.com/x", 410, "HTTP 410 Gone")
    assert archive.counts()["articles"] == 0


def test_validators_come_from_the_last_archived_fetch(archive: Archive) -> None:
    archive.store(page(), article(), "https://example.com/a")
    assert archive.validators("https://example.com/a") == ('"e1"', None)
    assert archive.validators("https://example.com/other") == (None, None)


def test_failed_write_rolls_back_the_whole_page(archive: Archive) -> None:
    archive.store(page(), article(), "https://example.com/a")
    before = archive.counts()
    broken = article()
    broken.links = [Link("https://example.com/x", None)]  # type: ignore[arg-type]  # NOT NULL violation
    with pytest.raises(ArchiveError):
        archive.store(page("https://example.com/b"), broken, "https://example.com/b")
    assert archive.counts() == before


def test_reader_can_query_while_a_writer_holds_a_transaction(archive: Archive) -> None:
    archive.store(page(), article(), "https://example.com/a")
    ready, done = threading.Event(), threading.Event()

    def writer() -> None:
        with Archive(archive.path) as w, w.transaction():
            w.update_extraction(1, article(title="changing"))
            ready.set()
            done.wait(5)

    t = threading.Thread(target=writer)
    t.start()
    ready.wait(5)
    reader = sqlite3.connect(archive.path, timeout=1)
    assert reader.execute("SELECT title FROM articles").fetchone() == ("A title",)
    reader.close()
    done.set()
    t.join()


def test_unopenable_archive_is_an_archive_error(tmp_path: Path) -> None:
    not_a_db = tmp_path / "junk.db"
    not_a_db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ArchiveError, match=r"junk\.db"):
        Archive(not_a_db)
    assert not_a_db.read_bytes().startswith(b"this is not sqlite")


def test_iter_articles_filters(archive: Archive) -> None:
    archive.store(page("https://www.example.com/a"), article(), "https://www.example.com/a")
    other = article()
    other.published = datetime(2020, 1, 1, tzinfo=UTC)
    archive.store(page("https://news.other.org/b"), other, "https://news.other.org/b")
    assert len(list(archive.iter_articles())) == 2
    assert [r["host"] for r in archive.iter_articles(site="example.com")] == ["www.example.com"]
    assert [r["host"] for r in archive.iter_articles(site="other.org")] == ["news.other.org"]
    assert len(list(archive.iter_articles(since=datetime(2019, 1, 1, tzinfo=UTC)))) == 1


def test_a_much_shorter_text_does_not_replace_an_archived_article(archive: Archive) -> None:
    # a paywall, consent wall or takedown notice served where the article was
    story = "\n\n".join(f"Paragraph {i} of the archived story, with its facts." for i in range(40))
    first = archive.store(page(), article(text=story), "https://example.com/a")
    wall = dataclasses.replace(page(body=b"<html>wall</html>"), etag='"wall"')
    kept = archive.store(
        wall, article(text="Subscribe to read.", title="Wall"), "https://example.com/a"
    )
    assert kept.kept and kept.kept.startswith("kept the archived article:")
    assert not kept.created and not kept.changed and kept.article_id == first.article_id
    row = archive.get_article("https://example.com/a")
    assert row["text"] == story and row["title"] == "A title"
    assert archive.counts()["links"] == 2
    fetches = sql(archive.path, "SELECT error FROM fetches ORDER BY id")
    assert fetches[0][0] is None and fetches[1][0] == kept.kept
    assert archive.counts()["raw_pages"] == 2  # what was served is kept as well
    # the next request asks for the wall again conditionally; re-extraction reads
    # the page the article was archived from
    assert archive.validators("https://example.com/a") == ('"wall"', None)
    [(_, raw_id, _)] = archive.raw_pages_newest()
    assert archive.raw_page_by_id(raw_id)[2] == b"<html>v1</html>"
    # a text of about the same length is a revision, and replaces it
    revised = archive.store(
        page(body=b"<html>v3</html>"), article(text=story[:-40]), "https://example.com/a"
    )
    assert revised.changed and not revised.kept


def test_every_read_turns_a_backend_error_into_an_archive_error(archive: Archive) -> None:
    stored = archive.store(page(), article(), "https://example.com/a")
    with closing(sqlite3.connect(archive.path)) as other:  # the tables vanish under it
        other.executescript(
            "DROP TABLE articles_fts; DROP VIEW links; DROP TABLE link_rows; DROP TABLE raw_pages;"
            " DROP TABLE fetches; DROP TABLE articles; DROP TABLE frontier;"
        )
    reads = [
        lambda: archive.get_article("https://example.com/a"),
        lambda: list(archive.iter_articles()),
        lambda: archive.article_id_for("https://example.com/a"),
        lambda: archive.validators("https://example.com/a"),
        lambda: archive.counts(),
        lambda: archive.raw_page(stored.article_id),
        lambda: archive.raw_page_by_id(1),
        lambda: archive.raw_pages_newest(),
        lambda: archive.frontier_next("example.com", 10),
        lambda: archive.frontier_counts(),
    ]
    for read in reads:
        with pytest.raises(ArchiveError, match=r"archive\.db: .*no such table"):
            read()
