"""The seam between the stores and a database: what a backend offers, and which
backend a ``--db`` value names (a path: SQLite; ``postgresql://...``: PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from scraper.archive.dialect import Dialect
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
    def close(self) -> None: ...


def open_backend(db: Path | str, *, readonly: bool = False) -> Backend:
    """The backend ``db`` names, opened (and its schema made or migrated)."""
    if is_database_url(db):
        from scraper.archive.postgres import PgBackend

        return PgBackend(str(db), readonly=readonly)
    from scraper.archive.sqlite import Backend as SqliteBackend

    return SqliteBackend(Path(db), readonly=readonly)
