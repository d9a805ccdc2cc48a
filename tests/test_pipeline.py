"""Fetch -> extract -> archive, end to end, with a real server and a real SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing

from pytest_httpserver import HTTPServer

from scraper.archive import Archive
from scraper.crawl.urllist import archive_urls
from scraper.extract import extract
from scraper.pipeline import Summary, article_key
from scraper.settings import Settings


def run(urls: list[str], archive: Archive, settings: Settings) -> Summary:
    return asyncio.run(archive_urls(urls, archive, settings))


def test_seed_page_is_stored_as_extracted(
    server: HTTPServer, archive: Archive, settings: Settings, seed_page: bytes
) -> None:
    # the seed page's exact text is test_extract's; here: what is extracted is stored
    url = server.url_for("/4563685/putin/")
    server.expect_request("/4563685/putin/").respond_with_data(
        seed_page, content_type="text/html; charset=utf-8"
    )
    summary = run([url], archive, settings)
    assert summary.counts["archived"] == 1 and not summary.failures
    extracted = extract(seed_page, url)
    row = next(archive.iter_articles())
    assert row["text"] == extracted.text and len(row["text"]) > 4000
    assert row["title"] == "What Vladimir Putin Is Expecting From Donald Trump"
    assert row["word_count"] == len(extracted.text.split())
    with closing(sqlite3.connect(archive.path)) as db:
        links = db.execute("SELECT url, text, in_body FROM links ORDER BY id").fetchall()
    assert links == [(ln.url, ln.text, int(ln.in_body)) for ln in extracted.links]
    body = {u for u, _, in_body in links if in_body}
    assert body == {server.url_for("/tag/vladimir-putin/"), "https://time.com/tag/donald-trump/"}


def test_refetch_adds_no_duplicates_and_uses_conditional_requests(
    server: HTTPServer, archive: Archive, settings: Settings, seed_page: bytes
) -> None:
    from werkzeug import Request, Response

    conditional: list[str] = []

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"s1"':
            conditional.append(request.path)
            return Response(status=304)
        return Response(seed_page, content_type="text/html", headers={"ETag": '"s1"'})

    server.expect_request("/article").respond_with_handler(handler)
    url = server.url_for("/article")
    assert run([url], archive, settings).counts["archived"] == 1
    second = run([url, url + "#comments"], archive, settings)
    assert second.counts["not-modified"] == 1 and second.counts["skipped"] == 1
    assert conditional == ["/article"]
    assert archive.counts()["articles"] == 1
    assert archive.counts()["raw_pages"] == 1


def test_wrong_declared_charset_is_survived(
    server: HTTPServer, archive: Archive, settings: Settings
) -> None:
    text = "Der Bürgermeister äußerte sich über die Straße. " * 20
    html = f"<html><head><title>Grüße</title></head><body><article><p>{text}</p></article></body>"
    # windows-1252 bytes, declared only in the HTTP header
    server.expect_request("/cp1252").respond_with_data(
        html.encode("cp1252"), content_type="text/html; charset=windows-1252"
    )
    # UTF-8 bytes, but the header wrongly says iso-8859-1 and the page says nothing
    server.expect_request("/liar").respond_with_data(
        html.encode("utf-8"), content_type="text/html; charset=iso-8859-1"
    )
    summary = run([server.url_for("/cp1252"), server.url_for("/liar")], archive, settings)
    assert summary.counts["archived"] == 2, summary.failures
    for row in archive.iter_articles():
        assert "Bürgermeister äußerte" in row["text"], row["url"]


def test_failures_are_recorded_with_reasons(
    server: HTTPServer, archive: Archive, settings: Settings
) -> None:
    server.expect_request("/gone").respond_with_data("", status=410)
    server.expect_request("/file.pdf").respond_with_data(b"%PDF", content_type="application/pdf")
    server.expect_request("/empty").respond_with_data(
        "<html><body></body></html>", content_type="text/html"
    )
    urls = [server.url_for(p) for p in ("/gone", "/file.pdf", "/empty")]
    summary = run(urls, archive, settings)
    assert summary.failed == 3 and archive.counts()["articles"] == 0
    with closing(sqlite3.connect(archive.path)) as db:
        reasons = dict(db.execute("SELECT url, error FROM fetches").fetchall())
    assert reasons[urls[0]].startswith("HTTP 410")
    assert reasons[urls[1]] == "not HTML (application/pdf)"
    assert reasons[urls[2]] == "no article text found"


def test_article_key_prefers_a_believable_canonical() -> None:
    assert article_key("https://x.com/a?utm_source=t", None) == "https://x.com/a"
    assert (
        article_key("https://x.com/a?id=1", "https://www.x.com/story") == "https://www.x.com/story"
    )
    assert article_key("https://x.com/a/b", "https://x.com/") == "https://x.com/a/b"
    assert article_key("https://x.com/a", "https://evil.org/a") == "https://x.com/a"


def test_a_list_extracted_in_a_worker_process_is_archived_as_in_this_one(
    server: HTTPServer, settings: Settings, seed_page: bytes, tmp_path
) -> None:
    # a long list goes through the crawl's extraction workers (raw page packed there)
    server.expect_request("/a").respond_with_data(seed_page, content_type="text/html")
    server.expect_request("/b").respond_with_data(b"<html><body>no story</body></html>")
    urls = [server.url_for("/a"), server.url_for("/b")]
    tables = []
    for processes in (1, 0):
        with Archive(tmp_path / f"{processes}.db") as archive:
            summary = asyncio.run(archive_urls(urls, archive, settings, processes=processes))
            assert summary.counts["archived"] == 1 and summary.failed == 1
        with closing(sqlite3.connect(tmp_path / f"{processes}.db")) as db:
            tables.append(
                (
                    db.execute("SELECT url, title, text, content_hash FROM articles").fetchall(),
                    db.execute("SELECT url, sha256, length(body) FROM raw_pages").fetchall(),
                    db.execute("SELECT url, status, error FROM fetches ORDER BY url").fetchall(),
                )
            )
    assert tables[0] == tables[1]
    assert len(tables[0][1]) == 1  # the article's raw page, packed in the worker


def test_reextract_keeps_what_a_page_that_kills_its_worker_had(
    settings: Settings, seed_page: bytes, tmp_path, monkeypatch
) -> None:
    """reextract in workers: a chunk whose worker dies on it is checked again a page a
    task, and the page whose worker dies again keeps what is stored; it is never
    extracted in the command's own process (it could kill it)."""
    from slowwork import KILLER, check_or_die

    from scraper import pipeline
    from scraper.models import FetchResult

    monkeypatch.setattr(pipeline, "check_articles", check_or_die)  # by name, into workers
    with Archive(tmp_path / "a.db") as archive:
        for n in range(3):
            url = f"https://example.com/story/{n}"
            body = (KILLER if n == 1 else b"") + seed_page.replace(b"Putin", b"Putin" + b"!" * n)
            fetch = FetchResult(url=url, final_url=url, status=200, body=body)
            archive.store(fetch, extract(body, url), url)
        outcomes: list = []
        summary = pipeline.reextract(archive, processes=2, on_outcome=outcomes.append)
    assert summary.counts["unchanged"] == 2 and summary.counts["kept"] == 1
    (kept,) = [o for o in outcomes if o.status.value == "kept"]
    assert kept.url == "https://example.com/story/1"
    assert (
        kept.reason == "extraction stopped: its worker process died on this page; kept the stored"
    )


