"""A gateway on its own event loop in a background thread (tests, benchmarks, embedding)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from infra.local.gateway.server import Gateway
from infra.local.gateway.settings import GatewaySettings


async def _cancel_other_tasks() -> None:
    # connections the server gave up on (e.g. after a 413) still have handler tasks
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class GatewayThread:
    """``start()`` returns the URL once the gateway listens, or raises what start-up raised."""

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
    ) -> None:
        """``loop_factory``: ``uvloop.new_event_loop`` runs it on the loop a gateway process
        uses (``runner.install_fast_loop``)."""
        self.settings = settings
        self.gateway: Gateway | None = None
        self._loop = loop_factory()
        self._thread = threading.Thread(target=self._loop.run_forever, name="gateway", daemon=True)

    def start(self) -> str:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        try:
            return future.result(timeout=30)
        except BaseException:
            self._shutdown_loop()
            raise

    async def _start(self) -> str:
        gateway = Gateway(self.settings)
        await gateway.start()
        self.gateway = gateway
        return gateway.url

    def stop(self) -> None:
        if self.gateway is not None:
            asyncio.run_coroutine_threadsafe(self.gateway.stop(), self._loop).result(timeout=30)
            self.gateway = None
        self._shutdown_loop()

    def _shutdown_loop(self) -> None:
        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(_cancel_other_tasks(), self._loop).result(timeout=30)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
        self._loop.close()

    def __enter__(self) -> GatewayThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
