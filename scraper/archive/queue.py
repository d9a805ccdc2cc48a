"""The crawl queue (``frontier``): every URL a crawl discovered, and what became of it.

A row's state moves queued -> done | failed | skipped; the crawler changes it in
the same transaction as the page's article and fetch rows, so a killed crawl
resumes where it stopped.  States, kinds and sources are stored as the strings
of the enums below (the file is a public interface).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from scraper.archive.articles import utcnow
from scraper.archive.backend import Backend

MAX_ATTEMPTS = 3  # a frontier URL whose fetch failed is tried in at most this many runs


class State(StrEnum):
    QUEUED = "queued"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class Kind(StrEnum):
    PAGE = "page"  # not known yet
    ARTICLE = "article"
    INDEX = "index"  # a section, tag or listing page: links followed, not archived
    SITEMAP = "sitemap"
    FEED = "feed"


class Source(StrEnum):
    """Where a URL was found."""

    SEED = "seed"
    ROBOTS = "robots"  # a Sitemap: line (or the guessed /sitemap.xml)
    SITEMAP = "sitemap"
    FEED = "feed"
    PAGE = "page"  # a feed linked from a page
    LINK = "link"  # a link on an index page or seed
    RELATED = "related"  # a link on an article
    NEXT = "next"  # rel="next" pagination
    ALIAS = "alias"  # a canonical link or redirect target of an archived page


LISTINGS = (Source.SITEMAP, Source.FEED)  # sources that make a URL an article candidate
LISTING_KINDS = (Kind.SITEMAP.value, Kind.FEED.value)


def marks(values: Sequence[object]) -> str:
    """``?, ?, ?``: a placeholder for each value."""
    return ", ".join("?" * len(values))


@dataclass(frozen=True, slots=True)
class Discovered:
    """A URL found by the crawler, for ``CrawlQueue.add``."""

    url: str  # normalized
    host: str
    kind: str = Kind.PAGE
    depth: int = 0
    source: str = Source.LINK
    priority: int = 3
    lastmod: str | None = None  # UTC ISO 8601
    title: str | None = None
    state: str = State.QUEUED  # or skipped, with a reason
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Queued:
    """A queued URL, as ``CrawlQueue.next`` hands it out."""

    url: str
    kind: str
    depth: int
    source: str | None
    lastmod: str | None
    revisit: int
    priority: int


class CrawlQueue:
    def __init__(self, db: Backend) -> None:
        self._db = db

    def begin(self, site: str) -> int:
        """Start a run of ``site``: queue again what every run re-reads (seeds,
        sitemaps, feeds, index pages one link from a seed) and failures that
        may be retried.  Returns how many URLs are queued now."""
        with self._db.transaction():
            self._db.execute(
                "UPDATE frontier SET state = 'queued', reason = NULL, updated_at = ? "
                "WHERE site = ? AND state != 'queued' AND ("
                " kind IN ('sitemap', 'feed') OR source = 'seed'"
                " OR (kind = 'index' AND depth <= 1 AND source = 'link')"
                " OR (state = 'failed' AND attempts < ?))",
                [utcnow(), site, MAX_ATTEMPTS],
            )
            row = self._db.one(
                "SELECT count(*) FROM frontier WHERE site = ? AND state = 'queued'", [site]
            )
        return int(row[0]) if row else 0

    def add(self, site: str, entries: Iterable[Discovered], *, force: bool = False) -> int:
        """Add discovered URLs; returns how many were new.

        A known URL is queued again when a newer ``lastmod`` says an archived
        (or failed) page changed (``revisit``), when a skipped URL is now
        allowed, or, with ``force`` (seeds, sitemaps), whenever it is not
        queued.  A URL found on a page and then listed in a sitemap or feed
        takes the listing as its source (an article candidate).
        """
        best: dict[str, Discovered] = {}
        for e in entries:
            old = best.get(e.url)
            if old is None or (e.lastmod or "") > (old.lastmod or "") or e.priority < old.priority:
                best[e.url] = e
        if not best:
            return 0
        now = utcnow()
        with self._db.transaction():
            known = self._rows(list(best))
            new = [e for url, e in best.items() if url not in known]
            # an upsert: a URL another worker (another site's) queues meanwhile is its
            self._db.executemany(
                "INSERT INTO frontier (url, site, host, state, kind, priority, depth, source,"
                " lastmod, title, reason, discovered_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO NOTHING",
                [
                    (e.url, site, e.host, str(e.state), str(e.kind), e.priority, e.depth,
                     str(e.source), e.lastmod, e.title, e.reason, now, now)
                    for e in new
                ],
            )  # fmt: skip
            updates = []
            for url, (state, kind, source, lastmod, revisit) in known.items():
                e = best[url]
                newer = bool(e.lastmod and (lastmod is None or e.lastmod > lastmod))
                changed = newer and lastmod is not None and kind in (Kind.PAGE, Kind.ARTICLE)
                requeue = e.state == State.QUEUED and (
                    (state in (State.DONE, State.FAILED) and changed)
                    or state == State.SKIPPED
                    or (force and state != State.QUEUED)
                )
                listed = e.source in LISTINGS and source not in (*LISTINGS, Source.SEED)
                upgrade = listed or (kind == Kind.PAGE and e.kind == Kind.ARTICLE)
                if not (newer or requeue or upgrade):
                    continue
                updates.append(
                    (
                        str(State.QUEUED) if requeue else state,
                        str(Kind.ARTICLE) if upgrade and kind == Kind.PAGE else kind,
                        str(e.source) if listed else source,
                        e.lastmod if newer else lastmod,
                        1 if requeue and changed else revisit,
                        requeue,
                        now,
                        url,
                    )
                )
            self._db.executemany(
                "UPDATE frontier SET state = ?, kind = ?, source = ?, lastmod = ?,"
                " revisit = ?, reason = CASE WHEN ? THEN NULL ELSE reason END,"
                " attempts = CASE WHEN ? THEN 0 ELSE attempts END, updated_at = ?"
                " WHERE url = ?",
                [(*u[:6], u[5], *u[6:]) for u in updates],
            )
        return len(new)

    def _rows(self, urls: list[str]) -> dict[str, tuple[Any, ...]]:
        """(state, kind, source, lastmod, revisit) of the known ``urls``."""
        rows: dict[str, tuple[Any, ...]] = {}
        for i in range(0, len(urls), 500):
            chunk = urls[i : i + 500]
            for url, *rest in self._db.rows(
                "SELECT url, state, kind, source, lastmod, revisit FROM frontier "
                f"WHERE url IN ({', '.join('?' * len(chunk))})",
                chunk,
            ):
                rows[url] = tuple(rest)
        return rows

    def next(self, site: str, limit: int, kinds: Iterable[str] | None = None) -> list[Queued]:
        """Up to ``limit`` queued URLs of ``site``, lowest priority first.

        Sitemaps and feeds (of a priority) come first, the least nested first, then
        those never read, then the one read longest ago: a run that may read only
        some of them reads the ones the last runs did not, not the same ones again.
        Pages keep the order they were found in."""
        select = (
            "SELECT url, kind, depth, source, lastmod, revisit, priority FROM frontier "
            "WHERE site = ? AND state = 'queued' AND kind "
        )
        wanted = None if kinds is None else [str(k) for k in kinds]
        listings = [k for k in (LISTING_KINDS if wanted is None else wanted) if k in LISTING_KINDS]
        found: list[Queued] = []
        if listings:
            read = "(SELECT max(f.id) FROM fetches f WHERE f.url = frontier.url)"  # last read
            found += self._queued(
                f"{select} IN ({marks(listings)}) "
                f"ORDER BY priority, depth, {read} IS NOT NULL, {read}, rowid LIMIT ?",
                [site, *listings, limit],
            )
        if wanted is None:
            pages = f"NOT IN ({marks(LISTING_KINDS)})"
            params = [site, *LISTING_KINDS]
        else:
            others = [k for k in wanted if k not in LISTING_KINDS]
            pages = f"IN ({marks(others)})"
            params = [site, *others]
        if len(params) > 1:
            sql = f"{select} {pages} ORDER BY priority, rowid LIMIT ?"
            found += self._queued(sql, [*params, limit])
        found.sort(key=lambda q: q.priority)  # stable: listings before pages of a priority
        return found[:limit]

    def _queued(self, sql: str, params: list[Any]) -> list[Queued]:
        return [Queued(*row) for row in self._db.rows(sql, params)]

    def known(self, urls: Iterable[str]) -> set[str]:
        """Those of ``urls`` the crawl queue has a row for."""
        urls = list(dict.fromkeys(urls))
        found: set[str] = set()
        for start in range(0, len(urls), 500):
            chunk = urls[start : start + 500]
            sql = f"SELECT url FROM frontier WHERE url IN ({marks(chunk)})"
            found.update(str(row[0]) for row in self._db.rows(sql, chunk))
        return found

    def finish(
        self,
        url: str,
        state: str,
        *,
        kind: str | None = None,
        reason: str | None = None,
        final: bool = False,
    ) -> None:
        """Record what became of a queued URL; a ``final`` failure is not retried."""
        attempts = (
            f"{MAX_ATTEMPTS}" if final else "attempts + 1" if state == State.FAILED else "attempts"
        )
        with self._db.transaction():
            self._db.execute(
                f"UPDATE frontier SET state = ?, kind = coalesce(?, kind), reason = ?, "
                f"revisit = 0, attempts = {attempts}, updated_at = ? WHERE url = ?",
                [str(state), None if kind is None else str(kind), reason, utcnow(), url],
            )

    def alias(self, site: str, url: str, host: str, of: str) -> None:
        """``url`` (a canonical link or redirect target) is the page archived from
        ``of``: mark it done so it is not fetched again."""
        now = utcnow()
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO frontier (url, site, host, state, kind, source, reason,"
                " discovered_at, updated_at)"
                " VALUES (?, ?, ?, 'done', 'article', 'alias', ?, ?, ?)"
                " ON CONFLICT (url) DO UPDATE SET state = 'done', revisit = 0,"
                " reason = excluded.reason, updated_at = excluded.updated_at"
                " WHERE frontier.state = 'queued'",
                [url, site, host, f"same page as {of}", now, now],
            )

    def skip(self, site: str, source: str, reason: str) -> int:
        """Skip every queued URL of ``site`` found through ``source``; returns how many."""
        with self._db.transaction():
            skipped = self._db.execute(
                "UPDATE frontier SET state = 'skipped', reason = ?, updated_at = ? "
                "WHERE site = ? AND state = 'queued' AND source = ?",
                [reason, utcnow(), site, str(source)],
            )
        return skipped

    def counts(self, site: str | None = None) -> dict[str, int]:
        """URLs by state, for one site or all."""
        sql = "SELECT state, count(*) FROM frontier"
        params = [site] if site else []
        if site:
            sql += " WHERE site = ?"
        return {str(k): int(v) for k, v in self._db.rows(sql + " GROUP BY state", params)}

    def states_by_site(self) -> dict[str, dict[str, int]]:
        """Every site's URLs by state."""
        found: dict[str, dict[str, int]] = {}
        for site, state, n in self._db.rows(
            "SELECT site, state, count(*) FROM frontier GROUP BY site, state"
        ):
            found.setdefault(str(site), {})[str(state)] = int(n)
        return found
