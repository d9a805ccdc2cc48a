"""robots.txt of each origin (``robots``), kept with its validators so every worker
shares one copy: read from here while fresh, revalidated (``If-None-Match`` /
``If-Modified-Since``) once it is older than the crawl's max age.

``fetched_at`` is when the body was fetched, ``checked_at`` when it was fetched or
last confirmed by a 304: its age counts from the latter.  Times are the sortable UTC
text of the sites table (:func:`.sites.stamp`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scraper.archive.backend import Backend
from scraper.archive.sites import stamp


@dataclass(frozen=True, slots=True)
class StoredRobots:
    origin: str
    status: int  # 2xx: ``body`` is the rules; 4xx: there are none
    body: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: datetime
    checked_at: datetime


class RobotsStore:
    def __init__(self, db: Backend) -> None:
        self._db = db

    def get(self, origin: str) -> StoredRobots | None:
        row = self._db.one(
            "SELECT status, body, etag, last_modified, fetched_at, checked_at FROM robots"
            " WHERE origin = ?",
            [origin],
        )
        if row is None:
            return None
        status, body, etag, last_modified, fetched_at, checked_at = row
        return StoredRobots(
            origin,
            int(status),
            body,
            etag,
            last_modified,
            datetime.fromisoformat(fetched_at),
            datetime.fromisoformat(checked_at),
        )

    def put(
        self,
        origin: str,
        status: int,
        body: str | None,
        etag: str | None,
        last_modified: str | None,
        at: datetime,
    ) -> None:
        """Keep a full answer (fetched at ``at``), replacing the one kept before."""
        when = stamp(at)
        body = None if body is None else body.replace("\x00", "")  # PostgreSQL text has no NUL
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO robots (origin, status, body, etag, last_modified, fetched_at,"
                " checked_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (origin) DO UPDATE SET"
                " status = excluded.status, body = excluded.body, etag = excluded.etag,"
                " last_modified = excluded.last_modified, fetched_at = excluded.fetched_at,"
                " checked_at = excluded.checked_at",
                [origin, status, body, etag, last_modified, when, when],
            )

    def checked(self, origin: str, at: datetime) -> None:
        """The copy kept is still the site's (a 304 at ``at``): fresh again."""
        with self._db.transaction():
            self._db.execute(
                "UPDATE robots SET checked_at = ? WHERE origin = ?", [stamp(at), origin]
            )
