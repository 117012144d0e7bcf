"""The `transport` option: httpx's own, aiohttp's pool, or any httpx transport object."""

from __future__ import annotations

import asyncio
import subprocess
import sys
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
    pytest.importorskip("aiohttp")
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
    pytest.importorskip("aiohttp")
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


def test_importing_the_package_does_not_import_aiohttp():
    """aiohttp stays an optional extra: only `transport="aiohttp"` imports it."""
    code = "import journey_async, sys; assert 'aiohttp' not in sys.modules, 'aiohttp imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_aiohttp_transport_sends_the_request_as_built_and_keeps_no_cookie():
    """transport="aiohttp" sends the headers the client built and no other, and does not send
    back a cookie the server set (the Journey API authenticates with the bearer token)."""
    pytest.importorskip("aiohttp")
    heads: list[bytes] = []
    body = b'{"id": "a", "name": "n", "state": "active"}'

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                heads.append(await reader.readuntil(b"\r\n\r\n"))
            except asyncio.IncompleteReadError:
                break
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nSet-Cookie: s=1\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        url = f"http://127.0.0.1:{port}"
        async with JourneyClient("tok", base_url=url, transport="aiohttp") as client:
            for _ in range(2):
                assert (await client.get_journey_actiontarget("a")).id == "a"
    assert len(heads) == 2
    names = [line.split(b":")[0].lower() for line in heads[1].split(b"\r\n")[1:] if line]
    assert sorted(names) == sorted(
        [b"host", b"accept-encoding", b"connection", b"accept", b"user-agent", b"authorization"]
    )
    assert heads[1].startswith(b"GET /api/v2/journey/actiontargets/a HTTP/1.1\r\n")
