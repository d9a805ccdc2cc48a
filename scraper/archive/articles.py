"""The article store: ``articles`` (keyed by canonical URL), their links (``link_rows``
naming ``link_urls``, read through the view ``links``), the ``fetches`` log of every
attempt, and (through :mod:`.versions`) every distinct text an article has had."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

from scraper.archive.backend import Backend
from scraper.archive.dialect import Dialect
from scraper.archive.schema import link_key, next_link_key
from scraper.archive.versions import VersionStore
from scraper.models import Article, FetchResult, Link
from scraper.urls import normalize_url
from scraper.when import published_columns, range_sql

# A new fetch of an archived article keeps the archived one when its text is
# under this share of the archived text, and the archived text is this long.
SHRUNK_SHARE = 0.5
SHRUNK_MIN_CHARS = 600
KEPT = "kept the archived article:"  # starts the fetch's error then
COUNTED = ("articles", "links", "fetches", "raw_pages", "versions")
# what a count of each names (``links`` is a view: its rows are link_rows')
COUNTED_FROM = {"links": "link_rows"}
LINK_BATCH = 500  # URLs per lookup (SQLite's default limit of variables is 32766)
LinkRow = tuple[str, str, int]  # url, text, in_body
PUBLISHED = ("published", "published_utc", "published_precision")
# the date an article is listed and filtered by: its publication, else when first seen
DATED = "coalesce(published_utc, first_seen)"


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
        **dict(zip(PUBLISHED, published_columns(article.published), strict=True)),
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


def filters(
    dialect: Dialect,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    site: str | None = None,
    author: str | None = None,
) -> tuple[list[str], list[str]]:
    """SQL conditions (and parameters) on ``articles a`` for the read commands' filters."""
    where, params = range_sql(since, until, DATED)
    if site:
        clause, site_params = site_filter(site, "a.host")
        where.append(clause)
        params += site_params
    if author:
        values = dialect.json_values.format("a.authors")
        where.append(f"EXISTS (SELECT 1 FROM {values} WHERE value {dialect.like} ?)")
        params.append(f"%{author}%")
    return where, params


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("authors", "tags"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row


def _link_row(link: Link) -> LinkRow:
    return (link.url, link.text, int(link.in_body))


def url_ids(db: Backend, urls: Iterable[str]) -> dict[str, int]:
    """The ``link_urls`` id of each URL, adding the URLs not kept yet.  A URL's id is its
    ``link_key``, or the first id after it that no other URL holds (one key, two URLs):
    each id from the key on is read until the URL is found or an id is free, where it
    goes (another writer may take that id first: it is read again)."""
    ids: dict[str, int] = {}
    probe = {url: link_key(url) for url in dict.fromkeys(urls)}
    while probe:
        held: dict[int, str] = {}
        it = iter(set(probe.values()))
        while batch := list(islice(it, LINK_BATCH)):
            marks = ", ".join("?" * len(batch))
            sql = f"SELECT id, url FROM link_urls WHERE id IN ({marks})"
            held.update((int(i), str(u)) for i, u in db.rows(sql, batch))
        free: list[tuple[int, str]] = []
        again: dict[str, int] = {}
        for url, key in probe.items():
            if key not in held:
                free.append((key, url))
                again[url] = key  # read back: another URL may have taken it
            elif held[key] == url:
                ids[url] = key
            else:
                again[url] = next_link_key(key)
        if free:  # most are kept: a site links them all
            free.sort()  # in key order: neighbours share B-tree pages
            db.executemany(
                "INSERT INTO link_urls (id, url) VALUES (?, ?) ON CONFLICT DO NOTHING", free
            )
        probe = again
    return ids


def insert_links(db: Backend, article_id: int, links: list[LinkRow]) -> int:
    """Add an article's links (url, text, in_body), in order; returns how many."""
    if links:
        ids = url_ids(db, (url for url, _, _ in links))
        db.executemany(
            "INSERT INTO link_rows (article_id, url_id, text, in_body) VALUES (?, ?, ?, ?)",
            [(article_id, ids[url], text, in_body) for url, text, in_body in links],
        )
    return len(links)


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
        self.versions = VersionStore(db)

    # ----------------------------------------------------------------- writes
    def put(self, key: str, fetch: FetchResult, article: Article) -> Stored:
        """Insert or update the article keyed ``key`` and its links from a fetched
        page.  A new text under ``SHRUNK_SHARE`` of the stored one's does not
        replace it (``Stored.kept`` says why), and is no version of it.  When the text
        changes, the text it replaces is kept in its version row (``Stored.changed``: the
        caller adds the new version once the fetch is logged).  Call inside a transaction."""
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
            row = {**values, "first_seen": fetched_at}
            # an upsert: another writer (a worker on another site) may store the same key
            # meanwhile; then this page updates the row it stored
            article_id = self._db.insert(
                f"INSERT INTO articles ({', '.join(row)}) "
                f"VALUES ({', '.join('?' * len(row))}) ON CONFLICT (canonical_url) DO NOTHING",
                list(row.values()),
            )
            if article_id is not None:
                self._insert_links(article_id, article)
                return Stored(article_id, created=True, changed=True)
            existing = self.find(key)
            assert existing is not None
        article_id, old_hash = existing
        kept = self._shrunk(article_id, len(article.text))
        if kept:
            return Stored(article_id, created=False, changed=False, kept=kept)
        changed = old_hash != values["content_hash"]
        if changed:
            self.versions.freeze(article_id)
        self._replace(article_id, values, article)
        return Stored(article_id, created=False, changed=changed)

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
        self._db.execute("DELETE FROM link_rows WHERE article_id = ?", [article_id])
        self._insert_links(article_id, article)

    def _insert_links(self, article_id: int, article: Article) -> None:
        insert_links(self._db, article_id, [_link_row(ln) for ln in article.links])

    def update_extraction(self, article_id: int, article: Article) -> bool:
        """Replace what extraction gave an article (text, metadata, links) where it
        differs from what is stored (an extraction like the stored one writes
        nothing: no row, no link, no index entry); True when the text changed.  The
        key, URLs and fetch times stay.  Call inside a transaction."""
        found = self._differences(article_id, article)
        if found is None:
            return False
        changed, links = found
        if changed:
            assignments = ", ".join(f"{k} = ?" for k in changed)
            self._db.execute(
                f"UPDATE articles SET {assignments} WHERE id = ?", [*changed.values(), article_id]
            )
        if links is not None:
            self._db.execute("DELETE FROM link_rows WHERE article_id = ?", [article_id])
            insert_links(self._db, article_id, links)
        if changed:
            self.versions.sync_current(article_id)  # the same page's text: no new version
        return "content_hash" in changed

    def extraction_differs(self, article_id: int, article: Article) -> bool:
        """Whether ``update_extraction`` would write anything (reads only)."""
        found = self._differences(article_id, article)
        return found is not None and (bool(found[0]) or found[1] is not None)

    def _differences(
        self, article_id: int, article: Article
    ) -> tuple[dict[str, Any], list[LinkRow] | None] | None:
        """The extraction's columns that differ from the stored ones, and its link rows
        when they differ from the stored links (else None); None when no such article."""
        values = extracted(article)
        row = self._db.one(f"SELECT {', '.join(values)} FROM articles WHERE id = ?", [article_id])
        if row is None:
            return None
        stored = dict(zip(values, row, strict=True))
        changed = {k: v for k, v in values.items() if v != stored[k]}
        links = [_link_row(ln) for ln in article.links]
        old = self._db.rows(
            "SELECT url, text, in_body FROM links WHERE article_id = ? ORDER BY id", [article_id]
        )
        return changed, (None if [tuple(r) for r in old] == links else links)

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
        fetch_id = self._db.insert(
            f"INSERT INTO fetches ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        return int(fetch_id or 0)

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

    def iter(
        self,
        since: datetime | None = None,
        site: str | None = None,
        until: datetime | None = None,
        *,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Articles dated (published, else first seen) ``since <= d < until``, in id
        order or newest first, streamed from a cursor (constant memory)."""
        where, params = filters(self._db.dialect, since=since, until=until, site=site)
        sql = "SELECT * FROM articles a"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {DATED} DESC, id DESC" if newest_first else " ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        for row in self._db.dicts(sql, params):
            yield _decode(row)

    def get_by_id(self, article_id: int) -> dict[str, Any] | None:
        for row in self._db.dicts("SELECT * FROM articles WHERE id = ?", [article_id]):
            return _decode(row)
        return None

    def resolve(self, ref: str) -> int | None:
        """The id of the article ``ref`` names: its id (digits) or one of its URLs."""
        if ref.strip().isdigit():
            row = self._db.one("SELECT id FROM articles WHERE id = ?", [int(ref)])
            return int(row[0]) if row else None
        found = self.find(ref, normalize_url(ref), ref.rstrip("/"), ref.rstrip("/") + "/")
        return found[0] if found else None

    def matching(self, *, site: str | None = None, query: str | None = None) -> list[int]:
        """Ids of the articles of ``site`` that the FTS5 ``query`` finds (either may be
        None), in id order."""
        dialect = self._db.dialect
        where, params = filters(dialect, site=site)
        sql = "SELECT a.id FROM articles a"
        if query is not None:
            sql = f"SELECT a.id FROM {dialect.search_from}"
            where.insert(0, dialect.search_where)
            params.insert(0, dialect.query(query))
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._db.dicts(sql + " ORDER BY a.id", params, user_query=True)
        return [int(r["id"]) for r in rows]

    def keys_of(self, ids: list[int]) -> list[tuple[int, str]]:
        """(id, canonical URL) of these articles, in the order given."""
        keys = {}
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            marks = ", ".join("?" * len(batch))
            sql = f"SELECT id, canonical_url FROM articles WHERE id IN ({marks})"
            keys.update({int(i): str(u) for i, u in self._db.rows(sql, batch)})
        return [(i, keys[i]) for i in ids if i in keys]

    def search(
        self,
        query: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        site: str | None = None,
        author: str | None = None,
        limit: int = 20,
    ) -> list[dict[str, Any]]:
        """Articles matching the FTS5 ``query``, best (bm25) first, each with a
        ``snippet`` of its text whose matches are marked with SNIPPET_MARKS."""
        dialect = self._db.dialect
        where, params = filters(dialect, since=since, until=until, site=site, author=author)
        sql = (
            "SELECT a.id, a.canonical_url AS url, a.host, a.title, a.authors, a.published, "
            f"a.published_utc, a.first_seen, {dialect.search_rank} AS rank, "
            f"{dialect.snippet} AS snippet "
            f"FROM {dialect.search_filtered_from if where else dialect.search_from} "
            f"WHERE {dialect.search_where}"
        )
        sql += "".join(f" AND {w}" for w in where)
        sql += f" ORDER BY rank LIMIT {int(limit)}"
        rows = self._db.dicts(sql, [dialect.query(query), *params], user_query=True)
        return [_decode(r) for r in rows]

    def site_stats(self) -> dict[str, dict[str, Any]]:
        """Per site (host without www.): articles, the last fetch, failures by reason."""
        sites: dict[str, dict[str, Any]] = {}

        def site(host: str) -> dict[str, Any]:
            key = (host or "").lower().removeprefix("www.")
            return sites.setdefault(key, {"articles": 0, "last_fetch": None, "failures": {}})

        for host, n in self._db.rows("SELECT host, count(*) FROM articles GROUP BY host"):
            site(host)["articles"] += n
        instr = self._db.dialect.instr
        host_of = f"lower(substr(rest, 1, {instr}(rest || '/', '/') - 1))"  # scheme://HOST/...
        fetch_hosts = f"SELECT {host_of} AS host, error, fetched_at FROM " + (
            f"(SELECT substr(url, {instr}(url, '://') + 3) AS rest, error, fetched_at"
            " FROM fetches) AS u"
        )
        for host, last in self._db.rows(
            f"SELECT host, max(fetched_at) FROM ({fetch_hosts}) AS h GROUP BY host"
        ):
            entry = site(host)
            entry["last_fetch"] = max(filter(None, [entry["last_fetch"], last]), default=None)
        for host, error, n in self._db.rows(
            f"SELECT host, error, count(*) FROM ({fetch_hosts}) AS h WHERE error IS NOT NULL "
            "GROUP BY host, error"
        ):
            failures = site(host)["failures"]
            failures[error] = failures.get(error, 0) + n
        return sites

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
            row = self._db.one(f"SELECT count(*) FROM {COUNTED_FROM.get(table, table)}")
            counts[table] = int(row[0]) if row else 0
        return counts
