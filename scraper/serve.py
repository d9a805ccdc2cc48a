"""``scraper serve``: the archive in Datasette, read-only, described and searchable.

Datasette is an optional extra (``pip install 'scraper[serve]'``); this module
imports it only in :func:`run`.  :func:`metadata` builds Datasette's metadata
from :data:`TABLES` and :data:`VIEWS`, the descriptions of every table, view and
column of the archive
(the same as the README's schema table; a test keeps the three in step), plus
the facets, the full-text search box and the canned queries.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from scraper.archive.sqlite import check_archive
from scraper.errors import UsageError

INSTALL_HINT = "datasette is not installed; install it with: pip install 'scraper[serve]'"

# table -> (description, {column: description}); every column of the archive is here
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "articles": (
        "One row per article, keyed by its canonical URL; a refetch updates it.",
        {
            "id": "Article id.",
            "canonical_url": "The URL the article is archived under (its canonical link).",
            "url": "The URL the page was fetched from.",
            "host": "Host of canonical_url.",
            "title": "Headline.",
            "authors": "JSON array of author names.",
            "published": "Publication date as the page gave it (ISO 8601, or YYYY-MM-DD).",
            "modified": "Modification date as the page gave it (ISO 8601).",
            "site_name": "Name of the site (og:site_name and the like).",
            "language": "Language code of the text.",
            "description": "The page's summary (meta description).",
            "image": "URL of the lead image.",
            "section": "Section of the site.",
            "tags": "JSON array of tags and keywords.",
            "text": "The article's text, boilerplate removed.",
            "markdown": "The article as Markdown.",
            "word_count": "Words in text.",
            "content_hash": "sha256 of text.",
            "first_seen": "When the article was first archived (UTC).",
            "last_fetched": "When it was last fetched (UTC).",
            "published_utc": "The publication date in UTC (YYYY-MM-DD for a day): sorts.",
            "published_precision": "second, or day for a date given without a time.",
        },
    ),
    "link_rows": (
        "The links of each article's page, their URLs by id; read them in the view links.",
        {
            "id": "Link id.",
            "article_id": "The article (articles.id).",
            "url_id": "The link's URL (link_urls.id).",
            "text": "The link's text.",
            "in_body": "1 inside the article body, 0 elsewhere on the page.",
        },
    ),
    "link_urls": (
        "Each distinct URL links point to, once.",
        {
            "id": "URL id: a 64-bit hash of the URL (its SHA-256's first 8 bytes).",
            "url": "Absolute URL.",
        },
    ),
    "fetches": (
        "Every fetch attempt, failed ones too.",
        {
            "id": "Fetch id.",
            "url": "The URL asked for.",
            "final_url": "The URL after redirects.",
            "status": "HTTP status.",
            "error": "Why nothing was archived; NULL when the page was archived.",
            "content_type": "Content-Type of the response.",
            "bytes": "Size of the response body.",
            "elapsed_ms": "Milliseconds the fetch took.",
            "fetched_at": "When (UTC).",
            "etag": "The response's ETag.",
            "last_modified": "The response's Last-Modified.",
            "article_id": "The article archived from it (articles.id).",
            "headers": "The response headers, a JSON array of [name, value] (NULL in older rows).",
        },
    ),
    "raw_pages": (
        "Each distinct raw page of an article, zstd-compressed.",
        {
            "id": "Raw page id.",
            "article_id": "The article (articles.id).",
            "fetch_id": "The fetch it came from (fetches.id).",
            "url": "The URL it was fetched from.",
            "fetched_at": "When (UTC).",
            "encoding": "Charset the HTTP header declared.",
            "sha256": "sha256 of the uncompressed body.",
            "size": "Size of the uncompressed body.",
            "body": "The response body, zstd-compressed (with raw_dicts.body if dict_id is set).",
            "dict_id": "The zstd dictionary it is compressed with (raw_dicts.id); NULL: none.",
        },
    ),
    "raw_dicts": (
        "zstd dictionaries of raw pages, one a site, trained by scraper compact.",
        {
            "id": "Dictionary id.",
            "site": "The host (articles.host) whose raw pages it was trained on.",
            "pages": "How many raw pages it was trained on.",
            "created_at": "When (UTC).",
            "body": "The zstd dictionary.",
        },
    ),
    "versions": (
        "Every distinct text an article has had, oldest first; read them with their text "
        "in the view article_versions.",
        {
            "id": "Version row id.",
            "article_id": "The article (articles.id).",
            "version": "1, 2, ... in the order the texts were archived.",
            "fetch_id": "The fetch that brought this text (fetches.id).",
            "raw_page_id": "The raw page the text was extracted from (raw_pages.id).",
            "fetched_at": "When this text was first fetched (UTC).",
            "content_hash": "sha256 of the text.",
            "title": "Headline of this version.",
            "text": "The text; NULL for the current version, whose text is articles.text.",
            "word_count": "Words in the text.",
            "modified": "The page's own modified date (ISO 8601).",
        },
    ),
    "frontier": (
        "The crawl queue: every URL a crawl has discovered.",
        {
            "url": "Normalized URL.",
            "site": "The crawl it belongs to (its seed's host, no www.).",
            "host": "Host of the URL.",
            "state": "queued, done, failed or skipped.",
            "kind": "page, article, index, sitemap or feed.",
            "priority": "Queued URLs are fetched lowest first.",
            "depth": "Links followed from the seed.",
            "source": "seed, robots, sitemap, feed, link or next.",
            "lastmod": "Newest date a sitemap or feed gave (UTC).",
            "title": "Title a news sitemap or feed gave.",
            "revisit": "1: archived, but lastmod says it changed.",
            "attempts": "Failed fetches (retried while under 3).",
            "reason": "Why it failed or was skipped.",
            "discovered_at": "When it was first found (UTC).",
            "updated_at": "When its row last changed (UTC).",
        },
    ),
    "sites": (
        "The sites workers crawl (scraper sites, scraper worker), each leased to one at a time.",
        {
            "site": "Host without www. (frontier.site).",
            "seeds": "Seed URLs (JSON array).",
            "interval_seconds": "Seconds from the end of a run to the next.",
            "next_run": "When it is due (UTC).",
            "lease_owner": "The worker crawling it now (host:pid:tag).",
            "lease_expires": "Past it, another worker may take the site (UTC).",
            "paused": "1: not crawled (scraper sites pause).",
            "failures": "Runs in a row with problems.",
            "idle_runs": "Runs in a row that archived nothing new (each doubles the wait).",
            "crawl_delay": "Seconds between requests (NULL: the worker's --delay).",
            "added_at": "When it was added (UTC).",
            "last_run": "When its last run ended (UTC).",
            "last_result": "The last run's summary.",
        },
    ),
    "robots": (
        "The robots.txt of each origin a crawl read, with its validators, shared by workers.",
        {
            "origin": "scheme://host[:port].",
            "status": "HTTP status of the last full answer (2xx; 4xx: no rules).",
            "body": "The robots.txt read (its first 500 KiB; NULL for a 4xx).",
            "etag": "The answer's ETag, sent as If-None-Match to revalidate it.",
            "last_modified": "The answer's Last-Modified, sent as If-Modified-Since.",
            "fetched_at": "When the body was fetched (UTC).",
            "checked_at": "When fetched or last confirmed by a 304 (UTC): used 24 h from it.",
        },
    ),
    "hosts": (
        "Hosts any worker may fetch (offsite, or failing): next request and pause, shared.",
        {
            "host": "host[:port], lower-cased.",
            "next_at": "No request to it before (UTC): the last slot taken, plus its delay.",
            "paused_until": "A failing host's pause (UTC): no worker requests it before.",
            "failures": "Pauses in a row with no answer in between.",
            "updated_at": "When the row last changed (UTC).",
        },
    ),
}
# view -> (description, {column: description})
VIEWS: dict[str, tuple[str, dict[str, str]]] = {
    "links": (
        "The links of each article's page, with their URLs.",
        {
            "id": "Link id.",
            "article_id": "The article (articles.id).",
            "url": "Absolute URL of the link.",
            "text": "The link's text.",
            "in_body": "1 inside the article body, 0 elsewhere on the page.",
        },
    ),
    "article_versions": (
        "Every version of every article with its text (the current one's from articles).",
        {
            "id": "Version row id (versions.id).",
            "article_id": "The article (articles.id).",
            "canonical_url": "The article's canonical URL.",
            "version": "1, 2, ... in the order the texts were archived.",
            "fetch_id": "The fetch that brought this text (fetches.id).",
            "raw_page_id": "The raw page the text was extracted from (raw_pages.id).",
            "fetched_at": "When this text was first fetched (UTC).",
            "content_hash": "sha256 of the text.",
            "title": "Headline of this version.",
            "text": "The version's text.",
            "word_count": "Words in the text.",
            "modified": "The page's own modified date (ISO 8601).",
            "current": "1 for the article's current version (its text is articles.text).",
        },
    ),
}
WEEK_AGO = "strftime('%Y-%m-%dT%H:%M:%S', 'now', '-7 days')"
QUERIES: dict[str, dict[str, str]] = {
    "latest_articles": {
        "title": "Latest articles",
        "description": "The 100 articles archived last.",
        "sql": "select id, title, host, authors, published, first_seen, word_count, url\n"
        "from articles order by first_seen desc, id desc limit 100",
    },
    "recent_failures": {
        "title": "Recent failures",
        "description": "The 100 last fetches that archived nothing, with the reason.",
        "sql": "select id, fetched_at, url, status, error from fetches\n"
        "where error is not null order by id desc limit 100",
    },
    "crawl_queue": {
        "title": "The crawl queue",
        "description": "URLs waiting for the next crawl run, in the order they will be fetched.",
        "sql": "select site, url, kind, priority, depth, source, lastmod, discovered_at\n"
        "from frontier where state = 'queued' order by site, priority, rowid limit 1000",
    },
    "articles_per_site_per_day": {
        "title": "Articles per site per day",
        "description": "New articles archived per host and day.",
        "sql": "select substr(first_seen, 1, 10) as day, host, count(*) as articles\n"
        "from articles group by day, host order by day desc, articles desc",
    },
    "changed_this_week": {
        "title": "What changed this week",
        "description": "Articles first archived, or given a new version (a changed text), "
        "in the last 7 days.",
        "sql": "select a.id, a.title, a.host, a.first_seen, a.last_fetched,\n"
        f"  case when a.first_seen >= {WEEK_AGO} then 'new' else 'changed' end as what\n"
        "from articles a where a.first_seen >= " + WEEK_AGO + "\n"
        "  or exists (select 1 from versions v where v.article_id = a.id\n"
        f"    and v.version > 1 and v.fetched_at >= {WEEK_AGO})\n"
        "order by a.last_fetched desc limit 500",
    },
}


def database_name(path: Path) -> str:
    """The name Datasette gives a database file (its URL path)."""
    return path.stem


def metadata(path: Path) -> dict[str, Any]:
    """Datasette metadata for the archive at ``path``."""
    tables: dict[str, Any] = {
        name: {"description": desc, "columns": dict(columns)}
        for name, (desc, columns) in (TABLES | VIEWS).items()
    }
    tables["articles"].update(
        {
            "fts_table": "articles_fts",
            "fts_pk": "id",
            "searchmode": "raw",  # FTS5 syntax: "a b", a OR b, NOT, prefix*
            "label_column": "title",
            "sort_desc": "id",
            "facets": ["host", "language", {"array": "authors"}, {"array": "tags"}],
        }
    )
    tables["fetches"].update({"sort_desc": "id", "facets": ["status", "content_type"]})
    tables["frontier"]["facets"] = ["site", "state", "kind"]
    tables["raw_pages"]["sort_desc"] = "id"
    tables["versions"]["sort_desc"] = "id"
    for hidden in ("articles_fts", "_sqlite_migrations"):
        tables[hidden] = {"hidden": True}
    return {
        "title": "scraper archive",
        "description": "News articles archived by scraper (read-only).",
        "databases": {database_name(path): {"tables": tables, "queries": QUERIES}},
    }


def run(path: Path, host: str, port: int) -> None:
    """Serve the archive until interrupted.

    Datasette opens a database it may not call immutable with ``mode=ro`` and
    never writes to it (no write plugins are loaded), so a crawl may go on
    writing meanwhile and its new rows show on the next page load.
    """
    check_archive(path)  # first: a bad path fails at once, before Datasette is loaded
    try:
        import uvicorn
        from datasette.app import Datasette
    except ImportError as exc:
        raise UsageError(INSTALL_HINT) from exc
    ds = Datasette(
        [str(path)],
        metadata=metadata(path),
        settings={"default_page_size": 50, "suggest_facets": False},
        cors=False,
    )
    asyncio.run(ds.invoke_startup())
    url = f"http://{host}:{port}/{database_name(path)}"
    print(f"scraper: serving {path} read-only at {url} (Ctrl-C stops)", file=sys.stderr, flush=True)
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on")
