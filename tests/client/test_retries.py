"""Retries, Retry-After, the client-wide rate-limit gate and retry logging, on asyncio and trio."""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx

from journey_async import (
    ActionTarget,
    JourneyClient,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TransportError,
)
from journey_async.errors import ApiError

if TYPE_CHECKING:
    from conftest import SleepRecorder

pytestmark = pytest.mark.anyio

BASE_URL = "https://api.test.invalid"  # as in conftest.py
TOKEN = "test-token-3f9a"  # the token of conftest.py
PATH = "/api/v2/journey/actiontargets/t1"
OK_BODY = {"id": "t1", "name": "Target one"}


@asynccontextmanager
async def make_client(
    router: respx.Router,
    sleep: Callable[[float], object],
    clock: Callable[[], float],
    **kwargs: object,
) -> AsyncIterator[JourneyClient]:
    """A JourneyClient over `router` (MockTransport) with the given fake sleep and clock."""
    kwargs.setdefault("retry", RetryPolicy())
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http,
        JourneyClient(
            TOKEN,
            base_url=BASE_URL,
            http_client=http,
            sleep=sleep,  # type: ignore[arg-type]
            clock=clock,
            **kwargs,  # type: ignore[arg-type]
        ) as client,
    ):
        yield client


def sequence(*responses: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    """A side effect serving `responses` in order (exceptions are raised with the request)."""
    remaining = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = remaining.pop(0)
        if isinstance(item, Exception):
            raise type(item)(str(item), request=request)  # type: ignore[call-arg]
        return item

    return handler


def ok() -> httpx.Response:
    return httpx.Response(200, json=OK_BODY)


# ---------------------------------------------------------------------------------------------
# Status retries and Retry-After


async def test_503_then_200_succeeds_after_one_backoff_wait(
    router: respx.Router, sleeper: SleepRecorder
):
    """A 503 without Retry-After is retried after one full-jitter backoff wait."""
    route = router.get(PATH).mock(side_effect=sequence(httpx.Response(503), ok()))
    async with make_client(router, sleeper, sleeper.clock) as client:
        target = await client.get_journey_actiontarget("t1")
    assert target == ActionTarget(id="t1", name="Target one")
    assert route.call_count == 2
    assert len(sleeper.waits) == 1
    assert 0.0 <= sleeper.waits[0] <= 0.5


@pytest.mark.parametrize("status", [502, 504])
async def test_other_gateway_errors_are_retried(
    router: respx.Router, sleeper: SleepRecorder, status: int
):
    """502 and 504 are in the default retry statuses and are retried to success."""
    route = router.get(PATH).mock(side_effect=sequence(httpx.Response(status), ok()))
    async with make_client(router, sleeper, sleeper.clock) as client:
        await client.get_journey_actiontarget("t1")
    assert route.call_count == 2
    assert len(sleeper.waits) == 1


async def test_429_with_retry_after_waits_exactly_that_long(
    router: respx.Router, sleeper: SleepRecorder
):
    """A 429 with Retry-After: 2 waits exactly 2 s (no extra gate wait) and then succeeds."""
    route = router.get(PATH).mock(
        side_effect=sequence(httpx.Response(429, headers={"Retry-After": "2"}), ok())
    )
    async with make_client(router, sleeper, sleeper.clock) as client:
        target = await client.get_journey_actiontarget("t1")
    assert target.id == "t1"
    assert route.call_count == 2
    assert sleeper.waits == [2.0]


async def test_fractional_retry_after_wins_over_backoff_on_503(
    router: respx.Router, sleeper: SleepRecorder
):
    """A 503 with a fractional Retry-After waits that value instead of a backoff draw."""
    route = router.get(PATH).mock(
        side_effect=sequence(httpx.Response(503, headers={"Retry-After": "1.5"}), ok())
    )
    async with make_client(router, sleeper, sleeper.clock) as client:
        await client.get_journey_actiontarget("t1")
    assert route.call_count == 2
    assert sleeper.waits == [1.5]


async def test_bare_429_waits_default_retry_after(router: respx.Router, sleeper: SleepRecorder):
    """A 429 without Retry-After waits default_retry_after (3 s) and then succeeds."""
    route = router.get(PATH).mock(side_effect=sequence(httpx.Response(429), ok()))
    async with make_client(router, sleeper, sleeper.clock) as client:
        await client.get_journey_actiontarget("t1")
    assert route.call_count == 2
    assert sleeper.waits == [3.0]


async def test_bare_429_uses_custom_default_retry_after(
    router: respx.Router, sleeper: SleepRecorder
):
    """A custom default_retry_after is the wait after a bare 429."""
    router.get(PATH).mock(side_effect=sequence(httpx.Response(429), ok()))
    async with make_client(
        router, sleeper, sleeper.clock, retry=RetryPolicy(default_retry_after=7.0)
    ) as client:
        await client.get_journey_actiontarget("t1")
    assert sleeper.waits == [7.0]


async def test_retry_after_as_http_date_is_honoured(router: respx.Router, sleeper: SleepRecorder):
    """A Retry-After HTTP date 30 s ahead of the wall clock waits about 30 s."""
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    route = router.get(PATH).mock(
        side_effect=sequence(httpx.Response(429, headers={"Retry-After": when}), ok())
    )
    async with make_client(router, sleeper, sleeper.clock) as client:
        await client.get_journey_actiontarget("t1")
    assert route.call_count == 2
    assert 28.0 <= sleeper.waits[0] <= 30.0
    assert 28.0 <= sum(sleeper.waits) <= 30.0


async def test_http_date_retry_after_is_one_sleep(
    router: respx.Router, sleeper: SleepRecorder, monkeypatch: pytest.MonkeyPatch
):
    """An HTTP-date Retry-After gives one sleep, not a retry sleep plus a leftover gate sleep."""
    ticks = [0]

    def wall_clock() -> float:
        # Wall time that follows the fake clock and moves on 1 ms per reading, as real time does.
        ticks[0] += 1
        return 1_700_000_000.0 + sleeper.now + ticks[0] / 1000

    when = email.utils.formatdate(wall_clock() + 30, usegmt=True)
    monkeypatch.setattr(time, "time", wall_clock)
    router.get(PATH).mock(
        side_effect=sequence(httpx.Response(429, headers={"Retry-After": when}), ok())
    )
    async with make_client(router, sleeper, sleeper.clock) as client:
        await client.get_journey_actiontarget("t1")
    assert len(sleeper.waits) == 1, sleeper.waits


async def test_retry_after_over_max_raises_rate_limit_error_at_once(
    router: respx.Router, sleeper: SleepRecorder
):
    """A Retry-After above max_retry_after is not waited for: RateLimitError at once."""
    route = router.get(PATH).respond(
        429,
        headers={"Retry-After": "300", "inin-correlation-id": "corr-429"},
        json={"status": 429, "code": "too.many.requests.retry.after", "message": "slow down"},
    )
    async with make_client(router, sleeper, sleeper.clock) as client:
        with pytest.raises(RateLimitError) as info:
            await client.get_journey_actiontarget("t1")
    assert route.call_count == 1
    assert sleeper.waits == []
    assert info.value.retry_after == 300.0
    assert info.value.status == 429
    assert info.value.correlation_id == "corr-429"


async def test_retry_after_over_the_budget_raises_at_once(
    router: respx.Router, sleeper: SleepRecorder
):
    """A Retry-After larger than the whole-call budget is not waited for."""
    route = router.get(PATH).respond(429, headers={"Retry-After": "11"})
    async with make_client(
        router, sleeper, sleeper.clock, retry=RetryPolicy(budget=10.0)
    ) as client:
        with pytest.raises(RateLimitError) as info:
            await client.get_journey_actiontarget("t1")
    assert route.call_count == 1
    assert sleeper.waits == []
    assert info.value.retry_after == 11.0


async def test_retry_after_over_what_is_left_of_the_budget_raises(
    router: respx.Router, sleeper: SleepRecorder
):
    """The budget counts time already slept: a second 6 s wait under a 10 s budget is refused."""
    route = router.get(PATH).respond(429, headers={"Retry-After": "6"})
    async with make_client(
        router, sleeper, sleeper.clock, retry=RetryPolicy(budget=10.0)
    ) as client:
        with pytest.raises(RateLimitError) as info:
            await client.get_journey_actiontarget("t1")
    assert route.call_count == 2
    assert sleeper.waits == [6.0]
    assert info.value.retry_after == 6.0


async def test_503_with_big_retry_after_raises_server_error_at_once(
    router: respx.Router, sleeper: SleepRecorder
):
    """A 503 whose Retry-After exceeds max_retry_after raises ServerError with .retry_after."""
    route = router.get(PATH).respond(503, headers={"Retry-After": "600"})
    async with make_client(router, sleeper, sleeper.clock) as client:
        with pytest.raises(ServerError) as info:
            await client.get_journey_actiontarget("t1")
    assert route.call_count == 1
    assert sleeper.waits == []
    assert info.value.status == 503
    assert info.value.retry_after == 600.0


async def test_max_attempts_exhausted_raises_the_last_status(
    router: respx.Router, sleeper: SleepRecorder
):
    """After max_attempts failures the error of the last response is raised."""
    route = router.get(PATH).mock(
        side_effect=sequence(
            httpx.Response(502), httpx.Response(503), httpx.Response(502), httpx.Response(504)
        )
    )
    async with make_client(router, sleeper, sleeper.clock) as client:
        with pytest.raises(ServerError) as info:
            await client.get_journey_actiontarget("t1")
    assert info.value.status == 504
    assert info.value.retry_after is None
    assert route.call_count == 4
    assert len(sleeper.waits) == 3


async def test_custom_max_attempts_counts_the_first_try(
    router: respx.Router, sleeper: SleepRecorder
):
    """max_attempts=2 sends exactly two requests for a persistent 429."""
    route = router.get(PATH).respond(429, headers={"Retry-After": "1"})
    async with make_client(
        router, sleeper, sleeper.clock, retry=RetryPolicy(max_attempts=2)
    ) as client:
        with pytest.raises(RateLimitError) as info:
            await client.get_journey_actiontarget("t1")
    assert route.call_count == 2
    assert info.value.retry_after == 1.0


async def test_500_is_not_retried(router: respx.Router, sleeper: SleepRecorder):
    """A 500 is not a retry status: ServerError after one request, no sleep."""
    route = router.get(PATH).respond(500, json={"message": "boom"})
    async with make_client(router, sleeper, sleeper.clock) as client:
        with pytest.raises(ServerError) as info:
            await client.get_journey_actiontarget("t1")
    assert info.value.status == 500
    assert route.call_count == 1
    assert sleeper.waits == []


async def test_retry_none_raises_503_after_one_request(
    router: respx.Router, sleeper: SleepRecorder
):
    """With retry=None a 503 is raised after exactly one request."""
    route = router.get(PATH).respond(503, headers={"Retry-After": "1"})
    async with make_client(router, sleeper, sleeper.clock, retry=None) as client:
        with pytest.raises(ServerError) as info:
            await client.get_journey_actiontarget("t1")
    assert route.call_count == 1
    assert sleeper.waits == []
    assert info.value.retry_after == 1.0


async def test_retry_none_does_not_retry_connect_errors(
    router: respx.Router, sleeper: SleepRecorder
):
    """With retry=None even a never-sent ConnectError is raised after one try."""
    route = router.get(PATH).mock(side_effect=sequence(httpx.ConnectError("refused"), ok()))
    async with make_client(router, sleeper, sleeper.clock, retry=None) as client:
        with pytest.raises(TransportError) as info:
            await client.get_journey_actiontarget("t1")
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert route.call_count == 1
    assert sleeper.waits == []


async def test_429_not_retried_still_pauses_the_next_call(
    router: respx.Router, sleeper: SleepRecorder
):
    """A 429 with Retry-After closes the client's gate even when it is not retried."""
    route = router.get(PATH).mock(
        side_effect=sequence(httpx.Response(429, headers={"Retry-After": "5"}), ok())
    )
    async with make_client(router, sleeper, sleeper.clock, retry=None) as client:
        with pytest.raises(RateLimitError):
            await client.get_journey_actiontarget("t1")
        assert sleeper.waits == []
        await client.get_journey_actiontarget("t1")
    assert sleeper.waits == [5.0]
    assert route.call_count == 2


# ---------------------------------------------------------------------------------------------
# Transport errors


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
async def test_never_sent_errors_are_retried_then_succeed(
    router: respx.Router, sleeper: SleepRecorder, error: type[httpx.TransportError]
):
    """Connect errors and connect/pool timeouts (never sent) are retried with backoff."""
    route = router.get(PATH).mock(side_effect=sequence(error("nope"), error("nope"), ok()))
    async with make_client(router, sleeper, sleeper.clock) as client:
        target = await client.get_journey_actiontarget("t1")
    assert target.id == "t1"
    assert route.call_count == 3
    assert len(sleeper.waits) == 2
    assert 0.0 <= sleeper.waits[0] <= 0.5
    assert 0.0 <= sleeper.waits[1] <= 1.0


async def test_never_sent_errors_are_retried_even_without_retry_timeouts(
    router: respx.Router, sleeper: SleepRecorder
):
    """retry_timeouts=False does not stop retries of a ConnectError."""
    route = router.get(PATH).mock(side_effect=sequence(httpx.ConnectError("refused"), ok()))
    async with make_client(
        router, sleeper, sleeper.clock, retry=RetryPolicy(retry_timeouts=False)
    ) as client:
        await client.get_journey_actiontarget("t1")
    assert route.call_count == 2


async def test_connect_errors_exhausted_raise_transport_error(
    router: respx.Router, sleeper: SleepRecorder
):
    """A ConnectError on every attempt raises TransportError with the httpx error as cause."""
    calls = 0

    def refuse(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("connection refused", request=request)

    router.get(PATH).mock(side_effect=refuse)
    async with make_client(router, sleeper, sleeper.clock) as client:
        with pytest.raises(TransportError) as info:
            await client.get_journey_actiontarget("t1")
    assert calls == 4
    assert len(sleeper.waits) == 3
    assert isinstance(info.value.__cause__, httpx.ConnectError)


@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.RemoteProtocolError])
async def test_maybe_sent_errors_retried_when_retry_timeouts(
    router: respx.Router, sleeper: SleepRecorder, error: type[httpx.TransportError]
):
    """Read timeouts and dropped responses are retried when retry_timeouts is true."""
    route = router.get(PATH).mock(side_effect=sequence(error("dropped"), ok()))
    async with make_client(
        router, sleeper, sleeper.clock, retry=RetryPolicy(retry_timeouts=True)
    ) as client:
        target = await client.get_journey_actiontarget("t1")
    assert target.id == "t1"
    assert route.call_count == 2
    assert len(sleeper.waits) == 1


