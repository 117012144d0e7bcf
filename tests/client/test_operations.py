"""The eight operations on the wire (method, path, query, headers, body) and their results."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
import pytest_asyncio
import respx

from journey_async import (
    ActionTarget,
    ActionTargetListing,
    AssignmentState,
    JourneyAggregateQueryResponse,
    JourneyAggregationQuery,
    JourneyClient,
    PatchActionTarget,
    SegmentAssignmentListing,
    SegmentAssignmentsUpdate,
    SegmentScope,
    __version__,
)
from journey_async.models import (
    ActionTargetState,
    AddressableEntityRef,
    FilterType,
    JourneyAggregateQueryFilter,
    JourneyAggregateQueryPredicate,
    JourneyDimension,
    JourneyMetric,
    KeyValue,
    MediaType,
    PredicateOperator,
    PredicateType,
    SegmentAssignmentSegment,
    SegmentAssignmentSession,
    ServiceLevel,
)

TOKEN = "test-token-3f9a"
BASE_URL = "https://api.test.invalid"
UTC = timezone.utc

TARGET_ID = "0b4f6a0e-5a53-4b39-9d5f-6b1d2c6f9a10"
CONTACT_ID = "3a4b5c6d-7e8f-4a9b-8c7d-6e5f4a3b2c1d"
SESSION_ID = "5d6e7f80-91a2-4b3c-8d4e-f5a6b7c8d9e0"
CUSTOMER_ID = "b7a0c3f2-1d4e-4f5a-9b8c-7d6e5f4a3b2c"
CURSOR = "eyJsYXN0SWQiOiJmMGUxZDJjMyJ9"

# Payloads as in the OpenAPI examples of journey-openapi.json.
ACTION_TARGET: dict[str, Any] = {
    "id": TARGET_ID,
    "name": "Sales chat queue",
    "userData": [{"key": "region", "value": "emea"}],
    "supportedMediaTypes": ["webchat"],
    "state": "active",
    "description": "Web chat offers for the sales team",
    "serviceLevel": {"percentage": 0.8, "durationMs": 20000},
    "selfUri": f"/api/v2/journey/actiontargets/{TARGET_ID}",
    "createdDate": "2020-09-14T09:12:45.123Z",
    "modifiedDate": "2020-10-30T16:03:11.000Z",
}

ACTION_TARGET_LISTING: dict[str, Any] = {
    "entities": [
        ACTION_TARGET,
        {
            "id": "7e1d2c3b-8a9f-4e5d-b6c7-1a2b3c4d5e6f",
            "name": "Support chat queue",
            "userData": [],
            "supportedMediaTypes": ["webchat"],
            "state": "active",
            "description": "Support web chat",
            "serviceLevel": {"percentage": 0.9, "durationMs": 30000},
            "selfUri": "/api/v2/journey/actiontargets/7e1d2c3b-8a9f-4e5d-b6c7-1a2b3c4d5e6f",
            "createdDate": "2020-09-20T11:00:00.000Z",
            "modifiedDate": "2020-09-20T11:00:00.000Z",
        },
    ],
    "pageSize": 25,
    "pageNumber": 1,
    "total": 2,
    "firstUri": "/api/v2/journey/actiontargets?pageSize=25&pageNumber=1",
    "selfUri": "/api/v2/journey/actiontargets?pageSize=25&pageNumber=1",
    "lastUri": "/api/v2/journey/actiontargets?pageSize=25&pageNumber=1",
    "pageCount": 1,
}

SEGMENT_LISTING: dict[str, Any] = {
    "entities": [
        {
            "id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
            "state": "Assigned",
            "dateAssigned": "2020-11-02T14:21:07.512Z",
            "dateModified": "2020-11-02T14:21:07.512Z",
            "segment": {
                "id": "2c8d1a7e-3f4b-4c9d-8e1f-0a9b8c7d6e5f",
                "scope": "Session",
                "version": 3,
                "selfUri": "/api/v2/journey/segments/2c8d1a7e-3f4b-4c9d-8e1f-0a9b8c7d6e5f",
            },
            "customerId": CUSTOMER_ID,
            "customerIdType": "cookie",
            "externalContact": {
                "id": CONTACT_ID,
                "selfUri": f"/api/v2/externalcontacts/contacts/{CONTACT_ID}",
            },
            "session": {
                "id": SESSION_ID,
                "type": "web",
                "selfUri": f"/api/v2/journey/sessions/{SESSION_ID}",
            },
        },
        {
            "id": "f0e1d2c3-b4a5-4968-8776-5a4b3c2d1e0f",
            "state": "Unassigned",
            "dateAssigned": "2020-10-28T08:00:00.000Z",
            "dateUnassigned": "2020-10-29T08:00:00.000Z",
            "dateModified": "2020-10-29T08:00:00.000Z",
            "segment": {
                "id": "9f8e7d6c-5b4a-4392-8172-6a5b4c3d2e1f",
                "scope": "Customer",
                "version": 1,
                "selfUri": "/api/v2/journey/segments/9f8e7d6c-5b4a-4392-8172-6a5b4c3d2e1f",
            },
            "customerId": CUSTOMER_ID,
            "customerIdType": "cookie",
            "externalContact": {
                "id": CONTACT_ID,
                "selfUri": f"/api/v2/externalcontacts/contacts/{CONTACT_ID}",
            },
        },
    ],
    "selfUri": f"/api/v2/journey/sessions/{SESSION_ID}/segments?pageSize=2",
    "nextUri": f"/api/v2/journey/sessions/{SESSION_ID}/segments?pageSize=2&after={CURSOR}",
}

AGGREGATION_QUERY: dict[str, Any] = {
    "interval": "2020-11-01T00:00:00.000Z/2020-11-03T00:00:00.000Z",
    "granularity": "P1D",
    "timeZone": "UTC",
    "groupBy": ["journeyActionMapId"],
    "metrics": ["nWebActionsOffered", "nWebActionsAccepted"],
    "filter": {
        "type": "and",
        "predicates": [
            {
                "type": "dimension",
                "dimension": "journeyActionMediaType",
                "operator": "matches",
                "value": "webchat",
            }
        ],
    },
}

AGGREGATE_RESPONSE: dict[str, Any] = {
    "results": [
        {
            "group": {"journeyActionMapId": "c4d5e6f7-0819-4a2b-9c3d-4e5f60718293"},
            "data": [
                {
                    "interval": "2020-11-01T00:00:00.000Z/2020-11-02T00:00:00.000Z",
                    "metrics": [
                        {"metric": "nWebActionsOffered", "stats": {"count": 128}},
                        {"metric": "nWebActionsAccepted", "stats": {"count": 17}},
                    ],
                },
                {
                    "interval": "2020-11-02T00:00:00.000Z/2020-11-03T00:00:00.000Z",
                    "metrics": [
                        {"metric": "nWebActionsOffered", "stats": {"count": 141}},
                        {"metric": "nWebActionsAccepted", "stats": {"count": 22}},
                    ],
                },
            ],
        }
    ]
}

SEGMENT_UPDATES: list[dict[str, str]] = [
    {"segmentId": "2c8d1a7e-3f4b-4c9d-8e1f-0a9b8c7d6e5f", "state": "Assigned"},
    {"segmentId": "9f8e7d6c-5b4a-4392-8172-6a5b4c3d2e1f", "state": "Unassigned"},
]


@contextlib.asynccontextmanager
async def router_client(
    router: respx.Router, *, token: Any = TOKEN, **kwargs: Any
) -> AsyncIterator[JourneyClient]:
    """A retry-less client on its own httpx client mounted on `router`; both closed after."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
        client = JourneyClient(token, base_url=BASE_URL, http_client=http, retry=None, **kwargs)
        async with client:
            yield client


