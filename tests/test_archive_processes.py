"""Several real ``scraper`` processes on one archive, and archives that cannot be
written: a newer release's, a corrupted file, a read-only mount, a mistyped path."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pytest_httpserver import HTTPServer
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter
from werkzeug import Request, Response

from scraper.archive import Archive
from scraper.crawl import crawl_lock
from scraper.crawl.lock import lock_path
from scraper.crawl.urllist import archive_urls
from scraper.settings import Settings

# Each process imports scraper, says "ready", then waits for one line on stdin:
# the test starts them all at once.
GATED = """
import sys
from scraper.cli import main
print("ready", flush=True)
sys.stdin.readline()
sys.argv = ["scraper", *sys.argv[1:]]
main()
"""


def page(title: str) -> str:
    body = "".join(
        f"<p>Paragraph {i} of {title}, long enough to be article text.</p>" for i in range(6)
    )
    head = f"<head><title>{title}</title></head>"
    return f"<html>{head}<body><article><h1>{title}</h1>{body}</article></body></html>"


@pytest.fixture
def pages(server: HTTPServer) -> HTTPServer:
    """Article pages at /w/N, and a site to crawl at /c/ linking /c/news/N-story/."""

    def article(request: Request) -> Response:
        return Response(page(f"Story {request.path}"), content_type="text/html")

    index = "".join(f"<a href='/c/news/{n}-story/'>Story {n}</a>" for n in range(20))
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    server.expect_request("/sitemap.xml").respond_with_data("", status=404)
    server.expect_request("/c/").respond_with_data(
        f"<html><body><nav>{index}</nav></body></html>", content_type="text/html"
    )
    server.expect_request(re.compile(r"/(w|c/news)/.*")).respond_with_handler(article)
    return server


def run_at_once(cwd: Path, commands: list[list[str]]) -> list[tuple[int, str, str]]:
    """Start every command as its own process, release them together, and wait."""
    env = {**os.environ, "SCRAPER_BACKOFF": "0.01", "SCRAPER_CRAWL_DELAY": "0"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", GATED, *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in commands
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append((proc.returncode, out, err))
    return results


def fetched_into(db: Path, urls: list[str], settings: Settings) -> None:
    """Archive ``urls`` in this process (the set-up; the tests run the command)."""
    with Archive(db) as archive:
        summary = asyncio.run(archive_urls(urls, archive, settings))
    assert summary.counts["archived"] == len(urls)


def sql(db: Path, query: str) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(query).fetchall()


# ---------------------------------------------------------------- many writers
def test_fetch_crawl_and_reextract_at_once_archive_every_url_once(
    pages: HTTPServer, tmp_path: Path, settings: Settings
) -> None:
    db = str(tmp_path / "shared.db")
    first = [pages.url_for(f"/w/old{n}") for n in range(10)]
    fetched_into(Path(db), first, settings)
    a = [pages.url_for(f"/w/a{n}") for n in range(40)]
    b = [pages.url_for(f"/w/b{n}") for n in range(40)]
    results = run_at_once(
        tmp_path,
        [
            ["fetch", "--db", db, "--quiet", *a],
            ["fetch", "--db", db, "--quiet", *b],
            ["crawl", pages.url_for("/c/"), "--db", db, "--quiet"],
            ["reextract", "--db", db, "--json"],
            ["fetch", "--db", db, "--quiet", *first],  # refetches: updates, not duplicates
        ],
    )
    for code, _, err in results:
        assert code == 0, err
    crawled = [pages.url_for(f"/c/news/{n}-story/") for n in range(20)]
    urls = [u for (u,) in sql(Path(db), "SELECT url FROM articles")]
    assert sorted(urls) == sorted(first + a + b + crawled)  # each once
    # reextract went over the 10 archived before it started, and perhaps some that a
    # fetch stored before its read began; never one twice, never an error
    lines = [json.loads(line) for line in results[3][1].splitlines()]
    [summary] = [line for line in lines if line["type"] == "summary"]
    ids = [line["id"] for line in lines if line["type"] == "url"]
    assert summary["reextracted"] == len(ids) == len(set(ids)) >= 10


def warc_of(path: Path, urls: list[str]) -> None:
    """A gzip WARC with one HTML response record per URL (its own page)."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url in urls:
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], "HTTP/1.1")
            payload = io.BytesIO(page(f"Story {urlsplit(url).path}").encode())
            writer.write_record(
                writer.create_warc_record(url, "response", payload=payload, http_headers=http)
            )


