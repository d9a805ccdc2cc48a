"""``scraper raw``, ``scraper delete`` and ``scraper prune`` on real SQLite files,
through the ``scraper`` command (in-process, ``cli_here``)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scraper.archive import Archive
from scraper.extract import extract
from scraper.models import FetchResult

URL = "https://example.com/news/bridge"
FILL = " ".join(["The river has flooded the old crossing twice in the last ten years."] * 10)
STORY = "The council met on Tuesday to discuss the new bridge over the river and its cost."


def html(*paragraphs: str, extra: bytes = b"") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = f"<html><head><title>Bridge</title></head><body><article>{body}</article></body></html>"
    return page.encode() + extra


V1 = html(FILL, STORY, extra=b"<!-- caf\xe9 -->")  # not UTF-8: raw prints bytes as stored
V2 = html(FILL, STORY, "The mayor said work would start in the spring.")
V2_AD = V2 + b"<!-- another ad -->"  # the same text: no version
PAYWALL = html("Subscribe to read.")  # kept out by the shrink guard


def fetched(body: bytes, day: int, url: str = URL, **kw: object) -> FetchResult:
    when = datetime(2026, 11, day, 12, tzinfo=UTC)
    return FetchResult(url=url, final_url=url, status=200, body=body, fetched_at=when, **kw)  # type: ignore[arg-type]


def store(arc: Archive, body: bytes, day: int, url: str = URL) -> None:
    arc.store(fetched(body, day, url), extract(body, url=url), url)


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Article 1: V1 (day 1), V2 (day 3), V2 with an ad (day 4), a paywall kept out
    (day 5); a failed fetch (day 2); articles 2 (example.com) and 3 (other.org)."""
    path = tmp_path / "a.db"
    with Archive(path) as arc:
        store(arc, V1, 1)
        arc.record_fetch(FetchResult(url="https://example.com/gone", status=410, error="HTTP 410",
                                     fetched_at=datetime(2026, 11, 2, tzinfo=UTC)))  # fmt: skip
        store(arc, V2, 3)
        store(arc, V2_AD, 4)
        assert arc.store(fetched(PAYWALL, 5), extract(PAYWALL, URL), URL).kept
        store(arc, html(FILL, "Kremlin story."), 2, "https://example.com/news/kremlin")
        store(arc, html(FILL, "Weather story, the Kremlin once."), 2, "https://other.org/w")
    return path


def test_raw_prints_the_stored_page_of_the_latest_or_a_version(cli_here, db: Path) -> None:
    r = cli_here("raw", URL, "--db", str(db))
    assert (r.code, r.raw) == (0, V2_AD)  # the newest page archived (not the kept-out one)
    r = cli_here("raw", "1", "--version", "1", "--db", str(db))
    assert (r.code, r.raw) == (0, V1)
    assert cli_here("raw", "1", "--version", "2", "--db", str(db)).raw == V2
    r = cli_here("raw", "1", "--version", "3", "--db", str(db))
    assert (r.code, r.err) == (1, "scraper: error: 1: no version 3 (it has 1-2)\n")
    r = cli_here("raw", "https://example.com/none", "--db", str(db))
    assert (r.code, r.err) == (1, "scraper: error: https://example.com/none: not in the archive\n")
    r = cli_here("raw", "1", "--version", "0", "--db", str(db))
    assert r.code == 2 and "--version" in r.err and r.out == ""
    r = cli_here("raw", "1", "--db", "typo.db")
    assert (r.code, r.err) == (3, "scraper: error: typo.db: no such archive\n")
    assert not Path("typo.db").exists()


