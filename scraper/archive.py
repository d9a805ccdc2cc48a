"""The SQLite archive: the one module that owns SQL.

The file is a public interface (sqlite3, Datasette, pandas), so the schema is
written out here as DDL, applied as named, append-only migrations when the
archive opens, and documented in the README.  Tables:

- ``articles``   one row per article, keyed by its canonical URL
- ``links``      the links of each article, body links marked ``in_body = 1``
- ``fetches``    every fetch attempt, failed ones included, with the reason
- ``raw_pages``  each distinct raw response body of an article, zstd-compressed
- ``articles_fts`` FTS5 index over title and text, kept in sync by triggers
- ``frontier``   the crawl queue (see ``scraper.crawl``)

The archive runs in WAL mode with a busy timeout, so readers can query it
while a writer runs.  All writes of one page happen in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils
import zstandard
from sqlite_utils.migrations import Migrations

from scraper.errors import ArchiveError
from scraper.models import Article, FetchResult
from scraper.urls import normalize_url

BUSY_TIMEOUT_MS = 30_000
MAX_ATTEMPTS = 3  # a frontier URL whose fetch failed is tried in at most this many runs
LISTINGS = ("sitemap", "feed")  # frontier sources that make a URL an article candidate
# A new fetch of an archived article keeps the archived one when its text is
# under this share of the archived text, and the archived text is this long.
SHRUNK_SHARE = 0.5
SHRUNK_MIN_CHARS = 600
KEPT = "kept the archived article:"  # starts the fetch's error then
migrations = Migrations("scraper")


@migrations(name="0001_initial")
def _initial(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            canonical_url TEXT NOT NULL UNIQUE,
            url TEXT NOT NULL,              -- the URL the page was fetched from
            host TEXT NOT NULL,             -- host of canonical_url, for --site
            title TEXT,
            authors TEXT NOT NULL DEFAULT '[]',   -- JSON array of names
            published TEXT,                 -- ISO 8601 with offset
            modified TEXT,
            site_name TEXT,
            language TEXT,
            description TEXT,
            image TEXT,
            section TEXT,
            tags TEXT NOT NULL DEFAULT '[]',      -- JSON array
            text TEXT NOT NULL DEFAULT '',
            markdown TEXT NOT NULL DEFAULT '',
            word_count INTEGER NOT NULL DEFAULT 0,
            content_hash TEXT NOT NULL,     -- sha256 of text
            first_seen TEXT NOT NULL,       -- ISO 8601 UTC
            last_fetched TEXT NOT NULL
        );
        CREATE INDEX articles_url ON articles(url);
        CREATE INDEX articles_published ON articles(published);
        CREATE INDEX articles_host ON articles(host);

        CREATE TABLE links (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            url TEXT NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            in_body INTEGER NOT NULL DEFAULT 0   -- 1: inside the article body
        );
        CREATE INDEX links_article ON links(article_id);
        CREATE INDEX links_url ON links(url);

        CREATE TABLE fetches (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            final_url TEXT,
            status INTEGER,
            error TEXT,                     -- NULL when the page was archived
            content_type TEXT,
            bytes INTEGER NOT NULL DEFAULT 0,
            elapsed_ms INTEGER NOT NULL DEFAULT 0,
            fetched_at TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL
        );
        CREATE INDEX fetches_url ON fetches(url);
        CREATE INDEX fetches_final_url ON fetches(final_url);
        CREATE INDEX fetches_article ON fetches(article_id);

        CREATE TABLE raw_pages (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            fetch_id INTEGER REFERENCES fetches(id) ON DELETE SET NULL,
            url TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            encoding TEXT,                  -- charset the HTTP header declared
            sha256 TEXT NOT NULL,           -- of the uncompressed body
            size INTEGER NOT NULL,
            body BLOB NOT NULL,             -- zstd-compressed response body
            UNIQUE (article_id, sha256)
        );

        CREATE VIRTUAL TABLE articles_fts USING fts5 (
            title, text, content='articles', content_rowid='id'
        );
        CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts (rowid, title, text)
            VALUES (new.id, new.title, new.text);
        END;
        CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
        END;
        CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
            INSERT INTO articles_fts (rowid, title, text)
            VALUES (new.id, new.title, new.text);
        END;
        """
    )


