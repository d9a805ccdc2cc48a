"""The raw-page store: each distinct response body of an article, zstd-compressed
(``raw_pages``), so a newer extractor can run again without fetching.  WARC
records will live here."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import zstandard

from scraper.archive.articles import iso, site_filter, utcnow
from scraper.archive.backend import Backend
from scraper.models import FetchResult


class RawPage(NamedTuple):
    url: str
    encoding: str | None  # the charset the HTTP header declared
    body: bytes | None  # None when the stored body cannot be decompressed


class Capture(NamedTuple):
    """A stored raw page with what its fetch recorded, for a WARC response record."""

    raw_id: int
    url: str
    fetched_at: str
    encoding: str | None
    body: bytes | None  # None when it cannot be decompressed
    status: int | None
    content_type: str | None
    headers: list[tuple[str, str]] | None  # None when the fetch predates stored headers
    etag: str | None
    last_modified: str | None
    error: str | None  # set when the page was kept out (the article kept its text)


class Newest(NamedTuple):
    """The newest raw page an article's stored text was extracted from."""

    article_id: int
    raw_id: int
    url: str  # the article's canonical URL


# zstd level of raw pages. On the bench crawl's 2,200 pages (153 KB each): level 3 5.25x
# (0.7 ms a page), 6 5.66x (2.4 ms), 9 5.77x (3.6 ms), 12 5.82x (10 ms), 15 5.94x (24 ms):
# 6 is the knee, 7% smaller than 3 for 1.7 ms more of a worker's CPU a page. Level 3 is
# kept: a crawl on two cores is bound by CPU (the worker's ~10 ms a page would grow by a
# sixth), and 7% of the raw pages is 3% of the archive.
RAW_LEVEL = 3


# A site's raw pages compressed with a zstd dictionary trained on them (``scraper
# compact``): pages of one site share their template.  Figures: bench/raw_compression_bench.
DICT_SIZE = 112_000  # bytes of a dictionary
DICT_SAMPLES = 200  # pages a dictionary learns from, spread over the site's pages
DICT_MIN_PAGES = 50  # a site with fewer raw pages without a dictionary gets none yet
COMPACT_BATCH = 100  # raw pages recompressed a transaction


def _dictionary(body: bytes | memoryview) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(bytes(body))


@dataclass(slots=True)
class Compacted:
    """What ``compact`` did."""

    sites: int = 0  # sites whose raw pages were recompressed
    dictionaries: int = 0  # dictionaries trained
    pages: int = 0  # raw pages recompressed
    before: int = 0  # bytes those pages took before
    after: int = 0  # and after


class Packed(NamedTuple):
    """A body as ``raw_pages`` keeps it: its sha256, its size, and zstd-compressed."""

    sha256: str
    size: int
    body: bytes


def pack(body: bytes, sha256: str | None = None) -> Packed:
    """Hash and compress a body (about 3 ms for a 150 KB page): the crawl does this in
    its extraction workers, so the event loop only writes the result.  ``sha256``: the
    body's, when it is known already (an import hashed it to find it archived)."""
    compressed = zstandard.ZstdCompressor(level=RAW_LEVEL).compress(body)
    return Packed(sha256 or hashlib.sha256(body).hexdigest(), len(body), compressed)


class PageSource(NamedTuple):
    """A raw page an article's text was archived from (a version's page)."""

    raw_id: int
    fetch_id: int | None
    fetched_at: str
    url: str
    encoding: str | None
    body: bytes | None  # None when it cannot be decompressed


