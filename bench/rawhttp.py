"""Raw keep-alive HTTP/1.1 clients for the benchmarks: asyncio streams, no HTTP library, so the
load generator stays cheap next to what it measures."""

from __future__ import annotations

import asyncio
import time


def request_bytes(path: str, headers: dict[str, str] | None = None) -> bytes:
    """A body-less GET for ``path`` with ``headers``, as sent on the wire."""
    lines = [
        f"GET {path} HTTP/1.1",
        "Host: bench",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Connection:
    """One keep-alive HTTP/1.1 connection to a loopback port."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def get(self, request: bytes) -> float:
        """Send ``request`` and read its 200 answer whole; the latency in ms."""
        started = time.perf_counter()
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"unexpected answer: {head[:120]!r}")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await self.reader.readexactly(length)
        return (time.perf_counter() - started) * 1000

    def close(self) -> None:
        self.writer.close()


async def closed_loop(
    port: int, request: bytes, clients: int, seconds: float, *, warm: int = 0
) -> float:
    """``clients`` connections sending ``request`` back to back for ``seconds``; requests per
    second. ``warm`` of them send one request each before the clock starts (pools, caches)."""
    conns = [await Connection.open(port) for _ in range(clients)]
    done = 0
    deadline = time.perf_counter() + seconds

    async def loop(conn: Connection) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await conn.get(request)
            done += 1

    for conn in conns[:warm]:
        await conn.get(request)
    started = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in conns))
    elapsed = time.perf_counter() - started
    for conn in conns:
        conn.close()
    return done / elapsed
