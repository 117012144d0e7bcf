"""Turns fetched ahead by `RedisRateLimit`: far from the limit, a process calling quickly takes
its next turn without a round trip; the turn is reserved only when free, charged at the end of
its window, handed back when not needed, dropped on a 429, and never outlives `aclose`."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import anyio
import pytest
from _fleet import process
from _redis_server import RedisServer
from redis.asyncio import Redis

from journey_async import _redis_limit
from journey_async._ratelimit import RateLimited
from journey_async.redis import RedisRateLimit
from journey_async.testing import FakeJourneyApi

SECOND = 1_000_000  # the script's unit: microseconds
SLACK = 300_000  # what a busy machine may add between two script calls


async def script(
    limit: RedisRateLimit, *, max_wait: int = -1, count: int = 1, give_back: tuple[Any, ...] = ()
) -> tuple[int, int, int, bytes]:
    """One call of the acquire script on key "k": (1-based index, wait, reserved, TAT)."""
    args = [*limit._args, max_wait, count, *give_back]
    index, wait, reserved, tat = await limit._acquire(keys=["journey-async:rate:k"], args=args)
    return int(index), int(wait), int(reserved), tat


class Counted:
    """Wraps a limiter's script: counts the calls made inline (a caller waits for them) and
    those made by the task fetching a turn ahead."""

    def __init__(self, limit: RedisRateLimit) -> None:
        self.limit = limit
        self.script = limit._acquire
        self.inline = 0
        self.ahead = 0
        limit._acquire = self  # type: ignore[assignment]

    async def __call__(self, **kwargs: Any) -> Any:
        task = asyncio.current_task()
        if task is not None and task is self.limit._prefetching:
            self.ahead += 1
        else:
            self.inline += 1
        return await self.script(**kwargs)


async def settle(limit: RedisRateLimit) -> None:
    """Wait for the turn being fetched ahead, if any."""
    task = limit._prefetching
    if task is not None:
        await task


async def test_several_turns_reserved_at_once_are_consecutive(redis: Redis) -> None:
    """Four turns in one call: the token's next turn is four intervals away."""
    limit = RedisRateLimit(redis, rate=10, per=1.0)
    _, wait, reserved, _ = await script(limit, count=4)
    assert (wait, reserved) == (0, 1)
    _, wait, _, _ = await script(limit)
    assert 4 * SECOND // 10 - SLACK <= wait <= 4 * SECOND // 10


async def test_turns_handed_back_are_undone_unless_a_turn_came_after(redis: Redis) -> None:
    """Handing back turns moves the token's TAT that many intervals back, but only if the
    TAT is still the one written for them: a turn reserved after them keeps its place."""
    limit = RedisRateLimit(redis, rate=10, per=1.0)
    _, _, _, tat = await script(limit, count=4)
    _, wait, _, _ = await script(limit, give_back=(1, tat, 3))
    assert SECOND // 10 - SLACK <= wait <= SECOND // 10  # right after the one turn kept
    await redis.flushall()
    _, _, _, tat = await script(limit)
    await script(limit)  # another process's turn, after it
    _, wait, _, _ = await script(limit, give_back=(1, tat, 1))
    assert wait >= 2 * SECOND // 10 - SLACK  # refused: two turns are ahead of this one


def test_held_turns_skip_the_expired_and_hand_back_only_those_after_the_last_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Turns past their `HOLD` are skipped; when the batch is dropped, only the turns after
    the last one used go back (handing back a skipped turn before a used one would let the
    next turn come too soon after the used one)."""
    monkeypatch.setattr(_redis_limit, "HOLD", 0.5)
    limit = RedisRateLimit("redis://127.0.0.1:9/0", rate=1, per=1.0)
    limit._held = held = _redis_limit._Held("k", b"7", 100.0, 100.0, 1.0, 4)
    assert limit._take_held(["k"], 100.0) == (0, 0.0)  # turn 0, at its time
    assert limit._take_held(["k"], 101.8) == (0, pytest.approx(0.2))  # turn 1 past: turn 2
    assert held.used == 3
    assert limit._take_held(["j"], 103.0) is None  # not this token's: kept
    assert limit._held is held
    assert limit._take_held(["k"], 110.0) is None  # turn 3 is past too
    assert limit._held is None
    assert limit._give_back == ("k", b"7", 1)


async def test_quick_sequential_calls_take_their_turns_without_a_round_trip(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Of 20 quick calls on an idle token only the first two wait for Redis; each later one
    takes the turn fetched while the one before it was on its way."""
    monkeypatch.setattr(_redis_limit, "HOLD", 5.0)  # a slow machine keeps its held turns
    monkeypatch.setattr(_redis_limit, "AHEAD_WAIT", 1.0)  # and its token counts as idle
    async with RedisRateLimit(redis_url, rate=1e6, per=1.0) as limit:
        counted = Counted(limit)
        for _ in range(20):
            assert await limit.acquire(["k"], 1.0) == 0
            await settle(limit)
        assert counted.inline == 2  # the first call is not quick: no turn is fetched ahead
        assert counted.ahead == 2  # 16 turns at a time (all due within AHEAD_WAIT)


