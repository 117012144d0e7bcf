"""The GCRA script of `RedisRateLimit` (rate, burst, pause, pools, the server's clock, expiry)
and the in-process `RateLimit`: against a real redis-server, and against fakeredis's Lua."""

from __future__ import annotations

import time

import anyio
import pytest
from redis.asyncio import Redis

from journey_async import RateLimit
from journey_async._ratelimit import RateLimited, token_key
from journey_async.redis import RedisRateLimit

SECOND = 1_000_000  # the script's unit: microseconds
SLACK = 300_000  # what a busy machine may add between two script calls


async def reserve(limit: RedisRateLimit, *keys: str, max_wait: int = -1) -> tuple[int, int, int]:
    """Run the acquire script once: (1-based index, wait in microseconds, reserved)."""
    names = [f"{limit.key_prefix}:rate:{key}" for key in keys]
    index, wait, reserved, _ = await limit._acquire(keys=names, args=[*limit._args, max_wait])
    return int(index), int(wait), int(reserved)


async def test_turns_are_spaced_per_over_rate(redis: Redis) -> None:
    """Without burst, consecutive turns of one token are `per / rate` seconds apart."""
    limit = RedisRateLimit(redis, rate=60, per=60.0)
    waits = [(await reserve(limit, "k"))[1] for _ in range(4)]
    assert waits[0] == 0
    for n, wait in enumerate(waits[1:], start=1):
        assert n * SECOND - SLACK <= wait <= n * SECOND


async def test_burst_lets_that_many_go_at_once(redis: Redis) -> None:
    """`burst=3`: three turns at once after an idle spell, then the steady pace."""
    limit = RedisRateLimit(redis, rate=1, per=1.0, burst=3)
    waits = [(await reserve(limit, "k"))[1] for _ in range(4)]
    assert waits[:3] == [0, 0, 0]
    assert SECOND - SLACK <= waits[3] <= SECOND


async def test_a_turn_past_max_wait_is_not_reserved(redis: Redis) -> None:
    """A turn further away than the caller may wait is reported and not taken."""
    limit = RedisRateLimit(redis, rate=1, per=10.0)
    assert (await reserve(limit, "k"))[2] == 1
    _, wait, reserved = await reserve(limit, "k", max_wait=SECOND)
    assert reserved == 0
    assert wait > 9 * SECOND
    _, wait_again, reserved = await reserve(limit, "k")
    assert reserved == 1
    assert wait_again <= wait  # the refused call left no reservation behind


async def test_pause_holds_every_turn_of_that_token_only(redis: Redis) -> None:
    """A pause (a 429's Retry-After) delays the token's next turn; other tokens go on."""
    limit = RedisRateLimit(redis, rate=100, per=1.0)
    await limit.pause("paused", 5.0)
    _, wait, _ = await reserve(limit, "paused")
    assert 5 * SECOND - SLACK <= wait <= 5 * SECOND
    assert (await reserve(limit, "other"))[1] == 0
    await limit.pause("paused", 1.0)  # a shorter pause does not shorten the longer one
    _, wait, _ = await reserve(limit, "paused")
    assert wait > 4 * SECOND


async def test_a_pool_gets_the_token_whose_turn_comes_first(redis: Redis) -> None:
    """Of several tokens the script picks the earliest turn: turns go round the pool."""
    limit = RedisRateLimit(redis, rate=1, per=10.0)
    picks = [(await reserve(limit, "a", "b", "c"))[:2] for _ in range(3)]
    assert picks == [(1, 0), (2, 0), (3, 0)]
    await limit.pause("a", 30.0)
    index, wait, _ = await reserve(limit, "a", "b", "c")
    assert index in (2, 3)
    assert wait <= 10 * SECOND


async def test_state_uses_the_server_clock_and_expires(redis: Redis) -> None:
    """The stored TAT is in the Redis server's microseconds, and the key expires with it."""
    limit = RedisRateLimit(redis, rate=1, per=2.0)
    await reserve(limit, "k")
    seconds, micros = await redis.time()
    server_now = seconds * SECOND + micros
    tat = int(await redis.hget("journey-async:rate:k", "tat"))
    assert server_now < tat <= server_now + 2 * SECOND + SLACK
    ttl = await redis.pttl("journey-async:rate:k")
    assert 0 < ttl <= 3000


async def test_acquire_raises_when_the_turn_is_past_the_budget(redis: Redis) -> None:
    """`acquire` with a `max_wait` shorter than the turn raises `RateLimited` at once."""
    limit = RedisRateLimit(redis, rate=1, per=30.0)
    assert await limit.acquire(["k"], None) == 0
    with pytest.raises(RateLimited) as caught:
        await limit.acquire(["k"], 1.0)
    assert caught.value.wait > 20


async def test_cancelled_waiters_never_stall_the_next(redis: Redis) -> None:
    """Callers cancelled while waiting lose their turns, but a later caller is not stalled:
    its wait is bounded by the turns reserved before it, not by the cancelled callers."""
    limit = RedisRateLimit(redis, rate=10, per=1.0)
    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(limit.acquire, ["k"], None)
        await anyio.sleep(0.05)
        tg.cancel_scope.cancel()
    started = time.monotonic()
    with anyio.fail_after(5):
        await limit.acquire(["k"], None)
    assert time.monotonic() - started < 5


def test_token_keys_are_digests() -> None:
    """A limiter key is a SHA-256 prefix of the token, never the token."""
    key = token_key("secret-access-token")
    assert "secret" not in key
    assert len(key) == 32
    assert key == token_key("secret-access-token")


async def test_in_process_rate_limit_spaces_turns_and_gives_back_cancelled_ones() -> None:
    """`RateLimit` spaces turns per token; a cancelled last waiter's turn goes back."""
    limit = RateLimit(5, 1.0)
    assert await limit.acquire(["k"], None) == 0
    with pytest.raises(RateLimited):
        await limit.acquire(["k"], 0.05)  # the next turn is 0.2 s away
    with anyio.move_on_after(0.05):
        await limit.acquire(["k"], None)  # reserves the 0.2 s turn, then is cancelled
    _, wait, tat = limit._gcra.reserve(["k"], time.monotonic(), None)
    assert tat is not None
    assert wait <= 0.2  # the cancelled turn was handed back, not lost
    await limit.pause("k", 10.0)
    assert await limit.acquire(["k", "j"], None) == 1  # the paused token is passed over


def test_rate_limit_arguments_are_checked() -> None:
    """Rates, periods and bursts that make no sense are a ValueError naming the parameter."""
    with pytest.raises(ValueError, match="rate"):
        RateLimit(0, 60.0)
    with pytest.raises(ValueError, match="per"):
        RateLimit(10, -1.0)
    with pytest.raises(ValueError, match="burst"):
        RedisRateLimit("redis://127.0.0.1:1/0", burst=0)
    with pytest.raises(ValueError, match="URL"):
        RedisRateLimit("http://127.0.0.1:1/0")
    with pytest.raises(TypeError, match=r"redis\.asyncio\.Redis"):
        RedisRateLimit(object())  # type: ignore[arg-type]
    assert repr(RateLimit(300, 60.0, burst=10)) == "RateLimit(300, 60, burst=10)"
