"""`PinnedTransport`, the default transport of a client-owned httpx client (`_pinned.py`).

Over a loopback server that counts its connections, on asyncio and trio: connections are
reused one request at a time, `max_connections` holds with a pool timeout, only
`max_keepalive_connections` idle ones are kept and they expire, a server that closed an idle
connection costs nothing, and closing the transport closes everything.
"""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import httpx
import pytest
from _servers import head, raw_server

from journey_async import JourneyClient, RequestTimeoutError
from journey_async._pinned import PinnedTransport

pytestmark = pytest.mark.anyio

GUARD = 20


def client_for(limits: httpx.Limits, timeout: httpx.Timeout | float = 5.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=PinnedTransport(limits), timeout=timeout)


async def test_sequential_requests_share_one_connection():
    """100 sequential requests: one connection, idle after each."""
    with raw_server() as server, anyio.fail_after(GUARD):
        async with client_for(httpx.Limits(max_connections=4)) as http:
            for i in range(100):
                response = await http.get(f"{server.url}/a/{i}/ok")
                assert response.json()["id"] == "ok"
            transport = http._transport
            assert isinstance(transport, PinnedTransport)
            assert transport.in_use == 0
            assert [c.is_idle() for c in transport.connections] == [True]
    assert server.connections == 1


async def test_max_connections_holds_and_excess_requests_wait():
    """20 concurrent slow requests on max_connections=3: 3 connections, all answered."""

    async def slow(server, reader, writer, target) -> bool:
        await asyncio.sleep(0.05)
        writer.write(head(200, [("Content-Length", "2")]) + b"{}")
        await writer.drain()
        return True

    with raw_server(slow) as server, anyio.fail_after(GUARD):
        async with client_for(httpx.Limits(max_connections=3)) as http:
            answers: list[int] = []

            async def get(i: int) -> None:
                answers.append((await http.get(f"{server.url}/slow/{i}")).status_code)

            async with anyio.create_task_group() as tg:
                for i in range(20):
                    tg.start_soon(get, i)
            assert answers == [200] * 20
            assert http._transport.in_use == 0  # type: ignore[attr-defined]
    assert server.connections == 3


async def test_a_request_beyond_max_connections_fails_at_the_pool_timeout():
    """One connection held by a hung request: the next one is PoolTimeout, not a hang."""

    async def hang(server, reader, writer, target) -> bool:
        await asyncio.sleep(30)
        return False

    timeout = httpx.Timeout(5.0, pool=0.2)
    with raw_server(hang) as server, anyio.fail_after(GUARD):
        async with client_for(httpx.Limits(max_connections=1), timeout) as http:
            async with anyio.create_task_group() as tg:
                tg.start_soon(http.get, f"{server.url}/hang")
                await anyio.sleep(0.1)
                with pytest.raises(httpx.PoolTimeout):
                    await http.get(f"{server.url}/second/ok")
                tg.cancel_scope.cancel()
            assert http._transport.in_use == 0  # type: ignore[attr-defined]


async def test_idle_connections_beyond_the_keepalive_limit_are_closed_and_expire():
    """max_keepalive_connections=1: of 3 connections one stays idle; it expires unused."""

    async def slow(server, reader, writer, target) -> bool:
        await asyncio.sleep(0.05)
        writer.write(head(200, [("Content-Length", "2")]) + b"{}")
        await writer.drain()
        return True

    limits = httpx.Limits(max_connections=3, max_keepalive_connections=1, keepalive_expiry=0.2)
    with raw_server(slow) as server, anyio.fail_after(GUARD):
        async with client_for(limits) as http:
            async with anyio.create_task_group() as tg:
                for i in range(3):
                    tg.start_soon(http.get, f"{server.url}/slow/{i}")
            transport = http._transport
            assert isinstance(transport, PinnedTransport)
            assert len(transport.connections) == 1
            await anyio.sleep(0.4)  # past keepalive_expiry
            await http.get(f"{server.url}/again/ok")
            assert len(transport.connections) == 1
    assert server.connections == 4  # three at once, then a fresh one after the expiry


async def test_a_connection_the_server_closed_while_idle_is_not_used():
    """The server closes after each answer: every request gets a fresh connection, no error."""

    async def close_after(server, reader, writer, target) -> bool:
        writer.write(head(200, [("Content-Length", "2")]) + b"{}")
        await writer.drain()
        return False

    with raw_server(close_after) as server, anyio.fail_after(GUARD):
        async with client_for(httpx.Limits(max_connections=2)) as http:
            for i in range(5):
                assert (await http.get(f"{server.url}/close/{i}")).status_code == 200
                await anyio.sleep(0.05)  # the close reaches the client
    assert server.connections == 5


