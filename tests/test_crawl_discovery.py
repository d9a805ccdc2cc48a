"""Sitemaps, feeds and page hints: parsing only, no network."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest

from scraper.crawl.discovery import (
    MAX_LISTING_URLS,
    ListingError,
    gunzip,
    page_hints,
    parse_date,
    parse_listing,
    url_kind,
)
from scraper.crawl.robots import agent_token

BASE = "https://news.example/"


def test_sitemap_index_and_urlset_with_lastmod() -> None:
    index = parse_listing(
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://news.example/s1.xml.gz</loc><lastmod>2026-11-02</lastmod>"
        b"</sitemap></sitemapindex>",
        BASE + "sitemap.xml",
    )
    assert index.kind == "sitemap" and index.error is None
    [child] = index.entries
    assert child.sitemap and child.url.endswith("s1.xml.gz")
    assert child.lastmod == datetime(2026, 11, 2, tzinfo=UTC)

    urlset = parse_listing(
        gzip.compress(
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            b'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">'
            b"<url><loc>https://news.example/a?x=1&amp;y=2</loc>"
            b"<image:image><image:loc>https://cdn.example/i.jpg</image:loc></image:image>"
            b"<lastmod>2026-11-03T10:00:00+01:00</lastmod></url>"
            b"<url><loc>  https://news.example/b  </loc></url></urlset>"
        ),
        BASE + "s1.xml.gz",
    )
    assert [e.url for e in urlset.entries] == [BASE + "a?x=1&y=2", BASE + "b"]
    assert urlset.entries[0].lastmod == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    assert urlset.entries[1].lastmod is None and not urlset.entries[0].sitemap


def test_google_news_sitemap_gives_title_and_publication_date() -> None:
    listing = parse_listing(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url>'
        b"<loc>https://news.example/n/1</loc><news:news><news:publication>"
        b"<news:name>Example</news:name><news:language>en</news:language></news:publication>"
        b"<news:publication_date>2026-11-04T08:30:00Z</news:publication_date>"
        b"<news:title>Budget passes</news:title></news:news></url></urlset>",
        BASE,
    )
    [e] = listing.entries
    assert e.title == "Budget passes"
    assert e.published == e.lastmod == datetime(2026, 11, 4, 8, 30, tzinfo=UTC)


def test_rss_atom_and_json_feeds() -> None:
    rss = parse_listing(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Site</title>'
        b"<link>https://news.example/</link><item><title>One</title>"
        b"<link>/one</link><pubDate>Tue, 03 Nov 2026 10:00:00 GMT</pubDate></item>"
        b'<item><guid isPermaLink="true">https://news.example/two</guid></item>'
        b"</channel></rss>",
        BASE + "feed.xml",
    )
    assert rss.kind == "feed"
    assert [e.url for e in rss.entries] == [BASE + "one", BASE + "two"]
    assert rss.entries[0].published == datetime(2026, 11, 3, 10, tzinfo=UTC)
    assert rss.entries[0].title == "One"

    atom = parse_listing(
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Site</title>'
        b'<link rel="self" href="https://news.example/atom.xml"/><entry><title>A</title>'
        b'<link rel="alternate" href="https://news.example/a"/>'
        b"<updated>2026-11-05T00:00:00Z</updated></entry></feed>",
        BASE + "atom.xml",
    )
    [e] = atom.entries
    assert e.url == BASE + "a" and e.lastmod == datetime(2026, 11, 5, tzinfo=UTC)

    feed = parse_listing(
        json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "items": [
                    {"id": "1", "url": "https://news.example/j", "title": "J",
                     "date_published": "2026-11-01T00:00:00Z",
                     "date_modified": "2026-11-06T00:00:00Z"},
                    {"id": "2"},
                    "junk",
                ],
            }
        ).encode(),
        BASE + "feed.json",
    )  # fmt: skip
    [e] = feed.entries
    assert e.url == BASE + "j" and e.lastmod == datetime(2026, 11, 6, tzinfo=UTC)


def test_malformed_xml_keeps_what_was_read() -> None:
    listing = parse_listing(
        b"<urlset><url><loc>https://news.example/ok</loc></url><url><loc>https://news", BASE
    )
    assert [e.url for e in listing.entries] == [BASE + "ok"]
    assert listing.error and listing.error.startswith("malformed XML")
    with pytest.raises(ListingError, match="not XML"):
        parse_listing(b"hello", BASE)
    with pytest.raises(ListingError, match="not a sitemap"):
        parse_listing(b"<html><body>hi</body></html>", BASE)


def test_a_listing_is_read_up_to_its_url_limit() -> None:
    assert MAX_LISTING_URLS == 50_000  # what the sitemap protocol allows in one sitemap
    urls = "".join(f"<url><loc>/a{n}</loc></url>" for n in range(5))
    listing = parse_listing(f"<urlset>{urls}</urlset>".encode(), BASE, max_urls=3)
    assert [e.url for e in listing.entries] == [BASE + "a0", BASE + "a1", BASE + "a2"]
    assert listing.error == "more than 3 URLs: the rest is ignored"
    exact = parse_listing(f"<urlset>{urls}</urlset>".encode(), BASE, max_urls=5)
    assert len(exact.entries) == 5 and exact.error is None
    items = [{"url": f"/j{n}"} for n in range(5)]
    feed = parse_listing(json.dumps({"items": items}).encode(), BASE, max_urls=2)
    assert len(feed.entries) == 2 and feed.error == "more than 2 URLs: the rest is ignored"


@pytest.mark.parametrize(
    "doc",
    [
        # billion laughs
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><urlset><url><loc>&b;</loc></url></urlset>',
        # external entity
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<urlset><url><loc>&x;</loc></url></urlset>",
    ],
)
def test_entity_attacks_are_refused(doc: bytes) -> None:
    listing = parse_listing(doc, BASE)
    assert listing.entries == []
    assert listing.error and listing.error.startswith("unsafe XML refused")


def test_gzip_bomb_is_capped() -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    assert len(bomb) < 10_000
    with pytest.raises(ListingError, match="gzip expands past"):
        gunzip(bomb, limit=1_000_000)
    assert gunzip(gzip.compress(b"<urlset/>")) == b"<urlset/>"
    assert gunzip(b"<urlset/>") == b"<urlset/>"
    with pytest.raises(ListingError, match="bad gzip"):
        gunzip(b"\x1f\x8bnot gzip")


def test_page_hints_find_pagination_and_feeds() -> None:
    html = (
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">'
        b"<link rel='alternate' hreflang='de' href='/de/'>"
        b'<link rel="next" href="?page=2"></head><body>'
        b'<a class="x" rel="nofollow next" href="/list/?page=2&amp;s=1">Next</a>'
        b'<a href="/plain">plain</a></body></html>'
    )
    hints = page_hints(html, BASE + "list/")
    assert hints.feeds == [BASE + "feed.xml"]
    assert hints.next == [BASE + "list/?page=2", BASE + "list/?page=2&s=1"]


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://x.example/", "index"),
        ("https://x.example/tag/politics/", "index"),
        ("https://x.example/section/world/?page=3", "index"),
        ("https://x.example/2026/11/03/budget-vote/", "article"),
        ("https://x.example/world/budget-vote-is-postponed-again", "article"),
        ("https://x.example/news/12345", "article"),
        ("https://x.example/about", "page"),
    ],
)
def test_url_kind(url: str, kind: str) -> None:
    assert url_kind(url) == kind


def test_dates_and_agent_token() -> None:
    assert parse_date("2026-11-03") == datetime(2026, 11, 3, tzinfo=UTC)
    assert parse_date("Tue, 03 Nov 2026 10:00:00 +0100") == datetime(2026, 11, 3, 9, tzinfo=UTC)
    assert parse_date("soon") is None and parse_date(None) is None
    assert agent_token("scraper/0.1.0 (+https://x)") == "scraper"
