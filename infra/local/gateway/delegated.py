"""A client connection once aiohttp serves it: its bytes handed over one request at a time.

The transport's protocol stays this link, in front of aiohttp's request handler: each piece it
hands on belongs to one request (``framing.RequestSplitter``), so a malformed request after a
valid one in the same write is refused after the valid one is answered (aiohttp alone drops
both), and the read timeouts hold here too. Past a head's timeout the connection closes once
aiohttp has answered what it has; past a body's, at once (aiohttp has begun that request, so
only aiohttp could answer it).
"""

from __future__ import annotations

import asyncio
from typing import Any

from infra.local.gateway.framing import RequestSplitter, Waiting
from infra.local.gateway.timeouts import ReadTimeouts, ReadTimer


class AiohttpLink(asyncio.Protocol):
    def __init__(self, handler: Any, timeouts: ReadTimeouts) -> None:
        """``handler``: aiohttp's ``RequestHandler`` for this connection."""
        self._handler = handler
        self._splitter = RequestSplitter()
        self._timer = ReadTimer(timeouts, self._expired)
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        self._handler.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        for piece in self._splitter.feed(data):
            self._handler.data_received(piece)
        self._timer.update(self._splitter.waiting)

    def eof_received(self) -> bool | None:
        return self._handler.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._timer.cancel()
        self._handler.connection_lost(exc)

    def pause_writing(self) -> None:
        self._handler.pause_writing()

    def resume_writing(self) -> None:
        self._handler.resume_writing()

    def _expired(self, waiting: Waiting) -> None:
        if waiting is Waiting.BODY and not _reading(self._transport):
            # the gateway stopped reading, not the client sending (the body waits for the body
            # budget, or for a slow upstream): as nginx, time only a read it is waiting for
            self._timer.update(waiting)
            return
        # aiohttp has none of a stalled head: once it has answered the request in progress (a
        # pipelined one), if any, nothing is lost. (aiohttp 3's flag; without it: close now)
        if waiting is Waiting.HEAD and getattr(self._handler, "_request_in_progress", False):
            self._handler.close()  # close once that answer is out
        else:
            self._handler.force_close()


def _reading(transport: asyncio.BaseTransport | None) -> bool:
    """Whether the transport reads (uvloop's transports have the method, not the base class)."""
    is_reading = getattr(transport, "is_reading", None)
    return is_reading is None or bool(is_reading())
