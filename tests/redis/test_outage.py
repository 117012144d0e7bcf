"""Redis going away mid-run: requests go on in-process, one WARNING per Redis object and
outage, Redis used again once it answers; nothing secret in the log lines."""

from __future__ import annotations

import asyncio
import logging
import time

import anyio
import pytest
from _fleet import SECRET, process
from _redis_server import RedisServer
from redis.asyncio import Redis

from journey_async import ClientCredentials
from journey_async._redis_link import RETRY_AFTER, SOCKET_TIMEOUT, RedisLink
from journey_async.redis import RedisRateLimit, RedisTokenCache
from journey_async.testing import FakeJourneyApi


async def calls(client, api: FakeJourneyApi, n: int) -> None:
    ids = [api.action_target_ids[k % len(api.action_target_ids)] for k in range(n)]
    await client.map(client.get_journey_actiontarget, ids, concurrency=4)


async def rate_keys(url: str) -> list[bytes]:
    redis = Redis.from_url(url)
    try:
        return list(await redis.keys("journey-async:rate:*"))
    finally:
        await redis.aclose()


async def test_requests_go_on_while_redis_is_down_with_one_warning(
    own_redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Stopping Redis mid-run fails no request and logs one WARNING; after a restart the
    limiter writes to Redis again and logs that it is back."""
    caplog.set_level(logging.INFO, logger="journey_async")
    api = FakeJourneyApi()
    url = own_redis_server.url
    async with process(api, url, rate=1000) as (client, credentials):
        limit = client.rate_limit
        assert isinstance(limit, RedisRateLimit)
        await calls(client, api, 10)
        assert await rate_keys(url)
        own_redis_server.stop()
        await calls(client, api, 40)  # every call succeeds without Redis
        await anyio.sleep(RETRY_AFTER + 0.1)
        await calls(client, api, 10)  # Redis is tried again (and still down): no new warning
        own_redis_server.start()
        await anyio.sleep(RETRY_AFTER + 0.1)
        await calls(client, api, 10)
        assert await rate_keys(url)  # the limiter is back on Redis
        token = await credentials.get_token()
    assert api.stats.by_status[200] == 71  # one grant and 70 calls
    assert limit.outages == 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "RedisRateLimit" in warnings[0].getMessage()
    assert any("answers again" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        assert token not in record.getMessage()
        assert SECRET not in record.getMessage()


async def test_token_cache_falls_back_to_its_own_grant(
    own_redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """With Redis down the token cache lets the process make its own grant, with one
    WARNING; the calls succeed."""
    caplog.set_level(logging.WARNING, logger="journey_async")
    api = FakeJourneyApi()
    own_redis_server.stop()
    async with process(api, own_redis_server.url) as (client, credentials):
        await calls(client, api, 5)
        cache = credentials.token_cache
        assert isinstance(cache, RedisTokenCache)
        await credentials.invalidate(await credentials.get_token())  # Redis still down: quiet
        await calls(client, api, 5)
    assert api.stats.grants == 2
    assert cache.outages == 1
    assert len(caplog.records) == 1
    assert "RedisTokenCache" in caplog.records[0].getMessage()


async def test_a_redis_that_never_answers_is_not_waited_for_long() -> None:
    """A URL where nothing listens falls back at once (connection refused), then stays off
    Redis until its back-off passes."""
    limit = RedisRateLimit("redis://127.0.0.1:9/0", rate=10, per=1.0)
    cache = RedisTokenCache("redis://127.0.0.1:9/0")
    credentials = ClientCredentials("id", "secret", token_cache=cache)
    assert credentials.token_cache is cache
    with anyio.fail_after(10):
        assert await limit.acquire(["k"], None) == 0
        assert await limit.acquire(["k"], None) == 0  # in-process, without trying Redis
    assert limit.outages == 1
    await limit.aclose()
    await cache.aclose()


async def test_a_restart_between_calls_is_not_an_outage(
    own_redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis restarted while the limiter's pooled connections sat idle: those connections
    are dead, but the next call reconnects (one retry) and nothing falls back or warns."""
    caplog.set_level(logging.WARNING, logger="journey_async")
    limit = RedisRateLimit(own_redis_server.url, rate=1e6, per=1.0)
    async with anyio.create_task_group() as tg:  # several pooled connections
        for _ in range(4):
            tg.start_soon(limit.acquire, ["k"], None)
    own_redis_server.stop()
    own_redis_server.start()
    for _ in range(8):
        await limit.acquire(["k"], None)
    assert limit.outages == 0
    assert not caplog.records
    assert await rate_keys(own_redis_server.url)  # the turns went to Redis
    await limit.aclose()


def test_a_failure_older_than_the_last_answer_starts_no_outage() -> None:
    """A call begun before Redis last answered (a slow one, from before a restart) that
    fails late says nothing about Redis now: no outage, no warning."""
    link = RedisLink("redis://127.0.0.1:9/0", "RedisRateLimit", "journey-async")
    begun = time.monotonic()
    link.answered()
    link.failed(ConnectionError("old news"), begun)
    assert (link.down, link.outages) == (False, 0)
    link.failed(ConnectionError("refused"), time.monotonic())
    assert (link.down, link.outages) == (True, 1)


async def test_a_redis_that_hangs_costs_one_timeout() -> None:
    """A server that accepts and never answers costs a call one read timeout (no retries
    with backoff), then the call goes on in-process."""
    held: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # read nothing, answer nothing

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    limit = RedisRateLimit(f"redis://127.0.0.1:{port}/0", rate=10, per=1.0)
    try:
        with anyio.fail_after(2 * SOCKET_TIMEOUT + 1):
            assert await limit.acquire(["k"], None) == 0
        assert limit.outages == 1
    finally:
        await limit.aclose()
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()
