"""One caller's cancellation never touches another (issue class 1).

Callers are cancelled the ways real applications cancel them (`anyio.fail_after`, a task
group's cancel, `asyncio.timeout`, `asyncio.wait_for`) while they hold the token grant, a slot
or the head of the rate-limit gate, or while they queue for one of them. The callers behind
them must go on: one of them takes over, and nobody sees another's cancellation. `map` never
returns a hole (`None`) for an item.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import pytest

from journey_async import ActionTarget, ClientCredentials, JourneyClient

pytestmark = pytest.mark.anyio

BASE_URL = "https://api.test.invalid"
LOGIN_URL = "https://login.test.invalid"


class Api:
    """The token endpoint and single action targets, with delays to cancel callers inside."""

    def __init__(self, *, grant_delay: float = 0.0, api_delay: float = 0.0) -> None:
        self.grant_delay = grant_delay
        self.api_delay = api_delay
        self.grants = 0
        self.api_requests = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            self.grants += 1
            number = self.grants
            await anyio.sleep(self.grant_delay)
            return httpx.Response(200, json={"access_token": f"tok-{number}", "expires_in": 3600})
        self.api_requests += 1
        await anyio.sleep(self.api_delay)
        return httpx.Response(200, json={"id": request.url.path.rsplit("/", 1)[-1]})


def make_client(api: Api, **kwargs: Any) -> JourneyClient:
    provider = ClientCredentials("client-id", "client-secret", login_url=LOGIN_URL)
    return JourneyClient(provider, base_url=BASE_URL, transport=httpx.MockTransport(api), **kwargs)


async def outcome(call: Callable[[], Awaitable[Any]]) -> Any:
    """The call's result, or the exception it raised (BaseExceptions included)."""
    try:
        return await call()
    except BaseException as exc:  # the test inspects what each caller saw
        return exc


async def run_callers(calls: list[Callable[[], Awaitable[Any]]], stagger: float) -> list[Any]:
    """Start the calls in order, `stagger` seconds apart (trio does not start tasks in order)."""
    results: list[Any] = [None] * len(calls)

    async def one(index: int) -> None:
        results[index] = await outcome(calls[index])

    async with anyio.create_task_group() as tg:
        for index in range(len(calls)):
            tg.start_soon(one, index)
            if stagger:
                await anyio.sleep(stagger)
    return results


