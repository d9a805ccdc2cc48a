"""Response bodies decoded from their Content-Encoding with a bound on what they produce.

httpx decodes a whole network read at once, so a 33 KB zstd body can grow to
gigabytes before a size limit is checked. Here each coding is a stage that
decodes at most ``CHUNK`` bytes at a time and pushes them on to the next stage
(a stack such as ``gzip, gzip`` is decoded innermost last); the last stage hands
them to a sink that counts them and stops the body past its limit. Peak memory
is the limit plus a few chunks, whatever the compression ratio.

Only codings decoded here are offered (``ACCEPT_ENCODING``); a body in any other
coding (``br``, ``compress``, a misspelling) is refused rather than kept as text.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from typing import Protocol

import zstandard

CHUNK = 64 * 1024  # the most one stage produces at a time
MAX_CODINGS = 4  # more stacked codings than this is an attack, not a page
# RFC 9659 (zstd for HTTP): a decoder need not support windows over 8 MB; a frame
# asking for more would make the decoder allocate it.
ZSTD_MAX_WINDOW = 8 * 1024 * 1024
ACCEPT_ENCODING = "gzip, deflate, zstd"

Sink = Callable[[bytes], None]


class DecodeError(Exception):
    """A body that cannot be decoded: a coding not supported, or corrupt data."""


class _Stage(Protocol):
    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class _Zlib:
    """gzip (``wbits=31``) or zlib-wrapped deflate (15), falling back to raw deflate
    (-15) when a "deflate" body does not start with a zlib header, as servers do."""

    def __init__(self, sink: Sink, wbits: int) -> None:
        self._sink = sink
        self._decoder = zlib.decompressobj(wbits)
        self._may_be_raw = wbits == zlib.MAX_WBITS  # until the first write
        self._produced = False
        self._fed = False

    def write(self, data: bytes) -> None:
        self._fed = self._fed or bool(data)
        if self._may_be_raw:
            self._may_be_raw = False
            try:
                self._drain(data)
            except zlib.error:
                if self._produced:
                    raise
                # not zlib-wrapped: raw deflate
                self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                self._drain(data)
            return
        self._drain(data)

    def _drain(self, data: bytes) -> None:
        decoder = self._decoder
        while not decoder.eof:
            out = decoder.decompress(data, CHUNK)
            data = decoder.unconsumed_tail
            if out:
                self._produced = True
                self._sink(out)
            if not data and len(out) < CHUNK:
                return

    def close(self) -> None:
        if not self._decoder.eof:
            self._drain(b"")
        if self._fed and not self._decoder.eof:  # a body cut off inside the stream
            raise zlib.error("the compressed stream ends early")


class _SinkWriter:
    """A file-like object zstandard's stream writer writes its output to."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink

    def write(self, data: bytes) -> int:
        self._sink(bytes(data))
        return len(data)


class _Zstd:
    def __init__(self, sink: Sink) -> None:
        decoder = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
        self._writer = decoder.stream_writer(_SinkWriter(sink), write_size=CHUNK, closefd=False)

    def write(self, data: bytes) -> None:
        self._writer.write(data)

    def close(self) -> None:
        self._writer.flush()


_STAGES: dict[str, Callable[[Sink], _Stage]] = {
    "gzip": lambda sink: _Zlib(sink, zlib.MAX_WBITS | 16),
    "x-gzip": lambda sink: _Zlib(sink, zlib.MAX_WBITS | 16),  # RFC 9110: an alias of gzip
    "deflate": lambda sink: _Zlib(sink, zlib.MAX_WBITS),
    "zstd": _Zstd,
}


def codings(header_values: Iterable[str]) -> list[str]:
    """The codings of Content-Encoding header values, in the order they were applied
    (``identity`` left out); ``DecodeError`` for one not decoded here."""
    out = []
    for value in header_values:
        for coding in value.split(","):
            coding = coding.strip().lower()
            if not coding or coding == "identity":
                continue
            if coding not in _STAGES:
                raise DecodeError(f"unsupported content encoding ({coding[:40]})")
            out.append(coding)
    if len(out) > MAX_CODINGS:
        raise DecodeError(f"more than {MAX_CODINGS} content encodings")
    return out


class Decoder:
    """``write`` raw body bytes, then ``close``; decoded bytes go to ``sink`` a
    chunk at a time. Exceptions the sink raises (a size limit) come out of
    ``write``; corrupt data raises ``DecodeError``."""

    def __init__(self, applied: list[str], sink: Sink) -> None:
        stages: list[_Stage] = []
        for coding in applied:  # the first applied is decoded last: it feeds the sink
            stage = _STAGES[coding](sink)
            stages.append(stage)
            sink = stage.write
        self._stages = stages[::-1]  # in decoding order
        self._write: Sink = sink

    def write(self, data: bytes) -> None:
        try:
            self._write(data)
        except (zlib.error, zstandard.ZstdError) as exc:
            raise DecodeError(str(exc) or type(exc).__name__) from exc

    def close(self) -> None:
        try:
            for stage in self._stages:
                stage.close()
        except (zlib.error, zstandard.ZstdError) as exc:
            raise DecodeError(str(exc) or type(exc).__name__) from exc