@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.RemoteProtocolError])
async def test_maybe_sent_errors_not_retried_without_retry_timeouts(
    router: respx.Router, sleeper: SleepRecorder, error: type[httpx.TransportError]
):
    """With retry_timeouts=False a read timeout or dropped response is a TransportError at once."""
    route = router.get(PATH).mock(side_effect=sequence(error("dropped"), ok()))
    async with make_client(
        router, sleeper, sleeper.clock, retry=RetryPolicy(retry_timeouts=False)
    ) as client:
        with pytest.raises(TransportError) as info:
            await client.get_journey_actiontarget("t1")
    assert isinstance(info.value.__cause__, error)
    assert route.call_count == 1
    assert sleeper.waits == []
    assert TOKEN not in str(info.value)
    assert info.value.request is not None
    assert info.value.request.headers["Authorization"] == "[redacted]"


# ---------------------------------------------------------------------------------------------
# Closing the failed response


class TrackedStream(httpx.AsyncByteStream):
    """A response body that records whether it was closed."""

    def __init__(self) -> None:
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"message": "unavailable"}'

    async def aclose(self) -> None:
        self.closed = True


async def test_failed_response_is_closed_before_sleeping(
    router: respx.Router, sleeper: SleepRecorder
):
    """The retry closes an unread failed response before it sleeps."""
    streams: list[TrackedStream] = []
    closed_at_sleep: list[bool] = []

    async def unavailable_once(request, call_next):
        if not streams:
            stream = TrackedStream()
            streams.append(stream)
            return httpx.Response(503, stream=stream, request=request)
        return await call_next(request)

    async def checking_sleep(seconds: float) -> None:
        closed_at_sleep.append(all(s.closed for s in streams))
        await sleeper(seconds)

    router.get(PATH).respond(200, json=OK_BODY)
    async with make_client(
        router, checking_sleep, sleeper.clock, middleware=[unavailable_once]
    ) as client:
        await client.get_journey_actiontarget("t1")
    assert len(streams) == 1
    assert closed_at_sleep == [True]


