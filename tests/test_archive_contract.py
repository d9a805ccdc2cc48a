"""The archive's contract: its stores exercised only through their interface.

Every test takes ``make``, a factory of archives on one backend, and runs on
each backend: SQLite (a file) and PostgreSQL (a fresh database of the test
cluster, tests/pg.py; skipped with the reason where there is none, except in
CI).  Nothing here reads the file or the connection directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from scraper.archive import (
    KEPT,
    MAX_ATTEMPTS,
    Archive,
    Discovered,
    Kind,
    Source,
    State,
)
from scraper.errors import ArchiveError, QueryError
from scraper.extract.dates import DayDate
from scraper.models import Article, FetchResult, Link

BACKENDS = ["sqlite", "postgresql"]
SITE = "example.com"
URL = "https://example.com/news/a"


@pytest.fixture(params=BACKENDS)
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Archive]]:
    """Open (a new connection to) the same archive, as many times as asked."""
    opened: list[Archive] = []
    target = (
        tmp_path / "contract.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    )

    def open_archive() -> Archive:
        archive = Archive(target)
        opened.append(archive)
        return archive

    yield open_archive
    for archive in opened:
        archive.close()


@pytest.fixture
def arc(make: Callable[[], Archive]) -> Archive:
    return make()


def fetched(url: str = URL, body: bytes = b"<html>v1</html>", **kw: object) -> FetchResult:
    return FetchResult(
        url=url,
        final_url=url,
        status=200,
        content_type="text/html",
        body=body,
        fetched_at=datetime(2026, 11, 1, tzinfo=UTC),
        **kw,  # type: ignore[arg-type]
    )


def article(text: str = "One.\n\nTwo.", title: str = "T", **kw: object) -> Article:
    links = [Link("https://example.com/b", "B", True), Link("https://example.com/", "Home")]
    return Article(text=text, title=title, links=links, **kw)  # type: ignore[arg-type]


def found(url: str, **kw: object) -> Discovered:
    return Discovered(url=url, host="example.com", **kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------- articles
def test_an_article_is_created_then_updated_in_place(arc: Archive) -> None:
    first = arc.store(fetched(), article(), URL)
    assert (first.created, first.changed) == (True, True)
    same = arc.store(fetched(), article(), URL)
    assert (same.created, same.changed, same.article_id) == (False, False, first.article_id)
    new = arc.store(fetched(body=b"<html>v2</html>"), article(text="New."), URL)
    assert (new.created, new.changed, new.article_id) == (False, True, first.article_id)
    assert arc.get_article(URL)["text"] == "New."  # type: ignore[index]
    counts = {"articles": 1, "links": 2, "fetches": 3, "raw_pages": 2, "versions": 2}
    assert arc.counts() == counts


def test_articles_are_found_by_key_fetch_url_and_normalized_url(arc: Archive) -> None:
    page = fetched("https://example.com/news/a?utm_source=x")
    stored = arc.store(page, article(authors=["A B"], tags=["t"]), URL)
    assert arc.article_id_for(URL) == stored.article_id
    assert arc.article_id_for(page.url) == stored.article_id
    row = arc.get_article("https://EXAMPLE.com/news/a#top")
    assert row is not None and row["canonical_url"] == URL
    assert row["authors"] == ["A B"] and row["tags"] == ["t"]  # JSON decoded
    assert arc.get_article("https://example.com/news/other") is None
    assert arc.article_id_for("https://example.com/news/other") is None


def test_iter_articles_streams_in_id_order_with_filters(arc: Archive) -> None:
    old = datetime(2020, 1, 1, tzinfo=UTC)
    for i, (host, published) in enumerate(
        [("www.example.com", None), ("news.other.org", old), ("example.com", old)]
    ):
        url = f"https://{host}/{i}"
        arc.store(fetched(url), article(published=published), url)
    assert [r["host"] for r in arc.iter_articles()] == [
        "www.example.com",
        "news.other.org",
        "example.com",
    ]
    assert [r["host"] for r in arc.iter_articles(site="example.com")] == [
        "www.example.com",
        "example.com",
    ]
    assert [r["host"] for r in arc.iter_articles(since=datetime(2021, 1, 1, tzinfo=UTC))] == [
        "www.example.com"
    ]


def test_a_much_shorter_text_is_kept_out(arc: Archive) -> None:
    story = "Sentence of the story. " * 40
    first = arc.store(fetched(etag='"1"'), article(text=story), URL)
    wall = fetched(body=b"<html>wall</html>", etag='"2"')
    kept = arc.store(wall, article(text="Subscribe."), URL)
    assert kept.kept is not None and kept.kept.startswith(KEPT)
    assert (kept.changed, kept.article_id) == (False, first.article_id)
    assert arc.get_article(URL)["text"] == story  # type: ignore[index]
    assert arc.validators(URL) == ('"2"', None)  # the wall is not asked for again
    [newest] = arc.raw_pages_newest()
    assert arc.raw_page_by_id(newest.raw_id).body == b"<html>v1</html>"  # type: ignore[union-attr]


def test_failed_fetches_are_logged_and_validators_need_an_archived_one(arc: Archive) -> None:
    arc.record_fetch(FetchResult(url=URL, status=500, error="HTTP 500"))
    assert arc.counts()["fetches"] == 1 and arc.counts()["articles"] == 0
    assert arc.validators(URL) == (None, None)
    arc.store(fetched(etag='"e"', last_modified="Sun, 01 Nov 2026 00:00:00 GMT"), article(), URL)
    assert arc.validators(URL) == ('"e"', "Sun, 01 Nov 2026 00:00:00 GMT")


def test_update_extraction_replaces_text_and_links_only(arc: Archive) -> None:
    stored = arc.store(fetched(), article(), URL)
    before = arc.get_article(URL)
    again = article(text="Re-extracted.")
    again.links = [Link("https://example.com/c", "C", True)]
    assert arc.update_extraction(stored.article_id, again) is True
    assert arc.update_extraction(stored.article_id, again) is False
    assert arc.update_extraction(stored.article_id + 99, again) is False
    after = arc.get_article(URL)
    assert after is not None and before is not None
    assert after["text"] == "Re-extracted." and after["first_seen"] == before["first_seen"]
    assert arc.counts()["links"] == 1


def test_dates_keep_the_page_s_form_and_sort_in_utc(arc: Archive) -> None:
    paris = timezone(timedelta(hours=1))
    for i, published in enumerate(
        [
            datetime(2026, 11, 1, 0, 30, tzinfo=paris),  # 2026-10-31T23:30 UTC
            DayDate(2026, 11, 1, tzinfo=UTC),  # a day, no time
            datetime(2026, 11, 1, 8, 0, tzinfo=UTC),
            None,
        ]
    ):
        url = f"https://example.com/{i}"
        arc.store(fetched(url), article(published=published), url)
    rows = {r["canonical_url"][-1]: r for r in arc.iter_articles()}
    assert [rows[k]["published"] for k in "0123"] == [
        "2026-11-01T00:30:00+01:00",
        "2026-11-01",
        "2026-11-01T08:00:00+00:00",
        None,
    ]
    assert [rows[k]["published_utc"] for k in "012"] == [
        "2026-10-31T23:30:00+00:00",
        "2026-11-01",
        "2026-11-01T08:00:00+00:00",
    ]
    assert [rows[k]["published_precision"] for k in "0123"] == ["second", "day", "second", None]
    # newest first by date (the undated one by when it was first seen: 2026-11-01T00:00Z)
    newest = [r["canonical_url"][-1] for r in arc.iter_articles(newest_first=True)]
    assert newest == ["2", "3", "1", "0"]  # a day sorts before the times on it
    on_the_first = arc.iter_articles(
        since=datetime(2026, 11, 1, 6, tzinfo=UTC), until=datetime(2026, 11, 2, tzinfo=UTC)
    )
    assert sorted(r["canonical_url"][-1] for r in on_the_first) == ["1", "2"]  # the day counts
    before = arc.iter_articles(until=datetime(2026, 11, 1, tzinfo=UTC))
    assert [r["canonical_url"][-1] for r in before] == ["0"]
    assert len(list(arc.iter_articles(newest_first=True, limit=2))) == 2


def test_resolve_takes_an_id_or_a_url(arc: Archive) -> None:
    stored = arc.store(fetched(), article(), URL)
    assert arc.resolve(str(stored.article_id)) == stored.article_id
    assert arc.resolve(URL + "/") == stored.article_id
    assert arc.resolve(str(stored.article_id + 1)) is None
    assert arc.resolve("https://example.com/none") is None
    row = arc.get_article_by_id(stored.article_id)
    assert row is not None and row["authors"] == [] and row["canonical_url"] == URL
    assert arc.get_article_by_id(stored.article_id + 1) is None


def test_search_ranks_marks_and_filters(arc: Archive) -> None:
    texts = {
        "https://example.com/1": ("Kremlin talks", "The Kremlin said the Kremlin would talk."),
        "https://example.com/3": ("Sanctions", "Kremlin sanctions were widened again."),
        "https://news.other.org/2": ("Weather", "Rain, rain and rain, then the Kremlin once."),
    }
    for i, (url, (title, text)) in enumerate(texts.items()):
        authors = ["Max Mustermann"] if "other" in url else ["Jane Doe"]
        published = datetime(2026, 11, 1 + i, tzinfo=UTC)
        arc.store(fetched(url), article(text, title, authors=authors, published=published), url)
    found = arc.search("kremlin")
    assert [r["url"] for r in found] == list(texts)  # bm25: most matches, shortest text
    assert "\x02Kremlin\x03" in found[0]["snippet"]
    assert [r["url"] for r in arc.search("kremlin NOT sanctions", site="example.com")] == [
        "https://example.com/1"
    ]
    assert [r["url"] for r in arc.search("kremlin", author="mustermann", limit=1)] == [
        "https://news.other.org/2"
    ]
    late = arc.search("kremlin", since=datetime(2026, 11, 2, 12, tzinfo=UTC))
    assert [r["url"] for r in late] == ["https://news.other.org/2"]
    early = arc.search("kremlin", until=datetime(2026, 11, 2, tzinfo=UTC))
    assert [r["url"] for r in early] == ["https://example.com/1"]
    assert arc.search("nothingatall") == []
    for bad in ("kremlin NOT", '"open', "nosuchcolumn:x", "*"):
        with pytest.raises(QueryError):
            arc.search(bad)


def test_stats_per_site(arc: Archive) -> None:
    arc.store(fetched("https://www.example.com/1"), article(), "https://www.example.com/1")
    arc.record_fetch(FetchResult(url="https://example.com/2", status=404, error="HTTP 404"))
    arc.record_fetch(FetchResult(url="https://example.com/3", status=404, error="HTTP 404"))
    arc.record_fetch(FetchResult(url="https://other.org:8080/x", status=500, error="HTTP 500"))
    arc.frontier_add(SITE, [found("https://example.com/q")])
    stats = arc.stats()
    assert list(stats) == ["example.com", "other.org:8080"]
    site = stats["example.com"]
    assert (site["articles"], site["failures"], site["queue"]) == (
        1,
        {"HTTP 404": 2},
        {"queued": 1},
    )
    assert site["last_fetch"] is not None
    assert stats["other.org:8080"]["failures"] == {"HTTP 500": 1}


# ---------------------------------------------------------------- raw pages
def test_raw_pages_round_trip_and_identical_bodies_are_kept_once(arc: Archive) -> None:
    body = b"<html>" + "é".encode() * 5000 + b"</html>"
    stored = arc.store(fetched(body=body, encoding="utf-8"), article(), URL)
    arc.store(fetched(body=body), article(), URL)
    assert arc.counts()["raw_pages"] == 1
    assert arc.raw_page(stored.article_id) == body
    [newest] = arc.raw_pages_newest(site=SITE)
    assert (newest.article_id, newest.url) == (stored.article_id, URL)
    page = arc.raw_page_by_id(newest.raw_id)
    assert page is not None and (page.url, page.encoding, page.body) == (URL, "utf-8", body)
    assert arc.raw_page_by_id(newest.raw_id + 1) is None
    assert arc.raw_page(stored.article_id + 1) is None
    assert arc.raw_pages_newest(site="other.org") == []


# ---------------------------------------------------------------- transactions
def test_a_transaction_is_all_or_nothing_and_nests(arc: Archive) -> None:
    arc.store(fetched(), article(), URL)
    before = arc.counts()
    with pytest.raises(RuntimeError), arc.transaction():
        arc.store(fetched("https://example.com/2"), article(), "https://example.com/2")
        raise RuntimeError("boom")
    assert arc.counts() == before
    with arc.transaction():
        arc.store(fetched("https://example.com/3"), article(), "https://example.com/3")
        with pytest.raises(RuntimeError), arc.transaction():
            arc.store(fetched("https://example.com/4"), article(), "https://example.com/4")
            raise RuntimeError("inner only")
    assert arc.article_id_for("https://example.com/3") is not None
    assert arc.article_id_for("https://example.com/4") is None


def test_a_failed_write_is_an_archive_error_and_undoes_the_page(arc: Archive) -> None:
    arc.store(fetched(), article(), URL)
    before = arc.counts()
    broken = article()
    broken.links = [Link("https://example.com/x", None)]  # type: ignore[arg-type]  # text is NOT NULL
    with pytest.raises(ArchiveError):
        arc.store(fetched("https://example.com/2"), broken, "https://example.com/2")
    assert arc.counts() == before


def test_writes_are_durable_across_connections(make: Callable[[], Archive]) -> None:
    first = make()
    first.store(fetched(), article(), URL)
    first.frontier_add(SITE, [found(URL)])
    first.close()
    second = make()
    assert second.get_article(URL) is not None
    assert second.frontier_counts(SITE) == {"queued": 1}


# ---------------------------------------------------------------- crawl queue
def test_enum_values_are_the_stored_strings() -> None:
    assert [s.value for s in State] == ["queued", "done", "failed", "skipped"]
    assert [k.value for k in Kind] == ["page", "article", "index", "sitemap", "feed"]
    assert {"seed", "robots", "sitemap", "feed", "link", "next"} <= {s.value for s in Source}


def test_queue_hands_out_by_priority_and_kind(arc: Archive) -> None:
    entries = [
        found("https://example.com/p", priority=3),
        found("https://example.com/s.xml", kind=Kind.SITEMAP, priority=0),
        found("https://example.com/a", kind=Kind.ARTICLE, priority=2),
    ]
    assert arc.frontier_add(SITE, entries) == 3
    assert arc.frontier_add(SITE, entries) == 0  # known already
    assert [q.url for q in arc.frontier_next(SITE, 10)] == [
        "https://example.com/s.xml",
        "https://example.com/a",
        "https://example.com/p",
    ]
    assert [q.url for q in arc.frontier_next(SITE, 1)] == ["https://example.com/s.xml"]
    only = arc.frontier_next(SITE, 10, kinds=(Kind.SITEMAP, Kind.FEED))
    assert [(q.url, q.kind) for q in only] == [("https://example.com/s.xml", "sitemap")]
    assert arc.frontier_next("other.org", 10) == []


def test_priority_orders_pages_and_listings_together(arc: Archive) -> None:
    """Listings and pages are read by two queries: merged by priority (a page before a
    sitemap of a higher number), listings first only within one priority; a URL
    found with no priority given is a link's 3."""
    arc.frontier_add(
        SITE,
        [
            found("https://example.com/default"),
            found("https://example.com/s.xml", kind=Kind.SITEMAP, priority=2),
            found("https://example.com/three", priority=3),
            found("https://example.com/f.xml", kind=Kind.FEED, priority=3),
            found("https://example.com/first", kind=Kind.ARTICLE, priority=1),
        ],
    )
    assert [q.url for q in arc.frontier_next(SITE, 10)] == [
        "https://example.com/first",
        "https://example.com/s.xml",
        "https://example.com/f.xml",
        "https://example.com/default",
        "https://example.com/three",
    ]