def query_of(request: httpx.Request) -> list[tuple[str, str]]:
    """All query parameters of a request, duplicates included, sorted by name."""
    return sorted(request.url.params.multi_items())


def body_of(request: httpx.Request) -> Any:
    """The JSON body of a request, after checking it was declared as JSON."""
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.content)


def only_request(router: respx.Router) -> httpx.Request:
    """The single request the router saw."""
    assert router.calls.call_count == 1
    return router.calls.last.request


# ---------------------------------------------------------------------------------------------
# Every operation: method, path and common headers.

Op = Callable[[JourneyClient], Awaitable[Any]]

OPERATIONS: list[tuple[str, Op, str, str, int, Any, bool]] = [
    # (name, call, method, path, status, response json, sends a body)
    (
        "get_journey_actiontarget",
        lambda c: c.get_journey_actiontarget(TARGET_ID),
        "GET",
        f"/api/v2/journey/actiontargets/{TARGET_ID}",
        200,
        ACTION_TARGET,
        False,
    ),
    (
        "get_journey_actiontargets",
        lambda c: c.get_journey_actiontargets(),
        "GET",
        "/api/v2/journey/actiontargets",
        200,
        ACTION_TARGET_LISTING,
        False,
    ),
    (
        "get_journey_customer_customer_id_segments",
        lambda c: c.get_journey_customer_customer_id_segments("cookie", CUSTOMER_ID),
        "GET",
        f"/api/v2/journey/customers/cookie/{CUSTOMER_ID}/segments",
        200,
        SEGMENT_LISTING,
        False,
    ),
    (
        "get_journey_externalcontact_segments",
        lambda c: c.get_journey_externalcontact_segments(CONTACT_ID),
        "GET",
        f"/api/v2/journey/externalcontacts/{CONTACT_ID}/segments",
        200,
        SEGMENT_LISTING,
        False,
    ),
    (
        "get_journey_session_segments",
        lambda c: c.get_journey_session_segments(SESSION_ID),
        "GET",
        f"/api/v2/journey/sessions/{SESSION_ID}/segments",
        200,
        SEGMENT_LISTING,
        False,
    ),
    (
        "patch_journey_actiontarget",
        lambda c: c.patch_journey_actiontarget(TARGET_ID, body=PatchActionTarget(name="n")),
        "PATCH",
        f"/api/v2/journey/actiontargets/{TARGET_ID}",
        200,
        ACTION_TARGET,
        True,
    ),
    (
        "post_analytics_journeys_aggregates_query",
        lambda c: c.post_analytics_journeys_aggregates_query(AGGREGATION_QUERY),
        "POST",
        "/api/v2/analytics/journeys/aggregates/query",
        200,
        AGGREGATE_RESPONSE,
        True,
    ),
    (
        "post_journey_externalcontact_segments",
        lambda c: c.post_journey_externalcontact_segments(CONTACT_ID, body=SEGMENT_UPDATES),
        "POST",
        f"/api/v2/journey/externalcontacts/{CONTACT_ID}/segments",
        204,
        None,
        True,
    ),
]


