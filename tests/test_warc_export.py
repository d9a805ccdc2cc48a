"""``export --format warc`` and the round trip crawl -> WARC -> import (real commands)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zstandard
from pytest_httpserver import HTTPServer
from warcio.archiveiterator import ArchiveIterator

from scraper.archive import Archive, schema

PAGES = Path(__file__).parent / "pages"
NEWS = sorted(PAGES.glob("news_*.html"))[:3]


@pytest.fixture
def cli(cli_here):  # type: ignore[no-untyped-def]
    """The command in this process (``cli_here``): these tests check what commands
    print, store and exit with, not the process around them."""
    return cli_here


def records(path: Path) -> list[dict[str, object]]:
    """Every record of a WARC, read back with warcio, digests checked."""
    out = []
    with path.open("rb") as fh:
        for rec in ArchiveIterator(fh, check_digests=True):
            http = rec.http_headers
            out.append(
                {
                    "version": rec.rec_headers.protocol,
                    "type": rec.rec_type,
                    "url": rec.rec_headers.get_header("WARC-Target-URI"),
                    "date": rec.rec_headers.get_header("WARC-Date"),
                    "digest": rec.rec_headers.get_header("WARC-Payload-Digest"),
                    "status": http.get_statuscode()
                    if http and rec.rec_type == "response"
                    else None,
                    "headers": dict(http.headers) if http and rec.rec_type == "response" else {},
                    "body": rec.content_stream().read(),
                }
            )
    return out


def articles(db: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(
            "SELECT canonical_url, title, content_hash, word_count, first_seen FROM articles "
            "ORDER BY canonical_url"
        ).fetchall()


@pytest.fixture
def news(server: HTTPServer) -> list[str]:
    urls = []
    for i, page in enumerate(NEWS):
        server.expect_request(f"/news/{i}").respond_with_data(
            page.read_bytes(),
            content_type="text/html; charset=utf-8",
            headers={"ETag": f'"v{i}"', "X-Served-By": "loopback"},
        )
        urls.append(server.url_for(f"/news/{i}"))
    return urls


def test_fetch_export_warc_import_round_trip(cli, news: list[str], tmp_path: Path) -> None:
    assert cli("fetch", *news, "--db", "a.db").code == 0
    with closing(sqlite3.connect(tmp_path / "a.db")) as conn:
        stored = [json.loads(h) for (h,) in conn.execute("SELECT headers FROM fetches")]
    assert all(["x-served-by", "loopback"] in h for h in stored), stored

    run = cli("export", "--db", "a.db", "--format", "warc", "--output", "out.warc.gz")
    assert run.code == 0, run.err
    assert not (tmp_path / "out.warc.gz.part").exists()
    recs = records(tmp_path / "out.warc.gz")
    assert {r["version"] for r in recs} == {"WARC/1.1"}
    assert [r["type"] for r in recs] == ["warcinfo"] + ["response", "metadata"] * len(news)
    responses = [r for r in recs if r["type"] == "response"]
    assert sorted(r["url"] for r in responses) == sorted(news)
    for r in responses:
        headers = {k.lower(): v for k, v in r["headers"].items()}  # type: ignore[union-attr]
        assert r["status"] == "200" and str(r["digest"]).startswith("sha1:")
        assert headers["x-served-by"] == "loopback" and headers["etag"].startswith('"v')
        assert int(headers["content-length"]) == len(r["body"])  # type: ignore[arg-type]
        assert r["body"] == NEWS[news.index(str(r["url"]))].read_bytes()
    meta = json.loads(recs[2]["body"])  # type: ignore[arg-type]
    assert meta["canonical_url"] and len(meta["content_hash"]) == 64

    run = cli("import", "out.warc.gz", "--db", "b.db", "--json")
    assert run.code == 0, run.err
    assert json.loads(run.out)["archived"] == len(news)
    assert articles(tmp_path / "b.db") == articles(tmp_path / "a.db")
    with closing(sqlite3.connect(tmp_path / "b.db")) as conn:
        again = [json.loads(h) for (h,) in conn.execute("SELECT headers FROM fetches")]
    assert all(["x-served-by", "loopback"] in h for h in again)


def test_site_and_since_select_what_is_written(cli, news: list[str], tmp_path: Path) -> None:
    assert cli("fetch", *news, "--db", "a.db").code == 0
    with closing(sqlite3.connect(tmp_path / "a.db")) as conn:
        conn.execute("UPDATE articles SET host = 'other.example' WHERE url = ?", [news[0]])
        conn.execute(
            "UPDATE articles SET published = '2001-01-01', published_utc = '2001-01-01' "
            "WHERE url = ?",
            [news[1]],
        )
        conn.execute(
            "UPDATE articles SET published = '2030-01-01', published_utc = '2030-01-01' "
            "WHERE url = ?",
            [news[2]],
        )
        conn.commit()
    run = cli("export", "--db", "a.db", "-f", "warc", "-o", "s.warc.gz", "--site", "other.example")
    assert run.code == 0
    assert [r["url"] for r in records(tmp_path / "s.warc.gz") if r["type"] == "response"] == [
        news[0]
    ]
    run = cli("export", "--db", "a.db", "-f", "warc", "-o", "d.warc.gz", "--since", "2030-01-01")
    assert run.code == 0
    assert [r["url"] for r in records(tmp_path / "d.warc.gz") if r["type"] == "response"] == [
        news[2]
    ]


def test_an_archive_of_the_previous_release_migrates_and_exports(cli, tmp_path: Path) -> None:
    """Made with the schema of the release before (0001, 0002): its rows stay, its
    fetches have no stored headers, and export makes them from the columns it has."""
    path = tmp_path / "old.db"
    body = NEWS[0].read_bytes()
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        schema.run_script(conn, schema._MIGRATIONS_TABLE)
        for name in ("0001_initial", "0002_frontier"):
            schema.MIGRATIONS[name](conn)
            conn.execute(
                "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?,?,?)",
                ["scraper", name, str(datetime.now(UTC))],
            )
        conn.execute(
            "INSERT INTO articles (id, canonical_url, url, host, title, text, content_hash,"
            " first_seen, last_fetched) VALUES (1, 'https://old.example/a', 'https://old.example/a',"
            " 'old.example', 'Old', 'Old text.', 'h', ?, ?)",
            ["2026-01-02T03:04:05+00:00"] * 2,
        )  # fmt: skip
        conn.execute(
            "INSERT INTO fetches (id, url, final_url, status, content_type, bytes, fetched_at,"
            " etag, article_id) VALUES (1, 'https://old.example/a', 'https://old.example/a', 200,"
            " 'text/html', ?, '2026-01-02T03:04:05+00:00', '\"e1\"', 1)",
            [len(body)],
        )  # fmt: skip
        conn.execute(
            "INSERT INTO raw_pages (article_id, fetch_id, url, fetched_at, encoding, sha256, size,"
            " body) VALUES (1, 1, 'https://old.example/a', '2026-01-02T03:04:05+00:00',"
            " 'iso-8859-1', 'x', ?, ?)",
            [len(body), zstandard.ZstdCompressor().compress(body)],
        )  # fmt: skip
    before = articles(path)
    run = cli("export", "--db", "old.db", "--format", "warc", "--output", "old.warc.gz")
    assert run.code == 0, run.err
    assert articles(path) == before
    with Archive(path), closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT headers FROM fetches").fetchall() == [(None,)]
    (resp,) = [r for r in records(tmp_path / "old.warc.gz") if r["type"] == "response"]
    assert resp["date"] == "2026-01-02T03:04:05Z" and resp["body"] == body
    assert resp["headers"] == {
        "Content-Type": "text/html; charset=iso-8859-1",
        "ETag": '"e1"',
        "Content-Length": str(len(body)),
    }


# A response whose header block a WARC writer can trip on: a 64 KiB value, bytes that
# are not ASCII, a header repeated, an empty value, and no space after a colon.
HOSTILE_HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"X-Big: " + b"a" * 65536 + b"\r\n"
    b"X-Bytes: caf\xe9 \xff\xfe\r\n"
    b"Set-Cookie: a=1\r\n"
    b"Set-Cookie: b=2\r\n"
    b"X-Empty:\r\n"
    b"X-Tight:value\r\n"
    b"Connection: close\r\n"
)


@pytest.fixture
def hostile_url() -> Iterator[str]:
    """An article served by a raw socket server that writes HOSTILE_HEAD as it is."""
    body = NEWS[0].read_bytes()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(HOSTILE_HEAD + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await writer.drain()
        writer.close()

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(asyncio.start_server(answer, "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/news/hostile"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    server.close()
    loop.close()


def test_hostile_response_headers_export_to_a_warc_that_reads_back(
    cli, hostile_url: str, tmp_path: Path
) -> None:
    assert cli("fetch", hostile_url, "--db", "a.db").code == 0
    run = cli("export", "--db", "a.db", "--format", "warc", "--output", "h.warc.gz")
    assert run.code == 0 and run.err == "", run.err
    [response] = [r for r in records(tmp_path / "h.warc.gz") if r["type"] == "response"]
    assert response["body"] == NEWS[0].read_bytes()  # the digest was checked too
    headers = response["headers"]
    assert isinstance(headers, dict)
    assert len(headers["x-big"]) == 65536 and headers["x-tight"] == "value"
    assert headers["x-empty"] == ""
    with (tmp_path / "h.warc.gz").open("rb") as fh:
        [pairs] = [r.http_headers.headers for r in ArchiveIterator(fh) if r.rec_type == "response"]
    assert [v for k, v in pairs if k.lower() == "set-cookie"] == ["a=1", "b=2"]
    assert "caf" in dict(pairs)["x-bytes"]  # bytes that are not ASCII are escaped, not lost
    run = cli("import", "h.warc.gz", "--db", "b.db", "--json")
    assert run.code == 0 and json.loads(run.out)["archived"] == 1
    assert articles(tmp_path / "b.db") == articles(tmp_path / "a.db")
