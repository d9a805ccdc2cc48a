"""``scraper serve``: the archive in Datasette, read-only, checked in a real headless Chromium."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser

from scraper.archive import Archive
from scraper.models import FetchResult
from scraper.pipeline import process
from scraper.serve import QUERIES, TABLES

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HAS_DATASETTE = importlib.util.find_spec("datasette") is not None
needs_datasette = pytest.mark.skipif(
    not HAS_DATASETTE, reason="datasette is not installed (pip install '.[test]')"
)
TITLE = "What Vladimir Putin Is Expecting From Donald Trump"


def _build(path: Path, seed_page: bytes) -> None:
    with Archive(path) as archive:
        other = (ROOT / "tests/pages/news_06e5123e4ef7.html").read_bytes()
        now = datetime.now(UTC).replace(microsecond=0)
        for url, body in [
            ("https://time.com/4563685/putin/", seed_page),
            ("https://example.com/news/1", other),
        ]:
            fetch = FetchResult(url, url, 200, "text/html", body, fetched_at=now)
            assert process(fetch, archive).article_id
        archive.record_fetch(FetchResult("https://example.com/gone", status=410, error="HTTP 410"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A real ``scraper serve`` on a loopback port, over a small archive."""
    if not HAS_DATASETTE:
        pytest.skip("datasette is not installed (pip install '.[test]')")
    folder = tmp_path_factory.mktemp("serve")
    db = folder / "archive.db"
    _build(db, (ROOT / "tests/pages/time_seed.html").read_bytes())
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPER_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scraper", "serve", "--db", str(db), "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # wait until it answers (or has died)
            if proc.poll() is not None:
                pytest.fail(f"scraper serve exited {proc.returncode}: {proc.stderr.read()}")
            try:
                httpx.get(base + "/-/versions.json", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("scraper serve did not answer within 60 s")
                time.sleep(0.1)
        yield base, db
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _chromium_dom(url: str, profile: Path) -> str:
    proc = subprocess.run(
        [
            CHROMIUM or "chromium",
            "--headless",
            "--no-sandbox",
            f"--user-data-dir={profile}",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-gpu",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_chromium_loads_the_articles_page_searches_and_finds_the_article(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    base, _ = served
    page = LexborHTMLParser(_chromium_dom(base + "/archive/articles", tmp_path / "profile"))
    # the table's description, facets on host, language, authors and tags, the search box
    assert "One row per article" in page.text()
    facets = {n.attributes.get("data-column") for n in page.css(".facet-info")}
    assert {"host", "language", "authors", "tags"} <= facets
    box = page.css_first("form input[name=_search]")
    assert box is not None
    form = box.parent
    while form is not None and form.tag != "form":
        form = form.parent
    assert form is not None
    # submit the search form as the browser does (GET, its action, its fields)
    action = form.attributes.get("action") or "/archive/articles"
    query = urlencode({"_search": "kremlin OR putin"})
    found = LexborHTMLParser(_chromium_dom(f"{base}{action}?{query}", tmp_path / "profile"))
    rows = [td.text(strip=True) for td in found.css("td.col-title")]
    assert rows == [TITLE]
    none = LexborHTMLParser(
        _chromium_dom(f"{base}{action}?_search=zzzznothing", tmp_path / "profile")
    )
    assert not none.css("td.col-title")


@needs_datasette
def test_canned_queries_facets_and_descriptions_answer(served: tuple[str, Path]) -> None:
    base, _ = served
    for name in QUERIES:
        resp = httpx.get(f"{base}/archive/{name}.json?_shape=array", timeout=30)
        assert resp.status_code == 200, (name, resp.text[:300])
    latest = httpx.get(f"{base}/archive/latest_articles.json?_shape=array", timeout=30).json()
    assert {r["title"] for r in latest} >= {TITLE}
    failures = httpx.get(f"{base}/archive/recent_failures.json?_shape=array", timeout=30).json()
    assert [r["url"] for r in failures] == ["https://example.com/gone"]
    changed = httpx.get(f"{base}/archive/changed_this_week.json?_shape=array", timeout=30).json()
    assert len(changed) == 2 and {r["what"] for r in changed} == {"new"}
    per_day = httpx.get(
        f"{base}/archive/articles_per_site_per_day.json?_shape=array", timeout=30
    ).json()
    assert sorted(r["host"] for r in per_day) == ["example.com", "time.com"]
    table = httpx.get(f"{base}/archive/articles.json?_facet_array=authors", timeout=30).json()
    authors = {v["value"] for v in table["facet_results"]["authors"]["results"]}
    assert "Simon Shuster" in authors


@needs_datasette
def test_serving_changes_nothing_in_the_archive(served: tuple[str, Path]) -> None:
    base, db = served
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    for path in ("/archive/articles?_search=putin", "/archive/fetches", "/archive/frontier"):
        assert httpx.get(base + path, timeout=30).status_code == 200
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_every_table_and_column_is_described(tmp_path: Path) -> None:
    """A new table or column (a migration) must be described in scraper/serve.py TABLES
    (Datasette's descriptions) and in the README's schema table."""
    with Archive(tmp_path / "a.db"), sqlite3.connect(tmp_path / "a.db") as db:
        actual = {
            t: [c[1] for c in db.execute(f"PRAGMA table_info({t})")]
            for (t,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'articles_fts%' AND name NOT LIKE '\\_%' ESCAPE '\\' "
                "AND name NOT LIKE 'sqlite_%'"
            )
        }
    assert {t: list(cols) for t, (_, cols) in TABLES.items()} == actual
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for table, columns in actual.items():
        row = re.search(rf"^\| `{table}` \|[^|]*\|(.*)\|$", readme, re.MULTILINE)
        assert row is not None, f"README's schema table has no row for {table}"
        assert set(re.findall(r"`(\w+)`", row.group(1))) >= set(columns) - {"id"}, table


def test_missing_or_broken_archive_exits_3_and_creates_nothing(cli, tmp_path: Path) -> None:
    run = cli("serve", "--db", "nope/archive.db")
    assert run.code == 3, run.err
    assert run.err.strip().count("\n") == 0 and "no such file" in run.err
    assert not (tmp_path / "nope").exists()
    (tmp_path / "junk.db").write_bytes(b"not sqlite at all" * 100)
    run = cli("serve", "--db", "junk.db")
    assert run.code == 3 and "Traceback" not in run.err
    assert (tmp_path / "junk.db").read_bytes() == b"not sqlite at all" * 100


def test_without_the_extra_says_how_to_install_exit_2(cli, tmp_path: Path) -> None:
    blocker = tmp_path / "block" / "datasette"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('No module named datasette')\n")
    with Archive(tmp_path / "archive.db"):
        pass
    run = cli("serve", "--db", "archive.db", env={"PYTHONPATH": str(tmp_path / "block")})
    assert run.code == 2
    assert run.err == "scraper: error: " + (
        "datasette is not installed; install it with: pip install 'scraper[serve]'\n"
    )


def test_bad_port_is_a_usage_error(cli) -> None:
    run = cli("serve", "--port", "0")
    assert run.code == 2 and "Traceback" not in run.err
