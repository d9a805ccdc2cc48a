"""URL checks and normalization, shared by fetch, crawl and the archive keys."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from scraper.errors import InvalidURL

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid",
        "_ga", "_gl", "ref_src", "cmpid", "ocid", "smid", "smtyp", "ncid", "sr_share",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "hsa_", "itm_")
DEFAULT_PORTS = {"http": 80, "https": 443}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # not in a URL: httpx refuses it
# a URL normalize_url gives back unchanged, for the common case's quick answer: lower-case
# ASCII host, no userinfo, a port with no leading zero, a path of characters kept as they
# are (no %, no ;), no dot segment, at most one query parameter, no fragment
_PLAIN = re.compile(
    r"(?P<scheme>https?)://(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(?P<port>[1-9][0-9]{0,4}))?"
    r"(?P<path>/[A-Za-z0-9._~!$'()*+,:=@/-]*)(?:\?(?P<param>[A-Za-z0-9._~-]+)=[A-Za-z0-9._~-]*)?"
)
_DOT_SEGMENT = re.compile(r"/\.\.?(?:/|$)")
# the password of a URL's userinfo (scheme://user:PASSWORD@host), wherever in a text
_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@?#]*:)[^/\s?#]*(@)")


def redact(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``, for output
    and stored error texts (``https://user:***@host/``)."""
    return _PASSWORD.sub(r"\1***\2", text) if "@" in text else text


def check_url(raw: str) -> str:
    """Return ``raw`` stripped if it is an absolute http(s) URL, else raise InvalidURL."""
    url = raw.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise InvalidURL(raw, f"not a valid URL ({exc})") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidURL(raw)
    if any(c.isspace() for c in url):
        raise InvalidURL(raw, "URL contains whitespace")
    return url


def normalize_url(url: str) -> str:
    """The key an archive compares URLs by (``articles.canonical_url``, ``frontier.url``).

    w3lib's ``canonicalize_url`` (the rules Scrapy dedupes requests by): the host
    in IDNA (``Bücher.de`` is ``xn--bcher-kva.de``), percent-escapes normalized
    (``%7e`` is ``~``, ``café`` is ``caf%C3%A9``, ``%c3%a9`` is ``%C3%A9``), dot
    segments resolved (``/a/../b`` is ``/b``), the query's parameters sorted and
    spaces in it written ``+``, no fragment.  On top of it: lower-case scheme and
    host without a trailing dot, no default port, no password, no tracking
    parameters, ``/`` for an empty path.  A string that is no URL (a bad port,
    control characters) comes back stripped, as it is.
    """
    url = url.strip()
    plain = _PLAIN.fullmatch(url)
    if (
        plain
        and not _DOT_SEGMENT.search(plain["path"])
        and (not plain["port"] or DEFAULT_PORTS[plain["scheme"]] != int(plain["port"]))
        and not (plain["param"] and _tracking(plain["param"].lower()))
    ):
        return url  # in the form below already (most keys): 20x faster than working it out
    return _normalized(url)


def _normalized(url: str) -> str:
    if _CONTROL.search(url):
        return url
    try:
        canonical = urlsplit(canonicalize_url(url))
        port = canonical.port
    except (ValueError, UnicodeError):
        return url
    scheme = canonical.scheme.lower()
    host = (canonical.hostname or "").rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if canonical.username:
        netloc = f"{canonical.username}@{netloc}"
    query = canonical.query and _untracked(canonical.query)
    return urlunsplit((scheme, netloc, canonical.path or "/", query, ""))


def _untracked(query: str) -> str:
    """The (canonical) query without its tracking parameters."""
    kept = [
        pair
        for pair in query.split("&")
        if not _tracking(unquote_plus(pair.partition("=")[0]).lower())
    ]
    return "&".join(kept)


def _tracking(name: str) -> bool:
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def host_key(url: str) -> str:
    """Host without a leading ``www.``, lower-cased ("" for a URL that cannot be split:
    an unclosed "[" in a page's link)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return ""
    return (host or "").lower().removeprefix("www.")


def same_site(a: str, b: str) -> bool:
    """True when both URLs are on one host, ignoring ``www.`` and subdomains of it."""
    ha, hb = host_key(a), host_key(b)
    return bool(ha) and (ha == hb or ha.endswith("." + hb) or hb.endswith("." + ha))


def is_public_address(host: str, *, resolve: Callable[..., list[Any]] = socket.getaddrinfo) -> bool:
    """False for loopback, private, link-local and other non-public IP literals.

    Names are resolved with ``resolve`` (the system resolver): every address a
    name resolves to must be public. A name that does not resolve is treated as
    public (the fetch will fail on its own).
    """
    host = host.strip("[]")
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        if host.lower() in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
            return False
        try:
            infos = resolve(host, None)
        except (OSError, UnicodeError):
            return True
        addresses = []
        for info in infos:
            try:
                addresses.append(ipaddress.ip_address(info[4][0]))
            except ValueError:
                continue
    return all(addr.is_global for addr in addresses)