class RawPageStore:
    def __init__(self, db: Backend) -> None:
        self._db = db
        # a decompressor per dictionary (None: plain frames), made once it is needed
        self._unpackers: dict[int | None, zstandard.ZstdDecompressor] = {
            None: zstandard.ZstdDecompressor()
        }

    def unpack(self, body: bytes | None, dict_id: int | None) -> bytes | None:
        """A stored body decompressed (with its dictionary, if it names one); None when
        it cannot be."""
        try:
            unpacker = self._unpackers.get(dict_id)
            if unpacker is None:
                row = self._db.one("SELECT body FROM raw_dicts WHERE id = ?", [dict_id])
                if row is None:
                    return None
                unpacker = zstandard.ZstdDecompressor(dict_data=_dictionary(row[0]))
                self._unpackers[dict_id] = unpacker
            return unpacker.decompress(body)
        except (zstandard.ZstdError, TypeError):
            return None

    def put(
        self,
        article_id: int,
        fetch_id: int | None,
        fetch: FetchResult,
        packed: Packed | None = None,
    ) -> int:
        """Keep ``fetch``'s body for the article, unless that very body is kept already;
        ``packed`` is ``pack(fetch.body)`` when a worker made it already.  Returns the id
        of its row (new or the one kept before)."""
        if packed is None:
            packed = pack(fetch.body)
        raw_id = self._db.insert(
            "INSERT INTO raw_pages "
            "(article_id, fetch_id, url, fetched_at, encoding, sha256, size, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [
                article_id,
                fetch_id,
                fetch.final_url or fetch.url,
                iso(fetch.fetched_at) or utcnow(),
                fetch.encoding,
                packed.sha256,
                packed.size,
                packed.body,
            ],
        )
        if raw_id is not None:
            return raw_id
        row = self._db.one(
            "SELECT id FROM raw_pages WHERE article_id = ? AND sha256 = ?",
            [article_id, packed.sha256],
        )
        return int(row[0]) if row else 0

    def has(self, url: str, sha256: str) -> bool:
        """Whether a body with this sha256 is kept for this URL (``import`` skips it)."""
        row = self._db.one(
            "SELECT 1 FROM raw_pages WHERE url = ? AND sha256 = ? LIMIT 1", [url, sha256]
        )
        return row is not None

    def captures(self, article_id: int) -> Iterator[Capture]:
        """The article's raw pages, oldest first, with their fetches' status and headers."""
        rows = self._db.rows(
            "SELECT r.id, r.url, r.fetched_at, r.encoding, r.body, r.dict_id, f.status,"
            " f.content_type, f.headers, f.etag, f.last_modified, f.error FROM raw_pages r"
            " LEFT JOIN fetches f ON f.id = r.fetch_id WHERE r.article_id = ? ORDER BY r.id",
            [article_id],
        )
        for raw_id, url, at, enc, body, dict_id, status, ctype, headers, etag, lm, error in rows:
            data = self.unpack(body, dict_id)
            pairs = [(str(k), str(v)) for k, v in json.loads(headers)] if headers else None
            yield Capture(raw_id, url, at, enc, data, status, ctype, pairs, etag, lm, error)

    def archived(self, article_id: int) -> list[PageSource]:
        """The raw pages the article's texts were archived from (not those a shrink
        guard kept out), oldest first."""
        rows = self._db.rows(
            "SELECT r.id, r.fetch_id, r.fetched_at, r.url, r.encoding, r.body, r.dict_id "
            "FROM raw_pages r "
            "LEFT JOIN fetches f ON f.id = r.fetch_id WHERE r.article_id = ? AND f.error IS NULL "
            "ORDER BY r.fetched_at, r.id",
            [article_id],
        )
        return [PageSource(*row[:5], self.unpack(row[5], row[6])) for row in rows]

    def page_of(self, article_id: int, version: int | None = None) -> bytes | str:
        """The body (decompressed) of the article's newest archived page, or of the page
        its version ``version`` was extracted from; a str says why there is none."""
        if version is None:
            row = self._db.one(
                "SELECT max(r.id) FROM raw_pages r LEFT JOIN fetches f ON f.id = r.fetch_id "
                "WHERE r.article_id = ? AND f.error IS NULL",
                [article_id],
            )
            raw_id = row[0] if row else None
            if raw_id is None:
                return "no raw page kept"
        else:
            row = self._db.one(
                "SELECT raw_page_id FROM versions WHERE article_id = ? AND version = ?",
                [article_id, version],
            )
            if row is None:
                last = self._db.one(
                    "SELECT max(version) FROM versions WHERE article_id = ?", [article_id]
                )
                n = int(last[0]) if last and last[0] else 0
                return f"no version {version} (it has {'1' if n == 1 else f'1-{n}'})"
            raw_id = row[0]
            if raw_id is None:
                return f"the raw page of version {version} is no longer kept"
        page = self.get(int(raw_id))
        if page is None or page.body is None:
            return "its raw page cannot be read"
        return page.body

    def get(self, raw_id: int) -> RawPage | None:
        row = self._db.one(
            "SELECT url, encoding, body, dict_id FROM raw_pages WHERE id = ?", [raw_id]
        )
        if row is None:
            return None
        return RawPage(row[0], row[1], self.unpack(row[2], row[3]))

    def newest_body(self, article_id: int) -> bytes | None:
        """The newest raw body stored for an article, decompressed."""
        row = self._db.one(
            "SELECT id FROM raw_pages WHERE article_id = ? ORDER BY id DESC LIMIT 1", [article_id]
        )
        page = self.get(int(row[0])) if row else None
        return page.body if page else None

    def newest_archived(self, site: str | None = None) -> list[Newest]:
        """Every article with a stored raw page, with its newest one that was archived
        as its text (not one a shrink guard kept out), in article id order."""
        sql = (
            "SELECT a.id, max(r.id), a.canonical_url FROM articles a "
            "JOIN raw_pages r ON r.article_id = a.id "
            # not the page of a fetch that was kept out (its error says why)
            "LEFT JOIN fetches f ON f.id = r.fetch_id WHERE f.error IS NULL"
        )
        params: list[str] = []
        if site:
            clause, params = site_filter(site, "a.host")
            sql += f" AND {clause}"
        rows = self._db.rows(sql + " GROUP BY a.id ORDER BY a.id", params)
        return [Newest(int(a), int(r), str(u)) for a, r, u in rows]

    # ------------------------------------------------------------ dictionaries
    def plain_sites(self, site: str | None = None) -> list[tuple[str, int]]:
        """Each site (``articles.host``) with raw pages compressed without a dictionary,
        and how many."""
        sql = (
            "SELECT a.host, count(*) FROM raw_pages r JOIN articles a ON a.id = r.article_id "
            "WHERE r.dict_id IS NULL"
        )
        params: list[str] = []
        if site:
            clause, params = site_filter(site, "a.host")
            sql += f" AND {clause}"
        return [(str(h), int(n)) for h, n in self._db.rows(sql + " GROUP BY a.host", params)]

    def plain_ids(self, host: str) -> list[int]:
        rows = self._db.rows(
            "SELECT r.id FROM raw_pages r JOIN articles a ON a.id = r.article_id "
            "WHERE a.host = ? AND r.dict_id IS NULL ORDER BY r.id",
            [host],
        )
        return [int(r[0]) for r in rows]

    def dictionary_of(self, host: str) -> tuple[int, bytes] | None:
        """The site's newest dictionary: its id and body."""
        row = self._db.one(
            "SELECT id, body FROM raw_dicts WHERE site = ? ORDER BY id DESC LIMIT 1", [host]
        )
        return (int(row[0]), bytes(row[1])) if row else None

    def train(self, ids: list[int]) -> tuple[bytes, int] | None:
        """A dictionary trained on up to ``DICT_SAMPLES`` of the raw pages ``ids`` (spread
        over them) and how many it learned from; None when zstd cannot make one of them
        (too few or too small)."""
        step = max(1, len(ids) // DICT_SAMPLES)
        bodies = []
        for raw_id in ids[::step][:DICT_SAMPLES]:
            page = self.get(raw_id)
            if page is not None and page.body is not None:
                bodies.append(page.body)
        try:
            trained = zstandard.train_dictionary(DICT_SIZE, bodies, level=RAW_LEVEL)
        except zstandard.ZstdError:
            return None
        return trained.as_bytes(), len(bodies)

    def add_dictionary(self, host: str, body: bytes, pages: int) -> int:
        return int(
            self._db.insert(
                "INSERT INTO raw_dicts (site, pages, created_at, body) VALUES (?, ?, ?, ?)",
                [host, pages, utcnow(), body],
            )
            or 0
        )

    def recompress(self, ids: list[int], dict_id: int, body: bytes) -> tuple[int, int, int]:
        """Compress again with the dictionary ``dict_id`` (``body``) the raw pages ``ids``
        that have none, where it makes them smaller; returns (pages, bytes before, after)."""
        packer = zstandard.ZstdCompressor(level=RAW_LEVEL, dict_data=_dictionary(body))
        marks = ", ".join("?" * len(ids))
        rows = list(
            self._db.rows(
                f"SELECT id, body FROM raw_pages WHERE dict_id IS NULL AND id IN ({marks})", ids
            )
        )
        done = before = after = 0
        for raw_id, old in rows:
            data = self.unpack(old, None)
            if data is None:
                continue
            new = packer.compress(data)
            if len(new) >= len(old):
                continue
            self._db.execute(
                "UPDATE raw_pages SET body = ?, dict_id = ? WHERE id = ?", [new, dict_id, raw_id]
            )
            done, before, after = done + 1, before + len(old), after + len(new)
        return done, before, after