@migrations(name="0002_frontier")
def _frontier(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE frontier (
            url TEXT PRIMARY KEY,           -- normalized URL
            site TEXT NOT NULL,             -- the crawl it belongs to: its seed's host, no www.
            host TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'queued',  -- queued | done | failed | skipped
            kind TEXT NOT NULL DEFAULT 'page',     -- page | article | index | sitemap | feed
            priority INTEGER NOT NULL DEFAULT 3,   -- queued URLs are taken lowest first
            depth INTEGER NOT NULL DEFAULT 0,      -- links followed from the seed
            source TEXT,                    -- seed | robots | sitemap | feed | link | next
            lastmod TEXT,                   -- newest date a sitemap or feed gave (UTC ISO)
            title TEXT,                     -- title a news sitemap or feed gave
            revisit INTEGER NOT NULL DEFAULT 0,    -- 1: archived, but lastmod says it changed
            attempts INTEGER NOT NULL DEFAULT 0,   -- failed fetches (retried while < 3)
            reason TEXT,                    -- why it failed or was skipped
            discovered_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX frontier_queue ON frontier(site, state, priority);
        """
    )


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _site_filter(site: str, column: str) -> tuple[str, list[str]]:
    """SQL condition (and its parameters) for articles of ``site`` and its subdomains."""
    site = site.lower().removeprefix("www.")
    return f"({column} = ? OR {column} = ? OR {column} LIKE ?)", [site, f"www.{site}", f"%.{site}"]


def _extracted(article: Article) -> dict[str, Any]:
    """The ``articles`` columns that extraction fills."""
    return {
        "title": article.title,
        "authors": json.dumps(article.authors, ensure_ascii=False),
        "published": _iso(article.published),
        "modified": _iso(article.modified),
        "site_name": article.site_name,
        "language": article.language,
        "description": article.description,
        "image": article.image,
        "section": article.section,
        "tags": json.dumps(article.tags, ensure_ascii=False),
        "text": article.text,
        "markdown": article.markdown,
        "word_count": article.word_count,
        "content_hash": text_hash(article.text),
    }


@dataclass(frozen=True, slots=True)
class Discovered:
    """A URL found by the crawler, for ``Archive.frontier_add``."""

    url: str  # normalized
    host: str
    kind: str = "page"  # page | article | index | sitemap | feed
    depth: int = 0
    source: str = "link"
    priority: int = 3
    lastmod: str | None = None  # UTC ISO 8601
    title: str | None = None
    state: str = "queued"  # or "skipped", with a reason
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Queued:
    """A queued frontier URL, as ``Archive.frontier_next`` hands it out."""

    url: str
    kind: str
    depth: int
    source: str | None
    lastmod: str | None
    revisit: int
    priority: int


@dataclass(frozen=True, slots=True)
class Stored:
    """What ``Archive.store`` did with a page."""

    article_id: int
    created: bool  # a new article row
    changed: bool  # the text differs from the stored one (always True when created)
    kept: str | None = None  # why the stored article was kept instead of the new text


class Archive:
    """The archive file, opened (and migrated) on construction."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self.db = sqlite_utils.Database(conn)
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            raise ArchiveError(f"{self.path}: cannot open archive ({exc})") from exc
        self._zc = zstandard.ZstdCompressor(level=3)  # 5.3x on news pages, 0.4 ms a page

    def _migrate(self) -> None:
        if not migrations.pending(self.db):
            return
        try:
            migrations.apply(self.db)
        except sqlite3.IntegrityError:  # another process applied it first
            if migrations.pending(self.db):
                raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----------------------------------------------------------------- writes
    def _insert_fetch(self, fetch: FetchResult, article_id: int | None = None) -> int:
        row = {
            "url": fetch.url,
            "final_url": fetch.final_url,
            "status": fetch.status,
            "error": fetch.error,
            "content_type": fetch.content_type,
            "bytes": len(fetch.body),
            "elapsed_ms": fetch.elapsed_ms,
            "fetched_at": _iso(fetch.fetched_at) or utcnow(),
            "etag": fetch.etag,
            "last_modified": fetch.last_modified,
            "article_id": article_id,
        }
        cur = self.db.execute(
            f"INSERT INTO fetches ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        return int(cur.lastrowid or 0)

    def record_fetch(self, fetch: FetchResult) -> int:
        """Record an attempt that archived nothing (failed, 304, not an article)."""
        try:
            with self.db.atomic():
                article_id = self.article_id_for(fetch.final_url or fetch.url)
                return self._insert_fetch(fetch, article_id)
        except sqlite3.Error as exc:
            raise ArchiveError(f"{self.path}: cannot record {fetch.url} ({exc})") from exc

    def store(self, fetch: FetchResult, article: Article, key: str) -> Stored:
        """Archive one page in one transaction: fetch row, article, links, raw body.

        ``key`` is the article's canonical URL (chosen by the pipeline). A new text
        under ``SHRUNK_SHARE`` of a stored article's (a paywall, a consent wall, a
        takedown notice, a broken template) does not replace it: the fetch is
        recorded with the reason in ``error`` and its raw page kept, and the
        article row and its links stay as they were (``Stored.kept``).
        """
        now = _iso(fetch.fetched_at) or utcnow()
        values: dict[str, Any] = {
            "canonical_url": key,
            "url": fetch.final_url or fetch.url,
            "host": urlsplit(key).hostname or "",
            **_extracted(article),
            "last_fetched": now,
        }
        digest = values["content_hash"]
        try:
            with self.db.atomic():
                existing = self._find(key, fetch.url, fetch.final_url)
                if existing is None:
                    values["first_seen"] = now
                    cur = self.db.execute(
                        f"INSERT INTO articles ({', '.join(values)}) "
                        f"VALUES ({', '.join('?' * len(values))})",
                        list(values.values()),
                    )
                    article_id, created, changed = int(cur.lastrowid or 0), True, True
                    self._insert_links(article_id, article)
                else:
                    article_id, old_hash = existing
                    kept = self._shrunk(article_id, len(article.text))
                    if kept:
                        fetch = replace(fetch, error=kept)
                        fetch_id = self._insert_fetch(fetch, article_id)
                        self._insert_raw_page(article_id, fetch_id, fetch, now)
                        return Stored(article_id, created=False, changed=False, kept=kept)
                    self._replace(article_id, values, article)
                    created, changed = False, old_hash != digest
                fetch_id = self._insert_fetch(fetch, article_id)
                self._insert_raw_page(article_id, fetch_id, fetch, now)
        except sqlite3.Error as exc:
            raise ArchiveError(f"{self.path}: cannot store {fetch.url} ({exc})") from exc
        return Stored(article_id, created, changed)

    def _shrunk(self, article_id: int, new_chars: int) -> str | None:
        """Why a new text of ``new_chars`` must not replace the stored article's, or None."""
        row = self.db.execute(
            "SELECT length(text) FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        old_chars = int(row[0] or 0) if row else 0
        if old_chars < SHRUNK_MIN_CHARS or new_chars >= old_chars * SHRUNK_SHARE:
            return None
        share = round(100 * new_chars / old_chars)
        return f"{KEPT} the new text is {share}% of its length"

    def _insert_raw_page(
        self, article_id: int, fetch_id: int, fetch: FetchResult, now: str
    ) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO raw_pages "
            "(article_id, fetch_id, url, fetched_at, encoding, sha256, size, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                article_id,
                fetch_id,
                fetch.final_url or fetch.url,
                now,
                fetch.encoding,
                hashlib.sha256(fetch.body).hexdigest(),
                len(fetch.body),
                self._zc.compress(fetch.body),
            ],
        )

    def _replace(self, article_id: int, values: dict[str, Any], article: Article) -> None:
        """Set these columns of an archived article and replace its links."""
        assignments = ", ".join(f"{k} = ?" for k in values)
        self.db.execute(
            f"UPDATE articles SET {assignments} WHERE id = ?", [*values.values(), article_id]
        )
        self.db.execute("DELETE FROM links WHERE article_id = ?", [article_id])
        self._insert_links(article_id, article)

    def _insert_links(self, article_id: int, article: Article) -> None:
        self.db.conn.executemany(
            "INSERT INTO links (article_id, url, text, in_body) VALUES (?, ?, ?, ?)",
            [(article_id, ln.url, ln.text, int(ln.in_body)) for ln in article.links],
        )

    def update_extraction(self, article_id: int, article: Article) -> bool:
        """Replace what extraction gave an article (text, metadata, links) with a
        new extraction of its raw page, in one transaction; True when the text changed.

        The article keeps its key, URLs and fetch times: nothing was fetched.
        """
        values = _extracted(article)
        try:
            with self.db.atomic():
                row = self.db.execute(
                    "SELECT content_hash FROM articles WHERE id = ?", [article_id]
                ).fetchone()
                if row is None:
                    return False
                self._replace(article_id, values, article)
        except sqlite3.Error as exc:
            raise ArchiveError(f"{self.path}: cannot update article {article_id} ({exc})") from exc
        return bool(row[0] != values["content_hash"])

    # ------------------------------------------------------------------ reads
    def _find(self, *urls: str | None) -> tuple[int, str] | None:
        for url in dict.fromkeys(u for u in urls if u):
            row = self.db.execute(
                "SELECT id, content_hash FROM articles WHERE canonical_url = ? OR url = ? "
                "ORDER BY canonical_url = ? DESC LIMIT 1",
                [url, url, url],
            ).fetchone()
            if row is not None:
                return int(row[0]), str(row[1])
        return None

    def article_id_for(self, url: str) -> int | None:
        found = self._find(url)
        return found[0] if found else None

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified of the newest archived fetch of ``url`` (or kept out:
        a page already seen need not come again)."""
        row = self.db.execute(
            "SELECT etag, last_modified FROM fetches WHERE (url = ? OR final_url = ?) "
            "AND (error IS NULL OR error LIKE ?) AND status = 200 AND article_id IS NOT NULL "
            "ORDER BY id DESC LIMIT 1",
            [url, url, KEPT + "%"],
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def get_article(self, url: str) -> dict[str, Any] | None:
        """The stored article whose canonical URL or fetch URL is ``url``."""
        found = self._find(url, normalize_url(url), url.rstrip("/"), url.rstrip("/") + "/")
        if found is None:
            return None
        return self._decode(self.db["articles"].get(found[0]))

    def iter_articles(
        self, since: str | None = None, site: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Articles in id order, streamed from a cursor (constant memory)."""
        where, params = [], []
        if since:
            where.append("coalesce(published, first_seen) >= ?")
            params.append(since)
        if site:
            clause, site_params = _site_filter(site, "host")
            where.append(clause)
            params += site_params
        sql = "SELECT * FROM articles"
        if where:
            sql += " WHERE " + " AND ".join(where)
        cursor = self.db.execute(sql + " ORDER BY id", params)
        columns = [c[0] for c in cursor.description]
        for row in cursor:
            yield self._decode(dict(zip(columns, row, strict=True)))

    def raw_pages_newest(self, site: str | None = None) -> list[tuple[int, int, str]]:
        """(article id, raw page id, article URL) of every article with a stored raw
        page, its newest one that was archived as its text, in article id order."""
        sql = (
            "SELECT a.id, max(r.id), a.canonical_url FROM articles a "
            "JOIN raw_pages r ON r.article_id = a.id "
            # not the page of a fetch that was kept out (its error says why)
            "LEFT JOIN fetches f ON f.id = r.fetch_id WHERE f.error IS NULL"
        )
        params: list[str] = []
        if site:
            clause, params = _site_filter(site, "a.host")
            sql += f" AND {clause}"
        try:
            rows = self.db.execute(sql + " GROUP BY a.id ORDER BY a.id", params).fetchall()
        except sqlite3.Error as exc:
            raise ArchiveError(f"{self.path}: cannot read raw pages ({exc})") from exc
        return [(int(a), int(r), str(u)) for a, r, u in rows]

    def raw_page_by_id(self, raw_id: int) -> tuple[str, str | None, bytes | None] | None:
        """(URL, charset the HTTP header declared, body) of one stored raw page; the
        body is None when it cannot be decompressed."""
        try:
            row = self.db.execute(
                "SELECT url, encoding, body FROM raw_pages WHERE id = ?", [raw_id]
            ).fetchone()
        except sqlite3.Error as exc:
            raise ArchiveError(f"{self.path}: cannot read raw page {raw_id} ({exc})") from exc
        if row is None:
            return None
        try:
            body = zstandard.ZstdDecompressor().decompress(row[2])
        except (zstandard.ZstdError, TypeError):
            body = None
        return row[0], row[1], body

    def raw_page(self, article_id: int) -> bytes | None:
        """The newest raw body stored for an article, decompressed."""
        row = self.db.execute(
            "SELECT body FROM raw_pages WHERE article_id = ? ORDER BY id DESC LIMIT 1",
            [article_id],
        ).fetchone()
        return zstandard.ZstdDecompressor().decompress(row[0]) if row else None

    def counts(self) -> dict[str, int]:
        return {
            t: int(self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
            for t in ("articles", "links", "fetches", "raw_pages")
        }

    @staticmethod
    def _decode(row: dict[str, Any]) -> dict[str, Any]:
        for key in ("authors", "tags"):
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
        return row

    # ---- frontier -------------------------------------------------------
    # The crawl queue (``scraper.crawl``).  A row's state moves queued -> done |
    # failed | skipped; the crawler changes it in the same transaction as the
    # page's article and fetch rows, so a killed crawl resumes where it stopped.

    def frontier_begin(self, site: str) -> int:
        """Start a run of ``site``: queue again what every run re-reads (seeds,
        sitemaps, feeds, index pages one link from a seed) and failures that
        may be retried.  Returns how many URLs are queued now."""
        try:
            with self.db.atomic():
                self.db.execute(
                    "UPDATE frontier SET state = 'queued', reason = NULL, updated_at = ? "
                    "WHERE site = ? AND state != 'queued' AND ("
                    " kind IN ('sitemap', 'feed') OR source = 'seed'"
                    " OR (kind = 'index' AND depth <= 1 AND source = 'link')"
                    " OR (state = 'failed' AND attempts < ?))",
                    [utcnow(), site, MAX_ATTEMPTS],
                )
                row = self.db.execute(
                    "SELECT count(*) FROM frontier WHERE site = ? AND state = 'queued'", [site]
                ).fetchone()
        except sqlite3.Error as exc:
            raise ArchiveError(f"{self.path}: cannot start the crawl of {site} ({exc})") from exc
        return int(row[0])

    def frontier_add(self, site: str, entries: Iterable[Discovered], *, force: bool = False) -> int:
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
        try:
            with self.db.atomic():
                known = self._frontier_rows(list(best))
                new = [e for url, e in best.items() if url not in known]
                self.db.conn.executemany(
                    "INSERT INTO frontier (url, site, host, state, kind, priority, depth, source,"
                    " lastmod, title, reason, discovered_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (e.url, site, e.host, e.state, e.kind, e.priority, e.depth, e.source,
                         e.lastmod, e.title, e.reason, now, now)
                        for e in new
                    ],
                )  # fmt: skip
                updates = []
                for url, (state, kind, source, lastmod, revisit) in known.items():
                    e = best[url]
                    newer = bool(e.lastmod and (lastmod is None or e.lastmod > lastmod))
                    changed = newer and lastmod is not None and kind in ("page", "article")
                    requeue = e.state == "queued" and (
                        (state in ("done", "failed") and changed)
                        or state == "skipped"
                        or (force and state != "queued")
                    )
                    listed = e.source in LISTINGS and source not in (*LISTINGS, "seed")
                    upgrade = listed or (kind == "page" and e.kind == "article")
                    if not (newer or requeue or upgrade):
                        continue
                    updates.append(
                        (
                            "queued" if requeue else state,
                            "article" if upgrade and kind == "page" else kind,
                            e.source if listed else source,
                            e.lastmod if newer else lastmod,
                            1 if requeue and changed else revisit,
                            requeue,
                            now,
                            url,
                        )
                    )
                self.db.conn.executemany(
                    "UPDATE frontier SET state = ?, kind = ?, source = ?, lastmod = ?,"
                    " revisit = ?, reason = CASE WHEN ? THEN NULL ELSE reason END,"
                    " attempts = CASE WHEN ? THEN 0 ELSE attempts END, updated_at = ?"
                    " WHERE url = ?",
                    [(*u[:6], u[5], *u[6:]) for u in updates],
                )
        except sqlite3.Error as exc:
            raise ArchiveError(f"{self.path}: cannot add to the crawl queue ({exc})") from exc
        return len(new)

    def _frontier_rows(self, urls: list[str]) -> dict[str, tuple[Any, ...]]:
        """(state, kind, source, lastmod, revisit) of the known ``urls``."""
        rows: dict[str, tuple[Any, ...]] = {}
        for i in range(0, len(urls), 500):
            chunk = urls[i : i + 500]
            for url, *rest in self.db.execute(
                "SELECT url, state, kind, source, lastmod, revisit FROM frontier "
                f"WHERE url IN ({', '.join('?' * len(chunk))})",
                chunk,
            ):
                rows[url] = tuple(rest)
        return rows

    def frontier_next(
        self, site: str, limit: int, kinds: tuple[str, ...] | None = None
    ) -> list[Queued]:
        """Up to ``limit`` queued URLs of ``site``, lowest priority first."""
        sql = (
            "SELECT url, kind, depth, source, lastmod, revisit, priority FROM frontier "
            "WHERE site = ? AND state = 'queued'"
        )
        params: list[Any] = [site]
        if kinds is not None:
            sql += f" AND kind IN ({', '.join('?' * len(kinds))})"
            params += kinds
        sql += " ORDER BY priority, rowid LIMIT ?"
        return [Queued(*row) for row in self.db.execute(sql, [*params, limit])]

    def frontier_finish(
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
            f"{MAX_ATTEMPTS}" if final else "attempts + 1" if state == "failed" else "attempts"
        )
        try:
            with self.db.atomic():
                self.db.execute(
                    f"UPDATE frontier SET state = ?, kind = coalesce(?, kind), reason = ?, "
                    f"revisit = 0, attempts = {attempts}, updated_at = ? WHERE url = ?",
                    [state, kind, reason, utcnow(), url],
                )
        except sqlite3.Error as exc:
            raise ArchiveError(f"{self.path}: cannot update the crawl queue ({exc})") from exc

    def frontier_alias(self, site: str, url: str, host: str, of: str) -> None:
        """``url`` (a canonical link or redirect target) is the page archived from
        ``of``: mark it done so it is not fetched again."""
        now = utcnow()
        try:
            with self.db.atomic():
                self.db.execute(
                    "INSERT INTO frontier (url, site, host, state, kind, source, reason,"
                    " discovered_at, updated_at)"
                    " VALUES (?, ?, ?, 'done', 'article', 'alias', ?, ?, ?)"
                    " ON CONFLICT (url) DO UPDATE SET state = 'done', revisit = 0,"
                    " reason = excluded.reason, updated_at = excluded.updated_at"
                    " WHERE frontier.state = 'queued'",
                    [url, site, host, f"same page as {of}", now, now],
                )
        except sqlite3.Error as exc:
            raise ArchiveError(f"{self.path}: cannot update the crawl queue ({exc})") from exc

    def frontier_skip(self, site: str, source: str, reason: str) -> int:
        """Skip every queued URL of ``site`` found through ``source``; returns how many."""
        try:
            with self.db.atomic():
                cur = self.db.execute(
                    "UPDATE frontier SET state = 'skipped', reason = ?, updated_at = ? "
                    "WHERE site = ? AND state = 'queued' AND source = ?",
                    [reason, utcnow(), site, source],
                )
        except sqlite3.Error as exc:
            raise ArchiveError(f"{self.path}: cannot update the crawl queue ({exc})") from exc
        return int(cur.rowcount)

    def frontier_batch(self, *, commit: bool = False) -> None:
        """Group commits: open a transaction if none is open or, with ``commit``,
        commit the open one.  Each page written in between is still its own
        savepoint (``db.atomic()`` nests), so a batch holds whole pages only; a
        crawl killed before the commit fetches that batch's URLs again."""
        conn = self.db.conn
        try:
            if commit:
                if conn.in_transaction:
                    conn.execute("COMMIT")
            elif not conn.in_transaction:
                conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise ArchiveError(f"{self.path}: cannot commit the crawl ({exc})") from exc

    def frontier_counts(self, site: str | None = None) -> dict[str, int]:
        """URLs by state, for one site or all."""
        sql = "SELECT state, count(*) FROM frontier"
        params = [site] if site else []
        if site:
            sql += " WHERE site = ?"
        return {str(k): int(v) for k, v in self.db.execute(sql + " GROUP BY state", params)}
