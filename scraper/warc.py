"""WARC in and out.

Out: ``write_warc`` writes the raw pages of the chosen articles as WARC/1.1
``response`` records (gzip per record, with WARC-Payload-Digest), each with
the response headers its fetch stored (or, for fetches made before headers
were kept, the ones the archive knows: Content-Type, ETag, Last-Modified), and
after the page an article's text was extracted from, a ``metadata`` record
(JSON: canonical URL, title, authors, dates, content hash) concurrent to it.

In: archive the HTML pages of WARC files, as if they had been fetched.

``import_warcs`` reads each file as a stream with warcio's ``ArchiveIterator``
(gzip per record or plain, ``-`` for stdin), keeps every ``response`` record
of an HTML page with status 200, extracts it in worker processes, and stores
it through the same pipeline step as a fetch (``pipeline.process``), with the
record's WARC-Date as the fetch time.

Memory stays bounded whatever the size of a file: records are read one at a
time, at most ``window`` of them are in flight to the workers, and results are
stored in the order of the file (so a run gives the same archive however many
processes extract).  Records are stored a batch a transaction (``CommitBatch``:
64 records or half a second, as a crawl commits), and what was read is stored
and committed whenever a pipe has nothing more to read yet, and at the end,
Ctrl-C included; a record already archived (same URL, same payload) is skipped,
so an import killed at any point (losing the open batch) and run again ends as
one unbroken run would.

A record that cannot be read (a corrupt gzip member, a broken header, a file
cut short) is reported as one line, and reading goes on at the next record
when the file can seek (else at the next file).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import secrets
import select
import signal
import stat
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from multiprocessing import get_context
from pathlib import Path
from typing import IO, Any

import httpx
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper import __version__
from scraper.archive import Archive, Capture
from scraper.archive.raw import Packed, pack
from scraper.errors import reading
from scraper.fetch import HTML_TYPES, content_type_of
from scraper.models import Article, FetchResult
from scraper.pipeline import (
    EXTRACT_SECONDS,
    Outcome,
    Status,
    Summary,
    extract_fetched,
    process,
    too_slow,
)
from scraper.settings import DEFAULTS
from scraper.workers import WINDOW_PER_PROCESS, TaskTimeout, WorkerDied, WorkerPool

GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_MAGIC = b"WARC/1."
RESYNC_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Page:
    """One HTML response record to archive."""

    url: str
    date: datetime
    content_type: str | None
    encoding: str | None
    body: bytes
    sha256: str  # of body
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        """(URL, sha256 of the payload): what tells a record already archived."""
        return self.url, self.sha256


@dataclass(slots=True)
class ImportSummary(Summary):
    """The pipeline's counts by outcome, plus what was read."""

    files: int = 0
    records: int = 0  # WARC records read, of every type
    bytes: int = 0  # bytes of the files read (compressed, as stored)
    pages: int = 0  # HTML response records with status 200
    errors: int = 0  # records or files that could not be read

    def as_dict(self) -> dict[str, Any]:
        c = self.counts
        return {
            "files": self.files,
            "records": self.records,
            "bytes": self.bytes,
            "pages": self.pages,
            "archived": c["archived"],
            "updated": c["updated"],
            "unchanged": c["unchanged"],
            "kept": c["kept"],
            "skipped": c["skipped"],
            "failed": c["failed"],
            "errors": self.errors,
        }


class _Counting(io.RawIOBase):
    """A read-only stream that counts the bytes read through it: ``pos`` is the
    position in the file, for the progress.  ``on_wait`` is called before a read
    that would wait for data (a pipe or a terminal with nothing to read yet)."""

    def __init__(
        self, raw: IO[bytes], pos: int = 0, on_wait: Callable[[], None] | None = None
    ) -> None:
        self.raw = raw
        self.pos = pos
        self._fd: int | None = None
        if on_wait is not None:
            with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
                fd = raw.fileno()
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    self._fd = fd
        self._on_wait = on_wait
        self.failed: Exception | None = None  # what ``on_wait`` raised: not a read error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._fd is not None and self._on_wait is not None and not self._ready():
            try:
                self._on_wait()
            except Exception as exc:
                self.failed = exc
                raise
        # read1: what has arrived (a pipe: the records sent so far are imported, not
        # held until a block fills); read for a stream without it
        data = getattr(self.raw, "read1", self.raw.read)(len(buffer))
        buffer[: len(data)] = data
        self.pos += len(data)
        return len(data)

    def _ready(self) -> bool:
        """Whether data has arrived on the descriptor (stdin is read unbuffered, so
        nothing waits in a buffer of its own that the descriptor would not show)."""
        ready, _, _ = select.select([self._fd], [], [], 0)
        return bool(ready)


