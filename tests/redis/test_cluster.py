"""Redis Cluster: `RedisRateLimit` and `RedisTokenCache` on a `redis.asyncio.RedisCluster`
(three masters on loopback), with a hash tag in `key_prefix`; without one, a clear error."""

from __future__ import annotations

import pytest
from _fleet import process
from _redis_server import RedisClusterServers
from redis.asyncio import RedisCluster

from journey_async._ratelimit import RateLimited
from journey_async._redis_link import _has_hash_tag
from journey_async.redis import RedisRateLimit, RedisTokenCache
from journey_async.testing import FakeJourneyApi

PREFIX = "{journey-async}"


async def test_the_limit_and_the_cache_run_on_a_cluster(
    redis_cluster: RedisClusterServers,
) -> None:
    """Two processes on one cluster: one grant, turns (a pool's keys in one script call,
    fetched ahead) and pauses shared, every key in the hash tag's slot, no outage."""
    cluster = RedisCluster(host="127.0.0.1", port=redis_cluster.port)
    api = FakeJourneyApi()
    target = api.action_target_ids[0]
    limits = [RedisRateLimit(cluster, rate=1e6, per=1.0, key_prefix=PREFIX) for _ in range(2)]
    caches = [RedisTokenCache(cluster, key_prefix=PREFIX) for _ in range(2)]
    try:
        for limit, cache in zip(limits, caches, strict=True):
            async with process(api, None, rate_limit=limit, token_cache=cache, pool_size=2) as (
                client,
                _,
            ):
                for _ in range(30):
                    await client.get_journey_actiontarget(target)
        await limits[0].pause("paused-key", 30.0)
        with pytest.raises(RateLimited):
            await limits[1].acquire(["paused-key"], 1.0)
        keys = [key async for key in cluster.scan_iter(match=f"{PREFIX}:*", target_nodes="all")]
        assert any(b":rate:" in key for key in keys)
        assert any(b":token:" in key for key in keys)
        assert len({cluster.keyslot(key) for key in keys}) == 1
        assert api.stats.grants == 2  # a pool of two tokens, granted once for both processes
        assert api.stats.requests == 60
        assert [limit.outages for limit in limits] == [0, 0]
        assert [cache.outages for cache in caches] == [0, 0]
    finally:
        for limit in limits:
            await limit.aclose()
        await cluster.aclose()


def test_a_cluster_needs_a_hash_tag_in_the_key_prefix() -> None:
    """Without a hash tag a pool's keys would fall in different slots, which one script cannot
    use: a ValueError at construction, before any request."""
    cluster = RedisCluster(host="127.0.0.1", port=9)  # not connected until used
    for make in (RedisRateLimit, RedisTokenCache):
        with pytest.raises(ValueError, match="hash tag"):
            make(cluster)  # the default prefix, "journey-async", has none
        with pytest.raises(ValueError, match="hash tag"):
            make(cluster, key_prefix="app{}:x")  # an empty tag hashes the whole key
    assert RedisRateLimit(cluster, key_prefix="app:{jobs}").key_prefix == "app:{jobs}"
    assert [_has_hash_tag(p) for p in ("{a}", "x{a}y", "{}a}", "a{", "a}b{")] == [
        True,
        True,
        False,
        False,
        False,
    ]
