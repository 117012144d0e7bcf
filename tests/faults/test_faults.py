"""Fault injection on loopback (127.0.0.1 only): what the client does when the network or the
server misbehaves, and that it is still healthy afterwards.

Faults the fake can express (429 storms, 5xx bursts, dropped connections, malformed bodies,
revoked tokens) use `FakeJourneyApi.serve_in_thread()`. The others (a reset in the middle of a
body, a server that never answers, a trickling body, truncated JSON with a correct length, a
non-JSON 200, cursor loops, a foreign `nextUri`) use `RawServer`, a tiny asyncio TCP server in a
thread whose answers each test scripts byte by byte.

Every case runs under `anyio.fail_after`, and ends with `assert_healthy`: no request queued in
the httpx pool, and the same client still answers a normal call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx
import pytest
from _servers import (
    CLIENT_OPTIONS,
    OK_TARGET,
    TRANSPORTS,
    Behaviour,
    RawServer,
    raw_server,
    transport_backend,
)

from journey_async import (
    ClientCredentials,
    JourneyClient,
    RetryPolicy,
    SegmentAssignmentsUpdate,
)
from journey_async.errors import (
    DecodeError,
    PaginationError,
    RateLimitError,
    ServerError,
    TransportError,
)
from journey_async.testing import FakeJourneyApi

pytestmark = pytest.mark.anyio


@pytest.fixture(params=list(TRANSPORTS))
def anyio_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every case on asyncio and trio with the default transport (`PinnedTransport`), and on
    asyncio with aiohttp's and with httpx's own pool."""
    return transport_backend(request, monkeypatch)


TOKEN = "fake-token"
NO_RETRY_SLEEP = RetryPolicy(max_attempts=4, backoff_base=0.0)


# ---------------------------------------------------------------------------------------------
# Shared checks


def pool_queue(client: JourneyClient) -> int:
    """Requests pinned to a connection (the default transport), waiting in httpcore's pool
    (transport="httpx") or connections aiohttp's pool counts as in use (0: nothing stuck)."""
    transport: Any = client._http._transport
    if hasattr(transport, "in_use"):  # the default PinnedTransport
        return int(transport.in_use)
    pool = getattr(transport, "_pool", None)
    if pool is None:  # transport="aiohttp"
        session = transport._session
        return len(session.connector._acquired) if session is not None else 0
    return len(pool._requests)


async def assert_healthy(client: JourneyClient, call: Callable[[], Awaitable[Any]]) -> None:
    """The pool has no queued request and the client still answers a normal call."""
    assert pool_queue(client) == 0
    with anyio.fail_after(5):
        result = await call()
    assert result is not None
    assert pool_queue(client) == 0


# ---------------------------------------------------------------------------------------------
# The fake on a loopback port


@pytest.fixture
def fake() -> Iterator[tuple[FakeJourneyApi, str]]:
    """A fresh fake per test (clean faults, stats and tokens), served on 127.0.0.1."""
    api = FakeJourneyApi(
        action_targets=10, sessions=2, assignments_per_session=60, external_contacts=2
    )
    with api.serve_in_thread("127.0.0.1") as url:
        assert url.startswith("http://127.0.0.1:")
        yield api, url


def fake_client(url: str, sleeper: Any, **kwargs: Any) -> JourneyClient:
    """A client of the fake whose retry and rate-limit waits go to the recording sleep."""
    kwargs.setdefault("retry", RetryPolicy())
    return JourneyClient(
        kwargs.pop("token", TOKEN),
        base_url=url,
        sleep=sleeper,
        clock=sleeper.clock,
        timeout=5.0,
        **{**CLIENT_OPTIONS, **kwargs},
    )


def normal_get(client: JourneyClient, api: FakeJourneyApi) -> Callable[[], Awaitable[Any]]:
    async def call() -> Any:
        target = await client.get_journey_actiontarget(api.action_target_ids[0])
        assert target.id == api.action_target_ids[0]
        return target

    return call


AGGREGATE_QUERY = {
    "interval": "2020-11-01T00:00:00Z/2020-11-02T00:00:00Z",
    "metrics": ["nDistinctJourneySessions"],
}


