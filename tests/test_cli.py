"""The real ``scraper`` command: each command, its output and its exit codes."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
import zstandard
from pytest_httpserver import HTTPServer

from scraper.archive import Archive

ARTICLE = (
    "<html lang='en'><head><title>Local news | Example</title>"
    "<meta property='og:title' content='Local news'></head><body><nav><a href='/'>Home</a></nav>"
    "<article><h1>Local news</h1>"
    + "".join(
        f"<p>Paragraph {i} of the story, long enough to count as text here.</p>" for i in range(6)
    )
    + "</article></body></html>"
)


@pytest.fixture
def cli(cli_here):  # type: ignore[no-untyped-def]
    """The command in this process (``cli_here``): what commands print, store and exit
    with. The entry point, stdin and the exit status of a real process: ``cli_process``."""
    return cli_here


@pytest.fixture
def site(server: HTTPServer) -> HTTPServer:
    for i in range(3):
        server.expect_request(f"/news/{i}").respond_with_data(
            ARTICLE.replace("Local news", f"Local news {i}"), content_type="text/html"
        )
    server.expect_request("/gone").respond_with_data("", status=410)
    return server


def no_traceback(text: str) -> None:
    assert "Traceback" not in text


def test_version_and_help(cli_process) -> None:
    r = cli_process("--version")
    assert r.code == 0 and r.out.startswith("scraper ")
    r = cli_process("--help")
    assert r.code == 0 and all(
        c in r.out for c in ("fetch", "crawl", "show", "export", "reextract")
    )


def test_fetch_default_db_then_show_and_export(cli, site: HTTPServer, tmp_path: Path) -> None:
    url = site.url_for("/news/0")
    r = cli("fetch", url)
    assert r.code == 0, r.err
    assert "archived" in r.out and "fetched 1, failed 0, skipped 0" in r.err
    assert (tmp_path / "data" / "archive.db").exists()

    r = cli("show", url)
    assert r.code == 0 and r.out.startswith("Local news 0\n") and "Paragraph 5" in r.out
    assert json.loads(cli("show", url, "--format", "json").out)["title"] == "Local news 0"

    r = cli("export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert r.code == 0 and [row["title"] for row in rows] == ["Local news 0"]


def test_some_failures_exit_1_with_one_line_each(cli_process, site: HTTPServer) -> None:
    urls = [site.url_for("/news/1"), site.url_for("/gone")]
    r = cli_process("fetch", "--db", "x.db", *urls)
    assert r.code == 1
    errors = [line for line in r.err.splitlines() if line.startswith("scraper: error:")]
    assert errors == [f"scraper: error: {urls[1]}: HTTP 410 GONE"]
    assert "fetched 1, failed 1, skipped 0" in r.err
    no_traceback(r.err)


def test_input_file_and_stdin(cli_process, site: HTTPServer, tmp_path: Path) -> None:
    (tmp_path / "urls.txt").write_text(
        f"# my list\n{site.url_for('/news/0')}\n\n{site.url_for('/news/1')}\n"
    )
    assert cli_process("fetch", "--input", "urls.txt", "--db", "a.db").code == 0
    r = cli_process(
        "fetch", "--input", "-", "--db", "a.db", "--json", input=site.url_for("/news/2") + "\n"
    )
    assert r.code == 0 and json.loads(r.out.splitlines()[-1])["archived"] == 1
    with sqlite3.connect(tmp_path / "a.db") as db:
        assert db.execute("select count(*) from articles").fetchone()[0] == 3


def test_second_identical_run_adds_no_rows(cli, site: HTTPServer, tmp_path: Path) -> None:
    urls = [site.url_for(f"/news/{i}") for i in range(3)]
    assert cli("fetch", "--db", "a.db", *urls).code == 0
    assert cli("fetch", "--db", "a.db", *urls).code == 0
    with sqlite3.connect(tmp_path / "a.db") as db:
        assert db.execute("select count(*) from articles").fetchone()[0] == 3
        assert db.execute("select count(*) from raw_pages").fetchone()[0] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fetch"], "no URLs given"),
        (["fetch", "not a url"], "not a url: not an http(s) URL"),
        (["fetch", "ftp://example.com/x"], "ftp://example.com/x: not an http(s) URL"),
        (["fetch", "--input", "missing.txt"], "missing.txt: no such file"),
        (["fetch", "--input", "bad.txt"], "bad.txt:2: "),
        (["fetch", "--concurrency", "0", "http://x.org/"], "Invalid value"),
        (["fetch", "--config", "bad.toml", "http://x.org/"], "bad.toml: not valid TOML"),
        (["export", "--format", "xml"], "'xml' is not one of 'jsonl', 'json', 'csv', 'markdown'"),
        (["export", "--since", "yesterday"], "is not a date (YYYY-MM-DD"),
        (["frobnicate"], "No such command"),
    ],
)
def test_usage_errors_exit_2(cli, tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "bad.txt").write_text("https://ok.example/\nnot-a-url\n")
    (tmp_path / "bad.toml").write_text("this is = = not toml")
    r = cli(*args)
    assert r.code == 2, (r.out, r.err)
    assert message in r.err
    no_traceback(r.err)
    assert not (tmp_path / "data" / "archive.db").exists()


def test_archive_that_is_not_sqlite_exits_3_untouched(cli, tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 50)
    r = cli("fetch", "--db", "junk.db", "http://127.0.0.1:9/")
    assert r.code == 3 and "junk.db" in r.err and len(r.err.strip().splitlines()) == 1
    assert junk.read_bytes() == b"not a database" * 50


def test_db_from_environment_and_show_missing(cli, tmp_path: Path) -> None:
    r = cli("show", "https://nowhere.example/a", env={"SCRAPER_DB": "env.db"})
    assert (r.code, r.err) == (3, "scraper: error: env.db: no such archive\n")
    assert not (tmp_path / "env.db").exists()  # a read never creates an archive
    Archive(tmp_path / "env.db").close()
    r = cli("show", "https://nowhere.example/a", env={"SCRAPER_DB": "env.db"})
    assert r.code == 1 and "not in the archive" in r.err


def test_export_to_file(cli, site: HTTPServer, tmp_path: Path) -> None:
    cli("fetch", site.url_for("/news/0"), site.url_for("/news/1"))
    r = cli("export", "--format", "json", "--output", "out.json", "--site", "127.0.0.1")
    assert r.code == 0 and r.out == ""
    assert len(json.loads((tmp_path / "out.json").read_text())) == 2


def test_reextract_refreshes_articles_from_their_raw_pages(
    cli, site: HTTPServer, tmp_path: Path
) -> None:
    cli("fetch", site.url_for("/news/0"), site.url_for("/news/1"))
    db = tmp_path / "data" / "archive.db"
    with sqlite3.connect(db) as conn:  # what an older extractor might have stored
        conn.execute(
            "UPDATE articles SET text = 'old', title = 'old', content_hash = 'old' "
            "WHERE url LIKE '%/news/0'"
        )
        conn.execute("DELETE FROM link_rows")
        # a raw page the current extractor finds no text in: the stored text stays
        conn.execute("UPDATE articles SET text = 'kept' WHERE url LIKE '%/news/1'")
        conn.execute(
            "UPDATE raw_pages SET body = ? WHERE url LIKE '%/news/1'",
            [zstandard.ZstdCompressor().compress(b"<html><body></body></html>")],
        )
    fetches = sqlite3.connect(db).execute("SELECT count(*) FROM fetches").fetchone()[0]
    site.clear()  # nothing may be fetched
    r = cli("reextract", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out.splitlines()[-1]) == {
        "type": "summary",
        "reextracted": 2,
        "updated": 1,
        "unchanged": 0,
        "kept": 1,
    }
    with sqlite3.connect(db) as conn:
        rows = dict(conn.execute("SELECT title, text FROM articles").fetchall())
        assert rows["Local news 0"].startswith("Paragraph 0 of the story")
        assert "kept" in rows.values()
        assert conn.execute("SELECT count(*) FROM links").fetchone()[0] > 0
        assert conn.execute("SELECT count(*) FROM fetches").fetchone()[0] == fetches
        found = conn.execute(
            "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'paragraph'"
        ).fetchone()[0]
        assert found == 1
    r = cli("reextract", "--site", "example.org")
    assert r.code == 0 and "reextracted 0" in r.err


@pytest.mark.parametrize("processes", ["1", "2"])
def test_reextract_writes_only_what_changed(
    cli, site: HTTPServer, tmp_path: Path, processes: str
) -> None:
    """In this process or in two workers: an article whose new extraction is what is
    stored is not written (its link rows keep their ids); one whose links differ
    gets them again; one whose title differs gets that column, its text untouched."""
    # one at a time: each article's links have higher ids than the one before, so
    # links written again (deleted, inserted) get new ids
    cli("fetch", "--concurrency", "1", *(site.url_for(f"/news/{i}") for i in range(3)))
    db = tmp_path / "data" / "archive.db"

    def links() -> dict[str, list[int]]:
        rows = sqlite3.connect(db).execute(
            "SELECT a.url, l.id FROM links l JOIN articles a ON a.id = l.article_id ORDER BY l.id"
        )
        found: dict[str, list[int]] = {}
        for url, link_id in rows:
            found.setdefault(url.rsplit("/", 1)[1], []).append(link_id)
        return found

    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE link_rows SET text = 'stale' WHERE url_id IN "
            "(SELECT id FROM link_urls WHERE url LIKE '%/') AND article_id = "
            "(SELECT id FROM articles WHERE url LIKE '%/news/0')"
        )
        conn.execute("UPDATE articles SET title = 'stale' WHERE url LIKE '%/news/2'")
    before = links()
    site.clear()  # nothing may be fetched
    r = cli("reextract", "--processes", processes, "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out.splitlines()[-1]) == {
        "type": "summary",
        "reextracted": 3,
        "updated": 0,
        "unchanged": 3,
        "kept": 0,
    }
    after = links()
    assert after["1"] == before["1"] and after["2"] == before["2"]  # not written
    assert len(after["0"]) == len(before["0"]) and after["0"] != before["0"]  # written again
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM links WHERE text = 'stale'").fetchone()[0] == 0
        assert (
            dict(conn.execute("SELECT url, title FROM articles"))[site.url_for("/news/2")]
            == "Local news 2"
        )


def test_reextract_skips_a_raw_page_it_cannot_read(cli, site: HTTPServer, tmp_path: Path) -> None:
    cli("fetch", site.url_for("/news/2"))
    db = tmp_path / "data" / "archive.db"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE raw_pages SET body = ?", [b"not zstd at all"])
    r = cli("reextract")
    no_traceback(r.err)
    assert r.code == 0 and "unreadable" in r.out and "kept 1" in r.err
    assert r.out.startswith("kept ")  # its status, not "skipped"
    assert json.loads(cli("show", site.url_for("/news/2"), "-f", "json").out)["text"]


def test_refetch_of_a_walled_article_keeps_the_archived_text(
    cli, server: HTTPServer, seed_page: bytes
) -> None:
    url = server.url_for("/world/putin")
    server.expect_oneshot_request("/world/putin").respond_with_data(
        seed_page, content_type="text/html; charset=utf-8"
    )
    assert cli("fetch", url).code == 0
    archived = json.loads(cli("show", url, "-f", "json").out)["text"]
    assert len(archived) > 4000
    wall = (
        "<html><head><title>What Putin Expects | TIME</title></head><body><article>"
        "<h1>What Putin Expects</h1><p>This article is no longer available in your region. "
        "Its summary remains: the Kremlin expects a thaw.</p></article></body></html>"
    )
    server.expect_oneshot_request("/world/putin").respond_with_data(wall, content_type="text/html")
    r = cli("fetch", url)
    no_traceback(r.err)
    assert r.code == 0, r.err
    assert r.out.startswith("kept") and "kept the archived article" in r.out
    assert "(kept 1)" in r.err and "skipped 0" in r.err
    assert json.loads(cli("show", url, "-f", "json").out)["text"] == archived
    r = cli("reextract", "--json")  # from the page the article was archived from
    assert r.code == 0 and json.loads(r.out.splitlines()[-1])["unchanged"] == 1
    assert json.loads(cli("show", url, "-f", "json").out)["text"] == archived
