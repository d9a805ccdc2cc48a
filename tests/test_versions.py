"""Article versions: every distinct text an article has had (``versions``, the view
``article_versions``), the migration that makes the current text version 1, and the
``history``, ``diff`` and ``reextract --versions`` commands, on real SQLite files
and through the real ``scraper`` command."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from warcio.archiveiterator import ArchiveIterator

from scraper.archive import Archive
from scraper.export import COLUMNS
from scraper.extract import extract
from scraper.models import Article, FetchResult
from scraper.serve import TABLES, VIEWS
from scraper.textdiff import changes, unified, word_diff

URL = "https://example.com/news/bridge"
P1 = "The council met on Tuesday to discuss the new bridge over the river and its cost."
P2 = "Residents said the bridge would cut their commute by twenty minutes each way."
P3 = "The mayor said work would start in the spring, weather permitting."
P2B = "Residents said the bridge would cut their commute by half an hour each way."
FILL = " ".join(["The river has flooded the old crossing twice in the last ten years."] * 10)


def html(*paragraphs: str, title: str = "Bridge") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}"
        "</article></body></html>"
    ).encode()


def fetched(body: bytes, day: int, url: str = URL) -> FetchResult:
    when = datetime(2026, 11, day, 12, tzinfo=UTC)
    return FetchResult(url=url, final_url=url, status=200, body=body, fetched_at=when)


def store(arc: Archive, body: bytes, day: int, url: str = URL) -> None:
    arc.store(fetched(body, day, url), extract(body, url=url), url)


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)  # plain sqlite3, as a user reads the file
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


V1, V2 = html(FILL, P1, P2), html(FILL, P1, P2B, P3)
V3 = html(FILL, P1, P2B, P3, title="Bridge plan")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """An article with three versions (day 1, 3, 5) and refetches that made none."""
    path = tmp_path / "a.db"
    with Archive(path) as arc:
        store(arc, V1, 1)
        store(arc, V1, 2)  # the same page again: no version
        store(arc, V2, 3)
        store(arc, V2 + b"<!-- ad 2 -->", 4)  # another body, the same text: no version
        store(arc, V3, 5)  # a new title, the same text: no version either
        store(arc, html(P3 + " Long text." * 3, title="X"), 6, "https://example.com/other")
    return path


def test_each_distinct_text_is_a_version_the_current_one_not_stored_twice(db: Path) -> None:
    stored = rows(db, "SELECT version, fetch_id, fetched_at, text IS NULL, word_count FROM "
                      "versions WHERE article_id = 1 ORDER BY version")  # fmt: skip
    assert stored == [
        (1, 1, "2026-11-01T12:00:00+00:00", 0, 159),
        (2, 3, "2026-11-03T12:00:00+00:00", 1, 171),
    ]
    # the view reads every version's text in plain SQL; the current one is the article's
    view = rows(db, "SELECT version, text, current FROM article_versions WHERE article_id = 1 "
                    "ORDER BY version")  # fmt: skip
    assert view == [(1, f"{FILL}\n\n{P1}\n\n{P2}", 0), (2, f"{FILL}\n\n{P1}\n\n{P2B}\n\n{P3}", 1)]
    [(text,)] = rows(db, "SELECT text FROM articles WHERE id = 1")
    assert view[1][1] == text
    # each version names the raw page its text came from
    raw = rows(db, "SELECT v.version, r.fetched_at FROM versions v JOIN raw_pages r "
                   "ON r.id = v.raw_page_id WHERE v.article_id = 1 ORDER BY v.version")  # fmt: skip
    assert raw == [(1, "2026-11-01T12:00:00+00:00"), (2, "2026-11-03T12:00:00+00:00")]


def test_a_kept_out_text_is_no_version_and_a_text_coming_back_is_one(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    long_text = [P1 * 3, P2 * 3, P3 * 3]
    with Archive(path) as arc:
        store(arc, html(*long_text), 1)
        stored = arc.store(fetched(html("Subscribe."), 2), extract(html("Subscribe."), URL), URL)
        assert stored.kept  # the shrink guard kept the article: no version
        store(arc, html(*long_text[:2]), 3)
        store(arc, html(*long_text), 4)  # back to the first text: a version of its own
        versions = arc.article_versions(1)
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert versions[0]["text"] == versions[2]["text"] != versions[1]["text"]
    assert versions[2]["raw_page_id"] == versions[0]["raw_page_id"]  # its page is kept once
    assert [v["current"] for v in versions] == [0, 0, 1]


def test_reextract_updates_the_current_version_in_place(db: Path) -> None:
    with Archive(db) as arc:
        arc.update_extraction(1, Article("A new extractor's text.", "New title"))
        versions = arc.article_versions(1)
    assert len(versions) == 2
    assert (versions[1]["text"], versions[1]["title"], versions[1]["word_count"]) == (
        "A new extractor's text.",
        "New title",
        4,
    )
    assert versions[0]["text"] == f"{FILL}\n\n{P1}\n\n{P2}"


def _as_before_versions(path: Path) -> None:
    """Make ``path`` the archive today's release (without versions) writes."""
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP VIEW article_versions; DROP TABLE versions; "
        "DELETE FROM _sqlite_migrations WHERE name = '0008_versions';"
    )
    conn.close()


