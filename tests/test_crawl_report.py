"""Reporting (``crawl/report.py``): what needs a look, what is only counted, dead links."""

from __future__ import annotations

from scraper.archive import Queued
from scraper.crawl.report import CrawlResult, Reporter, problem
from scraper.crawl.robots import UNAVAILABLE
from scraper.models import FailureKind, FetchResult
from scraper.pipeline import Outcome, Status


def item(source: str, kind: str = "article") -> Queued:
    return Queued("http://s.test/a", kind, 1, source, None, 0, 2)


def failed(reason: str, kind: FailureKind) -> Outcome:
    return Outcome("http://s.test/a", Status.FAILED, reason, kind=kind)


def test_what_a_failure_was() -> None:
    transient = failed("HTTP 503", FailureKind.TRANSIENT)
    permanent = failed("HTTP 404 NOT FOUND", FailureKind.PERMANENT)
    robots = failed(f"{UNAVAILABLE} (HTTP 500)", FailureKind.TRANSIENT)
    assert problem(item("link"), robots) == "robots.txt"
    assert problem(item("seed"), permanent) == "seed"
    assert problem(item("seed"), robots) == "robots.txt"
    assert problem(item("link"), transient) == "after retries"
    assert problem(item("sitemap"), permanent) is None  # a dead link: only counted
    assert problem(item("seed"), Outcome("http://s.test/", Status.ARCHIVED)) is None


def test_problems_are_counted_by_kind_other_failures_only_counted() -> None:
    told: list[Outcome] = []
    result = CrawlResult()
    reporter = Reporter(result, told.append)
    fetch = FetchResult(url="http://s.test/a", body=b"<p>big</p>")
    reporter.report(failed("HTTP 503", FailureKind.TRANSIENT), "after retries")
    reporter.report(failed("HTTP 503", FailureKind.TRANSIENT), "after retries")
    reporter.report(failed("not HTML", FailureKind.NOT_HTML))
    reporter.report(Outcome("http://s.test/b", Status.ARCHIVED, fetch=fetch), "seed")
    assert result.problems == {"after retries": 2}  # a success is never a problem
    assert [o.counted for o in told] == [False, False, True, False]
    assert all(o.fetch is None and o.article is None for o in told)  # bodies not kept
    assert result.summary.failed == 3 and result.summary.counts["archived"] == 1


def test_dead_links_are_failed_pages_found_on_pages_that_were_404_or_410() -> None:
    result = CrawlResult()
    reporter = Reporter(result)
    dead = failed("HTTP 404 NOT FOUND", FailureKind.PERMANENT)
    for source in ("link", "related", "next"):
        reporter.page(item(source), dead, 404)
    reporter.page(item("link"), failed("HTTP 410 GONE", FailureKind.PERMANENT), 410)
    reporter.page(item("link"), failed("not HTML", FailureKind.NOT_HTML), 200)
    reporter.page(item("seed"), dead, 404)  # the seed: a problem, not a dead link
    reporter.page(item("sitemap"), dead, 404)
    reporter.page(item("link"), Outcome("http://s.test/a", Status.SKIPPED, "index page"), 404)
    assert result.dead_links == 4
    assert result.problems == {"seed": 1}


def test_extra_holds_the_optional_figures_only_when_there_are_some() -> None:
    assert CrawlResult().extra() == {
        "discovered": 0,
        "known": 0,
        "listings": 0,
        "left": 0,
        "dead_links": 0,
        "seconds": 0.0,
    }
    result = CrawlResult(discovered=5, known=1, listings=2, left=3, dead_links=4, seconds=1.234)
    assert result.extra() == {
        "discovered": 5,
        "known": 1,
        "listings": 2,
        "left": 3,
        "dead_links": 4,
        "seconds": 1.23,
    }
    result.problems["seed"] = 1
    result.stopped["s.test"] = "s.test kept failing"
    result.interrupted = True
    extra = result.extra()
    assert extra["problems"] == {"seed": 1} and extra["stopped"] == {
        "s.test": "s.test kept failing"
    }
    assert extra["interrupted"] is True
