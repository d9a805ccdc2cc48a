"""Hosts shared by every crawl of an archive (``hosts``): the request times of hosts
outside a crawl's own sites, and the pauses of failing hosts.

A site's own hosts are fetched only by the worker that holds the site's lease, so
its politeness lives in that worker's memory.  A host outside any site the crawl
holds (``--offsite``), or one that keeps failing, may be fetched by any worker: its
row keeps when the next request may go (``next_at``), a failing host's pause
(``paused_until``) and its pauses in a row (``failures``).

``reserve`` takes the next slot of a host in one transaction: the row is locked
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` lets one
writer in at a time), its slot read and moved on by the delay, so two workers
racing on one host get slots a delay apart, never the same one.  Times are the
sortable UTC text of the sites table (:func:`.sites.stamp`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from scraper.archive.backend import Backend
from scraper.archive.sites import stamp


@dataclass(frozen=True, slots=True)
class HostState:
    host: str
    next_at: datetime | None
    paused_until: datetime | None
    failures: int


def _when(text: Any) -> datetime | None:
    return None if text is None else datetime.fromisoformat(str(text))


class HostStore:
    def __init__(self, db: Backend) -> None:
        self._db = db

    def get(self, host: str) -> HostState | None:
        row = self._db.one(
            "SELECT next_at, paused_until, failures FROM hosts WHERE host = ?", [host]
        )
        if row is None:
            return None
        return HostState(host, _when(row[0]), _when(row[1]), int(row[2]))

    def reserve(self, host: str, delay: float, at: datetime, max_wait: float) -> float:
        """Seconds from ``at`` until a request to ``host`` may go out, that slot taken
        (the next one is ``delay`` after it).  A pause longer than ``max_wait`` takes
        no slot: the caller does not wait for it."""
        now = stamp(at)
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO hosts (host, next_at, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (host) DO NOTHING",
                [host, now, now],
            )
            row = self._db.one(
                "SELECT next_at, paused_until FROM hosts WHERE host = ?"
                f"{self._db.dialect.for_update}",
                [host],
            )
            assert row is not None
            start = max(at, _when(row[0]) or at, _when(row[1]) or at)
            wait = (start - at).total_seconds()
            if wait > max_wait:
                return wait
            self._db.execute(
                "UPDATE hosts SET next_at = ?, updated_at = ? WHERE host = ?",
                [stamp(start + timedelta(seconds=delay)), now, host],
            )
        return wait

    def pause(self, host: str, until: datetime, at: datetime) -> None:
        """``host`` keeps failing: no worker requests it before ``until``."""
        now = stamp(at)
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO hosts (host, paused_until, failures, updated_at)"
                " VALUES (?, ?, 1, ?) ON CONFLICT (host) DO UPDATE SET"
                " paused_until = excluded.paused_until, failures = hosts.failures + 1,"
                " updated_at = excluded.updated_at",
                [host, stamp(until), now],
            )

    def recovered(self, host: str, at: datetime) -> None:
        """``host`` answered again: its pause and failures are over."""
        with self._db.transaction():
            self._db.execute(
                "UPDATE hosts SET paused_until = NULL, failures = 0, updated_at = ?"
                " WHERE host = ? AND (failures > 0 OR paused_until IS NOT NULL)",
                [stamp(at), host],
            )
