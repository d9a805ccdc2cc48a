"""The article store: ``articles`` (keyed by canonical URL), their ``links``, and
the ``fetches`` log of every attempt.  Article versions will live here."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scraper.archive.sqlite import Backend
from scraper.models import Article, FetchResult
from scraper.urls import normalize_url

# A new fetch of an archived article keeps the archived one when its text is
# under this share of the archived text, and the archived text is this long.
SHRUNK_SHARE = 0.5
SHRUNK_MIN_CHARS = 600
KEPT = "kept the archived article:"  # starts the fetch's error then
COUNTED = ("articles", "links", "fetches", "raw_pages")


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def site_filter(site: str, column: str) -> tuple[str, list[str]]:
    """SQL condition (and its parameters) for rows of ``site`` and its subdomains."""
    site = site.lower().removeprefix("www.")
    return f"({column} = ? OR {column} = ? OR {column} LIKE ?)", [site, f"www.{site}", f"%.{site}"]


def extracted(article: Article) -> dict[str, Any]:
    """The ``articles`` columns that extraction fills."""
    return {
        "title": article.title,
        "authors": json.dumps(article.authors, ensure_ascii=False),
        "published": iso(article.published),
        "modified": iso(article.modified),
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


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("authors", "tags"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row


@dataclass(frozen=True, slots=True)
class Stored:
    """What ``Archive.store`` did with a page."""

    article_id: int
    created: bool  # a new article row
    changed: bool  # the text differs from the stored one (always True when created)
    kept: str | None = None  # why the stored article was kept instead of the new text


class ArticleStore:
    def __init__(self, db: Backend) -> None:
        self._db = db

    # ----------------------------------------------------------------- writes
    def put(self, key: str, fetch: FetchResult, article: Article) -> Stored:
        """Insert or update the article keyed ``key`` and its links from a fetched
        page.  A new text under ``SHRUNK_SHARE`` of the stored one's does not
        replace it (``Stored.kept`` says why).  Call inside a transaction."""
        fetched_at = iso(fetch.fetched_at) or utcnow()
        values: dict[str, Any] = {
            "canonical_url": key,
            "url": fetch.final_url or fetch.url,
            "host": urlsplit(key).hostname or "",
            **extracted(article),
            "last_fetched": fetched_at,
        }
        existing = self.find(key, fetch.url, fetch.final_url)
        if existing is None:
            values["first_seen"] = fetched_at
            cur = self._db.execute(
                f"INSERT INTO articles ({', '.join(values)}) "
                f"VALUES ({', '.join('?' * len(values))})",
                list(values.values()),
            )
            article_id = int(cur.lastrowid or 0)
            self._insert_links(article_id, article)
            return Stored(article_id, created=True, changed=True)
        article_id, old_hash = existing
        kept = self._shrunk(article_id, len(article.text))
        if kept:
            return Stored(article_id, created=False, changed=False, kept=kept)
        self._replace(article_id, values, article)
        return Stored(article_id, created=False, changed=old_hash != values["content_hash"])

    def _shrunk(self, article_id: int, new_chars: int) -> str | None:
        """Why a new text of ``new_chars`` must not replace the stored article's, or None."""
        row = self._db.one("SELECT length(text) FROM articles WHERE id = ?", [article_id])
        old_chars = int(row[0] or 0) if row else 0
        if old_chars < SHRUNK_MIN_CHARS or new_chars >= old_chars * SHRUNK_SHARE:
            return None
        share = round(100 * new_chars / old_chars)
        return f"{KEPT} the new text is {share}% of its length"

    def _replace(self, article_id: int, values: dict[str, Any], article: Article) -> None:
        """Set these columns of an archived article and replace its links."""
        assignments = ", ".join(f"{k} = ?" for k in values)
        self._db.execute(
            f"UPDATE articles SET {assignments} WHERE id = ?", [*values.values(), article_id]
        )
        self._db.execute("DELETE FROM links WHERE article_id = ?", [article_id])
        self._insert_links(article_id, article)

    def _insert_links(self, article_id: int, article: Article) -> None:
        self._db.executemany(
            "INSERT INTO links (article_id, url, text, in_body) VALUES (?, ?, ?, ?)",
            [(article_id, ln.url, ln.text, int(ln.in_body)) for ln in article.links],
        )

    def update_extraction(self, article_id: int, article: Article) -> bool:
        """Replace what extraction gave an article (text, metadata, links); True
        when the text changed.  The key, URLs and fetch times stay.  Call inside
        a transaction."""
        row = self._db.one("SELECT content_hash FROM articles WHERE id = ?", [article_id])
        if row is None:
            return False
        values = extracted(article)
        self._replace(article_id, values, article)
        return bool(row[0] != values["content_hash"])

    def add_fetch(
        self, fetch: FetchResult, article_id: int | None = None, error: str | None = None
    ) -> int:
        """Log one fetch attempt; returns its id.  ``error`` overrides the fetch's."""
        row = {
            "url": fetch.url,
            "final_url": fetch.final_url,
            "status": fetch.status,
            "error": error if error is not None else fetch.error,
            "content_type": fetch.content_type,
            "bytes": len(fetch.body),
            "elapsed_ms": fetch.elapsed_ms,
            "fetched_at": iso(fetch.fetched_at) or utcnow(),
            "etag": fetch.etag,
            "last_modified": fetch.last_modified,
            "article_id": article_id,
            "headers": json.dumps([list(h) for h in fetch.headers]) if fetch.headers else None,
        }
        cur = self._db.execute(
            f"INSERT INTO fetches ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        return int(cur.lastrowid or 0)

    # ------------------------------------------------------------------ reads
    def find(self, *urls: str | None) -> tuple[int, str] | None:
        """(id, content hash) of the article whose canonical or fetch URL is the
        first of ``urls`` that has one."""
        for url in dict.fromkeys(u for u in urls if u):
            row = self._db.one(
                "SELECT id, content_hash FROM articles WHERE canonical_url = ? OR url = ? "
                "ORDER BY canonical_url = ? DESC LIMIT 1",
                [url, url, url],
            )
            if row is not None:
                return int(row[0]), str(row[1])
        return None

    def id_for(self, url: str) -> int | None:
        found = self.find(url)
        return found[0] if found else None

    def get(self, url: str) -> dict[str, Any] | None:
        """The stored article whose canonical URL or fetch URL is ``url``."""
        found = self.find(url, normalize_url(url), url.rstrip("/"), url.rstrip("/") + "/")
        if found is None:
            return None
        for row in self._db.dicts("SELECT * FROM articles WHERE id = ?", [found[0]]):
            return _decode(row)
        return None

    def iter(self, since: str | None = None, site: str | None = None) -> Iterator[dict[str, Any]]:
        """Articles in id order, streamed from a cursor (constant memory)."""
        where, params = [], []
        if since:
            where.append("coalesce(published, first_seen) >= ?")
            params.append(since)
        if site:
            clause, site_params = site_filter(site, "host")
            where.append(clause)
            params += site_params
        sql = "SELECT * FROM articles"
        if where:
            sql += " WHERE " + " AND ".join(where)
        for row in self._db.dicts(sql + " ORDER BY id", params):
            yield _decode(row)

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified of the newest archived fetch of ``url`` (or kept out:
        a page already seen need not come again)."""
        row = self._db.one(
            "SELECT etag, last_modified FROM fetches WHERE (url = ? OR final_url = ?) "
            "AND (error IS NULL OR error LIKE ?) AND status = 200 AND article_id IS NOT NULL "
            "ORDER BY id DESC LIMIT 1",
            [url, url, KEPT + "%"],
        )
        return (row[0], row[1]) if row else (None, None)

    def counts(self) -> dict[str, int]:
        counts = {}
        for table in COUNTED:
            row = self._db.one(f"SELECT count(*) FROM {table}")
            counts[table] = int(row[0]) if row else 0
        return counts
