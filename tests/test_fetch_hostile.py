"""Hostile servers (issue 11): decompression bombs, codings that cannot be decoded,
redirects to private addresses and passwords in URLs, on a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import sqlite3
import struct
import tracemalloc
import zlib
from functools import cache
from pathlib import Path

import pytest
import zstandard
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scraper.archive import Archive
from scraper.crawl.urllist import archive_urls
from scraper.fetch import Fetcher
from scraper.models import FailureKind, FetchResult
from scraper.netguard import PRIVATE_REFUSAL
from scraper.pipeline import Outcome, Status
from scraper.settings import Settings

HTML = b"<html><head><title>T</title></head><body><p>Hello, decoded.</p></body></html>"
ARTICLE = (
    "<html><head><title>News</title></head><body><article><h1>News</h1>"
    + "".join(f"<p>Paragraph {i} of the story, long enough to count as text.</p>" for i in range(6))
    + "</article></body></html>"
)
GB = 1 << 30
SEGMENT = 1 << 20


def fetch(settings: Settings, url: str) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(settings) as f:
            return await f.fetch(url)

    return asyncio.run(go())


@cache
def gzip_of_zeros(size: int) -> bytes:
    """A valid gzip member of ``size`` zero bytes, built without compressing them all:
    a deflate segment ending in a full flush decodes the same wherever it stands."""
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    segment = c.compress(bytes(SEGMENT)) + c.flush(zlib.Z_FULL_FLUSH)
    crc, zero = 0, bytes(SEGMENT)
    for _ in range(size // SEGMENT):
        crc = zlib.crc32(zero, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
    return header + segment * (size // SEGMENT) + c.flush() + trailer


@cache
def zstd_of_zeros(size: int, frame: int = 16 << 20) -> bytes:
    """Concatenated zstd frames (each of ``frame`` zero bytes, streamed: no content size)."""
    c = zstandard.ZstdCompressor(level=1).compressobj()
    one = c.compress(bytes(frame)) + c.flush()
    return one * (size // frame)


BOMBS = {
    # name: (Content-Encoding, body) - each decodes to a gigabyte or more
    "zstd": ("zstd", lambda: zstd_of_zeros(GB)),
    "gzip": ("gzip", lambda: gzip_of_zeros(GB)),
    "gzip, gzip": ("gzip, gzip", lambda: gzip.compress(gzip_of_zeros(GB), 9)),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_a_decompression_bomb_is_refused_within_the_limit(
    server: HTTPServer, settings: Settings, name: str
) -> None:
    coding, make = BOMBS[name]
    body = make()
    assert len(body) < 1_100_000  # zstd: 33 KB, gzip: 1 MB, gzip of gzip: a few KB
    server.expect_request("/bomb").respond_with_data(
        body, content_type="text/html", headers={"Content-Encoding": coding}
    )
    tracemalloc.start()
    try:
        r = fetch(settings, server.url_for("/bomb"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r.kind is FailureKind.TOO_LARGE
    assert r.error == f"larger than the {settings.max_bytes:,} byte limit"
    assert r.body == b""
    # the limit (10 MB) and a few chunks: not the gigabyte the body expands to
    assert peak < settings.max_bytes + 40_000_000, f"{peak:,} bytes"


def encoded(coding: str, data: bytes) -> bytes:
    for one in [c.strip() for c in coding.split(",")]:
        if one in ("gzip", "x-gzip"):
            data = gzip.compress(data)
        elif one == "deflate":
            data = zlib.compress(data)
        elif one == "raw-deflate":
            c = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
            data = c.compress(data) + c.flush()
        elif one == "zstd":
            data = zstandard.ZstdCompressor().compress(data)
    return data


@pytest.mark.parametrize(
    "coding", ["gzip", "x-gzip", "deflate", "raw-deflate", "zstd", "gzip, gzip", "gzip, zstd"]
)
def test_every_coding_offered_is_decoded(
    server: HTTPServer, settings: Settings, coding: str
) -> None:
    seen: list[str] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("Accept-Encoding", ""))
        header = coding.replace("raw-deflate", "deflate")
        return Response(encoded(coding, HTML), content_type="text/html",
                        headers={"Content-Encoding": header})  # fmt: skip

    server.expect_request("/page").respond_with_handler(handler)
    r = fetch(settings, server.url_for("/page"))
    assert r.error is None and r.body == HTML
    # only what can be decoded is offered: no br (no bounded brotli decoder here)
    assert [c.strip() for c in seen[0].split(",")] == ["gzip", "deflate", "zstd"]


@pytest.mark.parametrize("coding", ["br", "compress", "gzip, br", "identity, snappy"])
def test_a_coding_that_cannot_be_decoded_is_refused(
    server: HTTPServer, settings: Settings, coding: str
) -> None:
    server.expect_request("/br").respond_with_data(
        b"\x8b\x02\x80compressed bytes\x03",
        content_type="text/html",
        headers={"Content-Encoding": coding},
    )
    r = fetch(settings, server.url_for("/br"))
    unknown = coding.split(",")[-1].strip()
    assert (r.kind, r.error) == (
        FailureKind.UNDECODABLE,
        f"unsupported content encoding ({unknown})",
    )
    assert r.body == b""


def test_a_corrupt_body_is_undecodable(server: HTTPServer, settings: Settings) -> None:
    server.expect_request("/bad").respond_with_data(
        b"\x1f\x8b\x08\x00not gzip at all", content_type="text/html",
        headers={"Content-Encoding": "gzip"},
    )  # fmt: skip
    server.expect_request("/deep").respond_with_data(
        HTML, content_type="text/html", headers={"Content-Encoding": "gzip, " * 5 + "gzip"}
    )
    r = fetch(dataclasses.replace(settings, retries=0), server.url_for("/bad"))
    assert r.kind is FailureKind.UNDECODABLE and r.error.startswith("undecodable body (")
    r = fetch(settings, server.url_for("/deep"))
    assert (r.kind, r.error) == (FailureKind.UNDECODABLE, "more than 4 content encodings")


# ------------------------------------------------------- redirects to private addresses
def archive_one(settings: Settings, url: str) -> Outcome:
    async def go() -> list[Outcome]:
        with Archive(settings.db) as archive:
            outcomes: list[Outcome] = []
            await archive_urls([url], archive, settings, on_outcome=outcomes.append)
            return outcomes

    [outcome] = asyncio.run(go())
    return outcome


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata: link-local
        "http://127.0.0.2:{port}/admin",  # loopback, a host the user did not name
        "http://localhost:{port}/admin",
        "http://10.0.0.1/",
    ],
)
def test_fetch_refuses_a_redirect_to_a_private_address(
    server: HTTPServer, settings: Settings, target: str
) -> None:
    # 127.0.0.1 stands for a public site here: the user named it, so it is fetched;
    # where it redirects to may not be private. Refused before connecting: nothing
    # leaves loopback (and nothing listens on 127.0.0.2 or localhost's other names).
    target = target.format(port=server.port)
    server.expect_request("/moved").respond_with_data("", 302, headers={"Location": target})
    outcome = archive_one(settings, server.url_for("/moved"))
    assert outcome.status is Status.FAILED
    assert (outcome.kind, outcome.reason) == (FailureKind.PRIVATE_ADDRESS, PRIVATE_REFUSAL)
    assert len(server.log) == 1  # the redirect, and nothing after it


def test_fetch_follows_a_redirect_among_the_hosts_given(
    server: HTTPServer, settings: Settings
) -> None:
    server.expect_request("/moved").respond_with_data(
        "", 302, headers={"Location": f"http://localhost:{server.port}/page"}
    )
    server.expect_request("/page").respond_with_data(ARTICLE, content_type="text/html")
    given = f"http://localhost:{server.port}/page"

    async def go() -> list[Outcome]:
        with Archive(settings.db) as archive:
            out: list[Outcome] = []
            await archive_urls([server.url_for("/moved"), given], archive, settings,
                               on_outcome=out.append)  # fmt: skip
            return out

    outcomes = asyncio.run(go())
    # both hosts were named: the redirect is followed (to a URL also given, unchanged)
    assert {o.status for o in outcomes} <= {Status.ARCHIVED, Status.UNCHANGED}


# ------------------------------------------------------- passwords in URLs
def test_a_password_in_a_url_is_never_printed_or_stored(
    cli, server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request("/a").respond_with_data(ARTICLE, content_type="text/html")
    server.expect_request("/loop").respond_with_data("", 302, headers={"Location": "/loop"})
    base = f"http://reader:s3cret@127.0.0.1:{server.port}"
    r = cli("fetch", f"{base}/a", f"{base}/loop")
    assert r.code == 1
    assert "s3cret" not in r.out + r.err
    assert f"http://reader:***@127.0.0.1:{server.port}/a" in r.out
    assert f"redirect loop at http://reader:***@127.0.0.1:{server.port}/loop" in r.err
    with sqlite3.connect(tmp_path / "data" / "archive.db") as conn:
        errors = [e for (e,) in conn.execute("SELECT error FROM fetches WHERE error IS NOT NULL")]
    assert len(errors) == 1 and "reader:***@" in errors[0] and "s3cret" not in errors[0]
    r = cli("fetch", "--json", f"{base}/loop")
    assert "s3cret" not in r.out + r.err
    r = cli("fetch", "ftp://reader:s3cret@127.0.0.1/x")
    assert r.code == 2 and "s3cret" not in r.err and "reader:***@" in r.err
