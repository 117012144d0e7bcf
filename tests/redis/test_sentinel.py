"""Redis Sentinel: `RedisRateLimit` and `RedisTokenCache` on a Sentinel's master client,
`Sentinel([...]).master_for("mymaster")` (a master, one replica and one Sentinel on
loopback). Through a failover no call fails (the fallback paces in memory while there is no
master), and afterwards both write to the promoted replica."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import NamedTuple

import anyio
import pytest
from _fleet import process
from _redis_server import REDIS_SERVER, RedisSentinelServers
from redis.asyncio import Redis
from redis.asyncio.sentinel import Sentinel

from journey_async import ClientCredentials, JourneyClient
from journey_async._ratelimit import RateLimited, token_key
from journey_async.redis import RedisRateLimit, RedisTokenCache
from journey_async.testing import FakeJourneyApi

RATE = 100.0
"""Requests a second per token: calls keep coming through a failover without busy CPU."""


class Worker(NamedTuple):
    """What one process of the fleet holds."""

    client: JourneyClient
    credentials: ClientCredentials
    limit: RedisRateLimit
    cache: RedisTokenCache


@contextlib.asynccontextmanager
async def worker(servers: RedisSentinelServers, api: FakeJourneyApi) -> AsyncIterator[Worker]:
    """One process: its own Sentinel client and master client (1 s timeouts, as a client made
    from a URL has), a limiter and a token cache on it, and a `JourneyClient`."""
    sentinel = Sentinel(
        [("127.0.0.1", servers.sentinel.port)], socket_timeout=1.0, socket_connect_timeout=1.0
    )
    master = sentinel.master_for(servers.name)
    limit = RedisRateLimit(master, rate=RATE, per=1.0)
    cache = RedisTokenCache(master)
    try:
        async with process(api, None, rate_limit=limit, token_cache=cache) as (client, creds):
            yield Worker(client, creds, limit, cache)
    finally:
        await limit.aclose()
        await master.aclose()
        await sentinel.aclose()


@contextlib.asynccontextmanager
async def node(port: int) -> AsyncIterator[Redis]:
    """A plain client of one server, to look at its keys."""
    client = Redis(host="127.0.0.1", port=port)
    try:
        yield client
    finally:
        await client.aclose()


async def until(condition: Callable[[], bool], *, blocks: bool = False) -> None:
    """Wait until `condition()` holds, asking every 50 ms (in a worker thread if it `blocks`,
    so that the calls go on meanwhile); the caller bounds the wait."""
    while True:
        if await anyio.to_thread.run_sync(condition) if blocks else condition():
            return
        await anyio.sleep(0.05)


async def test_the_limit_and_the_cache_run_on_a_sentinel_master(
    redis_sentinel: RedisSentinelServers,
) -> None:
    """Two processes, each with its own master client: one grant, turns and pauses shared,
    the keys on the master (and replicated), no outage."""
    api = FakeJourneyApi()
    target = api.action_target_ids[0]
    async with contextlib.AsyncExitStack() as stack:
        workers = [await stack.enter_async_context(worker(redis_sentinel, api)) for _ in range(2)]
        with anyio.fail_after(20):
            for one in workers:
                for _ in range(20):
                    await one.client.get_journey_actiontarget(target)
            token = await workers[0].credentials.get_token()
            assert await workers[1].credentials.get_token() == token
            await workers[0].limit.pause("paused-key", 30.0)
            with pytest.raises(RateLimited):
                await workers[1].limit.acquire(["paused-key"], 1.0)
            async with node(redis_sentinel.master.port) as master:
                keys = set(await master.keys("journey-async:*"))
                rate_key = f"journey-async:rate:{token_key(token)}".encode()
                assert rate_key in keys
                assert b"journey-async:rate:paused-key" in keys
                token_keys = [key for key in keys if b":token:" in key]
                assert len(token_keys) == 1  # and no grant lock left behind
                assert await master.get(token_keys[0]) == token.encode()
        assert api.stats.grants == 1  # one grant for both processes, through the master
        assert api.stats.requests == 40
        assert api.stats.by_status == {200: 41}
        assert [(one.limit.outages, one.cache.outages) for one in workers] == [(0, 0), (0, 0)]


@pytest.mark.parametrize("how", ["master stopped", "SENTINEL FAILOVER"])
async def test_calls_go_on_through_a_failover_then_use_the_new_master(
    redis_sentinel: RedisSentinelServers, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Two processes call on while the master fails over to its replica: the master process
    stopped (no master until the Sentinel promotes the replica, about 3 s), or `SENTINEL
    FAILOVER` (the old master answers until the Sentinel demotes it, about 10 s later, and
    closes its clients' connections). No call fails, each outage is logged once and ends, and
    then the limiters and the token cache work on the promoted replica: a 401 makes one new
    grant for both, whose token and turns are on the new master, and pauses are shared."""
    caplog.set_level(logging.INFO, logger="journey_async")
    old, new = redis_sentinel.master.port, redis_sentinel.replica.port
    api = FakeJourneyApi()
    target = api.action_target_ids[0]
    done = 0

    async def keep_calling(client: JourneyClient, stop: anyio.Event) -> None:
        nonlocal done
        while not stop.is_set():
            await client.get_journey_actiontarget(target)  # an error fails the test
            done += 1

    async with contextlib.AsyncExitStack() as stack:
        workers = [await stack.enter_async_context(worker(redis_sentinel, api)) for _ in range(2)]
        with anyio.fail_after(50):  # a failover that hangs fails the test
            stop = anyio.Event()
            async with anyio.create_task_group() as tg:
                for one in workers:
                    tg.start_soon(keep_calling, one.client, stop)
                await until(lambda: done >= 20)
                if how == "master stopped":
                    await anyio.to_thread.run_sync(redis_sentinel.master.stop)
                    await until(lambda: all(one.limit.outages == 1 for one in workers))
                    demoted = None
                else:
                    assert redis_sentinel.sentinel_command("failover") == "OK"
                    demoted = old
                # Over when the Sentinel names the replica (and has demoted the old master).
                await until(lambda: redis_sentinel.failed_over(new, demoted), blocks=True)
                # Every limiter uses Redis again (an outage's back-off is 1 s).
                await until(lambda: not any(one.limit._link.down for one in workers))
                before = done
                await until(lambda: done >= before + 20)
                stop.set()
            assert done == api.stats.requests  # every call made was answered, none failed

            api.revoke_tokens()  # a 401 for each process: one new grant, through the new master
            for one in workers:
                await one.client.get_journey_actiontarget(target)
            token = await workers[0].credentials.get_token()
            assert await workers[1].credentials.get_token() == token
            await workers[0].limit.pause("after-failover", 30.0)
            with pytest.raises(RateLimited):
                await workers[1].limit.acquire(["after-failover"], 1.0)
            async with node(new) as master:
                assert (await master.role())[0] == b"master"
                assert await master.exists(f"journey-async:rate:{token_key(token)}")
                assert await master.exists("journey-async:rate:after-failover")
                token_keys = await master.keys("journey-async:token:*")
                assert len(token_keys) == 1
                assert await master.get(token_keys[0]) == token.encode()

    assert api.stats.grants == 2
    assert api.stats.by_status == {200: done + 2 + 2, 401: 2}  # 2 grants, 2 calls replayed
    limits = [one.limit.outages for one in workers]
    if how == "master stopped":
        assert limits == [1, 1]  # the calls went on in memory meanwhile
    else:
        assert all(outages <= 1 for outages in limits)  # only a call cut off by the demotion
    assert [one.cache.outages for one in workers] == [0, 0]  # the tokens were in memory
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    back = [r.getMessage() for r in caplog.records if "answers again" in r.getMessage()]
    assert len(warnings) == len(back) == sum(limits), (warnings, back)
    where = f"Redis at sentinel 127.0.0.1:{redis_sentinel.sentinel.port} master mymaster/0 "
    assert all(where in line for line in warnings + back), (warnings, back)


