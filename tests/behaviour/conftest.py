"""Backends for the behaviour suite: one interface over the fake API, in-process and on loopback.

The `backend` fixture runs each behaviour test twice: against `FakeJourneyApi` in-process (its
httpx transport) and on a loopback port (`serve_in_thread`, 127.0.0.1). Tests only see
`Backend`, so they run unchanged on both. (A third backend, a respx emulation of the API written
for these tests, was removed: it mirrored the fake, which the schema tests hold to the OpenAPI
file, and the contract tests hold the client to the same file through Prism; it never caught
anything the two did not.)
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from journey_async import JourneyClient, RetryPolicy
from journey_async.testing import FakeJourneyApi

BASE_URL = "https://api.test.invalid"
"""Never resolved: the in-process fake answers through its httpx transport."""

TOKEN = "fake-token"
"""The one bearer token every backend accepts (the fake's static token)."""

MISSING_ID = "00000000-0000-4000-8000-00000000dead"
"""An id no backend knows."""

UTC = timezone.utc
_EPOCH = datetime(2020, 11, 1, tzinfo=UTC)
_JSON_TYPE = "application/json"
_PERIOD = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")


# The backend interface the tests see.


@dataclass
class Backend:
    """What a behaviour test needs from a backend: clients, known ids, faults and a counter.

    Clients are opened inside the test (`async with backend.open() as client:`), so that they
    live and are closed on the test's own event loop: in auto mode pytest-asyncio would run an
    async fixture on asyncio even for the trio runs of the anyio plugin.
    """

    name: str
    sleeper: Any
    session_id: str
    session_size: int
    contact_id: str
    contact_size: int
    customer: tuple[str, str]
    customer_size: int
    target_ids: list[str]
    missing_target_id: str
    _fail_next: Callable[[list[int]], None] = field(repr=False)
    _requests: Callable[[], int] = field(repr=False)
    _open: Callable[[str], contextlib.AbstractAsyncContextManager[JourneyClient]] = field(
        repr=False
    )

    def open(self, token: str = TOKEN) -> contextlib.AbstractAsyncContextManager[JourneyClient]:
        """A client on this backend sending `token`, with instant retry sleeps; closed after."""
        return self._open(token)

    def fail_next(self, statuses: list[int]) -> None:
        """Answer the next API requests with these statuses, in order, then normally again."""
        self._fail_next(list(statuses))

    def requests(self) -> int:
        """API requests the backend has seen so far (failed ones included)."""
        return self._requests()


def _client_opener(
    sleeper: Any,
    base_url: str,
    make_transport: Callable[[], httpx.AsyncBaseTransport] | None,
) -> Callable[[str], contextlib.AbstractAsyncContextManager[JourneyClient]]:
    """Open clients on `base_url`: through `make_transport()` in-process, else over the network."""

    @contextlib.asynccontextmanager
    async def open_client(token: str) -> AsyncIterator[JourneyClient]:
        options: dict[str, Any] = {
            "base_url": base_url,
            "retry": RetryPolicy(),
            "sleep": sleeper,
            "clock": sleeper.clock,
        }
        if make_transport is None:
            async with JourneyClient(token, **options) as client:
                yield client
            return
        async with (
            httpx.AsyncClient(transport=make_transport()) as http,
            JourneyClient(token, http_client=http, **options) as client,
        ):
            yield client

    return open_client


@pytest.fixture(params=["fake", "fake-loopback"])
def backend(request: pytest.FixtureRequest, sleeper: Any) -> Iterator[Backend]:
    """The same small interface over the fake in-process and on a loopback port."""
    kind = str(request.param)
    api = FakeJourneyApi(
        seed=3,
        action_targets=20,
        sessions=2,
        assignments_per_session=60,
        customers=2,
        assignments_per_customer=40,
        external_contacts=2,
        assignments_per_contact=30,
    )
    server = api.serve_in_thread() if kind == "fake-loopback" else contextlib.nullcontext()
    with server as url:
        yield Backend(
            name=kind,
            sleeper=sleeper,
            session_id=api.session_ids[0],
            session_size=60,
            contact_id=api.external_contact_ids[0],
            contact_size=30,
            customer=api.customer_ids[0],
            customer_size=40,
            target_ids=list(api.action_target_ids),
            missing_target_id=MISSING_ID,
            _fail_next=api.faults.fail_next.extend,
            _requests=lambda: api.stats.requests,
            _open=_client_opener(sleeper, url or BASE_URL, None if url else api.transport),
        )
