"""Worker processes for CPU-bound work (extraction) beside a process that writes.

- :func:`exit_with`: a worker's initializer: Ctrl-C is its parent's to handle, and
  the worker exits once its parent is gone (``kill -9``), instead of waiting on its
  queue forever.
- :func:`ordered_map`: ``(item, fn(item))`` for every item, in order, computed by
  worker processes with a bounded window in flight (memory stays flat whatever
  the number of items); in this process when one process is asked for.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

PARENT_CHECK_SECONDS = 1.0  # how often a worker checks that its parent is still there
WINDOW_PER_PROCESS = 8  # items in flight per worker: enough to keep each one busy

T = TypeVar("T")
R = TypeVar("R")


def exit_with(parent_pid: int) -> None:
    """In a worker: ignore Ctrl-C and exit once the process ``parent_pid`` is gone.

    A parent killed by cron's timeout or the OOM killer (SIGKILL) cannot shut its
    pool down; its workers, children of the forkserver, would wait on their queue
    forever (and keep the forkserver alive), about 75 MB a killed run.

    Ctrl-C reaches the whole process group: a worker ignores it (it printed a
    KeyboardInterrupt traceback), and the parent shuts the pool down itself.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_SECONDS)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except OSError:  # alive, owned by someone else: not ours to judge
                pass

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def default_processes() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def start_pool(processes: int, preload: str) -> ProcessPoolExecutor:
    """``processes`` workers, children of a forkserver that imported ``preload``."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([preload])
    return ProcessPoolExecutor(
        processes, mp_context=context, initializer=exit_with, initargs=(os.getpid(),)
    )


def ordered_map(
    fn: Callable[[T], R], items: Iterable[T], *, processes: int, preload: str
) -> Iterator[tuple[T, R]]:
    """``(item, fn(item))`` for every item, in the items' order.

    With ``processes`` > 1, ``fn`` (a module-level function of the module
    ``preload``) runs in that many workers while the caller consumes the results;
    at most ``WINDOW_PER_PROCESS`` items a worker are in flight.  Once a worker
    dies (out of memory?), the rest is computed in this process.  The workers are
    shut down when the iterator is exhausted or closed (an exception, Ctrl-C).
    """
    if processes <= 1:
        for item in items:
            yield item, fn(item)
        return
    pool = start_pool(processes, preload)
    pending: deque[tuple[T, Future[R]]] = deque()
    window = processes * WINDOW_PER_PROCESS
    broken = False  # a worker died (out of memory?): the rest is done here

    def result(item: T, future: Future[R]) -> R:
        nonlocal broken
        if not broken:
            try:
                return future.result()
            except BrokenProcessPool:
                broken = True
        return fn(item)

    try:
        for item in items:
            if broken:
                while pending:
                    done, future = pending.popleft()
                    yield done, result(done, future)
                yield item, fn(item)
                continue
            pending.append((item, pool.submit(fn, item)))
            if len(pending) >= window:
                done, future = pending.popleft()
                yield done, result(done, future)
        while pending:
            done, future = pending.popleft()
            yield done, result(done, future)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
