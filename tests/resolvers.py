"""Stand-ins for name resolution, so that the address tests ask no DNS server."""

from __future__ import annotations

import socket
from typing import Any

from scraper.netguard import Resolver


def resolving_to(*addresses: str) -> Any:
    """A ``socket.getaddrinfo`` that answers ``addresses`` for any name (none: unknown)."""

    def resolve(host: str, port: object) -> list[tuple]:
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 0)) for a in addresses]

    return resolve


def resolver(table: dict[str, list[str]]) -> Resolver:
    """The fetcher's async resolver over ``table`` (a name not in it: unknown host)."""

    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    return resolve
