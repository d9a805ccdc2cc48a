"""Dates the user gives and dates the archive sorts by: one parser, one format.

``parse_when`` reads every date a command takes (``--since``, ``--until``,
``--before``): an ISO date (``2026-11-01``), an ISO datetime (``2026-11-01T08:00``,
UTC unless it has an offset) or an age back from now (``12h``, ``7d``, ``2w``).

The archive keeps a page's publication date as the page gave it (``published``)
and, beside it, a UTC form that sorts (``published_utc``): ``YYYY-MM-DDTHH:MM:SS+00:00``
for a date with a time, ``YYYY-MM-DD`` for a date the page gave without one (no
midnight is invented), with ``published_precision`` saying which ('second', 'day').
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from scraper.models import DayDate

DAY, SECOND = "day", "second"
_AGE = re.compile(r"(\d{1,6})\s*([hdw])")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
FORMS = "YYYY-MM-DD, an ISO datetime, or an age like 12h, 7d, 2w"


def parse_when(value: str, *, now: datetime | None = None) -> datetime:
    """The moment ``value`` names, as an aware UTC datetime; ValueError if it names none."""
    text = value.strip()
    age = _AGE.fullmatch(text.lower())
    if age:
        now = now or datetime.now(UTC)
        return now.astimezone(UTC) - timedelta(**{_UNITS[age[2]]: int(age[1])})
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a date ({FORMS})") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def utc_text(when: datetime) -> str:
    """The archive's sortable UTC text of a moment (as ``first_seen`` and ``fetched_at``)."""
    return when.astimezone(UTC).isoformat(timespec="seconds")


def published_columns(value: datetime | None) -> tuple[str | None, str | None, str | None]:
    """(published, published_utc, published_precision) of an extracted date."""
    if value is None:
        return None, None, None
    if isinstance(value, DayDate):
        day = value.date().isoformat()
        return day, day, DAY
    return value.isoformat(), utc_text(value), SECOND


def utc_of_text(published: str | None) -> tuple[str | None, str | None]:
    """(published_utc, published_precision) of a stored ``published`` text.  A value
    at midnight UTC exactly is taken as a day: releases before published_utc stored
    a date without a time so."""
    if not published:
        return None, None
    try:
        if len(published) == 10:
            return date.fromisoformat(published).isoformat(), DAY
        when = datetime.fromisoformat(published)
    except ValueError:
        return None, None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when.utcoffset() == timedelta(0) and when.time() == datetime.min.time():
        return when.date().isoformat(), DAY
    return utc_text(when), SECOND


def range_sql(
    since: datetime | None, until: datetime | None, utc: str
) -> tuple[list[str], list[str]]:
    """SQL conditions (and parameters) for a UTC column ``utc`` whose rows are dated
    ``since <= d < until``; a day (``YYYY-MM-DD``) is compared by its day."""
    where: list[str] = []
    params: list[str] = []
    for bound, op in ((since, ">="), (until, "<")):
        if bound is None:
            continue
        text = utc_text(bound)
        where.append(f"({utc} {op} CASE WHEN length({utc}) = 10 THEN substr(?, 1, 10) ELSE ? END)")
        params += [text, text]
    return where, params
