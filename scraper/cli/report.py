"""Progress and summary output shared by ``fetch``, ``crawl`` and ``reextract``.

On a terminal: a rich progress bar on stderr, failures printed above it.
Elsewhere (cron, pipes): one plain line per URL on stdout, failures on stderr.
``as_json``: one JSON object per URL on stdout as it finishes (``record``), then
the summary's (``"type": "summary"``): JSON lines, for pipelines.
A failure only ``counted`` (a dead link a crawl found on a page) is a plain line,
not an error.  ``quiet``: nothing at all when no error was printed.
"""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from scraper.pipeline import FETCHED, Outcome, Status, Summary
from scraper.urls import redact


class Reporter:
    def __init__(
        self,
        total: int | None,
        *,
        quiet: bool = False,
        as_json: bool = False,
        label: str = "fetching",
    ) -> None:
        self.quiet = quiet
        self.as_json = as_json
        self.errors = 0  # error lines printed
        self.console = Console(stderr=True)
        self.progress: Progress | None = None
        if self.console.is_terminal and not quiet and not as_json:
            self.progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self.task = self.progress.add_task(label, total=total)

    def __enter__(self) -> Reporter:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def grow(self, total: int) -> None:
        if self.progress is not None:
            self.progress.update(self.task, total=total)

    def __call__(self, outcome: Outcome) -> None:
        error = outcome.status is Status.FAILED and not outcome.counted
        if self.as_json and (error or not self.quiet):
            print(json.dumps(record(outcome), ensure_ascii=False), flush=True)
        if error:
            self.errors += 1
            line = redact(f"scraper: error: {outcome.url}: {outcome.reason}")
            if self.progress is not None:
                self.progress.console.print(line, markup=False, highlight=False)
            else:
                print(line, file=sys.stderr, flush=True)
        elif not self.quiet and not self.as_json and self.progress is None:
            title = f"  {outcome.title}" if outcome.title else ""
            reason = f"  ({outcome.reason})" if outcome.reason else ""
            line = redact(f"{outcome.status.value:<12} {outcome.url}{title}{reason}")
            print(line, flush=True)
        if self.progress is not None:
            self.progress.advance(self.task)

    def summary(self, summary: Summary, *, always: bool = False, **extra: object) -> None:
        """The counts (as JSON with ``as_json``); when ``quiet``, only after an error
        line or when ``always`` (an interrupted run)."""
        if self.as_json:
            line = {"type": "summary", **summary.as_dict(), **extra}
            print(json.dumps(line, ensure_ascii=False), flush=True)
            return
        if self.quiet and not self.errors and not always:
            return
        c = summary.counts
        details = ", ".join(f"{k} {c[k]}" for k in FETCHED if c[k])
        more = "".join(f", {k} {_plain(v)}" for k, v in extra.items())
        print(
            f"fetched {summary.fetched}, failed {summary.failed}, skipped {summary.skipped}"
            + (f" ({details})" if details else "")
            + more,
            file=sys.stderr,
            flush=True,
        )


def record(outcome: Outcome) -> dict[str, object]:
    """One URL's line of ``--json``. ``url``, ``id`` and ``title`` are the keys
    ``export`` and ``show -f json`` use; ``outcome`` is archived, updated, ...,
    failed or skipped; ``reason`` and ``kind`` say why (null when all went well)."""
    return {
        "type": "url",
        "url": redact(outcome.url),
        "outcome": outcome.status.value,
        "reason": redact(outcome.reason) if outcome.reason else None,
        "kind": outcome.kind.value if outcome.kind else None,
        "id": outcome.article_id,
        "title": outcome.title,
    }


def _plain(value: object) -> str:
    """A figure of the summary line; a mapping as ``(key value, ...)``."""
    if isinstance(value, dict):
        return "(" + ", ".join(f"{k}: {v}" for k, v in value.items()) + ")"
    return str(value)
