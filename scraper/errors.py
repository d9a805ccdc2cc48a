"""The exception tree of scraper.

The library raises these; only the CLI turns them into messages and exit codes (each
class's ``exit_code``)::

    ScraperError                 anything scraper itself reports
    ├── UsageError               bad input from the user (exit 2)
    │   ├── InvalidURL           a string that is not an http(s) URL
    │   ├── InputFileError       an input or config file that cannot be read
    │   ├── SettingError         a setting (file, environment, flag) out of its bounds
    │   └── QueryError           a full-text search query the index cannot parse
    ├── ArchiveError             the SQLite archive cannot be opened or written (exit 3)
    │   ├── ArchiveLocked        another run holds the archive's crawl lock
    │   └── ArchiveConflict      PostgreSQL failed a statement to break a deadlock
    └── Interrupted              Ctrl-C where the command had no summary to print (exit 130)

A failed fetch is not raised: it is *recorded* (a ``FetchResult`` with
``error`` set, a row in ``fetches``) and reported as one line by the CLI.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class ScraperError(Exception):
    """Base class of every error scraper raises on purpose."""

    exit_code = 1  # what the command exits with (README "Exit codes")


class UsageError(ScraperError):
    """The user asked for something that cannot be done as asked."""

    exit_code = 2


class InvalidURL(UsageError):
    def __init__(self, url: str, reason: str = "not an http(s) URL") -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class InputFileError(UsageError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class SettingError(UsageError):
    """A setting's value is not valid, e.g. ``SCRAPER_TIMEOUT=-1``."""


class QueryError(UsageError):
    """A full-text query the search index cannot parse (FTS5 syntax)."""


class ArchiveError(ScraperError):
    """The archive file cannot be opened, migrated or written."""

    exit_code = 3


class ArchiveLocked(ArchiveError):
    """Another process holds the archive's exclusive crawl lock."""


class ArchiveConflict(ArchiveError):
    """PostgreSQL failed a statement because its transaction and another waited for
    each other (a deadlock, SQLSTATE 40P01) or could not be serialized (40001).  Only
    that statement failed: rolled back to a savepoint before it, the transaction
    goes on, and the writes it undid may be done again (``CommitBatch.write``)."""


@contextmanager
def reading(name: str) -> Iterator[None]:
    """Turn an OS error opening or reading the input file ``name`` into an
    ``InputFileError`` with a short reason."""
    try:
        yield
    except FileNotFoundError as exc:
        raise InputFileError(name, "no such file") from exc
    except IsADirectoryError as exc:
        raise InputFileError(name, "is a directory") from exc
    except OSError as exc:
        raise InputFileError(name, exc.strerror or "cannot read") from exc


class Interrupted(ScraperError):
    """Ctrl-C (SIGINT) reached the CLI outside a command's own handling of it (the
    commands that can say what they did catch ``KeyboardInterrupt`` themselves)."""

    exit_code = 130  # as shells report a process ended by SIGINT
