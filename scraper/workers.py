"""Worker processes for CPU-bound work (extraction) beside a process that writes.

- :func:`exit_with`: a worker's initializer: Ctrl-C is its parent's to handle, and
  the worker exits once its parent is gone (``kill -9``), instead of waiting on its
  queue forever.
- :class:`WorkerPool`: the process pool they run in (``submit`` -> a future), where a
  worker killed at any moment (``kill -9`` in the middle of sending its result
  included) fails its task with ``BrokenProcessPool`` instead of hanging the run,
  and, with ``task_seconds``, a worker still on a task after that long is killed
  and replaced, the task failing with :class:`TaskTimeout`.
- :func:`ordered_map`: ``(item, fn(item))`` for every item, in order, computed by
  worker processes with a bounded window in flight (memory stays flat whatever
  the number of items); in this process when one process is asked for.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

PARENT_CHECK_SECONDS = 1.0  # how often a worker checks that its parent is still there
WINDOW_PER_PROCESS = 8  # items in flight per worker: enough to keep each one busy

T = TypeVar("T")
R = TypeVar("R")


def exit_with(parent_pid: int) -> None:
    """In a worker: ignore Ctrl-C and exit once the process ``parent_pid`` is gone.

    A parent killed by cron's timeout or the OOM killer (SIGKILL) cannot shut its
    pool down; its workers, children of the forkserver, would wait on their queue
    forever (and keep the forkserver alive), about 75 MB a killed run.

    Ctrl-C reaches the whole process group: a worker ignores it (it printed a
    KeyboardInterrupt traceback), and the parent shuts the pool down itself.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_SECONDS)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except OSError:  # alive, owned by someone else: not ours to judge
                pass

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def default_processes() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _serve(conn: Connection, initializer: Callable[..., None] | None, initargs: tuple) -> None:
    """A worker: run each ``(fn, args)`` its pipe brings, send back ``(ok, value)``."""
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the pool is gone
            return
        except Exception as exc:  # a task that cannot be unpickled here
            conn.send((False, exc))
            continue
        if task is None:
            return
        fn, args = task
        try:
            reply = (True, fn(*args))
        except Exception as exc:
            reply = (False, exc)
        try:
            conn.send(reply)  # pickled whole before a byte is written
        except (EOFError, OSError):
            return
        except Exception as exc:  # a result that cannot be pickled
            conn.send((False, RuntimeError(f"the result cannot be sent: {exc!r}")))


class TaskTimeout(TimeoutError):
    """A task ran longer than its pool's ``task_seconds``: its worker was killed."""


class WorkerDied(BrokenProcessPool):
    """The worker a task was on died (killed, out of memory, a crash): the task that
    may have killed it; the pool's other failed tasks get a plain ``BrokenProcessPool``."""


@dataclass(eq=False)
class _Worker:
    process: Any  # a multiprocessing Process of the pool's context
    conn: Connection  # this end of the worker's own pipe
    task: Future[Any] | None = None  # the one task it is on
    deadline: float | None = None  # when that task has run too long (time.monotonic())


@dataclass(eq=False)
class _Task:
    future: Future[Any]
    fn: Callable[..., Any]
    args: tuple[Any, ...] = field(default_factory=tuple)


