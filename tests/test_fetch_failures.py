"""Failed fetches: each has a kind and a reason, made in one place (scraper/fetch.py),
and a URL the HTTP client refuses is one failed URL, never a traceback."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from scraper.crawl.crawler import _frontier_state
from scraper.fetch import Fetcher
from scraper.models import FailureKind, FetchResult
from scraper.pipeline import Outcome, Status
from scraper.settings import Settings

HTML = "<html><head><title>T</title></head><body><p>Hello</p></body></html>"
ARTICLE = (
    "<html><head><title>News</title></head><body><article><h1>News</h1>"
    + "".join(f"<p>Paragraph {i} of the story, long enough to count as text.</p>" for i in range(6))
    + "</article></body></html>"
)
# URLs that pass scraper's own check but that httpx refuses to request
REFUSED_BY_HTTPX = {
    "idna": "http://ü..com/",
    "control": "http://127.0.0.1:9/a\x01b",
    "long": "http://127.0.0.1:9/" + "a" * 70_000,
}


def fetch_all(settings: Settings, *urls: str) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with Fetcher(settings) as f:
            return [await f.fetch(u) for u in urls]

    return asyncio.run(go())


def test_each_failure_has_its_kind(server: HTTPServer, settings: Settings) -> None:
    server.expect_request("/404").respond_with_data("no", status=404)
    server.expect_request("/503").respond_with_data("busy", status=503)
    server.expect_request("/pdf").respond_with_data(b"%PDF", content_type="application/pdf")
    server.expect_request("/big").respond_with_data("<p>x</p>" * 1000, content_type="text/html")
    server.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    server.expect_request("/ok").respond_with_data(HTML, content_type="text/html")
    urls = ["/404", "/503", "/pdf", "/big", "/loop", "/ok"]
    results = fetch_all(
        dataclasses.replace(settings, retries=0, max_bytes=1000),
        *(server.url_for(u) for u in urls),
        REFUSED_BY_HTTPX["idna"],
        "ftp://127.0.0.1/x",
    )
    kinds = [(r.kind, r.error) for r in results]
    assert kinds == [
        (FailureKind.PERMANENT, "HTTP 404 NOT FOUND"),
        (FailureKind.TRANSIENT, "HTTP 503 SERVICE UNAVAILABLE"),
        (FailureKind.NOT_HTML, "not HTML (application/pdf)"),
        (FailureKind.TOO_LARGE, "larger than the 1,000 byte limit (8,000 bytes)"),
        (FailureKind.PERMANENT, f"redirect loop at {server.url_for('/loop')}"),
        (None, None),
        (FailureKind.INVALID_URL, "invalid URL (Invalid IDNA hostname: 'ü..com')"),
        (FailureKind.INVALID_URL, "unsupported URL scheme"),
    ]


def test_results_and_outcomes_are_immutable() -> None:
    result = FetchResult(url="http://example.com/")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.error = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Outcome("http://example.com/", Status.FAILED).reason = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kind", "state", "final"),
    [
        (FailureKind.ROBOTS, "skipped", False),
        (FailureKind.PRIVATE_ADDRESS, "skipped", False),
        (FailureKind.TRANSIENT, "failed", False),  # tried again on the next run
        (FailureKind.PERMANENT, "failed", True),
        (FailureKind.NOT_HTML, "failed", True),
        (FailureKind.INVALID_URL, "failed", True),
    ],
)
def test_the_crawler_decides_by_the_kind(kind: FailureKind, state: str, final: bool) -> None:
    # the reason's words do not matter: a transient failure worded like a permanent one
    outcome = Outcome("http://example.com/", Status.FAILED, "HTTP 404 whatever", kind=kind)
    assert _frontier_state(outcome) == (state, "HTTP 404 whatever", final)


@pytest.mark.parametrize("name", sorted(REFUSED_BY_HTTPX))
def test_a_url_httpx_refuses_is_one_failed_url(cli, name: str) -> None:
    url = REFUSED_BY_HTTPX[name]
    r = cli("fetch", "--input", "-", input=url + "\n")
    assert "Traceback" not in r.err
    assert r.code == 1, r.err
    [line] = [ln for ln in r.err.splitlines() if ln.startswith("scraper: error:")]
    assert line.startswith(f"scraper: error: {url}: invalid URL (")


def test_crawl_of_a_url_httpx_refuses_is_one_line(cli) -> None:
    r = cli("crawl", REFUSED_BY_HTTPX["idna"], env={"SCRAPER_CRAWL_DELAY": "0"})
    assert "Traceback" not in r.err
    assert r.code == 1, r.err
    errors = [ln for ln in r.err.splitlines() if ln.startswith("scraper: error:")]
    assert errors and all("invalid URL (Invalid IDNA hostname" in ln for ln in errors)


def test_one_bad_line_among_60_good_urls(cli, server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/a").respond_with_data(ARTICLE, content_type="text/html")
    good = [server.url_for(f"/a?n={i}") for i in range(60)]  # more than --concurrency
    lines = [*good[:30], REFUSED_BY_HTTPX["control"], *good[30:]]
    r = cli("fetch", "--input", "-", "--concurrency", "16", input="\n".join(lines) + "\n")
    assert "Traceback" not in r.err
    assert r.code == 1
    errors = [ln for ln in r.err.splitlines() if ln.startswith("scraper: error:")]
    assert len(errors) == 1 and "invalid URL" in errors[0]
    with sqlite3.connect(tmp_path / "data" / "archive.db") as conn:
        archived = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert archived == 60