# ---------------------------------------------------------------------------------------------
# The client-wide rate-limit gate


async def test_one_429_pauses_every_concurrent_request(router: respx.Router):
    """After one 429 with Retry-After, the other 49 concurrent calls wait instead of hitting 429."""
    now = [1000.0]
    waits: list[float] = []
    limited_until = [0.0]
    served = {"429": 0, "200": 0}

    def clock() -> float:
        return now[0]

    async def sleep(seconds: float) -> None:
        # Let other tasks run, then wake at the deadline (a tiny virtual-time scheduler).
        wake = now[0] + seconds
        waits.append(seconds)
        await anyio.lowlevel.checkpoint()
        now[0] = max(now[0], wake)

    def server(request: httpx.Request) -> httpx.Response:
        first = served["429"] == 0 and served["200"] == 0
        if first:
            limited_until[0] = now[0] + 1.0
        if first or now[0] < limited_until[0]:
            served["429"] += 1
            return httpx.Response(429, headers={"Retry-After": "1"})
        served["200"] += 1
        return httpx.Response(200, json=OK_BODY)

    router.get(PATH).mock(side_effect=server)
    results: list[ActionTarget] = []

    async def one(client: JourneyClient) -> None:
        results.append(await client.get_journey_actiontarget("t1"))

    async with make_client(router, sleep, clock) as client, anyio.create_task_group() as tg:
        for _ in range(50):
            tg.start_soon(one, client)
    assert len(results) == 50
    assert served["200"] == 50
    assert served["429"] < 5  # without the gate, all 50 would have hit 429
    assert max(waits) <= 1.0


