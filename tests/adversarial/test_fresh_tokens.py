"""Issue class 7: no request leaves with a token that went stale while it waited.

`ClientCredentials` caches a token until `expires_in - min(refresh_margin, expires_in / 2)`.
When a 429 closes the client's gate for longer than what is left of the token's life, the
requests held at the gate must pick their token after the pause (auth runs after the slot and
gate waits), so none carries the stale one, and the whole burst shares one new grant.

The token endpoint and the API are one MockTransport handler that knows when each token was
issued (on the same clock as the client) and records, for every API request, which token it
carried and whether that token was still fresh at that moment.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
import attrs
import httpx
import pytest

from journey_async import ClientCredentials, JourneyClient, RetryPolicy

pytestmark = pytest.mark.anyio

BASE_URL = "https://api.test.invalid"
GUARD = 20


class FakeClock:
    """A fake monotonic clock; `sleep(s)` lets a real moment pass (so every other task reaches
    its own wait: a slot, the gate, the token lock) and then moves the clock to `s` seconds
    after the sleep began. Concurrent sleeps ending at the same time do not add up."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        until = self.now + seconds
        await anyio.sleep(0.05)
        self.now = max(self.now, until)


@attrs.define
class Seen:
    token: str
    at: float
    fresh: bool
    status: int


