"""The archive's exclusive crawl lock: two overlapping runs (cron) never interleave.

An advisory ``flock`` on ``<archive>.lock``, released by the kernel when the
process ends, however it ends (``kill -9`` included), so a stale lock cannot
outlive its crawl.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from scraper.errors import ArchiveError, ArchiveLocked


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


@contextmanager
def crawl_lock(
    db: Path, *, wait: bool = False, on_wait: Callable[[], None] | None = None
) -> Iterator[Path]:
    """Hold the crawl lock of archive ``db``; ``ArchiveLocked`` if another run holds
    it (or, with ``wait``, call ``on_wait`` and block until it is free)."""
    path = lock_path(db)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot create the crawl lock ({exc})") from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            if not wait:
                raise ArchiveLocked(f"{db}: another crawl is running on this archive") from exc
            if on_wait is not None:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield path
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
