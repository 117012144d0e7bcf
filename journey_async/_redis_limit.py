"""`RedisRateLimit`: GCRA per token for a whole fleet, in one atomic Lua script.

The state of each token is one Redis hash, `{key_prefix}:rate:{sha256(token)[:32]}`, with two
fields in microseconds of the Redis server's clock (`TIME`, so the machines' clocks never
matter): `tat`, the theoretical arrival time of GCRA (see `journey_async._ratelimit` for why
GCRA), and `paused`, the end of a pause a 429 asked for. The hash expires once both have
passed (its state then equals no state). One script call per attempt reads the candidate
tokens (a pool's), picks the one whose turn comes first, reserves that turn and returns the
wait; the caller sleeps it without further round trips. On Redis Cluster the key prefix must
hold a hash tag (`"{journey-async}"`, checked by `RedisLink`) so that a pool's keys share a slot.

Turns fetched ahead: far from the limit, a process calling quickly would wait one round trip
per request for a turn that is free anyway. So when the last answer said the turn was due
within `AHEAD_WAIT` and the calls come less than `HOLD` apart, the process reserves its next
turns (as many as fall due within `AHEAD_WAIT`, one at least and `AHEAD_MAX` at most) in one
script call while the current request travels, and the next calls take them without a round
trip. They are reserved like any other turns, and each may be used up to `HOLD` after its
time, as a busy event loop or a wait for an in-flight slot may delay any turn; turns not used
by then are dropped, and those after the last one used are handed back with the next script
call unless a turn was reserved after them. One batch per limiter is held at a time; an
answer saying the token is busy, or a 429, stops fetching ahead.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Sequence
from typing import NamedTuple

import anyio
from redis.asyncio import Redis, RedisCluster

from ._ratelimit import Gcra, RateLimited, acquire_local, check_rate
from ._redis_link import RedisBacked, RedisLink

__all__ = ["RedisRateLimit", "HOLD", "AHEAD_WAIT", "AHEAD_MAX"]

HOLD = 0.02
"""Seconds a turn fetched ahead stays usable after its time (see `RedisRateLimit`); turns are
fetched ahead only for a process whose calls on the limiter come less than this apart."""

AHEAD_WAIT = 0.005
"""The longest wait for a turn (seconds) at which the token still counts as far from its
limit, so that turns are fetched ahead; as many turns as fall due within it are fetched at
once, up to `AHEAD_MAX`."""

AHEAD_MAX = 16
"""The most turns fetched ahead in one script call."""


class _Held:
    """Turns reserved ahead on one key: `count` turns `interval` apart, the first no earlier
    than local time `first` (not before the server's time for it) and each usable until `HOLD`
    after `latest` plus its offset (not after the server's time for it plus `HOLD`)."""

    __slots__ = ("count", "first", "interval", "key", "latest", "next", "tat", "used")

    def __init__(
        self, key: str, tat: bytes, first: float, latest: float, interval: float, count: int
    ) -> None:
        self.key, self.tat, self.interval, self.count = key, tat, interval, count
        self.first, self.latest = first, latest
        self.next = 0
        self.used = 0
        """The turns up to the last one used: those after it can be handed back."""

    def take(self, now: float) -> float | None:
        """The wait for the next turn still usable (those past their `HOLD` are skipped), or
        None if none is left."""
        while self.next < self.count:
            offset = self.next * self.interval
            self.next += 1
            if now <= self.latest + offset + HOLD:
                self.used = self.next
                return max(0.0, self.first + offset - now)
        return None


class _GiveBack(NamedTuple):
    """`turns` turns not used, the last ones reserved on `key`, to hand back with the next
    script call if the key's TAT is still `tat` (no turn was reserved after them)."""

    key: str
    tat: bytes
    turns: int


_ACQUIRE = """
local now_t = redis.call('TIME')
local now = tonumber(now_t[1]) * 1000000 + tonumber(now_t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local count = tonumber(ARGV[4] or '1')
local back = tonumber(ARGV[5] or '0')
if back > 0 and redis.call('HGET', KEYS[back], 'tat') == ARGV[6] then
  local undone = tonumber(ARGV[6]) - tonumber(ARGV[7]) * interval
  redis.call('HSET', KEYS[back], 'tat', string.format('%.0f', undone))
end
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
  return {best, wait, 0, ''}
end
local tat = string.format('%.0f', math.max(best_tat, best_start) + count * interval)
redis.call('HSET', KEYS[best], 'tat', tat)
local last = math.max(tonumber(tat), best_paused)
redis.call('PEXPIRE', KEYS[best], math.ceil((last - now) / 1000) + 1000)
return {best, wait, 1, tat}
"""
"""KEYS: the tokens' hashes. ARGV, times in microseconds: interval; tolerance ((burst - 1) *
interval); the longest wait worth reserving (-1: any); how many consecutive turns to reserve
(1 unless fetching ahead); then, optionally, turns handed back: the 1-based index of their
key, the TAT written when they were reserved and how many, undone only if the TAT is still
that one. Returns {index (1-based), wait for the first turn, 1 if reserved else 0, the TAT
written}. Numbers are written with %.0f: Lua's own tostring keeps 14 digits, too few for
microseconds since 1970."""

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
    time (one interval), never a stall. Far from the limit, a process whose calls come less
    than 20 ms apart fetches its next turns while the current request travels, so it does not
    wait a round trip for each (see `journey_async._redis_limit`). asyncio only. Made from a
    URL, it follows the running event loop (a Redis client is made for each loop: `await
    limit.aclose()` before a loop ends); a `redis.asyncio` client given belongs to its loop,
    and using it from another is a `RuntimeError`.

    Args:
        redis: a `redis://`, `rediss://` (TLS) or `unix://` URL, or a `redis.asyncio.Redis`
            or `RedisCluster` (used as it is and never closed here). A client made from a URL
            has 1 s connect and read timeouts; close it with `await limit.aclose()`.
        rate, per: at most `rate` requests per `per` seconds per token (Genesys's default:
            300 a minute).
        burst: None, or how many requests may go at once after an idle spell.
        key_prefix: the start of every key, to share one Redis between applications; with
            a `RedisCluster` it must hold a hash tag (`"{journey-async}"`).

    .. versionadded:: 0.2
    """

    def __init__(
        self,
        redis: str | Redis | RedisCluster,
        *,
        rate: float = 300,
        per: float = 60.0,
        burst: int | None = None,
        key_prefix: str = "journey-async",
    ) -> None:
        interval, size = check_rate("RedisRateLimit", rate, per, burst)
        self.rate: float = float(rate)
        self.per: float = float(per)
        self.burst: int | None = burst
        self.key_prefix = key_prefix
        self._link = RedisLink(redis, "RedisRateLimit", key_prefix)
        self._local = Gcra(interval, size)
        self._args = (round(interval * 1e6), round((size - 1) * interval * 1e6))
        self._acquire = self._link.client.register_script(_ACQUIRE)
        self._pause = self._link.client.register_script(_PAUSE)
        self._last_call = -math.inf
        self._ahead = False
        self._held: _Held | None = None
        self._give_back: _GiveBack | None = None
        self._prefetching: asyncio.Task[None] | None = None
        self._pauses = 0
        self._link.on_new_loop = self._forget_loop

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
        turn is more than `max_wait` seconds away. A turn this process holds (see the class
        docstring) is used without a round trip.
        """
        self._link.check_loop()  # a new loop first drops the old one's turns and fetch
        now = time.monotonic()
        quick = now - self._last_call < HOLD
        self._last_call = now
        held = self._take_held(keys, now)
        if held is not None:
            index, wait = held
            self._prefetch(keys)
            if wait > 0:
                await anyio.sleep(wait)  # cancelled: the turn is lost time
            return index
        limit = -1 if max_wait is None else max(0, round(max_wait * 1e6))
        reply = await self._run_script(keys, limit, 1)
        if reply is None:
            return await acquire_local(self._local, keys, max_wait)
        index, wait_us, reserved, _ = reply
        wait = wait_us / 1e6
        if not reserved:
            raise RateLimited(wait, max_wait or 0.0)
        self._ahead = wait <= AHEAD_WAIT
        if quick:
            self._prefetch(keys)
        if wait > 0:
            await anyio.sleep(wait)  # cancelled: the turn is lost time
        return index

    async def pause(self, key: str, seconds: float) -> None:
        """No turn on this token, in any process, for `seconds` (a 429's `Retry-After`)."""
        seconds = max(0.0, seconds)
        self._local.pause(key, time.monotonic() + seconds)  # for the fallback, should it come
        self._pauses += 1  # a turn held or being fetched now is not used
        if self._held is not None and self._held.key == key:
            self._held = None
        await self._link.run(
            lambda: self._pause(
                keys=[self._key(key)], args=[round(seconds * 1e6)], client=self._link.client
            )
        )

    async def aclose(self) -> None:
        """Stop fetching a turn ahead, then close the Redis client if it was made here."""
        task, self._prefetching = self._prefetching, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await super().aclose()

    def _forget_loop(self) -> None:
        """A new event loop: the turns held and the fetch on its way belonged to the old one."""
        self._held = self._give_back = self._prefetching = None
        self._ahead = False

    async def _run_script(
        self, keys: Sequence[str], max_wait_us: int, count: int
    ) -> tuple[int, int, bool, bytes] | None:
        """One script call reserving `count` turns (and handing back unused ones, if their key
        is among `keys`): `(0-based index, wait in microseconds for the first, reserved, the
        TAT written)`, or None if Redis failed."""
        args: list[int | bytes] = [*self._args, max_wait_us, count]
        unused = self._give_back
        if unused is not None and unused.key in keys:
            self._give_back = None
            args += [keys.index(unused.key) + 1, unused.tat, unused.turns]
        names = [self._key(key) for key in keys]
        answered, reply = await self._link.run(
            lambda: self._acquire(keys=names, args=args, client=self._link.client)
        )
        if not answered or reply is None:
            return None
        index, wait_us, reserved, tat = reply
        written = tat if isinstance(tat, bytes) else str(tat).encode()  # decode_responses=True
        return int(index) - 1, int(wait_us), bool(int(reserved)), written

    def _take_held(self, keys: Sequence[str], now: float) -> tuple[int, float] | None:
        """`(index, seconds to its time)` of the next turn held ahead, if the turns are for one
        of `keys` and one is still usable; turns past their `HOLD` are dropped, and the ones
        after the last used handed back with the next script call."""
        held = self._held
        if held is None or held.key not in keys:
            if held is not None and now > held.latest + held.count * held.interval + HOLD:
                self._drop_held(held)  # expired, for a token no longer asked for
            return None
        wait = held.take(now)
        if held.next >= held.count:
            self._drop_held(held)
        return None if wait is None else (keys.index(held.key), wait)

    def _drop_held(self, held: _Held) -> None:
        """Forget the turns held; those after the last one used go back with the next call."""
        self._held = None
        if held.used < held.count:
            self._give_back = _GiveBack(held.key, held.tat, held.count - held.used)

    def _prefetch(self, keys: Sequence[str]) -> None:
        """Fetch the next turn in the background while the current request travels, when the
        token was free at the last answer and no turn is held or being fetched."""
        if not self._ahead or self._held is not None or self._prefetching is not None:
            return
        self._prefetching = asyncio.get_running_loop().create_task(self._fetch_ahead(list(keys)))

    async def _fetch_ahead(self, keys: list[str]) -> None:
        """Reserve the turns due within `AHEAD_WAIT` (one at least, `AHEAD_MAX` at most), each
        usable until `HOLD` after its time."""
        asked, pauses = time.monotonic(), self._pauses
        interval = self._local.interval
        count = max(1, min(AHEAD_MAX, math.floor(AHEAD_WAIT / interval)))
        try:
            reply = await self._run_script(keys, round(AHEAD_WAIT * 1e6), count)
        finally:
            self._prefetching = None
        if reply is None:
            return
        index, wait_us, reserved, tat = reply
        if not reserved:  # the token is busy: wait for its turns again, one round trip each
            self._ahead = False
        elif pauses == self._pauses:  # (a 429 came meanwhile: the turn is not used)
            # The server read its clock between `asked` and now: use each turn no earlier
            # than its time, and no later than `HOLD` after it, by either reading.
            wait = wait_us / 1e6
            first, latest = time.monotonic() + wait, asked + wait
            self._held = _Held(keys[index], tat, first, latest, interval, count)
