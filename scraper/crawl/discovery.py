"""Finding URLs: sitemaps, feeds and the link hints of a page.  Pure functions, no I/O.

- ``parse_listing(body, url)`` reads a sitemap (``urlset`` or ``sitemapindex``,
  Google News extensions included), an RSS 2.0 / RDF / Atom feed or a JSON
  Feed, gzipped or not, into ``Entry`` values.  XML is parsed by defusedxml
  (no DTD entities, no external references) as a stream, gzip is
  decompressed up to ``MAX_LISTING_BYTES``, and at most ``MAX_LISTING_URLS``
  entries are read; a malformed or overlong listing keeps the entries read
  before the error and says why it stopped.
- ``page_hints(body, url)`` finds ``rel="next"`` pagination and
  ``<link rel="alternate">`` feeds in a page's raw HTML.
- ``url_kind(url)`` guesses article / index / page from the URL alone.
"""

from __future__ import annotations

import html
import io
import json
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

MAX_LISTING_BYTES = 50_000_000  # the sitemaps.org limit for one uncompressed sitemap
MAX_LISTING_URLS = 50_000  # the sitemaps.org limit of URLs in one sitemap: the rest is ignored
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
)

# URL shapes (path and query): data, so tuning does not touch logic.
INDEX_URL = re.compile(
    r"/(?:tags?|topics?|categor(?:y|ies)|sections?|authors?|page|search|archives?|"
    r"latest|hub|series|people|columns?)(?:/|$)|[?&](?:page|p|paged)=\d+",
    re.IGNORECASE,
)
ARTICLE_URL = re.compile(
    r"/(?:19|20)\d\d/[01]?\d/|\d{5,}|/[^/]*[a-z0-9](?:-[a-z0-9]+){3,}[^/]*/?$|"
    r"/(?:news|story|stories|article|articles|post|posts|blog)/[^/?]+",
    re.IGNORECASE,
)
NOT_HTML_URL = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|ico|bmp|tiff?|pdf|zip|gz|tgz|rar|7z|mp[34]|m4[av]|mov|avi|"
    r"wmv|webm|ogg|wav|flac|css|js|json|xml|rss|woff2?|ttf|eot|exe|dmg|apk|docx?|xlsx?|pptx?|"
    r"csv|txt|ics)$",
    re.IGNORECASE,
)
_REL_TAG = re.compile(rb"<(?:a|link)\s[^>]*?\brel\s*=\s*[\"']?[^\"'>]*[^>]*>", re.IGNORECASE)
_ATTR = {
    name: re.compile(
        rb"\b" + name.encode() + rb"\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))", re.IGNORECASE
    )
    for name in ("rel", "href", "type")
}


class ListingError(Exception):
    """A sitemap or feed that cannot be read at all (a gzip bomb, not a listing)."""


@dataclass(slots=True)
class Entry:
    """One URL a listing gives: a page (``sitemap=False``) or another sitemap."""

    url: str
    lastmod: datetime | None = None  # lastmod, or an item's updated / published date
    published: datetime | None = None  # news:publication_date, pubDate
    title: str | None = None
    sitemap: bool = False


@dataclass(slots=True)
class Listing:
    kind: str  # "sitemap" or "feed"
    entries: list[Entry] = field(default_factory=list)
    error: str | None = None  # why reading stopped early


# ------------------------------------------------------------------ dates
def parse_date(text: str | None) -> datetime | None:
    """An ISO 8601 or RFC 822 date as an aware UTC datetime; None if unreadable."""
    if not text:
        return None
    text = text.strip()
    value: datetime | None = None
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            value = datetime(d.year, d.month, d.day)
        else:
            value = datetime.fromisoformat(text)
    except ValueError:
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """The comparable text form dates are kept in (UTC, seconds)."""
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


# --------------------------------------------------------------- listings
def gunzip(body: bytes, limit: int = MAX_LISTING_BYTES) -> bytes:
    """``body`` decompressed if it is gzip, refusing more than ``limit`` bytes out."""
    if body[:2] != b"\x1f\x8b":
        return body
    d = zlib.decompressobj(wbits=31)
    try:
        out = d.decompress(body, limit + 1)
    except zlib.error as exc:
        raise ListingError(f"bad gzip data ({exc})") from exc
    if len(out) > limit or d.unconsumed_tail:
        raise ListingError(f"gzip expands past the {limit:,} byte limit")
    return out


def parse_listing(body: bytes, url: str, max_urls: int = MAX_LISTING_URLS) -> Listing:
    """The entries of a sitemap or feed (kind told by its content, not its name),
    at most ``max_urls`` of them."""
    body = gunzip(body)
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return _json_feed(body, url, max_urls)
    if not head.startswith(b"<"):
        raise ListingError("not a sitemap or feed (not XML)")
    return _xml_listing(body, url, max_urls)


def _too_many(max_urls: int) -> str:
    return f"more than {max_urls:,} URLs: the rest is ignored"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