async def test_a_held_turn_is_a_reservation_other_processes_queue_behind(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A turn held ahead was reserved in Redis: another process's turn comes after it."""
    monkeypatch.setattr(_redis_limit, "HOLD", 5.0)  # a slow first call still leaves a quick one
    monkeypatch.setattr(_redis_limit, "AHEAD_WAIT", 1.0)
    async with (
        RedisRateLimit(redis_url, rate=10, per=1.0) as first,
        RedisRateLimit(redis_url, rate=10, per=1.0) as second,
    ):
        await first.acquire(["k"], None)
        await first.acquire(["k"], None)  # quick: the third turn is fetched ahead
        await settle(first)
        assert first._held is not None
        with pytest.raises(RateLimited) as caught:
            await second.acquire(["k"], 0.05)
        assert caught.value.wait > 0.12  # behind the held turn (0.2 s), not in its place


async def test_an_unused_held_turn_is_dropped_and_handed_back(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A held turn not used within `HOLD` after its time is not used later: the next call
    goes to Redis and hands the turn back, so the token's next turn is free again."""
    monkeypatch.setattr(_redis_limit, "AHEAD_WAIT", 0.75)  # one turn fetched ahead at a time
    monkeypatch.setattr(_redis_limit, "HOLD", 0.02)
    async with RedisRateLimit(redis_url, rate=2, per=1.0) as limit:
        counted = Counted(limit)
        await limit.acquire(["k"], None)
        limit._ahead = True
        limit._prefetch(["k"])  # the next turn, half a second away
        await settle(limit)
        held = limit._held
        assert held is not None
        await asyncio.sleep(held.latest + 0.03 - time.monotonic())  # the held turn expires
        limit._ahead = False  # fetch no new turn: only the handing back is looked at
        assert await limit.acquire(["k"], 0.1) == 0  # without the hand-back: 0.5 s away
        assert (counted.inline, counted.ahead) == (2, 1)


async def test_a_429_drops_the_held_turn_and_one_being_fetched(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a pause no turn held from before it is used, including one whose fetch was on
    its way when the 429 came."""
    monkeypatch.setattr(_redis_limit, "HOLD", 5.0)
    async with RedisRateLimit(redis_url, rate=1e6, per=1.0) as limit:
        await limit.acquire(["k"], None)
        await limit.acquire(["k"], None)
        await settle(limit)
        assert limit._held is not None
        await limit.pause("k", 10.0)
        assert limit._held is None
        with pytest.raises(RateLimited):
            await limit.acquire(["k"], 1.0)
        limit._ahead = True
        limit._prefetch(["j"])
        await limit.pause("j", 10.0)  # while the fetch is on its way
        await settle(limit)
        assert limit._held is None
        with pytest.raises(RateLimited):
            await limit.acquire(["j"], 1.0)


async def test_a_busy_token_stops_the_fetching_ahead(redis_url: str) -> None:
    """When the token's next turn is not free at once, nothing is reserved ahead and the
    process goes back to one round trip per turn."""
    async with (
        RedisRateLimit(redis_url, rate=0.1, per=1.0) as limit,
        RedisRateLimit(redis_url, rate=0.1, per=1.0) as other,
    ):
        await other.acquire(["k"], None)  # the next turn is 10 s away
        limit._ahead = True
        limit._prefetch(["k"])
        await settle(limit)
        assert limit._held is None
        assert limit._ahead is False


async def test_aclose_stops_a_fetch_on_its_way(redis_url: str) -> None:
    """Closing the limiter while a turn is being fetched ends that task; nothing is left."""
    limit = RedisRateLimit(redis_url, rate=1e6, per=1.0)
    await limit.acquire(["k"], None)
    limit._ahead = True
    limit._prefetch(["k"])
    task = limit._prefetching
    assert task is not None
    await limit.aclose()
    assert task.done()
    assert limit._prefetching is None


async def test_a_client_with_decoded_responses_fetches_ahead(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller's `Redis(decode_responses=True)` answers str: turns held and handed back work."""
    monkeypatch.setattr(_redis_limit, "HOLD", 5.0)
    monkeypatch.setattr(_redis_limit, "AHEAD_WAIT", 1.0)
    client = Redis.from_url(redis_url, decode_responses=True)
    limit = RedisRateLimit(client, rate=1e6, per=1.0)
    counted = Counted(limit)
    for _ in range(5):
        await limit.acquire(["k"], None)
        await settle(limit)
    assert (counted.inline, counted.ahead) == (2, 1)  # TATs as str went back and forth
    await limit.aclose()
    await client.aclose()


async def test_sequential_client_calls_go_on_through_a_redis_outage(
    own_redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Quick sequential calls fetch turns ahead; Redis stopping mid-run fails no call, logs
    one WARNING, and leaves no task behind."""
    caplog.set_level(logging.WARNING, logger="journey_async")
    api = FakeJourneyApi()
    target = api.action_target_ids[0]
    async with process(api, own_redis_server.url, rate=1e6) as (client, _):
        limit = client.rate_limit
        assert isinstance(limit, RedisRateLimit)
        counted = Counted(limit)
        for _ in range(30):
            await client.get_journey_actiontarget(target)
        assert counted.ahead > 0  # turns were fetched ahead on the way
        own_redis_server.stop()
        for _ in range(30):
            await client.get_journey_actiontarget(target)
        await settle(limit)
    assert api.stats.requests == 60
    assert limit.outages == 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]


async def test_callers_cancelled_anywhere_leave_nothing_stuck(redis_url: str) -> None:
    """Callers cancelled at every point (inline script call, sleeping to a held turn, right
    after) while turns are fetched ahead: the limiter keeps serving, and `aclose` leaves no
    task behind."""
    async with RedisRateLimit(redis_url, rate=2000, per=1.0) as limit:
        counted = Counted(limit)
        before = set(asyncio.all_tasks())

        async def caller(n: int) -> None:
            for k in range(30):
                with anyio.move_on_after((n * 7 + k * 13) % 5 / 5000):  # 0 to 0.8 ms
                    await limit.acquire(["k", "j"], 1.0)

        async with anyio.create_task_group() as tg:
            for n in range(8):
                tg.start_soon(caller, n)
        with anyio.fail_after(5):
            for _ in range(20):  # still served, in order, after all those cancellations
                assert await limit.acquire(["k", "j"], 2.0) in (0, 1)
        assert counted.ahead > 0  # turns were being fetched ahead all along
    assert limit._prefetching is None
    leftover = set(asyncio.all_tasks()) - before - {asyncio.current_task()}
    assert not leftover


def test_turns_held_in_one_loop_are_not_used_in_the_next(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A limiter closed with a turn still held and used again from a new event loop (one
    `asyncio.run` per job) goes to Redis for its first turn there: the held turn belonged to
    the old loop, and a fetch ahead started from it would escape `aclose` (its connection
    was then left open when the loop ended: an unclosed-connection `ResourceWarning`)."""
    monkeypatch.setattr(_redis_limit, "HOLD", 5.0)  # the held turn is still usable later
    monkeypatch.setattr(_redis_limit, "AHEAD_WAIT", 1.5e-6)  # one turn fetched at a time
    limit = RedisRateLimit(redis_url, rate=1e6, per=1.0)

    async def first() -> None:
        await limit.acquire(["k"], None)
        await limit.acquire(["k"], None)  # quick: the next turn is fetched ahead
        await settle(limit)
        assert limit._held is not None
        await limit.aclose()

    async def second() -> None:
        counted = Counted(limit)
        before = set(asyncio.all_tasks())
        await limit.acquire(["k"], None)
        assert counted.inline == 1  # the turn held in the first loop was not used
        for _ in range(3):
            await limit.acquire(["k"], None)
        await limit.aclose()
        leftover = set(asyncio.all_tasks()) - before - {asyncio.current_task()}
        assert not leftover
        pool = limit.redis.connection_pool
        assert not any(
            connection.is_connected
            for connection in [*pool._available_connections, *pool._in_use_connections]
        )

    asyncio.run(first())
    asyncio.run(second())