def test_the_migration_makes_the_current_text_version_1(tmp_path: Path, cli_here) -> None:
    path = tmp_path / "old.db"
    with Archive(path) as arc:
        store(arc, V1, 1)
        store(arc, V2, 3)
        kept = html("Subscribe to read.")
        assert arc.store(fetched(kept, 4), extract(kept, URL), URL).kept
        store(arc, html(P3 * 12), 2, "https://example.com/other")
        arc.record_fetch(FetchResult(url="https://example.com/gone", status=410, error="HTTP 410"))
        before = rows(path, "SELECT * FROM articles ORDER BY id")
    _as_before_versions(path)
    assert "versions" not in {r[0] for r in rows(path, "SELECT name FROM sqlite_master")}
    r = cli_here("history", URL, "--json", "--db", str(path))  # a read command migrates it
    assert r.code == 0, r.err
    [v1] = [json.loads(line) for line in r.out.splitlines()]
    assert (v1["version"], v1["fetch_id"], v1["fetched_at"]) == (1, 2, "2026-11-03T12:00:00+00:00")
    assert rows(path, "SELECT * FROM articles ORDER BY id") == before  # nothing lost
    versions = rows(path, "SELECT article_id, version, raw_page_id, text, content_hash = "
                          "(SELECT content_hash FROM articles WHERE id = article_id) "
                          "FROM article_versions ORDER BY article_id")  # fmt: skip
    [(text1,), (text2,)] = rows(path, "SELECT text FROM articles ORDER BY id")
    assert versions == [(1, 1, 2, text1, 1), (2, 1, 4, text2, 1)]  # not the kept-out page (3)


