"""``scraper import`` stopped from outside, through the real command: an extraction
worker killed with -9 halfway through sending its result, and Ctrl-C (SIGINT)."""

from __future__ import annotations

import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper.archive import Archive
from scraper.pipeline import Outcome
from scraper.warc import import_warcs

PROC = Path("/proc")


def big_page(n: int, size: int = 100_000) -> bytes:
    """An article of ``2 * size`` characters of text that compresses poorly: by default
    a worker's result (the text, the body packed) is larger than a pipe holds, so it is
    sent in parts."""
    text = random.Random(n).randbytes(size).hex()
    words = [text[i : i + 9] for i in range(0, len(text), 9)]
    paragraphs = "".join(
        "<p>The council said " + " ".join(words[i : i + 50]) + ".</p>"
        for i in range(0, len(words), 50)
    )
    return (
        f"<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
        f"{paragraphs}</article></body></html>"
    ).encode()


def warc_records(first: int, count: int, size: int = 100_000) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False)
    for n in range(first, first + count):
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            f"https://example.org/news/{n}",
            "response",
            payload=io.BytesIO(big_page(n, size)),
            http_headers=http,
            warc_headers_dict={"WARC-Date": "2026-10-01T08:30:00Z"},
        )
        writer.write_record(record)
    return out.getvalue()