@pytest.mark.parametrize(
    ("call", "method", "path", "status", "payload", "has_body"),
    [op[1:] for op in OPERATIONS],
    ids=[op[0] for op in OPERATIONS],
)
async def test_operation_method_path_and_headers(
    client: JourneyClient,
    router: respx.Router,
    call: Op,
    method: str,
    path: str,
    status: int,
    payload: Any,
    has_body: bool,
):
    """Each operation sends one request: its method and path, bearer auth, Accept, User-Agent."""
    if payload is None:
        router.route().respond(status)
    else:
        router.route().respond(status, json=payload)
    await call(client)
    request = only_request(router)
    assert request.method == method
    assert request.url.host == "api.test.invalid"
    assert request.url.scheme == "https"
    assert request.url.raw_path.split(b"?")[0] == path.encode()
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"] == f"journey-async/{__version__}"
    if has_body:
        assert request.headers["Content-Type"] == "application/json"
        json.loads(request.content)
    else:
        assert request.content == b""


@pytest.mark.parametrize(
    ("call", "method", "path", "status", "payload", "has_body"),
    [op[1:] for op in OPERATIONS],
    ids=[op[0] for op in OPERATIONS],
)
async def test_user_agent_is_appended(
    router: respx.Router,
    call: Op,
    method: str,
    path: str,
    status: int,
    payload: Any,
    has_body: bool,
):
    """A `user_agent` is appended after `journey-async/<version>` on every operation."""
    if payload is None:
        router.route().respond(status)
    else:
        router.route().respond(status, json=payload)
    async with router_client(router, user_agent="my-app/2.1") as c:
        await call(c)
    request = only_request(router)
    assert request.headers["User-Agent"] == f"journey-async/{__version__} my-app/2.1"


# ---------------------------------------------------------------------------------------------
# get_journey_actiontarget


