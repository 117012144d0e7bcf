"""Issue class 6: cancelled calls leak no connection.

httpcore 1.0.9 (encode/httpcore#1093) may hand a freshly created connection to a request that is
cancelled before it starts connecting; the connection then stays in the pool for ever, neither
idle nor usable (`<AsyncHTTPConnection [CONNECTING]>`), and after `max_connections` such losses
every request waits for a pool slot that never comes. A bare `httpx.AsyncClient` with
`max_connections=4` ends the churn below with most of its connections stuck that way.

Each test churns a client against the fake API on a loopback port (a thread, so asyncio and trio
both run): 1,000 calls, 50 at a time, each cancelled after a random 0-20 ms, or 200 cancelled
pagers and bulk maps. Afterwards the httpcore pool must hold no request and no connection stuck
in CONNECTING, and the same client must still answer 20 normal calls within 10 s.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import aclosing
from typing import Any

import anyio
import httpx
import pytest
import sniffio
from _servers import http_pool, queued_requests, stuck_connections, unusable_connections

from journey_async import JourneyClient, JourneyError
from journey_async.testing import FakeJourneyApi

pytestmark = pytest.mark.anyio

TOKEN = "fake-token"
CALLS = 1000
BATCH = 50
MAX_DELAY = 0.02
GUARD = 20  # seconds, per test: a regression fails instead of hanging


@pytest.fixture
def fake() -> Iterator[tuple[FakeJourneyApi, str]]:
    """The fake on 127.0.0.1 with 5 ms of latency, so cancellations land mid-request."""
    api = FakeJourneyApi(
        action_targets=20, sessions=2, assignments_per_session=2_000, external_contacts=1
    )
    api.faults.latency = 0.005
    with api.serve_in_thread("127.0.0.1") as url:
        yield api, url


def cancellers() -> list[str]:
    """The ways a call is cancelled on the running backend."""
    if sniffio.current_async_library() == "asyncio":
        return ["asyncio.timeout", "anyio.fail_after", "anyio.move_on_after"]
    return ["anyio.fail_after", "anyio.move_on_after"]


async def cancelled_after(
    delay: float, how: str, work: Callable[[], Awaitable[Any]], tally: Counter[str]
) -> None:
    """Run `work()` under a `how` deadline of `delay` s; count done / cancelled / error."""
    try:
        if how == "asyncio.timeout":
            try:
                async with asyncio.timeout(delay):
                    await work()
            except JourneyError:
                raise
            except TimeoutError:
                tally["cancelled"] += 1
                return
        elif how == "anyio.fail_after":
            try:
                with anyio.fail_after(delay):
                    await work()
            except JourneyError:
                raise
            except TimeoutError:
                tally["cancelled"] += 1
                return
        else:
            with anyio.move_on_after(delay) as scope:
                await work()
            if scope.cancelled_caught:
                tally["cancelled"] += 1
                return
    except JourneyError as exc:
        tally[f"error {type(exc).__name__}"] += 1
        return
    tally["done"] += 1


async def churn(
    work: Callable[[int], Awaitable[Any]],
    *,
    calls: int = CALLS,
    batch: int = BATCH,
    seed: int = 1093,
) -> Counter[str]:
    """`calls` calls of `work(i)`, `batch` at a time, each cancelled after 0..MAX_DELAY s."""
    rng = random.Random(seed)
    ways = itertools.cycle(cancellers())
    tally: Counter[str] = Counter()
    for start in range(0, calls, batch):
        async with anyio.create_task_group() as tg:
            for i in range(start, min(start + batch, calls)):
                delay = rng.uniform(0.0, MAX_DELAY)
                tg.start_soon(cancelled_after, delay, next(ways), lambda i=i: work(i), tally)
    assert sum(tally.values()) == calls
    return tally


def assert_pool_clean(http: httpx.AsyncClient, max_connections: int = 4) -> None:
    """With no call running: no request left in httpcore's pool, no connection stuck
    CONNECTING, every connection idle (or closed), none over the cap."""
    pool = http_pool(http)
    assert queued_requests(http) == 0, f"{pool!r} {pool.connections}"
    assert stuck_connections(http) == [], pool.connections
    assert unusable_connections(http) == [], pool.connections
    assert len(pool.connections) <= max_connections, pool.connections


async def assert_answers(client: JourneyClient, api: FakeJourneyApi, n: int = 20) -> None:
    """The client answers `n` concurrent normal calls within 10 s."""
    ids = [api.action_target_ids[i % len(api.action_target_ids)] for i in range(n)]
    got: dict[int, str] = {}

    async def one(i: int) -> None:
        got[i] = (await client.get_journey_actiontarget(ids[i])).id

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            for i in range(n):
                tg.start_soon(one, i)
    assert [got[i] for i in range(n)] == ids


def assert_churned(tally: Counter[str], total: int) -> None:
    """The churn really cancelled calls in flight, and nothing failed for another reason."""
    errors = {k: v for k, v in tally.items() if k.startswith("error")}
    assert errors == {}, tally
    assert tally["cancelled"] >= total // 10, tally
    assert tally["done"] + tally["cancelled"] == total, tally


# ---------------------------------------------------------------------------------------------
# 1,000 cancelled calls


CONFIGS = {
    "max_connections=4": {"max_connections": 4},
    "max_connections=4,max_in_flight=16": {"max_connections": 4, "max_in_flight": 16},
    "max_connections=4,max_in_flight=None": {"max_connections": 4, "max_in_flight": None},
    "httpx-pool,max_connections=4,max_in_flight=16": {
        "transport": "httpx",
        "max_connections": 4,
        "max_in_flight": 16,
    },
}


@pytest.mark.parametrize("config", list(CONFIGS), ids=list(CONFIGS))
async def test_1000_cancelled_calls_leave_the_pool_healthy(fake, config):
    """1,000 calls cancelled after 0-20 ms, 50 at a time: no stuck connection, client answers."""
    api, url = fake
    ids = api.action_target_ids
    with anyio.fail_after(GUARD):
        async with JourneyClient(TOKEN, base_url=url, **CONFIGS[config]) as client:
            tally = await churn(lambda i: client.get_journey_actiontarget(ids[i % len(ids)]))
            assert_churned(tally, CALLS)
            assert_pool_clean(client._http)
            await assert_answers(client, api)
            assert_pool_clean(client._http)


async def test_1000_cancelled_calls_through_a_callers_http_client_leave_its_pool_healthy(fake):
    """A caller's httpx client (4 connections) with max_in_flight=16: 16 calls queue inside
    httpcore's pool, where the bug bites; after the churn no connection is stuck."""
    api, url = fake
    ids = api.action_target_ids
    with anyio.fail_after(GUARD):
        async with httpx.AsyncClient(
            limits=httpx.Limits(max_connections=4, max_keepalive_connections=4), timeout=30.0
        ) as http:
            async with JourneyClient(
                TOKEN, base_url=url, http_client=http, max_in_flight=16
            ) as client:
                tally = await churn(lambda i: client.get_journey_actiontarget(ids[i % len(ids)]))
                assert_churned(tally, CALLS)
                assert_pool_clean(http)
                await assert_answers(client, api)
                assert_pool_clean(http)
            assert not http.is_closed  # the caller's client is the caller's to close


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # aiohttp runs on asyncio only
async def test_1000_cancelled_calls_over_aiohttp_leave_the_client_answering(fake, anyio_backend):
    """transport="aiohttp": 1,000 cancelled calls, then 20 normal calls answer within 10 s."""
    api, url = fake
    ids = api.action_target_ids
    with anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN, base_url=url, transport="aiohttp", max_connections=4
        ) as client:
            tally = await churn(lambda i: client.get_journey_actiontarget(ids[i % len(ids)]))
            assert_churned(tally, CALLS)
            await assert_answers(client, api)
            session = client._http._transport._session  # type: ignore[attr-defined]
            acquired = session.connector._acquired  # aiohttp's own count of connections in use
            assert len(acquired) == 0, acquired


