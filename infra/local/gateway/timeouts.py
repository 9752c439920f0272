"""Read timeouts of a client connection: slow clients never hold the gateway or the upstream.

A request head must arrive whole within ``header_s`` of its first byte (a slowloris trickling
it byte by byte gains nothing); a body may pause at most ``body_s`` between two reads, as
nginx's ``client_header_timeout`` and ``client_body_timeout`` do. Past either, the gateway
answers 408 where it can and closes the connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from infra.local.gateway.framing import Waiting

DEFAULT_HEADER_TIMEOUT_S = 10.0
DEFAULT_BODY_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ReadTimeouts:
    header_s: float = DEFAULT_HEADER_TIMEOUT_S
    body_s: float = DEFAULT_BODY_TIMEOUT_S


class ReadTimer:
    """Calls ``expired(waiting)`` when the connection has waited too long for ``waiting``;
    ``update`` after each read says what it waits for now."""

    def __init__(self, timeouts: ReadTimeouts, expired: Callable[[Waiting], None]) -> None:
        self._timeouts = timeouts
        self._expired = expired
        self._handle: asyncio.TimerHandle | None = None
        self._waiting = Waiting.NOTHING

    def update(self, waiting: Waiting) -> None:
        if waiting is self._waiting and waiting is not Waiting.BODY:
            return  # a head's time runs from its first byte, not its latest
        self.cancel()
        self._waiting = waiting
        if waiting is Waiting.HEAD:
            self._arm(self._timeouts.header_s)
        elif waiting is Waiting.BODY:
            self._arm(self._timeouts.body_s)

    def _arm(self, delay: float) -> None:
        self._handle = asyncio.get_running_loop().call_later(delay, self._fire, self._waiting)

    def _fire(self, waiting: Waiting) -> None:
        self._handle, self._waiting = None, Waiting.NOTHING  # the next update arms anew
        self._expired(waiting)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._waiting = Waiting.NOTHING
