"""The seam between the stores and a database: what a backend offers, and which
backend a ``--db`` value names (a path: SQLite; ``postgresql://...``: PostgreSQL)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from scraper.archive.dialect import Dialect
from scraper.errors import ArchiveError
from scraper.settings import is_database_url

Params = Sequence[Any]


class Backend(Protocol):
    """One connection to an archive: statements with ``?`` placeholders, transactions
    that nest, and every backend error raised as an ``ArchiveError``."""

    name: str
    dialect: Dialect
    readonly: bool

    @property
    def path(self) -> Any: ...  # the file (SQLite) or the URL (PostgreSQL)

    @property
    def in_transaction(self) -> bool: ...

    def transaction(self) -> AbstractContextManager[None]: ...
    def errors(
        self, action: str = "", *, user_query: bool = False
    ) -> AbstractContextManager[None]: ...
    def execute(self, sql: str, params: Params = ()) -> int: ...
    def insert(self, sql: str, params: Params = ()) -> int | None: ...
    def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...
    def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None: ...
    def rows(self, sql: str, params: Params = ()) -> Iterator[tuple[Any, ...]]: ...
    def dicts(
        self, sql: str, params: Params = (), *, user_query: bool = False
    ) -> Iterator[dict[str, Any]]: ...
    def size(self) -> int: ...
    def vacuum(self) -> None: ...
    def tidy(self) -> None: ...
    def write_in_bulk(self) -> None: ...
    def close(self) -> None: ...


class Nesting:
    """Transactions that nest, for both backends: the outermost begins with
    ``BEGIN`` and commits; inner ones are savepoints, so a failed inner block undoes
    only its own writes.  A backend gives its connection's raw ``_run(sql)``, the
    errors it raises (``_driver_errors``), whether a transaction is still open to
    undo (``_open``), and ``errors()``, which turns them into ``ArchiveError``."""

    BEGIN = "BEGIN"
    _driver_errors: type[Exception] | tuple[type[Exception], ...] = ()

    def _nesting(self) -> None:
        self._depth = 0  # open transaction (1) and savepoints within it
        self._names = itertools.count()

    def _run(self, sql: str) -> None:
        raise NotImplementedError

    def _open(self) -> bool:
        raise NotImplementedError

    def errors(self, action: str = "", *, user_query: bool = False) -> AbstractContextManager[None]:
        raise NotImplementedError

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside happen or none do."""
        savepoint = None if self._depth == 0 else f"sp{next(self._names)}"
        with self.errors():
            self._run(self.BEGIN if savepoint is None else f"SAVEPOINT {savepoint}")
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
                self._run("COMMIT" if savepoint is None else f"RELEASE {savepoint}")
        except ArchiveError:
            self._undo(savepoint)
            raise

    def _undo(self, savepoint: str | None) -> None:
        if not self._open():  # an error already ended it
            return
        try:
            if savepoint is None:
                self._run("ROLLBACK")
            else:
                self._run(f"ROLLBACK TO {savepoint}")
                self._run(f"RELEASE {savepoint}")
        except self._driver_errors:
            pass  # the original error says more


def open_backend(db: Path | str, *, readonly: bool = False) -> Backend:
    """The backend ``db`` names, opened (and its schema made or migrated)."""
    if is_database_url(db):
        from scraper.archive.postgres import PgBackend

        return PgBackend(str(db), readonly=readonly)
    from scraper.archive.sqlite import Backend as SqliteBackend

    return SqliteBackend(Path(db), readonly=readonly)
