"""Cancellation safety against the fake API on a loopback port, on asyncio and trio.

Cancelling many requests while they wait for pool slots or answers must leave no request
running and no pool slot taken: afterwards the same client must still make calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from journey_async import JourneyClient
from journey_async.testing import FakeJourneyApi

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[FakeJourneyApi, str]]:
    api = FakeJourneyApi(action_targets=20, sessions=1, assignments_per_session=5_000)
    with api.serve_in_thread() as url:
        yield api, url


def pool_state(client: JourneyClient) -> tuple[int, int]:
    """(connections, requests still on the books) of the client's transport: httpcore's pool
    (transport="httpx") or the default `PinnedTransport` (connections pinned to a request)."""
    transport: Any = client._http._transport
    pool = getattr(transport, "_pool", None)
    if pool is None:
        return len(transport.connections), transport.in_use
    return len(pool.connections), len(pool._requests)


@pytest.mark.parametrize("transport", [None, "httpx"], ids=["pinned", "httpx-pool"])
@pytest.mark.parametrize("max_in_flight", [None, 8])
async def test_cancelling_1000_requests_under_pool_contention_leaks_nothing(
    fake: tuple[FakeJourneyApi, str], max_in_flight: int | None, transport: str | None
):
    """1,000 cancelled in-flight calls with max_connections=10 leave a client that still works."""
    api, url = fake
    api.faults.latency = 0.05
    try:
        async with JourneyClient(
            "fake-token",
            base_url=url,
            max_connections=10,
            max_in_flight=max_in_flight,
            transport=transport,
        ) as client:
            ids = api.action_target_ids
            with anyio.move_on_after(0.3) as scope:
                async with anyio.create_task_group() as tg:
                    for i in range(1000):
                        tg.start_soon(client.get_journey_actiontarget, ids[i % len(ids)])
            assert scope.cancelled_caught
            connections, queued = pool_state(client)
            assert queued == 0
            assert connections <= 10

            api.faults.latency = 0.0
            with anyio.fail_after(20):
                results = await client.map(
                    client.get_journey_actiontarget, [ids[i % len(ids)] for i in range(100)]
                )
            assert len(results) == 100
            assert all(r.id in ids for r in results)
            assert pool_state(client)[1] == 0
    finally:
        api.faults.latency = 0.0


async def test_breaking_out_of_a_prefetching_stream_leaves_the_client_usable(
    fake: tuple[FakeJourneyApi, str],
):
    """Leaving `async with pager` mid-stream cancels the prefetch and frees its connection."""
    api, url = fake
    api.faults.latency = 0.02
    try:
        async with JourneyClient("fake-token", base_url=url, max_connections=2) as client:
            for _ in range(20):
                pager = client.iter_journey_session_segments(api.session_ids[0], page_size=50)
                async with pager:
                    async for _item in pager:
                        break
            assert pool_state(client)[1] == 0
            with anyio.fail_after(10):
                target = await client.get_journey_actiontarget(api.action_target_ids[0])
            assert target.id == api.action_target_ids[0]
    finally:
        api.faults.latency = 0.0


async def test_a_failure_inside_map_cancels_the_other_calls(fake: tuple[FakeJourneyApi, str]):
    """The first failure in map() is raised and no sibling call is left running."""
    api, url = fake
    api.faults.latency = 0.02
    try:
        async with JourneyClient("fake-token", base_url=url, max_connections=5) as client:
            ids = [*api.action_target_ids[:10], "no-such-target", *api.action_target_ids[10:]]
            with pytest.raises(Exception) as info:
                await client.map(client.get_journey_actiontarget, ids * 10, concurrency=16)
            assert type(info.value).__name__ == "NotFoundError"
            assert pool_state(client)[1] == 0
            with anyio.fail_after(10):
                assert (await client.get_journey_actiontarget(api.action_target_ids[1])).id
    finally:
        api.faults.latency = 0.0


async def test_plain_httpx_client_is_not_closed_by_cancellation(fake: tuple[FakeJourneyApi, str]):
    """A caller-owned http_client survives cancelled calls and stays open after aclose()."""
    api, url = fake
    async with httpx.AsyncClient() as http:
        client = JourneyClient("fake-token", base_url=url, http_client=http)
        with anyio.move_on_after(0.001):
            await client.get_journey_actiontarget(api.action_target_ids[0])
        await client.aclose()
        assert not http.is_closed
        response = await http.get(f"{url}/api/v2/journey/actiontargets/{api.action_target_ids[0]}")
        assert response.status_code == 401  # no token on a plain request: the fake says so
