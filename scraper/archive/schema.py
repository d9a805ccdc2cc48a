"""The archive's schema: named, append-only migrations, applied when a writer opens it.

The file is a public interface (sqlite3, Datasette, pandas): the schema changes
only by appending a migration here (and documenting it in the README).  Applied
migrations are recorded in ``_sqlite_migrations`` (the table and format of
sqlite-utils' migrations, which older releases used).  They run inside the
opening writer's ``BEGIN IMMEDIATE`` transaction, so two processes opening one
archive at once apply each migration exactly once.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from scraper import when as dates
from scraper.urls import host_key, normalize_url

SET = "scraper"  # the migration set of this project in _sqlite_migrations
TABLE = "_sqlite_migrations"
Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: dict[str, Migration] = {}


def migration(name: str) -> Callable[[Migration], Migration]:
    def register(fn: Migration) -> Migration:
        assert name not in MIGRATIONS, name
        MIGRATIONS[name] = fn
        return fn

    return register


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run SQL statements one by one (``executescript`` would commit the open
    transaction first)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        conn.execute(statement)


@migration("0001_initial")
def _initial(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
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
        """,
    )


@migration("0002_frontier")
def _frontier(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
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
        """,
    )


@migration("0003_raw_pages_url")
def _raw_pages_url(conn: sqlite3.Connection) -> None:
    """``import`` asks whether a URL's payload is kept already (``RawPageStore.has``)."""
    run_script(conn, "CREATE INDEX raw_pages_url ON raw_pages(url, sha256);")


@migration("0004_fetch_headers")
def _fetch_headers(conn: sqlite3.Connection) -> None:
    """The full response headers of each fetch, from now on (``export --format warc``)."""
    run_script(conn, "ALTER TABLE fetches ADD COLUMN headers TEXT;  -- JSON array of [name, value]")


@migration("0005_published_utc")
def _published_utc(conn: sqlite3.Connection) -> None:
    """``published_utc`` (sorts right) and ``published_precision`` ('day' | 'second'),
    filled from ``published``.  Releases before it stored a date without a time as
    midnight UTC: such a value is taken as a day."""
    run_script(
        conn,
        """
        ALTER TABLE articles ADD COLUMN published_utc TEXT;
        ALTER TABLE articles ADD COLUMN published_precision TEXT;
        CREATE INDEX articles_published_utc ON articles(published_utc);
        """,
    )
    rows = conn.execute("SELECT id, published FROM articles WHERE published IS NOT NULL")
    updates = []
    for article_id, published in rows.fetchall():
        utc, precision = dates.utc_of_text(published)
        updates.append((utc, precision, article_id))
    conn.executemany(
        "UPDATE articles SET published_utc = ?, published_precision = ? WHERE id = ?", updates
    )


# The full-text index as sqlite-utils' enable_fts(["title", "text"], create_triggers=True)
# makes it, byte for byte, so `sqlite-utils search` and Datasette's search box find it.
FTS_DDL = """CREATE VIRTUAL TABLE "articles_fts" USING FTS5 (
    "title", "text",
    content="articles"
);
CREATE TRIGGER "articles_ai" AFTER INSERT ON "articles" BEGIN
  INSERT INTO "articles_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
END;
CREATE TRIGGER "articles_ad" AFTER DELETE ON "articles" BEGIN
  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text") VALUES('delete', old.rowid, old."title", old."text");
END;
CREATE TRIGGER "articles_au" AFTER UPDATE ON "articles" BEGIN
  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text") VALUES('delete', old.rowid, old."title", old."text");
  INSERT INTO "articles_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
END;
"""  # noqa: E501


FTS_TRIGGERS = ("articles_ai", "articles_ad", "articles_au")


def drop_search_index(conn: sqlite3.Connection) -> None:
    """Writes without the full-text index (a scratch archive, a shard, whose articles
    are indexed where they are merged): its triggers go, the index stays empty until
    the file is opened for writing again (``reindex``)."""
    for name in FTS_TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")


def unindexed(conn: sqlite3.Connection) -> bool:
    """Whether the full-text index's triggers are gone (``drop_search_index``)."""
    marks = ", ".join("?" * len(FTS_TRIGGERS))
    sql = f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})"
    return int(conn.execute(sql, FTS_TRIGGERS).fetchone()[0]) < len(FTS_TRIGGERS)


def reindex(conn: sqlite3.Connection) -> None:
    """The full-text index and its triggers made again, from the articles."""
    drop_search_index(conn)
    conn.execute("DROP TABLE IF EXISTS articles_fts")
    run_script(conn, FTS_DDL)
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")


