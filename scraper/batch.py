"""WARC batches on Dask: one ``process_warc`` task per file, then the shards merged.

``import_on_dask`` submits ``warc.process_warc`` for each file to a Dask cluster
(a scheduler's address, or ``local``: a ``LocalCluster`` of worker processes on
this machine).  Each task reads its file where it runs and writes its own shard
archive into a folder beside the target archive (so the files and that folder
must be on a path every worker reaches: a shared or network file system); only
counts come back through the scheduler, never pages.  Shards are merged into
the target (``Archive.merge_from``, one transaction each) in the order of the
files as they complete, so a run gives the same archive whatever order the
tasks finish in, then deleted.

A task that raises is retried (``RETRIES``); a worker killed while it runs a
task costs only that task, which the scheduler runs again on another worker
(up to ``distributed.scheduler.allowed-failures`` times).  A file whose task
still fails is reported, the others are merged.

Dask is imported here, and this module only when ``--dask`` is given.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scraper.archive import Archive
from scraper.errors import UsageError
from scraper.warc import process_warc

RETRIES = 2  # more runs of a task that raised (an unreachable file, a full disk)
CONNECT_TIMEOUT_S = 30
LOCAL_CONFIG = {
    "distributed.worker.multiprocessing-method": "forkserver",
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "10s",
    "distributed.admin.system-monitor.disk": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
}
COUNTED = ("records", "bytes", "pages", "kept", "skipped", "failed", "errors")


@dataclass(slots=True)
class DaskSummary:
    """The tasks' counts (what was read), and the merge's (what the archive gained)."""

    files: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    merged: dict[str, int] = field(
        default_factory=lambda: {"archived": 0, "updated": 0, "unchanged": 0}
    )
    failures: list[tuple[str, str]] = field(default_factory=list)

    def add_task(self, result: dict[str, Any]) -> None:
        self.files += 1
        for key in COUNTED:
            self.counts[key] += int(result.get(key, 0))
        self.failures += [(str(u), str(r)) for u, r in result.get("failures", [])]

    def as_dict(self) -> dict[str, Any]:
        c = self.counts
        return {
            "files": self.files,
            "records": c["records"],
            "bytes": c["bytes"],
            "pages": c["pages"],
            **self.merged,
            "kept": c["kept"],
            "skipped": c["skipped"],
            "failed": c["failed"],
            "errors": c["errors"],
        }


@contextlib.contextmanager
def client_for(address: str, workers: int) -> Iterator[Any]:
    """A Dask client of the scheduler at ``address``, or of a new ``LocalCluster`` of
    ``workers`` worker processes (one thread each) for ``local``."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise UsageError(
            "--dask needs Dask: pip install 'scraper[dask]' (on every worker too)"
        ) from exc
    with contextlib.ExitStack() as stack:
        if address == "local":
            import dask

            # worker processes forked from a server that imported Dask once (each spawned
            # worker imported it again: 1.6 CPU s); and none of what costs CPU all along
            # and a cluster of our own does without: the workers' statistical profiler
            # (every 10 ms) and system monitor (500 ms), the event loops' health ticks
            # (20 ms); a worker's memory checked every second (100 ms)
            stack.enter_context(dask.config.set(LOCAL_CONFIG))
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(address, timeout=CONNECT_TIMEOUT_S))
            except (OSError, TimeoutError, ValueError, TypeError) as exc:
                reason = " ".join(str(exc).split())[:200] or type(exc).__name__
                raise UsageError(f"{address}: cannot reach the Dask scheduler ({reason})") from exc
        yield client


def shard_folder(db: Path) -> Path:
    """A new folder for one run's shards, beside the target archive."""
    folder = db.with_name(f".{db.name}.shards-{secrets.token_hex(4)}")
    folder.mkdir(parents=True)
    return folder


def _remove_shard(path: Path) -> None:
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def import_on_dask(
    paths: list[str],
    archive: Archive,
    client: Any,
    *,
    max_bytes: int,
    on_file: Callable[[str, dict[str, Any]], None] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> DaskSummary:
    """Run ``process_warc`` for every file on the cluster of ``client``, merge each
    shard into ``archive`` in the order of ``paths``; see the module's docstring.
    ``on_file(path, counts)`` follows each file merged (counts: the task's and the
    merge's); ``on_error(message)`` each file or record that could not be read."""
    from distributed import as_completed

    summary = DaskSummary()
    folder = shard_folder(archive.path.resolve())
    token = folder.name.rsplit("-", 1)[-1]
    files = [str(Path(p).resolve()) for p in paths]
    shards = [folder / f"{i:05d}-{Path(p).name}.db" for i, p in enumerate(files)]
    futures = [
        client.submit(
            process_warc,
            path,
            str(shard),
            max_bytes=max_bytes,
            key=f"process_warc-{token}-{i}",
            retries=RETRIES,
            pure=False,
        )
        for i, (path, shard) in enumerate(zip(files, shards, strict=True))
    ]
    index = {f.key: i for i, f in enumerate(futures)}
    done: dict[int, dict[str, Any] | None] = {}  # None: the task failed
    following = 0
    try:
        for future in as_completed(futures):
            i = index[future.key]
            try:
                done[i] = future.result()
            except Exception as exc:  # what the task raised, or KilledWorker
                done[i] = None
                summary.counts["errors"] += 1
                if on_error:
                    on_error(f"{paths[i]}: {_reason(exc).removeprefix(files[i] + ': ')}")
            future.release()
            while following in done:  # merge in the order of the files
                result = done.pop(following)
                if result is not None:
                    summary.add_task(result)
                    for message in result.get("read_errors", []):
                        if on_error:
                            on_error(message.replace(files[following], paths[following], 1))
                    merged = archive.merge_from(shards[following])
                    for key in summary.merged:
                        summary.merged[key] += merged[key]
                    _remove_shard(shards[following])
                    if on_file:
                        on_file(paths[following], {**result, **merged})
                following += 1
    finally:
        for future in futures:
            future.cancel()
        shutil.rmtree(folder, ignore_errors=True)  # with the partial shards of killed tasks
    return summary
