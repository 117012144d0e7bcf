"""A request that queued for an in-flight slot: one cancel scope serves the wait and the attempt.

The wait is bounded by the pool timeout (or what is left of the budget); once the slot is held
the same scope's deadline becomes the attempt's own, counted from then, and the transport is
told the attempt's length as for a request that never queued. On asyncio and trio.
"""

from __future__ import annotations

import time

import anyio
import anyio.lowlevel
import httpx
import pytest

from journey_async import JourneyClient, RequestTimeoutError
from journey_async._within import ATTEMPT_LENGTH

pytestmark = pytest.mark.anyio

BASE_URL = "https://api.test.invalid"


class _Slow:
    """A transport answering each request after `delays[id]` seconds (anyio's sleep), noting
    the attempt length each request carried."""

    def __init__(self, delays: dict[str, float]) -> None:
        self.delays = delays
        self.lengths: dict[str, float | None] = {}

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        target = request.url.path.rsplit("/", 1)[-1]
        self.lengths[target] = request.extensions.get(ATTEMPT_LENGTH)
        await anyio.sleep(self.delays.get(target, 0.0))
        return httpx.Response(200, json={"id": target})


async def _timed_failure(client: JourneyClient, target: str, into: dict[str, object]) -> None:
    """Call for `target`; note its `RequestTimeoutError`'s message and how long it took."""
    started = time.monotonic()
    try:
        await client.get_journey_actiontarget(target)
    except RequestTimeoutError as exc:
        into[target] = (str(exc), time.monotonic() - started)


def _client(handler: _Slow, timeout: httpx.Timeout) -> JourneyClient:
    return JourneyClient(
        "token",
        base_url=BASE_URL,
        transport=httpx.MockTransport(handler),
        timeout=timeout,
        retry=None,
        max_in_flight=1,
    )


async def test_a_queued_attempt_gets_its_whole_timeout_from_when_it_holds_the_slot() -> None:
    """Attempt timeout 0.6 s, one slot: the second call queues 0.4 s behind the first, then
    takes 0.4 s itself. Both succeed: 0.8 s in all, but 0.4 s of attempt, and the transport
    was told the attempt's full 0.6 s for the queued request as for the first."""
    handler = _Slow({"first": 0.4, "second": 0.4})
    results: dict[str, object] = {}

    async def call(target: str) -> None:
        results[target] = (await client.get_journey_actiontarget(target)).id

    async with _client(handler, httpx.Timeout(0.6, pool=5.0)) as client:
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(call, "first")
                await anyio.sleep(0.05)  # the first holds the slot
                started = time.monotonic()
                tg.start_soon(call, "second")
            elapsed = time.monotonic() - started
    assert results == {"first": "first", "second": "second"}
    assert elapsed >= 0.6  # longer than the attempt timeout from its start: it queued
    assert handler.lengths["first"] == pytest.approx(0.6)
    assert handler.lengths["second"] == pytest.approx(0.6)


async def test_a_queued_attempt_past_its_timeout_is_cut_and_frees_the_slot() -> None:
    """Attempt timeout 0.5 s: the queued call's own attempt takes 3 s, so it ends with the
    attempt-timeout error about 0.5 s after it got the slot, and the slot is free again."""
    handler = _Slow({"first": 0.3, "second": 3.0})
    outcome: dict[str, object] = {}

    async def first() -> None:
        outcome["first"] = (await client.get_journey_actiontarget("first")).id

    async with _client(handler, httpx.Timeout(0.5, pool=5.0)) as client:
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(first)
                await anyio.sleep(0.05)
                tg.start_soon(_timed_failure, client, "second", outcome)
            assert (await client.get_journey_actiontarget("after")).id == "after"
    assert outcome["first"] == "first"
    message, elapsed = outcome["second"]  # type: ignore[misc]
    assert "no complete response within 0.5 s (the attempt timeout)" in message
    assert 0.7 <= elapsed < 1.5  # about 0.25 s queued, then the 0.5 s attempt


async def test_a_queue_longer_than_the_pool_timeout_is_a_pool_timeout() -> None:
    """Pool timeout 0.2 s behind a 1 s request: the queued call ends at 0.2 s saying it found
    no free slot, never reaches the transport, and takes no slot with it."""
    handler = _Slow({"first": 1.0})
    outcome: dict[str, object] = {}

    async with _client(handler, httpx.Timeout(5.0, pool=0.2)) as client:
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(client.get_journey_actiontarget, "first")
                await anyio.sleep(0.05)
                tg.start_soon(_timed_failure, client, "second", outcome)
            assert (await client.get_journey_actiontarget("after")).id == "after"
    message, elapsed = outcome["second"]  # type: ignore[misc]
    assert "no in-flight slot came free within 0.2 s" in message
    assert 0.15 <= elapsed < 0.6
    assert "second" not in handler.lengths


async def test_a_queued_caller_cancelled_at_every_moment_loses_no_slot() -> None:
    """Callers queued behind a busy slot are cancelled at staggered moments (while queued,
    just as the slot frees, during their attempt): afterwards the one slot is free."""
    handler = _Slow({"busy": 0.2, "q": 0.1})
    async with _client(handler, httpx.Timeout(5.0, pool=5.0)) as client:
        for delay in (0.0, 0.05, 0.19, 0.2, 0.21, 0.25, 0.3):
            async with anyio.create_task_group() as tg:
                tg.start_soon(client.get_journey_actiontarget, "busy")
                await anyio.lowlevel.checkpoint()  # the busy call takes the slot first
                with anyio.move_on_after(delay):
                    await client.get_journey_actiontarget("q")
            assert client._path.slots is not None
            assert client._path.slots.in_use == 0, delay
            assert client._path.slots.waiting == 0, delay
        with anyio.fail_after(2):
            assert (await client.get_journey_actiontarget("after")).id == "after"