def test_known_urls_and_an_empty_add(arc: Archive) -> None:
    """``frontier_known`` is the subset of URLs with a row (in chunks of 500); adding
    nothing adds 0."""
    urls = [f"https://example.com/n/{i}" for i in range(600)]
    assert arc.frontier_add(SITE, []) == 0
    assert arc.frontier_add(SITE, [found(u) for u in urls[::2]]) == 300
    assert arc.frontier_known([*urls, "https://other.org/"]) == set(urls[::2])
    assert arc.frontier_known([]) == set()
    assert arc.frontier_add(SITE, [found(u) for u in urls]) == 300  # known ones are not new


def test_a_page_found_again_by_a_link_stays_a_page(arc: Archive) -> None:
    """Only a listing (sitemap, feed) or an article kind makes a known page an article;
    another link to it changes nothing."""
    a, b, c = "https://example.com/a", "https://example.com/b", "https://example.com/c"
    arc.frontier_add(SITE, [found(a), found(b), found(c)])
    arc.frontier_add(
        SITE,
        [
            found(a, source=Source.RELATED),
            found(b, source=Source.SITEMAP),
            found(c, kind=Kind.ARTICLE),
        ],
    )
    got = {q.url: (q.kind, q.source) for q in arc.frontier_next(SITE, 10)}
    assert got == {a: ("page", "link"), b: ("article", "sitemap"), c: ("article", "link")}