@migration("0006_fts_sqlite_utils")
def _fts_sqlite_utils(conn: sqlite3.Connection) -> None:
    """The FTS index and triggers again, named and written as sqlite-utils does, rebuilt
    from the articles (0001's content='articles' was invisible to its detect_fts)."""
    run_script(
        conn,
        """
        DROP TRIGGER IF EXISTS articles_ai;
        DROP TRIGGER IF EXISTS articles_ad;
        DROP TRIGGER IF EXISTS articles_au;
        DROP TABLE IF EXISTS articles_fts;
        """,
    )
    run_script(conn, FTS_DDL)
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")


@migration("0007_url_keys")
def _url_keys(conn: sqlite3.Connection) -> None:
    """The keys of archives of earlier releases in the form ``normalize_url`` gives
    now (IDNA hosts, percent-escapes normalized, dot segments resolved, query
    parameters sorted): ``articles.canonical_url`` (and ``host``) and the crawl
    queue's ``frontier.url`` (and ``host``, ``site``).  The other URL columns
    record what was fetched or written on a page, not keys, and stay.

    Articles are never merged: when several rows meet at one new key, a row that
    holds that key already keeps it, else the one fetched last takes it; the others
    keep their old keys (reachable by them and by id, nothing lost).  Frontier rows
    that meet are one URL of the queue: the most settled one (done, skipped,
    failed, queued; then updated last) stays, under the new key.
    """
    keys: dict[str, int] = {}  # read from the key's index, not the rows (with their texts)
    moving: dict[str, list[int]] = {}
    known: dict[str, str] = {}  # new keys of articles (most are in the crawl queue too)
    for article_id, key in conn.execute("SELECT id, canonical_url FROM articles"):
        keys[key] = article_id
        if (new := known.setdefault(key, normalize_url(key))) != key:
            moving.setdefault(new, []).append(article_id)
    updates = []
    for new, ids in moving.items():
        if new in keys:
            continue  # held by an article already: it keeps it, these keep theirs
        if len(ids) > 1:  # the one fetched last takes it
            marks = ",".join("?" * len(ids))
            ids = [
                row[0]
                for row in conn.execute(
                    f"SELECT id FROM articles WHERE id IN ({marks}) "
                    "ORDER BY last_fetched DESC, id DESC LIMIT 1",
                    ids,
                )
            ]
        updates.append((new, urlsplit(new).hostname or "", ids[0]))
    # the full-text index's update trigger would index every text moved again (90 s for
    # 75,000 articles): their titles and texts stay, so it sleeps meanwhile
    trigger = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'articles_au'"
    ).fetchone()
    if trigger and updates:
        conn.execute("DROP TRIGGER articles_au")
    conn.executemany("UPDATE articles SET canonical_url = ?, host = ? WHERE id = ?", updates)
    if trigger and updates:
        conn.execute(trigger[0])

    moved_urls: dict[str, list[str]] = {}
    for (url,) in conn.execute("SELECT url FROM frontier"):
        if (new := known.get(url) or normalize_url(url)) != url:
            moved_urls.setdefault(new, []).append(url)
    gone, moved = [], []
    for new, urls in moved_urls.items():
        keep = urls[0]
        if len(urls) > 1 or conn.execute("SELECT 1 FROM frontier WHERE url = ?", [new]).fetchone():
            # one URL of the queue now: the most settled row stays, of equals the one updated last
            marks = ",".join("?" * (len(urls) + 1))
            keep = conn.execute(
                f"SELECT url FROM frontier WHERE url IN ({marks}) ORDER BY CASE state "
                "WHEN 'done' THEN 0 WHEN 'skipped' THEN 1 WHEN 'failed' THEN 2 ELSE 3 END, "
                "updated_at DESC LIMIT 1",
                [new, *urls],
            ).fetchone()[0]
        gone += [(url,) for url in [new, *urls] if url != keep]
        if keep != new:
            moved.append((new, urlsplit(new).netloc, keep))
    conn.executemany("DELETE FROM frontier WHERE url = ?", gone)
    conn.executemany("UPDATE frontier SET url = ?, host = ? WHERE url = ?", moved)
    sites = [
        (new, site)
        for (site,) in conn.execute("SELECT DISTINCT site FROM frontier").fetchall()
        if (new := host_key(normalize_url(f"http://{site}/"))) and new != site
    ]
    conn.executemany("UPDATE frontier SET site = ? WHERE site = ?", sites)


# The newest raw page an article's text was archived from (not one a shrink guard kept out).
NEWEST_ARCHIVED_RAW = """SELECT max(r.id) FROM raw_pages r LEFT JOIN fetches f ON f.id = r.fetch_id
    WHERE r.article_id = a.id AND f.error IS NULL"""