def test_history_and_diff(cli_here, db: Path) -> None:
    r = cli_here("history", URL, "--db", str(db))
    assert r.code == 0, r.err
    assert r.out.splitlines() == [
        f"{URL}  (article 1, 2 versions)",
        "   1  2026-11-01T12:00:00+00:00     159 words",
        "   2  2026-11-03T12:00:00+00:00     171 words  lines +2 -1  words +14 -2",
    ]
    r = cli_here("history", "1", "--json", "--db", str(db))
    first, second = (json.loads(line) for line in r.out.splitlines())
    assert first["lines_added"] is None and first["word_count"] == 159
    assert (second["lines_added"], second["lines_removed"]) == (2, 1)
    assert (second["words_added"], second["words_removed"]) == (14, 2)
    r = cli_here("diff", URL, "--db", str(db))  # the latest against the one before
    assert r.code == 0, r.err
    assert r.out.splitlines() == [
        f"--- {URL} version 1 (2026-11-01T12:00:00+00:00)",
        f"+++ {URL} version 2 (2026-11-03T12:00:00+00:00)",
        "…",  # FILL, unchanged and not next to a change
        P1,
        "Residents said the bridge would cut their commute by [-twenty minutes-] {+half an "
        "hour+} each way.",
        f"{{+{P3}+}}",
    ]
    r = cli_here("diff", "1", "--from", "1", "--to", "2", "--format", "unified", "--db", str(db))
    assert r.out.splitlines()[2:] == [
        "@@ -1,3 +1,4 @@", f" {FILL}", f" {P1}", f"-{P2}", f"+{P2B}", f"+{P3}",
    ]  # fmt: skip
    r = cli_here("diff", "1", "--from", "2", "--to", "1", "-f", "json", "--db", str(db))
    record = json.loads(r.out)
    assert (record["from"]["version"], record["to"]["version"]) == (2, 1)
    assert record["changes"][1] == {"op": "replace", "old": "half an hour", "new": "twenty minutes"}
    assert " ".join(c["new"] for c in record["changes"] if c["new"]) == " ".join(
        f"{FILL}\n\n{P1}\n\n{P2}".split()
    )
    r = cli_here("diff", "1", "--from", "2", "--to", "2", "--db", str(db))
    assert (r.code, r.out) == (0, "")


def test_history_and_diff_errors(cli_here, db: Path, tmp_path: Path) -> None:
    r = cli_here("diff", URL, "--from", "3", "--db", str(db))
    assert (r.code, r.err) == (1, f"scraper: error: {URL}: no version 3 (it has 1-2)\n")
    for command in ("history", "diff"):
        r = cli_here(command, "https://example.com/nothing", "--db", str(db))
        assert (r.code, r.err) == (1, "scraper: error: https://example.com/nothing: not in the "
                                      "archive\n")  # fmt: skip
        r = cli_here(command, "1", "--db", "typo.db")
        assert (r.code, r.err) == (3, "scraper: error: typo.db: no such archive\n")
    assert not (tmp_path / "typo.db").exists()
    r = cli_here("diff", "1", "--to", "0", "--db", str(db))
    assert r.code == 2 and "--to" in r.err
    r = cli_here("diff", "1", "--format", "side", "--db", str(db))
    assert r.code == 2 and "--format" in r.err


def test_reextract_versions_rebuilds_earlier_versions_from_the_raw_pages(
    cli_here, tmp_path: Path
) -> None:
    path = tmp_path / "old.db"
    with Archive(path) as arc:
        store(arc, V1, 1)
        store(arc, V2, 3)
        assert arc.store(fetched(html(P1), 4), extract(html(P1), URL), URL).kept  # no version
        store(arc, V3, 5)
    _as_before_versions(path)  # an archive of today's release: its pages, no versions
    r = cli_here("history", URL, "--db", str(path))
    assert r.out.count("\n") == 2  # only version 1 after the migration
    r = cli_here("reextract", "--versions", "--json", "--db", str(path))
    assert r.code == 0, r.err
    outcome, summary = (json.loads(line) for line in r.out.splitlines())
    assert (outcome["outcome"], summary["updated"]) == ("updated", 1)
    with Archive(path) as arc:
        versions = arc.article_versions(1)
    assert [(v["version"], v["fetch_id"], v["text"]) for v in versions] == [
        (1, 1, extract(V1, URL).text),
        (2, 2, extract(V2, URL).text),  # V3's text is V2's (a new title); P1's was kept out
    ]
    r = cli_here("reextract", "--versions", "--json", "--db", str(path))  # again: nothing changes
    assert json.loads(r.out.splitlines()[0])["outcome"] == "unchanged"