_RECORDS = {"url": False, "sitemap": True, "item": False, "entry": False}
_DATE_FIELDS = ("lastmod", "updated", "modified", "date", "pubdate", "published")


def _xml_listing(body: bytes, base: str, max_urls: int) -> Listing:
    listing = Listing("sitemap")
    record: dict[str, str] | None = None
    record_tag, depth, record_depth = "", 0, 0
    try:
        for event, elem in iterparse(io.BytesIO(body), events=("start", "end")):
            tag = _local(elem.tag)
            if event == "start":
                depth += 1
                if depth == 1:
                    listing.kind = "sitemap" if tag in ("urlset", "sitemapindex") else "feed"
                    if tag not in ("urlset", "sitemapindex", "rss", "rdf", "feed"):
                        raise ListingError(f"not a sitemap or feed (<{tag}>)")
                elif record is None and tag in _RECORDS:
                    record, record_tag, record_depth = {}, tag, depth
                continue
            depth -= 1
            if record is None:
                continue
            if tag == record_tag and depth == record_depth - 1:
                entry = _entry(record, record_tag, base)
                if entry is not None:
                    if len(listing.entries) >= max_urls:
                        listing.error = _too_many(max_urls)
                        break
                    listing.entries.append(entry)
                record = None
                elem.clear()
            elif tag == "link" and elem.get("href"):  # Atom
                if elem.get("rel", "alternate") == "alternate":
                    record.setdefault("link", elem.get("href", ""))
            elif tag == "loc" and depth != record_depth:
                continue  # image:loc, video:loc ...
            elif elem.text and elem.text.strip():
                record.setdefault(tag, elem.text.strip())
    except DefusedXmlException as exc:
        listing.error = f"unsafe XML refused ({type(exc).__name__})"
    except ParseError as exc:
        listing.error = f"malformed XML ({exc})"
    return listing


def _entry(record: dict[str, str], tag: str, base: str) -> Entry | None:
    raw = record.get("loc") or record.get("link")
    if not raw and record.get("guid", "").startswith(("http://", "https://")):
        raw = record["guid"]
    if not raw and tag == "entry" and record.get("id", "").startswith(("http://", "https://")):
        raw = record["id"]
    if not raw:
        return None
    url = html.unescape(raw.strip())
    if not url.startswith(("http://", "https://")):  # as sitemaps give them: no urljoin
        url = urljoin(base, url)
        if urlsplit(url).scheme not in ("http", "https"):
            return None
    published = parse_date(
        record.get("publication_date") or record.get("pubdate") or record.get("published")
    )
    lastmod = None
    for name in _DATE_FIELDS:
        if (lastmod := parse_date(record.get(name))) is not None:
            break
    return Entry(url, lastmod or published, published, record.get("title"), _RECORDS[tag])


def _json_feed(body: bytes, base: str, max_urls: int) -> Listing:
    listing = Listing("feed")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ListingError(f"malformed JSON feed ({exc})") from exc
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ListingError("not a JSON Feed (no items)")
    for item in items:
        if not isinstance(item, dict):
            continue
        raw = item.get("url") or item.get("external_url")
        if not isinstance(raw, str):
            continue
        url = urljoin(base, raw.strip())
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        published = parse_date(_str(item.get("date_published")))
        modified = parse_date(_str(item.get("date_modified")))
        title = _str(item.get("title"))
        if len(listing.entries) >= max_urls:
            listing.error = _too_many(max_urls)
            break
        listing.entries.append(Entry(url, modified or published, published, title))
    return listing


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


# ------------------------------------------------------------------- pages
@dataclass(slots=True)
class Hints:
    next: list[str] = field(default_factory=list)  # rel="next" pagination
    feeds: list[str] = field(default_factory=list)  # <link rel="alternate"> feeds


def page_hints(body: bytes, url: str) -> Hints:
    """Pagination and feed links of a page, from its raw HTML."""
    hints = Hints()
    for match in _REL_TAG.finditer(body):
        tag = match.group(0)
        rel = (_attr(tag, "rel") or "").lower().split()
        href = _attr(tag, "href")
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        target = urljoin(url, href)
        if "next" in rel:
            hints.next.append(target)
        elif "alternate" in rel and (_attr(tag, "type") or "").lower() in FEED_TYPES:
            hints.feeds.append(target)
    return hints


def _attr(tag: bytes, name: str) -> str | None:
    m = _ATTR[name].search(tag)
    if m is None:
        return None
    raw = next(g for g in m.groups() if g is not None)
    return html.unescape(raw.decode("utf-8", "replace")).strip()


def url_kind(url: str) -> str:
    """ "index", "article" or "page" (unknown), from the shape of the URL."""
    parts = urlsplit(url)
    tail = parts.path + ("?" + parts.query if parts.query else "")
    if parts.path in ("", "/") or INDEX_URL.search(tail):
        return "index"
    return "article" if ARTICLE_URL.search(parts.path) else "page"
