"""The archive's exclusive crawl lock: two overlapping runs (cron) never interleave.

A ``filelock`` lock on ``<archive>.lock`` next to the file the archive path
resolves to (a symlink to the archive takes the same lock).  On POSIX it is an
advisory ``flock`` and on Windows ``msvcrt`` locking, both released by the
operating system when the process ends, however it ends (``kill -9``
included), so a stale lock cannot outlive its crawl.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from scraper.errors import ArchiveError, ArchiveLocked
from scraper.settings import is_database_url


def lock_path(db: Path | str) -> Path:
    """The lock file of archive ``db``: beside the file it resolves to."""
    real = Path(db).resolve()
    return real.with_name(real.name + ".lock")


@contextmanager
def crawl_lock(
    db: Path | str, *, wait: bool = False, on_wait: Callable[[], None] | None = None
) -> Iterator[Path | None]:
    """Hold the crawl lock of archive ``db``; ``ArchiveLocked`` if another run holds
    it (or, with ``wait``, call ``on_wait`` and block until it is free).  A
    PostgreSQL archive's lock is the database's own (an advisory lock)."""
    if is_database_url(db):
        from scraper.archive.postgres import crawl_lock as database_lock

        with database_lock(str(db), wait=wait, on_wait=on_wait):
            yield None
        return
    path = lock_path(db)
    lock = FileLock(path, thread_local=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            lock.acquire(timeout=0)
        except Timeout as exc:
            if not wait:
                raise ArchiveLocked(f"{db}: another crawl is running on this archive") from exc
            if on_wait is not None:
                on_wait()
            lock.acquire(timeout=-1)
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot create the crawl lock ({exc})") from exc
    try:
        yield path
    finally:
        lock.release()
