"""How many bytes of request bodies the gateway holds whole at once.

An AWS_PROXY event carries the whole body, so the gateway reads it whole before it invokes:
20 clients posting 9.9 MiB at once held 20 bodies, and the process grew by ~500 MB. A request
whose body is to be read whole first takes its size from this budget (a body without a length
takes the largest allowed) and gives it back when its answer is ready; past the budget,
requests wait in arrival order, their bodies left in the kernel's socket buffers meanwhile.
Bodies under ``SMALL_BODY`` skip the budget: they are the common case and cost little; a
request without a body (a GET) holds nothing.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

SMALL_BODY = 1024 * 1024
DEFAULT_BUDGET = 48 * 1024 * 1024


class BodyBudget:
    @property
    def idle(self) -> bool:
        """Nothing held."""
        return self._free == self._limit

    def __init__(self, limit: int = DEFAULT_BUDGET) -> None:
        self._limit = limit
        self._free = limit
        self._waiting: deque[tuple[int, asyncio.Future[None]]] = deque()

    @asynccontextmanager
    async def hold(self, size: int) -> AsyncIterator[None]:
        """Hold ``size`` bytes (at most the whole budget) while the block runs."""
        size = min(size, self._limit) if size >= SMALL_BODY else 0
        if size and (self._waiting or self._free < size):
            turn = asyncio.get_running_loop().create_future()
            self._waiting.append((size, turn))
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self._give_back(size)  # granted as it was cancelled
                else:
                    self._waiting.remove((size, turn))
                    self._grant()  # the next one may fit now
                raise
        else:
            self._free -= size
        try:
            yield
        finally:
            self._give_back(size)

    def _give_back(self, size: int) -> None:
        self._free += size
        self._grant()

    def _grant(self) -> None:
        while self._waiting and self._waiting[0][0] <= self._free:
            size, turn = self._waiting.popleft()
            self._free -= size
            turn.set_result(None)
