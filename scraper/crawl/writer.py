"""The archive, worked from one thread of its own, so the event loop keeps fetching.

Writing a page (its fetch, article, links and frontier rows, and every so often
the commit of a batch) is mostly SQLite's own work, which runs without Python's
GIL.  Done on the event loop, it stalls every fetch meanwhile (a third of the
loop's time in a crawl); done here, it overlaps with them.  One thread does all
of the crawl's archive work, in the order it is asked for, so transactions and
savepoints nest exactly as they would on one thread.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class ArchiveThread:
    """``await db(fn, *args)``: ``fn(*args)`` on the archive's thread."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="archive")

    async def __call__(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        call = functools.partial(fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def close(self) -> None:
        """Wait for what was asked (a cancelled caller's call still runs to its end)."""
        self._executor.shutdown(wait=True)


async def inline(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args)`` right here: an ``ArchiveThread``'s stand-in where no thread is
    wanted (a queue or scope used on its own)."""
    return fn(*args, **kwargs)