async def test_get_actiontarget_parses_the_example(client: JourneyClient, router: respx.Router):
    """`get_journey_actiontarget` decodes the OpenAPI example into a fully typed `ActionTarget`."""
    router.get(f"/api/v2/journey/actiontargets/{TARGET_ID}").respond(200, json=ACTION_TARGET)
    target = await client.get_journey_actiontarget(TARGET_ID)
    assert isinstance(target, ActionTarget)
    assert target == ActionTarget(
        id=TARGET_ID,
        name="Sales chat queue",
        user_data=[KeyValue("region", "emea")],
        supported_media_types=[MediaType.WEBCHAT],
        state=ActionTargetState.ACTIVE,
        description="Web chat offers for the sales team",
        service_level=ServiceLevel(percentage=0.8, duration_ms=20000),
        self_uri=f"/api/v2/journey/actiontargets/{TARGET_ID}",
        created_date=datetime(2020, 9, 14, 9, 12, 45, 123000, tzinfo=UTC),
        modified_date=datetime(2020, 10, 30, 16, 3, 11, tzinfo=UTC),
    )
    assert target.short_abandon_threshold is None
    assert target.created_date is not None and target.created_date.tzinfo is not None


async def test_get_actiontarget_sends_no_query(client: JourneyClient, router: respx.Router):
    """`get_journey_actiontarget` sends no query string at all."""
    router.route().respond(200, json={"id": TARGET_ID})
    await client.get_journey_actiontarget(TARGET_ID)
    request = only_request(router)
    assert request.url.query == b""


async def test_get_actiontarget_parses_later_fields(client: JourneyClient, router: respx.Router):
    """A payload with the later `shortAbandonThreshold` field decodes it."""
    router.route().respond(200, json={**ACTION_TARGET, "shortAbandonThreshold": 7})
    target = await client.get_journey_actiontarget(TARGET_ID)
    assert target.short_abandon_threshold == 7


# ---------------------------------------------------------------------------------------------
# get_journey_actiontargets


async def test_get_actiontargets_sends_default_paging(client: JourneyClient, router: respx.Router):
    """Without arguments `get_journey_actiontargets` sends pageNumber=1 and pageSize=25."""
    router.route().respond(200, json=ACTION_TARGET_LISTING)
    await client.get_journey_actiontargets()
    assert query_of(only_request(router)) == [("pageNumber", "1"), ("pageSize", "25")]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"page_number": 3, "page_size": 100}, [("pageNumber", "3"), ("pageSize", "100")]),
        ({"page_size": "50"}, [("pageNumber", "1"), ("pageSize", "50")]),
        ({"page_size": 1000}, [("pageNumber", "1"), ("pageSize", "1000")]),
        ({"page_number": 2, "page_size": 1}, [("pageNumber", "2"), ("pageSize", "1")]),
    ],
)
async def test_get_actiontargets_sends_given_paging(
    client: JourneyClient, router: respx.Router, kwargs: dict[str, Any], expected: list[Any]
):
    """`page_number` and `page_size` (int or numeric str, no maximum) are sent as strings."""
    router.route().respond(200, json=ACTION_TARGET_LISTING)
    await client.get_journey_actiontargets(**kwargs)
    assert query_of(only_request(router)) == expected


async def test_get_actiontargets_parses_the_example(client: JourneyClient, router: respx.Router):
    """`get_journey_actiontargets` decodes the listing example, entities and paging fields."""
    router.get("/api/v2/journey/actiontargets").respond(200, json=ACTION_TARGET_LISTING)
    listing = await client.get_journey_actiontargets()
    assert isinstance(listing, ActionTargetListing)
    assert listing.page_size == 25
    assert listing.page_number == 1
    assert listing.total == 2
    assert listing.page_count == 1
    assert listing.next_uri is None
    assert listing.first_uri == "/api/v2/journey/actiontargets?pageSize=25&pageNumber=1"
    assert listing.entities is not None
    assert [t.id for t in listing.entities] == [TARGET_ID, "7e1d2c3b-8a9f-4e5d-b6c7-1a2b3c4d5e6f"]
    assert listing.entities[1].user_data == []
    assert listing.entities[1].service_level == ServiceLevel(percentage=0.9, duration_ms=30000)


async def test_get_actiontargets_empty_page(client: JourneyClient, router: respx.Router):
    """An empty listing decodes to an empty entity list and total 0."""
    router.route().respond(
        200, json={"entities": [], "pageSize": 25, "pageNumber": 1, "total": 0, "pageCount": 0}
    )
    listing = await client.get_journey_actiontargets()
    assert listing.entities == []
    assert listing.total == 0


