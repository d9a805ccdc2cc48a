"""README promises of the command itself, through the real ``scraper`` process: the
exit codes (1 when a crawl fails, 3 for every command on an archive it cannot open)
and export's write-then-rename. A real server on 127.0.0.1, real SQLite files."""

from __future__ import annotations

import contextlib
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

ARTICLE = (
    "<html><head><title>Local news</title></head><body><article><h1>Local news</h1>"
    + "".join(f"<p>Paragraph {i} of the story, long enough to count as text.</p>" for i in range(6))
    + "</article></body></html>"
)
JUNK = b"not a database" * 50


def test_a_crawl_whose_seed_fails_exits_1_with_one_line(server: HTTPServer, cli) -> None:  # type: ignore[no-untyped-def]
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/sitemap.xml").respond_with_data("", status=404)
    server.expect_request("/").respond_with_data("gone", status=410)
    url = server.url_for("/")
    r = cli("crawl", url, "--quiet", env={"SCRAPER_CRAWL_DELAY": "0"})
    assert r.code == 1
    errors = [line for line in r.err.splitlines() if line.startswith("scraper: error:")]
    assert errors == [f"scraper: error: {url}: HTTP 410 GONE"]
    assert "Traceback" not in r.err


@pytest.mark.parametrize(
    ("args", "line"),
    [
        ([], "no seed URLs given (pass URLs or --input FILE)"),
        (
            ["https://a.example/", "--until-drained"],
            "--until-drained crawls the sites table: add seeds with 'scraper sites add'",
        ),
    ],
    ids=["no seeds", "seeds and until-drained"],
)
def test_a_crawl_given_no_seeds_or_seeds_and_until_drained_is_a_usage_error(
    cli_here, args: list[str], line: str
) -> None:  # type: ignore[no-untyped-def]
    """README: 2 usage error, in one line, before anything is opened or fetched."""
    r = cli_here("crawl", *args, input="")
    assert (r.code, r.err, r.out) == (2, f"scraper: error: {line}\n", "")
    assert not Path("data").exists()


def test_crawl_until_drained_crawls_the_sites_table(server: HTTPServer, cli_here) -> None:  # type: ignore[no-untyped-def]
    """``crawl --until-drained`` crawls the due sites as a worker does, then exits 0."""
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/sitemap.xml").respond_with_data("", status=404)
    server.expect_request("/news/1").respond_with_data(ARTICLE, content_type="text/html")
    home = '<html><body><a href="/news/1">Local news</a></body></html>'
    server.expect_request("/").respond_with_data(home, content_type="text/html")
    url = server.url_for("/news/1")
    assert cli_here("sites", "add", server.url_for("/")).code == 0
    r = cli_here("crawl", "--until-drained", "--processes", "0", "--delay", "0", "--json")
    assert r.code == 0, r.err
    assert cli_here("show", url).code == 0


@pytest.mark.parametrize(
    "args",
    [
        ["crawl", "http://127.0.0.1:9/"],
        ["show", "http://127.0.0.1:9/a"],
        ["export"],
        ["reextract"],
    ],
    ids=lambda a: a[0],
)
def test_every_command_exits_3_on_an_archive_it_cannot_open(
    cli,
    tmp_path: Path,
    args: list[str],  # type: ignore[no-untyped-def]
) -> None:
    (tmp_path / "junk.db").write_bytes(JUNK)
    r = cli(*args, "--db", "junk.db")
    assert r.code == 3, (r.out, r.err)
    (line,) = r.err.strip().splitlines()
    assert line.startswith("scraper: error: junk.db")
    assert r.out == ""
    assert (tmp_path / "junk.db").read_bytes() == JUNK


def test_export_writes_a_temporary_file_and_renames_it(
    cli_here,
    server: HTTPServer,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    cli = cli_here  # the command in this process
    for i in range(3):
        server.expect_request(f"/news/{i}").respond_with_data(
            ARTICLE.replace("Local news", f"Story {i}"), content_type="text/html"
        )
    urls = [server.url_for(f"/news/{i}") for i in range(3)]
    assert cli("fetch", *urls, "--db", "a.db").code == 0
    out = tmp_path / "out.jsonl"
    out.write_text("the previous export\n")
    # the last article cannot be read (its text is not UTF-8): the export fails after
    # writing the first ones
    with sqlite3.connect(tmp_path / "a.db") as db:
        db.execute("UPDATE articles SET text = CAST(x'ff' AS TEXT) WHERE url = ?", [urls[2]])
    failed = cli("export", "--db", "a.db", "--output", "out.jsonl")
    assert failed.code == 3 and failed.err.startswith("scraper: error: a.db: ")
    assert len(failed.err.strip().splitlines()) == 1
    assert out.read_text() == "the previous export\n"  # untouched, not half-written
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("out")) == ["out.jsonl"]
    with sqlite3.connect(tmp_path / "a.db") as db:
        db.execute("UPDATE articles SET text = 'fixed' WHERE url = ?", [urls[2]])
    assert cli("export", "--db", "a.db", "--output", "out.jsonl").code == 0
    assert out.read_text().count("\n") == 3
    # WARC too: the previous file kept, no part file left when reading fails midway
    warc = tmp_path / "out.warc.gz"
    warc.write_text("the previous export\n")
    with sqlite3.connect(tmp_path / "a.db") as db:
        db.execute("UPDATE articles SET text = CAST(x'ff' AS TEXT) WHERE url = ?", [urls[2]])
    failed = cli("export", "--db", "a.db", "--format", "warc", "--output", "out.warc.gz")
    assert failed.code == 3 and failed.err.startswith("scraper: error: a.db: ")
    assert warc.read_text() == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("out")) == [
        "out.jsonl",
        "out.warc.gz",
    ]


def test_ctrl_c_during_fetch_is_one_line_and_exit_130(tmp_path: Path) -> None:
    """README: 130 interrupted (Ctrl-C), the summary of what was done printed."""
    arrived = threading.Event()

    def hang(conn: socket.socket) -> None:
        arrived.set()  # the request is out: the fetch is waiting for an answer
        time.sleep(30)
        conn.close()

    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def accept() -> None:
            with contextlib.suppress(OSError):
                hang(listener.accept()[0])

        threading.Thread(target=accept, daemon=True).start()
        proc = subprocess.Popen(
            [sys.executable, "-m", "scraper", "fetch", f"http://127.0.0.1:{port}/news/1"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert arrived.wait(60)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    # what was done (nothing had finished), as crawl prints it; no traceback
    assert (proc.returncode, out) == (130, "")
    assert err == "fetched 0, failed 0, skipped 0, interrupted True\n"
