"""A worker's work for the tests of extraction's time limit (``crawl/pool.py``): a page
that says so takes a minute to extract, as a page that costs the parser minutes does;
the rest are extracted as in a crawl. Imports nothing heavy: the worker imports it
within the first page's time."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from typing import Any

from scraper.archive.raw import Packed
from scraper.crawl.pool import extract_and_pack
from scraper.models import Article, FetchResult
from scraper.pipeline import check_articles as real_check_articles

SLOW = b"<!-- a page that takes a minute -->"


def extract_slowly(fetch: FetchResult) -> tuple[Article, Packed]:
    if SLOW in fetch.body:
        time.sleep(60)
    return extract_and_pack(fetch)


KILLER = b"<!-- a page that kills the worker extracting it -->"


def extract_or_die(fetch: FetchResult) -> tuple[Article, Packed]:
    """``extract_and_pack``, but a worker given a page that says so dies at once (as
    one the parser crashes, or the kernel's OOM killer ends, does); a page extracted in
    the test's own process is extracted as any other, so that shows as an article."""
    if KILLER in fetch.body and multiprocessing.parent_process() is not None:
        os.kill(os.getpid(), signal.SIGKILL)
    return extract_and_pack(fetch)


def check_slowly(path: str, chunk: list[tuple[int, int, str]]) -> list:
    """``pipeline.check_articles``, but a chunk holding a page that says so takes a
    minute (reextract's time limit, tested with this in its place)."""
    from scraper.archive import Archive
    from scraper.pipeline import _readers, check_articles

    if (archive := _readers.get(path)) is None:
        archive = _readers[path] = Archive(path, readonly=True)
    for _, raw_id, _ in chunk:
        raw = archive.raw_page_by_id(raw_id)
        if raw is not None and raw.body is not None and SLOW in raw.body:
            time.sleep(60)
    return check_articles(path, chunk)


def check_or_die(path: str, chunk: list[tuple[int, int, str]]) -> list:
    """``pipeline.check_articles``, but a worker given a chunk holding a page that says
    so dies at once; in the test's own process the chunk is checked as any other."""
    from scraper.archive import Archive
    from scraper.pipeline import _readers

    if multiprocessing.parent_process() is not None:
        if (archive := _readers.get(path)) is None:
            archive = _readers[path] = Archive(path, readonly=True)
        for _, raw_id, _ in chunk:
            raw = archive.raw_page_by_id(raw_id)
            if raw is not None and raw.body is not None and KILLER in raw.body:
                os.kill(os.getpid(), signal.SIGKILL)
    return real_check_articles(path, chunk)  # in this process the test put this in its place


# warc._extract, as it was before a test put extract_page_slowly in its place (set by
# the test; a forked worker has it too)
real_page_extract: Any = None


def extract_page_slowly(page: Any) -> tuple[Article, Packed]:
    """``warc._extract``, but a WARC record's page that says so takes a minute."""
    if SLOW in page.body:
        time.sleep(60)
    return real_page_extract(page)


def extract_page_or_die(page: Any) -> tuple[Article, Packed]:
    """``warc._extract``, but a worker given a WARC record's page that says so dies at
    once; in the test's own process the page is extracted as any other."""
    if KILLER in page.body and multiprocessing.parent_process() is not None:
        os.kill(os.getpid(), signal.SIGKILL)
    return real_page_extract(page)