def test_reextract_keeps_what_a_page_too_slow_to_extract_had(
    settings: Settings, seed_page: bytes, tmp_path, monkeypatch
) -> None:
    """reextract in workers: a chunk of pages that runs out of time is checked again a
    page a task, and only the page that runs out again keeps what is stored."""
    import time

    from slowwork import SLOW, check_slowly

    from scraper import pipeline
    from scraper.models import FetchResult

    monkeypatch.setattr(pipeline, "EXTRACT_SECONDS", 2.0)
    monkeypatch.setattr(pipeline, "check_articles", check_slowly)  # by name, into workers
    with Archive(tmp_path / "a.db") as archive:
        for n in range(3):
            url = f"https://example.com/story/{n}"
            body = (SLOW if n == 1 else b"") + seed_page.replace(b"Putin", b"Putin" + b"!" * n)
            fetch = FetchResult(url=url, final_url=url, status=200, body=body)
            archive.store(fetch, extract(body, url), url)
        started = time.monotonic()
        outcomes: list = []
        summary = pipeline.reextract(archive, processes=2, on_outcome=outcomes.append)
        assert time.monotonic() - started < 40  # not the minute the page asked for
    assert summary.counts["unchanged"] == 2 and summary.counts["kept"] == 1
    (kept,) = [o for o in outcomes if o.status.value == "kept"]
    assert kept.url == "https://example.com/story/1"
    assert kept.reason == "extraction took longer than 2 s; kept the stored"