async def test_closing_the_client_closes_every_connection():
    """`aclose` leaves no connection open."""
    with raw_server() as server, anyio.fail_after(GUARD):
        async with client_for(httpx.Limits(max_connections=4)) as http:
            async with anyio.create_task_group() as tg:
                for i in range(4):
                    tg.start_soon(http.get, f"{server.url}/{i}/ok")
            transport = http._transport
            assert isinstance(transport, PinnedTransport)
            connections = transport.connections
            assert connections
        assert transport.connections == []
        assert all(c.is_closed() for c in connections)


async def test_unsupported_scheme_is_httpx_unsupported_protocol():
    async with client_for(httpx.Limits(max_connections=1)) as http:
        with pytest.raises(httpx.UnsupportedProtocol):
            await http.get("ftp://127.0.0.1/x")


async def test_a_refused_connection_is_a_connect_error_and_holds_no_connection():
    """Nothing listens on the port: ConnectError, nothing left in use."""
    with raw_server() as server:
        url = server.url
    async with client_for(httpx.Limits(max_connections=1)) as http:
        for _ in range(3):
            with pytest.raises(httpx.ConnectError):
                await http.get(f"{url}/gone/ok")
        assert http._transport.in_use == 0  # type: ignore[attr-defined]


async def test_the_client_uses_it_by_default_and_httpx_pool_on_request():
    """`JourneyClient()` sends through PinnedTransport; transport="httpx" keeps httpx's pool."""
    with raw_server() as server, anyio.fail_after(GUARD):
        async with JourneyClient("t", base_url=server.url) as client:
            assert isinstance(client._http._transport, PinnedTransport)
            assert (await client.get_journey_actiontarget("ok")).id == "ok"
        async with JourneyClient("t", base_url=server.url, transport="httpx") as client:
            assert type(client._http._transport) is httpx.AsyncHTTPTransport
            assert (await client.get_journey_actiontarget("ok")).id == "ok"


async def test_a_hung_server_is_a_read_timeout_through_the_client():
    """httpcore's read timeout still applies on a pinned connection."""

    async def hang(server, reader, writer, target) -> bool:
        await asyncio.sleep(30)
        return False

    with raw_server(hang) as server, anyio.fail_after(GUARD):
        async with JourneyClient(
            "t", base_url=server.url, timeout=httpx.Timeout(5.0, read=0.3), retry=None
        ) as client:
            with pytest.raises(RequestTimeoutError):
                await client.get_journey_actiontarget("hang")
            assert client._http._transport.in_use == 0  # type: ignore[attr-defined]
            assert (await client.get_journey_actiontarget("ok")).id == "ok"


@pytest.mark.parametrize(
    ("client_timeout", "middleware", "within"),
    [
        (5.0, False, True),  # the attempt (5 s) ends before any read or write timeout would
        (httpx.Timeout(5.0, write=0.5), False, False),  # a shorter write timeout is kept
        (5.0, True, False),  # user middleware: the attempt's scope is not relied on
    ],
)
async def test_reads_rely_on_the_attempt_scope_only_when_it_ends_first(
    monkeypatch: pytest.MonkeyPatch, anyio_backend_name: str, client_timeout, middleware, within
):
    """On asyncio a pinned connection's reads open no cancel scope of their own exactly when
    the attempt's scope ends before their timeout would (`_within`); idle, it is unset. On
    trio the connection keeps httpcore's own stream, with every per-read timeout."""
    from journey_async._within import AttemptStream

    seen: list[bool] = []
    read = AttemptStream.read

    async def recording(self: AttemptStream, *args: Any, **kwargs: Any) -> bytes:
        seen.append(self.within_attempt)
        return await read(self, *args, **kwargs)

    async def passing(request, call_next):
        return await call_next(request)

    monkeypatch.setattr(AttemptStream, "read", recording)
    with raw_server() as server, anyio.fail_after(GUARD):
        async with JourneyClient(
            "t",
            base_url=server.url,
            timeout=client_timeout,
            middleware=[passing] if middleware else [],
        ) as client:
            assert (await client.get_journey_actiontarget("ok")).id == "ok"
            [connection] = client._http._transport.connections  # type: ignore[attr-defined]
            if anyio_backend_name != "asyncio":
                assert not isinstance(connection._network_stream, AttemptStream)
                assert not seen
                return
            assert isinstance(connection._network_stream, AttemptStream)
            assert connection._network_stream.within_attempt is False
    assert seen and set(seen) == {within}
