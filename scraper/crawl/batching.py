"""Group commit: the writes of several pages in one transaction.

Each page's rows (its fetch, article, links and frontier row) are written in a
savepoint of their own; a commit per page would cost more than the page, so
``CommitBatch`` keeps one transaction open over up to ``BATCH_PAGES`` pages, or
``BATCH_SECONDS``, whichever comes first.  A crawl killed meanwhile loses at
most that batch, which the next run fetches again (its URLs are still queued).

Workers writing one PostgreSQL archive at once can wait for each other: a batch holds
the rows its pages added (a link URL, a frontier URL, an article's key: pages of two
sites share them) until it commits, so a page of each may wait for a row the other
batch holds, and PostgreSQL breaks the deadlock by failing one's statement.
``CommitBatch.write`` takes that in its stride (see there).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import ParamSpec, TypeVar

from scraper.archive import Archive
from scraper.errors import ArchiveConflict

BATCH_PAGES, BATCH_SECONDS = 64, 0.5  # group commit: pages per transaction, or its age
CONFLICTS = 10  # deadlocks one page's writes may be failed by before the error goes up

P = ParamSpec("P")
T = TypeVar("T")


class CommitBatch:
    def __init__(
        self,
        archive: Archive,
        *,
        pages: int = BATCH_PAGES,
        seconds: float = BATCH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.archive = archive
        self.pages, self.seconds = pages, seconds
        self._clock = clock
        self._count, self._started = 0, clock()
        self._held = ExitStack()  # the open transaction, if any

    def page(self) -> None:
        """Before a page's writes: commit the batch if it is full or old, and make sure
        a transaction is open for this page's."""
        now = self._clock()
        if self._count >= self.pages or now - self._started > self.seconds:
            self._held.close()  # commits
            self._count, self._started = 0, now
        if not self.archive.in_transaction:
            self._held.enter_context(self.archive.transaction())
        self._count += 1

    def write(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)``, one page's writes, in a savepoint of the batch
        (``page()`` first); its result.

        When PostgreSQL fails one of them to break a deadlock (``ArchiveConflict``),
        the page's savepoint is rolled back (nothing of the page is kept), the batch
        commits its earlier pages, letting go of every row it held (the other
        transaction, which waited for one of them, goes on), and the page is written
        again, the first of the next batch: nothing lost, nothing written twice, no
        error for the caller (unless it comes back ``CONFLICTS`` times).  ``fn`` must
        do only the page's archive writes: they are done again.  On SQLite (one
        writer at a time) there is no such conflict."""
        for conflicts in itertools.count(1):
            self.page()
            try:
                with self.archive.transaction():
                    return fn(*args, **kwargs)
            except ArchiveConflict:
                self.commit()
                if conflicts >= CONFLICTS or self.archive.in_transaction:
                    raise  # (a transaction not the batch's holds the rows: none let go)
        raise AssertionError("unreachable")

    def commit(self) -> None:
        """Commit what the batch holds now (the next page begins a new one)."""
        self._held.close()
        self._count, self._started = 0, self._clock()

    def close(self) -> None:
        """Commit what the batch holds."""
        self._held.close()
