"""Worker processes beside a writer (``scraper.workers``): results in order, a
bounded window in flight, and a worker's death costs nothing."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator

from scraper.workers import WINDOW_PER_PROCESS, ordered_map


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