def test_import_fetch_and_crawl_write_while_readers_read(
    pages: HTTPServer, tmp_path: Path, settings: Settings
) -> None:
    """``import`` beside ``fetch`` and ``crawl`` on one archive, with every read command
    reading at the same time: each URL archived once, and no reader fails or sees a
    half-written archive."""
    db = str(tmp_path / "shared.db")
    first = [pages.url_for(f"/w/old{n}") for n in range(5)]
    fetched_into(Path(db), first, settings)
    imported = [f"https://warc.example/news/{n}" for n in range(40)]
    warc_of(tmp_path / "in.warc.gz", imported)
    fetched = [pages.url_for(f"/w/a{n}") for n in range(30)]
    readers = [
        ["search", "Paragraph", "--db", db, "--limit", "500"],
        ["list", "--db", db, "--json"],
        ["stats", "--db", db, "--json"],
        ["export", "--db", db],
        ["show", first[0], "--db", db],
    ]
    results = run_at_once(
        tmp_path,
        [
            ["import", "in.warc.gz", "--db", db, "--quiet", "--processes", "1"],
            ["fetch", "--db", db, "--quiet", *fetched],
            ["crawl", pages.url_for("/c/"), "--db", db, "--quiet"],
            *readers,
        ],
    )
    for (code, _, err), command in zip(
        results, [["import"], ["fetch"], ["crawl"], *readers], strict=True
    ):
        assert (code, err) == (0, ""), command
    assert results[0][1] == ""  # import --quiet: silent when all went well
    crawled = [pages.url_for(f"/c/news/{n}-story/") for n in range(20)]
    urls = [u for (u,) in sql(Path(db), "SELECT url FROM articles")]
    assert sorted(urls) == sorted(first + imported + fetched + crawled)  # each once
    assert sql(Path(db), "PRAGMA integrity_check") == [("ok",)]
    exported = [json.loads(line)["url"] for line in results[6][1].splitlines()]
    assert set(first) <= set(exported) and len(exported) == len(set(exported))
    listed = [json.loads(line)["url"] for line in results[4][1].splitlines()]
    assert set(first) <= set(listed) and len(listed) == len(set(listed))


def templated(n: int) -> bytes:
    """A page of one site's template (a long head and navigation, as real sites have),
    its story its own: what a zstd dictionary of the site learns from."""
    nav = "".join(f'<li><a href="/section/{k}/">Section {k}</a></li>' for k in range(120))
    css = "".join(f".c{k} {{ margin: {k % 40}px }}\n" for k in range(300))
    body = "".join(f"<p>Story {n}, paragraph {i}, told at length to be text.</p>" for i in range(8))
    return (
        f"<html><head><title>Story {n}</title><style>{css}</style></head><body><nav><ul>{nav}"
        f"</ul></nav><article><h1>Story {n}</h1>{body}</article></body></html>"
    ).encode()


def test_compact_beside_a_crawl_a_fetch_and_readers_loses_no_raw_page(
    pages: HTTPServer, tmp_path: Path, settings: Settings
) -> None:
    """README: ``compact`` is "lossless; safe beside a running crawl".  It recompresses
    a site's raw pages while ``fetch`` and ``crawl`` add pages of the same site and
    ``raw`` reads them: every command succeeds, and every raw page reads back as the
    bytes the server sent, whichever way it ended up compressed."""
    pages.expect_request(re.compile(r"/t/\d+")).respond_with_handler(
        lambda r: Response(templated(int(r.path.rsplit("/", 1)[1])), content_type="text/html")
    )
    db = str(tmp_path / "shared.db")
    before = [pages.url_for(f"/t/{n}") for n in range(60)]  # enough for a dictionary
    fetched_into(Path(db), before, settings)
    during = [pages.url_for(f"/t/{n}") for n in range(60, 100)]
    results = run_at_once(
        tmp_path,
        [
            ["compact", "--db", db, "--json"],
            ["fetch", "--db", db, "--quiet", *during],
            ["crawl", pages.url_for("/c/"), "--db", db, "--quiet"],
            ["raw", before[0], "--db", db],
            ["compact", "--db", db, "--json"],
        ],
    )
    for code, _, err in results:
        assert (code, err) == (0, "")
    compacted = [json.loads(results[k][1]) for k in (0, 4)]
    assert sum(c["raw_pages"] for c in compacted) >= 60  # the race did happen on compressed pages
    assert results[3][1].encode() == templated(0)
    assert sql(Path(db), "PRAGMA integrity_check") == [("ok",)]
    with Archive(db) as archive:
        rows = sql(Path(db), "SELECT id, url, dict_id FROM raw_pages")
        assert len(rows) == 100 + 20  # every /t/ page and the crawl's 20 stories
        assert any(dict_id is not None for _, _, dict_id in rows)
        for raw_id, url, _ in rows:
            raw = archive.raw.get(raw_id)
            assert raw is not None and raw.body is not None, url
            if "/t/" in url:
                assert raw.body == templated(int(url.rsplit("/", 1)[1])), url


