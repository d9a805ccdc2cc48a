"""The sites workers crawl (``sites``): each a unit of work, leased by one worker at a time.

A site (``frontier.site``: a host without ``www.``) has its seeds, the interval
between runs and when it is next due.  A worker *claims* a due site: in one
transaction it picks the site due longest ago that no live lease holds and
writes itself as the lease owner until ``lease_expires``.  On PostgreSQL the
pick is ``FOR UPDATE SKIP LOCKED`` (claimers never wait on each other's row and
never both get it); on SQLite the transaction's ``BEGIN IMMEDIATE`` lets one
claimer in at a time, which gives the same guarantee.  The holder renews its
lease while it crawls (a heartbeat) and releases it with the next run's time;
a worker that dies stops renewing, and once its lease has expired any worker
may claim the site and resume its crawl from the frontier rows still queued.

Times are UTC text with milliseconds (``2026-11-30T22:10:05.123+00:00``), so
they sort as text on both backends; a lease is compared with the claimer's
clock (the machines' clocks must agree to well within a lease).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scraper.archive.backend import Backend

COLUMNS = (
    "site", "seeds", "interval_seconds", "next_run", "lease_owner", "lease_expires", "paused",
    "failures", "idle_runs", "crawl_delay", "added_at", "last_run", "last_result",
)  # fmt: skip
DEFAULT_INTERVAL = 3600  # seconds from the end of a site's run to its next


def stamp(when: datetime) -> str:
    """The sortable UTC text of ``when`` that the sites table keeps."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Lease:
    """A site a worker holds: what it needs to crawl it."""

    site: str
    seeds: list[str]
    interval_seconds: int
    crawl_delay: float | None
    failures: int
    idle_runs: int  # runs in a row before this one that archived nothing new or changed
    owner: str


class SiteStore:
    def __init__(self, db: Backend) -> None:
        self._db = db

    def add(
        self,
        site: str,
        seeds: Iterable[str],
        interval_seconds: int | None = None,
        crawl_delay: float | None = None,
    ) -> tuple[bool, int, int]:
        """Add a site (due now; every ``DEFAULT_INTERVAL`` unless given), or give a known
        one the seeds it lacks, and the interval and delay given (its next run stays).
        Returns whether the site is new, its seeds and its interval."""
        at = stamp(now())
        with self._db.transaction():
            row = self._db.one("SELECT seeds, interval_seconds FROM sites WHERE site = ?", [site])
            if row is None:
                seeds, interval = list(seeds), interval_seconds or DEFAULT_INTERVAL
                self._db.execute(
                    "INSERT INTO sites (site, seeds, interval_seconds, next_run, crawl_delay,"
                    " added_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [site, json.dumps(seeds), interval, at, crawl_delay, at],
                )
                return True, len(seeds), interval
            seeds = list(dict.fromkeys([*json.loads(row[0]), *seeds]))
            interval = interval_seconds or int(row[1])
            self._db.execute(
                "UPDATE sites SET seeds = ?, interval_seconds = ?,"
                " crawl_delay = coalesce(?, crawl_delay) WHERE site = ?",
                [json.dumps(seeds), interval, crawl_delay, site],
            )
            return False, len(seeds), interval

    def list(self) -> list[dict[str, Any]]:
        """Every site, by name, with its columns (``seeds`` as a list)."""
        rows = self._db.dicts(f"SELECT {', '.join(COLUMNS)} FROM sites ORDER BY site")
        return [{**r, "seeds": json.loads(r["seeds"]), "paused": bool(r["paused"])} for r in rows]

    def pause(self, site: str, paused: bool) -> bool:
        """Pause or resume a site; False when there is no such site.  A paused site is
        not claimed, and its holder loses the lease at its next heartbeat."""
        with self._db.transaction():
            changed = self._db.execute(
                "UPDATE sites SET paused = ? WHERE site = ?", [int(paused), site]
            )
        return changed > 0

    def claim(self, owner: str, lease_seconds: float) -> Lease | None:
        """Lease the site due longest ago that no live lease holds to ``owner``, or None."""
        at = now()
        text = stamp(at)
        with self._db.transaction():
            row = self._db.one(
                "SELECT site, seeds, interval_seconds, crawl_delay, failures, idle_runs FROM sites"
                " WHERE paused = 0 AND next_run <= ?"
                " AND (lease_expires IS NULL OR lease_expires <= ?)"
                f" ORDER BY next_run, site LIMIT 1{self._db.dialect.skip_locked}",
                [text, text],
            )
            if row is None:
                return None
            site, seeds, interval, delay, failures, idle = row
            self._db.execute(
                "UPDATE sites SET lease_owner = ?, lease_expires = ? WHERE site = ?",
                [owner, stamp(at + timedelta(seconds=lease_seconds)), site],
            )
        return Lease(
            str(site),
            list(json.loads(seeds)),
            int(interval),
            None if delay is None else float(delay),
            int(failures),
            int(idle),
            owner,
        )

    def renew(self, lease: Lease, lease_seconds: float) -> bool:
        """Extend a lease; False when it is lost (expired and taken, or the site paused)."""
        with self._db.transaction():
            renewed = self._db.execute(
                "UPDATE sites SET lease_expires = ?"
                " WHERE site = ? AND lease_owner = ? AND paused = 0",
                [stamp(now() + timedelta(seconds=lease_seconds)), lease.site, lease.owner],
            )
        return renewed > 0

    def release(
        self,
        lease: Lease,
        *,
        next_in: float | None,
        failed: bool,
        result: str | None,
        idle: bool = False,
    ) -> bool:
        """Give a site back: due again in ``next_in`` seconds (None: due now, a run cut
        short that another worker may go on with); ``failed`` counts a run with problems,
        ``idle`` one that archived nothing new or changed (else each count starts again;
        a run cut short counts for neither).  False when the lease was no longer held."""
        at = now()
        fields = "lease_owner = NULL, lease_expires = NULL, last_run = ?, last_result = ?"
        params: list[Any] = [stamp(at), result]
        if next_in is not None:
            fields += ", next_run = ?"
            params.append(stamp(at + timedelta(seconds=next_in)))
            fields += ", failures = failures + 1" if failed else ", failures = 0"
            fields += ", idle_runs = idle_runs + 1" if idle else ", idle_runs = 0"
        with self._db.transaction():
            released = self._db.execute(
                f"UPDATE sites SET {fields} WHERE site = ? AND lease_owner = ?",
                [*params, lease.site, lease.owner],
            )
        return released > 0

    def due(self) -> int:
        """Sites due now and not paused, those a worker holds included."""
        row = self._db.one(
            "SELECT count(*) FROM sites WHERE paused = 0 AND next_run <= ?", [stamp(now())]
        )
        return int(row[0]) if row else 0