# ---------------------------------------------------------------------------------------------
# Logging


async def test_each_retry_is_logged_at_info_with_attempt_wait_and_correlation_id(
    router: respx.Router, sleeper: SleepRecorder, caplog: pytest.LogCaptureFixture
):
    """Every retry logs one INFO line naming the attempt number, the wait and the correlation id."""
    caplog.set_level(logging.INFO, logger="journey_async")
    router.get(PATH).mock(
        side_effect=sequence(
            httpx.Response(429, headers={"Retry-After": "2", "inin-correlation-id": "corr-a"}),
            httpx.Response(503, headers={"Retry-After": "1", "inin-correlation-id": "corr-b"}),
            ok(),
        )
    )
    async with make_client(router, sleeper, sleeper.clock) as client:
        await client.get_journey_actiontarget("t1")
    infos = [r for r in caplog.records if r.name == "journey_async" and r.levelno == logging.INFO]
    assert len(infos) == 2
    first, second = (r.getMessage() for r in infos)
    assert "attempt 1" in first and "2.000" in first and "corr-a" in first
    assert "attempt 2" in second and "1.000" in second and "corr-b" in second
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_giving_up_is_logged_at_warning(
    router: respx.Router, sleeper: SleepRecorder, caplog: pytest.LogCaptureFixture
):
    """Exhausting max_attempts logs one WARNING naming the attempts made."""
    caplog.set_level(logging.INFO, logger="journey_async")
    router.get(PATH).respond(503)
    async with make_client(router, sleeper, sleeper.clock) as client:
        with pytest.raises(ServerError):
            await client.get_journey_actiontarget("t1")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].name == "journey_async"
    assert "4 attempts" in warnings[0].getMessage()
    assert len([r for r in caplog.records if r.levelno == logging.INFO]) == 3