def test_of_one_url_listed_twice_the_newer_lastmod_is_kept(arc: Archive) -> None:
    """In either order, the entry with the newer ``lastmod`` is the one queued."""
    day1, day2 = "2026-11-01T00:00:00+00:00", "2026-11-02T00:00:00+00:00"
    a, b = "https://example.com/a", "https://example.com/b"
    arc.frontier_add(
        SITE,
        [
            found(a, lastmod=day1),
            found(a, lastmod=day2),
            found(b, lastmod=day2),
            found(b, lastmod=day1),
        ],
    )
    assert {q.url: q.lastmod for q in arc.frontier_next(SITE, 10)} == {a: day2, b: day2}
    only = arc.frontier_next(SITE, 10, kinds=(Kind.PAGE,))
    assert [q.url for q in only] == [a, b]


def test_finished_urls_leave_the_queue_and_failures_are_retried_up_to_the_limit(
    arc: Archive,
) -> None:
    arc.frontier_add(SITE, [found("https://example.com/ok"), found("https://example.com/bad")])
    arc.frontier_finish("https://example.com/ok", State.DONE, kind=Kind.ARTICLE)
    for run in range(1, MAX_ATTEMPTS + 1):
        arc.frontier_finish("https://example.com/bad", State.FAILED, reason="HTTP 500")
        queued = arc.frontier_begin(SITE)
        assert queued == (1 if run < MAX_ATTEMPTS else 0), run
    assert arc.frontier_counts(SITE) == {"done": 1, "failed": 1}
    assert arc.frontier_counts() == {"done": 1, "failed": 1}