def test_fetch_of_a_changed_page_adds_a_version(cli_here, server: HTTPServer) -> None:
    pages = iter([V1, V2])
    server.expect_request("/story").respond_with_handler(
        lambda _: __import__("werkzeug").Response(next(pages), content_type="text/html")
    )
    url = server.url_for("/story")
    for _ in range(2):
        r = cli_here("fetch", url, "--db", "a.db")
        assert r.code == 0, r.err
    r = cli_here("history", url, "--json", "--db", "a.db")
    assert [json.loads(line)["word_count"] for line in r.out.splitlines()] == [159, 171]


def test_changes_and_word_diff() -> None:
    old = "A.\n\nB b b.\n\nC.\n\nD.\n\nE."
    new = "A.\n\nB x b.\n\nC.\n\nD.\n\nE.\n\nF new."
    assert changes(old, new).as_dict() == {
        "lines_added": 2, "lines_removed": 1, "words_added": 3, "words_removed": 1,
    }  # fmt: skip
    assert list(word_diff(old, new)) == ["A.", "B [-b-] {+x+} b.", "C.", "…", "E.", "{+F new.+}"]
    assert list(word_diff(old, old)) == []
    assert list(unified(old, new, "a", "b"))[:3] == ["--- a", "+++ b", "@@ -1,5 +1,6 @@"]


def test_the_view_is_described_for_datasette_and_in_the_readme(db: Path) -> None:
    views = {
        name: [c[1] for c in rows(db, f"PRAGMA table_info({name})")]
        for (name,) in rows(db, "SELECT name FROM sqlite_master WHERE type = 'view'")
    }
    assert {name: list(columns) for name, (_, columns) in VIEWS.items()} == views
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for name, columns in views.items():
        row = re.search(rf"^\| `{name}` \(view\) \|[^|]*\|(.*)\|$", readme, re.MULTILINE)
        assert row is not None, name
        named = set(re.findall(r"`(\w+)`", row.group(1))) | {"id"}
        assert named | set(TABLES["versions"][1]) >= set(columns)


def test_export_version_all_writes_a_row_per_version(cli_here, db: Path, tmp_path: Path) -> None:
    r = cli_here("export", "--db", str(db))  # latest, the default: a row per article
    assert [sorted(json.loads(line)) == sorted(COLUMNS) for line in r.out.splitlines()] == [
        True,
        True,
    ]
    r = cli_here("export", "--version", "all", "--db", str(db))
    rows = [json.loads(line) for line in r.out.splitlines()]
    assert [(x["id"], x["version"], x["word_count"]) for x in rows] == [
        (1, 1, 159), (1, 2, 171), (2, 1, rows[2]["word_count"]),
    ]  # fmt: skip
    assert rows[0]["text"] == f"{FILL}\n\n{P1}\n\n{P2}" and rows[0]["title"] == "Bridge"
    # a version keeps the headline its text first came with (a new title alone is no version)
    assert rows[1]["title"] == "Bridge" and rows[1]["fetched_at"].startswith("2026-11-03")
    args = ("-f", "csv", "--version", "all", "--site", "example.com", "--db", str(db))
    r = cli_here("export", *args)
    table = list(csv.DictReader(io.StringIO(r.out)))
    assert [(t["id"], t["version"]) for t in table] == [("1", "1"), ("1", "2"), ("2", "1")]
    r = cli_here("export", "-f", "markdown", "--version", "all", "--db", str(db))
    assert r.out.count("*Version ") == 3
    for which, pages in (("latest", 1), ("all", 4)):  # article 1 keeps four raw pages
        out = tmp_path / f"{which}.warc.gz"
        r = cli_here("export", "-f", "warc", "--version", which, "-o", str(out), "--db", str(db))
        assert r.code == 0, r.err
        with out.open("rb") as stream:
            urls = [
                rec.rec_headers.get_header("WARC-Target-URI")
                for rec in ArchiveIterator(stream)
                if rec.rec_type == "response"
            ]
        assert urls.count(URL) == pages
    r = cli_here("export", "--version", "some", "--db", str(db))
    assert r.code == 2 and "--version" in r.err
