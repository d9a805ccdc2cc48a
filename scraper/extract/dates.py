"""Parse the date strings pages carry into timezone-aware datetimes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from scraper.models import DayDate

_MIN_YEAR = 1990

_ISO = re.compile(
    r"(?P<y>(?:19|20)\d\d)-?(?P<m>[01]\d)-?(?P<d>[0-3]\d)"
    r"(?:[T\s]+(?P<H>[0-2]\d):?(?P<M>[0-5]\d)(?::?(?P<S>[0-5]\d)(?:[.,]\d+)?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-][01]\d:?[0-5]\d|[+-][01]\d)?)?"
)
_SLASHED = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[/.](?P<m>[01]?\d)[/.](?P<d>[0-3]?\d)(?!\d)")
_DMY = re.compile(r"(?<!\d)(?P<d>[0-3]?\d)\.\s?(?P<m>[01]?\d)\.\s?(?P<y>(?:19|20)\d\d)(?!\d)")
_MDY_SLASH = re.compile(r"(?<!\d)(?P<m>[01]?\d)/(?P<d>[0-3]?\d)/(?P<y>(?:19|20)\d\d)(?!\d)")

MONTHS = {
    # en
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    # de
    "januar": 1,
    "jänner": 1,
    "februar": 2,
    "märz": 3,
    "maerz": 3,
    "mai": 5,
    "juni": 6,
    "juli": 7,
    "oktober": 10,
    "dezember": 12,
    "okt": 10,
    "dez": 12,
    # fr
    "janvier": 1,
    "février": 2,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "decembre": 12,
    # es / pt / it
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "septiembre": 9,
    "setiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
    "janeiro": 1,
    "fevereiro": 2,
    "março": 3,
    "maio": 5,
    "junho": 6,
    "julho": 7,
    "setembro": 9,
    "outubro": 10,
    "dezembro": 12,
    "gennaio": 1,
    "febbraio": 2,
    "aprile": 4,
    "maggio": 5,
    "giugno": 6,
    "luglio": 7,
    "settembre": 9,
    "ottobre": 10,
    "dicembre": 12,
    # nl
    "januari": 1,
    "februari": 2,
    "maart": 3,
    "mei": 5,
    "augustus": 8,
    # abbreviations (es, fr, it, pt)
    "ene": 1,
    "abr": 4,
    "ago": 8,
    "dic": 12,
    "janv": 1,
    "févr": 2,
    "avr": 4,
    "juil": 7,
    "déc": 12,
    "gen": 1,
    "mag": 5,
    "giu": 6,
    "lug": 7,
    "set": 9,
    "ott": 10,
    "fev": 2,
    "out": 10,
    # sv, da, no
    "maj": 5,
    "augusti": 8,
    "desember": 12,
    # pl (genitive)
    "stycznia": 1,
    "lutego": 2,
    "marca": 3,
    "kwietnia": 4,
    "maja": 5,
    "czerwca": 6,
    "lipca": 7,
    "sierpnia": 8,
    "września": 9,
    "października": 10,
    "listopada": 11,
    "grudnia": 12,
    # ru (genitive)
    "января": 1,
    "февраля": 2,
    "марта": 3,
    "апреля": 4,
    "мая": 5,
    "июня": 6,
    "июля": 7,
    "августа": 8,
    "сентября": 9,
    "октября": 10,
    "ноября": 11,
    "декабря": 12,
    # tr
    "ocak": 1,
    "şubat": 2,
    "nisan": 4,
    "mayıs": 5,
    "haziran": 6,
    "temmuz": 7,
    "ağustos": 8,
    "eylül": 9,
    "ekim": 10,
    "kasım": 11,
    "aralık": 12,
}
# Any word where the month goes (checked against MONTHS afterwards): much faster
# than an alternation of all the month names.
_WORD = r"[^\W\d_]{3,12}"
_TEXT_DMY = re.compile(
    rf"(?<!\d)(?P<d>[0-3]?\d)(?:st|nd|rd|th|\.|º)?\s*(?:de\s+)?(?P<mon>{_WORD})\.?,?\s*"
    rf"(?:de\s+|del\s+)?(?P<y>(?:19|20)\d\d)(?!\d)",
    re.IGNORECASE,
)
_TEXT_MDY = re.compile(
    rf"\b(?P<mon>{_WORD})\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)(?!\d)",
    re.IGNORECASE,
)
_RFC2822 = re.compile(r"[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{4} \d\d:\d\d")
YEAR = re.compile(r"(?:19|20)\d\d")  # a year this module reads, anywhere in a text
_YEAR_OR_SHORT = re.compile(r"(?:19|20)\d\d|\d\.\d\d(?![\d.])")
_DMY_SHORT = re.compile(r"(?<![\d.])(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>\d\d)(?![\d.])")
_DMY_SLASH = re.compile(r"(?<![\d/])(?P<a>[0-3]?\d)/(?P<b>[0-3]?\d)/(?P<y>(?:19|20)\d\d)(?!\d)")
_CJK = re.compile(r"(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>[01]?\d)\s*月\s*(?P<d>[0-3]?\d)\s*日")
_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)[/-]([01]?\d)[/-]([0-3]?\d)(?:/|[-_]|$)|/((?:19|20)\d\d)([01]\d)([0-3]\d)/"
)


# a path segment that is a date with the year last: "/29-10-2021", "/29.10.2021/"
_URL_DATE_LAST = re.compile(r"/([0-3]?\d)[-.]([0-3]?\d)[-.]((?:19|20)\d\d)(?:/|$|\.html?|[?#])")


def _tz(value: str | None) -> timezone:
    if not value or value in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if value[0] == "-" else 1
    digits = value[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14:
        return UTC
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def plausible(value: datetime | None, now: datetime | None = None) -> datetime | None:
    """The value if it lies between 1990 and tomorrow, else None."""
    if value is None:
        return None
    now = now or datetime.now(UTC)
    if value.year < _MIN_YEAR or value > now + timedelta(days=1):
        return None
    return value


def _make(
    y: int, m: int, d: int, hh: int | None = None, mm: int = 0, ss: int = 0, tz=UTC
) -> datetime | None:
    try:
        if hh is None:
            return plausible(DayDate(y, m, d, tzinfo=UTC))
        return plausible(datetime(y, m, d, hh, mm, ss, tzinfo=tz))
    except (ValueError, OverflowError):
        return None


def parse_iso(text: str | None) -> datetime | None:
    """A machine date (ISO 8601 and its common sloppy variants)."""
    if not text or not isinstance(text, str):
        return None
    text = text.strip()[:80]
    m = _ISO.search(text)
    if m:
        g = m.groupdict()
        return _make(
            int(g["y"]),
            int(g["m"]),
            int(g["d"]),
            int(g["H"]) if g["H"] else None,
            int(g["M"] or 0),
            int(g["S"] or 0),
            _tz(g["tz"]),
        )
    m = _SLASHED.search(text)
    if m:
        return _make(int(m["y"]), int(m["m"]), int(m["d"]))
    if text.isdigit() and 9 <= len(text) <= 13:  # unix time, seconds or milliseconds
        seconds = int(text) / (1000 if len(text) > 11 else 1)
        try:
            return plausible(datetime.fromtimestamp(seconds, UTC))
        except (ValueError, OverflowError, OSError):
            return None
    if _RFC2822.match(text):  # "Wed, 04 May 2022 02:41:00 GMT" (RSS, HTTP)
        try:
            found = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            found = None
        if found is not None:
            return plausible(found if found.tzinfo else found.replace(tzinfo=UTC))
    return parse_text(text)


def parse_text(text: str | None) -> datetime | None:
    """A human date in running text ("9 November 2016", "Nov. 9, 2016", "09.11.2016")."""
    if not text:
        return None
    text = text[:300]
    for rx in (_TEXT_MDY, _TEXT_DMY):
        m = rx.search(text)
        if m:
            month = MONTHS.get(m["mon"].lower().rstrip("."))
            if month:
                found = _make(int(m["y"]), month, int(m["d"]))
                if found:
                    return found
    m = _ISO.search(text) or _SLASHED.search(text)
    if m:
        return _make(int(m["y"]), int(m["m"]), int(m["d"]))
    m = _DMY.search(text)
    if m:
        return _make(int(m["y"]), int(m["m"]), int(m["d"]))
    m = _MDY_SLASH.search(text)
    if m:
        return _make(int(m["y"]), int(m["m"]), int(m["d"]))
    return None


def find_date(
    text: str | None, *, short_years: bool = False, last: bool = False, day_first: bool = True
) -> datetime | None:
    """The first (or last) human or machine date written in a short text, by position.

    ``short_years`` also accepts "24.03.21"; ``day_first`` reads "03/04/2021"
    as 3 April (unless a part above 12 says otherwise).
    """
    found = find_dates(text, short_years=short_years, day_first=day_first)
    if not found:
        return None
    return (max if last else min)(found, key=lambda pv: pv[0])[1]


def find_dates(
    text: str | None, *, short_years: bool = False, day_first: bool = True
) -> list[tuple[int, datetime]]:
    """Every date written in a short text, with its position (unordered)."""
    found: list[tuple[int, datetime]] = []
    if not text:
        return found
    # the patterns run only around the years written in the text (fast on long texts)
    spans: list[list[int]] = []
    for m in (_YEAR_OR_SHORT if short_years else YEAR).finditer(text):
        start, end = max(0, m.start() - 32), m.end() + 24
        if spans and start <= spans[-1][1]:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    for start, end in spans:
        for pos, value in _dates_in(text[start:end], short_years, day_first):
            found.append((start + pos, value))
    return found


def _dates_in(text: str, short_years: bool, day_first: bool) -> list[tuple[int, datetime]]:
    found: list[tuple[int, datetime]] = []
    for rx in (_TEXT_MDY, _TEXT_DMY):
        for m in rx.finditer(text):
            month = MONTHS.get(m["mon"].lower().rstrip("."))
            value = _make(int(m["y"]), month, int(m["d"])) if month else None
            if value:
                found.append((m.start(), value))
    # the numeric patterns only where their separators are
    dot, slash = "." in text, "/" in text
    for rx in (
        _ISO,
        _SLASHED if dot or slash else None,
        _DMY if dot else None,
        _CJK if "年" in text else None,
    ):
        if rx is None:
            continue
        for m in rx.finditer(text):
            value = _make(int(m["y"]), int(m["m"]), int(m["d"]))
            if value:
                found.append((m.start(), value))
    for m in _DMY_SLASH.finditer(text) if slash else ():
        a, b = int(m["a"]), int(m["b"])
        day, month = (a, b) if (day_first and b <= 12) or a > 12 else (b, a)
        value = _make(int(m["y"]), month, day)
        if value:
            found.append((m.start(), value))
    if short_years and dot:
        for m in _DMY_SHORT.finditer(text):
            year = 2000 + int(m["y"]) if int(m["y"]) < 50 else 1900 + int(m["y"])
            value = _make(year, int(m["m"]), int(m["d"]))
            if value:
                found.append((m.start(), value))
    return found


def date_from_url(url: str | None) -> datetime | None:
    """A date written in a URL's path (/2016/11/09/ or /20161109/)."""
    if not url:
        return None
    m = _URL_DATE.search(url)
    if not m:
        m = _URL_DATE_LAST.search(url)
        if not m:
            return None
        # "/meldungen/29-10-2021": the day first, or the month: whichever only one reads
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        if a > 12:
            return _make(year, b, a)
        if b > 12:
            return _make(year, a, b)
        return None
    g = [x for x in m.groups() if x]
    return _make(int(g[0]), int(g[1]), int(g[2]))
