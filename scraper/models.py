"""Typed value objects that cross module boundaries.

``Article`` is what extraction returns, ``Link`` one anchor of a page and
``FetchResult`` what the fetcher hands to the pipeline (immutable: a step that
adds to it makes a new one with ``dataclasses.replace``), with a failed fetch's
``FailureKind``.  They are plain dataclasses: no I/O, no behaviour beyond small
derived properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class DayDate(datetime):
    """A date the page gave without a time of day: midnight UTC for comparisons, but
    the archive keeps it as a day (``published_precision`` 'day'), inventing no time."""

    __slots__ = ()


@dataclass(slots=True)
class Link:
    """One ``<a href>`` of a page, made absolute."""

    url: str
    text: str = ""
    in_body: bool = False

    def __reduce__(self) -> tuple[type[Link], tuple[str, str, bool]]:
        # pickled as a plain tuple: a page's ~120 links cross to and from the
        # extraction workers, and a slots dataclass's own __getstate__/__setstate__
        # (Python code per object) made pickling an article about 2 ms, unpickling 1 ms
        return (Link, (self.url, self.text, self.in_body))


@dataclass(slots=True)
class Article:
    """The result of :func:`scraper.extract.extract`.

    Every metadata field is ``None`` (or an empty list) when the page does not
    give it; ``text`` is ``""`` when no main content was found.
    """

    text: str = ""
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    modified: datetime | None = None
    description: str | None = None
    site_name: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    markdown: str = ""
    page_type: str | None = None  # "article", "index" or None when unknown

    @property
    def word_count(self) -> int:
        return len(self.text.split())


class FailureKind(StrEnum):
    """What a failed fetch means to whoever decides what to do next (the crawler:
    retry next run, give up, or record the URL as skipped)."""

    TRANSIENT = "transient"  # network, timeout, 429, 5xx, robots.txt unavailable: may work later
    PERMANENT = "permanent"  # 4xx, unknown host, redirect loop: will not work as asked
    ROBOTS = "robots"  # disallowed by robots.txt
    PRIVATE_ADDRESS = "private address"  # loopback, private, link-local (not from a public page)
    NOT_HTML = "not HTML"  # a PDF, an image, JSON ... (or not of the accepted types)
    TOO_LARGE = "too large"  # over the --max-bytes limit (decoded bytes)
    INVALID_URL = "invalid URL"  # a URL the HTTP client cannot request, a non-http(s) one
    UNDECODABLE = "undecodable"  # a body that cannot be decompressed, an unknown encoding
    NO_TEXT = "no text"  # fetched, but no article text was found in it


# Why a request may not be sent: the kind of failure it is and its reason.
Refusal = tuple[FailureKind, str]


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One HTTP attempt (after redirects and retries), successful or not.

    ``error`` is the reason printed and stored in ``fetches.error``; ``kind`` says
    what a failure means (set with ``error`` by the fetcher and the pipeline).
    """

    url: str
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    body: bytes = b""
    encoding: str | None = None
    error: str | None = None
    kind: FailureKind | None = None
    elapsed_ms: int = 0
    fetched_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    redirects: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()  # the final response's, in order

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def not_modified(self) -> bool:
        return self.status == 304