async def test_429_storm_within_max_attempts_succeeds(fake, sleeper):
    """Three 429s then success: four requests in all, each wait being the Retry-After."""
    api, url = fake
    api.faults.retry_after = 0.05
    api.faults.fail_next = [429] * 3
    with anyio.fail_after(10):
        async with fake_client(url, sleeper) as client:
            target = await client.get_journey_actiontarget(api.action_target_ids[1])
            assert target.id == api.action_target_ids[1]
            assert api.stats.requests == 4
            assert api.stats.rate_limited == 3
            assert sleeper.waits == pytest.approx([0.05] * 3)
            await assert_healthy(client, normal_get(client, api))


async def test_429_storm_beyond_max_attempts_raises_rate_limit_error(fake, sleeper):
    """More 429s than max_attempts: RateLimitError with retry_after after max_attempts requests."""
    api, url = fake
    api.faults.retry_after = 0.05
    api.faults.fail_next = [429] * 10
    with anyio.fail_after(10):
        async with fake_client(url, sleeper, retry=RetryPolicy(max_attempts=3)) as client:
            with pytest.raises(RateLimitError) as info:
                await client.get_journey_actiontargets(page_size=5)
            assert info.value.status == 429
            assert info.value.retry_after == pytest.approx(0.05)
            assert info.value.correlation_id
            assert api.stats.requests == 3
            assert len(api.faults.fail_next) == 7
            api.faults.fail_next = []
            await assert_healthy(client, normal_get(client, api))


async def test_retry_after_above_the_cap_is_not_waited_for(fake, sleeper):
    """A Retry-After above max_retry_after raises RateLimitError at once, without sleeping."""
    api, url = fake
    api.faults.retry_after = 500
    api.faults.fail_next = [429]
    with anyio.fail_after(10):
        async with fake_client(url, sleeper) as client:
            with pytest.raises(RateLimitError) as info:
                await client.get_journey_actiontarget(api.action_target_ids[0])
            assert info.value.retry_after == 500
            assert api.stats.requests == 1
            assert sleeper.waits == []
            # The 429 still pauses the client, for the cap (120 s): longer than a call's budget,
            # so a call now is refused at once; once the pause is over, calls go through.
            with pytest.raises(RateLimitError) as held:
                await client.get_journey_actiontarget(api.action_target_ids[0])
            assert held.value.retry_after == pytest.approx(120.0)
            assert api.stats.requests == 1
            sleeper.now += 120.0
            await assert_healthy(client, normal_get(client, api))


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_error_bursts_are_retried(fake, sleeper, status):
    """Two gateway errors (502/503/504) then success: three requests, two backoff sleeps."""
    api, url = fake
    api.faults.fail_next = [status, status]
    with anyio.fail_after(10):
        async with fake_client(url, sleeper) as client:
            listing = await client.get_journey_session_segments(api.session_ids[0], page_size=10)
            assert len(listing.entities) == 10
            assert api.stats.requests == 3
            assert api.stats.by_status[status] == 2
            assert len(sleeper.waits) == 2
            assert all(0.0 <= w <= 0.5 * 2**i for i, w in enumerate(sleeper.waits))
            await assert_healthy(client, normal_get(client, api))


async def test_500_is_not_retried(fake, sleeper):
    """A 500 is raised as ServerError after a single request (it is not in retry_statuses)."""
    api, url = fake
    api.faults.fail_next = [500]
    with anyio.fail_after(10):
        async with fake_client(url, sleeper) as client:
            with pytest.raises(ServerError) as info:
                await client.get_journey_actiontarget(api.action_target_ids[0])
            assert info.value.status == 500
            assert info.value.code == "internal.server.error"
            assert api.stats.requests == 1
            assert sleeper.waits == []
            await assert_healthy(client, normal_get(client, api))


async def test_gateway_errors_beyond_max_attempts_raise_server_error(fake, sleeper):
    """503 on every attempt: ServerError after exactly max_attempts requests."""
    api, url = fake
    api.faults.fail_next = [503] * 5
    with anyio.fail_after(10):
        async with fake_client(url, sleeper, retry=RetryPolicy(max_attempts=2)) as client:
            with pytest.raises(ServerError) as info:
                await client.get_journey_actiontarget(api.action_target_ids[0])
            assert info.value.status == 503
            assert api.stats.requests == 2
            api.faults.fail_next = []
            await assert_healthy(client, normal_get(client, api))


