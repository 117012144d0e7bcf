"""The in-flight slots and the rate-limit gate's pacing, with fake clocks (asyncio and trio)."""

from __future__ import annotations

import anyio
import pytest

from journey_async._retry import RateLimitGate
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


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def test_a_storm_of_429s_without_successes_sets_no_pace():
    """429s with nothing getting through in between pause the client but set no pace."""
    clock = Clock()
    gate = RateLimitGate(clock, clock.sleep, cap=120)
    for _ in range(5):
        gate.record_rate_limited(1.0)
        clock.now += 1.0
    assert gate.pace is None
    assert gate.rounds == 5


def test_a_burst_then_429_sets_a_pace_near_the_server_rate():
    """100 successes in 0.05 s, then 429 with Retry-After 1: the pace is 95% of about 95/s."""
    clock = Clock()
    gate = RateLimitGate(clock, clock.sleep, cap=120)
    for _ in range(100):
        gate.record_success()
        clock.now += 0.0005
    gate.record_rate_limited(1.0)
    assert gate.pace is None  # a lone 429 only pauses
    gate.record_rate_limited(1.0)  # another request in flight gets 429 too: a rate ran out
    assert gate.pace is not None
    assert 85 < gate.pace < 95
    assert gate.remaining() == pytest.approx(1.0)


def test_too_few_successes_set_no_pace():
    """Fewer than 20 successes say nothing about a rate: a 429 then only pauses."""
    clock = Clock()
    gate = RateLimitGate(clock, clock.sleep, cap=120)
    for _ in range(5):
        gate.record_success()
    gate.record_rate_limited(0.2)
    assert gate.pace is None


def test_a_429_round_at_most_halves_the_pace():
    """However few successes came through, one round lowers the pace to no less than half."""
    clock = Clock()
    gate = RateLimitGate(clock, clock.sleep, cap=120)
    for _ in range(100):
        gate.record_success()
        clock.now += 0.001
    gate.record_rate_limited(1.0)
    gate.record_rate_limited(1.0)
    first = gate.pace
    assert first is not None
    clock.now += 10.0
    for _ in range(20):
        gate.record_success()
        clock.now += 0.001
    clock.now += 0.5
    gate.record_rate_limited(30.0)
    gate.record_rate_limited(30.0)
    assert gate.pace is not None
    assert gate.pace >= first / 2 * 0.99


def test_successes_probe_a_faster_pace():
    """Each success while pacing shortens the interval a little: 100 of them, about 5%."""
    clock = Clock()
    gate = RateLimitGate(clock, clock.sleep, cap=120)
    for _ in range(100):
        gate.record_success()
        clock.now += 0.001
    gate.record_rate_limited(1.0)
    gate.record_rate_limited(1.0)
    before = gate.pace
    assert before is not None
    clock.now += 1.0  # after the pause
    for _ in range(100):
        gate.record_success()
    assert gate.pace == pytest.approx(before / 0.9995**100)


def paced_gate(clock: Clock) -> RateLimitGate:
    """A gate that has just started a round: 100 quick successes, then two 429s (~90/s)."""
    gate = RateLimitGate(clock, clock.sleep, cap=120)
    for _ in range(100):
        gate.record_success()
        clock.now += 0.0005
    gate.record_rate_limited(1.0)
    gate.record_rate_limited(1.0)
    return gate


def test_successes_during_the_pause_undo_the_pace_of_a_lone_429():
    """A 429 while other in-flight requests keep succeeding is not a rate limit: pause, no pace."""
    clock = Clock()
    gate = paced_gate(clock)
    assert gate.pace is not None
    for _ in range(5):  # the other requests that were in flight come back fine
        gate.record_success()
    assert gate.pace is None
    assert gate.remaining() == pytest.approx(1.0)  # the pause itself stands


def test_a_few_racing_successes_among_many_429s_keep_the_pace():
    """When most in-flight requests get 429 too, one or two successes do not undo the pace."""
    clock = Clock()
    gate = paced_gate(clock)
    for _ in range(6):
        gate.record_rate_limited(1.0)
    gate.record_success()
    gate.record_success()
    assert gate.pace is not None


async def test_paced_attempts_are_spaced_by_the_interval():
    """While pacing, consecutive attempts wait for consecutive slots one interval apart."""
    clock = Clock()
    gate = RateLimitGate(clock, clock.sleep, cap=120)
    for _ in range(100):
        gate.record_success()
        clock.now += 0.0005
    gate.record_rate_limited(1.0)
    gate.record_rate_limited(1.0)
    interval = 1 / gate.pace  # type: ignore[operator]
    await gate.wait()  # waits out the pause
    assert clock.waits == [pytest.approx(1.0)]
    await gate.wait()
    await gate.wait()
    assert clock.waits[1:] == [pytest.approx(interval), pytest.approx(interval)]


def test_a_lone_429_among_successes_never_ratchets_the_pace_down():
    """Sporadic single 429s (a flaky gateway) pause each time but never set or lower a pace."""
    clock = Clock()
    gate = RateLimitGate(clock, clock.sleep, cap=120)
    for _ in range(50):  # 50 rounds: 160 successes, then one 429 with a short Retry-After
        for _ in range(160):
            gate.record_success()
            clock.now += 0.002
        gate.record_rate_limited(0.05)
        clock.now += 0.05
    assert gate.pace is None
    assert gate.rounds == 50
