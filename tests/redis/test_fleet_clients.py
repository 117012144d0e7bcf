"""Several clients in one process stand for a fleet's processes: one grant for all of them,
one pace per token, pauses shared, token pools spread and paced per token."""

from __future__ import annotations

import time

import anyio
from _fleet import SECRET, process
from redis.asyncio import Redis

from journey_async import RateLimit
from journey_async._ratelimit import token_key
from journey_async.redis import RedisRateLimit, RedisTokenCache
from journey_async.testing import FakeJourneyApi


async def run_calls(client, api: FakeJourneyApi, calls: int, concurrency: int) -> None:
    """`calls` requests, `concurrency` at a time."""
    ids = [api.action_target_ids[n % len(api.action_target_ids)] for n in range(calls)]
    await client.map(client.get_journey_actiontarget, ids, concurrency=concurrency)


async def test_four_processes_make_one_grant_and_share_the_token(redis_url: str) -> None:
    """Four clients with the same RedisTokenCache, each with 8 concurrent calls on a slow
    token endpoint, make exactly one grant and all use its token."""
    api = FakeJourneyApi()
    api.faults.latency = 0.05  # the grant takes a while: the others must wait for it
    tokens = []

    async def worker() -> None:
        async with process(api, redis_url) as (client, credentials):
            await run_calls(client, api, 8, 8)
            tokens.append(await credentials.get_token())

    async with anyio.create_task_group() as tg:
        for _ in range(4):
            tg.start_soon(worker)
    assert api.stats.grants == 1
    assert len(set(tokens)) == 1
    assert api.stats.requests == 32
    assert api.stats.by_status[200] == 33  # the grant and the 32 calls


async def test_without_the_cache_each_process_makes_its_own_grant(redis_url: str) -> None:
    """Today's behaviour, for contrast: four processes without a cache make four grants."""
    api = FakeJourneyApi()
    async with anyio.create_task_group() as tg:
        for _ in range(4):

            async def worker() -> None:
                async with process(api, None) as (client, _):
                    await run_calls(client, api, 2, 2)

            tg.start_soon(worker)
    assert api.stats.grants == 4


async def test_a_401_refreshes_once_for_the_fleet(redis_url: str) -> None:
    """When the shared token is revoked, every process sees 401, the first compare-and-delete
    drops it, and the fleet makes one new grant (not one per process)."""
    api = FakeJourneyApi()
    async with (
        process(api, redis_url) as (first, first_credentials),
        process(api, redis_url) as (second, _),
        process(api, redis_url) as (third, _),
    ):
        for client in (first, second, third):
            await run_calls(client, api, 1, 1)
        assert api.stats.grants == 1
        old = await first_credentials.get_token()
        api.revoke_token(old)
        async with anyio.create_task_group() as tg:
            for client in (first, second, third):
                tg.start_soon(run_calls, client, api, 3, 3)
        assert api.stats.grants == 2
        assert await first_credentials.get_token() != old


async def test_redis_holds_token_and_digests_never_the_secret(redis_url: str) -> None:
    """Redis holds the access token under a hashed key and rate state under token digests;
    the secret, the client id and the token never appear in a key, the secret in no value."""
    api = FakeJourneyApi()
    async with process(api, redis_url, rate=100) as (client, credentials):
        await run_calls(client, api, 3, 1)
        token = await credentials.get_token()
        assert SECRET not in repr(credentials)
        assert token not in repr(client.rate_limit)
    redis = Redis.from_url(redis_url)
    try:
        keys = [key.decode() for key in await redis.keys("*")]
        values = [await redis.dump(key) or b"" for key in keys]
    finally:
        await redis.aclose()
    assert {key.split(":")[1] for key in keys} == {"token", "rate"}
    for key in keys:
        assert token not in key
        assert api.client_id not in key
        assert SECRET not in key
    assert all(SECRET.encode() not in value for value in values)
    assert any(token.encode() in value for value in values)  # the cached token itself


async def test_reprs_hide_the_redis_password() -> None:
    """A password in the Redis URL never shows in a repr."""
    cache = RedisTokenCache("redis://user:hunter2@127.0.0.1:1/0")
    limit = RedisRateLimit("redis://user:hunter2@127.0.0.1:1/0")
    assert "hunter2" not in repr(cache)
    assert "hunter2" not in repr(limit)
    await cache.aclose()
    await limit.aclose()