async def test_assign_post_after_503_is_applied_once(fake, sleeper):
    """POST assign with a 503 then success: two requests, the segments recorded once."""
    api, url = fake
    contact = api.external_contact_ids[0]
    api.faults.fail_next = [503]
    body = [
        SegmentAssignmentsUpdate(segment_id="seg-a", state="Assigned"),
        {"segmentId": "seg-b", "state": "Unassigned"},
    ]
    with anyio.fail_after(10):
        async with fake_client(url, sleeper) as client:
            assert await client.post_journey_externalcontact_segments(contact, body=body) is None
            assert api.stats.requests == 2
            assert api.stats.by_route["post_journey_externalcontact_segments"] == 1
            assert api.segment_updates == {contact: {"seg-a": "Assigned", "seg-b": "Unassigned"}}
            await assert_healthy(client, normal_get(client, api))


async def test_patch_and_aggregates_after_502_each_send_exactly_two_requests(fake, sleeper):
    """PATCH and the aggregates POST after one 502 each: one retry each, applied once."""
    api, url = fake
    target_id = api.action_target_ids[2]
    with anyio.fail_after(10):
        async with fake_client(url, sleeper) as client:
            api.faults.fail_next = [502]
            patched = await client.patch_journey_actiontarget(
                target_id, body={"version": 1, "state": "inactive"}
            )
            assert patched.state == "inactive"
            api.faults.fail_next = [502]
            result = await client.post_analytics_journeys_aggregates_query(AGGREGATE_QUERY)
            assert result.results
            assert api.stats.requests == 4
            assert api.stats.by_route["patch_journey_actiontarget"] == 1
            assert api.stats.by_route["post_analytics_journeys_aggregates_query"] == 1
            await assert_healthy(client, normal_get(client, api))


async def test_dropped_connections_are_retried(fake, sleeper):
    """drop_every=2: every call succeeds, each dropped request costs exactly one retry."""
    api, url = fake
    api.faults.drop_every = 2
    ids = api.action_target_ids
    with anyio.fail_after(10):
        async with fake_client(url, sleeper) as client:
            for i in range(10):
                assert (await client.get_journey_actiontarget(ids[i % len(ids)])).id
            # Call 1 is request 1; each later call is a dropped even request plus an odd one.
            assert api.stats.dropped == 9
            assert api.stats.requests == 19
            assert len(sleeper.waits) == 9
            api.faults.drop_every = 0
            await assert_healthy(client, normal_get(client, api))


async def test_dropped_assign_post_is_applied_once(fake, sleeper):
    """A dropped POST assign is retried once and its segments are recorded exactly once."""
    api, url = fake
    contact = api.external_contact_ids[1]
    api.faults.drop_every = 2  # request 2, the POST, is dropped; its retry is request 3
    with anyio.fail_after(10):
        async with fake_client(url, sleeper) as client:
            assert (await client.get_journey_actiontarget(api.action_target_ids[0])).id
            await client.post_journey_externalcontact_segments(
                contact, body=[{"segmentId": "seg-x", "state": "Assigned"}]
            )
            assert api.stats.dropped == 1
            assert api.stats.requests == 3
            assert api.stats.by_route["post_journey_externalcontact_segments"] == 1
            assert api.segment_updates[contact] == {"seg-x": "Assigned"}
            api.faults.drop_every = 0
            await assert_healthy(client, normal_get(client, api))


async def test_dropped_connection_without_timeout_retries_is_a_transport_error(fake, sleeper):
    """retry_timeouts=False: a dropped response is not retried and raises TransportError."""
    api, url = fake
    api.faults.drop_every = 1
    policy = RetryPolicy(retry_timeouts=False)
    with anyio.fail_after(10):
        async with fake_client(url, sleeper, retry=policy) as client:
            with pytest.raises(TransportError) as info:
                await client.get_journey_actiontarget(api.action_target_ids[0])
            assert isinstance(info.value.__cause__, httpx.TransportError)
            assert api.stats.requests == 1
            assert sleeper.waits == []
            api.faults.drop_every = 0
            await assert_healthy(client, normal_get(client, api))