@migration("0008_versions")
def _versions(conn: sqlite3.Connection) -> None:
    """Every distinct text an article has had (``versions``), and the view
    ``article_versions`` that reads them with their text.  The current version's
    text is the article's own (``articles.text``), not stored twice: its ``text`` is
    NULL.  Each archived article's current text becomes its version 1."""
    run_script(
        conn,
        """
        CREATE TABLE versions (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,       -- 1, 2, ... in the order the texts were archived
            fetch_id INTEGER REFERENCES fetches(id) ON DELETE SET NULL,
            raw_page_id INTEGER REFERENCES raw_pages(id) ON DELETE SET NULL,
            fetched_at TEXT NOT NULL,       -- when this text was first fetched (UTC)
            content_hash TEXT NOT NULL,     -- sha256 of the text
            title TEXT,
            text TEXT,                      -- NULL for the current version: articles.text
            word_count INTEGER NOT NULL DEFAULT 0,
            modified TEXT,                  -- the page's own modified date (ISO 8601)
            UNIQUE (article_id, version)
        );
        CREATE INDEX versions_fetch ON versions(fetch_id);
        CREATE INDEX versions_raw_page ON versions(raw_page_id);
        CREATE VIEW article_versions AS
        SELECT v.id, v.article_id, a.canonical_url, v.version, v.fetch_id, v.raw_page_id,
            v.fetched_at, v.content_hash, v.title,
            CASE WHEN v.text IS NULL THEN a.text ELSE v.text END AS text,
            v.word_count, v.modified, v.text IS NULL AS current
        FROM versions v JOIN articles a ON a.id = v.article_id;
        """,
    )
    conn.execute(
        "INSERT INTO versions (article_id, version, fetch_id, raw_page_id, fetched_at, "
        "content_hash, title, text, word_count, modified) "
        "SELECT a.id, 1, r.fetch_id, r.id, coalesce(r.fetched_at, a.last_fetched), "
        "a.content_hash, a.title, NULL, a.word_count, a.modified "
        f"FROM articles a LEFT JOIN raw_pages r ON r.id = ({NEWEST_ARCHIVED_RAW}) ORDER BY a.id"
    )


@migration("0009_search_filters")
def _search_filters(conn: sqlite3.Connection) -> None:
    """A covering index of the columns search filters on (``--site``, ``--since``,
    ``--until``).  An article row holds its text before these columns, so reading
    them from the table reads every matching article's text (its overflow pages):
    ``search government --since ...`` took 420 ms on 100,000 articles, 140 ms with it."""
    conn.execute("CREATE INDEX articles_filters ON articles(id, host, published_utc, first_seen)")


# the sites workers crawl (``scraper sites``, ``scraper worker``); the same DDL on
# PostgreSQL but for the text collation (pgschema)
SITES = """
CREATE TABLE sites (
    site {text} PRIMARY KEY,              -- host without www. (frontier.site)
    seeds {text} NOT NULL,                -- JSON array of seed URLs
    interval_seconds {integer} NOT NULL,  -- between the end of a run and the next
    next_run {text} NOT NULL,             -- UTC; due when next_run <= now
    lease_owner {text},                   -- the worker crawling it now
    lease_expires {text},                 -- UTC; past it, another worker may take the site
    paused {integer} NOT NULL DEFAULT 0,
    failures {integer} NOT NULL DEFAULT 0, -- runs in a row with problems
    idle_runs {integer} NOT NULL DEFAULT 0, -- runs in a row that archived nothing new
    crawl_delay {real},                   -- seconds between requests; NULL: the worker's --delay
    added_at {text} NOT NULL,
    last_run {text},                      -- when the last run ended
    last_result {text}                    -- its summary
);
CREATE INDEX sites_due ON sites(paused, next_run);
"""


@migration("0010_sites")
def _sites(conn: sqlite3.Connection) -> None:
    """The sites workers crawl, each leased by one worker at a time."""
    run_script(conn, SITES.format(text="TEXT", integer="INTEGER", real="REAL"))


# links: each distinct URL once (link_urls), each link a small row naming it (link_rows),
# read as before through the view ``links``; the DDL of both backends (pgschema: text
# collated "C", identity keys)
LINKS_VIEW = """CREATE VIEW links AS
SELECT l.id, l.article_id, u.url, l.text, l.in_body
FROM link_rows l JOIN link_urls u ON u.id = l.url_id"""


