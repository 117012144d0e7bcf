"""Contract tests of today's API: a real JourneyClient against Stoplight Prism mocking
`spec/journey-2026.json` (the 29 operations of SDK 269).

Prism runs with `--errors`: a request whose path, query, headers, security or body breaks the
spec is answered with an error status and an `sl-violations` header, and every exchange is
checked for that header. Each operation, called with valid arguments, must be accepted and its
answer (the spec's example, or one generated from the schema) must decode into its model; the
seven pagers read at least their first page; `Prefer: code=NNN` makes Prism answer each
documented error status, which must raise its error class.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio

from journey_async import JourneyClient
from journey_async.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from journey_async.models import (
    ActionMap,
    ActionMapListing,
    ActionTarget,
    ActionTargetListing,
    ActionTemplate,
    ActionTemplateListing,
    AsyncQueryResponse,
    AsyncQueryStatus,
    Event,
    EventListing,
    JourneyAggregateDataContainer,
    JourneyAggregateQueryResponse,
    JourneyAggregationQuery,
    JourneyAsyncAggregateQueryResponse,
    JourneyAsyncAggregationQuery,
    JourneySegment,
    JourneySegmentRequest,
    JourneyView,
    JourneyViewListing,
    PatchActionMap,
    PatchActionTemplate,
    PatchSegment,
    SegmentAssignment,
    SegmentAssignmentListing,
    SegmentAssignments,
    SegmentForAssignment,
    SegmentForUnassignment,
    SegmentListing,
    SegmentUnassignments,
    Session,
    SessionListing,
    UpdateSegmentAssignmentRequest,
    UpdateSegmentAssignmentResponse,
    UrlCondition,
)

pytestmark = pytest.mark.contract

TOKEN = "contract-token-2026"
CONTACT_ID = "3a4b5c6d-7e8f-4a9b-8c7d-6e5f4a3b2c1d"
SESSION_ID = "5d6e7f80-91a2-4b3c-8d4e-f5a6b7c8d9e0"
JOB_ID = "6a1f0c2e-4b3d-4e5f-8a7b-9c0d1e2f3a4b"
SEGMENT_ID = "2c8d1a7e-3f4b-4c9d-8e1f-0a9b8c7d6e5f"
MAP_ID = "c4d5e6f7-0819-4a2b-9c3d-4e5f60718293"
TEMPLATE_ID = "7e1d2c3b-8a9f-4e5d-b6c7-1a2b3c4d5e6f"
TARGET_ID = "0b4f6a0e-5a53-4b39-9d5f-6b1d2c6f9a10"
VIEW_ID = "9f8e7d6c-5b4a-4392-8172-6a5b4c3d2e1f"
INTERVAL = "2025-11-01T00:00:00.000Z/2025-11-03T00:00:00.000Z"
WEB = "com.genesys.journey.WebEvent"
SEGMENT_EVENT = "com.genesys.journey.SegmentAssignmentEvent"
QUERY: dict[str, Any] = {
    "interval": INTERVAL,
    "granularity": "P1D",
    "timeZone": "UTC",
    "groupBy": ["journeySegmentId"],
    "metrics": ["nJourneySessions"],
}

Call = Callable[[JourneyClient], Awaitable[Any]]

# (test id, call, result model or None for a 204)
OPERATIONS: list[tuple[str, Call, type | None]] = [
    (
        "get_externalcontacts_contact_journey_segments",
        lambda c: c.get_externalcontacts_contact_journey_segments(
            CONTACT_ID, include_merged=True, limit=500
        ),
        SegmentAssignmentListing,
    ),
    (
        "post_externalcontacts_contact_journey_segments",
        lambda c: c.post_externalcontacts_contact_journey_segments(
            CONTACT_ID,
            body=UpdateSegmentAssignmentRequest(
                assign=SegmentAssignments(segments=[SegmentForAssignment(id=SEGMENT_ID)]),
                unassign=SegmentUnassignments(segments=[SegmentForUnassignment(id=MAP_ID)]),
            ),
        ),
        UpdateSegmentAssignmentResponse,
    ),
    (
        "get_externalcontacts_contact_journey_sessions",
        lambda c: c.get_externalcontacts_contact_journey_sessions(
            CONTACT_ID, page_size=200, after="eyJhIjoxfQ==", include_merged=False
        ),
        SessionListing,
    ),
    ("get_journey_session", lambda c: c.get_journey_session(SESSION_ID), Session),
    (
        "get_journey_session_events",
        lambda c: c.get_journey_session_events(
            SESSION_ID, page_size="50", after="abc", event_type=[WEB, SEGMENT_EVENT]
        ),
        EventListing,
    ),
    (
        "post_analytics_journeys_aggregates_query",
        lambda c: c.post_analytics_journeys_aggregates_query(
            JourneyAggregationQuery(
                INTERVAL, ["nJourneySessions"], granularity="P1D", group_by=["journeySegmentId"]
            )
        ),
        JourneyAggregateQueryResponse,
    ),
    (
        "post_analytics_journeys_aggregates_jobs",
        lambda c: c.post_analytics_journeys_aggregates_jobs(
            JourneyAsyncAggregationQuery(INTERVAL, ["nJourneySessions"], page_size=100)
        ),
        AsyncQueryResponse,
    ),
    (
        "get_analytics_journeys_aggregates_job",
        lambda c: c.get_analytics_journeys_aggregates_job(JOB_ID),
        AsyncQueryStatus,
    ),
    (
        "get_analytics_journeys_aggregates_job_results",
        lambda c: c.get_analytics_journeys_aggregates_job_results(JOB_ID, cursor="c1"),
        JourneyAsyncAggregateQueryResponse,
    ),
    (
        "delete_analytics_journeys_aggregates_job",
        lambda c: c.delete_analytics_journeys_aggregates_job(JOB_ID),
        None,
    ),
    (
        "get_journey_segments",
        lambda c: c.get_journey_segments(
            sort_by="-createdDate",
            page_size=50,
            page_number=2,
            is_active=True,
            query_fields=["displayName", "description"],
            query_value="vip",
        ),
        SegmentListing,
    ),
    (
        "get_journey_segments-by-ids",
        lambda c: c.get_journey_segments(segment_ids=[SEGMENT_ID, MAP_ID]),
        SegmentListing,
    ),
    ("get_journey_segment", lambda c: c.get_journey_segment(SEGMENT_ID), JourneySegment),
    (
        "post_journey_segments",
        lambda c: c.post_journey_segments(
            body=JourneySegmentRequest("VIP visitors", is_active=True, color="#008000")
        ),
        JourneySegment,
    ),
    (
        "patch_journey_segment",
        lambda c: c.patch_journey_segment(
            SEGMENT_ID, body=PatchSegment(version=2, display_name="VIP")
        ),
        JourneySegment,
    ),
    ("delete_journey_segment", lambda c: c.delete_journey_segment(SEGMENT_ID), None),
    (
        "get_journey_actionmaps",
        lambda c: c.get_journey_actionmaps(
            page_number=1,
            page_size=10,
            sort_by="weight",
            filter_field="weight",
            filter_value="3",
            query_fields=["displayName"],
            query_value="offer",
        ),
        ActionMapListing,
    ),
    (
        "get_journey_actionmaps-by-ids",
        lambda c: c.get_journey_actionmaps(action_map_ids=[MAP_ID]),
        ActionMapListing,
    ),
    ("get_journey_actionmap", lambda c: c.get_journey_actionmap(MAP_ID), ActionMap),
    (
        "post_journey_actionmaps",
        lambda c: c.post_journey_actionmaps(
            body=ActionMap(display_name="Offer", trigger_with_segments=[SEGMENT_ID])
        ),
        ActionMap,
    ),
    (
        "patch_journey_actionmap",
        lambda c: c.patch_journey_actionmap(
            MAP_ID,
            body=PatchActionMap(
                "Offer",
                [SEGMENT_ID],
                [UrlCondition(values=["/checkout"], operator="containsAny")],
                version=3,
            ),
        ),
        ActionMap,
    ),
    ("delete_journey_actionmap", lambda c: c.delete_journey_actionmap(MAP_ID), None),
    (
        "get_journey_actiontemplates",
        lambda c: c.get_journey_actiontemplates(
            page_number=1,
            page_size=25,
            sort_by="name",
            media_type="contentOffer",
            state="Active",
            query_fields=["name"],
            query_value="sale",
        ),
        ActionTemplateListing,
    ),
    (
        "get_journey_actiontemplate",
        lambda c: c.get_journey_actiontemplate(TEMPLATE_ID),
        ActionTemplate,
    ),
    (
        "post_journey_actiontemplates",
        lambda c: c.post_journey_actiontemplates(
            body=ActionTemplate(name="Sale", media_type="contentOffer", state="Active")
        ),
        ActionTemplate,
    ),
    (
        "patch_journey_actiontemplate",
        lambda c: c.patch_journey_actiontemplate(
            TEMPLATE_ID, body=PatchActionTemplate("Sale", version=1, state="Inactive")
        ),
        ActionTemplate,
    ),
    (
        "delete_journey_actiontemplate",
        lambda c: c.delete_journey_actiontemplate(TEMPLATE_ID, hard_delete=True),
        None,
    ),
    (
        "get_journey_actiontargets",
        lambda c: c.get_journey_actiontargets(page_number=1, page_size=25),
        ActionTargetListing,
    ),
    ("get_journey_actiontarget", lambda c: c.get_journey_actiontarget(TARGET_ID), ActionTarget),
    (
        "get_journey_views",
        lambda c: c.get_journey_views(
            page_number=1,
            page_size=10,
            name_or_created_by="ana",
            expand="charts",
            id=[VIEW_ID, SEGMENT_ID],
        ),
        JourneyViewListing,
    ),
    ("get_journey_view", lambda c: c.get_journey_view(VIEW_ID), JourneyView),
]

ONE_PER_OPERATION = [op for op in OPERATIONS if "-" not in op[0]]

ERROR_CLASSES: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
    500: ServerError,
    503: ServerError,
}

ITEM_MODELS: dict[type, type] = {
    SegmentAssignmentListing: SegmentAssignment,
    SessionListing: Session,
    EventListing: Event,
    SegmentListing: JourneySegment,
    ActionMapListing: ActionMap,
    ActionTemplateListing: ActionTemplate,
    ActionTargetListing: ActionTarget,
    JourneyViewListing: JourneyView,
}


@dataclass
class Exchange:
    method: str
    url: str
    status: int
    violations: str | None


@dataclass
class Recorder:
    """Every request/response pair of one `httpx.AsyncClient`."""

    exchanges: list[Exchange] = field(default_factory=list)

    async def on_response(self, response: httpx.Response) -> None:
        request = response.request
        self.exchanges.append(
            Exchange(
                request.method,
                str(request.url),
                response.status_code,
                response.headers.get("sl-violations"),
            )
        )

    def assert_no_violations(self) -> None:
        bad = [(e.method, e.url, e.status, e.violations) for e in self.exchanges if e.violations]
        assert not bad, f"Prism rejected requests the client sent: {bad}"


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest_asyncio.fixture
async def http(recorder: Recorder) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        timeout=10.0, event_hooks={"response": [recorder.on_response]}
    ) as client:
        yield client


@pytest_asyncio.fixture
async def prism_client(
    prism_url_2026: str, http: httpx.AsyncClient
) -> AsyncIterator[JourneyClient]:
    """A JourneyClient on Prism (today's spec), static bearer token, no retries."""
    async with JourneyClient(
        TOKEN, base_url=prism_url_2026, http_client=http, retry=None
    ) as client:
        yield client


def prefer(value: str) -> Callable[..., Awaitable[httpx.Response]]:
    """Middleware asking Prism for a particular answer (`code=404`, `dynamic=true`)."""

    async def middleware(
        request: httpx.Request, call_next: Callable[[httpx.Request], Awaitable[httpx.Response]]
    ) -> httpx.Response:
        request.headers["Prefer"] = value
        return await call_next(request)

    return middleware


def check_result(result: object, model: type | None) -> None:
    """The result is the operation's model, its listed items decoded item by item."""
    if model is None:
        assert result is None
        return
    assert isinstance(result, model)
    item = ITEM_MODELS.get(model)
    if item is not None:
        assert all(isinstance(e, item) for e in getattr(result, "entities", None) or [])
    if isinstance(result, JourneyAsyncAggregateQueryResponse):
        assert all(isinstance(r, JourneyAggregateDataContainer) for r in result.results or [])


def test_the_29_operations_are_covered() -> None:
    names = {call.__code__.co_names[0] for _, call, _ in OPERATIONS}
    assert len(names) == 29
    assert len(ONE_PER_OPERATION) == 29


# ---------------------------------------------------------------------------------------------
# Prism checks today's requests


async def test_prism_rejects_a_request_that_breaks_todays_spec(
    prism_url_2026: str, http: httpx.AsyncClient, recorder: Recorder
) -> None:
    """An event type outside the spec's enum, slipped in by middleware, is a 400."""

    async def corrupt(
        request: httpx.Request, call_next: Callable[[httpx.Request], Awaitable[httpx.Response]]
    ) -> httpx.Response:
        request.url = request.url.copy_set_param("eventType", "com.genesys.journey.FaxEvent")
        return await call_next(request)

    async with JourneyClient(
        TOKEN, base_url=prism_url_2026, http_client=http, retry=None, middleware=[corrupt]
    ) as client:
        with pytest.raises(BadRequestError):
            await client.get_journey_session_events(SESSION_ID, event_type=[WEB])
    [exchange] = recorder.exchanges
    assert exchange.violations is not None


async def test_prism_rejects_a_body_missing_required_fields(
    prism_client: JourneyClient, recorder: Recorder
) -> None:
    """A dict body (not checked by the client) without `displayName` breaks the schema."""
    with pytest.raises(BadRequestError):
        await prism_client.post_journey_segments(body={"color": "#008000"})
    assert recorder.exchanges[-1].violations is not None


# ---------------------------------------------------------------------------------------------
# Every operation: accepted, and the answer decodes


@pytest.mark.parametrize(
    ("call", "model"), [op[1:] for op in OPERATIONS], ids=[op[0] for op in OPERATIONS]
)
async def test_operation_request_matches_todays_spec(
    prism_client: JourneyClient, recorder: Recorder, call: Call, model: type | None
) -> None:
    result = await call(prism_client)
    check_result(result, model)
    recorder.assert_no_violations()
    [exchange] = recorder.exchanges
    assert 200 <= exchange.status < 300


DYNAMIC_ROUNDS = 10


@pytest.mark.parametrize(
    ("call", "model"),
    [op[1:] for op in ONE_PER_OPERATION],
    ids=[op[0] for op in ONE_PER_OPERATION],
)
async def test_generated_responses_decode(
    prism_url_2026: str,
    http: httpx.AsyncClient,
    recorder: Recorder,
    call: Call,
    model: type | None,
) -> None:
    """Answers generated from the schemas (`Prefer: dynamic=true`) decode into the models."""
    async with JourneyClient(
        TOKEN,
        base_url=prism_url_2026,
        http_client=http,
        retry=None,
        middleware=[prefer("dynamic=true")],
    ) as client:
        for _ in range(DYNAMIC_ROUNDS):
            check_result(await call(client), model)
    recorder.assert_no_violations()
    assert len(recorder.exchanges) == DYNAMIC_ROUNDS


# ---------------------------------------------------------------------------------------------
# Documented error statuses map to the error classes


@pytest.mark.parametrize("status", sorted(ERROR_CLASSES))
@pytest.mark.parametrize(
    "call", [op[1] for op in ONE_PER_OPERATION], ids=[op[0] for op in ONE_PER_OPERATION]
)
async def test_documented_errors_raise_their_class(
    prism_url_2026: str, http: httpx.AsyncClient, recorder: Recorder, call: Call, status: int
) -> None:
    async with JourneyClient(
        TOKEN,
        base_url=prism_url_2026,
        http_client=http,
        retry=None,
        middleware=[prefer(f"code={status}")],
    ) as client:
        with pytest.raises(ERROR_CLASSES[status]) as info:
            await call(client)
    assert info.value.status == status
    assert recorder.exchanges[-1].status == status
    assert len(recorder.exchanges) == 1


# ---------------------------------------------------------------------------------------------
# The seven pagers (Prism's examples may not paginate: at least the first page decodes)


PagerCall = Callable[[JourneyClient], Any]

PAGERS: list[tuple[str, PagerCall, type]] = [
    (
        "iter_journey_session_events",
        lambda c: c.iter_journey_session_events(SESSION_ID, page_size=2, event_type=[WEB]),
        Event,
    ),
    (
        "iter_externalcontacts_contact_journey_sessions",
        lambda c: c.iter_externalcontacts_contact_journey_sessions(
            CONTACT_ID, page_size="2", include_merged=True
        ),
        Session,
    ),
    (
        "iter_analytics_journeys_aggregates_job_results",
        lambda c: c.iter_analytics_journeys_aggregates_job_results(JOB_ID),
        JourneyAggregateDataContainer,
    ),
    ("iter_journey_segments", lambda c: c.iter_journey_segments(page_size=5), JourneySegment),
    (
        "iter_journey_segments-by-ids",
        lambda c: c.iter_journey_segments(segment_ids=[SEGMENT_ID]),
        JourneySegment,
    ),
    ("iter_journey_actionmaps", lambda c: c.iter_journey_actionmaps(page_size=5), ActionMap),
    (
        "iter_journey_actiontemplates",
        lambda c: c.iter_journey_actiontemplates(state="Active"),
        ActionTemplate,
    ),
    ("iter_journey_views", lambda c: c.iter_journey_views(expand="charts"), JourneyView),
]


@pytest.mark.parametrize(("make", "item"), [p[1:] for p in PAGERS], ids=[p[0] for p in PAGERS])
async def test_pagers_read_their_first_pages(
    prism_client: JourneyClient, recorder: Recorder, make: PagerCall, item: type
) -> None:
    """The pages come through requests Prism accepts, and their items decode.

    Prism's answers do not really paginate: a static example points at itself (the second
    page would repeat its cursor, or page 1 comes back for page 2), and a schema-generated
    listing has an arbitrary `pageNumber`. The pager's own checks refuse those with a
    PaginationError, which is accepted here once the requests themselves were valid.
    """
    pager = make(prism_client)
    pages = []
    refused: PaginationError | None = None
    try:
        async with pager:
            async for page in pager.pages():
                pages.append(page)
                if len(pages) == 2:
                    break
    except PaginationError as exc:
        refused = exc
    recorder.assert_no_violations()
    assert recorder.exchanges
    assert all(200 <= e.status < 300 for e in recorder.exchanges)
    if refused is None or "asked for page 1," not in str(refused):
        assert pages  # only an impossible first page number stops the first page
    items = [i for page in pages for i in (getattr(page, pager._items) or [])]
    assert all(isinstance(i, item) for i in items)


async def test_the_aggregates_job_runs_against_prism(
    prism_client: JourneyClient, recorder: Recorder
) -> None:
    """Submit, poll and read through valid requests; left at `limit`, the job is deleted."""
    pager = prism_client.analytics_journeys_aggregates_job(
        QUERY, poll_interval=0.01, timeout=5.0, limit=1
    )
    async with pager:
        items = [container async for container in pager]
    assert len(items) == 1
    assert isinstance(items[0], JourneyAggregateDataContainer)
    recorder.assert_no_violations()
    methods = [(e.method, e.url.split("/jobs")[-1].split("?")[0]) for e in recorder.exchanges]
    assert methods == [
        ("POST", ""),
        ("GET", f"/{JOB_ID}"),
        ("GET", f"/{JOB_ID}/results"),
        ("DELETE", f"/{JOB_ID}"),
    ]
