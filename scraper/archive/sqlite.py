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

import itertools
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from scraper.archive import schema
from scraper.errors import ArchiveError, QueryError

BUSY_TIMEOUT_MS = 30_000
Params = Sequence[Any]
# how SQLite words an FTS5 query it cannot parse (a usage error, not a broken archive)
FTS_QUERY_ERRORS = (
    "fts5: syntax error",
    "unknown special query",
    "unterminated string",
    "no such column",  # 'foo:bar' names a column
)


class Backend:
    """One connection to an archive file, opened (and migrated) on construction."""

    name = "sqlite"

    def __init__(self, path: Path | str, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._depth = 0  # open transaction (1) and savepoints within it
        self._names = itertools.count()
        self._conn: sqlite3.Connection | None = None
        if readonly:
            self._open_readonly()
            return
        with self.errors("cannot open archive"):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
            )
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA foreign_keys = ON")
        with self.errors("cannot open archive"):
            if schema.pending(self._conn):
                with self.transaction():  # re-checked under the write lock
                    schema.migrate(self._conn)

    def _open_readonly(self) -> None:
        """Open an existing archive for reading only: a missing file is an error (no
        file is created at a mistyped path).  An archive an older release wrote is
        migrated first, by a writer of its own, then opened read-only."""
        if not self.path.is_file():
            reason = "is a directory" if self.path.is_dir() else "no such archive"
            raise ArchiveError(f"{self.path}: {reason}")
        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        with self.errors("cannot open archive"):
            self._conn = sqlite3.connect(
                uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
            )
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA query_only = ON")
            if not schema.applied(self._conn):
                self.close()
                raise ArchiveError(f"{self.path}: not a scraper archive")
            needs_migrating = bool(schema.pending(self._conn))
        if needs_migrating:
            Backend(self.path).close()

    def vacuum(self) -> None:
        """Give the space of deleted rows back to the file system (outside a transaction)."""
        with self.errors("cannot vacuum"):
            self.conn.execute("VACUUM")

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
    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside happen or none do.  The outermost one begins
        IMMEDIATE (waits up to the busy timeout for the write lock); inner ones
        are savepoints, so a failed inner block undoes only its own writes."""
        conn = self.conn
        savepoint = None if self._depth == 0 else f"sp{next(self._names)}"
        with self.errors():
            conn.execute("BEGIN IMMEDIATE" if savepoint is None else f"SAVEPOINT {savepoint}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            self._undo(savepoint)
            raise
        self._depth -= 1
        try:
            with self.errors():
                conn.execute("COMMIT" if savepoint is None else f"RELEASE {savepoint}")
        except ArchiveError:
            self._undo(savepoint)
            raise

    def _undo(self, savepoint: str | None) -> None:
        conn = self.conn
        if not conn.in_transaction:  # an error already ended it
            return
        try:
            if savepoint is None:
                conn.execute("ROLLBACK")
            else:
                conn.execute(f"ROLLBACK TO {savepoint}")
                conn.execute(f"RELEASE {savepoint}")
        except sqlite3.Error:
            pass  # the original error says more

    # ------------------------------------------------------------ statements
    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        with self.errors():
            return self.conn.execute(sql, params)

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