# ---------------------------------------------------------------------------------------------
# Cancelled pagers and bulk maps


async def drain(pager: Any) -> int:
    seen = 0
    async with pager:
        async for _item in pager:
            seen += 1
    return seen


@pytest.mark.parametrize("prefetch", [False, True], ids=["no-prefetch", "prefetch"])
async def test_200_pagers_cancelled_mid_stream_leave_the_pool_healthy(fake, prefetch):
    """200 session-segment pagers cancelled after 0-20 ms mid-stream: pool clean, client answers."""
    api, url = fake
    session = api.session_ids[0]
    with anyio.fail_after(GUARD):
        async with JourneyClient(TOKEN, base_url=url, max_connections=4) as client:

            async def stream(i: int) -> int:
                pager = client.iter_journey_session_segments(
                    session, page_size=10, prefetch=prefetch
                )
                return await drain(pager)

            tally = await churn(stream, calls=200, batch=1)
            assert tally["cancelled"] >= 150, tally  # 2,000 items never arrive in 20 ms
            assert_churned(tally, 200)
            assert_pool_clean(client._http)
            await assert_answers(client, api)
            assert_pool_clean(client._http)


async def test_200_concurrent_pagers_cancelled_mid_stream_leave_the_pool_healthy(fake):
    """200 pagers, 10 streaming at once on 4 connections, cancelled mid-stream: pool clean."""
    api, url = fake
    with anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN, base_url=url, max_connections=4, max_in_flight=None
        ) as client:

            async def stream(i: int) -> int:
                session = api.session_ids[i % len(api.session_ids)]
                return await drain(client.iter_journey_session_segments(session, page_size=10))

            tally = await churn(stream, calls=200, batch=10)
            assert_churned(tally, 200)
            assert_pool_clean(client._http)
            await assert_answers(client, api)
            assert_pool_clean(client._http)


