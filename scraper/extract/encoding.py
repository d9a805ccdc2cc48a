"""Turn an HTML body (bytes) into text.

Order: byte-order mark, then UTF-8 when the non-ASCII bytes are valid UTF-8
(servers often mislabel UTF-8 as latin-1), then the charset declared by the HTTP header, then a
``<meta charset>`` / ``http-equiv`` declaration in the first few KB, then
UTF-8; only when all of these fail to decode strictly is charset-normalizer
asked (on a bounded prefix), and cp1252 with replacement is the last resort.
"""

from __future__ import annotations

import codecs
import re

from scraper.extract.rules import META_SNIFF_BYTES

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOM_STARTS = tuple(bom for bom, _ in _BOMS)
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.+-]{1,40})""", re.IGNORECASE
)
# What browsers do (WHATWG encoding standard): these labels mean windows-1252.
_ALIASES = {"latin-1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252"}
_DETECT_BYTES = 64_000


def normalize_charset(label: str | None) -> str | None:
    """Python codec name for a charset label, or None when unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'").lower()).name
    except (LookupError, ValueError):
        return None
    if name.startswith("utf-16") or name.startswith("utf-32"):
        return None  # an in-document utf-16 declaration is wrong by definition
    return _ALIASES.get(name, name)


def sniff_meta_charset(body: bytes) -> str | None:
    """The charset a ``<meta>`` declares in the first few KB, if any."""
    m = _META_CHARSET.search(body, 0, META_SNIFF_BYTES)
    return normalize_charset(m.group(1).decode("ascii", "ignore")) if m else None


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as e:
        # a body cut in the middle of a multi-byte character is still fine
        if e.reason == "unexpected end of data" and e.start >= len(body) - 4:
            try:
                return body[: e.start].decode(encoding)
            except UnicodeDecodeError:
                return None
        return None
    except LookupError:
        return None


def _detect(body: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - the dependency is installed
        return None
    try:
        best = from_bytes(body[:_DETECT_BYTES]).best()
    except Exception:
        return None
    return normalize_charset(best.encoding) if best is not None else None


def decode_html(body: bytes, declared: str | None = None) -> str:
    """Decode an HTML body; ``declared`` is the HTTP header's charset.

    Order: BOM, then valid UTF-8 (when the body has non-ASCII bytes), then
    ``declared``, then ``<meta>``, then detection.

    Never raises: undecodable bytes become U+FFFD.
    """
    if not body:
        return ""
    if isinstance(body, str):
        return body
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, "replace")
    # Non-ASCII bytes that are valid UTF-8 are UTF-8, whatever a header or meta
    # tag claims: legacy-encoded text is practically never valid multi-byte UTF-8,
    # while servers that label UTF-8 pages as latin-1 are common.
    if not body.isascii() and (text := _strict(body, "utf-8")) is not None:
        return text
    seen: list[str] = []
    for name in (normalize_charset(declared), sniff_meta_charset(body), "utf-8"):
        if name and name not in seen:
            seen.append(name)
            text = _strict(body, name)
            if text is not None:
                return text
    guess = _detect(body)
    if guess:
        text = _strict(body, guess)
        if text is not None:
            return text
    fallback = seen[0] if seen[0] != "utf-8" else (guess or "cp1252")
    return body.decode(fallback, "replace")


def is_utf8(body: bytes) -> bool:
    """Whether the body is valid UTF-8 (a character cut at its end allowed)."""
    return body.isascii() or _strict(body, "utf-8") is not None


def parse_input(body: bytes) -> bytes | str:
    """What to hand the (UTF-8) parser: the body itself unless a BOM or a ``<meta>``
    declares another encoding, else its decoded text.

    The body is not validated here: the parser replaces bytes that are not UTF-8
    with U+FFFD, and only a result showing one is worth checking (``extract``
    then decodes the body with :func:`decode_html` and starts again).
    """
    if not body.startswith(_BOM_STARTS) and sniff_meta_charset(body) in (None, "utf-8"):
        return body
    return decode_html(body)