async def test_malformed_body_from_the_fake_is_a_decode_error_and_not_retried(fake, sleeper):
    """A 2xx body cut in half raises DecodeError keeping the raw text; no retry."""
    api, url = fake
    api.faults.malformed_every = 1
    with anyio.fail_after(10):
        async with fake_client(url, sleeper) as client:
            with pytest.raises(DecodeError) as info:
                await client.get_journey_actiontarget(api.action_target_ids[0])
            assert info.value.raw.startswith('{"id":"')
            assert info.value.path == "$"
            assert api.stats.requests == 1
            api.faults.malformed_every = 0
            await assert_healthy(client, normal_get(client, api))


async def test_tokens_revoked_mid_stream_cost_exactly_one_token_request(fake, sleeper):
    """Revoking tokens during a pager loop: the stream completes with one extra token request."""
    api, url = fake
    provider = ClientCredentials(api.client_id, api.client_secret)
    session = api.session_ids[0]
    seen: list[str] = []
    with anyio.fail_after(10):
        async with fake_client(url, sleeper, token=provider) as client:
            pager = client.iter_journey_session_segments(session, page_size=10)
            async with pager:
                async for item in pager:
                    seen.append(item.id)
                    if len(seen) == 15:
                        api.revoke_tokens()
            assert len(seen) == 60
            assert len(set(seen)) == 60
            assert api.stats.token_requests == 2
            assert provider.token_requests == 2
            assert api.stats.by_status[401] == 1
            assert pager.next_cursor is None
            await assert_healthy(client, normal_get(client, api))
            assert api.stats.token_requests == 2


async def test_tokens_expired_under_concurrency_cost_exactly_one_token_request(fake, sleeper):
    """32 concurrent calls after the token expired server-side share one token refresh."""
    api, url = fake
    provider = ClientCredentials(api.client_id, api.client_secret)
    ids = api.action_target_ids
    with anyio.fail_after(10):
        async with fake_client(url, sleeper, token=provider, max_in_flight=None) as client:
            assert (await client.get_journey_actiontarget(ids[0])).id == ids[0]
            api.expire_tokens()
            results = await client.map(
                client.get_journey_actiontarget,
                [ids[i % len(ids)] for i in range(32)],
                concurrency=32,
            )
            assert [r.id for r in results] == [ids[i % len(ids)] for i in range(32)]
            assert api.stats.token_requests == 2
            assert provider.token_requests == 2
            await assert_healthy(client, normal_get(client, api))


# ---------------------------------------------------------------------------------------------
# A raw TCP server for faults the fake cannot express