@pytest.mark.parametrize("helper", ["map", "map_unordered"])
async def test_200_bulk_maps_cancelled_midway_leave_the_pool_healthy(fake, helper):
    """200 `client.map` / `map_unordered` runs of 40 calls, cancelled after 0-20 ms: pool clean."""
    api, url = fake
    ids = [api.action_target_ids[i % len(api.action_target_ids)] for i in range(40)]
    with anyio.fail_after(GUARD):
        async with JourneyClient(TOKEN, base_url=url, max_connections=4) as client:

            async def bulk(i: int) -> int:
                if helper == "map":
                    results = await client.map(client.get_journey_actiontarget, ids, concurrency=16)
                    return len(results)
                count = 0
                async with (
                    aclosing(aiter_ids(ids)) as source,  # the test owns its generator
                    client.map_unordered(
                        client.get_journey_actiontarget, source, concurrency=16
                    ) as results,
                ):
                    async for _item, _target in results:
                        count += 1
                return count

            tally = await churn(bulk, calls=200, batch=1)
            assert tally["cancelled"] >= 150, tally  # 40 calls at 5 ms on 4 connections > 20 ms
            assert_churned(tally, 200)
            assert_pool_clean(client._http)
            await assert_answers(client, api)
            assert_pool_clean(client._http)


async def aiter_ids(ids: list[str]) -> AsyncIterator[str]:
    for item in ids:
        yield item


# ---------------------------------------------------------------------------------------------
# Native asyncio cancellation (asyncio.timeout, Task.cancel): anyio's shields do not stop it


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize("max_in_flight", [4, None], ids=["in_flight=4", "in_flight=None"])
async def test_3000_calls_cancelled_by_asyncio_timeout_leave_every_connection_usable(
    fake, anyio_backend, max_in_flight
):
    """3,000 calls each under `asyncio.timeout(0-20 ms)`, 50 at a time: no connection is left
    neither idle nor closed (e.g. NEW with no request sent), and the client still answers."""
    api, url = fake
    ids = api.action_target_ids
    rng = random.Random(5)
    tally: Counter[str] = Counter()

    async def one(i: int) -> None:
        try:
            async with asyncio.timeout(rng.uniform(0.0, MAX_DELAY)):
                await client.get_journey_actiontarget(ids[i % len(ids)])
        except JourneyError as exc:
            tally[f"error {type(exc).__name__}"] += 1
        except TimeoutError:
            tally["cancelled"] += 1
        else:
            tally["done"] += 1

    with anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN, base_url=url, max_connections=4, max_in_flight=max_in_flight
        ) as client:
            for start in range(0, 3000, BATCH):
                async with anyio.create_task_group() as tg:
                    for i in range(start, start + BATCH):
                        tg.start_soon(one, i)
            assert_churned(tally, 3000)
            assert_pool_clean(client._http)
            await assert_answers(client, api)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_300_prefetching_pagers_cancelled_by_asyncio_timeout_leak_no_connection(
    fake, anyio_backend
):
    """300 prefetching pagers each under `asyncio.timeout(0-20 ms)`: no response is left
    half-closed holding its connection, and the client still answers."""
    api, url = fake
    session = api.session_ids[0]
    rng = random.Random(3)
    tally: Counter[str] = Counter()
    with anyio.fail_after(GUARD):
        async with JourneyClient(TOKEN, base_url=url, max_connections=4) as client:
            for _ in range(300):
                try:
                    async with asyncio.timeout(rng.uniform(0.0, MAX_DELAY)):
                        pager = client.iter_journey_session_segments(
                            session, page_size=10, prefetch=True
                        )
                        await drain(pager)
                except TimeoutError:
                    tally["cancelled"] += 1
                else:
                    tally["done"] += 1
            assert tally["cancelled"] >= 200, tally
            assert_pool_clean(client._http)
            await assert_answers(client, api)