# ---------------------------------------------------------------------------------------------
# The three segment listings

SegmentOp = Callable[..., Awaitable[SegmentAssignmentListing]]

SEGMENT_OPS: list[tuple[str, Callable[[JourneyClient], SegmentOp], str]] = [
    (
        "customer",
        lambda c: (
            lambda **kw: c.get_journey_customer_customer_id_segments("cookie", CUSTOMER_ID, **kw)
        ),
        f"/api/v2/journey/customers/cookie/{CUSTOMER_ID}/segments",
    ),
    (
        "externalcontact",
        lambda c: lambda **kw: c.get_journey_externalcontact_segments(CONTACT_ID, **kw),
        f"/api/v2/journey/externalcontacts/{CONTACT_ID}/segments",
    ),
    (
        "session",
        lambda c: lambda **kw: c.get_journey_session_segments(SESSION_ID, **kw),
        f"/api/v2/journey/sessions/{SESSION_ID}/segments",
    ),
]

segment_ops = pytest.mark.parametrize(
    ("bind", "path"), [(op[1], op[2]) for op in SEGMENT_OPS], ids=[op[0] for op in SEGMENT_OPS]
)


@segment_ops
async def test_segments_send_no_query_by_default(
    client: JourneyClient, router: respx.Router, bind: Any, path: str
):
    """A segment listing called without options sends no query parameters (None is not sent)."""
    route = router.get(path).respond(200, json=SEGMENT_LISTING)
    await bind(client)()
    assert route.call_count == 1
    assert route.calls.last.request.url.query == b""


@segment_ops
async def test_segments_send_explicit_nones_as_nothing(
    client: JourneyClient, router: respx.Router, bind: Any, path: str
):
    """Optional segment parameters passed as None are left out of the query."""
    router.get(path).respond(200, json=SEGMENT_LISTING)
    await bind(client)(page_size=None, after=None, segment_scope=None, assignment_state=None)
    assert only_request(router).url.query == b""


@segment_ops
async def test_segments_send_every_option(
    client: JourneyClient, router: respx.Router, bind: Any, path: str
):
    """All four segment options are sent with their camelCase names and string values."""
    router.get(path).respond(200, json=SEGMENT_LISTING)
    await bind(client)(
        page_size=200, after=CURSOR, segment_scope="Session", assignment_state="Assigned"
    )
    assert query_of(only_request(router)) == [
        ("after", CURSOR),
        ("assignmentState", "Assigned"),
        ("pageSize", "200"),
        ("segmentScope", "Session"),
    ]


@segment_ops
async def test_segments_accept_enum_members(
    client: JourneyClient, router: respx.Router, bind: Any, path: str
):
    """`SegmentScope` and `AssignmentState` members are sent as their wire values."""
    router.get(path).respond(200, json=SEGMENT_LISTING)
    await bind(client)(
        segment_scope=SegmentScope.CUSTOMER, assignment_state=AssignmentState.UNASSIGNED
    )
    assert query_of(only_request(router)) == [
        ("assignmentState", "Unassigned"),
        ("segmentScope", "Customer"),
    ]


@segment_ops
@pytest.mark.parametrize(("page_size", "sent"), [(1, "1"), ("25", "25"), ("200", "200"), (7, "7")])
async def test_segments_page_size_sent_as_string(
    client: JourneyClient,
    router: respx.Router,
    bind: Any,
    path: str,
    page_size: int | str,
    sent: str,
):
    """`page_size` given as int or numeric str is sent as a decimal string."""
    router.get(path).respond(200, json=SEGMENT_LISTING)
    await bind(client)(page_size=page_size)
    assert query_of(only_request(router)) == [("pageSize", sent)]


@segment_ops
async def test_segments_after_cursor_sent_verbatim(
    client: JourneyClient, router: respx.Router, bind: Any, path: str
):
    """An opaque `after` cursor with reserved characters arrives at the server unchanged."""
    router.get(path).respond(200, json=SEGMENT_LISTING)
    cursor = "a+b/c=d&e?f"
    await bind(client)(after=cursor)
    assert only_request(router).url.params["after"] == cursor
    assert list(only_request(router).url.params) == ["after"]


