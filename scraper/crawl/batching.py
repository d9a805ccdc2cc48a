"""Group commit: the writes of several pages in one transaction.

Each page's rows (its fetch, article, links and frontier row) are written in a
savepoint of their own; a commit per page would cost more than the page, so
``CommitBatch`` keeps one transaction open over up to ``BATCH_PAGES`` pages, or
``BATCH_SECONDS``, whichever comes first.  A crawl killed meanwhile loses at
most that batch, which the next run fetches again (its URLs are still queued).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack

from scraper.archive import Archive

BATCH_PAGES, BATCH_SECONDS = 64, 0.5  # group commit: pages per transaction, or its age


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

    def commit(self) -> None:
        """Commit what the batch holds now (the next page begins a new one)."""
        self._held.close()
        self._count, self._started = 0, self._clock()

    def close(self) -> None:
        """Commit what the batch holds."""
        self._held.close()