def link_urls_ddl(
    text: str = "TEXT", key: str = "INTEGER PRIMARY KEY", integer: str = "INTEGER"
) -> str:
    """Migration 0010's SQL, from the old ``links`` table (for both backends)."""
    return f"""
        CREATE TABLE link_urls (
            id {key},
            url {text} NOT NULL UNIQUE
        );
        INSERT INTO link_urls (url) SELECT url FROM links GROUP BY url ORDER BY min(id);
        CREATE TABLE link_rows (
            id {key},
            article_id {integer} NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            url_id {integer} NOT NULL REFERENCES link_urls(id),
            text {text} NOT NULL DEFAULT '',
            in_body {integer} NOT NULL DEFAULT 0
        );
        INSERT INTO link_rows (id, article_id, url_id, text, in_body)
            SELECT l.id, l.article_id, u.id, l.text, l.in_body
            FROM links l JOIN link_urls u ON u.url = l.url ORDER BY l.id;
        DROP TABLE links;
        CREATE INDEX link_rows_article ON link_rows(article_id);
        {LINKS_VIEW};
        """


@migration("0011_link_urls")
def _link_urls(conn: sqlite3.Connection) -> None:
    """Links took a third of an archive (27.9 KB an article on the bench crawl, half of
    it the index of their URLs): a site's pages link the same URLs on every page.  Each
    distinct URL is kept once (``link_urls``), a link is a row of ids (``link_rows``), and
    ``links`` is a view with the columns of the table it replaces (same ids).  The index of
    link URLs goes (no query of the tool used it; ``link_urls.url`` is unique)."""
    run_script(conn, link_urls_ddl())


# robots.txt of each origin with its validators, shared by every worker (the same DDL
# on PostgreSQL but for the text collation)
ROBOTS = """
CREATE TABLE robots (
    origin {text} PRIMARY KEY,            -- scheme://host[:port]
    status {integer} NOT NULL,            -- the HTTP status of the last full answer (2xx, 4xx)
    body {text},                          -- the robots.txt read (its first 500 KiB); NULL for a 4xx
    etag {text},                          -- validators of that answer, sent to revalidate it
    last_modified {text},
    fetched_at {text} NOT NULL,           -- UTC: when the body was fetched
    checked_at {text} NOT NULL            -- UTC: when fetched or last revalidated (a 304)
);
"""


@migration("0012_robots")
def _robots(conn: sqlite3.Connection) -> None:
    """robots.txt cached in the archive with its validators, so every worker shares it."""
    run_script(conn, ROBOTS.format(text="TEXT", integer="INTEGER"))


# hosts any worker may fetch (outside the sites it holds, or failing): their next
# request's time and pause, shared (the same DDL on PostgreSQL but for the collation)
HOSTS = """
CREATE TABLE hosts (
    host {text} PRIMARY KEY,              -- host[:port], lower-cased
    next_at {text},                       -- UTC: no request to it before (a slot taken)
    paused_until {text},                  -- UTC: a failing host's pause
    failures {integer} NOT NULL DEFAULT 0, -- pauses in a row, with no answer in between
    updated_at {text} NOT NULL
);
"""


@migration("0013_hosts")
def _hosts(conn: sqlite3.Connection) -> None:
    """A pause or a delay of a host shared by every worker on the archive."""
    run_script(conn, HOSTS.format(text="TEXT", integer="INTEGER"))


# link_urls keyed by a hash of the URL (migration 0014): a URL's id is found from the URL
# itself, so no index of the URLs is kept (it took a fifth of the links' room).
LINK_KEY_MAX = (1 << 63) - 1
# the same key in PostgreSQL's SQL, for its migration
PG_LINK_KEY = (
    "('x' || encode(substr(sha256(convert_to({url}, 'UTF8')), 1, 8), 'hex'))::bit(64)::bigint"
)


