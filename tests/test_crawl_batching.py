"""Group commit (``crawl/batching.py``) over a real archive, its commits seen from
a second SQLite connection, with a clock the test moves."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scraper.archive import Archive, Discovered
from scraper.crawl.batching import CONFLICTS, CommitBatch
from scraper.errors import ArchiveConflict


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def committed(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM frontier").fetchone()[0])
    finally:
        conn.close()


def write(archive: Archive, batch: CommitBatch, n: int) -> None:
    batch.page()
    with archive.transaction():  # one page's writes: a savepoint in the batch
        archive.frontier_add("s.test", [Discovered(url=f"http://s.test/{n}", host="s.test")])


def test_pages_are_committed_when_the_batch_is_full_or_old(archive: Archive) -> None:
    clock = Clock()
    db = Path(archive.path)
    batch = CommitBatch(archive, pages=3, seconds=2.0, clock=clock)
    seen = []
    for n in range(7):
        write(archive, batch, n)
        seen.append(committed(db))
    # a full batch is committed by the next page, and the next batch is as full
    assert seen == [0, 0, 0, 3, 3, 3, 6]
    clock.now += 2.0  # exactly the age: not yet
    write(archive, batch, 7)
    assert committed(db) == 6
    clock.now += 0.01
    write(archive, batch, 8)  # older than 2 s: committed first
    assert committed(db) == 8
    batch.close()
    assert committed(db) == 9


def test_a_page_that_fails_loses_only_its_own_writes(archive: Archive) -> None:
    batch = CommitBatch(archive, pages=10, clock=Clock())
    write(archive, batch, 0)
    batch.page()
    with pytest.raises(RuntimeError), archive.transaction():
        archive.frontier_add("s.test", [Discovered(url="http://s.test/bad", host="s.test")])
        raise RuntimeError("the page's extraction failed")
    write(archive, batch, 2)
    batch.close()
    urls = [r[0] for r in sqlite3.connect(archive.path).execute("SELECT url FROM frontier")]
    assert sorted(urls) == ["http://s.test/0", "http://s.test/2"]


def add(archive: Archive, n: int) -> None:
    archive.frontier_add("s.test", [Discovered(url=f"http://s.test/{n}", host="s.test")])


def test_a_page_failed_to_break_a_deadlock_is_written_again_after_a_commit(
    archive: Archive,
) -> None:
    """(PostgreSQL's deadlock is staged: tests/test_pg_deadlock.py has the real one)"""
    db = Path(archive.path)
    batch = CommitBatch(archive, pages=10, clock=Clock())
    batch.write(add, archive, 0)
    seen: list[int] = []

    def page() -> str:
        seen.append(committed(db))
        add(archive, 1)
        if len(seen) == 1:  # its first try is failed once it wrote
            raise ArchiveConflict("deadlock detected")
        return "written"

    assert batch.write(page) == "written"
    assert seen == [0, 1]  # the earlier page was committed before the page's second try
    assert committed(db) == 1  # the page waits for the batch's next commit
    batch.close()
    urls = [r[0] for r in sqlite3.connect(db).execute("SELECT url FROM frontier")]
    assert sorted(urls) == ["http://s.test/0", "http://s.test/1"]  # each once


def test_a_conflict_goes_up_when_it_keeps_coming_or_no_commit_lets_go(archive: Archive) -> None:
    tries = 0

    def page() -> None:
        nonlocal tries
        tries += 1
        raise ArchiveConflict("deadlock detected")

    batch = CommitBatch(archive, clock=Clock())
    with pytest.raises(ArchiveConflict):
        batch.write(page)
    assert tries == CONFLICTS
    tries = 0
    with archive.transaction(), pytest.raises(ArchiveConflict):  # not the batch's to commit
        batch.write(page)
    assert tries == 1
    batch.close()
