"""``scraper import``: WARC files in, through the real command, on WARCs written with warcio."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import zstandard
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

PAGES = sorted((Path(__file__).parent / "pages").glob("*.html"))
TABLES = ("articles", "links", "fetches", "raw_pages")


def _response(writer: WARCWriter, url: str, body: bytes, date: str, status: str = "200 OK",
              content_type: str | None = "text/html; charset=utf-8") -> None:  # fmt: skip
    headers = [("Content-Type", content_type)] if content_type else []
    http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    record = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        http_headers=http,
        warc_headers_dict={"WARC-Date": date},
    )
    writer.write_record(record)


def make_warc(path: Path, copies: int = 1, gzip: bool = True) -> int:
    """A WARC of the test pages (``copies`` times, each copy its own URLs and
    payloads) mixed with records that are not pages to archive; returns the pages."""
    n = 0
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for copy in range(copies):
            for i, page in enumerate(PAGES):
                url = f"https://example.org/c{copy}/{page.stem}"
                body = page.read_bytes() + f"<!-- {copy} -->".encode()
                day = 1 + (copy + i) % 28
                req = writer.create_warc_record(
                    url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")
                )
                writer.write_record(req)
                _response(writer, url, body, f"2026-10-{day:02d}T08:30:00Z")
                n += 1
            base, date = f"https://example.org/c{copy}", "2026-10-01T00:00:00Z"
            _response(writer, f"{base}/gone", b"<p>gone</p>", date, "404 Not Found")
            _response(writer, f"{base}/x.json", b'{"a": 1}', date, content_type="application/json")
    return n


def dump(db: Path, tables: tuple[str, ...] = TABLES) -> dict[str, list[tuple[object, ...]]]:
    """Every row of ``tables`` in the archive ``db``, in id order."""
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in tables}
    finally:
        conn.close()


def test_import_archives_the_html_pages_as_fetched_then_skips_them(cli, tmp_path: Path) -> None:
    warc = tmp_path / "in.warc.gz"
    pages = make_warc(warc)
    run = cli("import", str(warc), "--db", "a.db", "--json", "--processes", "2")
    assert run.code == 0, run.err
    summary = json.loads(run.out)
    assert summary["pages"] == pages and summary["archived"] == pages
    assert summary["records"] == 1 + 2 * pages + 2  # warcinfo, requests, responses, 2 others
    assert summary["bytes"] == warc.stat().st_size and summary["errors"] == 0
    conn = sqlite3.connect(tmp_path / "a.db")
    row = conn.execute(
        "SELECT a.first_seen, a.last_fetched, f.fetched_at, f.status, f.content_type, "
        "r.body, a.title FROM articles a JOIN fetches f ON f.article_id = a.id "
        "JOIN raw_pages r ON r.fetch_id = f.id WHERE a.url = ?",
        ["https://example.org/c0/time_seed"],
    ).fetchone()
    day = 1 + PAGES.index(Path(__file__).parent / "pages" / "time_seed.html")
    when = f"2026-10-{day:02d}T08:30:00+00:00"
    assert row[:5] == (when, when, when, 200, "text/html")
    assert (
        zstandard.ZstdDecompressor()
        .decompress(row[5])
        .startswith((Path(__file__).parent / "pages" / "time_seed.html").read_bytes())
    )
    assert row[6] == "What Vladimir Putin Is Expecting From Donald Trump"
    assert conn.execute("SELECT count(*) FROM fetches").fetchone()[0] == pages
    # a segment of the search index a transaction: merged into one at the end, and the
    # pages that freed given back to the file system
    assert conn.execute("SELECT count(DISTINCT segid) FROM articles_fts_idx").fetchone() == (1,)
    assert conn.execute("PRAGMA freelist_count").fetchone() == (0,)
    conn.close()
    before = dump(tmp_path / "a.db")
    again = cli("import", str(warc), "--db", "a.db", "--json")
    assert again.code == 0
    assert json.loads(again.out)["skipped"] == pages
    assert dump(tmp_path / "a.db") == before


def test_corrupt_record_and_truncated_file_are_reported_and_the_rest_imported(
    cli, tmp_path: Path
) -> None:
    good = tmp_path / "good.warc.gz"
    pages = make_warc(good)
    data = good.read_bytes()
    # break one response's gzip member in the middle of the file
    starts = [i for i in range(len(data)) if data.startswith(b"\x1f\x8b\x08", i)]
    middle = starts[len(starts) // 2]
    broken = bytearray(data)
    broken[middle + 20 : middle + 120] = b"x" * 100
    (tmp_path / "broken.warc.gz").write_bytes(bytes(broken))
    (tmp_path / "cut.warc.gz").write_bytes(data[: starts[-3] + 500])  # in the last page
    run = cli("import", "broken.warc.gz", "cut.warc.gz", "--db", "a.db", "--json")
    assert run.code == 1
    errors = run.err.strip().splitlines()
    assert len(errors) == 2, run.err
    assert errors[0].startswith(f"scraper: error: broken.warc.gz: bad record at byte {middle:,}")
    assert errors[1].startswith("scraper: error: cut.warc.gz: unreadable at byte")
    assert "cut short" in errors[1] and "Traceback" not in run.err
    summary = json.loads(run.out)
    assert summary["errors"] == 2
    # the broken file loses at most its one broken record, the cut one its last page
    assert summary["archived"] >= pages - 1 and summary["pages"] >= 2 * pages - 2
    conn = sqlite3.connect(tmp_path / "a.db")
    (stored,) = conn.execute("SELECT count(*) FROM articles").fetchone()
    assert stored == summary["archived"]


def test_bad_arguments_exit_2_and_a_bad_archive_exits_3(cli, tmp_path: Path) -> None:
    run = cli("import", "missing.warc.gz", "--db", "a.db")
    assert run.code == 2 and run.err == "scraper: error: missing.warc.gz: no such file\n"
    assert not (tmp_path / "a.db").exists()
    assert cli("import", "x.warc", "--processes", "0").code == 2
    make_warc(tmp_path / "in.warc.gz")
    (tmp_path / "junk.db").write_bytes(b"not sqlite" * 200)
    run = cli("import", "in.warc.gz", "--db", "junk.db")
    assert run.code == 3 and "Traceback" not in run.err
    assert (tmp_path / "junk.db").read_bytes() == b"not sqlite" * 200


def test_kill_9_during_import_then_again_equals_one_unbroken_run(cli, tmp_path: Path) -> None:
    """Also: one process reading a file and two reading stdin give the same archive."""
    warc = tmp_path / "in.warc"
    pages = make_warc(warc, copies=6, gzip=False)
    data = warc.read_bytes()
    run = cli("import", str(warc), "--db", "whole.db", "-q", "--json", "--processes", "1")
    assert run.code == 0  # quiet and --json: the summary line only, as fetch and crawl
    assert json.loads(run.out)["archived"] == pages
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPER_")}
    cmd = [sys.executable, "-m", "scraper", "import", "-", "--db", "killed.db", "-q",
           "--processes", "2"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    assert proc.stdin is not None
    proc.stdin.write(data[: len(data) // 2])  # half the file; then it waits for the rest
    proc.stdin.flush()
    deadline = time.monotonic() + 120
    stored = 0
    while stored < pages // 6:  # a sixth of the pages are committed
        assert proc.poll() is None and time.monotonic() < deadline
        if (tmp_path / "killed.db").exists():
            try:
                conn = sqlite3.connect(f"file:{tmp_path / 'killed.db'}?mode=ro", uri=True)
                (stored,) = conn.execute("SELECT count(*) FROM articles").fetchone()
                conn.close()
            except sqlite3.OperationalError:  # not created yet
                pass
        time.sleep(0.05)
    workers = [
        int(c) for t in Path(f"/proc/{proc.pid}/task").glob("*")
        for c in (t / "children").read_text().split()
    ]  # fmt: skip
    assert workers
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdin.close()
    partial = dump(tmp_path / "killed.db")["articles"]
    assert pages // 6 <= len(partial) < pages
    again = subprocess.run(cmd, cwd=tmp_path, env=env, input=data, capture_output=True)
    assert again.returncode == 0, again.stderr
    assert dump(tmp_path / "killed.db") == dump(tmp_path / "whole.db")
    # the killed import's workers ended with it (none waits forever)
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{w}").exists() and "scraper" in _cmdline(w) for w in workers):
        assert time.monotonic() < deadline, "a worker outlived its killed parent"
        time.sleep(0.1)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def test_a_body_in_an_unknown_content_encoding_is_not_archived(cli, tmp_path: Path) -> None:
    warc = tmp_path / "in.warc.gz"
    with warc.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        http = StatusAndHeaders(
            "200 OK",
            [("Content-Type", "text/html"), ("Content-Encoding", "compress")],
            protocol="HTTP/1.1",
        )
        writer.write_record(
            writer.create_warc_record(
                "https://example.org/z",
                "response",
                payload=io.BytesIO(b"\x1f\x9d\x90<html>"),
                http_headers=http,
            )
        )
    run = cli("import", str(warc), "--db", "a.db")
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        "scraper: error: https://example.org/z: undecodable body (Content-Encoding: compress)"
    )
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (0,)


def test_a_record_that_kills_its_worker_fails_and_is_not_extracted_here(
    tmp_path: Path, monkeypatch
) -> None:
    """A record whose worker dies on it (a crash in the parser, the OOM killer) is
    reported failed and not recorded (a new import tries it again); it is not extracted
    in the import's own process, which it could kill too. The others are archived."""
    import slowwork
    from slowwork import KILLER, extract_page_or_die

    from scraper import warc
    from scraper.archive import Archive

    monkeypatch.setattr(slowwork, "real_page_extract", warc._extract)
    monkeypatch.setattr(warc, "_extract", extract_page_or_die)  # forked into the workers
    path = tmp_path / "in.warc.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for i, page in enumerate(PAGES[:3]):
            body = (KILLER if i == 1 else b"") + page.read_bytes()
            _response(writer, f"https://example.org/{page.stem}", body, "2026-10-01T08:30:00Z")
    outcomes: list = []
    with Archive(tmp_path / "a.db") as archive:
        summary = warc.import_warcs(
            [str(path)], archive, processes=2, max_bytes=10_000_000, on_outcome=outcomes.append
        )
    assert summary.counts["archived"] == 2, summary
    (failed,) = [o for o in outcomes if o.status.value == "failed"]
    assert failed.url == f"https://example.org/{PAGES[1].stem}"
    assert failed.reason == (
        "extraction stopped: a worker process died (killed by signal 9) on this page"
    )