async def test_fleet_pacing_keeps_under_the_per_token_limit(redis_url: str) -> None:
    """Four processes x 8 callers paced at 90% of the fake's per-token window see (almost)
    no 429 and still all succeed; the same fleet unpaced is answered 429."""
    api = FakeJourneyApi()
    api.faults.token_rate_limit = (20, 1.0)

    async def worker(calls: int) -> None:
        async with process(api, redis_url, rate=18, per=1.0) as (client, _):
            await run_calls(client, api, calls, 8)

    async with anyio.create_task_group() as tg:
        for _ in range(4):
            tg.start_soon(worker, 10)
    assert api.stats.by_status[200] == 41  # one grant, 40 calls
    assert api.stats.rate_limited <= 1  # at most one unlucky window edge on a busy machine
    assert api.stats.grants == 1


async def test_a_429_pauses_every_process_on_that_token(redis_url: str) -> None:
    """One process's 429 with `Retry-After: 2` holds another process's next call back too."""
    api = FakeJourneyApi()
    async with (
        process(api, redis_url, rate=1000) as (first, _),
        process(api, redis_url, rate=1000) as (second, _),
    ):
        await run_calls(first, api, 1, 1)
        await run_calls(second, api, 1, 1)
        api.faults.retry_after = 2.0
        api.faults.fail_next = [429]
        async with anyio.create_task_group() as tg:
            tg.start_soon(run_calls, first, api, 1, 1)  # answered 429 at once: pause 2 s
            await anyio.sleep(0.3)
            started = time.monotonic()
            await run_calls(second, api, 1, 1)
            waited = time.monotonic() - started
    assert api.stats.rate_limited == 1
    assert waited >= 1.0  # what was left of the pause (a lower bound: noise only adds)


async def test_pool_spreads_requests_over_its_tokens_each_paced(redis_url: str) -> None:
    """`pool_size=3` with a per-token pace: three tokens, requests spread evenly, no 429."""
    api = FakeJourneyApi()
    api.faults.token_rate_limit = (10, 1.0)
    async with process(api, redis_url, rate=9, per=1.0, pool_size=3) as (client, credentials):
        await run_calls(client, api, 27, 8)
        tokens = await credentials.get_tokens()
    assert len(set(tokens)) == 3
    assert api.stats.grants == 3
    assert api.stats.rate_limited == 0
    assert sorted(api.stats.by_token[token] for token in tokens) == [9, 9, 9]


async def test_a_pause_on_one_pool_token_does_not_slow_the_others() -> None:
    """A paused token of the pool is passed over: the other tokens take the calls."""
    api = FakeJourneyApi()
    limit = RateLimit(1000, 1.0)
    async with process(api, None, pool_size=3, rate_limit=limit) as (client, credentials):
        tokens = await credentials.get_tokens()
        await limit.pause(token_key(tokens[0]), 60.0)
        with anyio.fail_after(10):  # a wait for the paused token would take 60 s
            await run_calls(client, api, 12, 4)
    assert api.stats.by_token[tokens[0]] == 0
    assert api.stats.by_token[tokens[1]] + api.stats.by_token[tokens[2]] == 12
    assert api.stats.by_token[tokens[1]] >= 3  # far from the limit, the two take turns
    assert api.stats.by_token[tokens[2]] >= 3


async def test_a_401_on_one_pool_token_drops_only_that_token(redis_url: str) -> None:
    """A revoked token of the pool is replaced; the pool's other tokens stay."""
    api = FakeJourneyApi()
    async with process(api, redis_url, pool_size=3) as (client, credentials):
        before = await credentials.get_tokens()
        api.revoke_token(before[1])
        await run_calls(client, api, 9, 1)
        after = await credentials.get_tokens()
    assert after[0] == before[0]
    assert after[2] == before[2]
    assert after[1] != before[1]
    assert api.stats.grants == 4


async def test_the_grant_limit_is_never_hit_with_the_cache(redis_url: str) -> None:
    """With a grant limit of one per minute, four processes on the cache all get the one
    token: one token request in all, none answered 429."""
    api = FakeJourneyApi()
    api.faults.grant_rate_limit = (1, 60.0)
    api.faults.latency = 0.02

    async def worker() -> None:
        async with process(api, redis_url) as (client, _):
            await run_calls(client, api, 4, 4)

    async with anyio.create_task_group() as tg:
        for _ in range(4):
            tg.start_soon(worker)
    assert api.stats.token_requests == 1
    assert api.stats.grants == 1
    assert api.stats.rate_limited == 0
    assert api.stats.requests == 16
