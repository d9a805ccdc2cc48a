"""A throwaway PostgreSQL cluster for the tests that run on PostgreSQL too.

One cluster per test session (per xdist worker), started only when a test asks
for it: Debian's ``postgresql`` package (``initdb`` and ``pg_ctl`` from
``/usr/lib/postgresql/*/bin``, on the PATH, or in ``PG_BINDIR``), a temporary data directory,
a free port on 127.0.0.1 only, no durability (``fsync=off``: nothing outlives
the session), stopped and removed at session end.  A test process that ends
otherwise (SIGTERM, SIGKILL, an xdist worker whose controller was killed, a
mutant's process group killed by bench/mutation.py) stops it too: a watcher
process in a session of its own holds the read end of a pipe only the test
process writes to, and when that closes without a word it runs ``pg_ctl stop -m
immediate`` and removes the directory.  PostgreSQL refuses to run as root, so as
root the cluster runs as the ``postgres`` user (``runuser``).

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


# The watcher: waits for a line on stdin; "done" (the cluster was stopped by its owner)
# ends it, anything else (EOF: the owner died, however) stops the cluster and removes
# its directory.  $1 is the directory, the rest the stop command.
_WATCH = 'top=$1; shift; read -r line; [ "$line" = done ] && exit 0; "$@"; rm -rf "$top"'


@dataclass
class Cluster:
    datadir: Path
    port: int
    bindir: Path
    runas: list[str]
    watcher: subprocess.Popen[bytes] | None = None
    stopped: bool = False

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def stop_command(self) -> list[str]:
        return [*self.runas, str(self.bindir / "pg_ctl"), "stop", "-D", str(self.datadir),
                "-m", "immediate", "-w"]  # fmt: skip

    def watch(self) -> None:
        """Start the watcher that stops the cluster if this process ends without
        ``stop()`` (its own session: a signal to this process group does not reach it)."""
        self.watcher = subprocess.Popen(
            ["sh", "-c", _WATCH, "scraper-pg-watch", str(self.datadir.parent),
             *self.stop_command()],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        subprocess.run(self.stop_command(), capture_output=True, timeout=30, check=False)
        shutil.rmtree(self.datadir.parent, ignore_errors=True)
        if self.watcher is not None and self.watcher.stdin is not None:
            try:
                self.watcher.stdin.write(b"done\n")
                self.watcher.stdin.close()
            except OSError:  # it is gone already
                pass
            self.watcher.wait(timeout=30)


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
    cluster.watch()  # from here on, the cluster is stopped however this process ends
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
