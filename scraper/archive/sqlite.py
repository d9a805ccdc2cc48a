"""The SQLite backend: the one place that holds the connection.

Every statement the stores run goes through :class:`Backend` (``execute``,
``executemany``, ``one``, ``rows``), and every ``sqlite3.Error`` is turned into
an :class:`~scraper.errors.ArchiveError` in one place, :meth:`Backend.errors`,
so no caller ever sees a backend's own exception.  Transactions are the
backend's too: :meth:`Backend.transaction` begins ``IMMEDIATE`` (a writer takes
the write lock first, so the busy timeout applies, instead of reading, then
failing to upgrade) and nests as savepoints.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scraper.archive import schema
from scraper.archive.backend import Nesting
from scraper.archive.dialect import SQLITE
from scraper.errors import ArchiveError, QueryError

BUSY_TIMEOUT_MS = 30_000
# WAL pages between checkpoints for a run of many writes (``write_in_bulk``): SQLite's
# 1,000 (4 MB) is a checkpoint, waiting on an fsync, every ~20 imported pages (a page
# writes ~200 KB of WAL, its links' rows on random pages); 10,000 (40 MB): importing
# the bench WARC, commits 0.7-1.0 -> 0.46 ms a page (wall)
BULK_CHECKPOINT_PAGES = 10_000
# pages of the full-text index a run's end merges at most (about 8 MB of work, 0.2 s)
FTS_MERGE_PAGES = 2000
Params = Sequence[Any]
# how SQLite words an FTS5 query it cannot parse (a usage error, not a broken archive)
FTS_QUERY_ERRORS = (
    "fts5: syntax error",
    "unknown special query",
    "unterminated string",
    "no such column",  # 'foo:bar' names a column
)


class Backend(Nesting):
    """One connection to an archive file, opened (and migrated) on construction."""

    name = "sqlite"
    BEGIN = "BEGIN IMMEDIATE"
    _driver_errors = sqlite3.Error
    dialect = SQLITE

    def __init__(self, path: Path | str, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._nesting()
        self._conn: sqlite3.Connection | None = None
        try:
            with self.errors("cannot open archive"):
                if readonly:
                    self._open_readonly()
                else:
                    self._open_for_writing()
        except ArchiveError:
            self.close()
            raise

    def _open_for_writing(self) -> None:
        if not self.path.exists():
            self._create()
        self._conn = self._connect(self.path)
        newer = schema.unknown(self._conn)
        if newer:
            raise ArchiveError(
                f"{self.path}: written by a newer scraper (migration {newer[0]} is "
                "unknown here); upgrade scraper to write to it"
            )
        if schema.pending(self._conn):
            with self.transaction():  # re-checked under the write lock
                schema.migrate(self._conn)
        if schema.unindexed(self._conn):  # a shard written without its search index
            with self.transaction():
                if schema.unindexed(self._conn):
                    schema.reindex(self._conn)

    def _open_readonly(self, *, migrate: bool = True) -> None:
        """Open for reading only: nothing is created or written, so a mistyped path
        is an error and a file on a read-only mount can be read.  There, SQLite
        cannot make the WAL index, so the file is read as immutable."""
        if not self.path.is_file():
            reason = "is a directory" if self.path.is_dir() else "no such archive"
            raise ArchiveError(f"{self.path}: {reason}")
        uri = self.path.resolve().as_uri()
        for options in ("mode=ro", "mode=ro&immutable=1"):
            conn = sqlite3.connect(
                f"{uri}?{options}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            try:
                names = schema.applied(conn)
            except sqlite3.OperationalError as exc:
                conn.close()
                if getattr(exc, "sqlite_errorname", "") == "SQLITE_CANTOPEN":
                    continue
                raise
            if not names:
                conn.close()
                raise ArchiveError(f"{self.path}: not a scraper archive")
            if migrate and schema.pending(conn) and not schema.unknown(conn):
                # an older release's archive: migrate it if it can be written
                conn.close()
                with contextlib.suppress(ArchiveError):  # read-only: read it as it is
                    Backend(self.path).close()
                return self._open_readonly(migrate=False)
            self._conn = conn
            return
        raise ArchiveError(f"{self.path}: cannot open archive (unable to open database file)")

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        # check_same_thread=False: a crawl does its archive work on a thread of its own
        # (one thread at a time uses a connection; see scraper/crawl/writer.py)
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            conn.close()
            raise
        return conn

    def _create(self) -> None:
        """Build a new archive beside its path and link it into place complete, so
        a reader never sees a half-made one and racing creators all succeed (the
        first link wins; the others open it)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(8)}.new")
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # umask applies
        try:
            conn = self._connect(tmp)
            try:
                # free pages go back to the file system at a run's end (tidy), with no VACUUM
                conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
                conn.execute("BEGIN IMMEDIATE")
                schema.migrate(conn)
                conn.execute("COMMIT")
                conn.execute("VACUUM")  # no free pages from tables later migrations replaced
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()  # the last connection removes the -wal and -shm files
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                pass  # another process created it first: use theirs
            except OSError:  # a file system without hard links
                if not self.path.exists():
                    os.replace(tmp, self.path)
        finally:
            for leftover in (
                tmp,
                tmp.with_name(tmp.name + "-wal"),
                tmp.with_name(tmp.name + "-shm"),
            ):
                leftover.unlink(missing_ok=True)

    def size(self) -> int:
        """Bytes the archive file takes."""
        with self.errors():
            return self.path.stat().st_size

    def drop_search_index(self) -> None:
        """Write on without the full-text index (see ``schema.drop_search_index``)."""
        with self.errors("cannot drop the search index"):
            schema.drop_search_index(self.conn)

    @contextmanager
    def attached(self, path: Path, name: str) -> Iterator[None]:
        """Another archive file attached to this connection as ``name`` (outside a
        transaction), for statements that read both; its errors name it."""
        with self.errors(f"cannot attach {path}"):
            self.conn.execute(f"ATTACH DATABASE ? AS {name}", [str(path)])
        try:
            yield
        except ArchiveError as exc:  # a read of the attached file, most likely
            if str(exc).startswith(f"{path}: "):
                raise
            reason = str(exc).removeprefix(f"{self.path}: ")
            raise ArchiveError(f"{path}: {reason}") from exc
        finally:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute(f"DETACH DATABASE {name}")

    def write_in_bulk(self) -> None:
        """Checkpoint the WAL less often: many writes follow on this connection."""
        with self.errors():
            self.conn.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")

    def vacuum(self) -> None:
        """Give the space of deleted rows back to the file system (outside a transaction);
        an archive made before auto_vacuum was set gets it (``tidy`` can then shrink it)."""
        with self.errors("cannot vacuum"):
            self.conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            self.conn.execute("VACUUM")

    def tidy(self) -> None:
        """At the end of a writing run: merge the full-text index's segments (each
        transaction adds one; one segment takes about a fifth less room and is read
        faster), a bounded step of work (``FTS_MERGE_PAGES``), then give the free pages
        back to the file system (an archive with auto_vacuum; others keep them for
        later writes).  Outside a transaction."""
        with self.errors("cannot tidy"):
            with self.transaction():
                self.conn.execute(
                    "INSERT INTO articles_fts (articles_fts, rank) VALUES ('merge', ?)",
                    [-FTS_MERGE_PAGES],  # negative: segments of any level are merged
                )
            # executescript steps it to its end (execute frees one page and stops)
            self.conn.executescript("PRAGMA incremental_vacuum;")

    @contextmanager
    def errors(self, action: str = "", *, user_query: bool = False) -> Iterator[None]:
        """Turn a backend error (and an OS error opening the file) into an ArchiveError
        naming the file: the only place where this happens.  With ``user_query``
        (a statement that carries a user's full-text query), an error parsing that
        query becomes a QueryError instead."""
        try:
            yield
        except ArchiveError:
            raise
        except sqlite3.OperationalError as exc:
            # the user's query is wrong, not the archive
            if user_query and str(exc).startswith(FTS_QUERY_ERRORS):
                raise QueryError(f"bad search query ({exc}); quote words with - or :") from exc
            reason = f"{action} ({exc})" if action else str(exc)
            raise ArchiveError(f"{self.path}: {reason}") from exc
        except (sqlite3.Error, OSError) as exc:
            reason = f"{action} ({exc})" if action else str(exc)
            raise ArchiveError(f"{self.path}: {reason}") from exc

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ArchiveError(f"{self.path}: the archive is closed")
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            with self.errors():
                self._conn.close()
            self._conn = None

    # ------------------------------------------------------------ transactions
    # (Nesting's; the outermost one begins IMMEDIATE: it waits up to the busy
    # timeout for the write lock, instead of reading, then failing to upgrade)
    def _run(self, sql: str) -> None:
        self.conn.execute(sql)

    def _open(self) -> bool:
        return self.conn.in_transaction

    # ------------------------------------------------------------ statements
    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the rows it changed."""
        with self.errors():
            return int(self.conn.execute(sql, params).rowcount)

    def insert(self, sql: str, params: Params = ()) -> int | None:
        """Run an INSERT of one row; its id, or None when nothing was inserted."""
        with self.errors():
            cur = self.conn.execute(sql, params)
        return int(cur.lastrowid or 0) if cur.rowcount == 1 else None

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        with self.errors():
            self.conn.executemany(sql, rows)

    def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        with self.errors():
            row = self.conn.execute(sql, params).fetchone()
        return tuple(row) if row is not None else None

    def rows(self, sql: str, params: Params = ()) -> Iterator[tuple[Any, ...]]:
        """The result rows, streamed from a cursor (errors while reading included)."""
        with self.errors():
            yield from self.conn.execute(sql, params)

    def dicts(
        self, sql: str, params: Params = (), *, user_query: bool = False
    ) -> Iterator[dict[str, Any]]:
        """The result rows as column -> value dicts, streamed."""
        with self.errors(user_query=user_query):
            cursor = self.conn.execute(sql, params)
            columns = [c[0] for c in cursor.description]
            for row in cursor:
                yield dict(zip(columns, row, strict=True))


# ------------------------------------------------------------------ serve's check
def check_archive(path: Path) -> None:
    """Raise ArchiveError unless ``path`` is an existing, undamaged scraper archive;
    opens it read-only, creates and migrates nothing (``scraper serve``, before
    Datasette opens the file itself)."""
    if not path.is_file():
        reason = "is a directory" if path.is_dir() else "no such file"
        raise ArchiveError(f"{path}: cannot open archive ({reason})")
    try:
        conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
        try:
            row = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'articles'"
            ).fetchone()
            damage = _damage(conn) if row is not None else None
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise ArchiveError(f"{path}: cannot open archive ({exc})") from exc
    if row is None:
        raise ArchiveError(f"{path}: cannot open archive (not a scraper archive)")
    if damage is not None:
        raise ArchiveError(f"{path}: cannot open archive (damaged: {damage})")


CHECK_STEPS = 20_000_000  # SQLite VM steps of the damage check, about a second's work


def _damage(conn: sqlite3.Connection) -> str | None:
    """What ``PRAGMA quick_check`` finds wrong, or None.  Datasette would start on a
    damaged file and fail page by page; the check runs in full on archives of a few
    hundred MB and stops unfinished (no verdict) on larger ones, so that starting
    the server never takes long."""
    steps = 0

    def budget() -> int:
        nonlocal steps
        steps += 1
        return steps * 1000 > CHECK_STEPS

    conn.set_progress_handler(budget, 1000)
    try:
        (verdict,) = conn.execute("PRAGMA quick_check(1)").fetchone()
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            return None
        raise
    finally:
        conn.set_progress_handler(None, 0)
    if verdict == "ok":
        return None
    lines = [line for line in str(verdict).splitlines() if not line.startswith("***")]
    return "; ".join(lines) or "quick_check failed"
