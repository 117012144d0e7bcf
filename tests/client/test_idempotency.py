"""The creating POSTs of today's API are never re-sent once they may have reached the server:
a 500/502/504 answer or a read timeout / dropped response after sending is raised after one
request; a connection that was never made (ConnectError, connect/pool timeout) and a 429/503
answer (the server did not act on it) are retried. Idempotent operations retry as before."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import respx

from journey_async import JourneyClient, RetryPolicy
from journey_async.errors import RateLimitError, ServerError, TransportError

if TYPE_CHECKING:
    from conftest import SleepRecorder

pytestmark = pytest.mark.anyio

BASE_URL = "https://api.test.invalid"
TOKEN = "test-token-3f9a"
QUERY = {
    "interval": "2025-11-01T00:00:00.000Z/2025-11-02T00:00:00.000Z",
    "metrics": ["nJourneySessions"],
}

Call = Callable[[JourneyClient], Awaitable[Any]]

# (name, call, path, a success answer)
CREATING: list[tuple[str, Call, str, httpx.Response]] = [
    (
        "post_journey_segments",
        lambda c: c.post_journey_segments(body={"displayName": "VIP"}),
        "/api/v2/journey/segments",
        httpx.Response(200, json={"id": "s1"}),
    ),
    (
        "post_journey_actionmaps",
        lambda c: c.post_journey_actionmaps(body={"displayName": "Offer"}),
        "/api/v2/journey/actionmaps",
        httpx.Response(200, json={"id": "m1"}),
    ),
    (
        "post_journey_actiontemplates",
        lambda c: c.post_journey_actiontemplates(body={"name": "T"}),
        "/api/v2/journey/actiontemplates",
        httpx.Response(200, json={"id": "t1"}),
    ),
    (
        "post_analytics_journeys_aggregates_jobs",
        lambda c: c.post_analytics_journeys_aggregates_jobs(QUERY),
        "/api/v2/analytics/journeys/aggregates/jobs",
        httpx.Response(202, json={"jobId": "j1"}),
    ),
]

# (name, call, method, path, a success answer)
IDEMPOTENT: list[tuple[str, Call, str, str, httpx.Response]] = [
    (
        "patch_journey_segment",
        lambda c: c.patch_journey_segment("s1", body={"version": 1}),
        "PATCH",
        "/api/v2/journey/segments/s1",
        httpx.Response(200, json={"id": "s1"}),
    ),
    (
        "get_journey_segments",
        lambda c: c.get_journey_segments(page_size=5),
        "GET",
        "/api/v2/journey/segments",
        httpx.Response(200, json={"entities": []}),
    ),
    (
        "delete_journey_actionmap",
        lambda c: c.delete_journey_actionmap("m1"),
        "DELETE",
        "/api/v2/journey/actionmaps/m1",
        httpx.Response(204),
    ),
    (
        "post_externalcontacts_contact_journey_segments",
        lambda c: c.post_externalcontacts_contact_journey_segments(
            "c1", body={"assign": {"segments": [{"id": "s1"}]}}
        ),
        "POST",
        "/api/v2/externalcontacts/contacts/c1/journey/segments",
        httpx.Response(200, json={"unprocessedItems": {"count": 0}}),
    ),
    (
        "post_analytics_journeys_aggregates_query",
        lambda c: c.post_analytics_journeys_aggregates_query(QUERY),
        "POST",
        "/api/v2/analytics/journeys/aggregates/query",
        httpx.Response(200, json={"results": []}),
    ),
]


@asynccontextmanager
async def make_client(
    router: respx.Router, sleeper: SleepRecorder, **kwargs: Any
) -> AsyncIterator[JourneyClient]:
    kwargs.setdefault("retry", RetryPolicy())
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http,
        JourneyClient(
            TOKEN,
            base_url=BASE_URL,
            http_client=http,
            sleep=sleeper,
            clock=sleeper.clock,
            **kwargs,
        ) as client,
    ):
        yield client


def sequence(*answers: httpx.Response | type[Exception]) -> Callable[[httpx.Request], Any]:
    """Serve `answers` in order; an exception class is raised with the request."""
    remaining = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        item = remaining.pop(0)
        if isinstance(item, type):
            raise item("injected", request=request)  # type: ignore[call-arg]
        return httpx.Response(item.status_code, headers=item.headers, content=item.content)

    return handler


def creating_params() -> Any:
    return pytest.mark.parametrize(
        ("call", "path", "success"), [c[1:] for c in CREATING], ids=[c[0] for c in CREATING]
    )


def idempotent_params() -> Any:
    return pytest.mark.parametrize(
        ("call", "method", "path", "success"),
        [c[1:] for c in IDEMPOTENT],
        ids=[c[0] for c in IDEMPOTENT],
    )


# ---------------------------------------------------------------------------------------------
# Creating POSTs


@creating_params()
@pytest.mark.parametrize("status", [500, 502, 504])
async def test_a_creating_post_is_not_resent_after_a_gateway_error(
    router: respx.Router,
    sleeper: SleepRecorder,
    call: Call,
    path: str,
    success: httpx.Response,
    status: int,
) -> None:
    """The request may have been carried out: the error is raised after the one request."""
    route = router.post(path).mock(side_effect=sequence(httpx.Response(status), success))
    async with make_client(router, sleeper) as client:
        with pytest.raises(ServerError) as info:
            await call(client)
    assert info.value.status == status
    assert route.call_count == 1
    assert sleeper.waits == []


@creating_params()
@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError])
async def test_a_creating_post_is_not_resent_after_a_maybe_sent_failure(
    router: respx.Router,
    sleeper: SleepRecorder,
    call: Call,
    path: str,
    success: httpx.Response,
    error: type[httpx.TransportError],
) -> None:
    """A read timeout or a dropped answer after sending: raised, even with retry_timeouts."""
    route = router.post(path).mock(side_effect=sequence(error, success))
    async with make_client(router, sleeper, retry=RetryPolicy(retry_timeouts=True)) as client:
        with pytest.raises(TransportError) as info:
            await call(client)
    assert isinstance(info.value.__cause__, error)
    assert route.call_count == 1
    assert sleeper.waits == []


@creating_params()
@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
async def test_a_creating_post_is_resent_when_it_was_never_sent(
    router: respx.Router,
    sleeper: SleepRecorder,
    call: Call,
    path: str,
    success: httpx.Response,
    error: type[httpx.TransportError],
) -> None:
    route = router.post(path).mock(side_effect=sequence(error, error, success))
    async with make_client(router, sleeper) as client:
        result = await call(client)
    assert result is not None
    assert route.call_count == 3
    assert len(sleeper.waits) == 2
    bodies = [json.loads(c.request.content) for c in route.calls]
    assert bodies[0] == bodies[1] == bodies[2]


@creating_params()
@pytest.mark.parametrize("status", [429, 503])
async def test_a_creating_post_is_resent_after_429_and_503(
    router: respx.Router,
    sleeper: SleepRecorder,
    call: Call,
    path: str,
    success: httpx.Response,
    status: int,
) -> None:
    """429 and 503 say the server did not act on the request: it is sent again."""
    refused = httpx.Response(status, headers={"Retry-After": "2"})
    route = router.post(path).mock(side_effect=sequence(refused, success))
    async with make_client(router, sleeper) as client:
        result = await call(client)
    assert result is not None
    assert route.call_count == 2
    assert sleeper.waits == [2.0]


@creating_params()
async def test_a_creating_post_gives_up_after_max_attempts_of_429(
    router: respx.Router,
    sleeper: SleepRecorder,
    call: Call,
    path: str,
    success: httpx.Response,
) -> None:
    route = router.post(path).respond(429, headers={"Retry-After": "1"})
    async with make_client(router, sleeper, retry=RetryPolicy(max_attempts=3)) as client:
        with pytest.raises(RateLimitError):
            await call(client)
    assert route.call_count == 3


@creating_params()
async def test_retry_none_sends_a_creating_post_once(
    router: respx.Router,
    sleeper: SleepRecorder,
    call: Call,
    path: str,
    success: httpx.Response,
) -> None:
    """`retry=None`: nothing is retried, not even a connection that was never made."""
    route = router.post(path).mock(side_effect=sequence(httpx.ConnectError, success))
    async with make_client(router, sleeper, retry=None) as client:
        with pytest.raises(TransportError):
            await call(client)
    assert route.call_count == 1


async def test_each_creating_call_is_judged_on_its_own(
    router: respx.Router, sleeper: SleepRecorder
) -> None:
    """A creating POST that is not retried leaves the next idempotent call's retries alone."""
    post = router.post("/api/v2/journey/segments").respond(502)
    get = router.get("/api/v2/journey/segments/s1").mock(
        side_effect=sequence(httpx.Response(502), httpx.Response(200, json={"id": "s1"}))
    )
    async with make_client(router, sleeper) as client:
        with pytest.raises(ServerError):
            await client.post_journey_segments(body={"displayName": "VIP"})
        segment = await client.get_journey_segment("s1")
    assert segment.id == "s1"
    assert (post.call_count, get.call_count) == (1, 2)


