"""Proactive pacing per token: the limiter protocol, GCRA, and the in-process `RateLimit`.

Genesys limits requests per access token (`token.rate.per.minute`, 300 by default). A client
given `rate_limit=` asks its limiter for a turn before each attempt, per token, instead of
discovering the limit through 429s. Two limiters implement `TokenLimiter`:

* `RateLimit(rate, per)` (here): this process only, kept in memory;
* `journey_async.redis.RedisRateLimit`: the whole fleet, kept in Redis.

Both use GCRA (the generic cell rate algorithm), chosen over a token bucket because:

* its whole state per token is one number, the theoretical arrival time (TAT): the next
  moment a request may go at the steady pace. One number is one Redis field updated by one
  atomic script, with nothing to refill;
* it hands out *reservations*: a caller learns at once how long to wait for its turn and
  sleeps exactly that long, in FIFO order, with no polling (one Redis round trip per
  request, whatever the load), where a token bucket only says "not now, try again";
* `burst` is its tolerance: `burst=None` (one) spaces requests `per / rate` seconds apart, so
  no window of `per` seconds ever holds more than `rate` of them, and `burst=b` lets `b` go at
  once after an idle spell.

A 429 with `Retry-After` pauses the token: no turn is given before the pause ends, and turns
resume at the steady pace from there.

Cancellation: a caller cancelled while it sleeps towards its reserved turn gives up that turn.
Here the turn is handed back when no later caller reserved after it; otherwise it is lost
time (one interval of one token, never a stall: later turns are fixed times, not a queue
waiting on the cancelled caller).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Sequence
from typing import Protocol

import anyio

from ._checks import check_int, is_finite_number

__all__ = ["TokenLimiter", "RateLimit", "RateLimited", "Gcra", "token_key", "check_rate_limit"]


class RateLimited(Exception):
    """A turn would come later than the call's budget allows (becomes `RateLimitError`)."""

    def __init__(self, wait: float, left: float) -> None:
        super().__init__(wait, left)
        self.wait = wait
        self.left = left


class TokenLimiter(Protocol):
    """What the send path asks before each attempt when the client has `rate_limit=`."""

    async def acquire(self, keys: Sequence[str], max_wait: float | None) -> int:
        """Wait for a turn on one of `keys` (token keys) and return the index of the one used.

        Of several keys (a token pool), the one whose turn comes first is taken. A turn
        further away than `max_wait` seconds is not reserved: `RateLimited` is raised at once.
        """
        ...

    async def pause(self, key: str, seconds: float) -> None:
        """A 429 with `Retry-After: seconds` on this token: no turn before that has passed."""
        ...


def check_rate_limit(rate_limit: object) -> TokenLimiter | None:
    """`JourneyClient(rate_limit=...)`: None, or an object with `acquire` and `pause`."""
    if rate_limit is None:
        return None
    if not callable(getattr(rate_limit, "acquire", None)) or not callable(
        getattr(rate_limit, "pause", None)
    ):
        msg = (
            "rate_limit must be None, a journey_async.RateLimit or a "
            f"journey_async.redis.RedisRateLimit, got {type(rate_limit).__name__}"
        )
        raise TypeError(msg)
    return rate_limit  # type: ignore[return-value]


_KEYS: dict[str, str] = {}


def token_key(token: str) -> str:
    """The limiter key of an access token: a SHA-256 digest, never the token itself."""
    key = _KEYS.get(token)
    if key is None:
        if len(_KEYS) > 256:  # tokens rotate (daily, or on 401): forget old ones
            _KEYS.clear()
        key = _KEYS[token] = hashlib.sha256(token.encode()).hexdigest()[:32]
    return key


def check_rate(owner: str, rate: object, per: object, burst: object) -> tuple[float, int]:
    """Validate `rate`, `per` and `burst`; return the interval between turns and the burst."""
    if not is_finite_number(rate) or rate <= 0:  # type: ignore[operator]
        msg = f"{owner}: rate must be a number > 0 (requests per `per` seconds), got {rate!r}"
        raise ValueError(msg)
    if not is_finite_number(per) or per <= 0:  # type: ignore[operator]
        msg = f"{owner}: per must be a number of seconds > 0, got {per!r}"
        raise ValueError(msg)
    size = 1 if burst is None else check_int(f"{owner}: burst", burst, minimum=1)
    return float(per) / float(rate), size  # type: ignore[arg-type]


