"""The archive: one SQLite file, a public interface (sqlite3, Datasette, pandas).

A package of small stores behind one seam (:class:`Archive`):

- ``articles`` (:mod:`.articles`)  articles keyed by canonical URL, their links,
  and the ``fetches`` log of every attempt, failed ones included
- ``versions`` (:mod:`.versions`)  every distinct text an article has had
- ``raw`` (:mod:`.raw`)            each distinct raw body of an article, zstd-compressed
- ``queue`` (:mod:`.queue`)        the crawl frontier, with its states, kinds and sources
- ``sites`` (:mod:`.sites`)        the sites workers crawl, each leased to one worker at a time
- ``robots`` (:mod:`.robotstxt`)   robots.txt of each origin with its validators, shared
- ``hosts`` (:mod:`.hosts`)        offsite and failing hosts: next request, pause, shared
- :mod:`.schema`                   the DDL as named, append-only migrations
- :mod:`.sqlite`                   the SQLite backend: the connection, transactions, and
  the one place where backend errors become ``ArchiveError``
- :mod:`.postgres`                 the same for PostgreSQL (``--db postgresql://...``), with
  its schema (:mod:`.pgschema`) and search query translation (:mod:`.ftsquery`)
- :mod:`.backend`, :mod:`.dialect` which backend a ``--db`` names, and the few SQL
  phrases that differ between them

The archive runs in WAL mode with a busy timeout, so readers can query it while
a writer runs; writers take the write lock when their transaction begins.
"""

from scraper.archive.articles import KEPT, SHRUNK_MIN_CHARS, SHRUNK_SHARE, Stored, text_hash
from scraper.archive.core import Archive
from scraper.archive.queue import (
    LISTINGS,
    MAX_ATTEMPTS,
    Discovered,
    Kind,
    Queued,
    Source,
    State,
)
from scraper.archive.raw import Capture, Newest, PageSource, RawPage
from scraper.archive.sites import Lease
from scraper.archive.versions import Rebuilt
from scraper.errors import ArchiveError

__all__ = [
    "KEPT",
    "LISTINGS",
    "MAX_ATTEMPTS",
    "SHRUNK_MIN_CHARS",
    "SHRUNK_SHARE",
    "Archive",
    "ArchiveError",
    "Capture",
    "Discovered",
    "Kind",
    "Lease",
    "Newest",
    "PageSource",
    "Queued",
    "RawPage",
    "Rebuilt",
    "Source",
    "State",
    "Stored",
    "text_hash",
]
