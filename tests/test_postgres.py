"""The commands on a PostgreSQL archive (``--db postgresql://...``), end to end: fetch
and crawl from a real HTTP server on 127.0.0.1 into a fresh database of the test
cluster (tests/pg.py), then the read commands on it.  The archive's own contract
runs on both backends in test_archive_contract.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from promise_site import article_html, index_html, make_site
from pytest_httpserver import HTTPServer
from test_cleanup import FILL, PAYWALL, URL, V1, V2, V2_AD, html, store

from scraper.archive import Archive
from scraper.archive.ftsquery import to_tsquery
from scraper.crawl import crawl_lock
from scraper.errors import QueryError
from scraper.extract import extract
from scraper.models import FetchResult


def test_fetch_into_postgresql_then_every_read_command(
    cli_here, server: HTTPServer, pg_url: str
) -> None:
    site = make_site(server)
    for n in (1, 2):
        site.page(f"/news/{n}", article_html(n), ETag=f'"v{n}"')
    urls = [site.url("/news/1"), site.url("/news/2"), site.url("/gone")]
    r = cli_here("fetch", *urls, "--db", pg_url, "--json")
    assert r.code == 1, r.err  # /gone is a 404
    lines = [json.loads(line) for line in r.out.splitlines()]
    outcomes = {d["url"]: d["outcome"] for d in lines if d["type"] == "url"}
    assert outcomes == dict(zip(urls, ["archived", "archived", "failed"], strict=True))
    r = cli_here("fetch", urls[0], "--db", pg_url, "--json")  # conditional: 304 from the ETag?
    assert r.code == 0 and json.loads(r.out.splitlines()[0])["outcome"] in (
        "unchanged",
        "not-modified",
    )

    r = cli_here("show", urls[1], "--db", pg_url, "-f", "json")
    assert r.code == 0 and json.loads(r.out)["title"] == "Story 2"
    r = cli_here("list", "--db", pg_url)
    assert r.code == 0 and "Story 1" in r.out and "Story 2" in r.out
    r = cli_here("search", '"story 2"', "--db", pg_url, "--json")
    [hit] = [json.loads(line) for line in r.out.splitlines()]
    assert hit["url"].endswith("/news/2") and "\x02" not in hit["snippet"]
    r = cli_here("search", "kremlin NOT", "--db", pg_url)
    assert r.code == 2 and r.err.startswith("scraper: error: bad search query")
    r = cli_here("stats", "--db", pg_url, "--json")
    assert r.code == 0, r.err
    stats = json.loads(r.out)
    assert sum(s["articles"] for s in stats.values()) == 2 and "HTTP 404" in r.out
    r = cli_here("export", "--db", pg_url)
    rows = [json.loads(line) for line in r.out.splitlines()]
    assert r.code == 0 and sorted(d["title"] for d in rows) == ["Story 1", "Story 2"]
    r = cli_here("history", urls[0], "--db", pg_url)
    assert r.code == 0, r.err
    r = cli_here("raw", urls[0], "--db", pg_url)
    assert r.code == 0 and "Story 1" in r.out


def test_crawl_into_postgresql_resumes_from_its_frontier(
    cli_here, server: HTTPServer, pg_url: str
) -> None:
    site = make_site(server)
    links = [f"/story/{n}" for n in range(1, 5)]
    site.page("/", index_html(links))
    for n, path in enumerate(links, 1):
        site.page(path, article_html(n))
    seed = site.url("/")
    args = ("crawl", seed, "--db", pg_url, "--delay", "0", "--json")
    r = cli_here(*args, "--max-pages", "3")  # robots.txt, the seed, one story: the rest waits
    assert r.code == 0, r.err
    with Archive(pg_url, readonly=True) as arc:
        first = arc.counts()["articles"]
        queue = arc.frontier_counts()
    assert first >= 1 and queue.get("queued", 0) >= 1
    r = cli_here(*args)
    assert r.code == 0, r.err
    with Archive(pg_url, readonly=True) as arc:
        assert arc.counts()["articles"] == 4
        assert arc.frontier_counts().get("queued", 0) == 0
        titles = sorted(r["title"] for r in arc.iter_articles())
    assert titles == [f"Story {n}" for n in range(1, 5)]
    fetched = [p for p in site.paths() if p.startswith("/story/")]
    assert sorted(fetched) == links  # each story fetched once: the first run's stayed done


def test_the_commands_that_rewrite_an_archive(cli_here, pg_url: str, tmp_path: Path) -> None:
    """reextract, diff, prune, delete and WARC export, on test_cleanup's archive."""
    with Archive(pg_url) as arc:
        for body, day in ((V1, 1), (V2, 3), (V2_AD, 4)):
            store(arc, body, day)
        page = FetchResult(url=URL, final_url=URL, status=200, body=PAYWALL)
        assert arc.store(page, extract(PAYWALL, URL), URL).kept
        store(arc, html(FILL, "Kremlin story."), 2, "https://example.com/news/kremlin")
        store(arc, html(FILL, "Weather story, the Kremlin once."), 2, "https://other.org/w")
    r = cli_here("reextract", "--versions", "--json", "--db", pg_url)
    assert r.code == 0 and json.loads(r.out.splitlines()[-1])["reextracted"] == 3, r.err
    # extraction workers that open the database read-only themselves (PostgreSQL too)
    r = cli_here("reextract", "--processes", "2", "--json", "--db", pg_url)
    assert r.code == 0, r.err
    assert json.loads(r.out.splitlines()[-1])["unchanged"] == 3, r.out
    r = cli_here("diff", URL, "--db", pg_url)
    assert r.code == 0 and "{+The mayor said" in r.out, r.err
    r = cli_here("export", "--format", "warc", "-o", str(tmp_path / "a.warc.gz"), "--db", pg_url)
    assert r.code == 0 and (tmp_path / "a.warc.gz").stat().st_size > 0, r.err
    r = cli_here("prune", "--before", "2026-11-05", "--json", "--db", pg_url)
    done = json.loads(r.out)
    assert (done["raw_pages"], done["fetches"], done["bytes_after"] > 0) == (1, 0, True), r.err
    r = cli_here("delete", "--query", "kremlin", "--site", "other.org", "--json", "--db", pg_url)
    assert json.loads(r.out)["ids"] == [3], r.err
    r = cli_here("delete", "--site", "example.com", "--db", pg_url)
    assert r.out.splitlines()[-1].startswith("deleted: articles 2, links 0, versions 3"), r.err
    with Archive(pg_url, readonly=True) as arc:
        assert arc.counts() == dict.fromkeys(
            ("articles", "links", "fetches", "raw_pages", "versions"), 0
        )