class WorkerPool:
    """``processes`` worker processes, each with a pipe of its own, one task at a time.

    ``ProcessPoolExecutor`` shares one result pipe between its workers: a worker
    killed while it writes a large result leaves half a message in it, and the
    executor's reader waits forever for the rest (no ``BrokenProcessPool``, the
    run hangs).  Here only the worker holds its end of its pipe, so its death is
    the end of that pipe: the task it was on fails with ``WorkerDied`` (a
    ``BrokenProcessPool``: maybe what killed it), the tasks not started yet and
    every later ``submit`` with ``BrokenProcessPool`` (the pool is broken); the
    tasks the other workers are on finish.  Callers then do the work in their own
    process or in a new pool.  Workers start on the first ``submit``.

    With ``task_seconds``, a task still running after that long (a page that costs
    the parser minutes) fails with ``TaskTimeout``: its worker is killed and a new
    one takes its place, and the pool goes on (it is not broken).
    """

    def __init__(
        self,
        processes: int,
        context: Any,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        task_seconds: float | None = None,
    ) -> None:
        self._processes = max(1, processes)
        self._task_seconds = task_seconds
        self._context = context
        self._initializer, self._initargs = initializer, initargs
        self._lock = threading.Lock()
        self._queue: deque[_Task] = deque()
        self._workers: list[_Worker] = []
        self._broken = ""  # why the pool is broken ('' while it is not)
        self._closing = False
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)

    def submit(self, fn: Callable[..., R], *args: Any) -> Future[R]:
        future: Future[R] = Future()
        with self._lock:
            if self._broken:
                raise BrokenProcessPool(self._broken)
            if self._closing:
                raise RuntimeError("cannot submit to a pool that is shut down")
            if self._thread is None:
                self._start()
            self._queue.append(_Task(future, fn, args))
            # the pool's thread sends it to a worker with no task; when every worker is
            # busy, the next result that comes back wakes the thread (no wake-up, no
            # switch of threads for each task: a tenth of an importing process's time)
            idle = any(w.task is None and not w.conn.closed for w in self._workers)
        if idle:
            self._wake()
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """No more tasks; the workers stop once the tasks they are on (and, unless
        ``cancel_futures``, those queued) are done; with ``wait``, wait for that."""
        with self._lock:
            self._closing = True
            if cancel_futures:
                for task in self._queue:
                    task.future.cancel()
                self._queue.clear()
            thread = self._thread
        if thread is None:
            self._close_wake()
            return
        self._wake()
        if wait:
            thread.join()

    # ------------------------------------------------------------ the pool's thread
    def _start(self) -> None:
        for _ in range(self._processes):
            self._workers.append(self._new_worker())
        self._thread = threading.Thread(target=self._run, name="worker-pool", daemon=True)
        self._thread.start()

    def _new_worker(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(theirs, self._initializer, self._initargs), daemon=True
        )
        process.start()
        theirs.close()  # the worker's end is the worker's only: its death ends the pipe
        return _Worker(process, ours)

    def _wake(self) -> None:
        # only while the pipe is open, under the lock that closes it: a closed pipe's
        # descriptor number may be reused by then (another pool's pipe to a worker,
        # whose messages a stray byte would corrupt)
        with self._lock:
            if self._wake_w >= 0:
                with contextlib.suppress(BlockingIOError, OSError):
                    os.write(self._wake_w, b"w")

    def _close_wake(self) -> None:
        with self._lock:
            fds, self._wake_r, self._wake_w = (self._wake_r, self._wake_w), -1, -1
        for fd in fds:
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _run(self) -> None:
        try:
            while self._step():
                pass
        finally:
            for worker in self._workers:
                with contextlib.suppress(OSError, ValueError):
                    worker.conn.send(None)
            for worker in self._workers:
                worker.process.join()
                worker.conn.close()
            self._close_wake()

    def _step(self) -> bool:
        """Send queued tasks to idle workers, then take what comes back; False once
        shut down with nothing left to do."""
        with self._lock:
            live = [w for w in self._workers if not w.conn.closed]
            sends = []
            for worker in live:
                if worker.task is None and self._queue and not self._broken:
                    task = self._queue.popleft()
                    if task.future.set_running_or_notify_cancel():
                        worker.task = task.future
                        sends.append((worker, task))
            if self._closing and not self._queue and all(w.task is None for w in live):
                return False
        for worker, task in sends:
            if self._task_seconds is not None:
                worker.deadline = time.monotonic() + self._task_seconds
            try:
                worker.conn.send((task.fn, task.args))
            except (EOFError, OSError):
                self._died(worker)
            except Exception as exc:  # fn or an argument cannot be pickled
                worker.task = None
                task.future.set_exception(exc)
        live = [w for w in live if not w.conn.closed]
        deadlines = [w.deadline for w in live if w.task is not None and w.deadline is not None]
        timeout = max(min(deadlines) - time.monotonic(), 0.0) if deadlines else None
        ready = wait([self._wake_r, *(w.conn for w in live)], timeout)
        if self._wake_r in ready:
            os.read(self._wake_r, 4096)
        for worker in live:
            if worker.conn in ready:
                self._receive(worker)
        if deadlines:
            now = time.monotonic()
            for worker in live:
                overdue = worker.deadline is not None and worker.deadline <= now
                if overdue and worker.task is not None and not worker.conn.closed:
                    self._overran(worker)
        return True

    def _overran(self, worker: _Worker) -> None:
        """A worker still on its task at its deadline: killed, its task failed with
        ``TaskTimeout``, a new worker in its place (started outside the lock: a submit
        waits for no process to start)."""
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        future, worker.task, worker.deadline = worker.task, None, None
        if future is not None and not future.done():
            future.set_exception(
                TaskTimeout(f"a task ran longer than {self._task_seconds:g} s: stopped")
            )
        try:
            new = None if self._closing and not self._queue else self._new_worker()
        except Exception as exc:  # no process to be had (out of memory?): as a death
            self._break(f"a worker process could not be started ({exc})")
            return
        with self._lock:
            index = self._workers.index(worker)
            if new is None:
                del self._workers[index]  # shutting down, nothing left for it to do
            else:
                self._workers[index] = new

    def _receive(self, worker: _Worker) -> None:
        try:
            ok, value = worker.conn.recv()
        except (EOFError, OSError):  # it died, maybe halfway through a result
            self._died(worker)
            return
        except Exception as exc:  # a result that cannot be unpickled here
            ok, value = False, exc
        future, worker.task, worker.deadline = worker.task, None, None
        if future is not None:
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _died(self, worker: _Worker) -> None:
        worker.conn.close()
        worker.process.join(5)
        code = worker.process.exitcode
        how = f"killed by signal {-code}" if code and code < 0 else f"exit code {code}"
        lost, worker.task = worker.task, None
        self._break(f"a worker process died ({how})", lost)

    def _break(self, reason: str, task: Future[Any] | None = None) -> None:
        """The pool is broken: ``task`` (the dead worker's) fails with ``WorkerDied``,
        the tasks not started and every later submit with ``BrokenProcessPool``."""
        with self._lock:
            self._broken = self._broken or reason
            lost = [task, *(t.future for t in self._queue)]
            self._queue.clear()
        for future in lost:
            if future is None or future.done():
                continue
            if future.running() or future.set_running_or_notify_cancel():
                error = WorkerDied if future is task else BrokenProcessPool
                future.set_exception(error(reason))