def test_processes_creating_one_archive_at_once_all_succeed_and_readers_see_it_whole(
    pages: HTTPServer, tmp_path: Path
) -> None:
    db = "sub/new.db"
    writers = [["fetch", "--db", db, "--quiet", pages.url_for(f"/w/n{n}")] for n in range(4)]
    readers = [["export", "--db", db] for _ in range(2)]
    results = run_at_once(tmp_path, writers + readers)
    for code, _, err in results[: len(writers)]:
        assert code == 0, err
    for code, _, err in results[len(writers) :]:
        # before the file is in place there is no archive; once it is, it is complete
        assert code == 0 or err == f"scraper: error: {db}: no such archive\n", err
    assert sql(tmp_path / db, "SELECT count(*) FROM articles") == [(4,)]
    names = sql(tmp_path / db, "SELECT name FROM _sqlite_migrations")
    assert len(names) == len(set(names))
    assert sorted(p.name for p in (tmp_path / "sub").iterdir() if p.name.startswith(".")) == []


def test_an_archive_of_a_newer_release_is_read_but_not_written(
    pages: HTTPServer, tmp_path: Path, cli: Callable[..., object], settings: Settings
) -> None:
    url = pages.url_for("/w/1")
    fetched_into(tmp_path / "a.db", [url], settings)
    with closing(sqlite3.connect(tmp_path / "a.db")) as conn, conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('scraper', '9999_from_the_future', '2030-01-01')"
        )
    before = sql(tmp_path / "a.db", "SELECT count(*) FROM fetches")
    for args in (["fetch", url], ["reextract"]):
        r = cli(*args, "--db", "a.db")
        assert r.code == 3, (args, r.err)  # type: ignore[attr-defined]
        assert r.err == (  # type: ignore[attr-defined]
            "scraper: error: a.db: written by a newer scraper (migration 9999_from_the_future"
            " is unknown here); upgrade scraper to write to it\n"
        )
    assert sql(tmp_path / "a.db", "SELECT count(*) FROM fetches") == before
    shown = cli("show", url, "--db", "a.db")
    assert shown.code == 0 and shown.out.startswith("Story /w/1")  # type: ignore[attr-defined]
    assert cli("export", "--db", "a.db").out.count("\n") == 1  # type: ignore[attr-defined]


# ---------------------------------------------------------------- the crawl lock
def test_the_crawl_lock_is_taken_on_the_resolved_archive(
    pages: HTTPServer, tmp_path: Path, cli: Callable[..., object]
) -> None:
    real = tmp_path / "store" / "archive.db"
    real.parent.mkdir()
    Archive(real).close()
    (tmp_path / "link.db").symlink_to(real)
    assert lock_path(tmp_path / "link.db") == lock_path(real)
    with crawl_lock(real):
        busy = cli("crawl", pages.url_for("/c/"), "--db", "link.db")
    assert busy.code == 0 and "another crawl is running" in busy.err  # type: ignore[attr-defined]
    assert sql(real, "SELECT count(*) FROM fetches") == [(0,)]