class TokenAwareApi:
    """OAuth token endpoint plus an action-target API on one MockTransport handler.

    Tokens are `tok-1`, `tok-2`, ...; each is fresh for `life` seconds after issue (the
    client's effective life: `expires_in` minus the refresh margin). The first `limited` API
    requests get 429 with `Retry-After: retry_after`. A stale or unknown token gets 401.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        expires_in: int,
        life: float,
        retry_after: str,
        limited: int = 1,
    ) -> None:
        self.clock = clock
        self.expires_in = expires_in
        self.life = life
        self.retry_after = retry_after
        self.limited = limited
        self.issued: dict[str, float] = {}
        self.seen: list[Seen] = []
        self.api_requests = 0

    @property
    def grants(self) -> int:
        return len(self.issued)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        now = self.clock()
        if request.url.path == "/oauth/token":
            assert request.headers["Authorization"].startswith("Basic ")
            token = f"tok-{len(self.issued) + 1}"
            self.issued[token] = now
            return httpx.Response(
                200,
                json={"access_token": token, "token_type": "bearer", "expires_in": self.expires_in},
            )
        self.api_requests += 1
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        issued = self.issued.get(token)
        fresh = issued is not None and now < issued + self.life
        if self.api_requests <= self.limited:
            status = 429
            response = httpx.Response(
                429,
                headers={"Retry-After": self.retry_after},
                json={"status": 429, "code": "too.many.requests", "message": "slow down"},
            )
        elif not fresh:
            status = 401
            response = httpx.Response(
                401, json={"status": 401, "code": "authentication.required", "message": "expired"}
            )
        else:
            status = 200
            target_id = request.url.path.rsplit("/", 1)[-1]
            response = httpx.Response(200, json={"id": target_id, "name": "fresh"})
        self.seen.append(Seen(token, now, fresh, status))
        return response


async def run_burst(client: JourneyClient, n: int) -> dict[int, object]:
    """`n` concurrent calls; each result is the target id or the exception raised."""
    results: dict[int, object] = {}

    async def one(i: int) -> None:
        try:
            results[i] = (await client.get_journey_actiontarget(f"id-{i}")).id
        except Exception as exc:
            results[i] = exc

    async with anyio.create_task_group() as tg:
        for i in range(n):
            tg.start_soon(one, i)
    return results


@pytest.mark.parametrize("max_in_flight", [8, None], ids=["in_flight=8", "in_flight=None"])
async def test_a_gate_pause_longer_than_the_token_life_sends_no_stale_token(max_in_flight):
    """50 calls; the first request gets 429 Retry-After: 30 while tokens live 20 s
    (expires_in=40): after the pause no request carries an expired token, and exactly one
    second token is granted."""
    clock = FakeClock()
    api = TokenAwareApi(clock, expires_in=40, life=20.0, retry_after="30")
    provider = ClientCredentials("client-id", "client-secret", clock=clock)
    with anyio.fail_after(GUARD):
        async with JourneyClient(
            provider,
            base_url=BASE_URL,
            transport=httpx.MockTransport(api),
            retry=RetryPolicy(max_attempts=4, budget=120.0),
            max_in_flight=max_in_flight,
            clock=clock,
            sleep=clock.sleep,
        ) as client:
            results = await run_burst(client, 50)
    assert results == {i: f"id-{i}" for i in range(50)}, [
        r for r in results.values() if isinstance(r, Exception)
    ]
    assert 1030.0 <= clock.now < 1060.0  # the pause happened on the shared clock, once
    stale = [s for s in api.seen if not s.fresh]
    assert stale == [], stale
    assert [s.status for s in api.seen].count(401) == 0
    assert api.grants == 2, api.issued
    assert provider.token_requests == 2
    after_pause = [s for s in api.seen if s.at >= 1030.0]
    assert after_pause, api.seen
    assert {s.token for s in after_pause} == {"tok-2"}


async def test_a_gate_pause_with_real_time_sends_no_expired_token():
    """Real clock, scaled down: tokens expire 2 s after issue (expires_in=2, refreshed after
    1 s), a 429 with Retry-After: 2.5 holds 50 calls: no request carries an expired token,
    no 401, and exactly one second grant."""

    class SlowApi(TokenAwareApi):
        async def handle(self, request: httpx.Request) -> httpx.Response:
            response = self(request)  # recorded on arrival, before the latency
            await anyio.sleep(0.02)
            return response

    api = SlowApi(time.monotonic, expires_in=2, life=2.0, retry_after="2.5")
    provider = ClientCredentials("client-id", "client-secret")
    with anyio.fail_after(GUARD):
        async with JourneyClient(
            provider,
            base_url=BASE_URL,
            transport=httpx.MockTransport(api.handle),
            retry=RetryPolicy(max_attempts=4, budget=30.0),
        ) as client:
            started = time.monotonic()
            results = await run_burst(client, 50)
            elapsed = time.monotonic() - started
    assert results == {i: f"id-{i}" for i in range(50)}, [
        r for r in results.values() if isinstance(r, Exception)
    ]
    assert elapsed >= 2.0  # the pause happened
    expired = [s for s in api.seen if not s.fresh]
    assert expired == [], expired
    assert [s.status for s in api.seen].count(401) == 0
    assert api.grants == 2, api.issued


async def test_a_token_that_goes_stale_while_queued_for_a_slot_is_not_sent():
    """max_in_flight=1 and a fake clock that jumps 25 s during the first request: the calls
    queued for the slot pick a fresh token when they get it (one second grant, none stale)."""
    clock = FakeClock()
    api = TokenAwareApi(clock, expires_in=40, life=20.0, retry_after="0", limited=0)

    async def slow_first(request: httpx.Request) -> httpx.Response:
        response = api(request)
        if request.url.path != "/oauth/token" and api.api_requests == 1:
            await anyio.sleep(0.05)  # the other calls queue for the slot meanwhile
            clock.now += 25.0  # the first request takes 25 s of fake time
        return response

    provider = ClientCredentials("client-id", "client-secret", clock=clock)
    with anyio.fail_after(GUARD):
        async with JourneyClient(
            provider,
            base_url=BASE_URL,
            transport=httpx.MockTransport(slow_first),
            retry=RetryPolicy(budget=120.0),
            max_in_flight=1,
            clock=clock,
            sleep=clock.sleep,
        ) as client:
            results = await run_burst(client, 10)
    assert results == {i: f"id-{i}" for i in range(10)}
    stale = [s for s in api.seen if not s.fresh]
    assert stale == [], stale
    assert api.grants == 2, api.issued
