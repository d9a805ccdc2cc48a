"""Two workers' commit batches on one PostgreSQL archive, their pages' writes
interleaved so that each waits for the other: a deadlock, which PostgreSQL breaks by
failing one of them.  No archive user may see it (``CommitBatch.write``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from scraper.archive import Archive
from scraper.archive.schema import link_key
from scraper.crawl.batching import CommitBatch
from scraper.models import Article, FetchResult, Link

SHARE = "https://share.example/?u=1"  # links two sites' pages have in common
SYNDICATED = "https://wire.example/story/42"
WAIT = 30.0  # seconds a step may take before the test gives up


def page(site: str, n: int, *shared: str) -> tuple[FetchResult, Article, str]:
    """A page of ``site`` linking to its neighbours and to ``shared``."""
    url = f"https://{site}/story/{n}"
    own = [f"https://{site}/story/{n + 1}", f"https://{site}/about"]
    links = [Link(u, "a link", True) for u in [*own, *shared]]
    at = datetime(2026, 12, 1, 12, n, tzinfo=UTC)
    fetch = FetchResult(url=url, final_url=url, status=200, body=f"<p>{n}</p>".encode(),
                        fetched_at=at)  # fmt: skip
    article = Article(text=f"Story {n} of {site}. " * 20, title=f"{site} {n}", links=links)
    return fetch, article, url


def waiting_on_a_lock(pg_url: str) -> Callable[[], int]:
    import psycopg

    def count() -> int:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            ).fetchone()
        return int(row[0]) if row else 0

    return count


def test_two_batches_that_wait_for_each_other_both_commit_everything(pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        Archive(pg_url).close()  # the schema
        name = conn.info.dbname
        # the deadlock found in 50 ms, not 1 s; a wait that is not one fails, not hangs
        conn.execute(f"ALTER DATABASE {name} SET deadlock_timeout = '50ms'")
        conn.execute(f"ALTER DATABASE {name} SET lock_timeout = '{int(WAIT)}s'")
    first, second = sorted([SHARE, SYNDICATED], key=link_key)
    # each worker's first page adds one of the shared links, its second page the other:
    # one page's links go in key order, but the batch holds the first page's
    plans = {
        "a.test": [page("a.test", 1, first), page("a.test", 2, second)],
        "b.test": [page("b.test", 1, second), page("b.test", 2, first)],
    }
    blocked = waiting_on_a_lock(pg_url)
    both_wrote_one = threading.Barrier(2, timeout=WAIT)
    errors: dict[str, BaseException] = {}
    calls = dict.fromkeys(plans, 0)

    def worker(site: str) -> None:
        try:
            with Archive(pg_url) as archive:
                batch = CommitBatch(archive, pages=64, seconds=3600.0)

                def store(fetch: FetchResult, article: Article, key: str) -> None:
                    calls[site] += 1
                    archive.store(fetch, article, key)

                try:
                    (fetch, article, key), later = plans[site]
                    batch.write(store, fetch, article, key)
                    both_wrote_one.wait()
                    if site == "b.test":  # b's second page once a's waits for b's first
                        deadline = time.monotonic() + WAIT
                        while not blocked() and time.monotonic() < deadline:
                            time.sleep(0.01)
                    batch.write(store, *later)
                finally:
                    batch.close()
        except BaseException as exc:
            errors[site] = exc

    threads = [threading.Thread(target=worker, args=(s,)) for s in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join(2 * WAIT)
    assert not any(t.is_alive() for t in threads)
    assert errors == {}
    assert sorted(calls.values()) == [2, 3]  # one worker's second page was written again

    with Archive(pg_url, readonly=True) as archive:
        assert archive.counts() == {
            "articles": 4, "links": 12, "fetches": 4, "raw_pages": 4, "versions": 4
        }  # fmt: skip
        db = archive._db
        urls = [str(u) for (u,) in db.rows("SELECT url FROM link_urls ORDER BY url")]
        assert len(urls) == len(set(urls)) == 8  # each site's 2 + about, and the two shared
        assert {SHARE, SYNDICATED} <= set(urls)
        for plan in plans.values():
            for _, article, key in plan:
                stored = archive.get_article(key)
                assert stored is not None and stored["text"] == article.text
                got = db.rows(
                    "SELECT l.url FROM links l JOIN articles a ON a.id = l.article_id "
                    "WHERE a.canonical_url = ? ORDER BY l.id",
                    [key],
                )
                assert [u for (u,) in got] == [ln.url for ln in article.links]


def test_a_delete_that_deadlocks_with_another_writer_is_run_again(pg_url: str) -> None:
    """``scraper delete`` (and prune and merge, the same way) beside a writer: PostgreSQL
    fails the delete to break their deadlock, and the delete runs again once the other
    transaction is done, instead of failing the command."""
    import psycopg

    with Archive(pg_url) as archive:
        for n in (1, 2):
            archive.store(*page("a.test", n))
        first, second = (archive.article_id_for(f"https://a.test/story/{n}") for n in (1, 2))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        name = conn.info.dbname
        # the delete's session finds the deadlock (after 1 s); the other never looks
        conn.execute(f"ALTER DATABASE {name} SET deadlock_timeout = '1s'")
        conn.execute(f"ALTER DATABASE {name} SET lock_timeout = '{int(WAIT)}s'")
    blocked = waiting_on_a_lock(pg_url)
    result: dict[str, object] = {}

    def delete() -> None:
        try:
            with Archive(pg_url) as archive:
                result["counts"] = archive.delete_articles([first, second])
        except BaseException as exc:
            result["error"] = exc

    with psycopg.connect(pg_url) as other:
        other.execute("SET deadlock_timeout = '600s'")
        other.execute("UPDATE articles SET title = 'held' WHERE id = %s", [second])
        thread = threading.Thread(target=delete)
        thread.start()
        deadline = time.monotonic() + WAIT
        while not blocked() and time.monotonic() < deadline:
            time.sleep(0.01)  # the delete waits for the article the other holds ...
        # ... and the other for a row of the first article the delete took: a deadlock,
        # broken by failing the delete; this update then goes on
        other.execute("UPDATE fetches SET status = status WHERE article_id = %s", [first])
        other.commit()
        thread.join(2 * WAIT)
    assert not thread.is_alive()
    assert "error" not in result, result.get("error")
    assert result["counts"] == {
        "articles": 2, "links": 4, "versions": 2, "raw_pages": 2, "fetches": 2
    }  # fmt: skip
    with Archive(pg_url, readonly=True) as archive:
        assert archive.counts() == {
            "articles": 0, "links": 0, "fetches": 0, "raw_pages": 0, "versions": 0
        }  # fmt: skip
