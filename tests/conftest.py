"""Shared fixtures: a real HTTP server on 127.0.0.1, a real SQLite file (or a fresh
PostgreSQL database: ``pg_url``, from tests/pg.py), and an isolated working
directory and environment for every test."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pg import pg_cluster, pg_url  # noqa: F401  (fixtures)
from pytest_httpserver import HTTPServer
from rawserver import RawServer

from scraper.archive import Archive
from scraper.settings import Settings

PAGES = Path(__file__).parent / "pages"


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test runs in its own folder, with no SCRAPER_* variables set."""
    for key in list(os.environ):
        if key.startswith("SCRAPER_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def _server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def server(_server: HTTPServer) -> Iterator[HTTPServer]:
    """A threaded HTTP server on loopback, cleared between tests."""
    _server.clear()
    yield _server
    _server.clear()


@pytest.fixture
def raw_server() -> Iterator[Callable[[bytes], RawServer]]:
    """Starts raw TCP servers on 127.0.0.1 (tests/rawserver.py), each answering every
    connection with the bytes given and closing it; closed after the test."""
    started: list[RawServer] = []

    def start(answer: bytes) -> RawServer:
        started.append(RawServer(answer))
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Fast settings for tests: short backoff and timeouts, no HTTP/2 on loopback."""
    return Settings(
        db=tmp_path / "archive.db",
        timeout=2.0,
        connect_timeout=1.0,
        backoff=0.01,
        retries=2,
        max_retry_wait=5,
        http2=False,
    )


@pytest.fixture
def archive(settings: Settings) -> Iterator[Archive]:
    with Archive(settings.db) as arc:
        yield arc


@pytest.fixture
def seed_page() -> bytes:
    return (PAGES / "time_seed.html").read_bytes()


@dataclass
class Run:
    code: int
    out: str
    err: str


def _in_a_process(tmp_path: Path):  # type: ignore[no-untyped-def]
    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Run:
        proc = subprocess.run(
            [sys.executable, "-m", "scraper", *args],
            cwd=tmp_path,
            input=input,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "SCRAPER_BACKOFF": "0.01", **(env or {})},
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run the real ``scraper`` command (``python -m scraper``) in the test's folder."""
    return _in_a_process(tmp_path)


@pytest.fixture
def cli_process(tmp_path: Path):  # type: ignore[no-untyped-def]
    """``cli``, also in a module whose ``cli`` runs the command in this process."""
    return _in_a_process(tmp_path)


@pytest.fixture
def cli_here(capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run the ``scraper`` command in this process (``scraper.cli.main``, the same code
    as the real command, without a new interpreter's start-up, about 0.5 s of CPU a
    command): for tests of what commands print and exit with. Takes what ``cli`` takes
    (``input``: stdin, ``env``: variables for this command). Returns a ``Run`` (and
    ``Run.raw``, stdout's bytes)."""
    from scraper.cli import main

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Run:
        capsysbinary.readouterr()
        with monkeypatch.context() as m:
            m.setattr(sys, "argv", ["scraper", *args])
            for key, value in {"SCRAPER_BACKOFF": "0.01", **(env or {})}.items():
                m.setenv(key, value)
            if input is not None:
                m.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(input.encode())))
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsysbinary.readouterr()
        result = Run(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))
        result.raw = out  # type: ignore[attr-defined]
        return result

    return run
