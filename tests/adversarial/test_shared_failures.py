"""Shared failures are not shared objects (issue class 2).

When one token grant fails for many waiting callers, each caller gets its own exception object,
with its own short traceback: re-raising one object from N tasks would chain N tracebacks onto
it (and let one caller's handling, e.g. `add_note`, show up in another's error).
"""

from __future__ import annotations

import traceback
from typing import Any

import anyio
import httpx
import pytest

from journey_async import AuthenticationError, ClientCredentials, JourneyClient, TransportError

pytestmark = pytest.mark.anyio

BASE_URL = "https://api.test.invalid"
CALLERS = 40


class FailingGrant:
    """A token endpoint that fails every grant after a delay (so all callers join the first)."""

    def __init__(self, failure: httpx.Response | Exception) -> None:
        self.failure = failure
        self.grants = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/oauth/token":
            return httpx.Response(200, json={"id": "t"})
        self.grants += 1
        await anyio.sleep(0.1)
        if isinstance(self.failure, Exception):
            raise self.failure
        return self.failure


async def errors_of_callers(handler: FailingGrant, **kwargs: Any) -> list[BaseException]:
    errors: list[BaseException] = []
    provider = ClientCredentials("client-id", "client-secret")

    async def one(client: JourneyClient, i: int) -> None:
        try:
            await client.get_journey_actiontarget(f"t{i}")
        except Exception as exc:
            errors.append(exc)

    with anyio.fail_after(20):
        async with (
            JourneyClient(
                provider, base_url=BASE_URL, transport=httpx.MockTransport(handler), **kwargs
            ) as client,
            anyio.create_task_group() as tg,
        ):
            for i in range(CALLERS):
                tg.start_soon(one, client, i)
    return errors


def frames(exc: BaseException) -> int:
    return len(traceback.extract_tb(exc.__traceback__))


async def test_refused_grant_gives_each_waiter_its_own_error():
    """40 callers, one refused grant: 40 distinct AuthenticationErrors with short tracebacks."""
    refused = httpx.Response(401, json={"error": "invalid_client", "description": "bad secret"})
    handler = FailingGrant(refused)
    errors = await errors_of_callers(handler)
    assert handler.grants == 1
    assert len(errors) == CALLERS
    assert all(isinstance(e, AuthenticationError) for e in errors)
    assert len({id(e) for e in errors}) == CALLERS
    assert all("bad secret" in str(e) for e in errors)
    depths = sorted(frames(e) for e in errors)
    assert depths[-1] <= depths[0] + 5  # no traceback carries the others' frames
    assert depths[-1] < 60


async def test_unreachable_login_host_gives_each_waiter_its_own_transport_error():
    """A grant that fails on the network: each caller its own TransportError, same cause."""
    handler = FailingGrant(httpx.ConnectError("connection refused"))
    errors = await errors_of_callers(handler, retry=None)
    assert handler.grants == 1
    assert len(errors) == CALLERS
    assert all(isinstance(e, TransportError) for e in errors)
    assert len({id(e) for e in errors}) == CALLERS
    assert all(isinstance(e.__cause__, httpx.ConnectError) for e in errors)
    depths = sorted(frames(e) for e in errors)
    assert depths[-1] <= depths[0] + 5


async def test_a_note_added_by_one_caller_is_not_seen_by_another():
    """Errors are separate objects: one caller annotating its error does not touch the others."""
    refused = httpx.Response(400, json={"error": "invalid_grant", "description": "nope"})
    errors = await errors_of_callers(FailingGrant(refused))
    errors[0].add_note("handled by caller 0")
    assert all(not getattr(e, "__notes__", None) for e in errors[1:])
