"""`RedisRateLimit` and `RedisTokenCache` used from one event loop after another (one
`asyncio.run` per job, as task queues do): a URL's client is made anew for each loop; a
caller's client, which cannot be, fails clearly."""

from __future__ import annotations

import asyncio

import pytest
from _fleet import process
from redis.asyncio import Redis

from journey_async.redis import RedisRateLimit, RedisTokenCache
from journey_async.testing import FakeJourneyApi


def test_a_url_limit_and_cache_serve_one_loop_after_another(redis_url: str) -> None:
    """Three `asyncio.run`s share one limiter and one cache (closed at the end of each run,
    as the docs ask): every call succeeds on Redis, one grant serves all three, and turns
    held in one loop are not used in the next."""
    api = FakeJourneyApi()
    target = api.action_target_ids[0]
    limit = RedisRateLimit(redis_url, rate=1e6, per=1.0)
    cache = RedisTokenCache(redis_url)
    clients = []

    async def job() -> None:
        async with process(api, None, rate_limit=limit, token_cache=cache) as (client, _):
            for _ in range(20):  # quick calls: turns are fetched ahead in this loop
                await client.get_journey_actiontarget(target)
            clients.append(limit.redis)
        await limit.aclose()
        await cache.aclose()

    for _ in range(3):
        asyncio.run(job())
    assert api.stats.requests == 60
    assert api.stats.grants == 1  # the token came from Redis in the second and third loops
    assert (limit.outages, cache.outages) == (0, 0)
    assert len({id(client) for client in clients}) == 3  # a client of each loop


def test_a_callers_client_from_a_second_loop_is_a_clear_error(redis_url: str) -> None:
    """A `redis.asyncio.Redis` given by the caller belongs to its first loop: from another
    loop the limiter says so instead of failing deep in redis-py."""
    limit_holder: list[RedisRateLimit] = []

    async def first() -> None:
        client = Redis.from_url(redis_url)
        limit = RedisRateLimit(client, rate=100, per=1.0)
        limit_holder.append(limit)
        assert await limit.acquire(["k"], None) == 0
        await client.aclose()

    async def second() -> None:
        with pytest.raises(RuntimeError, match="event loop it was first used in"):
            await limit_holder[0].acquire(["k"], None)

    asyncio.run(first())
    asyncio.run(second())