def test_a_record_too_slow_to_extract_fails_and_the_import_goes_on(
    tmp_path: Path, monkeypatch
) -> None:
    import slowwork
    from slowwork import SLOW, extract_page_slowly

    from scraper import warc
    from scraper.archive import Archive

    monkeypatch.setattr(slowwork, "real_page_extract", warc._extract)
    monkeypatch.setattr(warc, "EXTRACT_SECONDS", 2.0)
    monkeypatch.setattr(warc, "_extract", extract_page_slowly)  # forked into the workers
    path = tmp_path / "in.warc.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for i, page in enumerate(PAGES[:3]):
            body = (SLOW if i == 1 else b"") + page.read_bytes()
            _response(writer, f"https://example.org/{page.stem}", body, "2026-10-01T08:30:00Z")
    outcomes: list = []
    started = time.monotonic()
    with Archive(tmp_path / "a.db") as archive:
        summary = warc.import_warcs(
            [str(path)], archive, processes=2, max_bytes=10_000_000, on_outcome=outcomes.append
        )
    assert time.monotonic() - started < 40  # not the minute the record asked for
    assert summary.counts["archived"] == 2, summary
    (failed,) = [o for o in outcomes if o.status.value == "failed"]
    assert failed.url == f"https://example.org/{PAGES[1].stem}"
    assert failed.reason == "extraction took longer than 2 s (stopped)"