def _head(status: int, length: int, content_type: str = "application/json") -> bytes:
    return (
        f"HTTP/1.1 {status} Status\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def raw_client(server: RawServer, sleeper: Any, **kwargs: Any) -> JourneyClient:
    kwargs.setdefault("retry", RetryPolicy(max_attempts=3))
    kwargs.setdefault("timeout", 2.0)
    kwargs = {**CLIENT_OPTIONS, **kwargs}
    return JourneyClient(TOKEN, base_url=server.url, sleep=sleeper, clock=sleeper.clock, **kwargs)


def ok_get(client: JourneyClient) -> Callable[[], Awaitable[Any]]:
    async def call() -> Any:
        target = await client.get_journey_actiontarget("ok")
        assert target.id == "ok"
        return target

    return call


async def reset_mid_body(server, reader, writer, target) -> bool:
    """Announce 1000 bytes, send 100, then reset the connection (RST via SO_LINGER 0)."""
    writer.write(_head(200, 1000) + b'{"id":"' + b"x" * 93)
    await writer.drain()
    await asyncio.sleep(0.02)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
    return False


async def hang(server, reader, writer, target) -> bool:
    """Never answer; wait until the client gives up and closes."""
    with contextlib.suppress(ConnectionError):
        await asyncio.wait_for(reader.read(), timeout=10)
    return False


async def trickle(server, reader, writer, target) -> bool:
    """Send the head at once, then the body one byte every 0.3 s (at most 20 bytes)."""
    body = OK_TARGET[:20]
    writer.write(_head(200, len(body)))
    await writer.drain()
    for byte in body:
        await asyncio.sleep(0.3)
        writer.write(bytes([byte]))
        await writer.drain()
    return True


TRUNCATED = b'{"id":"abc","name":"trunc'


async def truncated_json(server, reader, writer, target) -> bool:
    """A 200 whose body is cut JSON with a Content-Length that matches what is sent."""
    writer.write(_head(200, len(TRUNCATED)) + TRUNCATED)
    await writer.drain()
    return True


HTML = b"<html><body>Service temporarily unavailable</body></html>"


async def not_json(server, reader, writer, target) -> bool:
    """A 200 whose body is HTML."""
    writer.write(_head(200, len(HTML), "text/html") + HTML)
    await writer.drain()
    return True


async def test_reset_in_the_middle_of_a_body_is_retried_then_transport_error(sleeper):
    """A reset after 100 of 1000 announced bytes is retried per policy, then TransportError."""
    with raw_server(reset_mid_body) as server, anyio.fail_after(10):
        async with raw_client(server, sleeper) as client:
            with pytest.raises(TransportError) as info:
                await client.get_journey_actiontarget("abc")
            assert isinstance(info.value.__cause__, httpx.TransportError)
            assert "Bearer" not in str(info.value)
            assert server.requests.count("/api/v2/journey/actiontargets/abc") == 3
            assert len(sleeper.waits) == 2
            await assert_healthy(client, ok_get(client))


async def test_reset_in_the_middle_of_a_body_without_retry_is_one_request(sleeper):
    """With retry=None a reset mid-body is a TransportError after exactly one request."""
    with raw_server(reset_mid_body) as server, anyio.fail_after(10):
        async with raw_client(server, sleeper, retry=None) as client:
            with pytest.raises(TransportError):
                await client.get_journey_actiontarget("abc")
            assert server.requests == ["/api/v2/journey/actiontargets/abc"]
            await assert_healthy(client, ok_get(client))


async def test_a_server_that_never_answers_times_out_and_is_retried(sleeper):
    """timeout=0.5 against a silent server: two attempts (max_attempts=2), then TransportError."""
    with raw_server(hang) as server, anyio.fail_after(10):
        async with raw_client(
            server, sleeper, timeout=0.5, retry=RetryPolicy(max_attempts=2)
        ) as client:
            started = time.monotonic()
            with pytest.raises(TransportError) as info:
                await client.get_journey_actiontarget("abc")
            elapsed = time.monotonic() - started
            assert isinstance(info.value.__cause__, httpx.ReadTimeout)
            assert 0.9 <= elapsed < 4.0
            assert server.requests.count("/api/v2/journey/actiontargets/abc") == 2
            await assert_healthy(client, ok_get(client))


async def test_a_silent_server_is_not_retried_when_timeouts_are_not(sleeper):
    """retry_timeouts=False: one read timeout is raised at once as TransportError."""
    with raw_server(hang) as server, anyio.fail_after(10):
        async with raw_client(
            server, sleeper, timeout=0.3, retry=RetryPolicy(retry_timeouts=False)
        ) as client:
            with pytest.raises(TransportError):
                await client.get_journey_actiontarget("abc")
            assert server.requests == ["/api/v2/journey/actiontargets/abc"]
            assert sleeper.waits == []
            await assert_healthy(client, ok_get(client))


async def test_a_trickling_body_slower_than_the_read_timeout_is_a_transport_error(sleeper):
    """A body arriving a byte per 0.3 s with a 0.1 s read timeout raises TransportError."""
    with raw_server(trickle) as server, anyio.fail_after(10):
        timeout = httpx.Timeout(2.0, read=0.1)
        async with raw_client(server, sleeper, timeout=timeout, retry=None) as client:
            started = time.monotonic()
            with pytest.raises(TransportError) as info:
                await client.get_journey_actiontarget("abc")
            assert isinstance(info.value.__cause__, httpx.ReadTimeout)
            assert time.monotonic() - started < 1.0
            assert server.requests == ["/api/v2/journey/actiontargets/abc"]
            await assert_healthy(client, ok_get(client))


async def test_truncated_json_with_a_correct_length_is_a_decode_error(sleeper):
    """Cut JSON with a matching Content-Length raises DecodeError with .raw; no retry."""
    with raw_server(truncated_json) as server, anyio.fail_after(10):
        async with raw_client(server, sleeper) as client:
            with pytest.raises(DecodeError) as info:
                await client.get_journey_actiontarget("abc")
            assert info.value.raw == TRUNCATED.decode()
            assert info.value.path == "$"
            assert server.requests == ["/api/v2/journey/actiontargets/abc"]
            await assert_healthy(client, ok_get(client))


async def test_a_200_with_non_json_content_is_a_decode_error(sleeper):
    """A 200 with an HTML body raises DecodeError whose .raw is the HTML; no retry."""
    with raw_server(not_json) as server, anyio.fail_after(10):
        async with raw_client(server, sleeper) as client:
            with pytest.raises(DecodeError) as info:
                await client.get_journey_actiontargets()
            assert info.value.raw == HTML.decode()
            assert len(server.requests) == 1
            await assert_healthy(client, ok_get(client))


def segment_page(item_id: str, next_uri: str | None) -> bytes:
    page: dict[str, Any] = {
        "entities": [{"id": item_id, "state": "Assigned"}],
        "selfUri": "/api/v2/journey/sessions/s1/segments",
    }
    if next_uri is not None:
        page["nextUri"] = next_uri
    return json.dumps(page).encode()


def cursor_pages(next_uri_for: Callable[[str | None], str | None]) -> Behaviour:
    """A behaviour serving one-item segment pages; `next_uri_for(after)` gives each nextUri."""

    async def behave(server, reader, writer, target) -> bool:
        after = parse_qs(urlsplit(target).query).get("after", [None])[0]
        body = segment_page(f"item-{after or 'first'}", next_uri_for(after))
        writer.write(_head(200, len(body)) + body)
        await writer.drain()
        return True

    return behave


@pytest.mark.parametrize("prefetch", [0, 1])
async def test_a_cursor_cycle_raises_pagination_error(sleeper, prefetch):
    """Cursors first -> A -> B -> A: the pages before the loop are yielded, then PaginationError."""
    path = "/api/v2/journey/sessions/s1/segments"
    following = {None: "A", "A": "B", "B": "A"}
    behave = cursor_pages(lambda after: f"{path}?pageSize=1&after={following[after]}")
    with raw_server(behave) as server, anyio.fail_after(10):
        async with raw_client(server, sleeper) as client:
            seen: list[str] = []
            pager = client.iter_journey_session_segments("s1", page_size=1, prefetch=prefetch)
            with pytest.raises(PaginationError):
                async with pager:
                    for _ in range(10):  # bounded: a loop must end well before this
                        seen.append((await pager.__anext__()).id)
            assert seen == ["item-first", "item-A", "item-B"]
            assert [urlsplit(t).path for t in server.requests] == [path] * 3
            await assert_healthy(client, ok_get(client))


async def test_a_foreign_next_uri_is_never_followed(sleeper):
    """A nextUri on another port raises PaginationError and that server sees no connection."""
    with raw_server() as foreign:
        nxt = f"{foreign.url}/api/v2/journey/sessions/s1/segments?after=stolen"
        with raw_server(cursor_pages(lambda after: nxt)) as server, anyio.fail_after(10):
            async with raw_client(server, sleeper) as client:
                seen: list[str] = []
                with pytest.raises(PaginationError) as info:
                    async with client.iter_journey_session_segments("s1") as pager:
                        async for item in pager:
                            seen.append(item.id)
                assert "not following" in str(info.value)
                assert seen == ["item-first"]
                assert len(server.requests) == 1
                await assert_healthy(client, ok_get(client))
        assert foreign.connections == 0
        assert foreign.requests == []


@pytest.mark.parametrize("scheme_host", ["https://127.0.0.1:{port}", "http://evil.invalid"])
async def test_a_next_uri_with_another_scheme_or_host_is_refused(sleeper, scheme_host):
    """An https or foreign-host nextUri raises PaginationError after the first page only."""
    holder: dict[str, int] = {}

    def next_uri(after: str | None) -> str:
        base = scheme_host.format(port=holder["port"])
        return f"{base}/api/v2/journey/sessions/s1/segments?after=x"

    with raw_server(cursor_pages(next_uri)) as server, anyio.fail_after(10):
        holder["port"] = server.port
        async with raw_client(server, sleeper) as client:
            with pytest.raises(PaginationError):
                async with client.iter_journey_session_segments("s1") as pager:
                    async for _ in pager:
                        pass
            assert len(server.requests) == 1
            assert server.connections == 1
            await assert_healthy(client, ok_get(client))
