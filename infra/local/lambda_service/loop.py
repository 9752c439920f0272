"""The one event loop the Invoke and Runtime APIs run on, in a thread of its own.

Both APIs on one loop: a warm invocation goes from the Invoke API's connection to the
runtime's parked ``/next`` and back without a thread hand-off (each one cost a GIL hand-off
and futex wake-ups: ~100 futex calls per invoke on threads). What blocks (starting or stopping
a process, fsynced files, the peer check) runs in ``offload``'s threads, never on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

# Blocking work is rare per invoke but comes in bursts (100 cold starts at once, each
# starting a process): enough threads that one slow stop never queues the rest, all started
# with the loop, so a burst never waits on the loop's thread while it starts a thread each.
OFFLOAD_THREADS = 64


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's loop where it is installed (fewer microseconds per callback), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class ServiceLoop:
    """``start()`` runs the loop in a daemon thread; ``stop()`` cancels what is left on it."""

    def __init__(self) -> None:
        self.loop = new_event_loop()
        self._executor = ThreadPoolExecutor(OFFLOAD_THREADS, thread_name_prefix="lambda-offload")
        self.loop.set_default_executor(self._executor)
        self._thread = threading.Thread(target=self._run, name="lambda-loop", daemon=True)
        self._thread_id: int | None = None
        self._started = threading.Event()

    def start(self) -> None:
        every_thread = threading.Barrier(OFFLOAD_THREADS + 1)
        for _ in range(OFFLOAD_THREADS):  # none idle yet: each submit starts a thread
            self._executor.submit(every_thread.wait)
        every_thread.wait()
        self._thread.start()
        self._started.wait()

    def _run(self) -> None:
        self._thread_id = threading.get_ident()
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._started.set)
        self.loop.run_forever()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def in_loop(self) -> bool:
        return threading.get_ident() == self._thread_id

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop and wait for it (from any thread but the loop's)."""
        if self.in_loop():
            coroutine.close()
            raise RuntimeError("ServiceLoop.run called on the loop's own thread")
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def call(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` on the loop: now when already there, else at its next turn (not
        at all once the loop is closed: a sandbox's process may end after the service)."""
        if self.in_loop():
            callback()
        else:
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(callback)

    def wake(self, future: asyncio.Future[None]) -> None:
        """Resolve ``future`` (a waiter of the loop's) from any thread."""
        if self.in_loop():
            _resolve(future)
        else:
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(_resolve, future)

    async def offload(self, function: Callable[..., T], *args: object) -> T:
        """``function(*args)`` in a thread, awaited on the loop."""
        return await self.loop.run_in_executor(None, function, *args)

    def stop(self) -> None:
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(_cancel_other_tasks(), self.loop).result(timeout=30)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.loop.close()


async def _cancel_other_tasks() -> None:
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
