"""One site's queue in a run (``SiteQueue``) over a real archive: the --max-pages budget,
listings' half of it, the sitemaps cap, pages given back, and the end of the queue."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from scraper.archive import Archive, Discovered
from scraper.crawl.frontier import MAX_SITEMAPS, READ_AHEAD, SiteQueue
from scraper.models import FetchResult

SITE = "example.com"


def entry(path: str, kind: str = "page", priority: int = 3) -> Discovered:
    return Discovered(url=f"https://{SITE}{path}", host=SITE, kind=kind, priority=priority)


def drain(archive: Archive, max_pages: int, *, finish: bool = True) -> list[tuple[str, str]]:
    """(kind, path) of what the queue hands out, each finished as it comes."""

    async def go() -> list[tuple[str, str]]:
        queue = SiteQueue(archive, SITE, max_pages)
        out = []
        while (item := await queue.next()) is not None:
            out.append((item.kind, item.url.removeprefix(f"https://{SITE}")))
            if finish:
                archive.frontier_finish(item.url, "done")
            await queue.done(item)
        return out

    return asyncio.run(go())


def test_pages_up_to_the_budget_lowest_priority_first(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        archive.frontier_add(SITE, [entry(f"/p{i}", priority=3 - i % 2) for i in range(6)])
        got = drain(archive, 4)
    assert got == [("page", "/p1"), ("page", "/p3"), ("page", "/p5"), ("page", "/p0")]


def test_listings_take_at_most_half_of_the_budget(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        archive.frontier_add(SITE, [entry(f"/s{i}.xml", "sitemap", 0) for i in range(5)])
        archive.frontier_add(SITE, [entry(f"/f{i}.xml", "feed", 0) for i in range(5)])
        archive.frontier_add(SITE, [entry(f"/p{i}") for i in range(10)])
        got = drain(archive, 7)
    # listings first (7 // 2 = 3 of them), then pages
    assert got == [
        *[("sitemap", f"/s{i}.xml") for i in range(3)],
        *[("page", f"/p{i}") for i in range(4)],
    ]


def test_at_most_max_sitemaps_sitemaps_a_run(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        archive.frontier_add(
            SITE, [entry(f"/s{i}.xml", "sitemap", 0) for i in range(MAX_SITEMAPS + 5)]
        )
        archive.frontier_add(SITE, [entry(f"/f{i}.xml", "feed", 1) for i in range(3)])
        got = drain(archive, 10_000)
        left = archive.frontier_counts(SITE)
    kinds = [k for k, _ in got]
    assert kinds.count("sitemap") == MAX_SITEMAPS == 300 and kinds.count("feed") == 3
    assert left == {"done": MAX_SITEMAPS + 3, "queued": 5}


def test_a_page_not_fetched_gives_its_budget_back(tmp_path: Path) -> None:
    async def go(archive: Archive) -> tuple[int, int, bool]:
        queue = SiteQueue(archive, SITE, 2)
        first = await queue.next()
        assert first is not None
        archive.frontier_finish(first.url, "done")
        await queue.done(first, fetched=False)  # already archived: no request made
        second = await queue.next()
        assert second is not None
        archive.frontier_finish(second.url, "done")
        await queue.done(second)
        return queue.pages, len(queue._busy), queue.budget_left

    with Archive(tmp_path / "a.db") as archive:
        archive.frontier_add(SITE, [entry(f"/p{i}") for i in range(5)])
        assert asyncio.run(go(archive)) == (1, 0, True)


def test_a_read_ahead_holds_no_more_than_the_budget(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        archive.frontier_add(SITE, [entry(f"/p{i:03}") for i in range(READ_AHEAD * 2)])
        got = drain(archive, READ_AHEAD + 3)
    assert len(got) == READ_AHEAD + 3 == 67


def test_the_queue_waits_for_busy_urls_and_ends_when_stopped(tmp_path: Path) -> None:
    async def go(archive: Archive) -> tuple[object, object, object]:
        queue = SiteQueue(archive, SITE, 10)
        first = await queue.next()
        assert first is not None
        # the only URL is busy (not finished): a second worker waits for it
        waiter = asyncio.ensure_future(queue.next())
        await asyncio.sleep(0)
        assert not waiter.done()
        archive.frontier_finish(first.url, "done")
        await queue.done(first)
        drained = await waiter  # nothing else queued: the queue is drained
        archive.frontier_add(SITE, [entry("/later")])
        await queue.stop("stopped for the test")
        return drained, await queue.next(), queue.stopped

    with Archive(tmp_path / "a.db") as archive:
        archive.frontier_add(SITE, [entry("/only")])
        assert asyncio.run(go(archive)) == (None, None, "stopped for the test")


def test_sitemaps_not_read_lately_come_first(tmp_path: Path) -> None:
    """Each run re-queues every sitemap and may read only some (MAX_SITEMAPS, the
    budget): the least nested first, then those never read, then the ones read
    longest ago, so that a second run reads the ones the first did not."""
    with Archive(tmp_path / "a.db") as archive:
        deep = [replace(entry(f"/s{i}.xml", "sitemap", 0), depth=1) for i in range(5)]
        archive.frontier_add(SITE, [*deep, entry("/index.xml", "sitemap", 0)])
        for path in ("/s1.xml", "/s0.xml"):  # s1 read first, then s0
            url = f"https://{SITE}{path}"
            archive.record_fetch(FetchResult(url=url, final_url=url, status=200))
        archive.frontier_add(SITE, [entry("/p0")])
        got = drain(archive, 100)
    assert [path for _, path in got] == [
        "/index.xml", "/s2.xml", "/s3.xml", "/s4.xml", "/s1.xml", "/s0.xml", "/p0",
    ]  # fmt: skip


def test_stop_wakes_a_worker_waiting_for_a_busy_url(tmp_path: Path) -> None:
    async def go(archive: Archive) -> tuple[bool, object]:
        queue = SiteQueue(archive, SITE, 10)
        first = await queue.next()
        assert first is not None
        waiter = asyncio.ensure_future(queue.next())  # waits: the only URL is busy
        for _ in range(5):
            await asyncio.sleep(0)
        waiting = not waiter.done()
        await queue.stop("the host kept failing")
        for _ in range(5):  # woken by stop, not by the busy URL's end
            await asyncio.sleep(0)
        return waiting, waiter.result() if waiter.done() else "still waiting"

    with Archive(tmp_path / "a.db") as archive:
        archive.frontier_add(SITE, [entry("/only")])
        assert asyncio.run(go(archive)) == (True, None)


def test_the_read_ahead_passes_over_the_busy_urls(tmp_path: Path) -> None:
    async def go(archive: Archive) -> list[str]:
        queue = SiteQueue(archive, SITE, 1000)
        busy = [await queue.next() for _ in range(READ_AHEAD)]  # the whole first read
        nxt = await asyncio.wait_for(queue.next(), 10)  # the busy rows are still queued
        return [i.url for i in busy if i] + [nxt.url if nxt else ""]

    with Archive(tmp_path / "a.db") as archive:
        archive.frontier_add(SITE, [entry(f"/p{i:03}") for i in range(READ_AHEAD + 5)])
        got = asyncio.run(go(archive))
    assert got == [f"https://{SITE}/p{i:03}" for i in range(READ_AHEAD + 1)]


def test_a_refill_keeps_to_the_budget_left_when_urls_finish_before_they_are_done(
    tmp_path: Path,
) -> None:
    # a worker finishes its URL's row, then tells the queue: a refill in between reads
    # more rows than the budget leaves room for, and must take no more than that
    async def go(archive: Archive) -> list[str]:
        queue = SiteQueue(archive, SITE, 3)
        first = await queue.next()
        assert first is not None
        archive.frontier_add(SITE, [entry(f"/p{i}") for i in range(1, 6)])
        archive.frontier_finish(first.url, "done")  # ... but not queue.done yet
        out = [first.url]
        while True:  # what the queue hands out while the first URL is still busy
            task = asyncio.ensure_future(queue.next())
            for _ in range(5):
                await asyncio.sleep(0)
            if not task.done():  # it waits for the busy URL: nothing more to hand out
                task.cancel()
                break
            item = task.result()
            assert item is not None
            out.append(item.url)
            archive.frontier_finish(item.url, "done")
            await queue.done(item)
        return out

    with Archive(tmp_path / "a.db") as archive:
        archive.frontier_add(SITE, [entry("/p0")])
        got = asyncio.run(go(archive))
    assert got == [f"https://{SITE}/p{i}" for i in range(3)]


def test_listings_found_later_keep_to_what_is_left_of_their_half(tmp_path: Path) -> None:
    async def go(archive: Archive) -> list[str]:
        queue = SiteQueue(archive, SITE, 10)  # listings: at most 5
        out = []
        for _ in range(2):
            item = await queue.next()
            assert item is not None
            out.append(item.kind)
            archive.frontier_finish(item.url, "done")
            await queue.done(item)
        # an index of sitemaps read: more sitemaps, and pages
        archive.frontier_add(SITE, [entry(f"/more{i}.xml", "sitemap", 0) for i in range(6)])
        archive.frontier_add(SITE, [entry(f"/p{i}") for i in range(10)])
        while (item := await queue.next()) is not None:
            out.append(item.kind)
            archive.frontier_finish(item.url, "done")
            await queue.done(item)
        return out

    with Archive(tmp_path / "a.db") as archive:
        archive.frontier_add(SITE, [entry(f"/s{i}.xml", "sitemap", 0) for i in range(2)])
        got = asyncio.run(go(archive))
    assert got == ["sitemap"] * 5 + ["page"] * 5


def test_past_max_sitemaps_a_read_ahead_of_sitemaps_still_reaches_the_feeds_and_pages(
    tmp_path: Path,
) -> None:
    with Archive(tmp_path / "a.db") as archive:
        sitemaps = [
            entry(f"/s{i:04}.xml", "sitemap", 0) for i in range(MAX_SITEMAPS + 2 * READ_AHEAD)
        ]
        archive.frontier_add(SITE, sitemaps)
        archive.frontier_add(SITE, [entry("/feed.xml", "feed", 1), entry("/p0", priority=3)])
        got = drain(archive, 10_000)
    assert got[MAX_SITEMAPS:] == [("feed", "/feed.xml"), ("page", "/p0")]
