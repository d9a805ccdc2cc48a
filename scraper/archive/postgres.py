"""The PostgreSQL backend (``--db postgresql://...``): the same interface as
:mod:`.sqlite`'s ``Backend``, over one psycopg 3 connection.

The stores' SQL (``?`` placeholders) runs here with psycopg's ``%s``; what the
two dialects say differently comes from :data:`~.dialect.POSTGRES`.  Every
``psycopg.Error`` becomes an :class:`~scraper.errors.ArchiveError` in one place,
:meth:`PgBackend.errors`, naming the database by its URL (password hidden).
Transactions begin with ``BEGIN`` and nest as savepoints, as on SQLite; a
writer opening the archive applies the schema under an advisory lock, so
processes opening a new database at once make it exactly once.

The database must exist (``createdb``); the tables are made on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from scraper.archive import pgschema, schema
from scraper.archive.backend import Nesting
from scraper.archive.dialect import POSTGRES
from scraper.errors import ArchiveConflict, ArchiveError, QueryError
from scraper.urls import redact

Params = Sequence[Any]
MIGRATION_LOCK = 0x5C4A9E12  # pg_advisory_xact_lock key: one migrating writer at a time
CONNECT_TIMEOUT = 10
# ``INSERT INTO t (a, b) VALUES (?, ?) [tail]``: what executemany sends as one statement
INSERT_VALUES = re.compile(
    r"\s*INSERT\s+INTO\s+([A-Za-z_][\w.]*)\s*\(([^)]*)\)\s*"
    r"VALUES\s*\(\s*\?(?:\s*,\s*\?)*\s*\)([^?]*)",
    re.IGNORECASE | re.DOTALL,
)
UNNEST_ROWS = 5000  # rows an INSERT ... unnest() carries
CONFLICTS = ("40P01", "40001")  # deadlock_detected, serialization_failure: ArchiveConflict


@lru_cache(maxsize=512)
def _placeholders(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def placeholders(sql: str, params: Params) -> str:
    """The stores' ``?`` placeholders as psycopg's ``%s`` (a literal ``%`` doubled:
    only with parameters, as psycopg reads ``%`` only then)."""
    return _placeholders(sql) if params else sql


IN_LIST = re.compile(r"(\bNOT\s+)?\bIN\s*\(\s*\?(?:\s*,\s*\?)*\s*\)|\?", re.IGNORECASE)


@lru_cache(maxsize=512)
def _arrays(sql: str) -> tuple[str, tuple[int, ...]] | None:
    """``sql`` in psycopg's form with each ``IN (?, ?, ...)`` as ``= ANY(%s)`` (``NOT
    IN``: ``<> ALL(%s)``), and how many of the stores' parameters each of its own
    takes (0: one, as itself); None when it has no such list."""
    parts: list[str] = []
    takes: list[int] = []
    at = 0
    for match in IN_LIST.finditer(sql):
        parts.append(sql[at : match.start()].replace("%", "%%"))
        found = match.group(0)
        if found == "?":
            parts.append("%s")
            takes.append(0)
        else:
            parts.append("<> ALL(%b)" if match.group(1) else "= ANY(%b)")
            takes.append(found.count("?"))
        at = match.end()
    if not any(takes):
        return None
    parts.append(sql[at:].replace("%", "%%"))
    return "".join(parts), tuple(takes)


def statement(sql: str, params: Params) -> tuple[str, Params | None]:
    """The stores' statement and parameters as psycopg takes them.  A list of
    integers ``IN (?, ?, ...)`` goes as one array, ``= ANY(%s)``: one statement text
    whatever the list's length, which psycopg prepares once it has run it five times
    (a crawl looks each page's link URLs up by their ids, a hundred or so), where
    each length was a statement of its own, parsed and planned on every run.  Only
    integers: with text lists too (the frontier's url lookups) the server spent 1.3
    ms an article more in bench/scale_bench.py, for a reason not found (not the
    collation: EXPLAIN shows the same plans for a text array as for its IN list)."""
    if not params:
        return sql, None
    found = _arrays(sql)
    if found is None:
        return _placeholders(sql), params
    text, takes = found
    grouped: list[Any] = []
    at = 0
    for n in takes:
        if n == 0:
            grouped.append(params[at])
            at += 1
            continue
        values = list(params[at : at + n])
        if {type(v) for v in values if v is not None} - {int}:
            return _placeholders(sql), params
        grouped.append(values)
        at += n
    return text, grouped


class PgBackend(Nesting):
    """One connection to a PostgreSQL archive, opened (and its schema made) on construction."""

    name = "postgresql"
    dialect = POSTGRES

    def __init__(self, url: str, *, readonly: bool = False) -> None:
        self.path = url
        self.label = redact(url)
        self.readonly = readonly
        self._nesting()
        self._conn: Any = None
        self._types: dict[str, dict[str, str]] = {}  # executemany's column types, by table
        self._held: list[str] = []  # BEGIN, SAVEPOINT, RELEASE not sent yet (see _run)
        self._unsent: set[str] = set()  # savepoints rolled back before they were sent
        try:
            import psycopg
        except ImportError:
            raise ArchiveError(
                f"{self.label}: PostgreSQL archives need psycopg: pip install 'scraper[postgres]'"
            ) from None
        self._psycopg = psycopg
        self._driver_errors = psycopg.Error
        try:
            with self.errors("cannot open archive"):
                self._conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
                if readonly:
                    self._open_readonly()
                else:
                    self._open_for_writing()
        except ArchiveError:
            self.close()
            raise

    def _applied(self) -> list[str]:
        if self.one("SELECT to_regclass(?)", [schema.TABLE]) == (None,):
            return []
        rows = self.rows(
            f"SELECT name FROM {schema.TABLE} WHERE migration_set = ? ORDER BY id", [schema.SET]
        )
        return [str(r[0]) for r in rows]

    def _open_readonly(self) -> None:
        if not self._applied():
            raise ArchiveError(f"{self.label}: not a scraper archive")
        self.execute("SET default_transaction_read_only = on")

    def _open_for_writing(self) -> None:
        newer = [n for n in self._applied() if n not in pgschema.MIGRATIONS]
        if newer:
            raise ArchiveError(
                f"{self.label}: written by a newer scraper (migration {newer[0]} is "
                "unknown here); upgrade scraper to write to it"
            )
        if len(self._applied()) < len(pgschema.MIGRATIONS):
            with self.transaction():
                self.execute("SELECT pg_advisory_xact_lock(?)", [MIGRATION_LOCK])
                self.execute(pgschema.MIGRATIONS_TABLE)
                done = set(self._applied())  # again, under the lock
                for name, ddl in pgschema.MIGRATIONS.items():
                    if name in done:
                        continue
                    if ddl:
                        self.execute(ddl)
                    self.execute(
                        f"INSERT INTO {schema.TABLE} (migration_set, name, applied_at) "
                        "VALUES (?, ?, ?)",
                        [schema.SET, name, str(datetime.now(UTC))],
                    )
            self._types.clear()  # the tables as the migrations left them

    @contextmanager
    def errors(self, action: str = "", *, user_query: bool = False) -> Iterator[None]:
        """Turn a psycopg error into an ArchiveError naming the database: the only
        place where this happens.  (A user's search query is checked before it gets
        here, by :mod:`.ftsquery`; ``user_query`` is for the SQLite backend's sake.)"""
        try:
            yield
        except ArchiveError:
            raise
        except self._psycopg.Error as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            if user_query and isinstance(exc, self._psycopg.errors.SyntaxError):
                raise QueryError(f"bad search query ({first})") from exc
            reason = f"{action} ({first})" if action else first
            error = ArchiveConflict if exc.sqlstate in CONFLICTS else ArchiveError
            raise error(f"{self.label}: {reason}") from exc

    @property
    def conn(self) -> Any:
        if self._conn is None:
            raise ArchiveError(f"{self.label}: the archive is closed")
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            with self.errors():
                self._conn.close()
            self._conn = None

    def vacuum(self) -> None:
        with self.errors("cannot vacuum"):
            self.conn.execute("VACUUM")

    def tidy(self) -> None:
        """Nothing to do: a GIN index and autovacuum look after themselves."""

    def write_in_bulk(self) -> None:
        """Nothing to tune: the server checkpoints by its own settings."""

    def size(self) -> int:
        """Bytes the database takes."""
        row = self.one("SELECT pg_database_size(current_database())")
        return int(row[0]) if row else 0

    # ------------------------------------------------------------ transactions
    # BEGIN, SAVEPOINT and RELEASE wait in ``_held`` for the next statement, and reach
    # the server with the others waiting, as one string: a crawl writes each page in
    # nested savepoints (the page's, its article's, its frontier row's...), and a round
    # trip for each of those was a third of a crawl's statements.  A savepoint
    # released or rolled back before anything ran in it is never sent; COMMIT,
    # ROLLBACK and ROLLBACK TO go at once, without the RELEASEs still waiting (all
    # inside what they end).
    def _run(self, sql: str) -> None:
        held = self._held
        verb, _, name = sql.partition(" ")
        if verb in ("BEGIN", "SAVEPOINT"):
            held.append(sql)
        elif verb == "RELEASE" and name in self._unsent:  # rolled back before it was sent
            self._unsent.discard(name)
        elif verb == "RELEASE" and f"SAVEPOINT {name}" in held:  # nothing ran in it
            del held[held.index(f"SAVEPOINT {name}") :]
        elif verb == "RELEASE":
            held.append(sql)
        elif name.startswith("TO ") and f"SAVEPOINT {name[3:]}" in held:  # nothing ran in it
            del held[held.index(f"SAVEPOINT {name[3:]}") :]
            self._unsent.add(name[3:])
        elif held[:1] == ["BEGIN"]:  # COMMIT or ROLLBACK of a transaction where nothing ran
            held.clear()
        else:
            held.clear()
            self.conn.execute(sql, prepare=False)

    def _send(self) -> None:
        """What waits in ``_held``, in one round trip (before a statement)."""
        if self._held:
            text = "; ".join(self._held)
            self._held = []
            self.conn.execute(text, prepare=False)

    def _open(self) -> bool:
        return self._conn is not None and not self._conn.closed

    # ------------------------------------------------------------ statements
    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the rows it changed."""
        with self.errors():
            self._send()
            cur = self.conn.execute(*statement(sql, params))
            return int(cur.rowcount)

    def insert(self, sql: str, params: Params = ()) -> int | None:
        """Run an INSERT of one row; its id, or None when nothing was inserted."""
        with self.errors():
            self._send()
            text, values = statement(sql, params)
            row = self.conn.execute(text + " RETURNING id", values).fetchone()
        return int(row[0]) if row else None

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run ``sql`` for each row.  An ``INSERT ... VALUES (?, ...)`` goes as one
        statement, ``INSERT ... SELECT * FROM unnest(column arrays)``: one round trip
        and one execution on the server, where psycopg's executemany sends and the
        server runs a statement a row (the same rows, in the same order: ids follow it)."""
        rows = list(rows)
        if not rows:
            return
        with self.errors():
            self._send()
            unnest = self._unnest(sql, rows)
            if unnest is not None:
                for start in range(0, len(rows), UNNEST_ROWS):
                    chunk = rows[start : start + UNNEST_ROWS]
                    self.conn.execute(unnest, [list(c) for c in zip(*chunk, strict=True)])
                return
            with self.conn.cursor() as cur:
                cur.executemany(placeholders(sql, rows[0]), rows)

    def _unnest(self, sql: str, rows: list[Params]) -> str | None:
        """``sql`` (an INSERT of one row of ``?``) as an INSERT of the rows' column
        arrays, each cast to its column's type; None when it is not such an INSERT, or
        a column's values are not all of one scalar type (psycopg dumps an array by
        its first value's)."""
        match = INSERT_VALUES.fullmatch(sql)
        if match is None:
            return None
        table, names, tail = match.group(1), match.group(2), match.group(3)
        if "UPDATE" in tail.upper():  # DO UPDATE: a key twice in one statement is an error
            return None
        columns = [c.strip() for c in names.split(",")]
        if sql.count("?") != len(columns) or any(len(r) != len(columns) for r in rows):
            return None
        types = self._column_types(table)
        if not all(c in types for c in columns):
            return None
        for values in zip(*rows, strict=True):
            kinds = {type(v) for v in values if v is not None}
            if len(kinds) > 1 or kinds & {list, tuple, dict, set}:
                return None
        arrays = ", ".join(f"%b::{types[c]}[]" for c in columns)
        tail = tail.replace("%", "%%")
        return f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays}){tail}"

    def _column_types(self, table: str) -> dict[str, str]:
        """Each column of ``table`` with its type (read once a connection; {} when
        there is no such table, e.g. a temporary one named as SQLite names it)."""
        if table not in self._types:
            found = self.conn.execute(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped",
                [table],
            ).fetchall()
            self._types[table] = {str(n): str(t) for n, t in found}
        return self._types[table]

    def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        with self.errors():
            self._send()
            row = self.conn.execute(*statement(sql, params)).fetchone()
        return tuple(row) if row is not None else None

    def rows(self, sql: str, params: Params = ()) -> Iterator[tuple[Any, ...]]:
        with self.errors():
            self._send()
            found = self.conn.execute(*statement(sql, params)).fetchall()
        yield from found

    def dicts(
        self, sql: str, params: Params = (), *, user_query: bool = False
    ) -> Iterator[dict[str, Any]]:
        with self.errors(user_query=user_query):
            self._send()
            cur = self.conn.execute(*statement(sql, params))
            columns = [c.name for c in cur.description]
            found = cur.fetchall()
        for row in found:
            yield dict(zip(columns, row, strict=True))


CRAWL_LOCK = 0x5C4A9E13  # pg_advisory_lock key of the crawl lock


@contextmanager
def crawl_lock(url: str, *, wait: bool, on_wait: Any = None) -> Iterator[str]:
    """Hold the crawl lock of the PostgreSQL archive at ``url``: a session advisory
    lock on a connection of its own, so the server drops it when the process ends,
    however it ends.  ``ArchiveLocked`` if another crawl holds it (or, with ``wait``,
    call ``on_wait`` and block until it is free)."""
    from scraper.errors import ArchiveLocked

    label = redact(url)
    try:
        import psycopg
    except ImportError:
        raise ArchiveError(
            f"{label}: PostgreSQL archives need psycopg: pip install 'scraper[postgres]'"
        ) from None
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or ["?"])[0]
        raise ArchiveError(f"{label}: cannot open archive ({first})") from exc
    try:
        try:
            got = conn.execute("SELECT pg_try_advisory_lock(%s)", [CRAWL_LOCK]).fetchone()
            if not (got and got[0]):
                if not wait:
                    raise ArchiveLocked(f"{label}: another crawl is running on this archive")
                if on_wait is not None:
                    on_wait()
                conn.execute("SELECT pg_advisory_lock(%s)", [CRAWL_LOCK])
        except psycopg.Error as exc:
            first = (str(exc).strip().splitlines() or ["?"])[0]
            raise ArchiveError(f"{label}: cannot take the crawl lock ({first})") from exc
        yield label
    finally:
        conn.close()  # releases the lock
