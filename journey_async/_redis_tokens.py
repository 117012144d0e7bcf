"""`RedisTokenCache`: a fleet's OAuth tokens in Redis, one grant at a time.

Keys (`{key_prefix}:token:{sha256(login URL, client id)[:32]}:{pool member}`) hold the access
token as a plain string with a time to live of its usable lifetime (`expires_in` less
`refresh_margin`), so it disappears when every process should have refreshed it; a process
reading it counts its remaining life from Redis's `PTTL`, not from any machine's clock.
`...:lock` is the grant lock: `SET NX PX` with a random value, released by compare-and-delete.
"""

from __future__ import annotations

import secrets
import time

import anyio
from redis.asyncio import Redis, RedisCluster

from ._redis_link import REDIS_ERRORS, RedisBacked, RedisLink
from ._tokencache import Grant

__all__ = ["RedisTokenCache"]

_COMPARE_AND_DELETE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
"""Delete KEYS[1] only if it still holds ARGV[1] (a token that got 401, a lock we hold)."""

LOCK_TIMEOUT = 10.0
"""Seconds a grant lock lives: the longest a dead process can hold the fleet's grants back.
A grant that takes longer (retries on 429 from the login host) may see one more grant made
beside it."""

_POLL_FIRST, _POLL_MAX = 0.01, 0.1
"""While another process makes the grant, the cache is read again after 10 ms, then backing
off up to every 100 ms."""


class RedisTokenCache(RedisBacked):
    """Share `ClientCredentials` tokens across processes and machines, in Redis.

    ```python
    cache = RedisTokenCache("rediss://tokens.internal:6380/0")
    credentials = ClientCredentials(client_id, secret, token_cache=cache)
    ```

    A process that has no valid token reads Redis; when Redis has none either, it takes the
    grant lock and makes the grant, while the other processes wait for its token: across the
    fleet one grant is made at a time and each token is fetched once. `invalidate` (after a
    401) deletes the token only if Redis still holds that token (compare-and-delete), so a
    late 401 never deletes its successor.

    What is stored: the access tokens (bearer tokens, valid for the API until they expire,
    Genesys's last 24 hours), under a hash of the login URL and client id, with a time to live;
    and, for a moment, a random lock value. Never the client secret. Anyone who can read the
    keys can call the API as the client until the token expires, so protect them: a Redis
    user whose ACL allows only `~{key_prefix}:*` and the commands used (`GET`, `SET`, `PTTL`,
    `DEL`, `EVALSHA`, `EVAL`, `SCRIPT LOAD`, and inside the scripts `HGET`, `HMGET`, `HSET`,
    `PEXPIRE`, `TIME`: the README gives the `ACL SETUSER` line), a password, and TLS
    (`rediss://`) for anything beyond loopback.

    If Redis does not answer, the grant is made by this process alone (as without a cache),
    one WARNING is logged per outage, and Redis is tried again after a second.
    asyncio only. Made from a URL, it follows the running event loop (a Redis client is made
    for each loop: `await cache.aclose()` before a loop ends); a `redis.asyncio` client given
    belongs to its loop, and using it from another is a `RuntimeError`.

    Args:
        redis: a `redis://`, `rediss://` (TLS) or `unix://` URL, or a `redis.asyncio.Redis`
            or `RedisCluster` (used as it is and never closed here; close a URL's with
            `await cache.aclose()`).
        key_prefix: the start of every key; with a `RedisCluster` it must hold a hash tag
            (`"{journey-async}"`).

    .. versionadded:: 0.2
    """

    def __init__(
        self, redis: str | Redis | RedisCluster, *, key_prefix: str = "journey-async"
    ) -> None:
        self.key_prefix = key_prefix
        self._link = RedisLink(redis, "RedisTokenCache", key_prefix)
        self._compare_and_delete = self._link.client.register_script(_COMPARE_AND_DELETE)
        self.grants: int = 0
        """Grants this object made (in Redis's absence too)."""
        self.waits: int = 0
        """How many times a fetch waited for another process's grant."""

    def __repr__(self) -> str:
        return f"RedisTokenCache({self._link.where!r}, key_prefix={self.key_prefix!r})"

    async def fetch(self, key: str, grant: Grant) -> tuple[str, float]:
        """The token in Redis, or one this process grants under the fleet's grant lock.

        Returns the token and its seconds of use left. Errors of the grant itself propagate,
        after the lock is released (so another process may try).
        """
        name = f"{self.key_prefix}:token:{key}"
        lock = name + ":lock"
        me = secrets.token_hex(16)
        answered, found = await self._link.run(lambda: self._token_or_lock(name, lock, me))
        if not answered:
            return await self._grant(grant)
        if found is not None:
            return found
        try:  # this process holds the grant lock
            token, usable = await self._grant(grant)
            if usable > 0:
                ttl = max(1, round(usable * 1000))
                await self._link.run(lambda: self.redis.set(name, token, px=ttl))
            return token, usable
        finally:
            await self._release(lock, me)

    async def invalidate(self, key: str, token: str) -> None:
        """Delete the token under `key` if Redis still holds `token` (compare-and-delete)."""
        await self._link.run(
            lambda: self._compare_and_delete(
                keys=[f"{self.key_prefix}:token:{key}"], args=[token], client=self._link.client
            )
        )

    # -- helpers ----------------------------------------------------------------------------

    async def _read(self, name: str) -> tuple[str, float] | None:
        """The token under `name` and its seconds left, in one round trip; None if absent."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(name)
            pipe.pttl(name)
            value, ttl = await pipe.execute()
        if value is None or not isinstance(ttl, int) or ttl <= 0:
            return None
        token = value.decode() if isinstance(value, bytes) else str(value)
        return token, ttl / 1000

    async def _token_or_lock(self, name: str, lock: str, me: str) -> tuple[str, float] | None:
        """The token under `name`, or None once this process holds the grant lock `lock`."""
        found = await self._read(name)
        delay = _POLL_FIRST
        while found is None:
            if await self.redis.set(lock, me, nx=True, px=round(LOCK_TIMEOUT * 1000)):
                found = await self._read(name)  # granted between the read and the lock
                if found is not None:
                    await self._release(lock, me)
                return found
            self.waits += 1
            await anyio.sleep(delay)  # another process is making the grant
            delay = min(delay * 2, _POLL_MAX)
            found = await self._read(name)
        return found

    async def _grant(self, grant: Grant) -> tuple[str, float]:
        self.grants += 1
        return await grant()

    async def _release(self, lock: str, me: str) -> None:
        """Release the grant lock if still ours; shielded, and at most a second."""
        with anyio.move_on_after(1.0, shield=True):
            begun = time.monotonic()
            try:
                await self._compare_and_delete(keys=[lock], args=[me], client=self._link.client)
            except REDIS_ERRORS as exc:
                self._link.failed(exc, begun)