def timed_out(seconds: float, call: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
    async def with_timeout() -> Any:
        with anyio.fail_after(seconds):
            return await call()

    return with_timeout


# ---------------------------------------------------------------------------------------------
# The token grant


async def test_grant_holder_timing_out_hands_the_grant_to_a_waiter():
    """The caller making the token request times out; the waiters get a token, not its error."""
    api = Api(grant_delay=0.3)
    with anyio.fail_after(10):
        async with make_client(api) as client:
            get = client.get_journey_actiontarget
            calls = [timed_out(0.1, lambda: get("t0"))]
            calls += [lambda i=i: get(f"t{i}") for i in range(1, 6)]
            # All at once, the holder first (asyncio keeps the start order; trio may not).
            results = await run_callers(calls, stagger=0)
    assert isinstance(results[0], TimeoutError)
    assert [r.id for r in results[1:]] == ["t1", "t2", "t3", "t4", "t5"]
    assert api.grants in (1, 2)  # the cancelled grant, then one for all the waiters


async def test_grant_holder_cancelled_by_a_cancel_scope_hands_over():
    """A cancel scope cancelled around the grant holder does not fail the other callers."""
    api = Api(grant_delay=0.3)
    results: list[Any] = []
    doomed = anyio.CancelScope()

    async def holder(client: JourneyClient) -> None:
        with doomed:
            await client.get_journey_actiontarget("holder")

    with anyio.fail_after(10):
        async with make_client(api) as client, anyio.create_task_group() as tg:
            tg.start_soon(holder, client)
            for i in range(5):
                tg.start_soon(_append, results, client.get_journey_actiontarget(f"t{i}"))
            await anyio.sleep(0.1)
            doomed.cancel()
    assert sorted(r.id for r in results) == ["t0", "t1", "t2", "t3", "t4"]
    assert api.grants in (1, 2)  # 2 when the holder asked first (trio may start another first)


async def _append(results: list[Any], call: Awaitable[Any]) -> None:
    results.append(await call)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_asyncio_timeout_of_grant_holder_inside_map_loses_no_result():
    """`asyncio.timeout` around one item of `map` during the grant: 19 models and one error."""
    if sys.version_info < (3, 11):
        pytest.skip("asyncio.timeout is Python 3.11+")
    api = Api(grant_delay=0.3)

    async def fetch(i: int) -> ActionTarget:
        if i == 0:
            async with asyncio.timeout(0.1):
                return await client.get_journey_actiontarget("t0")
        return await client.get_journey_actiontarget(f"t{i}")  # item 0 starts first

    with anyio.fail_after(10):
        async with make_client(api) as client:
            results = await client.map(fetch, range(20), concurrency=20, return_exceptions=True)
    assert isinstance(results[0], TimeoutError)
    assert all(isinstance(r, ActionTarget) for r in results[1:])
    assert [r.id for r in results[1:]] == [f"t{i}" for i in range(1, 20)]


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_wait_for_timeout_of_grant_holder_does_not_cancel_gather_siblings():
    """`asyncio.wait_for` on the grant holder: `gather` of the others returns all results."""
    api = Api(grant_delay=0.3)
    async with make_client(api) as client:
        holder = asyncio.ensure_future(asyncio.wait_for(client.get_journey_actiontarget("t0"), 0.1))
        others = await asyncio.wait_for(
            asyncio.gather(*(client.get_journey_actiontarget(f"t{i}") for i in range(1, 9))),
            10,
        )
        with pytest.raises(TimeoutError):
            await holder
    assert [r.id for r in others] == [f"t{i}" for i in range(1, 9)]


async def test_map_with_per_item_timeouts_returns_a_value_or_an_error_per_item():
    """Per-item timeouts on every third item during the grant: no `None` in `map`'s result."""
    api = Api(grant_delay=0.2)

    async def fetch(i: int) -> ActionTarget:
        with anyio.fail_after(0.05 if i % 3 == 0 else 10):
            return await client.get_journey_actiontarget(f"t{i}")

    with anyio.fail_after(10):
        async with make_client(api) as client:
            results = await client.map(fetch, range(20), concurrency=20, return_exceptions=True)
    assert None not in results
    for i, result in enumerate(results):
        if i % 3 == 0:
            assert isinstance(result, TimeoutError | ActionTarget)
        else:
            assert isinstance(result, ActionTarget) and result.id == f"t{i}"


# ---------------------------------------------------------------------------------------------
# In-flight slots


async def test_slot_holder_cancelled_mid_request_passes_its_slot_on():
    """The request holding the only slot is cancelled; the queued callers get the slot."""
    api = Api(api_delay=0.2)
    with anyio.fail_after(10):
        async with make_client(api, max_in_flight=1) as client:
            get = client.get_journey_actiontarget
            await get("warm")  # the token, so only the slot is contended
            calls = [timed_out(0.05, lambda: get("t0"))]
            calls += [lambda i=i: get(f"t{i}") for i in range(1, 4)]
            results = await run_callers(calls, stagger=0.01)
            slots = client._in_flight
            assert slots is not None and slots.in_use == 0 and slots.waiting == 0
    assert isinstance(results[0], TimeoutError)
    assert [r.id for r in results[1:]] == ["t1", "t2", "t3"]


async def test_queued_slot_waiters_cancelled_leave_the_queue_at_once():
    """Callers timing out in the slot queue leave it; the slot goes to the next live one."""
    api = Api(api_delay=0.2)
    with anyio.fail_after(10):
        async with make_client(api, max_in_flight=1) as client:
            get = client.get_journey_actiontarget
            await get("warm")
            calls: list[Callable[[], Awaitable[Any]]] = [lambda: get("t0")]
            calls += [timed_out(0.05, lambda i=i: get(f"x{i}")) for i in range(5)]
            calls += [lambda: get("t1")]
            results = await run_callers(calls, stagger=0.005)
            slots = client._in_flight
            assert slots is not None and slots.waiting == 0 and slots.in_use == 0
    assert results[0].id == "t0" and results[-1].id == "t1"
    assert all(isinstance(r, TimeoutError) for r in results[1:-1])
    assert api.api_requests == 3  # warm, t0, t1: the cancelled waiters sent nothing


# ---------------------------------------------------------------------------------------------
# The rate-limit gate


async def test_gate_head_cancelled_hands_the_head_to_the_next_waiter():
    """The first waiter at a closed gate times out; the others pass when the pause ends."""
    api = Api()
    with anyio.fail_after(10):
        async with make_client(api) as client:
            get = client.get_journey_actiontarget
            await get("warm")
            client.rate_limit_gate.pause_for(0.3)
            calls = [timed_out(0.05, lambda: get("t0"))]
            calls += [lambda i=i: get(f"t{i}") for i in range(1, 5)]
            results = await run_callers(calls, stagger=0.01)
            assert client.rate_limit_gate.waiting == 0
    assert isinstance(results[0], TimeoutError)
    assert [r.id for r in results[1:]] == ["t1", "t2", "t3", "t4"]


# ---------------------------------------------------------------------------------------------
# Holes in map


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_map_refuses_to_return_a_hole_for_a_stray_cancellation():
    """`fn` raising CancelledError without being cancelled: map raises, never returns None."""

    async def fn(i: int) -> int:
        if i == 3:
            raise asyncio.CancelledError  # not a cancellation of this task: a stray one
        await asyncio.sleep(0)
        return i

    async with make_client(Api()) as client:
        with pytest.raises(RuntimeError, match="cancellation"):
            await client.map(fn, range(10), return_exceptions=True)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_map_unordered_refuses_to_drop_an_item_silently():
    """`map_unordered` with a stray CancelledError in one call raises instead of ending short."""

    async def fn(i: int) -> int:
        if i == 3:
            raise asyncio.CancelledError
        await asyncio.sleep(0)
        return i

    async with make_client(Api()) as client:
        seen = []
        with pytest.raises(RuntimeError, match="cancellation"):
            async with client.map_unordered(fn, range(10)) as pairs:
                async for item, result in pairs:
                    seen.append((item, result))
        assert (3, None) not in seen and len(seen) < 10
