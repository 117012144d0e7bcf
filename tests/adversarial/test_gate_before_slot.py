"""A caller held back by the rate-limit pause holds no in-flight slot (budget class, #8).

Admission waits at the gate before it takes a slot: with one slot and a pause longer than the
budget, every caller is refused at once with `RateLimitError` (how long the client is paused),
rather than queueing behind slot holders that only wait for the gate and ending in a slot
timeout.
"""

from __future__ import annotations

import anyio
import httpx
import pytest

from journey_async import JourneyClient, RateLimitError, RetryPolicy

pytestmark = pytest.mark.anyio


async def test_callers_behind_a_pause_do_not_time_out_queueing_for_a_slot():
    """Pause 1 s, pool timeout 0.3 s, one slot, 6 callers: all succeed after the pause.

    Were the slot taken first, its holder would sit out the pause on it while the other five
    queued for it past the pool timeout and failed with RequestTimeoutError.
    """

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "t"})

    results: list[object] = []

    async def one(client: JourneyClient) -> None:
        try:
            results.append(await client.get_journey_actiontarget("t"))
        except Exception as exc:
            results.append(exc)

    async with JourneyClient(
        "token",
        base_url="https://api.test.invalid",
        transport=httpx.MockTransport(handler),
        timeout=httpx.Timeout(5.0, pool=0.3),
        retry=None,  # no retry to hide a slot timeout behind a second attempt
        max_in_flight=1,
    ) as client:
        client.rate_limit_gate.pause_for(1.0)
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                for _ in range(6):
                    tg.start_soon(one, client)
    assert [type(r).__name__ for r in results] == ["ActionTarget"] * 6


async def test_callers_behind_a_pause_past_their_budget_are_refused_at_once():
    """Pause 45 s, budget 10 s, one slot, 6 callers: 6 RateLimitErrors at once, nothing sent."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"id": "t"})

    errors: list[RateLimitError] = []

    async def one(client: JourneyClient) -> None:
        try:
            await client.get_journey_actiontarget("t")
        except RateLimitError as exc:
            errors.append(exc)

    async with JourneyClient(
        "token",
        base_url="https://api.test.invalid",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(budget=10.0),
        max_in_flight=1,
    ) as client:
        client.rate_limit_gate.pause_for(45.0)
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                for _ in range(6):
                    tg.start_soon(one, client)
    assert len(errors) == 6
    assert all(e.retry_after is not None and e.retry_after > 40 for e in errors)
    assert sent == []


async def test_a_short_pause_is_waited_out_without_holding_the_slot():
    """Pause 0.2 s, one slot, 4 callers: all succeed after the pause, one at a time."""
    in_flight = 0
    most = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await anyio.sleep(0.01)
        in_flight -= 1
        return httpx.Response(200, json={"id": "t"})

    async with JourneyClient(
        "token",
        base_url="https://api.test.invalid",
        transport=httpx.MockTransport(handler),
        max_in_flight=1,
    ) as client:
        client.rate_limit_gate.pause_for(0.2)
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                for _ in range(4):
                    tg.start_soon(client.get_journey_actiontarget, "t")
        assert client.rate_limit_gate.waiting == 0
    assert most == 1
