"""JourneyClient.map / map_unordered against the fake: order, limits and the in-flight cap."""

from __future__ import annotations

import anyio
import httpx
import pytest

from journey_async import JourneyClient, NotFoundError
from journey_async.testing import FakeJourneyApi

pytestmark = pytest.mark.anyio


async def test_own_operations_run_at_most_max_in_flight_at_once():
    """map(client.op, concurrency=32) keeps at most max_in_flight requests at the server."""
    api = FakeJourneyApi(action_targets=60)
    api.faults.latency = 0.005
    async with (
        httpx.AsyncClient(transport=api.transport()) as http,
        JourneyClient("fake-token", base_url="https://api.fake.invalid", http_client=http) as c,
    ):
        results = await c.map(c.get_journey_actiontarget, api.action_target_ids, concurrency=32)
    assert [r.id for r in results] == api.action_target_ids
    assert api.stats.peak_in_flight == 8


async def test_other_functions_get_the_concurrency_they_ask_for():
    """A user function (not one of the client's operations) runs `concurrency` at a time."""
    running = 0
    peak = 0

    async def work(item: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await anyio.sleep(0.005)
        running -= 1
        return item * 2

    async with JourneyClient("t", base_url="https://api.fake.invalid") as c:
        results = await c.map(work, range(64), concurrency=32)
        pairs = []
        async with c.map_unordered(work, range(64), concurrency=24) as stream:
            async for pair in stream:
                pairs.append(pair)
    assert results == [i * 2 for i in range(64)]
    assert sorted(pairs) == [(i, i * 2) for i in range(64)]
    assert peak == 32


async def test_map_unordered_over_own_operations_keeps_every_result():
    """map_unordered over the client's own operation yields each id once, errors in place."""
    api = FakeJourneyApi(action_targets=30)
    ids = [*api.action_target_ids, "missing"]
    async with (
        httpx.AsyncClient(transport=api.transport()) as http,
        JourneyClient("fake-token", base_url="https://api.fake.invalid", http_client=http) as c,
    ):
        seen = {}
        async with c.map_unordered(
            c.get_journey_actiontarget, ids, concurrency=32, return_exceptions=True
        ) as stream:
            async for target_id, result in stream:
                seen[target_id] = result
    assert set(seen) == set(ids)
    assert isinstance(seen["missing"], NotFoundError)
    assert api.stats.peak_in_flight <= 8
