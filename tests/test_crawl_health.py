"""Host health (``crawl/health.py``): a real fetcher against a real server on
127.0.0.1 that fails, and a clock the test moves."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest
from pytest_httpserver import HTTPServer

from scraper.crawl.health import HostHealth
from scraper.fetch import Fetcher
from scraper.models import FetchResult
from scraper.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 0.0  # a monotonic clock starts anywhere

    def __call__(self) -> float:
        return self.now


def test_a_failing_host_is_paused_then_its_site_stopped(
    server: HTTPServer, settings: Settings
) -> None:
    server.expect_request("/down").respond_with_data("down", status=503)
    server.expect_request("/up").respond_with_data("<p>up</p>", content_type="text/html")
    settings = replace(settings, retries=0, host_failures=2, host_pause=0.05)
    host = server.url_for("/").split("/")[2]
    site = host.split(":")[0]
    clock = Clock()

    async def go() -> list[object]:
        seen: list[object] = []
        async with Fetcher(settings) as fetcher:
            health = HostHealth(fetcher, clock=clock)

            async def after(path: str) -> str | None:
                fetch: FetchResult = await fetcher.fetch(server.url_for(path))
                return health.after(fetch, site)

            seen.append(await after("/down"))  # 1 failure: not failing yet
            seen.append(health.paused_until(host))
            before = time.monotonic()
            seen.append(await after("/down"))  # 2 in a row: paused
            seen.append(health.paused_until(host))
            seen.append(fetcher._host(host).next_at >= before + 0.05)  # the fetcher waits
            clock.now += 0.04
            seen.append(await after("/down"))  # still paused: not a new pause
            seen.append(health.paused_until(host))
            clock.now = health.paused_until(host) or 0.0  # the pause is over
            seen.append(await after("/down"))  # pause 2
            clock.now += 0.06
            seen.append(await after("/down"))  # pause 3: the site stops
        return seen

    (
        first,
        unpaused,
        second,
        until,
        waits,
        within,
        same,
        pause2,
        stop,
    ) = asyncio.run(go())
    assert first is None and unpaused is None
    assert second is None and until == pytest.approx(0.05) and waits is True
    assert within is None and same == until
    assert pause2 is None
    assert stop == f"{host} kept failing (HTTP 503 SERVICE UNAVAILABLE); the rest is left queued"


def test_a_success_starts_the_count_again_and_another_sites_host_is_only_paused(
    server: HTTPServer, settings: Settings
) -> None:
    server.expect_request("/down").respond_with_data("down", status=503)
    server.expect_request("/up").respond_with_data("<p>up</p>", content_type="text/html")
    settings = replace(settings, retries=0, host_failures=1, host_pause=0.01)
    host = server.url_for("/").split("/")[2]
    clock = Clock()

    async def go(site: str, paths: list[str]) -> list[str | None]:
        out = []
        async with Fetcher(settings) as fetcher:
            health = HostHealth(fetcher, clock=clock)
            for path in paths:
                out.append(health.after(await fetcher.fetch(server.url_for(path)), site))
                clock.now += 0.02
        return out

    site = host.split(":")[0]
    # two pauses, a success, then three more pauses: only the third after it stops
    run = asyncio.run(go(site, ["/down", "/down", "/up", "/down", "/down", "/down"]))
    assert run[:5] == [None] * 5 and run[5] is not None
    assert asyncio.run(go(site, ["/down"] * 3))[2] is not None
    # a host of another site (an offsite link) is paused again and again, never stops one
    assert asyncio.run(go("example.com", ["/down"] * 5)) == [None] * 5


def test_the_host_that_failed_is_the_one_a_redirect_led_to(
    server: HTTPServer, settings: Settings
) -> None:
    port = server.url_for("/").split(":")[2].rstrip("/")
    server.expect_request("/down").respond_with_data("down", status=503)
    server.expect_request("/hop").respond_with_data(
        "", status=302, headers={"Location": f"http://localhost:{port}/down"}
    )
    settings = replace(settings, retries=0, host_failures=1, host_pause=0.01)

    async def go() -> tuple[float | None, float | None]:
        async with Fetcher(settings) as fetcher:
            health = HostHealth(fetcher, clock=Clock())
            assert health.after(await fetcher.fetch(server.url_for("/hop")), "127.0.0.1") is None
            return health.paused_until(f"localhost:{port}"), health.paused_until(
                f"127.0.0.1:{port}"
            )

    there, here = asyncio.run(go())
    assert there == pytest.approx(0.01) and here is None
