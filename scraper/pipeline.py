"""From a fetched response to an archived article: the shared page pipeline.

``process(fetch, archive)`` turns one ``FetchResult`` into an ``Outcome``:
failures and 304s are recorded, HTML is decoded and extracted once, and the
article is stored in one transaction.  ``scraper fetch`` (``crawl/urllist.py``)
and ``scraper crawl`` call ``process`` for each page they fetch;
``reextract`` runs extraction again over the raw pages an archive keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import partial
from typing import NamedTuple
from urllib.parse import urlsplit

from scraper.archive import Archive, Rebuilt, text_hash
from scraper.archive.raw import Packed, PageSource, RawPage
from scraper.extract import extract
from scraper.extract.encoding import decode_html, normalize_charset
from scraper.models import Article, FailureKind, FetchResult
from scraper.urls import normalize_url, redact, same_site
from scraper.workers import default_processes, ordered_map


class Status(StrEnum):
    ARCHIVED = "archived"  # a new article
    UPDATED = "updated"  # an archived article whose text changed
    UNCHANGED = "unchanged"  # fetched again, same text
    NOT_MODIFIED = "not-modified"  # the server answered 304
    KEPT = "kept"  # fetched again, but its much shorter text did not replace the archived one
    FAILED = "failed"
    SKIPPED = "skipped"


# the outcomes of a page that was fetched (the summary's "fetched", and its details)
FETCHED = ("archived", "updated", "unchanged", "not-modified", "kept")


@dataclass(frozen=True, slots=True)
class Outcome:
    url: str
    status: Status
    reason: str | None = None
    article_id: int | None = None
    title: str | None = None
    article: Article | None = None
    fetch: FetchResult | None = None
    kind: FailureKind | None = None  # what a failure means (FetchResult.kind)
    counted: bool = False  # a failure only counted, not an error (crawl: a dead link on a page)


@dataclass(slots=True)
class Summary:
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Status})
    failures: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.status.value] += 1
        if outcome.status is Status.FAILED:
            self.failures.append(outcome)

    @property
    def fetched(self) -> int:
        return sum(self.counts[s] for s in FETCHED)

    @property
    def failed(self) -> int:
        return self.counts[Status.FAILED.value]

    @property
    def skipped(self) -> int:
        return self.counts[Status.SKIPPED.value]

    def as_dict(self) -> dict[str, object]:
        return {
            "fetched": self.fetched,
            "failed": self.failed,
            "skipped": self.skipped,
            **{k: v for k, v in self.counts.items() if k not in ("failed", "skipped")},
            "failures": [
                {"url": redact(o.url), "reason": o.reason and redact(o.reason)}
                for o in self.failures
            ],
        }


def article_key(final_url: str, canonical: str | None) -> str:
    """The URL an article is archived under: its canonical link when that is
    believable (same site, and not the home page for a deeper URL), else the
    URL it was fetched from; normalized either way."""
    if canonical and canonical.startswith(("http://", "https://")):
        deeper = urlsplit(final_url).path.strip("/")
        home = not urlsplit(canonical).path.strip("/")
        if same_site(canonical, final_url) and not (home and deeper):
            return normalize_url(canonical)
    return normalize_url(final_url)


def extract_fetched(fetch: FetchResult) -> Article:
    """Extract the body of a successful fetch.

    ``extract`` decodes bytes itself (BOM, ``<meta>``, UTF-8, detection) and hands
    UTF-8 to the parser undecoded; only a charset from the HTTP header other than
    UTF-8 needs decoding here, where the header is known.
    """
    url = fetch.final_url or fetch.url
    if normalize_charset(fetch.encoding) in (None, "utf-8"):
        return extract(fetch.body, url=url)
    return extract(decode_html(fetch.body, fetch.encoding), url=url)


def process(
    fetch: FetchResult,
    archive: Archive,
    *,
    require_text: bool = True,
    article: Article | None = None,
    packed: Packed | None = None,
) -> Outcome:
    """Record or store one fetch; never raises for a bad page.

    ``article`` is the page already extracted (the crawler extracts first, to
    tell articles from index pages); by default the page is extracted here.
    ``packed`` is its body hashed and compressed for the archive, if it was.
    """
    if fetch.not_modified:
        archive.record_fetch(fetch)
        return Outcome(fetch.url, Status.NOT_MODIFIED, fetch=fetch)
    if not fetch.ok:
        archive.record_fetch(fetch)
        reason = fetch.error or "failed"
        return Outcome(fetch.url, Status.FAILED, reason, fetch=fetch, kind=fetch.kind)
    if article is None:
        article = extract_fetched(fetch)  # never raises: extract() and decode_html() say so
    if require_text and not article.text.strip():
        fetch = replace(fetch, error="no article text found", kind=FailureKind.NO_TEXT)
        archive.record_fetch(fetch)
        return Outcome(
            fetch.url, Status.FAILED, fetch.error, article=article, fetch=fetch, kind=fetch.kind
        )
    key = article_key(fetch.final_url or fetch.url, article.canonical_url)
    stored = archive.store(fetch, article, key, packed)
    if stored.kept:
        return Outcome(
            fetch.url, Status.KEPT, stored.kept, stored.article_id, article.title, article, fetch
        )
    if stored.created:
        status = Status.ARCHIVED
    else:
        status = Status.UPDATED if stored.changed else Status.UNCHANGED
    return Outcome(fetch.url, status, None, stored.article_id, article.title, article, fetch)


WORKERS_FROM_PAGES = 200  # reextract starts workers for this many pages or more
REEXTRACT_CHUNK = 16  # articles a reextract task checks: one message each way, not 16
# A page's extraction in a worker process, at most (a page takes milliseconds; the
# slowest hostile page bench/hostile_bench.py knows, a few seconds): a crawl's page
# (crawl/pool.py), a reextract's chunk of pages, then each page of a chunk that ran out
EXTRACT_SECONDS = 30.0


# Why a page whose worker died on it has no new extraction (reextract's reason)
STOPPED_DIED = "extraction stopped: its worker process died on this page"


def too_slow(seconds: float) -> str:
    """Why a page whose extraction ran out of time has no article (its outcome's reason)."""
    return f"extraction took longer than {seconds:g} s"


class Checked(NamedTuple):
    """A worker's verdict on one archived article's new extraction."""

    status: Status  # UNCHANGED (nothing to write), UPDATED (``article`` to write) or KEPT
    reason: str | None = None
    title: str | None = None
    article: Article | None = None  # only when something differs from what is stored


def reextract(
    archive: Archive,
    *,
    site: str | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    processes: int | None = None,
) -> Summary:
    """Extract every archived article again from its newest raw page; nothing is fetched.

    An article gets the new text, metadata and links (``updated``; ``unchanged``
    when the new extraction is what is stored, and nothing is written); one whose
    new extraction finds no text keeps what is stored (``kept``, with the reason).
    ``processes`` > 1 runs that many worker processes (by default the cores, for
    WORKERS_FROM_PAGES pages or more: fewer are done before the workers would have
    started).  Each worker reads its raw pages and the stored articles from the
    archive itself, extracts, and compares: this process only writes what differs,
    committing up to ``BATCH_PAGES`` articles at a time.
    """
    from scraper.crawl.batching import CommitBatch  # crawl's package imports this module

    summary = Summary()
    newest = archive.raw_pages_newest(site)
    if processes is None:
        processes = default_processes() if len(newest) >= WORKERS_FROM_PAGES else 1
    chunks = [newest[i : i + REEXTRACT_CHUNK] for i in range(0, len(newest), REEXTRACT_CHUNK)]
    check = partial(check_articles, str(archive.path))
    batch = CommitBatch(archive)
    try:
        for chunk, verdicts in ordered_map(
            check,
            chunks,
            processes=processes,
            preload="scraper.pipeline",
            task_seconds=EXTRACT_SECONDS,
            on_timeout=partial(_one_by_one, check),
            on_died=partial(_one_by_one, check),
        ):
            for (article_id, _, url), verdict in zip(chunk, verdicts, strict=True):
                if verdict is None:  # its raw page was removed since the list was read
                    continue
                status = verdict.status
                if verdict.article is not None:
                    changed = batch.write(archive.update_extraction, article_id, verdict.article)
                    status = Status.UPDATED if changed else Status.UNCHANGED
                outcome = Outcome(
                    url, status, verdict.reason, article_id, verdict.title, verdict.article
                )
                summary.add(outcome)
                if on_outcome:
                    on_outcome(outcome)
        batch.close()
    finally:
        close_readers()
    return summary


def _one_by_one(
    check: Callable[[list[tuple[int, int, str]]], list[Checked | None]],
    chunk: list[tuple[int, int, str]],
) -> list[Checked | None]:
    """A chunk whose check ran out of time, or killed its worker, checked again an
    article a task: the one that runs out again, or kills its worker again, keeps what
    is stored, with the reason (it is not checked in this process: it could kill it)."""
    reason = f"{too_slow(EXTRACT_SECONDS)}; kept the stored"
    timed_out: list[Checked | None] = [Checked(Status.KEPT, reason)]
    died: list[Checked | None] = [Checked(Status.KEPT, f"{STOPPED_DIED}; kept the stored")]
    verdicts: list[Checked | None] = []
    for _, found in ordered_map(
        check,
        [[entry] for entry in chunk],
        processes=2,
        preload="scraper.pipeline",
        task_seconds=EXTRACT_SECONDS,
        on_timeout=lambda _: timed_out,
        on_died=lambda _: died,
    ):
        verdicts.extend(found)
    return verdicts


_readers: dict[str, Archive] = {}  # a worker's read-only archive, opened on its first task


def close_readers() -> None:
    while _readers:
        _readers.popitem()[1].close()


def check_articles(path: str, chunk: list[tuple[int, int, str]]) -> list[Checked | None]:
    """In a worker: each article's newest raw page extracted again and compared with
    what the archive stores (read-only)."""
    if (archive := _readers.get(path)) is None:
        archive = _readers[path] = Archive(path, readonly=True)
    verdicts: list[Checked | None] = []
    for article_id, raw_id, _ in chunk:
        raw = archive.raw_page_by_id(raw_id)
        if raw is None:  # removed since the list was read
            verdicts.append(None)
            continue
        article = extract_raw(raw)
        if article is None:
            verdicts.append(Checked(Status.KEPT, "stored raw page is unreadable; kept the stored"))
        elif not article.text.strip():
            verdicts.append(Checked(Status.KEPT, "no text in the new extraction; kept the stored"))
        elif archive.extraction_differs(article_id, article):
            verdicts.append(Checked(Status.UPDATED, None, article.title, article))
        else:
            verdicts.append(Checked(Status.UNCHANGED, None, article.title))
    return verdicts


def extract_raw(page: RawPage | PageSource) -> Article | None:
    """The extraction of a stored raw page (None when it is unreadable)."""
    if page.body is None:
        return None
    fetch = FetchResult(url=page.url, final_url=page.url, status=200, body=page.body)
    return extract_fetched(replace(fetch, encoding=page.encoding))


def reextract_versions(
    archive: Archive,
    *,
    site: str | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> Summary:
    """Rebuild every archived article's versions from the raw pages it keeps: each
    page its text was archived from is extracted again, oldest first, and each
    change of text is a version (a version whose page is no longer kept stays as
    stored).  The article gets the newest page's extraction, as ``reextract`` gives it."""
    summary = Summary()
    for article_id, _, url in archive.raw_pages_newest(site):
        outcome = _rebuild_one(archive, article_id, url)
        summary.add(outcome)
        if on_outcome:
            on_outcome(outcome)
    return summary


def _rebuild_one(archive: Archive, article_id: int, url: str) -> Outcome:
    before = archive.article_versions(article_id)
    pages = {p.raw_id: p for p in archive.version_sources(article_id)}
    extractions: dict[int, Rebuilt | None] = {}
    articles: dict[int, Article] = {}

    def extracted(raw_id: int | None) -> Rebuilt | None:
        page = pages.get(raw_id) if raw_id is not None else None
        if page is None or page.body is None:
            return None
        if raw_id not in extractions:
            article = extract_raw(page)
            extractions[page.raw_id] = None
            if article is not None and article.text.strip():
                articles[page.raw_id] = article
                extractions[page.raw_id] = Rebuilt(
                    page.fetch_id, page.raw_id, page.fetched_at, text_hash(article.text),
                    article.title, article.text, article.word_count,
                    article.modified.isoformat() if article.modified else None,
                )  # fmt: skip
        return extractions[page.raw_id]

    # each version from its page again (as stored when its page is gone or gives no text)
    found: list[tuple[Rebuilt, int | None]] = []
    for v in before:
        again = extracted(v["raw_page_id"])
        if again is not None:
            found.append((replace(again, fetch_id=v["fetch_id"], fetched_at=v["fetched_at"]),
                          again.raw_page_id))  # fmt: skip
        else:
            found.append((Rebuilt(
                v["fetch_id"], v["raw_page_id"], v["fetched_at"], v["content_hash"], v["title"],
                v["text"], v["word_count"], v["modified"],
            ), None))  # fmt: skip
    # pages no version names (older releases kept no versions) go in by their date
    named = {v["raw_page_id"] for v in before}
    for raw_id, page in pages.items():
        again = extracted(raw_id) if raw_id not in named else None
        if again is None:
            continue
        at = next((i for i, (v, _) in enumerate(found) if v.fetched_at > page.fetched_at), None)
        found.insert(len(found) if at is None else at, (again, raw_id))
    if not found:
        return Outcome(url, Status.KEPT, "no text in any raw page; kept the stored versions")
    versions: list[Rebuilt] = []
    for version, _ in found:
        if not versions or versions[-1].content_hash != version.content_hash:
            versions.append(version)
    last_raw = found[-1][1]
    latest = articles.get(last_raw) if last_raw is not None else None
    archive.rebuild_versions(article_id, versions, latest)
    old = [(v["content_hash"], v["fetch_id"]) for v in before]
    new = [(v.content_hash, v.fetch_id) for v in versions]
    status = Status.UNCHANGED if old == new else Status.UPDATED
    return Outcome(url, status, None, article_id, versions[-1].title, latest)