@dataclass(frozen=True, slots=True)
class ReadError:
    """A record or file that could not be read."""

    where: str
    reason: str


@dataclass(frozen=True, slots=True)
class Ignored:
    """A record that is not an HTML page with status 200 (or is too large)."""

    url: str | None
    reason: str | None = None  # set for a page that is not archived, and why


def _html_page(record: Any, max_bytes: int) -> Page | Ignored:
    """The record as a page to archive, or why not; the record is read to its end."""
    page = _classify(record, max_bytes)
    _drain(record)
    return page


def _classify(record: Any, max_bytes: int) -> Page | Ignored:
    url = record.rec_headers.get_header("WARC-Target-URI")
    http = record.http_headers
    if record.rec_type != "response" or http is None or not url:
        return Ignored(url)
    if not url.startswith(("http://", "https://")) or http.get_statuscode() != "200":
        return Ignored(url)
    media, charset = content_type_of(
        httpx.Headers({"content-type": http.get_header("content-type") or ""})
    )
    if media is not None and media not in HTML_TYPES:
        return Ignored(url)
    coding = (http.get_header("content-encoding") or "").strip().lower()
    decodable = ("", "identity", *BufferedReader.get_supported_decompressors())
    if coding not in decodable:
        return Ignored(url, f"undecodable body (Content-Encoding: {coding})")
    body = record.content_stream().read(max_bytes + 1)
    if len(body) > max_bytes:
        return Ignored(url, f"larger than the {max_bytes:,} byte limit")
    if media is None and not _looks_like_html(body):
        return Ignored(url)
    raw_date = record.rec_headers.get_header("WARC-Date") or ""
    try:
        date = datetime.fromisoformat(raw_date)
    except ValueError:
        return Ignored(url, f"bad WARC-Date {raw_date!r}")
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return Page(
        url=url,
        date=date.astimezone(UTC),
        content_type=media,
        encoding=charset,
        body=body,
        sha256=hashlib.sha256(body).hexdigest(),
        headers=tuple(http.headers),
    )


def _drain(record: Any) -> None:
    """Read the rest of a record; a record cut short (its Content-Length says
    more) raises, so that no partial page is archived."""
    stream = record.raw_stream
    while stream.read(1 << 16):
        pass
    if getattr(stream, "limit", 0) > 0:
        raise EOFError(f"record cut short, {stream.limit:,} bytes missing")


def _looks_like_html(body: bytes) -> bool:
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") or b"<html" in head or b"<body" in head


def _resync(raw: IO[bytes], start: int, gzipped: bool) -> int | None:
    """Offset of the next record at or after ``start`` (a gzip member or a WARC
    header line), or None when there is none."""
    magic = GZIP_MAGIC if gzipped else b"\n" + WARC_MAGIC
    raw.seek(start)
    pos, tail = start, b""
    while chunk := raw.read(RESYNC_CHUNK):
        data = tail + chunk
        found = data.find(magic)
        if found >= 0:
            return pos - len(tail) + found + (0 if gzipped else 1)
        tail = data[-(len(magic) - 1) :]
        pos += len(chunk)
    return None