async def test_log_lines_name_the_sentinel_and_the_master(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A master client has no host of its own (the Sentinel names one at each connect): the
    WARNING of an outage and the repr name the first Sentinel, the master's name and the db."""
    caplog.set_level(logging.WARNING, logger="journey_async")
    sentinel = Sentinel([("127.0.0.1", 9)], socket_connect_timeout=1.0)  # nothing listens
    master = sentinel.master_for("mymaster", db=2)
    where = "sentinel 127.0.0.1:9 master mymaster/2"
    limit = RedisRateLimit(master, rate=10, per=1.0)
    cache = RedisTokenCache(master)
    try:
        assert repr(limit).startswith(f"RedisRateLimit({where!r}, ")
        assert repr(cache).startswith(f"RedisTokenCache({where!r}, ")
        with anyio.fail_after(10):
            assert await limit.acquire(["k"], None) == 0  # in memory: no master found
        assert limit.outages == 1
        [warning] = [r.getMessage() for r in caplog.records]
        assert f"Redis at {where} is not answering (MasterNotFoundError: " in warning
    finally:
        await master.aclose()
        await sentinel.aclose()


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
def test_servers_started_are_stopped_when_the_sentinel_fails_to_start() -> None:
    """A Sentinel that cannot start (its config names an unknown directive) fails the start
    at once, after the master and the replica started; those two are stopped with it."""
    servers = RedisSentinelServers()
    with open(servers.sentinel.config, "a") as file:
        file.write("no-such-directive yes\n")
    with pytest.raises(RuntimeError, match=f"did not answer on port {servers.sentinel.port}$"):
        servers.start()  # the master and the replica answered: the Sentinel was started last
    assert not any(server.running() for server in servers.servers)
