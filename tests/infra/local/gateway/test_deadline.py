"""``Deadline``, the passthrough's time limit: ``asyncio.timeout``'s behaviour, on a real loop."""

from __future__ import annotations

import asyncio

import pytest

from infra.local.gateway.deadline import Deadline


async def _wait(limit_s: float, work_s: float) -> str:
    async with Deadline(limit_s):
        await asyncio.sleep(work_s)
    return "done"


def test_work_within_the_limit_finishes() -> None:
    assert asyncio.run(_wait(5.0, 0.0)) == "done"


def test_work_past_the_limit_raises_timeout_error() -> None:
    with pytest.raises(TimeoutError):
        asyncio.run(_wait(0.01, 5.0))


def test_a_cancellation_from_elsewhere_stays_a_cancellation() -> None:
    """The gateway stopping cancels in-flight requests: that must not pass for a timeout."""

    async def main() -> tuple[bool, int]:
        task = asyncio.create_task(_wait(5.0, 5.0))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return task.cancelled(), task.cancelling()

    assert asyncio.run(main()) == (True, 1)
