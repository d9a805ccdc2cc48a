"""A throwaway PostgreSQL cluster for the tests that run on PostgreSQL too.

One cluster per test session (per xdist worker), started only when a test asks
for it: Debian's ``postgresql`` package (``initdb`` and ``pg_ctl`` from
``/usr/lib/postgresql/*/bin``, on the PATH, or in ``PG_BINDIR``), a temporary data directory,
a free port on 127.0.0.1 only, no durability (``fsync=off``: nothing outlives
the session), stopped and removed at session end.  PostgreSQL refuses to run
as root, so as root the cluster runs as the ``postgres`` user (``runuser``).

Each test gets a fresh database (``pg_url``).  When PostgreSQL or psycopg
cannot be found or started, the tests that need it are skipped with the
reason; with ``CI`` set (``.ci/run`` sets it) that is a failure instead, so CI
never passes without them.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_USER = "postgres"  # the OS user the cluster runs as when we are root
_names = itertools.count()


@dataclass
class Cluster:
    datadir: Path
    port: int
    bindir: Path
    runas: list[str]

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def stop(self) -> None:
        subprocess.run(
            [*self.runas, str(self.bindir / "pg_ctl"), "stop", "-D", str(self.datadir),
             "-m", "immediate", "-w"],
            capture_output=True, timeout=30, check=False,
        )  # fmt: skip
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def find_bindir() -> Path | None:
    """The PostgreSQL server binaries: ``PG_BINDIR``, else the newest of Debian's
    versioned folders, else the PATH."""
    if os.environ.get("PG_BINDIR"):
        given = Path(os.environ["PG_BINDIR"])
        return given if (given / "initdb").exists() else None
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True):
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _version(folder: str) -> float:
    try:
        return float(Path(folder).parent.name)
    except ValueError:
        return 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_cluster() -> Cluster:
    """initdb + pg_ctl start on a fresh directory; raises RuntimeError saying why not."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL not found (apt-get install postgresql)")
    top = Path(tempfile.mkdtemp(prefix="scraper-pg-"))
    datadir = top / "data"
    runas: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses root: run it as the postgres user
        try:
            user = pwd.getpwnam(PG_USER)
        except KeyError:
            reason = f"running as root and no {PG_USER!r} user to run PostgreSQL"
            raise RuntimeError(reason) from None
        os.chown(top, user.pw_uid, user.pw_gid)
        runas = ["runuser", "-u", PG_USER, "--"]
    cluster = Cluster(datadir, _free_port(), bindir, runas)
    options = (
        f"-c listen_addresses=127.0.0.1 -p {cluster.port} -c unix_socket_directories={top} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        "-c max_connections=100 -c shared_buffers=16MB"
    )
    steps = [
        [str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "-A", "trust",
         "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
        [str(bindir / "pg_ctl"), "start", "-D", str(datadir), "-w", "-t", "30",
         "-l", str(top / "log"), "-o", options],
    ]  # fmt: skip
    for step in steps:
        proc = subprocess.run([*runas, *step], capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            log = (top / "log").read_text(errors="replace") if (top / "log").exists() else ""
            cluster.stop()
            detail = (proc.stderr or proc.stdout or log).strip().splitlines()
            raise RuntimeError(f"{Path(step[0]).name} failed: {detail[-1] if detail else '?'}")
    return cluster


def unavailable(reason: str) -> None:
    """Skip (or, in CI, fail) a test that needs PostgreSQL."""
    message = f"PostgreSQL tests need a cluster: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set: not skipped)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster | str]:
    """The session's cluster, or why there is none (a str)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        yield "psycopg is not installed (pip install 'scraper[postgres]')"
        return
    try:
        cluster = start_cluster()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        yield str(exc)
        return
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: Cluster | str) -> str:
    """A fresh, empty database of the session's cluster, as a postgresql:// URL."""
    if isinstance(pg_cluster, str):
        unavailable(pg_cluster)
        raise AssertionError("unreachable")
    import psycopg

    name = f"t{os.getpid()}_{next(_names)}"
    with psycopg.connect(pg_cluster.url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 STRATEGY file_copy")
    return pg_cluster.url(name)
