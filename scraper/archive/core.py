"""The archive: small stores behind one seam.

``Archive(path)`` opens (and migrates) the file and holds seven stores on one
backend: ``articles`` (articles, their links, the fetch log), ``versions``
(every distinct text of an article), ``raw`` (raw pages), ``queue`` (the
crawl frontier), ``sites`` (the sites workers crawl, each leased to one
worker at a time), ``robots`` (robots.txt with its validators, shared by
workers) and ``hosts`` (offsite and failing hosts' request times and pauses,
shared by workers).  ``transaction()`` groups writes of any of them into one
all-or-nothing unit; nothing outside this package sees the connection, and
every backend error reaches callers as an ``ArchiveError``.
The methods below are the facade the pipeline, the crawler and the CLI use.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from scraper.archive import cleanup, merge
from scraper.archive.articles import ArticleStore, Stored
from scraper.archive.backend import open_backend
from scraper.archive.hosts import HostStore
from scraper.archive.queue import CrawlQueue, Discovered, Queued
from scraper.archive.raw import (
    COMPACT_BATCH,
    DICT_MIN_PAGES,
    Capture,
    Compacted,
    Newest,
    Packed,
    PageSource,
    RawPage,
    RawPageStore,
)
from scraper.archive.robotstxt import RobotsStore
from scraper.archive.sites import SiteStore
from scraper.archive.sqlite import Backend as SqliteBackend
from scraper.archive.versions import Rebuilt
from scraper.errors import ArchiveConflict, ArchiveError
from scraper.models import Article, FetchResult
from scraper.when import utc_text

T = TypeVar("T")
# times a delete, prune or merge runs its transaction when PostgreSQL fails it to break
# a deadlock with another writer (a crawl's batch, another command), with a random pause
# between tries, up to RETRY_PAUSE * 2**try seconds
CONFLICT_TRIES = 5
RETRY_PAUSE = 0.05


class Archive:
    """The archive file, opened (and migrated) on construction.

    A writer creates the file (and its folder) if needed and refuses an archive
    a newer release wrote; ``readonly`` opens an existing archive for reading
    only (nothing created, migrated or written: a read-only mount works).
    """

    def __init__(self, path: Path | str, *, readonly: bool = False) -> None:
        self._db = open_backend(path, readonly=readonly)
        self.path: Path | str = self._db.path  # the file, or the PostgreSQL URL
        self.articles = ArticleStore(self._db)
        self.versions = self.articles.versions
        self.raw = RawPageStore(self._db)
        self.queue = CrawlQueue(self._db)
        self.sites = SiteStore(self._db)
        self.robots = RobotsStore(self._db)
        self.hosts = HostStore(self._db)

    def transaction(self) -> AbstractContextManager[None]:
        """All writes inside (of any store) happen or none do.  Nests: an inner
        block that fails undoes only its own writes."""
        return self._db.transaction()

    @property
    def in_transaction(self) -> bool:
        return self._db.in_transaction

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----------------------------------------------------------------- pages
    def record_fetch(self, fetch: FetchResult) -> int:
        """Record an attempt that archived nothing (failed, 304, not an article)."""
        with self.transaction():
            article_id = self.articles.id_for(fetch.final_url or fetch.url)
            return self.articles.add_fetch(fetch, article_id)

    def store(
        self, fetch: FetchResult, article: Article, key: str, packed: Packed | None = None
    ) -> Stored:
        """Archive one page in one transaction: fetch row, article, links, raw body.

        ``key`` is the article's canonical URL (chosen by the pipeline). A new text
        much shorter than a stored article's (a paywall, a consent wall, a
        takedown notice, a broken template) does not replace it: the fetch is
        recorded with the reason in ``error`` and its raw page kept, and the
        article row and its links stay as they were (``Stored.kept``).  ``packed``
        is the body already hashed and compressed (``raw.pack``), if it was.
        """
        with self.transaction():
            stored = self.articles.put(key, fetch, article)
            fetch_id = self.articles.add_fetch(fetch, stored.article_id, error=stored.kept)
            raw_id = self.raw.put(stored.article_id, fetch_id, fetch, packed)
            if stored.changed:  # a new text (never a kept-out one): a new version
                self.versions.add(stored.article_id, fetch_id, raw_id)
        return stored

    def update_extraction(self, article_id: int, article: Article) -> bool:
        """Replace what extraction gave an article (text, metadata, links) with a
        new extraction of its raw page, in one transaction; True when the text changed.

        The article keeps its key, URLs and fetch times: nothing was fetched.
        """
        with self.transaction():
            return self.articles.update_extraction(article_id, article)

    def extraction_differs(self, article_id: int, article: Article) -> bool:
        """Whether ``update_extraction`` would change anything (reads only)."""
        return self.articles.extraction_differs(article_id, article)

    def rebuild_versions(
        self, article_id: int, versions: list[Rebuilt], article: Article | None
    ) -> None:
        """Replace an article's versions (oldest first) in one transaction; ``article``,
        the last one's extraction, replaces the article's text, metadata and links
        (None: the article row already holds the last one's text)."""
        with self.transaction():
            if article is not None:
                self.articles.update_extraction(article_id, article)
            self.versions.rebuild(article_id, versions)

    def article_versions(self, article_id: int) -> list[dict[str, Any]]:
        """The article's versions, oldest first, each with its text."""
        return self.versions.list(article_id)

    def article_version(self, article_id: int, version: int) -> dict[str, Any] | None:
        return self.versions.get(article_id, version)

    def version_sources(self, article_id: int) -> list[PageSource]:
        """The raw pages an article's texts were archived from, oldest first."""
        return self.raw.archived(article_id)

    def raw_page_of(self, article_id: int, version: int | None = None) -> bytes | str:
        """The raw page (decompressed, as stored) of the article's newest archived page,
        or of its version ``version``; a str says why there is none."""
        return self.raw.page_of(article_id, version)

    # ----------------------------------------------------------------- merging
    def drop_search_index(self) -> None:
        """A scratch archive (SQLite; a shard to be merged): its articles are written
        without the full-text index from here on; opened for writing again, the file
        is indexed again."""
        if not isinstance(self._db, SqliteBackend):
            raise ArchiveError(f"{self._db.path}: only an archive file can go unindexed")
        self._db.drop_search_index()

    def write_in_bulk(self) -> None:
        """Many writes follow on this connection (an import): an archive file checkpoints
        its WAL every ~40 MB of it, not every ~4 MB (a checkpoint waits for an fsync);
        nothing changes on PostgreSQL."""
        self._db.write_in_bulk()

    def merge_from(self, path: Path | str) -> dict[str, int]:
        """Fold the archive at ``path`` (a shard) into this one, in one transaction:
        articles by canonical URL, with their fetches, raw pages, versions and links
        (see :mod:`.merge`).  Folding the same archive again changes nothing.  Returns
        the articles archived, updated and unchanged, and the rows added per table."""
        with Archive(path, readonly=True) as source:
            # two SQLite files: the articles this one lacks are copied in bulk, the
            # source attached to this connection (outside the transaction)
            bulk = isinstance(self._db, SqliteBackend) and isinstance(source._db, SqliteBackend)
            with self._db.attached(source.path, "shard") if bulk else contextlib.nullcontext():
                return self._retried(
                    lambda: merge.fold(self._db, source._db, "shard" if bulk else None).as_dict()
                )

    # ----------------------------------------------------------------- deleting
    def matching(self, *, site: str | None = None, query: str | None = None) -> list[int]:
        """Ids of the articles of ``site`` that the FTS5 ``query`` finds (either may be
        None), in id order; a malformed query raises QueryError."""
        return self.articles.matching(site=site, query=query)

    def keys_of(self, ids: list[int]) -> list[tuple[int, str]]:
        """(id, canonical URL) of these articles, in the order given."""
        return self.articles.keys_of(ids)

    def delete_articles(self, ids: list[int], *, dry_run: bool = False) -> dict[str, int]:
        """Delete articles with their links, versions, raw pages and fetch rows, in one
        transaction; returns the rows (to be, with ``dry_run``) deleted per table."""
        return self._retried(lambda: cleanup.delete_articles(self._db, ids, dry_run=dry_run))

    def prune(self, before: datetime, *, dry_run: bool = False) -> dict[str, int]:
        """Delete superseded raw pages and unneeded fetch rows fetched before ``before``,
        in one transaction; returns the rows (to be) deleted per table."""
        return self._retried(lambda: cleanup.prune(self._db, utc_text(before), dry_run=dry_run))

    def _retried(self, work: Callable[[], T]) -> T:
        """``work()`` in a transaction of its own, run again when PostgreSQL fails it to
        break a deadlock (``ArchiveConflict``): the transaction was rolled back whole, so
        nothing of it is kept and nothing is done twice; the other writer, which waited
        for it, goes on. Raises the conflict after ``CONFLICT_TRIES`` tries, and at once
        inside a caller's transaction (whose rows, still held, would deadlock again)."""
        for tries in itertools.count(1):
            try:
                with self.transaction():
                    return work()
            except ArchiveConflict:
                if tries >= CONFLICT_TRIES or self.in_transaction:
                    raise
            time.sleep(random.uniform(0, RETRY_PAUSE * 2**tries))
        raise AssertionError("unreachable")

    def compact(self, site: str | None = None, *, min_pages: int = DICT_MIN_PAGES) -> Compacted:
        """Compress each site's raw pages that have no dictionary with its site's (a
        site with ``min_pages`` such pages and none gets one, trained on them first).  A
        transaction a batch of pages, so that a compaction stopped at any point leaves
        every page readable and the rest for the next one."""
        done = Compacted()
        for host, count in self.raw.plain_sites(site):
            known = self.raw.dictionary_of(host)
            ids = self.raw.plain_ids(host)
            if known is None:
                trained = self.raw.train(ids) if count >= min_pages else None
                if trained is None:
                    continue
                with self.transaction():
                    known = self.raw.add_dictionary(host, *trained), trained[0]
                done.dictionaries += 1
            pages = 0
            for start in range(0, len(ids), COMPACT_BATCH):
                with self.transaction():
                    n, before, after = self.raw.recompress(
                        ids[start : start + COMPACT_BATCH], *known
                    )
                pages += n
                done.before, done.after = done.before + before, done.after + after
            done.pages += pages
            done.sites += 1 if pages else 0
        return done

    def vacuum(self) -> None:
        """Give the space of deleted rows back to the file system."""
        self._db.vacuum()

    def tidy(self) -> None:
        """At the end of a run that wrote: merge the full-text index a bounded step and
        give free pages back (SQLite); a failure here loses nothing, so it is ignored
        (the next run tidies)."""
        with contextlib.suppress(ArchiveError):
            self._db.tidy()

    def size(self) -> int:
        """Bytes the archive takes (its file, or its PostgreSQL database)."""
        return self._db.size()

    def article_id_for(self, url: str) -> int | None:
        return self.articles.id_for(url)

    def validators(self, url: str) -> tuple[str | None, str | None]:
        return self.articles.validators(url)

    def get_article(self, url: str) -> dict[str, Any] | None:
        return self.articles.get(url)

    def iter_articles(
        self,
        since: datetime | None = None,
        site: str | None = None,
        until: datetime | None = None,
        *,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        return self.articles.iter(
            since=since, site=site, until=until, newest_first=newest_first, limit=limit
        )

    def iter_versions(
        self, since: datetime | None = None, site: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every version of the articles ``iter_articles`` gives, oldest first: the
        article's row with the version's title, text, word_count, content_hash and
        modified, plus ``version`` and its ``fetched_at`` (its markdown only for the
        current version: older ones keep none)."""
        for row in self.articles.iter(since=since, site=site):
            for v in self.versions.list(row["id"]):
                yield {
                    **row,
                    **{k: v[k] for k in ("title", "text", "word_count", "content_hash")},
                    "modified": v["modified"],
                    "markdown": row["markdown"] if v["current"] else None,
                    "version": v["version"],
                    "fetched_at": v["fetched_at"],
                }

    def resolve(self, ref: str) -> int | None:
        """The id of the article ``ref`` (an id or a URL) names, or None."""
        return self.articles.resolve(ref)

    def get_article_by_id(self, article_id: int) -> dict[str, Any] | None:
        return self.articles.get_by_id(article_id)

    def search(self, query: str, **filters: Any) -> list[dict[str, Any]]:
        """Articles matching an FTS5 query, best first (bm25), with snippets; a
        malformed query raises QueryError."""
        return self.articles.search(query, **filters)

    def stats(self) -> dict[str, dict[str, Any]]:
        """Per site: articles, last fetch, failures by reason, the crawl queue by state."""
        sites = self.articles.site_stats()
        for site, states in self.queue.states_by_site().items():
            entry = sites.setdefault(site, {"articles": 0, "last_fetch": None, "failures": {}})
            entry["queue"] = states
        for entry in sites.values():
            entry.setdefault("queue", {})
        return dict(sorted(sites.items()))

    def counts(self) -> dict[str, int]:
        return self.articles.counts()

    def raw_pages_newest(self, site: str | None = None) -> list[Newest]:
        return self.raw.newest_archived(site)

    def raw_page_by_id(self, raw_id: int) -> RawPage | None:
        return self.raw.get(raw_id)

    def captures(self, article_id: int) -> Iterator[Capture]:
        return self.raw.captures(article_id)

    def has_raw_page(self, url: str, sha256: str) -> bool:
        return self.raw.has(url, sha256)

    def raw_page(self, article_id: int) -> bytes | None:
        return self.raw.newest_body(article_id)

    # ----------------------------------------------------------------- crawl queue
    def frontier_begin(self, site: str) -> int:
        return self.queue.begin(site)

    def frontier_add(self, site: str, entries: Iterable[Discovered], *, force: bool = False) -> int:
        return self.queue.add(site, entries, force=force)

    def frontier_next(
        self, site: str, limit: int, kinds: Iterable[str] | None = None
    ) -> list[Queued]:
        return self.queue.next(site, limit, kinds)

    def frontier_finish(
        self,
        url: str,
        state: str,
        *,
        kind: str | None = None,
        reason: str | None = None,
        final: bool = False,
    ) -> None:
        self.queue.finish(url, state, kind=kind, reason=reason, final=final)

    def frontier_known(self, urls: Iterable[str]) -> set[str]:
        return self.queue.known(urls)

    def frontier_alias(self, site: str, url: str, host: str, of: str) -> None:
        self.queue.alias(site, url, host, of)

    def frontier_skip(self, site: str, source: str, reason: str) -> int:
        return self.queue.skip(site, source, reason)

    def frontier_counts(self, site: str | None = None) -> dict[str, int]:
        return self.queue.counts(site)
