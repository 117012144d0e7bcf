"""Backends for the behaviour suite: one interface over a respx emulation and the fake API.

The `backend` fixture runs each behaviour test three times: against `RespxJourneyApi` (respx
routes answering from data generated here, shaped like the OpenAPI examples), against
`FakeJourneyApi` in-process (its httpx transport) and against `FakeJourneyApi` on a loopback
port (`serve_in_thread`, 127.0.0.1). Tests only see `Backend`, so they run unchanged on all three.
"""

from __future__ import annotations

import base64
import contextlib
import json
import random
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import respx

from journey_async import JourneyClient, RetryPolicy
from journey_async.testing import FakeJourneyApi

BASE_URL = "https://api.test.invalid"
"""Never resolved: the respx backend answers through an httpx.MockTransport."""

TOKEN = "fake-token"
"""The one bearer token every backend accepts (the fake's static token)."""

MISSING_ID = "00000000-0000-4000-8000-00000000dead"
"""An id no backend knows."""

UTC = timezone.utc
_EPOCH = datetime(2020, 11, 1, tzinfo=UTC)
_JSON_TYPE = "application/json"
_PERIOD = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")


def _iso(moment: datetime) -> str:
    """`2020-11-02T14:21:07.512Z`, the API's form."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


# ---------------------------------------------------------------------------------------------
# The respx emulation.


class RespxJourneyApi:
    """A small in-memory Journey API made of respx routes, answering from generated data.

    Listings are shaped like the OpenAPI examples: segment listings page with an opaque `after`
    cursor carried in `nextUri`, action targets with `pageNumber`/`pageCount`; errors are
    ErrorBody JSON with an `inin-correlation-id` header; the segment update POST answers 204.
    """

    def __init__(
        self,
        *,
        seed: int = 7,
        targets: int = 23,
        session_size: int = 45,
        contact_size: int = 17,
        customer_size: int = 29,
    ) -> None:
        self._random = random.Random(seed)
        self.request_count = 0
        self.pending_failures: list[int] = []
        self.targets: dict[str, dict[str, Any]] = {}
        for index in range(targets):
            target_id = self._new_id()
            created = _EPOCH - timedelta(days=60 - index, minutes=index * 7)
            self.targets[target_id] = {
                "id": target_id,
                "name": f"Chat queue {index + 1}",
                "userData": [{"key": "region", "value": ("emea", "amer", "apac")[index % 3]}],
                "supportedMediaTypes": ["webchat"] if index % 2 else ["webchat", "callback"],
                "state": "inactive" if index % 5 == 4 else "active",
                "description": f"Web chat offers for team {index + 1}",
                "serviceLevel": {"percentage": 0.8, "durationMs": 20000},
                "shortAbandonThreshold": 10,
                "selfUri": f"/api/v2/journey/actiontargets/{target_id}",
                "createdDate": _iso(created),
                "modifiedDate": _iso(created + timedelta(hours=index)),
            }
        self.target_ids = list(self.targets)
        self.session_id = self._new_id()
        self.contact_id = self._new_id()
        self.customer = ("cookie", self._new_id())
        self.segment_ids = [self._new_id() for _ in range(12)]
        self.sessions = {
            self.session_id: [self._assignment(k, session=True) for k in range(session_size)]
        }
        self.contacts = {
            self.contact_id: [
                self._assignment(k, contact=self.contact_id) for k in range(contact_size)
            ]
        }
        self.customers = {self.customer: [self._assignment(k) for k in range(customer_size)]}
        self.router = self._build_router()

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def _assignment(
        self, k: int, *, session: bool = False, contact: str | None = None
    ) -> dict[str, Any]:
        scope = "Customer" if k % 3 == 2 else "Session"
        state = "Unassigned" if k % 4 == 3 else "Assigned"
        segment_id = self.segment_ids[k % len(self.segment_ids)]
        assigned = _EPOCH + timedelta(minutes=k * 13)
        contact_id = contact or self._new_id()
        item: dict[str, Any] = {
            "id": self._new_id(),
            "state": state,
            "dateAssigned": _iso(assigned),
            "dateModified": _iso(assigned + timedelta(minutes=5)),
            "segment": {
                "id": segment_id,
                "scope": scope,
                "version": 1 + k % 3,
                "selfUri": f"/api/v2/journey/segments/{segment_id}",
            },
            "customerId": self.customer[1],
            "customerIdType": "cookie",
            "externalContact": {
                "id": contact_id,
                "selfUri": f"/api/v2/externalcontacts/contacts/{contact_id}",
            },
        }
        if state == "Unassigned":
            item["dateUnassigned"] = _iso(assigned + timedelta(hours=1))
        if scope == "Session":
            session_id = self.session_id if session else self._new_id()
            item["session"] = {
                "id": session_id,
                "type": "web",
                "selfUri": f"/api/v2/journey/sessions/{session_id}",
            }
        return item

    # -- answers ---------------------------------------------------------------------------------

    @staticmethod
    def _error(status: int, code: str, message: str, **headers: str) -> httpx.Response:
        correlation_id = str(uuid.uuid4())
        body = {
            "message": message,
            "code": code,
            "status": status,
            "messageParams": {},
            "contextId": correlation_id,
            "details": [],
            "errors": [],
        }
        return httpx.Response(
            status,
            json=body,
            headers={"inin-correlation-id": correlation_id, **headers},
        )

    @staticmethod
    def _ok(payload: Any) -> httpx.Response:
        return httpx.Response(200, json=payload, headers={"inin-correlation-id": str(uuid.uuid4())})

    def _bad(self, message: str) -> httpx.Response:
        return self._error(400, "bad.request", message)

    # -- routes ----------------------------------------------------------------------------------

    def _build_router(self) -> respx.Router:
        router = respx.Router(base_url=BASE_URL, assert_all_mocked=True, assert_all_called=False)
        # Every request passes the first route: it answers only to inject a failure or reject
        # the token, and otherwise falls through (a side effect returning None). respx keeps
        # one route per pattern, so the catch-all at the end needs a pattern of its own.
        router.route(name="gate").mock(side_effect=self._gate)
        one_target = r"^/api/v2/journey/actiontargets/(?P<target_id>[^/]+)$"
        router.get(path__regex=one_target, name="get_target").mock(side_effect=self._get_target)
        router.patch(path__regex=one_target, name="patch_target").mock(
            side_effect=self._patch_target
        )
        router.get(path="/api/v2/journey/actiontargets", name="list_targets").mock(
            side_effect=self._list_targets
        )
        router.get(
            path__regex=r"^/api/v2/journey/sessions/(?P<owner>[^/]+)/segments$", name="session"
        ).mock(side_effect=self._session_segments)
        router.get(
            path__regex=r"^/api/v2/journey/customers/(?P<id_type>[^/]+)/(?P<owner>[^/]+)/segments$",
            name="customer",
        ).mock(side_effect=self._customer_segments)
        contact = r"^/api/v2/journey/externalcontacts/(?P<owner>[^/]+)/segments$"
        router.get(path__regex=contact, name="contact").mock(side_effect=self._contact_segments)
        router.post(path__regex=contact, name="update").mock(side_effect=self._update_segments)
        router.post(path="/api/v2/analytics/journeys/aggregates/query", name="aggregates").mock(
            side_effect=self._aggregates
        )
        router.route(path__regex=r"^/", name="not_found").mock(
            side_effect=lambda request: self._error(
                404, "not.found", "The requested resource was not found."
            )
        )
        return router

    def _gate(self, request: httpx.Request) -> httpx.Response | None:
        self.request_count += 1
        if self.pending_failures:
            return self._injected(self.pending_failures.pop(0))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._error(401, "bad.credentials", "Invalid login credentials.")
        return None

    def _injected(self, status: int) -> httpx.Response:
        if status == 429:
            return self._error(
                429,
                "too.many.requests.retry.after",
                "Rate limit exceeded the maximum. Retry the request in [1] seconds",
                **{"Retry-After": "1"},
            )
        if status == 400:
            return self._bad("Injected failure")
        code = {502: "bad.gateway", 503: "service.unavailable", 504: "gateway.timeout"}
        return self._error(status, code.get(status, "server.error"), "Injected failure")

    def _get_target(self, request: httpx.Request, target_id: str) -> httpx.Response:
        target = self.targets.get(target_id)
        if target is None:
            return self._error(404, "not.found", f"Action target {target_id} not found")
        return self._ok(target)

    def _patch_target(self, request: httpx.Request, target_id: str) -> httpx.Response:
        target = self.targets.get(target_id)
        if target is None:
            return self._error(404, "not.found", f"Action target {target_id} not found")
        if request.headers.get("Content-Type") != _JSON_TYPE:
            return self._bad("Content-Type must be application/json")
        data = json.loads(request.content or b"null")
        if not isinstance(data, dict):
            return self._bad("Invalid value for body: expected a JSON object")
        if "name" in data:
            target["name"] = data["name"]
        if "serviceLevel" in data:
            target["serviceLevel"] = {**target["serviceLevel"], **data["serviceLevel"]}
        if "shortAbandonThreshold" in data:
            target["shortAbandonThreshold"] = data["shortAbandonThreshold"]
        target["modifiedDate"] = _iso(datetime.now(UTC))
        return self._ok(target)

    def _list_targets(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        number_text = params.get("pageNumber", "1")
        size_text = params.get("pageSize", "25")
        if not (number_text.isdecimal() and size_text.isdecimal()):
            return self._bad("Invalid value for pageNumber or pageSize")
        number, size = int(number_text), int(size_text)
        if number < 1 or size < 1:
            return self._bad("Invalid value for pageNumber or pageSize: must be at least 1")
        total = len(self.target_ids)
        count = max(1, -(-total // size))
        ids = self.target_ids[(number - 1) * size : number * size]
        base = "/api/v2/journey/actiontargets"
        page: dict[str, Any] = {
            "entities": [self.targets[i] for i in ids],
            "pageSize": size,
            "pageNumber": number,
            "total": total,
            "firstUri": f"{base}?pageSize={size}&pageNumber=1",
            "selfUri": f"{base}?pageSize={size}&pageNumber={number}",
            "lastUri": f"{base}?pageSize={size}&pageNumber={count}",
            "pageCount": count,
        }
        if number < count:
            page["nextUri"] = f"{base}?pageSize={size}&pageNumber={number + 1}"
        if number > 1:
            page["previousUri"] = f"{base}?pageSize={size}&pageNumber={number - 1}"
        return self._ok(page)

    def _session_segments(self, request: httpx.Request, owner: str) -> httpx.Response:
        items = self.sessions.get(owner)
        if items is None:
            return self._error(404, "not.found", f"Session {owner} not found")
        return self._segment_page(request, items)

    def _customer_segments(
        self, request: httpx.Request, id_type: str, owner: str
    ) -> httpx.Response:
        items = self.customers.get((id_type, owner))
        if items is None:
            return self._error(404, "not.found", f"Customer {id_type}/{owner} not found")
        return self._segment_page(request, items)

    def _contact_segments(self, request: httpx.Request, owner: str) -> httpx.Response:
        items = self.contacts.get(owner)
        if items is None:
            return self._error(404, "not.found", f"External contact {owner} not found")
        return self._segment_page(request, items)

    def _segment_page(self, request: httpx.Request, items: list[dict[str, Any]]) -> httpx.Response:
        params = request.url.params
        size_text = params.get("pageSize", "25")
        if not size_text.isdecimal() or not 1 <= int(size_text) <= 200:
            return self._bad("Invalid value for pageSize: must be between 1 and 200")
        size = int(size_text)
        scope = params.get("segmentScope")
        state = params.get("assignmentState")
        if scope not in (None, "Session", "Customer"):
            return self._bad("Invalid value for segmentScope")
        if state not in (None, "Assigned", "Unassigned"):
            return self._bad("Invalid value for assignmentState")
        offset = 0
        if "after" in params:
            try:
                offset = int(base64.urlsafe_b64decode(params["after"] + "==").decode())
            except ValueError:
                return self._bad(f"Invalid cursor {params['after']!r}")
        matching = [
            item
            for item in items
            if (scope is None or item["segment"]["scope"] == scope)
            and (state is None or item["state"] == state)
        ]
        filters = "".join(
            f"&{name}={value}"
            for name, value in (("segmentScope", scope), ("assignmentState", state))
            if value is not None
        )
        path = quote(request.url.path)
        page: dict[str, Any] = {
            "entities": matching[offset : offset + size],
            "selfUri": f"{path}?pageSize={size}{filters}",
        }
        if offset + size < len(matching):
            cursor = base64.urlsafe_b64encode(str(offset + size).encode()).decode().rstrip("=")
            page["nextUri"] = f"{path}?pageSize={size}{filters}&after={cursor}"
        return self._ok(page)

    def _update_segments(self, request: httpx.Request, owner: str) -> httpx.Response:
        items = self.contacts.get(owner)
        if items is None:
            return self._error(404, "not.found", f"External contact {owner} not found")
        data = json.loads(request.content or b"null")
        if not isinstance(data, list) or not all(
            isinstance(u, dict)
            and u.get("segmentId")
            and u.get("state") in ("Assigned", "Unassigned")
            for u in data
        ):
            return self._bad("Invalid value for body: expected segment assignment updates")
        now = _iso(datetime.now(UTC))
        for update in data:
            items.append(
                {
                    "id": self._new_id(),
                    "state": update["state"],
                    "dateAssigned": now,
                    "dateModified": now,
                    "segment": {"id": update["segmentId"], "scope": "Customer", "version": 1},
                    "externalContact": {
                        "id": owner,
                        "selfUri": f"/api/v2/externalcontacts/contacts/{owner}",
                    },
                }
            )
        return httpx.Response(204, headers={"inin-correlation-id": str(uuid.uuid4())})

    def _aggregates(self, request: httpx.Request) -> httpx.Response:
        query = json.loads(request.content or b"null")
        if not isinstance(query, dict):
            return self._bad("Invalid value for body: expected a JSON object")
        interval, metrics = query.get("interval"), query.get("metrics")
        if not isinstance(interval, str) or interval.count("/") != 1:
            return self._bad(f"Invalid interval {interval!r}")
        if not isinstance(metrics, list) or not metrics:
            return self._bad("Invalid value for metrics: expected a non-empty array")
        start, end = (
            datetime.fromisoformat(part.replace("Z", "+00:00")) for part in interval.split("/")
        )
        step = end - start
        if query.get("granularity"):
            match = _PERIOD.match(query["granularity"])
            if match is None:
                return self._bad(f"Invalid granularity {query['granularity']!r}")
            days, hours, minutes = (int(g or 0) for g in match.groups())
            step = timedelta(days=days, hours=hours, minutes=minutes)
        buckets = []
        moment = start
        while moment < end:
            buckets.append((moment, min(end, moment + step)))
            moment += step
        group_by = query.get("groupBy") or []
        groups = [{dim: f"{dim}-{g}" for dim in group_by} for g in range(2)] if group_by else [{}]
        results = []
        for group in groups:
            data = [
                {
                    "interval": f"{_iso(low)}/{_iso(high)}",
                    "metrics": [
                        {"metric": m, "stats": {"count": self._random.randrange(500)}}
                        for m in metrics
                    ],
                }
                for low, high in buckets
            ]
            results.append({"group": group, "data": data} if group else {"data": data})
        return self._ok({"results": results})


# ---------------------------------------------------------------------------------------------
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


@pytest.fixture(params=["respx", "fake", "fake-loopback"])
def backend(request: pytest.FixtureRequest, sleeper: Any) -> Iterator[Backend]:
    """The same small interface over the respx emulation, the fake in-process and on loopback."""
    kind = str(request.param)
    if kind == "respx":
        emulation = RespxJourneyApi()
        router = emulation.router
        yield Backend(
            name=kind,
            sleeper=sleeper,
            session_id=emulation.session_id,
            session_size=len(emulation.sessions[emulation.session_id]),
            contact_id=emulation.contact_id,
            contact_size=len(emulation.contacts[emulation.contact_id]),
            customer=emulation.customer,
            customer_size=len(emulation.customers[emulation.customer]),
            target_ids=list(emulation.target_ids),
            missing_target_id=MISSING_ID,
            _fail_next=emulation.pending_failures.extend,
            _requests=lambda: emulation.request_count,
            _open=_client_opener(
                sleeper, BASE_URL, lambda: httpx.MockTransport(router.async_handler)
            ),
        )
        return

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
