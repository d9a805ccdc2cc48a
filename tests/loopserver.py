"""An HTTP/1.1 server in the test's own event loop, for what the client does with its
connections: it keeps each connection alive, counts the connections opened, those the
client closed, and the requests in flight, and wakes ``wait`` whenever one changes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Answer:
    status: int = 200
    content_type: str = "text/html"
    body: bytes = b"<html><head><title>T</title></head><body><p>Hello</p></body></html>"


@dataclass
class LoopServer:
    """``async with LoopServer(answer) as srv``: ``answer(srv, path)`` is awaited for
    each request (it may wait, on ``srv.wait``, for other requests to arrive)."""

    answer: Callable[[LoopServer, str], Awaitable[Answer]]
    connections: int = 0  # connections opened
    closed: int = 0  # connections the client closed
    in_flight: int = 0  # requests read and not yet answered
    most_in_flight: int = 0
    paths: list[str] = field(default_factory=list)
    port: int = 0
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def wait(self, ready: Callable[[], bool], timeout: float) -> bool:
        """Whether ``ready()`` came true within ``timeout`` seconds."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(ready), timeout)
            return ready()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def __aenter__(self) -> LoopServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        await self._notify()
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode()
                self.paths.append(path)
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
                await self._notify()
                answer = await self.answer(self, path)
                self.in_flight -= 1
                writer.write(
                    b"HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                    % (answer.status, answer.content_type.encode(), len(answer.body))
                )
                writer.write(answer.body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):  # the client closed it
            self.closed += 1
            await self._notify()
        finally:
            writer.close()
            self._tasks.discard(task)