def test_delete_by_site_takes_everything_of_its_articles(cli_here, db: Path) -> None:
    r = cli_here("delete", "--site", "example.com", "--dry-run", "--db", str(db))
    assert r.code == 0, r.err
    assert r.out.splitlines() == [
        f"would delete  1  {URL}",
        "would delete  2  https://example.com/news/kremlin",
        "would delete: articles 2, links 0, versions 3, raw pages 5, fetches 5",
    ]
    assert count(db, "SELECT count(*) FROM articles") == 3  # a dry run deletes nothing
    r = cli_here("delete", "--site", "example.com", "--db", str(db))
    done = "deleted: articles 2, links 0, versions 3, raw pages 5, fetches 5"
    assert r.out.splitlines()[-1] == done
    for table in ("links", "versions", "raw_pages", "fetches"):
        assert count(db, f"SELECT count(*) FROM {table} WHERE article_id IN (1, 2)") == 0, table
    assert count(db, "SELECT count(*) FROM fetches WHERE article_id IS NULL AND error IS NULL") == 0
    # the full-text index lost them too: only article 3 is found
    assert count(db, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'kremlin'") == 1
    assert count(db, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'council'") == 0
    assert count(db, "SELECT count(*) FROM articles") == 1
    assert count(db, "SELECT count(*) FROM fetches") == 2  # other.org's and the failed one


def test_delete_by_query_url_and_id(cli_here, db: Path) -> None:
    r = cli_here("delete", "--query", "kremlin", "--site", "other.org", "--json", "--db", str(db))
    assert json.loads(r.out)["ids"] == [3]
    r = cli_here("delete", "https://example.com/news/kremlin", "1", "--db", str(db))
    assert r.code == 0 and r.out.splitlines()[:2] == [
        "deleted  2  https://example.com/news/kremlin", f"deleted  1  {URL}",
    ]  # fmt: skip
    assert count(db, "SELECT count(*) FROM articles") == 0


def test_delete_refuses_bad_arguments_and_deletes_nothing(cli_here, db: Path) -> None:
    r = cli_here("delete", "1", "https://example.com/none", "--db", str(db))
    assert (r.code, r.err) == (1, "scraper: error: https://example.com/none: not in the archive\n")
    r = cli_here("delete", "--query", "zebra", "--db", str(db))
    assert (r.code, r.err) == (1, "scraper: error: nothing to delete: no article matches\n")
    r = cli_here("delete", "--query", "kremlin NOT", "--db", str(db))
    assert r.code == 2 and r.err.startswith("scraper: error: bad search query")
    for args in ([], ["1", "--site", "example.com"], ["--query", " "]):
        r = cli_here("delete", *args, "--db", str(db))
        assert r.code == 2 and r.err.count("\n") == 1, args
    assert count(db, "SELECT count(*) FROM articles") == 3
    r = cli_here("delete", "1", "--db", "typo.db")
    assert (r.code, r.err) == (3, "scraper: error: typo.db: no such archive\n")
    assert not Path("typo.db").exists()


def test_delete_cascades_without_foreign_keys(db: Path) -> None:
    """Connections other than ours do not enforce foreign keys: the tool deletes each
    dependent row itself."""
    with Archive(db) as arc:
        arc._db.execute("PRAGMA foreign_keys = OFF")
        counts = arc.delete_articles([1])
    assert counts == {"articles": 1, "links": 0, "versions": 2, "raw_pages": 4, "fetches": 4}
    for table in ("links", "versions", "raw_pages", "fetches"):
        assert count(db, f"SELECT count(*) FROM {table} WHERE article_id = 1") == 0, table


def test_prune_keeps_what_articles_need(cli_here, db: Path) -> None:
    with sqlite3.connect(db) as conn:  # an archive made before auto_vacuum was set
        conn.execute("PRAGMA auto_vacuum = NONE")
        conn.execute("VACUUM")
    r = cli_here("prune", "--before", "2026-11-05", "--dry-run", "--json", "--db", str(db))
    assert r.code == 0, r.err
    planned = json.loads(r.out)
    assert (planned["raw_pages"], planned["fetches"]) == (1, 1)
    assert count(db, "SELECT count(*) FROM raw_pages") == 6
    r = cli_here("prune", "--before", "2026-11-05", "--json", "--db", str(db))
    done = json.loads(r.out)
    assert (done["raw_pages"], done["fetches"]) == (1, 1)
    assert done["bytes_after"] <= done["bytes_before"]
    assert count(db, "PRAGMA auto_vacuum") == 2  # incremental from now on
    # gone: version 1's page (superseded) and the failed fetch; the newest page (the
    # kept-out paywall), the newest archived one and the current version's stay
    assert count(db, "SELECT count(*) FROM raw_pages WHERE article_id = 1") == 3
    assert count(db, "SELECT count(*) FROM fetches WHERE error = 'HTTP 410'") == 0
    assert count(db, "SELECT count(*) FROM fetches WHERE article_id = 1") == 4  # named by pages
    r = cli_here("raw", URL, "--db", str(db))
    assert r.raw == V2_AD
    r = cli_here("raw", URL, "--version", "1", "--db", str(db))
    assert (r.code, r.err) == (1, f"scraper: error: {URL}: the raw page of version 1 is no "
                                  "longer kept\n")  # fmt: skip
    r = cli_here("history", URL, "--json", "--db", str(db))  # every version's text stays
    assert [json.loads(line)["word_count"] for line in r.out.splitlines()] == [146, 155]
    r = cli_here("prune", "--before", "30d", "--db", str(db))  # an age; nothing left to prune
    assert r.out.splitlines()[0] == "deleted: raw pages 0, fetches 0"


def test_prune_bad_arguments(cli_here, db: Path) -> None:
    r = cli_here("prune", "--before", "yesterday", "--db", str(db))
    assert r.code == 2 and r.err.startswith("scraper: error: --before: 'yesterday' is not a date")
    assert cli_here("prune", "--db", str(db)).code == 2
    r = cli_here("prune", "--before", "1d", "--db", "typo.db")
    assert (r.code, r.err) == (3, "scraper: error: typo.db: no such archive\n")
    assert not Path("typo.db").exists()
