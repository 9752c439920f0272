"""A client connection once aiohttp serves it: its bytes handed over one request at a time.

The transport's protocol stays this link, in front of aiohttp's request handler: each piece it
hands on belongs to one request (``framing.RequestSplitter``), so a malformed request after a
valid one in the same write is refused after the valid one is answered (aiohttp alone drops
both).
"""

from __future__ import annotations

import asyncio
from typing import Any

from infra.local.gateway.framing import RequestSplitter


class AiohttpLink(asyncio.Protocol):
    def __init__(self, handler: Any) -> None:
        """``handler``: aiohttp's ``RequestHandler`` for this connection."""
        self._handler = handler
        self._splitter = RequestSplitter()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._handler.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        for piece in self._splitter.feed(data):
            self._handler.data_received(piece)

    def eof_received(self) -> bool | None:
        return self._handler.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._handler.connection_lost(exc)

    def pause_writing(self) -> None:
        self._handler.pause_writing()

    def resume_writing(self) -> None:
        self._handler.resume_writing()