# ---------------------------------------------------------------------------------------------
# Idempotent operations retry as before


@idempotent_params()
@pytest.mark.parametrize("status", [502, 503, 504, 429])
async def test_an_idempotent_operation_is_retried_on_gateway_errors(
    router: respx.Router,
    sleeper: SleepRecorder,
    call: Call,
    method: str,
    path: str,
    success: httpx.Response,
    status: int,
) -> None:
    route = router.route(method=method, path=path).mock(
        side_effect=sequence(httpx.Response(status, headers={"Retry-After": "1"}), success)
    )
    async with make_client(router, sleeper) as client:
        await call(client)
    assert route.call_count == 2
    assert sleeper.waits == [1.0]


@idempotent_params()
@pytest.mark.parametrize(
    "error", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ConnectError]
)
async def test_an_idempotent_operation_is_retried_on_transport_errors(
    router: respx.Router,
    sleeper: SleepRecorder,
    call: Call,
    method: str,
    path: str,
    success: httpx.Response,
    error: type[httpx.TransportError],
) -> None:
    route = router.route(method=method, path=path).mock(side_effect=sequence(error, success))
    async with make_client(router, sleeper) as client:
        await call(client)
    assert route.call_count == 2
    assert len(sleeper.waits) == 1


@idempotent_params()
async def test_an_idempotent_operation_is_not_retried_on_500(
    router: respx.Router,
    sleeper: SleepRecorder,
    call: Call,
    method: str,
    path: str,
    success: httpx.Response,
) -> None:
    """500 is not a retry status for anything (the policy's default statuses)."""
    route = router.route(method=method, path=path).mock(
        side_effect=sequence(httpx.Response(500), success)
    )
    async with make_client(router, sleeper) as client:
        with pytest.raises(ServerError):
            await call(client)
    assert route.call_count == 1