def test_one_crawl_at_a_time_per_database(cli_here, server: HTTPServer, pg_url: str) -> None:
    site = make_site(server)
    site.page("/", index_html([]))
    with crawl_lock(pg_url):
        r = cli_here("crawl", site.url("/"), "--db", pg_url)
        assert r.code == 0 and "another crawl is running" in r.err
        assert site.paths() == []
    r = cli_here("crawl", site.url("/"), "--db", pg_url, "--delay", "0")
    assert r.code == 0 and "/" in site.paths()


def test_a_database_that_cannot_be_reached_is_exit_3_in_one_line(cli_here, pg_url: str) -> None:
    bad = pg_url.rsplit("/", 1)[0] + "/no_such_database"
    for command in (["list"], ["fetch", "http://127.0.0.1:9/x"]):
        r = cli_here(*command, "--db", bad)
        assert r.code == 3 and r.err.count("\n") == 1, (command, r.err)
        assert r.err.startswith(f"scraper: error: {bad}: cannot open archive")
    r = cli_here("list", "--db", pg_url)  # a database that holds no archive yet
    assert r.code == 3 and "not a scraper archive" in r.err
    r = cli_here("serve", "--db", pg_url.replace("postgres@", "postgres:secret@"))
    assert r.code == 2 and "SQLite archives only" in r.err and "secret" not in r.err


@pytest.mark.parametrize(
    ("query", "tsquery"),
    [
        ("kremlin", "'kremlin'"),
        ("Kremlin putin", "('kremlin' & 'putin')"),
        ("kremlin OR putin NOT talks", "('kremlin' | ('putin' & !'talks'))"),
        ('"exact phrase" pre*', "(('exact' <-> 'phrase') & 'pre':*)"),
        ("title:kremlin", "'kremlin':A"),
        ("text:(a OR b)", "('a':B | 'b':B)"),
        ('"it""s"', "('it' <-> 's')"),
    ],
)
def test_fts5_queries_mean_the_same_as_tsqueries(query: str, tsquery: str) -> None:
    assert to_tsquery(query) == tsquery


@pytest.mark.parametrize("bad", ["kremlin NOT", '"open', "nosuchcolumn:x", "*", "a - b", "(a", ""])
def test_what_fts5_refuses_is_a_query_error(bad: str) -> None:
    with pytest.raises(QueryError):
        to_tsquery(bad)
