"""A small test site for the promise tests: every path one handler, every request logged
with its host and headers (a real server on 127.0.0.1, see conftest's ``server``)."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scraper.archive import Archive
from scraper.crawl import CrawlOptions, CrawlResult, crawl
from scraper.settings import Settings

SENTENCE = (
    "The council met on Tuesday to discuss the budget, and members argued at length about "
    "roads, schools and parks before a vote that was postponed until next month. "
)
Handler = Callable[[Request], Response]


def article_html(n: int, links: list[str] = ()) -> str:  # type: ignore[assignment]
    """An article page (story ``n``) with ``links`` in its body."""
    paras = "".join(f"<p>Part {k} of story {n}. {SENTENCE * 3}</p>" for k in range(4))
    anchors = "".join(f"<p>See <a href='{u}'>the story at {u}</a>.</p>" for u in links)
    return (
        f"<html><head><title>Story {n}</title><meta property='og:type' content='article'>"
        f"</head><body><article><h1>Story {n}</h1>{paras}{anchors}</article></body></html>"
    )


def index_html(links: list[str]) -> str:
    items = "".join(f"<li><a href='{u}'>Headline number {u}</a></li>" for u in links)
    return f"<html><head><title>Home</title></head><body><ul>{items}</ul></body></html>"


@dataclass
class Site:
    """Paths -> handlers; ``log`` holds (host, path, headers) of every request."""

    server: HTTPServer
    routes: dict[str, Handler] = field(default_factory=dict)
    log: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def page(self, path: str, body: str | bytes, status: int = 200, **headers: str) -> None:
        ctype = headers.pop("content_type", "text/html; charset=utf-8")
        self.routes[path] = lambda r: Response(body, status, headers, content_type=ctype)

    def redirect(self, path: str, to: str, status: int = 302) -> None:
        self.routes[path] = lambda r: Response("", status, {"Location": to})

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return self.server.url_for(path).replace("localhost", host).replace("127.0.0.1", host)

    def paths(self, host: str | None = None) -> list[str]:
        """The paths requested (of one host), in order."""
        return [p for h, p, _ in self.log if host is None or h == host]

    def __call__(self, request: Request) -> Response:
        host = request.host.rsplit(":", 1)[0]
        self.log.append((host, request.full_path.rstrip("?"), dict(request.headers)))
        route = self.routes.get(request.full_path.rstrip("?"))
        return Response("not found", status=404) if route is None else route(request)


def make_site(server: HTTPServer, robots: str = "User-agent: *\nDisallow: /private/\n") -> Site:
    site = Site(server)
    server.expect_request(re.compile(".*")).respond_with_handler(site)
    site.page("/robots.txt", robots, content_type="text/plain")
    return site


def run_crawl(
    seeds: list[str], settings: Settings, options: CrawlOptions | None = None
) -> CrawlResult:
    with Archive(settings.db) as archive:
        return asyncio.run(crawl(seeds, archive, settings, options))


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