def read_pages(
    counting: _Counting, name: str, max_bytes: int
) -> Iterator[Page | Ignored | ReadError]:
    """Every record of one WARC stream, as a Page, Ignored or ReadError;
    ``counting.pos`` tells how far reading got."""
    raw = counting.raw
    seekable = raw.seekable()
    gzipped: bool | None = None
    while True:
        base = counting.pos
        records = ArchiveIterator(counting)
        try:
            while True:
                with contextlib.redirect_stderr(io.StringIO()):  # warcio warns there
                    record = next(records, None)
                    if record is None:
                        return
                    if gzipped is None:
                        gzipped = records.reader.decompressor is not None
                    item = _html_page(record, max_bytes)
                yield item
        except GeneratorExit:
            raise
        except Exception as exc:  # zlib, EOF, warcio's ArchiveLoadFailed, a bad header
            if counting.failed is not None:  # storing while the input waited failed
                raise counting.failed from None
            offset = base + records.offset  # the start of the record that failed
            reason = _reason(exc)
            if seekable and gzipped is None:
                raw.seek(base)
                gzipped = raw.read(len(GZIP_MAGIC)) == GZIP_MAGIC
            nxt = _resync(raw, offset + 1, bool(gzipped)) if seekable else None
            if nxt is None:
                rest = "cut short" if seekable else "rest skipped"
                yield ReadError(name, f"unreadable at byte {offset:,} ({reason}); {rest}")
                return
            yield ReadError(name, f"bad record at byte {offset:,} ({reason}); went on at {nxt:,}")
            raw.seek(nxt)
            counting.pos = nxt


def _reason(exc: BaseException) -> str:
    text = "".join(c if c.isprintable() else "?" for c in " ".join(str(exc).split()))
    return (text or type(exc).__name__)[:100]


def _extract(page: Page) -> tuple[Article, Packed]:
    """In a worker process: the page's article (never raises, as ``extract``), and its
    body hashed and compressed for ``raw_pages``, so the storing process only writes."""
    return extract_fetched(_fetch_of(page)), pack(page.body, page.sha256)


def _fetch_of(page: Page) -> FetchResult:
    return FetchResult(
        url=page.url,
        final_url=page.url,
        status=200,
        content_type=page.content_type,
        body=page.body,
        encoding=page.encoding,
        fetched_at=page.date,
        headers=page.headers,
    )


