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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils
import zstandard
from sqlite_utils.migrations import Migrations

from scraper.errors import ArchiveError
from scraper.models import Article, FetchResult

BUSY_TIMEOUT_MS = 30_000
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
            host TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'queued',  -- queued | done | failed | skipped
            kind TEXT NOT NULL DEFAULT 'page',     -- page | article | index
            depth INTEGER NOT NULL DEFAULT 0,
            source TEXT,                    -- sitemap | feed | link | seed
            lastmod TEXT,                   -- date a sitemap or feed gave
            reason TEXT,                    -- why it failed or was skipped
            discovered_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX frontier_state ON frontier(state, depth);
        """
    )


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Stored:
    """What ``Archive.store`` did with a page."""

    article_id: int
    created: bool  # a new article row
    changed: bool  # the text differs from the stored one (always True when created)


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
        self._zc = zstandard.ZstdCompressor(level=6)

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

        ``key`` is the article's canonical URL (chosen by the pipeline).
        """
        now = _iso(fetch.fetched_at) or utcnow()
        digest = text_hash(article.text)
        values: dict[str, Any] = {
            "canonical_url": key,
            "url": fetch.final_url or fetch.url,
            "host": urlsplit(key).hostname or "",
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
            "content_hash": digest,
            "last_fetched": now,
        }
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
                else:
                    article_id, old_hash = existing
                    assignments = ", ".join(f"{k} = ?" for k in values)
                    self.db.execute(
                        f"UPDATE articles SET {assignments} WHERE id = ?",
                        [*values.values(), article_id],
                    )
                    created, changed = False, old_hash != digest
                    self.db.execute("DELETE FROM links WHERE article_id = ?", [article_id])
                fetch_id = self._insert_fetch(fetch, article_id)
                self.db.conn.executemany(
                    "INSERT INTO links (article_id, url, text, in_body) VALUES (?, ?, ?, ?)",
                    [(article_id, ln.url, ln.text, int(ln.in_body)) for ln in article.links],
                )
                body_hash = hashlib.sha256(fetch.body).hexdigest()
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
                        body_hash,
                        len(fetch.body),
                        self._zc.compress(fetch.body),
                    ],
                )
        except sqlite3.Error as exc:
            raise ArchiveError(f"{self.path}: cannot store {fetch.url} ({exc})") from exc
        return Stored(article_id, created, changed)

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
        """ETag and Last-Modified of the newest archived fetch of ``url``."""
        row = self.db.execute(
            "SELECT etag, last_modified FROM fetches WHERE (url = ? OR final_url = ?) "
            "AND error IS NULL AND status = 200 AND article_id IS NOT NULL "
            "ORDER BY id DESC LIMIT 1",
            [url, url],
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def get_article(self, url: str) -> dict[str, Any] | None:
        """The stored article whose canonical URL or fetch URL is ``url``."""
        found = self._find(url, url.rstrip("/"), url.rstrip("/") + "/")
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
            site = site.lower().removeprefix("www.")
            where.append("(host = ? OR host = ? OR host LIKE ?)")
            params += [site, f"www.{site}", f"%.{site}"]
        sql = "SELECT * FROM articles"
        if where:
            sql += " WHERE " + " AND ".join(where)
        cursor = self.db.execute(sql + " ORDER BY id", params)
        columns = [c[0] for c in cursor.description]
        for row in cursor:
            yield self._decode(dict(zip(columns, row, strict=True)))

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