def test_scraper_runs_where_there_is_no_fcntl(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['fcntl'] = None\n"  # as on Windows
        "from scraper.cli import main; import scraper.crawl.lock\n"
        "sys.argv = ['scraper', '--help']; main()"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0 and "Usage" in r.stdout, r.stderr
    source = Path(__file__).parents[1] / "scraper"
    imports = [
        p
        for p in source.rglob("*.py")
        if re.search(r"^\s*(import|from) fcntl\b", p.read_text(), re.M)
    ]
    assert imports == []


# ---------------------------------------------------------------- archives that cannot be written
@pytest.mark.parametrize("damage", ["garbage", "truncated", "overwritten data pages"])
def test_a_damaged_archive_is_one_line_exit_3(
    pages: HTTPServer,
    tmp_path: Path,
    cli_here: Callable[..., object],
    settings: Settings,
    damage: str,
) -> None:
    cli = cli_here  # in this process: what the commands print and exit with
    urls = [pages.url_for(f"/w/{n}") for n in range(30)]
    path = tmp_path / "a.db"
    fetched_into(path, urls, settings)
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(os.urandom(len(data)))
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 3])
    else:  # the pages written after the schema's (the articles') overwritten
        Archive(tmp_path / "empty.db").close()
        keep = (tmp_path / "empty.db").stat().st_size
        assert len(data) > keep + 8 * 4096
        path.write_bytes(data[:keep] + b"\xff" * (len(data) - keep))
    before = path.read_bytes()
    for args in (
        ["export", "--output", "out.jsonl"],
        ["show", urls[0]],
        ["list"],
        ["search", "Paragraph"],
        ["stats"],
        ["serve", "--port", "9"],  # refused before it listens: no port is opened
    ):
        r = cli(*args, "--db", "a.db")
        assert r.code == 3, (args, r.code, r.err)  # type: ignore[attr-defined]
        assert r.err.startswith("scraper: error: a.db: ")  # type: ignore[attr-defined]
        assert r.err.count("\n") == 1, r.err  # type: ignore[attr-defined]
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("out.jsonl*"))


def test_read_commands_never_create_an_archive(tmp_path: Path, cli: Callable[..., object]) -> None:
    for args in (["export"], ["show", "https://example.com/a"]):
        r = cli(*args, "--db", "typo/archvie.db")
        assert (r.code, r.err) == (3, "scraper: error: typo/archvie.db: no such archive\n")  # type: ignore[attr-defined]
    assert list(tmp_path.iterdir()) == []


def test_read_commands_work_on_a_read_only_file(
    pages: HTTPServer, tmp_path: Path, cli: Callable[..., object], settings: Settings
) -> None:
    # (as root, chmod does not stop writes: see the read-only mount test below)
    url = pages.url_for("/w/1")
    ro = tmp_path / "ro"
    ro.mkdir()
    fetched_into(ro / "a.db", [url], settings)
    (ro / "a.db").chmod(0o444)
    ro.chmod(0o555)
    try:
        before = (ro / "a.db").read_bytes()
        assert cli("show", url, "--db", "ro/a.db").code == 0  # type: ignore[attr-defined]
        assert cli("export", "--db", "ro/a.db").out.count("\n") == 1  # type: ignore[attr-defined]
        assert (ro / "a.db").read_bytes() == before
    finally:
        ro.chmod(0o755)


def _can_mount_read_only() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount --bind / /mnt && mount -o remount,bind,ro /mnt"],
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_read_only(), reason="needs unshare -m and mount")
def test_read_commands_work_on_a_read_only_mount(
    pages: HTTPServer, tmp_path: Path, settings: Settings
) -> None:
    url = pages.url_for("/w/1")
    ro = tmp_path / "ro"
    ro.mkdir()
    fetched_into(ro / "a.db", [url], settings)
    assert sorted(p.name for p in ro.iterdir()) == ["a.db"]  # no -wal, no -shm
    scraper = f"{sys.executable} -m scraper"
    script = (
        f"mount --bind {ro} {ro} && mount -o remount,bind,ro {ro} && "
        f"{scraper} show {url} --db {ro}/a.db && {scraper} export --db {ro}/a.db; echo rc=$?; "
        f"{scraper} fetch {url} --db {ro}/a.db; echo rc=$?"
    )
    r = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True)
    assert r.stdout.startswith("Story /w/1") and "rc=0\n" in r.stdout, r.stderr
    assert r.stdout.endswith("rc=3\n") and r.stderr.count("\n") == 1, r.stderr
