"""Issue class 8: `RetryPolicy.budget` bounds the whole call, every wait included.

A call ends within its budget (plus a generous margin on this shared, noisy machine) whatever it
waits for: 429 rounds with `Retry-After`, a queue for in-flight slots, a server that never
answers, or the client's own rate-limit gate closed by an earlier 429. Servers run on
127.0.0.1 in a thread (so asyncio and trio both run), or in-process through MockTransport.
"""

from __future__ import annotations

import asyncio
import re
import time

import anyio
import anyio.lowlevel
import httpx
import pytest
from _servers import CLIENT_OPTIONS, TRANSPORTS, head, raw_server, transport_backend

from journey_async import (
    JourneyClient,
    RateLimitError,
    RequestTimeoutError,
    RetryPolicy,
    TransportError,
)
from journey_async.testing import FakeJourneyApi

pytestmark = pytest.mark.anyio


@pytest.fixture(params=list(TRANSPORTS))
def anyio_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Loopback cases with the default transport (asyncio, trio), aiohttp's and httpx's pool."""
    return transport_backend(request, monkeypatch)


TOKEN = "budget-token-5d2b"
MARGIN = 1.5  # seconds of slack on every "ended by" assertion
GUARD = 20


class FakeClock:
    """A fake monotonic clock and sleep: sleeping advances the clock instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds
        await anyio.lowlevel.checkpoint()


# ---------------------------------------------------------------------------------------------
# 429 forever


async def test_429_forever_ends_every_call_within_the_budget():
    """A server that always answers 429 with Retry-After: 1, RetryPolicy(max_attempts=100,
    budget=2.5), 20 concurrent calls: each raises RateLimitError (retry_after set) in time."""
    api = FakeJourneyApi(action_targets=20)
    api.faults.rate_limit_every = 1
    api.faults.retry_after = 1.0
    policy = RetryPolicy(max_attempts=100, budget=2.5)
    outcomes: dict[int, tuple[BaseException | None, float]] = {}

    async def one(client: JourneyClient, i: int) -> None:
        started = time.monotonic()
        try:
            await client.get_journey_actiontarget(api.action_target_ids[i])
        except Exception as exc:
            outcomes[i] = (exc, time.monotonic() - started)
        else:
            outcomes[i] = (None, time.monotonic() - started)

    with api.serve_in_thread("127.0.0.1") as url, anyio.fail_after(GUARD):
        async with (
            JourneyClient(
                TOKEN, base_url=url, **CLIENT_OPTIONS, retry=policy, timeout=10.0
            ) as client,
            anyio.create_task_group() as tg,
        ):
            for i in range(20):
                tg.start_soon(one, client, i)
    assert len(outcomes) == 20
    for i, (exc, elapsed) in sorted(outcomes.items()):
        assert isinstance(exc, RateLimitError), (i, exc)
        assert exc.retry_after is not None, (i, exc)
        assert exc.retry_after == pytest.approx(1.0, abs=1.0), (i, exc)
        assert elapsed <= 2.5 + MARGIN, (i, elapsed, exc)
    # The gate holds everyone during each pause: at most a few rounds of 20, not 100 attempts.
    assert api.stats.requests <= 20 * 4, api.stats.requests


# ---------------------------------------------------------------------------------------------
# The in-flight slot queue counts against the budget


async def slow_answer(server, reader, writer, target) -> bool:
    """Answer a valid action target after 3 s."""
    await asyncio.sleep(3.0)
    body = b'{"id":"slow","name":"late"}'
    writer.write(head(200, [("Content-Length", str(len(body)))]) + body)
    await writer.drain()
    return True


async def test_calls_queued_for_a_slot_end_at_the_budget():
    """max_in_flight=1, a 3 s server, RetryPolicy(budget=0.5), 5 calls: all end by ~0.5 s
    with RequestTimeoutError (a TransportError and a TimeoutError)."""
    results: dict[int, tuple[BaseException | None, float]] = {}

    async def one(client: JourneyClient, i: int) -> None:
        started = time.monotonic()
        try:
            await client.get_journey_actiontarget(f"t{i}")
        except Exception as exc:
            results[i] = (exc, time.monotonic() - started)
        else:
            results[i] = (None, time.monotonic() - started)

    with raw_server(slow_answer) as server, anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN,
            base_url=server.url,
            **CLIENT_OPTIONS,
            max_in_flight=1,
            retry=RetryPolicy(budget=0.5),
            timeout=30.0,
        ) as client:
            async with anyio.create_task_group() as tg:
                for i in range(5):
                    tg.start_soon(one, client, i)
            assert len(results) == 5
            for i, (exc, elapsed) in sorted(results.items()):
                assert isinstance(exc, RequestTimeoutError), (i, exc)
                assert isinstance(exc, TransportError)
                assert isinstance(exc, TimeoutError)
                assert elapsed <= 0.5 + MARGIN, (i, elapsed)
            # The queued calls never reached the server while the first one held the slot.
            assert len(server.requests) < 5, server.requests
            with anyio.fail_after(5):
                assert (await client.get_journey_actiontarget("ok")).id == "ok"