class Gcra:
    """GCRA state of many token keys in this process (monotonic clock, no locks needed).

    Every method runs without awaiting, so on one event loop each is atomic.
    """

    def __init__(self, interval: float, burst: int) -> None:
        self.interval = interval
        self.tolerance = (burst - 1) * interval
        self._tat: dict[str, float] = {}
        self._paused: dict[str, float] = {}

    def reserve(
        self, keys: Sequence[str], now: float, max_wait: float | None
    ) -> tuple[int, float, float | None]:
        """Reserve the earliest turn among `keys`: `(index, seconds to wait, the key's new TAT)`.

        A wait above `max_wait` is returned without reserving anything (and a TAT of None).
        """
        best, start = 0, math.inf
        for index, key in enumerate(keys):
            at = max(now, self._tat.get(key, now) - self.tolerance, self._paused.get(key, now))
            if at < start:
                best, start = index, at
        wait = start - now
        if max_wait is not None and wait > max_wait:
            return best, wait, None
        key = keys[best]
        tat = self._tat[key] = max(self._tat.get(key, now), start) + self.interval
        if len(self._tat) > 1024:
            self._forget(now)
        return best, wait, tat

    def give_back(self, key: str, tat: float) -> None:
        """Hand back the turn that set `key`'s TAT to `tat`, unless a later turn was reserved."""
        if self._tat.get(key) == tat:
            self._tat[key] = tat - self.interval

    def pause(self, key: str, until: float) -> None:
        """No turn on `key` before `until` (a longer pause already set stays)."""
        self._paused[key] = max(self._paused.get(key, until), until)

    def _forget(self, now: float) -> None:
        """Drop keys whose state says nothing any more (their TAT and pause have passed)."""
        for key in [k for k, tat in self._tat.items() if tat < now]:
            del self._tat[key]
        for key in [k for k, until in self._paused.items() if until < now]:
            del self._paused[key]


class RateLimit:
    """Pace this process's requests per access token: at most `rate` per `per` seconds.

    ```python
    client = JourneyClient(credentials, rate_limit=RateLimit(300, 60.0))  # Genesys's default
    ```

    Each attempt waits for its turn on its token before it takes an in-flight slot (GCRA, see
    `journey_async._ratelimit`): with `burst=None` requests are spaced `per / rate` seconds
    apart; `burst=b` lets `b` go at once after an idle spell. A 429 with `Retry-After` pauses
    that token (only that one: the other tokens of a `pool_size` pool go on). Turns are
    reserved in arrival order; an attempt whose turn would come after its call's budget ends
    fails at once with `RateLimitError`.

    One `RateLimit` may be given to several clients of one process (one event loop): they
    then share its pace. For a fleet of processes use `journey_async.redis.RedisRateLimit`.
    Leave some headroom below the server's limit: network delays move requests across the
    server's window boundaries.

    .. versionadded:: 0.2
    """

    def __init__(self, rate: float, per: float = 60.0, *, burst: int | None = None) -> None:
        interval, size = check_rate("RateLimit", rate, per, burst)
        self.rate: float = float(rate)
        self.per: float = float(per)
        self.burst: int | None = burst
        self._gcra = Gcra(interval, size)

    def __repr__(self) -> str:
        burst = "" if self.burst is None else f", burst={self.burst}"
        return f"RateLimit({self.rate:g}, {self.per:g}{burst})"

    async def acquire(self, keys: Sequence[str], max_wait: float | None) -> int:
        """Wait for the earliest turn among `keys`; see `TokenLimiter.acquire`."""
        return await acquire_local(self._gcra, keys, max_wait)

    async def pause(self, key: str, seconds: float) -> None:
        """No turn on this token for `seconds`; see `TokenLimiter.pause`."""
        self._gcra.pause(key, time.monotonic() + max(0.0, seconds))


async def acquire_local(gcra: Gcra, keys: Sequence[str], max_wait: float | None) -> int:
    """Reserve a turn in `gcra` and sleep until it; a cancelled sleeper hands its turn back."""
    index, wait, tat = gcra.reserve(keys, time.monotonic(), max_wait)
    if tat is None:
        raise RateLimited(wait, max_wait or 0.0)
    if wait > 0:
        slept = False
        try:
            await anyio.sleep(wait)
            slept = True
        finally:
            if not slept:  # cancelled: the turn is not used
                gcra.give_back(keys[index], tat)
    return index
