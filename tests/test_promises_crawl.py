"""README promises of ``scraper crawl``, each shown by a crawl that breaks when the
promise does: robots.txt answers, robots.txt on redirect hops, failed URLs retried up
to the limit, ``--max-depth`` and ``--offsite``. A real server on 127.0.0.1, real
SQLite files."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from promise_site import article_html, index_html, make_site, rows, run_crawl
from pytest_httpserver import HTTPServer
from werkzeug import Response

from scraper.crawl import CrawlOptions
from scraper.settings import Settings


@pytest.fixture
def fast(settings: Settings) -> Settings:
    return replace(settings, crawl_delay=0.0, per_host=2, host_pause=0.2, max_depth=3)


# ---------------------------------------------------------------- robots.txt
@pytest.mark.parametrize("status", [500, 503])
def test_robots_txt_5xx_means_nothing_is_fetched(
    server: HTTPServer, fast: Settings, status: int
) -> None:
    site = make_site(server)
    site.page("/robots.txt", "User-agent: *\nAllow: /\n", status=status)
    site.page("/", index_html(["/news/1-story/"]))
    site.page("/news/1-story/", article_html(1))
    result = run_crawl([site.url("/")], fast)
    assert set(site.paths()) == {"/robots.txt"}  # (retried) and nothing else
    (reason,) = rows(fast.db, "SELECT reason FROM frontier WHERE url = ?", site.url("/"))[0]
    assert reason.startswith("robots.txt unavailable")
    assert result.summary.counts["archived"] == 0


@pytest.mark.parametrize("status", [404, 403])
def test_robots_txt_4xx_means_everything_is_allowed(
    server: HTTPServer, fast: Settings, status: int
) -> None:
    site = make_site(server)
    # the body of a 4xx answer is no rules, even when it reads like some
    site.page("/robots.txt", "User-agent: *\nDisallow: /\n", status=status)
    site.page("/", index_html(["/private/1-story/"]))
    site.page("/private/1-story/", article_html(1))
    result = run_crawl([site.url("/")], fast)
    assert "/private/1-story/" in site.paths()
    assert result.summary.counts["archived"] == 1


def test_robots_txt_is_checked_on_every_redirect_hop(server: HTTPServer, fast: Settings) -> None:
    site = make_site(server)  # Disallow: /private/
    site.page("/", index_html(["/go/1-story/"]))
    site.redirect("/go/1-story/", "/private/1-story/")
    site.page("/private/1-story/", article_html(1))
    run_crawl([site.url("/")], fast)
    assert "/go/1-story/" in site.paths()
    assert "/private/1-story/" not in site.paths()
    state = rows(fast.db, "SELECT state, reason FROM frontier WHERE url LIKE '%/go/1-story/'")
    assert state == [("skipped", "disallowed by robots.txt")]


# ---------------------------------------------------------------- retries across runs
def test_a_failed_url_is_retried_next_run_up_to_three_runs(
    server: HTTPServer, fast: Settings
) -> None:
    site = make_site(server)
    site.page("/", index_html(["/news/1-flaky/", "/news/2-gone/"]))
    site.page("/news/1-flaky/", "down", status=500)  # transient: tried again next run
    site.page("/news/2-gone/", "gone", status=410)  # permanent: not tried again
    once = replace(fast, retries=0)
    per_run = []
    for _ in range(4):
        site.log.clear()
        run_crawl([site.url("/")], once)
        per_run.append((site.paths().count("/news/1-flaky/"), site.paths().count("/news/2-gone/")))
    assert per_run == [(1, 1), (1, 0), (1, 0), (0, 0)]
    states = rows(
        fast.db, "SELECT state, attempts FROM frontier WHERE url LIKE '%/news/%' ORDER BY url"
    )
    assert states == [("failed", 3), ("failed", 3)]


# ---------------------------------------------------------------- scope
def chain(site, n: int) -> None:  # type: ignore[no-untyped-def]
    """/ -> story 1 -> story 2 -> ... -> story n, each one link deeper."""
    site.page("/", index_html(["/news/1-story/"]))
    for k in range(1, n + 1):
        site.page(f"/news/{k}-story/", article_html(k, [f"/news/{k + 1}-story/"]))


def test_max_depth_follows_links_that_deep_and_no_deeper(
    server: HTTPServer, fast: Settings
) -> None:
    site = make_site(server)
    chain(site, 5)
    run_crawl([site.url("/")], replace(fast, max_depth=3))
    fetched = [p for p in site.paths() if p.startswith("/news/")]
    assert sorted(fetched) == ["/news/1-story/", "/news/2-story/", "/news/3-story/"]
    assert rows(fast.db, "SELECT count(*) FROM frontier WHERE url LIKE '%/news/4-story/'") == [(0,)]


def test_links_to_other_sites_are_followed_only_with_offsite(
    server: HTTPServer, fast: Settings
) -> None:
    site = make_site(server)
    # the other site is the same server by another name, itself a seed (so that its
    # loopback address is allowed); the link to it is found only on the first site
    site.page("/", index_html(["/news/1-story/", site.url("/news/9-elsewhere/", "localhost")]))
    site.page("/news/1-story/", article_html(1))
    site.page("/news/9-elsewhere/", article_html(9))
    site.page("/other-home/", index_html([]))
    # and one listed in the first site's sitemap (robots.txt names it on that host only)
    mapped = site.url("/news/8-mapped/", "localhost")
    site.page("/news/8-mapped/", article_html(8))
    site.page(
        "/map.xml", f"<urlset><url><loc>{mapped}</loc></url></urlset>", content_type="text/xml"
    )
    robots = "User-agent: *\nDisallow: /private/\n"
    site.routes["/robots.txt"] = lambda r: Response(
        robots + (f"Sitemap: {site.url('/map.xml')}\n" if r.host.startswith("127.") else ""),
        content_type="text/plain",
    )
    seeds = [site.url("/"), site.url("/other-home/", "localhost")]
    run_crawl(seeds, fast)
    assert "/news/1-story/" in site.paths("127.0.0.1")
    assert "/map.xml" in site.paths("127.0.0.1")
    assert "/news/9-elsewhere/" not in site.paths()
    assert "/news/8-mapped/" not in site.paths()
    site.log.clear()
    run_crawl(seeds, fast, CrawlOptions(offsite=True))
    assert site.paths("localhost").count("/news/9-elsewhere/") == 1
    assert site.paths("localhost").count("/news/8-mapped/") == 1


def test_the_crawl_command_takes_max_depth_and_offsite(server: HTTPServer, cli_here) -> None:  # type: ignore[no-untyped-def]
    cli = cli_here  # the command in this process
    site = make_site(server)
    chain(site, 3)
    site.page("/", index_html(["/news/1-story/", site.url("/x/", "localhost")]))
    site.page("/x/", article_html(9))
    site.page("/other-home/", index_html([]))
    seeds = [site.url("/"), site.url("/other-home/", "localhost")]
    env = {"SCRAPER_CRAWL_DELAY": "0"}
    r = cli("crawl", *seeds, "--max-depth", "1", "--json", "--db", "a.db", env=env)
    assert r.code == 0, r.err
    assert json.loads(r.out.splitlines()[-1])["archived"] == 1
    assert "/x/" not in site.paths()  # another site: not without --offsite
    r = cli("crawl", *seeds, "--max-depth", "1", "--offsite", "--json", "--db", "b.db", env=env)
    assert r.code == 0, r.err
    assert json.loads(r.out.splitlines()[-1])["archived"] == 2
    assert "/news/2-story/" not in site.paths()  # depth 2
    assert site.paths("localhost").count("/x/") == 1  # another site, depth 1


def test_a_paused_host_of_another_site_holds_no_worker(server: HTTPServer, fast: Settings) -> None:
    """--offsite: the links to another site's host that keeps failing are left for the
    next run while the crawl has it paused, instead of each holding one of this site's
    workers for the rest of the pause."""
    import time

    site = make_site(server)
    failing = [site.url(f"/news/{n}-elsewhere/", "localhost") for n in range(6)]
    for n in range(6):
        site.page(f"/news/{n}-elsewhere/", "busy", status=503)
    site.page("/", index_html(["/news/1-story/", *failing]))
    site.page("/news/1-story/", article_html(1))
    site.page("/other-home/", index_html([]))
    seeds = [site.url("/"), site.url("/other-home/", "localhost")]
    settings = replace(fast, retries=0, host_failures=1, host_pause=60.0)
    started = time.monotonic()
    result = run_crawl(seeds, settings, CrawlOptions(offsite=True))
    assert time.monotonic() - started < 30  # not a minute's pause a link
    assert result.summary.counts["archived"] == 1
    asked = [p for p in site.paths("localhost") if "elsewhere" in p]
    # the first failure paused the host; only a request already in flight beside it
    # (the site has per_host workers) was sent too, the rest were not
    assert 1 <= len(asked) <= fast.per_host, asked
    reasons = rows(settings.db, "SELECT reason FROM frontier WHERE url LIKE '%elsewhere%'")
    paused = [r for (r,) in reasons if r and "paused" in r]
    assert len(paused) == 6 - len(asked), reasons


@pytest.mark.parametrize("offsite", [False, True])
def test_a_link_that_cannot_be_parsed_costs_its_page_nothing(
    server: HTTPServer, fast: Settings, offsite: bool
) -> None:
    """A hostile page's href with an unclosed "[" (urlsplit refuses it): dropped as a
    link, and the page holding it is archived, with or without --offsite."""
    site = make_site(server)
    bad = "http://[abc/news/2-story/"
    site.page("/", index_html(["/news/1-story/", bad]))
    site.page("/news/1-story/", article_html(1, [bad]))
    result = run_crawl([site.url("/")], fast, CrawlOptions(offsite=offsite))
    assert result.summary.counts["archived"] == 1 and not result.problems, result.problems
    states = rows(fast.db, "SELECT url, state FROM frontier")
    assert ("http://[abc/news/2-story/", "queued") not in states
    assert all(state in ("done", "skipped") for _, state in states), states
