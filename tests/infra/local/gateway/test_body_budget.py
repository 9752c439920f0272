"""The body budget: large bodies wait their turn, in arrival order; small ones never wait."""

from __future__ import annotations

import asyncio

from infra.local.gateway.body_budget import SMALL_BODY, BodyBudget

MIB = 1024 * 1024


def test_large_bodies_wait_for_the_budget_in_arrival_order() -> None:
    async def run() -> list[str]:
        budget = BodyBudget(limit=4 * MIB)
        order: list[str] = []
        release = asyncio.Event()

        async def body(name: str, size: int) -> None:
            async with budget.hold(size):
                order.append(name)
                await release.wait()

        first = asyncio.create_task(body("3 MiB", 3 * MIB))
        await asyncio.sleep(0)
        later = [
            asyncio.create_task(body("2 MiB", 2 * MIB)),
            asyncio.create_task(body("1 MiB", 1 * MIB)),  # fits, but behind the 2 MiB
            asyncio.create_task(body("small", SMALL_BODY - 1)),
            asyncio.create_task(body("too big", 100 * MIB)),  # held as the whole budget
        ]
        await asyncio.sleep(0)
        assert order == ["3 MiB", "small"] and not budget.idle
        release.set()
        await asyncio.gather(first, *later)
        assert budget.idle
        return order

    assert asyncio.run(run()) == ["3 MiB", "small", "2 MiB", "1 MiB", "too big"]


def test_a_cancelled_wait_gives_its_turn_to_the_next() -> None:
    async def run() -> bool:
        budget = BodyBudget(limit=4 * MIB)
        async with budget.hold(4 * MIB):
            waiting = asyncio.create_task(budget.hold(3 * MIB).__aenter__())
            await asyncio.sleep(0)
            waiting.cancel()
            await asyncio.gather(waiting, return_exceptions=True)
        async with budget.hold(4 * MIB):
            pass
        return budget.idle

    assert asyncio.run(run())
