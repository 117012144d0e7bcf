"""The gate forgets cancelled waiters at once (issue class 3).

Under pacing, callers with per-call timeouts that give up must not keep a place or a pacing slot:
the callers that stay are let through at the full pace (90% or more of it, here exactly it),
and a storm of impatient callers never livelocks the gate.

Time is virtual (`VirtualTime`): `sleep` parks until a driver, seeing every task blocked,
jumps the clock to the earliest wake-up. Results are exact and independent of machine load.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any

import anyio
import httpx
import pytest

from journey_async import JourneyClient, RetryPolicy
from journey_async._retry import RateLimitGate

pytestmark = pytest.mark.anyio


class VirtualTime:
    """A clock and a sleep in virtual seconds, driven by `drive()` inside the test's task group."""

    def __init__(self) -> None:
        self.now = 0.0
        self._wakeups: list[tuple[float, int, anyio.Event]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        event = anyio.Event()
        heapq.heappush(self._wakeups, (self.now + max(seconds, 0.0), next(self._order), event))
        await event.wait()

    async def drive(self) -> None:
        """Whenever every other task is blocked, jump to the next wake-up (until cancelled)."""
        while True:
            await anyio.wait_all_tasks_blocked()
            if not self._wakeups:
                await anyio.sleep(0.001)
                continue
            when, _, event = heapq.heappop(self._wakeups)
            self.now = max(self.now, when)
            event.set()


async def impatient(
    vt: VirtualTime, patience: float | None, wait: Any, passed: list[float]
) -> None:
    """Wait at the gate, giving up after `patience` virtual seconds (None: never)."""
    with anyio.CancelScope() as scope:
        if patience is not None:

            async def give_up() -> None:
                await vt.sleep(patience)
                scope.cancel()

            async with anyio.create_task_group() as tg:
                tg.start_soon(give_up)
                await wait()
                passed.append(vt.now)
                tg.cancel_scope.cancel()
        else:
            await wait()
            passed.append(vt.now)


async def test_paced_gate_keeps_full_pace_when_half_the_waiters_time_out():
    """100 waiters at 10/s, every other one gives up after 0.5 s: the rest pass at 10/s."""
    vt = VirtualTime()
    gate = RateLimitGate(vt.clock, vt.sleep, cap=120.0)
    gate.set_pace(10.0)
    passed: list[float] = []
    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(vt.drive)
            async with anyio.create_task_group() as callers:
                for i in range(100):
                    callers.start_soon(impatient, vt, 0.5 if i % 2 else None, gate.wait, passed)
            tg.cancel_scope.cancel()
    assert len(passed) >= 50
    span = passed[-1] - passed[0]
    pace = (len(passed) - 1) / span
    assert pace >= 0.9 * 10.0
    assert gate.waiting == 0


async def test_closed_gate_then_pacing_with_impatient_callers_never_livelocks():
    """Every caller gives up after 0.35 s behind a pause: later callers still pass at once."""
    vt = VirtualTime()
    gate = RateLimitGate(vt.clock, vt.sleep, cap=120.0)
    gate.set_pace(10.0)
    gate.pause_for(1.0)
    passed: list[float] = []
    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(vt.drive)
            async with anyio.create_task_group() as callers:
                for _ in range(50):
                    callers.start_soon(impatient, vt, 0.35, gate.wait, passed)
            assert passed == []  # all gave up during the pause
            assert gate.waiting == 0
            await vt.sleep(1.0)  # the pause is over
            late: list[float] = []
            start = vt.now
            await impatient(vt, None, gate.wait, late)
            tg.cancel_scope.cancel()
    assert late[0] - start <= 0.1 + 1e-9  # one interval at most, not 50 dead reservations


async def test_client_calls_with_timeouts_under_pacing_keep_the_pace():
    """Through the client: 60 calls at 20/s, a third with 0.3 s timeouts; survivors at pace."""
    vt = VirtualTime()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "t"})

    passed: list[float] = []
    async with JourneyClient(
        "token",
        base_url="https://api.test.invalid",
        transport=httpx.MockTransport(handler),
        sleep=vt.sleep,
        clock=vt.clock,
        retry=RetryPolicy(budget=600.0),
        max_in_flight=None,  # every caller queues at the gate itself
    ) as client:
        client.rate_limit_gate.set_pace(20.0)
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                tg.start_soon(vt.drive)
                async with anyio.create_task_group() as callers:
                    for i in range(60):
                        patience = 0.3 if i % 3 == 0 else None
                        callers.start_soon(
                            impatient,
                            vt,
                            patience,
                            lambda: client.get_journey_actiontarget("t"),
                            passed,
                        )
                tg.cancel_scope.cancel()
        assert client.rate_limit_gate.waiting == 0
    assert len(passed) >= 40
    pace = (len(passed) - 1) / (passed[-1] - passed[0])
    assert pace >= 0.9 * 20.0