@segment_ops
async def test_segments_parse_the_example(
    client: JourneyClient, router: respx.Router, bind: Any, path: str
):
    """A segment listing decodes entities, enums, aware date-times, nested refs and nextUri."""
    router.get(path).respond(200, json=SEGMENT_LISTING)
    listing = await bind(client)()
    assert isinstance(listing, SegmentAssignmentListing)
    assert listing.next_uri == SEGMENT_LISTING["nextUri"]
    assert listing.self_uri == SEGMENT_LISTING["selfUri"]
    assert listing.previous_uri is None
    assert listing.entities is not None
    first, second = listing.entities
    assert first.id == "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
    assert first.state is AssignmentState.ASSIGNED
    assert first.date_assigned == datetime(2020, 11, 2, 14, 21, 7, 512000, tzinfo=UTC)
    assert first.date_unassigned is None
    assert first.segment == SegmentAssignmentSegment(
        id="2c8d1a7e-3f4b-4c9d-8e1f-0a9b8c7d6e5f",
        scope=SegmentScope.SESSION,
        version=3,
        self_uri="/api/v2/journey/segments/2c8d1a7e-3f4b-4c9d-8e1f-0a9b8c7d6e5f",
    )
    assert first.session == SegmentAssignmentSession(
        id=SESSION_ID, type="web", self_uri=f"/api/v2/journey/sessions/{SESSION_ID}"
    )
    assert first.external_contact == AddressableEntityRef(
        id=CONTACT_ID, self_uri=f"/api/v2/externalcontacts/contacts/{CONTACT_ID}"
    )
    assert first.customer_id == CUSTOMER_ID
    assert first.customer_id_type == "cookie"
    assert second.state == "Unassigned"
    assert second.state is AssignmentState.UNASSIGNED
    assert second.date_unassigned == datetime(2020, 10, 29, 8, 0, tzinfo=UTC)
    assert second.session is None
    assert second.segment is not None and second.segment.scope is SegmentScope.CUSTOMER


async def test_customer_segments_path_uses_both_ids(client: JourneyClient, router: respx.Router):
    """The customer listing puts `customer_id_type` then `customer_id` in the path."""
    router.route().respond(200, json={"entities": []})
    await client.get_journey_customer_customer_id_segments("email", "someone@example.com")
    request = only_request(router)
    assert request.url.raw_path == b"/api/v2/journey/customers/email/someone%40example.com/segments"


# ---------------------------------------------------------------------------------------------
# patch_journey_actiontarget


async def test_patch_sends_model_camelcase_without_nones(
    client: JourneyClient, router: respx.Router
):
    """A `PatchActionTarget` body is sent camelCase, with fields left None omitted."""
    route = router.patch(f"/api/v2/journey/actiontargets/{TARGET_ID}").respond(
        200, json=ACTION_TARGET
    )
    body = PatchActionTarget(
        name="Sales chat queue",
        service_level=ServiceLevel(percentage=0.85, duration_ms=15000),
        short_abandon_threshold=5,
    )
    await client.patch_journey_actiontarget(TARGET_ID, body=body)
    assert route.call_count == 1
    assert body_of(route.calls.last.request) == {
        "name": "Sales chat queue",
        "serviceLevel": {"percentage": 0.85, "durationMs": 15000},
        "shortAbandonThreshold": 5,
    }


async def test_patch_sends_only_the_set_field(client: JourneyClient, router: respx.Router):
    """A `PatchActionTarget` with a single field set sends exactly that one field."""
    router.route().respond(200, json=ACTION_TARGET)
    await client.patch_journey_actiontarget(
        TARGET_ID, body=PatchActionTarget(service_level=ServiceLevel(percentage=0.5))
    )
    assert body_of(only_request(router)) == {"serviceLevel": {"percentage": 0.5}}


async def test_patch_sends_dict_as_given(client: JourneyClient, router: respx.Router):
    """A dict body is sent as given, explicit nulls and unknown keys included."""
    router.route().respond(200, json=ACTION_TARGET)
    body = {"name": "x", "description": None, "serviceLevel": {"durationMs": 1}, "custom": [1, 2]}
    await client.patch_journey_actiontarget(TARGET_ID, body=body)
    assert body_of(only_request(router)) == body


