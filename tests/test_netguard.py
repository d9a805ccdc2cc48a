"""Connections only to public addresses, checked when connecting (``netguard``): what a
refusal says, a name with no address, a resolver that does not answer, and the system
resolver (``localhost``, from the hosts file: no DNS is asked)."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from pytest_httpserver import HTTPServer

from scraper.netguard import public_only_transport


async def _never(host: str, port: int) -> list[str]:
    await asyncio.Event().wait()  # a resolver that does not answer
    return []


def resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    return resolve


def get(transport: httpx.AsyncBaseTransport, url: str) -> httpx.Response:
    async def go() -> httpx.Response:
        timeout = httpx.Timeout(5, connect=0.3)
        async with httpx.AsyncClient(transport=transport, timeout=timeout) as client:
            return await client.get(url)

    return asyncio.run(go())


def refusal(transport: httpx.AsyncBaseTransport, url: str) -> str:
    with pytest.raises(httpx.ConnectError) as info:
        get(transport, url)
    return str(info.value)


def test_a_refusal_names_the_private_addresses(server: HTTPServer) -> None:
    table = {"mixed.test": ["93.184.216.34", "10.0.0.7", "127.0.0.1"], "empty.test": []}
    transport = public_only_transport(lambda host: False, resolve=resolver(table))
    port = server.port
    assert refusal(transport, f"http://mixed.test:{port}/") == (
        "private address: mixed.test resolves to 10.0.0.7, 127.0.0.1"
    )
    assert refusal(transport, f"http://empty.test:{port}/") == (
        "private address: empty.test resolves to no address"
    )
    assert refusal(transport, f"http://[::1]:{port}/") == "private address: ::1 resolves to ::1"
    assert not server.log


def test_the_system_resolver_is_asked_when_connecting(server: HTTPServer) -> None:
    transport = public_only_transport(lambda host: False)
    message = refusal(transport, f"http://localhost:{server.port}/")
    assert message.startswith("private address: localhost resolves to 127.0.0.1")
    assert not server.log


def test_a_resolver_that_does_not_answer_is_a_connect_timeout(server: HTTPServer) -> None:
    transport = public_only_transport(lambda host: False, resolve=_never)
    with pytest.raises(httpx.ConnectTimeout, match=r"^resolving slow\.test timed out$"):
        get(transport, f"http://slow.test:{server.port}/")