async def test_every_attempt_is_logged_at_debug_without_the_token(
    router: respx.Router, sleeper: SleepRecorder, caplog: pytest.LogCaptureFixture
):
    """At DEBUG each attempt gets one line, and no log line contains the token."""
    caplog.set_level(logging.DEBUG)
    router.get(PATH).mock(
        side_effect=sequence(
            httpx.Response(503, headers={"inin-correlation-id": "corr-d"}),
            httpx.ConnectError("refused"),
            ok(),
        )
    )
    async with make_client(router, sleeper, sleeper.clock) as client:
        await client.get_journey_actiontarget("t1")
    debug = [r for r in caplog.records if r.name == "journey_async" and r.levelno == logging.DEBUG]
    assert len(debug) == 3
    assert "503" in debug[0].getMessage() and "corr-d" in debug[0].getMessage()
    assert "ConnectError" in debug[1].getMessage()
    assert "200" in debug[2].getMessage()
    assert TOKEN not in caplog.text
    assert "Bearer" not in caplog.text


async def test_error_messages_name_status_and_never_the_token(
    router: respx.Router, sleeper: SleepRecorder
):
    """A raised ApiError carries the redacted request and no token in its message."""
    router.get(PATH).respond(503, headers={"inin-correlation-id": "corr-e"})
    async with make_client(router, sleeper, sleeper.clock) as client:
        with pytest.raises(ApiError) as info:
            await client.get_journey_actiontarget("t1")
    assert "503" in str(info.value)
    assert "corr-e" in str(info.value)
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value)
    assert info.value.request.headers["Authorization"] == "[redacted]"
