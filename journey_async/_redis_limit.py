"""`RedisRateLimit`: GCRA per token for a whole fleet, in one atomic Lua script.

The state of each token is one Redis hash, `{key_prefix}:rate:{sha256(token)[:32]}`, with two
fields in microseconds of the Redis server's clock (`TIME`, so the machines' clocks never
matter): `tat`, the theoretical arrival time of GCRA (see `journey_async._ratelimit` for why
GCRA), and `paused`, the end of a pause a 429 asked for. The hash expires once both have
passed (its state then equals no state). One script call per attempt reads the candidate
tokens (a pool's), picks the one whose turn comes first, reserves that turn and returns the
wait; the caller sleeps it without further round trips. In Redis Cluster, put a hash tag in
`key_prefix` (`"{journey-async}"`) so that a pool's keys share a slot.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import anyio
from redis.asyncio import Redis

from ._ratelimit import Gcra, RateLimited, acquire_local, check_rate
from ._redis_link import RedisBacked, RedisLink

__all__ = ["RedisRateLimit"]

_ACQUIRE = """
local now_t = redis.call('TIME')
local now = tonumber(now_t[1]) * 1000000 + tonumber(now_t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local best, best_start, best_tat, best_paused = 1, nil, now, 0
for i = 1, #KEYS do
  local state = redis.call('HMGET', KEYS[i], 'tat', 'paused')
  local tat = tonumber(state[1]) or now
  local paused = tonumber(state[2]) or 0
  local start = math.max(now, tat - tolerance, paused)
  if best_start == nil or start < best_start then
    best, best_start, best_tat, best_paused = i, start, tat, paused
  end
end
local wait = best_start - now
if max_wait >= 0 and wait > max_wait then
  return {best, wait, 0}
end
local tat = math.max(best_tat, best_start) + interval
redis.call('HSET', KEYS[best], 'tat', string.format('%.0f', tat))
local last = math.max(tat, best_paused)
redis.call('PEXPIRE', KEYS[best], math.ceil((last - now) / 1000) + 1000)
return {best, wait, 1}
"""
"""KEYS: the tokens' hashes. ARGV: interval, tolerance ((burst - 1) * interval), the longest
wait worth reserving (-1: any), all in microseconds. Returns {index (1-based), wait in
microseconds, 1 if reserved else 0}. Numbers are written with %.0f: Lua's own tostring keeps
14 digits, too few for microseconds since 1970."""

_PAUSE = """
local now_t = redis.call('TIME')
local now = tonumber(now_t[1]) * 1000000 + tonumber(now_t[2])
local state = redis.call('HMGET', KEYS[1], 'tat', 'paused')
local paused = math.max(tonumber(state[2]) or 0, now + tonumber(ARGV[1]))
redis.call('HSET', KEYS[1], 'paused', string.format('%.0f', paused))
local last = math.max(tonumber(state[1]) or 0, paused)
redis.call('PEXPIRE', KEYS[1], math.ceil((last - now) / 1000) + 1000)
return 1
"""
"""KEYS: one token's hash. ARGV: the pause in microseconds. A longer pause already set stays."""


class RedisRateLimit(RedisBacked):
    """Pace a fleet's requests per access token, in Redis: at most `rate` per `per` seconds.

    ```python
    limit = RedisRateLimit("redis://127.0.0.1:6379/0", rate=300, per=60.0)
    async with JourneyClient(credentials, rate_limit=limit) as client:
        ...
    ```

    Every process (and every client) given a `RedisRateLimit` on the same Redis and
    `key_prefix` shares one pace per token: GCRA in one atomic script, with the Redis server's
    clock, one round trip per attempt. `burst=None`: no burst, requests of a token are spaced
    `per / rate` seconds apart, so no window of `per` seconds holds more than `rate`;
    `burst=b` lets `b` go at once after an idle spell. A 429 with `Retry-After` pauses every
    process using that token until the time has passed (the other tokens of a pool go on).

    Keys are `{key_prefix}:rate:` plus the first 32 hex digits of the token's SHA-256: never
    the token. If Redis does not answer, requests are not failed: this process paces itself
    with the same settings in memory (the fleet together may then exceed the limit, and the
    429s that follow pause each process), one WARNING is logged per outage, and Redis is
    tried again after a second. Leave headroom below the server's limit (say 5%): network
    delays move requests across the server's window boundaries.

    A caller cancelled while it sleeps towards its turn does not use it; that turn is lost
    time (one interval), never a stall. asyncio only, and one event loop, like the client
    (redis-py's asyncio connections belong to the loop that made them).

    Args:
        redis: a `redis://`, `rediss://` (TLS) or `unix://` URL, or a `redis.asyncio.Redis`
            (used as it is and never closed here). A client made from a URL has 1 s connect
            and read timeouts; close it with `await limit.aclose()`.
        rate, per: at most `rate` requests per `per` seconds per token (Genesys's default:
            300 a minute).
        burst: None, or how many requests may go at once after an idle spell.
        key_prefix: the start of every key, to share one Redis between applications.

    .. versionadded:: 0.2
    """

    def __init__(
        self,
        redis: str | Redis,
        *,
        rate: float = 300,
        per: float = 60.0,
        burst: int | None = None,
        key_prefix: str = "journey-async",
    ) -> None:
        interval, size = check_rate("RedisRateLimit", rate, per, burst)
        if not isinstance(key_prefix, str) or not key_prefix:
            msg = "RedisRateLimit: key_prefix must be a non-empty str"
            raise ValueError(msg)
        self.rate: float = float(rate)
        self.per: float = float(per)
        self.burst: int | None = burst
        self.key_prefix = key_prefix
        self._link = RedisLink(redis, "RedisRateLimit")
        self._local = Gcra(interval, size)
        self._args = (round(interval * 1e6), round((size - 1) * interval * 1e6))
        self._acquire = self._link.client.register_script(_ACQUIRE)
        self._pause = self._link.client.register_script(_PAUSE)

    def __repr__(self) -> str:
        burst = "" if self.burst is None else f", burst={self.burst}"
        return (
            f"RedisRateLimit({self._link.where!r}, rate={self.rate:g}, per={self.per:g}{burst}, "
            f"key_prefix={self.key_prefix!r})"
        )

    def _key(self, key: str) -> str:
        return f"{self.key_prefix}:rate:{key}"

    async def acquire(self, keys: Sequence[str], max_wait: float | None) -> int:
        """Reserve the earliest turn among the tokens `keys` fleet-wide and sleep until it.

        Returns the index of the key used; raises `RateLimited` (without reserving) when the
        turn is more than `max_wait` seconds away.
        """
        limit = -1 if max_wait is None else max(0, round(max_wait * 1e6))
        answered, reply = await self._link.run(
            lambda: self._acquire(keys=[self._key(key) for key in keys], args=[*self._args, limit])
        )
        if not answered or reply is None:
            return await acquire_local(self._local, keys, max_wait)
        index, wait_us, reserved = (int(value) for value in reply)
        wait = wait_us / 1e6
        if not reserved:
            raise RateLimited(wait, max_wait or 0.0)
        if wait > 0:
            await anyio.sleep(wait)  # cancelled: the turn is lost time
        return index - 1

    async def pause(self, key: str, seconds: float) -> None:
        """No turn on this token, in any process, for `seconds` (a 429's `Retry-After`)."""
        seconds = max(0.0, seconds)
        self._local.pause(key, time.monotonic() + seconds)  # for the fallback, should it come
        await self._link.run(
            lambda: self._pause(keys=[self._key(key)], args=[round(seconds * 1e6)])
        )
