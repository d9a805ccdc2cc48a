"""Worker processes beside a writer (``scraper.workers``): results in order, a
bounded window in flight, and a worker's death costs nothing."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator

import pytest

from scraper.workers import WINDOW_PER_PROCESS, TaskTimeout, ordered_map, start_pool


def double(x: int) -> int:
    return 2 * x


def die_on_three(x: int) -> int:
    """A worker given 3 dies (as one the OOM killer ends); this process does not."""
    if x == 3 and multiprocessing.parent_process() is not None:
        os._exit(1)
    return 2 * x


def test_results_come_in_order_with_a_bounded_window() -> None:
    pulled = 0

    def items() -> Iterator[int]:
        nonlocal pulled
        for x in range(40):
            pulled += 1
            yield x

    results = ordered_map(double, items(), processes=2, preload="scraper.pipeline")
    first = next(results)
    assert first == (0, 0)
    assert pulled == 2 * WINDOW_PER_PROCESS  # no more in flight than the window
    assert [first, *results] == [(x, 2 * x) for x in range(40)]


def test_in_this_process_with_one_process() -> None:
    parent = os.getpid()

    def where(x: int) -> int:  # not picklable: it could only run here
        return os.getpid()

    assert list(ordered_map(where, [1, 2], processes=1, preload="scraper.pipeline")) == [
        (1, parent),
        (2, parent),
    ]


def test_a_dead_worker_costs_nothing() -> None:
    results = list(ordered_map(die_on_three, range(30), processes=2, preload="scraper.pipeline"))
    assert results == [(x, 2 * x) for x in range(30)]


def test_a_task_that_runs_too_long_is_stopped_and_its_worker_replaced() -> None:
    # builtins as tasks: pickled by name, nothing to import in the worker, so the
    # deadline measures the task alone; 2 s: the queued task's deadline also covers its
    # new worker's start, which a loaded machine (CI) may take long over
    pool = start_pool(1, "scraper.pipeline", task_seconds=2.0)
    try:
        assert pool.submit(abs, -1).result(timeout=60) == 1  # the worker is up
        started = time.monotonic()
        stuck = pool.submit(time.sleep, 60)  # a page that costs the parser minutes
        queued = pool.submit(abs, -2)  # behind it: the new worker takes it
        with pytest.raises(TaskTimeout):
            stuck.result(timeout=20)
        assert 2.0 <= time.monotonic() - started < 30
        assert queued.result(timeout=60) == 2
        assert pool.submit(abs, -3).result(timeout=60) == 3  # the pool is not broken
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def test_without_a_limit_a_long_task_finishes() -> None:
    pool = start_pool(1, "scraper.pipeline")
    try:
        assert pool.submit(time.sleep, 0.7).result(timeout=60) is None
        assert pool.submit(abs, -4).result(timeout=60) == 4
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def test_a_pool_shut_down_twice_writes_to_no_descriptor_of_another() -> None:
    # a crawl shuts down a pool a worker's death broke, and again when it closes: the
    # second shutdown's wake-up went to the pool's closed pipe's descriptor number,
    # which by then was another pool's pipe to its worker (a stray byte there made the
    # worker wait for a 2 GB message, and its pool's shutdown for the worker: a hang)
    pool = start_pool(1, "scraper.pipeline")
    assert pool.submit(abs, -1).result(timeout=60) == 1
    number = pool._wake_w
    pool.shutdown(wait=True)
    read, write = os.pipe()
    try:
        os.dup2(write, number)  # the closed pipe's number, now another file's
        os.set_blocking(read, False)
        pool.shutdown(wait=True)
        with pytest.raises(BlockingIOError):
            os.read(read, 1)  # nothing was written to it
    finally:
        for fd in {read, write, number}:
            os.close(fd)