def _ignore_sigint() -> None:
    """In a worker: Ctrl-C is the parent's to handle (each worker printed a traceback),
    and the worker ends when its parent is gone (killed with -9, a forked worker
    would wait forever on a queue whose other end its sibling holds open)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _context() -> Any:
    """fork where there is one: a worker starts in milliseconds with extraction
    already imported (it touches nothing of the parent's but the page it gets);
    spawn elsewhere."""
    try:
        return get_context("fork")
    except ValueError:
        return get_context("spawn")


class _Inline:
    """Extraction in this process (``--processes 1``), with the pool's interface."""

    def submit(
        self, fn: Callable[[Page], tuple[Article, Packed]], page: Page
    ) -> Future[tuple[Article, Packed]]:
        future: Future[tuple[Article, Packed]] = Future()
        future.set_result(fn(page))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def _open(path: str) -> tuple[str, IO[bytes], int | None]:
    if path == "-":
        return "<stdin>", _stdin(), None
    with reading(path):
        handle = Path(path).open("rb")  # noqa: SIM115 - closed by the caller
    return path, handle, os.fstat(handle.fileno()).st_size


def _stdin() -> IO[bytes]:
    """stdin's bytes, unbuffered where they can be: a read returns what has arrived,
    and data waiting to be read is data the descriptor shows (``_Counting``)."""
    buffer = sys.stdin.buffer
    return getattr(buffer, "raw", buffer)


def check_inputs(paths: list[str]) -> int | None:
    """Fail early (before anything is archived) on an input that cannot be opened;
    returns the total size of the files, None when stdin is read."""
    total: int | None = 0
    for path in paths:
        _, handle, size = _open(path)
        if path != "-":
            handle.close()
        total = None if size is None or total is None else total + size
    return total


def import_warcs(
    paths: list[str],
    archive: Archive,
    *,
    processes: int,
    max_bytes: int,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_error: Callable[[str], None] | None = None,
    on_progress: Callable[[ImportSummary], None] | None = None,
    summary: ImportSummary | None = None,
) -> ImportSummary:
    """Archive the HTML pages of every WARC file; see the module's docstring.
    ``summary``: the counts to add to (the caller's: an import interrupted by Ctrl-C
    still has the figures of what it did)."""
    from scraper.crawl.batching import CommitBatch  # crawl's package imports the pipeline

    summary = ImportSummary() if summary is None else summary
    in_flight: set[tuple[str, str]] = set()  # keys of the pages not stored yet
    # pages in flight: enough that a slow page does not leave a worker idle
    window = processes * WINDOW_PER_PROCESS if processes > 1 else 2
    pool: WorkerPool | _Inline = (
        WorkerPool(processes, _context(), initializer=_ignore_sigint, task_seconds=EXTRACT_SECONDS)
        if processes > 1
        else _Inline()
    )
    inline = _Inline()  # once a worker died (out of memory, kill -9): extraction is here
    pending: deque[tuple[Page, Future[tuple[Article, Packed]]]] = deque()
    batch = CommitBatch(archive)  # a transaction a batch of records, not one each
    archive.write_in_bulk()
    stderr = sys.stderr

    def report(outcome: Outcome) -> None:
        summary.add(outcome)
        if on_outcome:
            on_outcome(outcome)

    def store_oldest() -> None:
        page, future = pending.popleft()
        in_flight.discard(page.key)
        fetch = _fetch_of(page)
        try:
            article, packed = future.result()
        except WorkerDied as exc:
            # its worker died on it: not extracted here, where it could kill the import
            # (not recorded: a new import tries it again)
            report(Outcome(page.url, Status.FAILED, f"extraction stopped: {exc} on this page"))
            return
        except BrokenProcessPool:  # another page's worker died: this page, and the rest, here
            article, packed = _extract(page)
        except TaskTimeout:  # a page that costs the parser minutes: a new worker goes on
            report(Outcome(page.url, Status.FAILED, f"{too_slow(EXTRACT_SECONDS)} (stopped)"))
            return
        if not article.text.strip():  # nothing is recorded: a new import tries it again
            report(Outcome(page.url, Status.FAILED, "no article text found"))
            return
        batch.page()
        report(process(fetch, archive, article=article, packed=packed))

    def input_waits() -> None:
        """The input has nothing more to read yet (a pipe): what was read is stored
        and committed before waiting for more."""
        with contextlib.redirect_stderr(stderr):  # read_pages hides warcio's warnings
            while pending:
                store_oldest()
            batch.commit()
            if on_progress:
                on_progress(summary)

    def submit(page: Page) -> Future[tuple[Article, Packed]]:
        try:
            return pool.submit(_extract, page)
        except BrokenProcessPool:
            return inline.submit(_extract, page)

    done_bytes = 0
    try:
        for path in paths:
            name, handle, _ = _open(path)
            counting = _Counting(handle, on_wait=input_waits)
            summary.files += 1
            try:
                for item in read_pages(counting, name, max_bytes):
                    summary.bytes = done_bytes + counting.pos
                    if isinstance(item, ReadError):
                        summary.errors += 1
                        if on_error:
                            on_error(f"{item.where}: {item.reason}")
                    else:
                        summary.records += 1
                        if isinstance(item, Ignored):
                            if item.reason:
                                summary.pages += 1
                                report(Outcome(item.url or name, Status.FAILED, item.reason))
                        else:
                            summary.pages += 1
                            key = item.key
                            if key in in_flight or archive.has_raw_page(*key):
                                report(Outcome(item.url, Status.SKIPPED, "already archived"))
                            else:
                                in_flight.add(key)
                                pending.append((item, submit(item)))
                                while len(pending) >= window:
                                    store_oldest()
                    if on_progress:
                        on_progress(summary)
                done_bytes += counting.pos
            finally:
                if path != "-":
                    handle.close()
        while pending:
            store_oldest()
            if on_progress:
                on_progress(summary)
    finally:
        try:
            batch.close()  # what was stored is committed: after Ctrl-C too
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return summary


FAILURES_KEPT = 1000  # failures a task names (all are counted), so its result stays small


def process_warc(path: str, out: str, *, max_bytes: int = DEFAULTS.max_bytes) -> dict[str, Any]:
    """A task: archive the HTML pages of the WARC file ``path`` into a new archive
    (a shard) at ``out``, and return the counts (``ImportSummary.as_dict``, plus the
    first ``failures`` as ``[url, reason]`` and the ``read_errors`` as messages).

    Pure and picklable for a Dask worker or a process pool: it reads one file,
    writes only ``out``, and returns a few numbers, never pages.  The shard is built
    under a name of its own beside ``out`` (in one transaction: a private file) and
    renamed into place complete, so a task killed and run again, or run twice at
    once, leaves either no shard or a whole one.  The shard has no full-text index
    (its articles are indexed in the archive they are merged into; opened for
    writing, it is indexed again).  Reading, extraction and storing
    are ``import_warcs``'s, in this process.
    """
    target = Path(out)
    partial = target.with_name(f".{target.name}.{secrets.token_hex(6)}.partial")
    errors: list[str] = []
    try:
        with Archive(partial) as shard:
            shard.drop_search_index()  # indexed where it is merged (6% of a task's CPU)
            with shard.transaction():
                summary = import_warcs(
                    [path], shard, processes=1, max_bytes=max_bytes, on_error=errors.append
                )
        os.replace(partial, target)
    finally:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
    failures = [[o.url, o.reason] for o in summary.failures[:FAILURES_KEPT]]
    return {**summary.as_dict(), "failures": failures, "read_errors": errors}


# ---------------------------------------------------------------------- WARC out
# headers that described the body on the wire, not the decoded body kept
_WIRE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


def warc_date(stored: str) -> str:
    """An archive timestamp (ISO 8601) as a WARC-Date: UTC, 'Z', fractions kept."""
    when = datetime.fromisoformat(stored)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    text = when.astimezone(UTC).replace(tzinfo=None).isoformat()
    return text + "Z"


def _http_headers(capture: Capture, body: bytes) -> StatusAndHeaders:
    status = capture.status or 200
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    if capture.headers is not None:
        headers = [(k, v) for k, v in capture.headers if k.lower() not in _WIRE_HEADERS]
    else:
        media = capture.content_type or "text/html"
        ctype = f"{media}; charset={capture.encoding}" if capture.encoding else media
        headers = [("Content-Type", ctype)]
        if capture.etag:
            headers.append(("ETag", capture.etag))
        if capture.last_modified:
            headers.append(("Last-Modified", capture.last_modified))
    headers.append(("Content-Length", str(len(body))))
    return StatusAndHeaders(f"{status} {phrase}".strip(), headers, protocol="HTTP/1.1")


def write_warc(
    archive: Archive,
    rows: Iterable[dict[str, Any]],
    out: IO[bytes],
    *,
    filename: str = "archive.warc.gz",
    latest: bool = False,
) -> int:
    """Write the raw pages of the articles ``rows`` (``Archive.iter_articles``) as
    WARC/1.1 records to ``out``, one at a time; returns the response records written.
    Every raw page kept, or with ``latest`` only the newest its text was archived from."""
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    info = {"software": f"scraper/{__version__}", "format": "WARC File Format 1.1"}
    writer.write_record(writer.create_warcinfo_record(filename, info))
    n = 0
    for row in rows:
        captures = [c for c in archive.captures(row["id"]) if c.body is not None]
        text_from = max((c.raw_id for c in captures if c.error is None), default=None)
        if latest:
            captures = [c for c in captures if c.raw_id == text_from]
        for capture in captures:
            body = capture.body or b""
            record = writer.create_warc_record(
                capture.url,
                "response",
                payload=io.BytesIO(_http_headers(capture, body).to_bytes() + body),
                warc_headers_dict={"WARC-Date": warc_date(capture.fetched_at)},
            )
            writer.write_record(record)
            n += 1
            if capture.raw_id != text_from:
                continue
            meta = {
                k: row.get(k)
                for k in ("canonical_url", "title", "authors", "published", "modified",
                          "language", "content_hash", "word_count")
            }  # fmt: skip
            writer.write_record(
                writer.create_warc_record(
                    capture.url,
                    "metadata",
                    payload=io.BytesIO(json.dumps(meta, ensure_ascii=False).encode()),
                    warc_content_type="application/json",
                    warc_headers_dict={
                        "WARC-Date": warc_date(capture.fetched_at),
                        "WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID"),
                    },
                )
            )
    return n