def test_a_final_failure_is_not_retried_but_seeds_always_are(arc: Archive) -> None:
    arc.frontier_add(
        SITE, [found("https://example.com/x"), found("https://example.com/", source=Source.SEED)]
    )
    arc.frontier_finish("https://example.com/x", State.FAILED, reason="refused", final=True)
    arc.frontier_finish("https://example.com/", State.DONE)
    assert arc.frontier_begin(SITE) == 1
    assert [q.url for q in arc.frontier_next(SITE, 10)] == ["https://example.com/"]


def test_a_newer_lastmod_queues_an_archived_page_as_a_revisit(arc: Archive) -> None:
    """Only a page already read is a revisit: one still queued takes the newer lastmod."""
    arc.frontier_add(SITE, [found(URL, kind=Kind.ARTICLE, lastmod="2026-10-31T00:00:00+00:00")])
    arc.frontier_add(SITE, [found(URL, kind=Kind.ARTICLE, lastmod="2026-11-01T00:00:00+00:00")])
    [item] = arc.frontier_next(SITE, 10)
    assert (item.revisit, item.lastmod) == (0, "2026-11-01T00:00:00+00:00")
    arc.frontier_finish(URL, State.DONE)
    arc.frontier_add(SITE, [found(URL, kind=Kind.ARTICLE, lastmod="2026-11-01T00:00:00+00:00")])
    assert arc.frontier_next(SITE, 10) == []
    arc.frontier_add(SITE, [found(URL, kind=Kind.ARTICLE, lastmod="2026-11-02T00:00:00+00:00")])
    [item] = arc.frontier_next(SITE, 10)
    assert (item.url, item.revisit, item.lastmod) == (URL, 1, "2026-11-02T00:00:00+00:00")


