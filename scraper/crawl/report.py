"""Reporting: what each URL of a crawl came to, counted, and passed on as it finishes.

A failure that needs a look (``PROBLEMS``: a seed, a robots.txt, a sitemap or a
feed that fails, a page that could not be fetched after retries) is counted in
the summary's ``problems`` and makes the exit code 1.  Any other failure (a
dead link found on a page, a linked page that is not HTML or has no text) is
only counted; dead links (404, 410) also as ``dead_links``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from scraper.archive import Queued
from scraper.crawl.deadlinks import DEAD
from scraper.crawl.robots import UNAVAILABLE as ROBOTS_UNAVAILABLE
from scraper.models import FailureKind
from scraper.pipeline import Outcome, Status, Summary

# What a failure that needs a look was (the summary's "problems"); any other failure (a
# dead link found on a page, a page that is not HTML or has no text) is only counted.
PROBLEMS = ("seed", "robots.txt", "sitemap", "feed", "after retries", "internal error")
FOUND_ON_PAGES = ("link", "related", "next")  # the sources of URLs found on pages


@dataclass(slots=True)
class CrawlResult:
    summary: Summary = field(default_factory=Summary)
    discovered: int = 0  # URLs new to the frontier
    known: int = 0  # queued URLs already archived, not fetched
    listings: int = 0  # sitemaps and feeds read
    left: int = 0  # URLs still queued (--max-pages, a stopped host)
    stopped: dict[str, str] = field(default_factory=dict)  # site -> why it stopped early
    seconds: float = 0.0
    dead_links: int = 0  # links found on pages that led to a 404 or 410: counted, not errors
    # what failed that a user must look at, by what it was (PROBLEMS): the exit code 1
    problems: dict[str, int] = field(default_factory=dict)
    interrupted: bool = False  # stopped by Ctrl-C (SIGINT): the figures are what was done

    def absorb(self, other: CrawlResult) -> None:
        """Add the figures of another run (a worker's next site) to these."""
        for status, n in other.summary.counts.items():
            self.summary.counts[status] += n
        self.summary.failures += other.summary.failures
        self.discovered += other.discovered
        self.known += other.known
        self.listings += other.listings
        self.left += other.left
        self.stopped.update(other.stopped)
        self.dead_links += other.dead_links
        for what, n in other.problems.items():
            self.problems[what] = self.problems.get(what, 0) + n

    def line(self) -> str:
        """The figures in a few words: ``fetched 12, archived 10, failed 1, left 0``."""
        s = self.summary
        words = f"fetched {s.fetched}, archived {s.counts['archived']}, failed {s.failed}"
        words += f", left {self.left}"
        if self.problems:
            words += " (problems: " + ", ".join(f"{k} {n}" for k, n in self.problems.items()) + ")"
        for why in self.stopped.values():
            words += f" (stopped: {why})"
        return words

    def extra(self) -> dict[str, object]:
        """The crawl's own figures, for the summary line / JSON."""
        out: dict[str, object] = {
            "discovered": self.discovered,
            "known": self.known,
            "listings": self.listings,
            "left": self.left,
            "dead_links": self.dead_links,
            "seconds": round(self.seconds, 2),
        }
        if self.problems:
            out["problems"] = self.problems
        if self.stopped:
            out["stopped"] = self.stopped
        if self.interrupted:
            out["interrupted"] = True
        return out


class Reporter:
    """Counts outcomes into ``result`` and passes each on to ``on_outcome``."""

    def __init__(
        self, result: CrawlResult, on_outcome: Callable[[Outcome], None] | None = None
    ) -> None:
        self.result = result
        self.on_outcome = on_outcome

    def report(self, outcome: Outcome, problem: str | None = None) -> None:
        """Count and pass on an outcome; a failure that is not a ``problem`` (one of
        ``PROBLEMS``) is only counted."""
        # the summary keeps failures for the whole run: not their bodies and articles
        counted = outcome.status is Status.FAILED and problem is None
        outcome = replace(outcome, article=None, fetch=None, counted=counted)
        if problem is not None and outcome.status is Status.FAILED:
            self.result.problems[problem] = self.result.problems.get(problem, 0) + 1
        self.result.summary.add(outcome)
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    def page(self, item: Queued, outcome: Outcome, status: int | None) -> None:
        """The outcome of a page (its HTTP ``status``): a dead link found on a page
        is counted as one."""
        self.report(outcome, problem(item, outcome))
        if outcome.status is Status.FAILED and item.source in FOUND_ON_PAGES:
            self.result.dead_links += status in DEAD


def problem(item: Queued, outcome: Outcome) -> str | None:
    """What a page's failure was, if a user must look at it: a seed, a robots.txt
    that cannot be read, or a page that could not be fetched after retries."""
    if outcome.status is not Status.FAILED:
        return None
    if (outcome.reason or "").startswith(ROBOTS_UNAVAILABLE):
        return "robots.txt"
    if item.source == "seed":
        return "seed"
    if outcome.kind is FailureKind.TRANSIENT:
        return "after retries"
    return None
