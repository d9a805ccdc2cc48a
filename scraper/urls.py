"""URL checks and normalization, shared by fetch, crawl and the archive keys."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scraper.errors import InvalidURL

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid",
        "_ga", "_gl", "ref_src", "cmpid", "ocid", "smid", "smtyp", "ncid", "sr_share",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "hsa_", "itm_")
DEFAULT_PORTS = {"http": 80, "https": 443}
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
    """The form URLs are compared in: lower-case scheme and host, no default
    port, no fragment, no tracking parameters, ``/`` for an empty path."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [
            (k, v)
            for k, v in pairs
            if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
        ]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def host_key(url: str) -> str:
    """Host without a leading ``www.``, lower-cased."""
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


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