def test_force_queues_a_known_url_again_and_listings_upgrade_the_source(arc: Archive) -> None:
    arc.frontier_add(SITE, [found(URL, source=Source.LINK)])
    arc.frontier_finish(URL, State.DONE)
    arc.frontier_add(SITE, [found(URL, source=Source.SITEMAP)])
    assert arc.frontier_next(SITE, 10) == []  # not forced: stays done
    arc.frontier_add(SITE, [found(URL, source=Source.SITEMAP)], force=True)
    [item] = arc.frontier_next(SITE, 10)
    assert (item.source, item.kind) == ("sitemap", "article")


def test_alias_marks_a_queued_url_done_and_skip_drops_a_source(arc: Archive) -> None:
    arc.frontier_add(
        SITE,
        [
            found("https://example.com/canonical"),
            found("https://example.com/r1", source=Source.RELATED),
            found("https://example.com/r2", source=Source.RELATED),
        ],
    )
    arc.frontier_alias(SITE, "https://example.com/canonical", "example.com", of=URL)
    arc.frontier_alias(SITE, "https://example.com/new-alias", "example.com", of=URL)
    assert arc.frontier_skip(SITE, Source.RELATED, "dead links") == 2
    assert arc.frontier_skip(SITE, Source.RELATED, "dead links") == 0
    assert arc.frontier_counts(SITE) == {"done": 2, "skipped": 2}
    assert arc.frontier_next(SITE, 10) == []
    skipped = arc.frontier_add(SITE, [found("https://example.com/r1")])  # allowed again
    assert skipped == 0 and [(q.url, q.kind) for q in arc.frontier_next(SITE, 10)] == [
        ("https://example.com/r1", "page")  # queued again, still a page
    ]