async def test_a_call_queued_behind_a_slow_one_without_retry_uses_the_pool_timeout():
    """retry=None (no budget): a call queued for the only slot ends at the pool timeout."""
    with raw_server(slow_answer) as server, anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN,
            base_url=server.url,
            **CLIENT_OPTIONS,
            max_in_flight=1,
            retry=None,
            timeout=httpx.Timeout(10.0, pool=0.5),
        ) as client:
            errors: list[tuple[BaseException, float]] = []

            async def queued() -> None:
                await anyio.sleep(0.1)  # let the slow call take the slot first
                started = time.monotonic()
                try:
                    await client.get_journey_actiontarget("queued")
                except Exception as exc:
                    errors.append((exc, time.monotonic() - started))

            async with anyio.create_task_group() as tg:
                tg.start_soon(client.get_journey_actiontarget, "slow")
                tg.start_soon(queued)
            assert len(errors) == 1
            exc, elapsed = errors[0]
            assert isinstance(exc, RequestTimeoutError), exc
            assert elapsed <= 0.5 + MARGIN, elapsed
            assert server.requests == ["/api/v2/journey/actiontargets/slow"]


# ---------------------------------------------------------------------------------------------
# A server that never answers


async def never_answer(server, reader, writer, target) -> bool:
    """Read until the client hangs up; never answer."""
    await reader.read()
    return False


async def test_a_silent_server_ends_the_call_at_the_budget_with_a_precise_message():
    """timeout=30, RetryPolicy(budget=1.0), a server that never answers: RequestTimeoutError
    after ~1 s whose message names the method, the URL without query, attempts and time."""
    with raw_server(never_answer) as server, anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN,
            base_url=server.url,
            **CLIENT_OPTIONS,
            timeout=30.0,
            retry=RetryPolicy(budget=1.0),
        ) as client:
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError) as info:
                await client.get_journey_session_segments(
                    "s1", page_size=5, after="cursor-secret-77"
                )
            elapsed = time.monotonic() - started
            assert isinstance(info.value, TimeoutError)
            assert 0.8 <= elapsed <= 1.0 + MARGIN, elapsed
            message = str(info.value)
            assert message.startswith("GET ")
            assert f"{server.url}/api/v2/journey/sessions/s1/segments" in message
            assert "?" not in message
            assert "cursor-secret-77" not in message
            assert "pageSize" not in message
            assert TOKEN not in message
            attempts = re.search(r"\((\d+) attempts? in (\d+(?:\.\d+)?) s\)", message)
            assert attempts is not None, message
            assert int(attempts.group(1)) == len(server.requests) >= 1
            assert 0.5 <= float(attempts.group(2)) <= 1.0 + MARGIN, message
            with anyio.fail_after(5):
                assert (await client.get_journey_actiontarget("ok")).id == "ok"


async def test_a_silent_server_with_short_timeouts_counts_every_attempt_in_the_message():
    """timeout=0.3, budget 1.5 s, no backoff: several attempts, all within the budget, and the
    message's attempt count is the number of requests the server received."""
    policy = RetryPolicy(max_attempts=10, backoff_base=0.0, budget=1.5)
    with raw_server(never_answer) as server, anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN, base_url=server.url, **CLIENT_OPTIONS, timeout=0.3, retry=policy
        ) as client:
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError) as info:
                await client.get_journey_actiontarget("silent")
            elapsed = time.monotonic() - started
    assert elapsed <= 1.5 + MARGIN, elapsed
    attempts = re.search(r"\((\d+) attempts in", str(info.value))
    assert attempts is not None, str(info.value)
    assert int(attempts.group(1)) == len(server.requests) >= 2


# ---------------------------------------------------------------------------------------------
# The rate-limit gate