def link_key(url: str) -> int:
    """The first slot of a URL in ``link_urls``: the first 8 bytes of the SHA-256 of its
    UTF-8, a signed 64-bit integer.  Another URL holding that id (two URLs with one hash,
    never seen) sends it to the next free id (``next_link_key``)."""
    digest = hashlib.sha256(url.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def next_link_key(key: int) -> int:
    return key + 1 if key < LINK_KEY_MAX else -LINK_KEY_MAX - 1


def link_keys(urls: list[str]) -> list[int]:
    """Each URL's id, in order, as a ``link_urls`` holding only these URLs gives them."""
    taken: set[int] = set()
    keys = []
    for url in urls:
        key = link_key(url)
        while key in taken:
            key = next_link_key(key)
        taken.add(key)
        keys.append(key)
    return keys


LINK_ROWS = """
CREATE TABLE link_rows (
    id {key},
    article_id {integer} NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    url_id {integer} NOT NULL REFERENCES link_urls(id),
    text {text} NOT NULL DEFAULT '',
    in_body {integer} NOT NULL DEFAULT 0
);"""


@migration("0014_link_keys")
def _link_keys(conn: sqlite3.Connection) -> None:
    """Each link URL's id is a hash of it (``link_key``), so ``link_urls`` needs no index
    of its URLs (an archive's links 2.2 KB an article smaller on the bench crawl): the
    ids of ``link_urls`` and ``link_rows.url_id`` are rewritten; ``links`` reads as before."""
    olds = conn.execute("SELECT id, url FROM link_urls ORDER BY id").fetchall()
    keys = link_keys([str(url) for _, url in olds])
    run_script(
        conn,
        "PRAGMA defer_foreign_keys = ON;\n"
        "CREATE TEMP TABLE link_key_map (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);",
    )
    conn.executemany(
        "INSERT INTO temp.link_key_map VALUES (?, ?)",
        [(old, key) for (old, _), key in zip(olds, keys, strict=True)],
    )
    run_script(
        conn,
        f"""
        DROP VIEW links;
        DROP INDEX link_rows_article;
        ALTER TABLE link_rows RENAME TO link_rows_old;
        ALTER TABLE link_urls RENAME TO link_urls_old;
        CREATE TABLE link_urls (id INTEGER PRIMARY KEY, url TEXT NOT NULL);
        INSERT INTO link_urls (id, url)
            SELECT m.new, u.url FROM link_urls_old u JOIN temp.link_key_map m ON m.old = u.id;
        {LINK_ROWS.format(key="INTEGER PRIMARY KEY", integer="INTEGER", text="TEXT")}
        INSERT INTO link_rows (id, article_id, url_id, text, in_body)
            SELECT l.id, l.article_id, m.new, l.text, l.in_body
            FROM link_rows_old l JOIN temp.link_key_map m ON m.old = l.url_id ORDER BY l.id;
        DROP TABLE link_rows_old;
        DROP TABLE link_urls_old;
        DROP TABLE temp.link_key_map;
        CREATE INDEX link_rows_article ON link_rows(article_id);
        {LINKS_VIEW};
        """,
    )


# zstd dictionaries of raw pages, one a site, trained by ``scraper compact``; a raw page
# compressed with one names it (dict_id; NULL: a plain zstd frame, as before)
RAW_DICTS = """
CREATE TABLE raw_dicts (
    id {key},
    site {text} NOT NULL,                 -- the host (articles.host) whose pages it learned from
    pages {integer} NOT NULL,             -- raw pages it was trained on
    created_at {text} NOT NULL,
    body {blob} NOT NULL                  -- the zstd dictionary
);
CREATE INDEX raw_dicts_site ON raw_dicts(site);
ALTER TABLE raw_pages ADD COLUMN dict_id {integer} REFERENCES raw_dicts(id);
"""


@migration("0015_raw_dicts")
def _raw_dicts(conn: sqlite3.Connection) -> None:
    """Raw pages of a site compressed with a zstd dictionary trained on its pages."""
    run_script(
        conn,
        RAW_DICTS.format(key="INTEGER PRIMARY KEY", text="TEXT", integer="INTEGER", blob="BLOB"),
    )


# the DDL sqlite-utils wrote for it, byte for byte (the schema is public)
_MIGRATIONS_TABLE = f"""CREATE TABLE IF NOT EXISTS "{TABLE}" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS "idx_{TABLE}_migration_set_name"
    ON "{TABLE}" ("migration_set", "name");
"""


def applied(conn: sqlite3.Connection) -> list[str]:
    """Names of the migrations applied to the archive, oldest first."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [TABLE]
    ).fetchone()
    if exists is None:
        return []
    rows = conn.execute(f"SELECT name FROM {TABLE} WHERE migration_set = ? ORDER BY id", [SET])
    return [str(r[0]) for r in rows]


def pending(conn: sqlite3.Connection) -> list[str]:
    done = set(applied(conn))
    return [name for name in MIGRATIONS if name not in done]


def unknown(conn: sqlite3.Connection) -> list[str]:
    """Applied migrations this release does not know (a newer release wrote them)."""
    return [name for name in applied(conn) if name not in MIGRATIONS]


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply the pending migrations; the caller holds the write transaction.
    Returns the names applied."""
    run_script(conn, _MIGRATIONS_TABLE)
    names = pending(conn)
    for name in names:
        MIGRATIONS[name](conn)
        conn.execute(
            f"INSERT INTO {TABLE} (migration_set, name, applied_at) VALUES (?, ?, ?)",
            [SET, name, str(datetime.now(UTC))],
        )
    return names
