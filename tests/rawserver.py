"""A raw TCP server on 127.0.0.1 for what pytest-httpserver cannot send: no
Content-Type, a body cut short, a connection closed without a word, a kept-alive
connection the server hangs up on."""

from __future__ import annotations

import socket
import threading


class RawServer:
    """Takes one connection at a time: reads its request head, records it, sends
    ``answer`` (nothing: it hangs up without a word) and closes the connection."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.requests: list[bytes] = []  # each connection's request head, in order
        self._closed = 0
        self._changed = threading.Condition()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_closed(self, connections: int, timeout: float = 10) -> bool:
        """Whether the server has closed that many connections (waits up to ``timeout``)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._closed >= connections, timeout)

    def close(self) -> None:
        self._sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:  # closed
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data and (more := conn.recv(4096)):
                    data += more
                self.requests.append(data)
                if self.answer:
                    conn.sendall(self.answer)
            with self._changed:
                self._closed += 1
                self._changed.notify_all()
