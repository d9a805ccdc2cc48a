"""``--json`` of fetch and reextract: one JSON object per URL as it finishes, then
the summary; the keys shared with ``export`` and ``show -f json`` hold the same
values. (crawl's is in test_crawl.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

SHARED = ("url", "id", "title")


@pytest.fixture
def cli(cli_here):  # type: ignore[no-untyped-def]
    """The command in this process (``cli_here``): these tests check what commands
    print, store and exit with, not the process around them."""
    return cli_here


def article(n: int) -> str:
    para = "<p>Paragraph {} of story {}, long enough to count as text.</p>"
    paras = "".join(para.format(i, n) for i in range(6))
    body = f"<article><h1>Story {n}</h1>{paras}</article>"
    return f"<html><head><title>Story {n}</title></head><body>{body}</body></html>"


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_fetch_prints_a_line_per_url_then_the_summary(cli, server: HTTPServer) -> None:
    for n in range(2):
        server.expect_request(f"/news/{n}").respond_with_data(article(n), content_type="text/html")
    server.expect_request("/gone").respond_with_data("", status=410)
    good = [server.url_for("/news/0"), server.url_for("/news/1")]
    gone = server.url_for("/gone")
    r = cli("fetch", "--json", *good, gone, good[0])
    assert r.code == 1, r.err
    *per_url, summary = lines(r.out)
    assert summary["type"] == "summary"
    assert (summary["archived"], summary["failed"], summary["skipped"]) == (2, 1, 1)
    assert [o["type"] for o in per_url] == ["url"] * 4
    by = {(o["url"], o["outcome"]): o for o in per_url}
    failed = by[(gone, "failed")]
    assert failed["reason"] == "HTTP 410 GONE" and failed["kind"] == "permanent"
    assert failed["id"] is None
    assert by[(good[0], "skipped")]["reason"] == "duplicate of an earlier URL"
    exported = {row["url"]: row for row in lines(cli("export").out)}
    for url in good:
        line = by[(url, "archived")]
        assert line["reason"] is None and line["kind"] is None
        assert set(line) & set(exported[url]) == set(SHARED)
        assert {k: line[k] for k in SHARED} == {k: exported[url][k] for k in SHARED}
        shown = json.loads(cli("show", url, "-f", "json").out)
        assert {k: line[k] for k in SHARED} == {k: shown[k] for k in SHARED}

    r = cli("fetch", "--json", "--quiet", *good, gone)  # quiet: the failures only
    quiet = lines(r.out)
    assert [o["type"] for o in quiet] == ["url", "summary"] and quiet[0]["url"] == gone


def test_reextract_prints_a_line_per_article_then_the_summary(cli, server: HTTPServer) -> None:
    urls = []
    for n in range(2):
        server.expect_request(f"/news/{n}").respond_with_data(article(n), content_type="text/html")
        urls.append(server.url_for(f"/news/{n}"))
    assert cli("fetch", *urls).code == 0
    r = cli("reextract", "--json")
    assert r.code == 0, r.err
    *per_article, summary = lines(r.out)
    assert summary == {"type": "summary", "reextracted": 2, "updated": 0, "unchanged": 2, "kept": 0}
    exported = {row["id"]: row for row in lines(cli("export").out)}
    assert sorted(o["id"] for o in per_article) == sorted(exported)
    for line in per_article:
        assert line["type"] == "url" and line["outcome"] == "unchanged"
        assert {k: line[k] for k in SHARED} == {k: exported[line["id"]][k] for k in SHARED}