class GateServer:
    """MockTransport handler: the first request gets 429 with Retry-After: 5, the rest 200."""

    def __init__(self, retry_after: str = "5") -> None:
        self.retry_after = retry_after
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.url.path)
        if len(self.requests) == 1:
            return httpx.Response(
                429,
                headers={"Retry-After": self.retry_after},
                json={"status": 429, "code": "too.many.requests", "message": "slow down"},
            )
        return httpx.Response(200, json={"id": "after", "name": "fine"})


async def test_a_closed_gate_longer_than_the_budget_fails_at_once_with_real_time():
    """After a 429 with Retry-After: 5, a call with budget 1 s raises RateLimitError at once
    (retry_after about 5), not after waiting out its 1 s budget; nothing is sent."""
    server = GateServer()
    with anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN,
            base_url="https://api.test.invalid",
            transport=httpx.MockTransport(server),
            retry=RetryPolicy(budget=1.0),
        ) as client:
            with pytest.raises(RateLimitError) as first:
                await client.get_journey_actiontarget("a")
            assert first.value.retry_after == pytest.approx(5.0)
            started = time.monotonic()
            with pytest.raises(RateLimitError) as second:
                await client.get_journey_actiontarget("b")
            elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"took {elapsed:.2f} s: it waited for its budget instead of failing"
    assert second.value.retry_after is not None
    assert 3.5 <= second.value.retry_after <= 5.0, second.value.retry_after
    assert server.requests == ["/api/v2/journey/actiontargets/a"]


async def test_a_closed_gate_longer_than_the_budget_fails_without_sleeping_then_reopens():
    """Fake clock: after the 429 the next call fails with no sleep at all; once the fake clock
    passes the 5 s the gate is open and a call goes through."""
    clock = FakeClock()
    server = GateServer()
    with anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN,
            base_url="https://api.test.invalid",
            transport=httpx.MockTransport(server),
            retry=RetryPolicy(budget=1.0),
            clock=clock,
            sleep=clock.sleep,
        ) as client:
            with pytest.raises(RateLimitError):
                await client.get_journey_actiontarget("a")
            clock.now += 1.0
            with pytest.raises(RateLimitError) as second:
                await client.get_journey_actiontarget("b")
            assert second.value.retry_after == pytest.approx(4.0)
            assert clock.waits == []
            assert server.requests == ["/api/v2/journey/actiontargets/a"]
            clock.now += 4.5
            target = await client.get_journey_actiontarget("c")
            assert target.id == "after"
            assert server.requests[-1] == "/api/v2/journey/actiontargets/c"


async def test_a_closed_gate_shorter_than_the_budget_is_waited_for():
    """The counterpart: with budget 10 s a 5 s gate is waited out (fake clock) and the call
    succeeds with a single request."""
    clock = FakeClock()
    server = GateServer()
    with anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN,
            base_url="https://api.test.invalid",
            transport=httpx.MockTransport(server),
            retry=RetryPolicy(budget=10.0),
            clock=clock,
            sleep=clock.sleep,
        ) as client:
            target = await client.get_journey_actiontarget("a")  # 429, waits 5 s, retried
            assert target.id == "after"
            assert sum(clock.waits) == pytest.approx(5.0)
            assert server.requests == ["/api/v2/journey/actiontargets/a"] * 2


async def test_many_calls_at_a_closed_gate_all_fail_at_once():
    """50 concurrent calls at a gate closed for 5 s with budget 1 s: all RateLimitError at
    once, none sent, none waiting."""
    server = GateServer()
    errors: list[BaseException] = []

    async def one(client: JourneyClient, i: int) -> None:
        try:
            await client.get_journey_actiontarget(f"x{i}")
        except RateLimitError as exc:
            errors.append(exc)

    with anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN,
            base_url="https://api.test.invalid",
            transport=httpx.MockTransport(server),
            retry=RetryPolicy(budget=1.0),
        ) as client:
            with pytest.raises(RateLimitError):
                await client.get_journey_actiontarget("a")
            started = time.monotonic()
            async with anyio.create_task_group() as tg:
                for i in range(50):
                    tg.start_soon(one, client, i)
            elapsed = time.monotonic() - started
            assert client.rate_limit_gate.waiting == 0
    assert len(errors) == 50
    assert all(e.retry_after is not None and e.retry_after > 3.5 for e in errors)
    assert elapsed < 1.0, elapsed
    assert len(server.requests) == 1
