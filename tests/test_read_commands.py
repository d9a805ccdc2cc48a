"""The read commands (search, list, stats, show by id) through the real ``scraper``
command: their output, filters, exit codes, and that they never write."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlite_utils

from scraper.archive import Archive, schema
from scraper.extract.dates import DayDate
from scraper.models import Article, FetchResult
from scraper.when import parse_when

STORIES = [
    ("https://example.com/news/1", "Kremlin talks", "The Kremlin said the Kremlin would talk."),
    ("https://www.other.org/2", "Weather", "Rain, rain and more rain; the Kremlin, once."),
    ("https://example.com/news/3", "Markets", "Shares rose on Tuesday in a quiet session."),
]


def page(url: str, day: int) -> FetchResult:
    when = datetime(2026, 11, day, 12, tzinfo=UTC)
    return FetchResult(url=url, final_url=url, status=200, body=b"<p>x</p>", fetched_at=when)


@pytest.fixture
def cli(cli_here):  # type: ignore[no-untyped-def]
    """The command in this process (``cli_here``): these tests check what commands
    print, store and exit with, not the process around them."""
    return cli_here


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "a.db"
    with Archive(path) as arc:
        for day, (url, title, text) in enumerate(STORIES, 1):
            published = DayDate(2026, 11, day, tzinfo=UTC) if day == 2 else None
            arc.store(page(url, day), Article(text, title, ["Jane Doe"], published), url)
        arc.record_fetch(FetchResult(url="https://example.com/gone", status=410, error="HTTP 410"))
    return path


def test_search_prints_ranked_marked_snippets_and_filters(cli, db: Path) -> None:
    r = cli("search", "kremlin", "--db", str(db))
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0] == "1  2026-11-01  example.com  Kremlin talks"
    assert lines[1] == "    https://example.com/news/1"
    assert lines[2] == "    The **Kremlin** said the **Kremlin** would talk."
    assert lines[3].startswith("2  2026-11-02  www.other.org  Weather")
    r = cli("search", "kremlin", "--site", "other.org", "--json", "--db", str(db))
    [hit] = [json.loads(line) for line in r.out.splitlines()]
    assert (hit["url"], hit["snippet"]) == (STORIES[1][0], STORIES[1][2])
    r = cli("search", "kremlin", "--since", "2026-11-02", "--until", "2026-11-03", "--db", str(db))
    assert [ln[:1] for ln in r.out.splitlines()[::3]] == ["2"]


def test_search_errors_are_one_line(cli, db: Path, tmp_path: Path) -> None:
    r = cli("search", "kremlin NOT", "--db", str(db))
    assert r.code == 2 and r.out == ""
    assert r.err.startswith("scraper: error: bad search query") and r.err.count("\n") == 1
    r = cli("search", "zebra", "--db", str(db))
    assert (r.code, r.err) == (1, "scraper: error: no article matches 'zebra'\n")
    r = cli("search", "kremlin", "--since", "yesterday", "--db", str(db))
    assert r.code == 2 and r.err.startswith("scraper: error: --since: 'yesterday' is not a date")
    for command in (["search", "x"], ["list"], ["stats"], ["show", "1"], ["export"]):
        r = cli(*command, "--db", "typo.db")
        assert (r.code, r.err) == (3, "scraper: error: typo.db: no such archive\n"), command
    assert not (tmp_path / "typo.db").exists()
    (tmp_path / "notes.txt").write_text("not an archive " * 100)
    r = cli("list", "--db", "notes.txt")
    assert r.code == 3 and r.err.count("\n") == 1 and "notes.txt" in r.err


def test_list_is_newest_first_with_filters(cli, db: Path) -> None:
    r = cli("list", "--db", str(db))
    assert r.code == 0
    assert [line.split()[0] for line in r.out.splitlines()] == ["3", "2", "1"]
    r = cli("list", "--site", "example.com", "--since", "2026-11-02", "--json", "--db", str(db))
    [row] = [json.loads(line) for line in r.out.splitlines()]
    assert (row["id"], row["title"], row["authors"]) == (3, "Markets", ["Jane Doe"])
    r = cli("list", "--since", "1d", "--db", str(db))
    assert (r.code, r.out) == (0, "")


def test_show_by_id_and_stats(cli, db: Path) -> None:
    r = cli("show", "2", "--db", str(db))
    assert r.code == 0 and r.out.startswith("Weather\n")
    assert cli("show", "9", "--db", str(db)).code == 1
    r = cli("stats", "--json", "--db", str(db))
    stats = json.loads(r.out)
    assert stats["example.com"]["articles"] == 2 and stats["other.org"]["articles"] == 1
    assert stats["example.com"]["failures"] == {"HTTP 410": 1}
    r = cli("stats", "--db", str(db))
    assert "example.com\n  articles 2, last fetch " in r.out and "HTTP 410" in r.out


def test_read_commands_do_not_write(cli, db: Path) -> None:
    before = db.read_bytes()
    db.chmod(0o444)
    try:
        assert cli("list", "--db", str(db)).code == 0
        assert cli("search", "kremlin", "--db", str(db)).code == 0
    finally:
        db.chmod(0o644)
    assert db.read_bytes() == before


def test_an_archive_of_the_previous_release_is_migrated(tmp_path: Path, cli) -> None:
    """Built as the release before these migrations wrote it: its schema (0001, 0002),
    its FTS index, and a date without a time stored as midnight UTC."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    schema.run_script(conn, schema._MIGRATIONS_TABLE)
    for name in ("0001_initial", "0002_frontier"):
        schema.MIGRATIONS[name](conn)
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, '')",
            [schema.SET, name],
        )
    for i, published in enumerate(["2021-03-04T00:00:00+00:00", "2021-03-04T10:00:00+02:00"]):
        conn.execute(
            "INSERT INTO articles (canonical_url, url, host, title, text, published, "
            "content_hash, first_seen, last_fetched) VALUES (?, ?, 'example.com', ?, ?, ?, "
            "'h', '2026-01-01', '2026-01-01')",
            [f"https://example.com/{i}", f"https://example.com/{i}", f"Old {i}",
             f"Kremlin story {i}", published],
        )  # fmt: skip
    conn.execute("COMMIT")
    conn.close()
    r = cli("search", "kremlin", "--json", "--db", str(path))
    assert r.code == 0, r.err
    assert sorted(json.loads(line)["title"] for line in r.out.splitlines()) == ["Old 0", "Old 1"]
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT published, published_utc, published_precision FROM articles ORDER BY id"
    ).fetchall()
    assert rows == [
        ("2021-03-04T00:00:00+00:00", "2021-03-04", "day"),
        ("2021-03-04T10:00:00+02:00", "2021-03-04T08:00:00+00:00", "second"),
    ]
    conn.close()


def test_sqlite_utils_finds_the_index(db: Path) -> None:
    table = sqlite_utils.Database(db)["articles"]
    assert table.detect_fts() == "articles_fts"
    assert [r["title"] for r in table.search("kremlin")] == ["Kremlin talks", "Weather"]


def test_dates_the_user_gives() -> None:
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert parse_when("12h", now=now) == datetime(2026, 11, 30, 0, tzinfo=UTC)
    assert parse_when("7d", now=now) == datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert parse_when(" 2W ", now=now) == datetime(2026, 11, 16, 12, tzinfo=UTC)
    assert parse_when("2026-11-01") == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_when("2026-11-01T10:00+02:00") == datetime(2026, 11, 1, 8, tzinfo=UTC)
    assert parse_when("2026-11-01T10:00") == datetime(2026, 11, 1, 10, tzinfo=UTC)
    for bad in ("7", "7m", "d7", "-1d", "2026-13-01", "yesterday", ""):
        with pytest.raises(ValueError, match="is not a date"):
            parse_when(bad)
