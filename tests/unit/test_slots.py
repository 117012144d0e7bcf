"""The in-flight slots: FIFO, never over the total, cancelled waiters leave (asyncio and trio)."""

from __future__ import annotations

import anyio
import pytest

from journey_async._slots import Slots

pytestmark = pytest.mark.anyio


async def test_free_slots_are_taken_without_waiting():
    """Acquiring a free slot needs no event-loop round trip and counts as in use."""
    slots = Slots(2)
    await slots.acquire()
    await slots.acquire()
    assert slots.in_use == 2
    slots.release()
    assert slots.in_use == 1


@pytest.mark.parametrize("total", [1, 2])
async def test_waiters_are_served_in_order_and_never_exceed_the_total(total: int):
    """With `total` slots and 10 tasks, at most `total` hold a slot, first come, first served.

    The order is checked against the order the tasks asked in (trio does not run started tasks
    in start order). With 2 slots, two grants can fall in one scheduling batch and the granted
    tasks then wake in either order, so the order is checked with 1 slot.
    """
    slots = Slots(total)
    asked: list[int] = []
    order: list[int] = []
    holding = 0
    peak = 0

    async def task(n: int) -> None:
        nonlocal holding, peak
        asked.append(n)
        await slots.acquire()
        holding += 1
        peak = max(peak, holding)
        order.append(n)
        await anyio.sleep(0.001)
        holding -= 1
        slots.release()

    async with anyio.create_task_group() as tg:
        for n in range(10):
            tg.start_soon(task, n)
            await anyio.lowlevel.checkpoint()
    assert peak == total
    assert sorted(order) == list(range(10))
    if total == 1:
        assert order == asked
    assert slots.in_use == 0 and slots.waiting == 0


async def test_a_cancelled_waiter_gives_up_its_place():
    """Cancelling a task that waits for a slot removes it from the queue; no slot is lost."""
    slots = Slots(1)
    await slots.acquire()
    with anyio.move_on_after(0.01):
        await slots.acquire()
    assert slots.waiting == 0
    slots.release()
    assert slots.in_use == 0
    await slots.acquire()
    assert slots.in_use == 1
