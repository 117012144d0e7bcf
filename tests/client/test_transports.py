"""The `transport` option: httpx's own, aiohttp's pool, or any httpx transport object."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from journey_async import JourneyClient
from journey_async.testing import FakeJourneyApi


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeJourneyApi, str]]:
    api = FakeJourneyApi(action_targets=40, sessions=1, assignments_per_session=450)
    with api.serve_in_thread() as url:
        yield api, url


async def test_aiohttp_transport_runs_every_kind_of_call(served: tuple[FakeJourneyApi, str]):
    """transport='aiohttp' serves single calls, bulk calls and a paginated stream on asyncio."""
    pytest.importorskip("httpx_aiohttp")
    api, url = served
    async with JourneyClient("fake-token", base_url=url, transport="aiohttp") as client:
        target = await client.get_journey_actiontarget(api.action_target_ids[0])
        assert target.id == api.action_target_ids[0]
        found = await client.map(client.get_journey_actiontarget, api.action_target_ids)
        assert [t.id for t in found] == api.action_target_ids
        items = [a async for a in client.iter_journey_session_segments(api.session_ids[0])]
        assert len(items) == 450


async def test_aiohttp_transport_maps_errors_like_httpx(served: tuple[FakeJourneyApi, str]):
    """A 404 through the aiohttp transport is the same NotFoundError with its correlation id."""
    pytest.importorskip("httpx_aiohttp")
    _, url = served
    async with JourneyClient("fake-token", base_url=url, transport="aiohttp") as client:
        with pytest.raises(Exception) as info:
            await client.get_journey_actiontarget("missing")
    assert type(info.value).__name__ == "NotFoundError"
    assert info.value.correlation_id  # type: ignore[attr-defined]


async def test_a_transport_object_is_used_for_the_owned_client():
    """An httpx transport (here the fake's in-process one) can be passed without an http_client."""
    api = FakeJourneyApi(action_targets=3)
    async with JourneyClient(
        "fake-token", base_url="https://api.fake.invalid", transport=api.transport()
    ) as client:
        target = await client.get_journey_actiontarget(api.action_target_ids[2])
    assert target.id == api.action_target_ids[2]
    assert api.stats.requests == 1


def test_transport_with_http_client_or_unknown_name_is_refused():
    """transport together with http_client, or an unknown transport name, is a ValueError."""
    with pytest.raises(ValueError, match="http_client"):
        JourneyClient("t", http_client=httpx.AsyncClient(), transport="aiohttp")
    with pytest.raises(ValueError, match="transport must be"):
        JourneyClient("t", transport="curl")
