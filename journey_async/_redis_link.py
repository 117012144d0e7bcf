"""One Redis connection as `journey_async.redis` uses it: made from a URL or given, and its
outages noticed once.

When Redis fails (any `RedisError`: refused, timed out, loading, an ACL refusal; or an
`OSError`), the object using it falls back to its in-process equivalent and this link logs
one WARNING for the outage, not one per request. It then leaves Redis alone for
`RETRY_AFTER` seconds, tries again with the next request, and logs one INFO line when Redis
answers again. Log lines name the Redis host and the error type, never a password or a token.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeAlias, TypeVar
from urllib.parse import urlsplit

from redis.asyncio import Redis, RedisCluster
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import SentinelConnectionPool
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ._config import current_loop

__all__ = ["AnyRedis", "RedisLink", "RedisBacked", "REDIS_ERRORS", "RETRY_AFTER", "SOCKET_TIMEOUT"]

T = TypeVar("T")
B = TypeVar("B", bound="RedisBacked")

logger = logging.getLogger("journey_async")

REDIS_ERRORS = (RedisError, OSError)
"""What counts as "Redis is not answering": the request goes on without it."""

RETRY_AFTER = 1.0
"""Seconds between tries of a Redis that failed (requests meanwhile do not wait for it)."""

SOCKET_TIMEOUT = 1.0
"""Connect and read timeout of a client made from a URL: a Redis that hangs costs a request at
most about this long before the fallback takes over (Redis answers in well under 1 ms)."""


def _once_on_a_dropped_connection() -> Retry:
    """redis-py's retries for a client made here: one, at once, after a connection error only.

    A pooled connection that a Redis restart closed can fail on its next use (the pool does
    not always notice first); the retry reconnects it, so a restart between two calls is not
    an outage. A Redis that is down then fails at once (refused twice), and one that hangs
    after one timeout: no backoff keeps a request from the in-process fallback.
    """
    return Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,))


AnyRedis: TypeAlias = Redis | RedisCluster
"""The clients accepted: one Redis (or a Sentinel-managed one), or a Redis Cluster."""


def _from_url(url: str) -> Redis:
    """The client made for a URL: short timeouts, one quick retry (see above)."""
    return Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=SOCKET_TIMEOUT,
        retry=_once_on_a_dropped_connection(),
    )


def _describe(redis: AnyRedis) -> str:
    """`host:port/db` of a client, `cluster host:port` of a cluster client's first startup
    node, or `sentinel host:port master name/db` of a Sentinel's master client (its first
    Sentinel), for log lines (no user name, no password)."""
    if isinstance(redis, RedisCluster):
        return f"cluster {next(iter(redis.nodes_manager.startup_nodes), '?')}"
    pool = redis.connection_pool
    kwargs = pool.connection_kwargs
    if isinstance(pool, SentinelConnectionPool):  # no host: the Sentinel names it per connect
        sentinels = pool.sentinel_manager.sentinels
        first = sentinels[0].connection_pool.connection_kwargs if sentinels else {}
        where = f"{first.get('host', '?')}:{first.get('port', '?')}"
        return f"sentinel {where} master {pool.service_name}/{kwargs.get('db', 0)}"
    if "path" in kwargs:
        return f"unix:{kwargs['path']}"
    return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


def _has_hash_tag(key_prefix: str) -> bool:
    """Whether keys starting with `key_prefix` hash by a tag: Redis Cluster hashes only what
    lies between the first `{` and the next `}`, when that is not empty."""
    start = key_prefix.find("{")
    return start >= 0 and key_prefix.find("}", start + 1) > start + 1


class RedisLink:
    """A Redis client (made from a URL, or the caller's) and the state of its outages; the
    owner's `key_prefix` checked first (with a cluster, it must hold a hash tag)."""

    def __init__(self, redis: str | AnyRedis, owner: str, key_prefix: str) -> None:
        if not isinstance(key_prefix, str) or not key_prefix:
            msg = f"{owner}: key_prefix must be a non-empty str"
            raise ValueError(msg)
        if isinstance(redis, RedisCluster) and not _has_hash_tag(key_prefix):
            msg = (
                f"{owner}: with Redis Cluster, key_prefix must hold a hash tag, such as "
                f"'{{journey-async}}', so that the keys one script uses share a slot; got "
                f"{key_prefix!r}"
            )
            raise ValueError(msg)
        self.client: AnyRedis
        self._url: str | None = None
        if isinstance(redis, str):
            scheme = urlsplit(redis).scheme
            if scheme not in ("redis", "rediss", "unix"):
                msg = f"{owner}: expected a redis://, rediss:// or unix:// URL, got {scheme!r}"
                raise ValueError(msg)
            self._url = redis
            self.client = _from_url(redis)
        elif isinstance(redis, Redis | RedisCluster):
            self.client = redis
        else:
            msg = (
                f"{owner}: redis must be a URL, a redis.asyncio.Redis or a "
                f"redis.asyncio.RedisCluster, got {type(redis).__name__}"
            )
            raise TypeError(msg)
        self.owner = owner
        self.where = _describe(self.client)
        self.down = False
        self._retry_at = 0.0
        self._answered_at = -1.0
        self.outages = 0
        """How many outages were noticed (each logged once)."""
        self._loop: object = None
        self.on_new_loop: Callable[[], None] | None = None
        """Called when the link moves to another event loop: the owner drops what it holds
        of the old one (tasks, turns)."""

    def usable(self) -> bool:
        """Whether to try Redis now: it answered last time, or its back-off has passed."""
        return not self.down or time.monotonic() >= self._retry_at

    def failed(self, exc: BaseException, begun: float) -> None:
        """Redis failed a call begun at `begun` (monotonic): start (or prolong) an outage; only
        its start is logged. A call begun before Redis last answered is old news: ignored."""
        if begun < self._answered_at:
            return
        self._retry_at = time.monotonic() + RETRY_AFTER
        if self.down:
            return
        self.down = True
        self.outages += 1
        detail = type(exc).__name__
        if isinstance(exc, RedisConnectionError | RedisTimeoutError | OSError):
            detail = f"{detail}: {str(exc)[:200]}"  # redis-py names host and port, no secret
        logger.warning(
            "%s: Redis at %s is not answering (%s); going on without it (%s) and trying it "
            "again every %g s",
            self.owner,
            self.where,
            detail,
            "pacing in this process only"
            if self.owner == "RedisRateLimit"
            else "each process makes its own token grants",
            RETRY_AFTER,
        )

    def check_loop(self) -> None:
        """Follow the running event loop: redis-py's connections belong to the loop that made
        them. A client made here from the URL is made anew for a new loop; a caller's client
        cannot be, so using it from a second loop is a clear error."""
        loop = current_loop()
        if loop is self._loop:
            return
        if self._loop is not None:
            if self._url is None:
                msg = (
                    f"{self.owner}: the redis.asyncio client given belongs to the event loop it "
                    "was first used in; give a URL (a client is then made for each event loop) "
                    f"or one {self.owner} per event loop"
                )
                raise RuntimeError(msg)
            self.client = _from_url(self._url)  # the old loop's connections: see `aclose`
            if self.on_new_loop is not None:
                self.on_new_loop()
        self._loop = loop

    async def run(self, call: Callable[[], Awaitable[T]]) -> tuple[bool, T | None]:
        """`(True, await call())` when Redis is usable and answers; `(False, None)` when it
        is in an outage's back-off or fails now (the failure starts or prolongs the outage)."""
        self.check_loop()
        if not self.usable():
            return False, None
        begun = time.monotonic()
        try:
            result = await call()
        except REDIS_ERRORS as exc:
            self.failed(exc, begun)
            return False, None
        self.answered()
        return True, result

    def answered(self) -> None:
        """Redis answered: an outage, if any, is over."""
        self._answered_at = time.monotonic()
        if self.down:
            self.down = False
            logger.info("%s: Redis at %s answers again; using it", self.owner, self.where)

    async def aclose(self) -> None:
        """Close the client if it was made here from a URL (a caller's client stays open).

        Close before the event loop ends: a client left open when its loop ends leaves its
        connections to the garbage collector (and its `ResourceWarning`s)."""
        if self._url is not None:
            await self.client.aclose()


class RedisBacked:
    """What `RedisRateLimit` and `RedisTokenCache` share: their link, closing, `async with`."""

    _link: RedisLink

    @property
    def redis(self) -> Redis | RedisCluster:
        """The `redis.asyncio.Redis` client in use."""
        return self._link.client

    @property
    def outages(self) -> int:
        """How many Redis outages this object noticed (each logged once)."""
        return self._link.outages

    async def aclose(self) -> None:
        """Close the Redis client if it was made from a URL here."""
        await self._link.aclose()

    async def __aenter__(self: B) -> B:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