async def test_patch_without_body_sends_no_body(client: JourneyClient, router: respx.Router):
    """`patch_journey_actiontarget` with `body=None` sends a PATCH with an empty body."""
    router.route().respond(200, json=ACTION_TARGET)
    await client.patch_journey_actiontarget(TARGET_ID)
    request = only_request(router)
    assert request.method == "PATCH"
    assert request.content == b""


async def test_patch_returns_the_updated_target(client: JourneyClient, router: respx.Router):
    """`patch_journey_actiontarget` returns the `ActionTarget` the server answered with."""
    answer = {
        **ACTION_TARGET,
        "serviceLevel": {"percentage": 0.85, "durationMs": 15000},
        "modifiedDate": "2020-11-05T10:15:00.000Z",
    }
    router.route().respond(200, json=answer)
    target = await client.patch_journey_actiontarget(
        TARGET_ID, body={"serviceLevel": {"percentage": 0.85, "durationMs": 15000}}
    )
    assert isinstance(target, ActionTarget)
    assert target.service_level == ServiceLevel(percentage=0.85, duration_ms=15000)
    assert target.modified_date == datetime(2020, 11, 5, 10, 15, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# post_analytics_journeys_aggregates_query


async def test_aggregates_model_body_matches_the_example(
    client: JourneyClient, router: respx.Router
):
    """A `JourneyAggregationQuery` built like the OpenAPI example is sent as exactly that JSON."""
    route = router.post("/api/v2/analytics/journeys/aggregates/query").respond(
        200, json=AGGREGATE_RESPONSE
    )
    query = JourneyAggregationQuery(
        "2020-11-01T00:00:00.000Z/2020-11-03T00:00:00.000Z",
        [JourneyMetric.N_WEB_ACTIONS_OFFERED, JourneyMetric.N_WEB_ACTIONS_ACCEPTED],
        granularity="P1D",
        time_zone="UTC",
        group_by=[JourneyDimension.JOURNEY_ACTION_MAP_ID],
        filter=JourneyAggregateQueryFilter(
            FilterType.AND,
            predicates=[
                JourneyAggregateQueryPredicate(
                    type=PredicateType.DIMENSION,
                    dimension=JourneyDimension.JOURNEY_ACTION_MEDIA_TYPE,
                    operator=PredicateOperator.MATCHES,
                    value="webchat",
                )
            ],
        ),
    )
    await client.post_analytics_journeys_aggregates_query(query)
    assert route.call_count == 1
    assert body_of(route.calls.last.request) == AGGREGATION_QUERY


async def test_aggregates_minimal_model_body(client: JourneyClient, router: respx.Router):
    """A query with only its required fields sends just `interval` and `metrics`."""
    router.route().respond(200, json={"results": []})
    await client.post_analytics_journeys_aggregates_query(
        JourneyAggregationQuery("2020-11-01T00:00:00Z/2020-11-02T00:00:00Z", ["nJourneySessions"])
    )
    assert body_of(only_request(router)) == {
        "interval": "2020-11-01T00:00:00Z/2020-11-02T00:00:00Z",
        "metrics": ["nJourneySessions"],
    }


async def test_aggregates_dict_body_sent_as_given(client: JourneyClient, router: respx.Router):
    """A dict query body is sent as given, with no renaming or dropping."""
    router.route().respond(200, json=AGGREGATE_RESPONSE)
    body = {**AGGREGATION_QUERY, "alternateTimeDimension": None, "snake_key": 1}
    await client.post_analytics_journeys_aggregates_query(body)
    request = only_request(router)
    assert request.method == "POST"
    assert request.url.query == b""
    assert body_of(request) == body


async def test_aggregates_parses_the_example(client: JourneyClient, router: respx.Router):
    """The aggregates response example decodes groups, intervals, metrics and stats."""
    router.route().respond(200, json=AGGREGATE_RESPONSE)
    response = await client.post_analytics_journeys_aggregates_query(AGGREGATION_QUERY)
    assert isinstance(response, JourneyAggregateQueryResponse)
    assert response.results is not None
    (result,) = response.results
    assert result.group == {"journeyActionMapId": "c4d5e6f7-0819-4a2b-9c3d-4e5f60718293"}
    assert result.data is not None
    assert [d.interval for d in result.data] == [
        "2020-11-01T00:00:00.000Z/2020-11-02T00:00:00.000Z",
        "2020-11-02T00:00:00.000Z/2020-11-03T00:00:00.000Z",
    ]
    counts = [
        (m.metric, m.stats.count if m.stats else None)
        for d in result.data
        for m in (d.metrics or [])
    ]
    assert counts == [
        ("nWebActionsOffered", 128),
        ("nWebActionsAccepted", 17),
        ("nWebActionsOffered", 141),
        ("nWebActionsAccepted", 22),
    ]


# ---------------------------------------------------------------------------------------------
# post_journey_externalcontact_segments


async def test_post_segments_sends_model_list(client: JourneyClient, router: respx.Router):
    """A list of `SegmentAssignmentsUpdate` is sent as a JSON array of camelCase objects."""
    route = router.post(f"/api/v2/journey/externalcontacts/{CONTACT_ID}/segments").respond(204)
    result = await client.post_journey_externalcontact_segments(
        CONTACT_ID,
        body=[
            SegmentAssignmentsUpdate(
                "2c8d1a7e-3f4b-4c9d-8e1f-0a9b8c7d6e5f", AssignmentState.ASSIGNED
            ),
            SegmentAssignmentsUpdate("9f8e7d6c-5b4a-4392-8172-6a5b4c3d2e1f", "Unassigned"),
        ],
    )
    assert result is None
    assert route.call_count == 1
    assert body_of(route.calls.last.request) == SEGMENT_UPDATES


async def test_post_segments_sends_dict_list_as_given(client: JourneyClient, router: respx.Router):
    """A list of dicts is sent as given."""
    router.route().respond(204)
    await client.post_journey_externalcontact_segments(CONTACT_ID, body=SEGMENT_UPDATES)
    assert body_of(only_request(router)) == SEGMENT_UPDATES


async def test_post_segments_accepts_tuple_and_mixed_items(
    client: JourneyClient, router: respx.Router
):
    """A tuple mixing a model and a dict is sent as one JSON array, in order."""
    router.route().respond(204)
    await client.post_journey_externalcontact_segments(
        CONTACT_ID,
        body=(
            SegmentAssignmentsUpdate("s1", "Assigned"),
            {"segmentId": "s2", "state": "Unassigned"},
        ),
    )
    assert body_of(only_request(router)) == [
        {"segmentId": "s1", "state": "Assigned"},
        {"segmentId": "s2", "state": "Unassigned"},
    ]


async def test_post_segments_empty_list_is_sent(client: JourneyClient, router: respx.Router):
    """An empty list body is sent as `[]`."""
    router.route().respond(204)
    await client.post_journey_externalcontact_segments(CONTACT_ID, body=[])
    assert body_of(only_request(router)) == []


async def test_post_segments_without_body(client: JourneyClient, router: respx.Router):
    """`post_journey_externalcontact_segments` with `body=None` posts no body, returns None."""
    router.route().respond(204)
    assert await client.post_journey_externalcontact_segments(CONTACT_ID) is None
    request = only_request(router)
    assert request.method == "POST"
    assert request.content == b""


@pytest.mark.parametrize(
    "response", [httpx.Response(204), httpx.Response(200), httpx.Response(200, json={"x": 1})]
)
async def test_post_segments_returns_none_for_any_2xx(
    client: JourneyClient, router: respx.Router, response: httpx.Response
):
    """Any 2xx answer, with or without a body, makes the segments POST return None."""
    router.route().mock(return_value=response)
    assert await client.post_journey_externalcontact_segments(CONTACT_ID, body=[]) is None


@pytest_asyncio.fixture
async def plain_client(router: respx.Router) -> AsyncIterator[JourneyClient]:
    """A client without retries on the router."""
    async with router_client(router) as c:
        yield c


async def test_callable_token_is_sent(router: respx.Router):
    """A plain async callable token provider supplies the bearer token."""

    async def token() -> str:
        return "from-callable"

    router.route().respond(200, json={"id": "t"})
    async with router_client(router, token=token) as c:
        await c.get_journey_actiontarget("t")
    assert only_request(router).headers["Authorization"] == "Bearer from-callable"


async def test_one_request_per_call(plain_client: JourneyClient, router: respx.Router):
    """Each successful call makes exactly one HTTP request."""
    router.route().respond(200, json={"id": "t"})
    for _ in range(3):
        await plain_client.get_journey_actiontarget("t")
    assert router.calls.call_count == 3
