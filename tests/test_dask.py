"""``scraper import --dask``: one ``process_warc`` task per file on a real Dask cluster
(a ``LocalCluster`` of two worker processes, one for the module), shards merged."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from test_warc_import import dump as dump_tables
from test_warc_import import make_warc

from scraper.archive import Archive
from scraper.batch import DaskSummary, import_on_dask
from scraper.warc import import_warcs

TABLES = ("articles", "links", "fetches", "raw_pages", "versions")


dump = partial(dump_tables, tables=TABLES)  # the versions too


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """The client of ``--dask local``'s cluster: two worker processes, forked from a
    server process, with its settings."""
    from scraper.batch import client_for

    with client_for("local", 2) as client:
        yield client


def test_an_import_on_dask_gives_the_archive_of_the_process_pool(
    cli, cli_here, client: Any, tmp_path: Path
) -> None:
    make_warc(tmp_path / "a.warc.gz", copies=2)
    make_warc(tmp_path / "b.warc.gz", copies=1)  # a's first copy again: merged unchanged
    make_warc(tmp_path / "c.warc", copies=1, gzip=False)
    files = ["a.warc.gz", "b.warc.gz", "c.warc"]
    pool = cli("import", *files, "--db", "pool.db", "--processes", "2", "--json")
    assert pool.code == 0, pool.err
    address = client.scheduler.address
    run = cli("import", *files, "--db", "out/dask.db", "--dask", address, "--json")
    assert run.code == 0, run.err
    assert dump(tmp_path / "out" / "dask.db") == dump(tmp_path / "pool.db")
    ours, theirs = json.loads(run.out), json.loads(pool.out)
    for key in ("files", "records", "bytes", "pages", "archived", "failed", "errors"):
        assert ours[key] == theirs[key], key
    assert ours["unchanged"] == theirs["skipped"] == 8 + 8  # b's pages, and c's
    assert os.listdir(tmp_path / "out") == ["dask.db"]  # the shards are gone

    run = cli_here("import", "a.warc.gz", "missing.warc", "--db", "x.db", "--dask", address)
    assert (run.code, run.err) == (2, "scraper: error: missing.warc: no such file\n")
    run = cli_here("import", "a.warc.gz", "-", "--db", "x.db", "--dask", address)
    assert run.code == 2 and run.err.startswith("scraper: error: -: stdin cannot be read")
    assert not (tmp_path / "x.db").exists()


def _holders(path: Path) -> list[int]:
    """The processes (not this one) that have ``path`` open."""
    found = []
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        pid = int(fd_dir.parent.name)
        if pid == os.getpid():
            continue
        try:
            if any(os.readlink(fd) == str(path) for fd in fd_dir.iterdir()):
                found.append(pid)
        except OSError:  # gone, or not ours to read
            continue
    return found


def _wait_for_holder(path: Path, not_pid: int | None = None) -> int:
    deadline = time.monotonic() + 60
    while True:
        holders = [p for p in _holders(path) if p != not_pid]
        if holders:
            return holders[0]
        assert time.monotonic() < deadline, "no task opened the file"
        time.sleep(0.02)


def test_a_killed_worker_costs_only_its_task(client: Any, tmp_path: Path) -> None:
    """A worker killed (-9) while its task reads a file: the task runs again on another
    worker, and the archive is the one a run without the kill makes."""
    make_warc(tmp_path / "a.warc.gz")
    make_warc(tmp_path / "b.warc.gz", copies=2)
    with Archive(tmp_path / "whole.db") as whole:
        import_warcs([str(tmp_path / "a.warc.gz"), str(tmp_path / "b.warc.gz")], whole,
                     processes=1, max_bytes=10**7)  # fmt: skip
    fifo = tmp_path / "slow.warc.gz"  # b, written by this test when it chooses
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR)  # a reader's open() returns; its read waits for data
    result: list[DaskSummary | BaseException] = []

    def run() -> None:
        try:
            with Archive(tmp_path / "dask.db") as archive:
                result.append(
                    import_on_dask(
                        [str(tmp_path / "a.warc.gz"), str(fifo)], archive, client, max_bytes=10**7
                    )
                )
        except BaseException as exc:
            result.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        first = _wait_for_holder(fifo)
        os.kill(first, signal.SIGKILL)
        _wait_for_holder(fifo, not_pid=first)  # the task, again, on another worker
        with (tmp_path / "b.warc.gz").open("rb") as data:
            shutil.copyfileobj(data, os.fdopen(writer, "wb", closefd=True))
        writer = -1
    finally:
        if writer >= 0:
            os.close(writer)
        thread.join(timeout=60)
    assert not thread.is_alive()
    summary = result[0]
    assert isinstance(summary, DaskSummary), summary
    assert summary.files == 2 and summary.counts["errors"] == 0
    assert dump(tmp_path / "dask.db") == dump(tmp_path / "whole.db")
    assert not [p for p in tmp_path.iterdir() if ".shards-" in p.name]
