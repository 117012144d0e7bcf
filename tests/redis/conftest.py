"""A real `redis-server` on a free loopback port for the tests of `journey_async.redis`.

The server runs without persistence (`--save '' --appendonly no`). Where `redis-server` is not
installed (`.ci/run` installs Debian's package when it can), these tests are skipped with
that reason; `fakeredis` (with Lua) serves the unit tests that need no server.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

pytest.importorskip("redis", reason="the redis extra (redis-py) is not installed")

from _redis_server import (
    REDIS_CLI,
    REDIS_SERVER,
    RedisClusterServers,
    RedisSentinelServers,
    RedisServer,
    free_port,
)
from redis import Redis as SyncRedis
from redis.asyncio import Redis as AsyncRedis


def _require_server() -> None:
    if REDIS_SERVER is None:
        pytest.skip(
            "redis-server is not installed (apt-get install redis-server; .ci/run does this)"
        )


def _require_cli() -> None:
    _require_server()
    if REDIS_CLI is None:
        pytest.skip("redis-cli is not installed (it comes with Debian's redis-server package)")


@pytest.fixture(autouse=True)
def collect_garbage() -> Iterator[None]:
    """Collect garbage after each test (after its event loop is closed): a Redis connection
    left open warns (`ResourceWarning`, an error here) in the teardown of the test that left
    it, not in whichever later test the garbage collector happens to run."""
    yield
    gc.collect()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One redis-server for the session, on a free loopback port."""
    _require_server()
    server = RedisServer(free_port())
    server.start()
    yield server
    server.close()


@pytest.fixture
def own_redis_server() -> Iterator[RedisServer]:
    """A redis-server of this test alone, which it may stop and restart (outages)."""
    _require_server()
    server = RedisServer(free_port())
    server.start()
    yield server
    server.close()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session server's URL, emptied before each test."""
    with SyncRedis.from_url(redis_server.url) as client:
        client.flushall()
    return redis_server.url


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisClusterServers]:
    """A three-node Redis Cluster for the session, on free loopback ports."""
    _require_cli()
    cluster = RedisClusterServers()
    cluster.start()
    yield cluster
    cluster.close()


@pytest.fixture
def redis_sentinel() -> Iterator[RedisSentinelServers]:
    """A master, its replica and a Sentinel watching them (`mymaster`), on free loopback
    ports: this test's alone, as a test may fail the master over."""
    _require_cli()
    servers = RedisSentinelServers()
    servers.start()
    yield servers
    servers.close()


@pytest_asyncio.fixture(params=["redis-server", "fakeredis"])
async def redis(request: pytest.FixtureRequest) -> AsyncIterator[AsyncRedis]:
    """An asyncio client of the session's real server (emptied) and of fakeredis with Lua:
    the scripts must run on both."""
    if request.param == "fakeredis":
        fakeredis = pytest.importorskip("fakeredis", reason="fakeredis[lua] is not installed")
        client: AsyncRedis = fakeredis.FakeAsyncRedis()
    else:
        client = AsyncRedis.from_url(request.getfixturevalue("redis_url"))
    yield client
    await client.aclose()