def start_import(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPER_")}
    return subprocess.Popen(
        [sys.executable, "-m", "scraper", "import", "-", "--db", "a.db", *args],
        cwd=tmp_path, env=env, text=True, bufsize=1,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def feed(proc: subprocess.Popen[str], data: bytes) -> None:
    assert proc.stdin is not None
    proc.stdin.buffer.write(data)
    proc.stdin.flush()


def articles(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        conn.close()


def children(pid: int) -> list[int]:
    return [int(c) for t in (PROC / str(pid) / "task").iterdir()
            for c in (t / "children").read_text().split()]  # fmt: skip


def stat_state(pid: int) -> str:
    try:
        return (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


def wchan(pid: int) -> str:
    try:
        return (PROC / str(pid) / "wchan").read_text()
    except OSError:
        return ""


def sending(pid: int) -> bool:
    """Waiting for room to write (anon_pipe_write, pipe_write, sock_alloc_send_pskb)."""
    where = wchan(pid)
    return where.endswith("pipe_write") or where.startswith("sock_alloc_send")


def stop_while_a_worker_sends(proc: subprocess.Popen[str]) -> int:
    """Stop the importer (SIGSTOP) once a worker of it is busy with a page: the worker's
    result then stays half sent, the importer reading none of it. That worker's pid.
    (Tried again, the importer let go, if the worker got its result out first.)"""
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline and proc.poll() is None, "no worker seen busy"
        workers = children(proc.pid)
        if any(stat_state(w) == "R" for w in workers):
            os.kill(proc.pid, signal.SIGSTOP)
            wait_until = time.monotonic() + 2
            while time.monotonic() < wait_until:
                for worker in workers:
                    if sending(worker):
                        return worker
                time.sleep(0.005)
            os.kill(proc.pid, signal.SIGCONT)
        time.sleep(0.001)


@pytest.mark.skipif(not (PROC / "self" / "wchan").exists(), reason="reads /proc")
def test_a_worker_killed_while_sending_its_result_does_not_hang_the_import(
    tmp_path: Path,
) -> None:
    data = warc_records(0, 10)
    proc = start_import(tmp_path, "--processes", "2")
    feeder = threading.Thread(target=feed, args=(proc, data), daemon=True)
    try:
        feeder.start()
        worker = stop_while_a_worker_sends(proc)
        os.kill(worker, signal.SIGKILL)  # halfway through its result
        os.kill(proc.pid, signal.SIGCONT)
        feeder.join(60)
        assert not feeder.is_alive(), "the import hangs"
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.kill()
            proc.wait()
    # its page reported failed (not extracted in the importing process, which a page
    # that kills its worker could kill too), the rest archived there
    assert proc.returncode == 1, err
    assert err.splitlines()[-1].startswith("files 1, records 10, "), err
    assert "archived 9," in err and "failed 1" in err and "Traceback" not in err
    assert out.count("archived ") == 9
    assert "extraction stopped: a worker process died (killed by signal 9) on this page" in err
    assert articles(tmp_path / "a.db") == 9
    # not recorded: the same import again archives it, and skips the rest
    again = start_import(tmp_path, "--processes", "1")
    feed(again, data)
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    assert "archived 1," in err and "skipped 9" in err
    assert articles(tmp_path / "a.db") == 10


def committed(db: Path) -> int:
    """Articles a reader sees (committed), 0 before the archive exists."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_what_a_pipe_brought_is_committed_while_the_import_waits_for_more(
    tmp_path: Path,
) -> None:
    """Records are committed a batch at a time (64): a pipe with fewer, then nothing
    more for a while, has them all stored and committed before the import waits."""
    proc = start_import(tmp_path, "--processes", "2")
    try:
        feed(proc, warc_records(0, 5, size=2_000))
        deadline = time.monotonic() + 60
        while committed(tmp_path / "a.db") < 5:  # stdin still open
            assert time.monotonic() < deadline and proc.poll() is None, "not committed"
            time.sleep(0.05)
        feed(proc, warc_records(5, 3, size=2_000))
        out, err = proc.communicate(timeout=60)  # stdin closed: the end of the file
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out.count("archived ") == 8 and articles(tmp_path / "a.db") == 8


def test_an_error_storing_while_a_pipe_waits_is_raised_not_taken_for_a_bad_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What was read is stored from inside the read that would wait; what storing
    raises there ends the import as it would anywhere else (it is no unreadable record)."""
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, warc_records(0, 1, size=2_000))  # then nothing more, still open
        stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(read_end, "rb", closefd=False)))
        monkeypatch.setattr(sys, "stdin", stdin)

        def fail(outcome: Outcome) -> None:
            raise RuntimeError(f"cannot report {outcome.url}")

        errors: list[str] = []
        with Archive(tmp_path / "a.db") as archive, pytest.raises(RuntimeError, match="news/0"):
            import_warcs(["-"], archive, processes=1, max_bytes=10**7, on_outcome=fail,
                         on_error=errors.append)  # fmt: skip
        assert errors == []
    finally:
        os.close(write_end)
        os.close(read_end)


def test_ctrl_c_prints_what_was_imported_and_exits_130(tmp_path: Path) -> None:
    proc = start_import(tmp_path, "--processes", "1")
    watchdog = threading.Timer(60, proc.kill)  # a line that never comes fails the test
    watchdog.start()
    try:
        # pages are stored a few behind the one read (a window), and all of them once
        # stdin has no more yet: Ctrl-C comes after the second, maybe amid the others,
        # and the batch open then (uncommitted) is committed on the way out
        feed(proc, warc_records(0, 6, size=2_000))
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("archived")
        assert proc.stdout.readline().startswith("archived")
        proc.send_signal(signal.SIGINT)
        # stdin stays open until the import has ended: closed at once (communicate),
        # the import could read its end and finish before the signal is handled
        proc.wait(timeout=60)
        _, err = proc.communicate(timeout=60)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    summary = dict(f.rsplit(" ", 1) for f in err.splitlines()[-1].split(", "))
    assert summary["interrupted"] == "True" and summary["files"] == "1", err
    stored = articles(tmp_path / "a.db")  # what was stored is kept, and is what it says
    assert stored >= 2 and summary["archived"] == str(stored), err


@pytest.mark.skipif(not (PROC / "self" / "wchan").exists(), reason="reads /proc")
def test_ctrl_c_before_a_command_has_done_anything_is_one_line_and_exit_130(
    tmp_path: Path,
) -> None:
    """typer turns Ctrl-C into a silent exit 130 of its own; the command says it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPER_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scraper", "fetch", "--input", "-", "--db", "a.db"],
        cwd=tmp_path, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not wchan(proc.pid).endswith("pipe_read"):  # it waits for the URLs on stdin
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (proc.returncode, out, err) == (130, "", "scraper: error: interrupted\n")
    assert not (tmp_path / "a.db").exists()