def start_pool(processes: int, preload: str, task_seconds: float | None = None) -> WorkerPool:
    """``processes`` workers, children of a forkserver that imported ``preload``; a task
    running longer than ``task_seconds`` fails with ``TaskTimeout``."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([preload])
    return WorkerPool(
        processes,
        context,
        initializer=exit_with,
        initargs=(os.getpid(),),
        task_seconds=task_seconds,
    )


def ordered_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    processes: int,
    preload: str,
    task_seconds: float | None = None,
    on_timeout: Callable[[T], R] | None = None,
    on_died: Callable[[T], R] | None = None,
) -> Iterator[tuple[T, R]]:
    """``(item, fn(item))`` for every item, in the items' order.

    With ``processes`` > 1, ``fn`` (a module-level function of the module
    ``preload``) runs in that many workers while the caller consumes the results;
    at most ``WINDOW_PER_PROCESS`` items a worker are in flight.  Once a worker
    dies (out of memory?), the rest is computed in this process, and the item it
    was on gives ``on_died(item)`` when given (not computed here: it may be what
    killed the worker).  With
    ``task_seconds``, an item still being worked on after that long (in a worker)
    gives ``on_timeout(item)`` instead (``TaskTimeout`` without it), and a new
    worker goes on.  The workers are shut down when the iterator is exhausted or
    closed (an exception, Ctrl-C).
    """
    if processes <= 1:
        for item in items:
            yield item, fn(item)
        return
    pool = start_pool(processes, preload, task_seconds)
    pending: deque[tuple[T, Future[R]]] = deque()
    window = processes * WINDOW_PER_PROCESS
    broken = False  # a worker died (out of memory?): the rest is done here

    def result(item: T, future: Future[R]) -> R:
        nonlocal broken
        try:
            return future.result()  # the tasks other workers were on still finish
        except WorkerDied:
            broken = True
            return fn(item) if on_died is None else on_died(item)
        except BrokenProcessPool:
            broken = True
            return fn(item)
        except TaskTimeout:
            if on_timeout is None:
                raise
            return on_timeout(item)

    try:
        for item in items:
            if not broken:
                try:
                    pending.append((item, pool.submit(fn, item)))
                except BrokenProcessPool:
                    broken = True
            if broken:
                while pending:
                    done, future = pending.popleft()
                    yield done, result(done, future)
                yield item, fn(item)
                continue
            if len(pending) >= window:
                done, future = pending.popleft()
                yield done, result(done, future)
        while pending:
            done, future = pending.popleft()
            yield done, result(done, future)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
