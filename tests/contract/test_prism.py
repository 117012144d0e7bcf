"""Contract tests: a real JourneyClient against Stoplight Prism mocking journey-openapi.json.

Prism runs with `--errors`, so a request whose path, query, headers, security or body breaks the
spec is answered with an error status and an `sl-violations` header; every exchange is recorded
and checked for that header. Responses come from the spec's examples (static) or are generated
from its schemas (`Prefer: dynamic=true`) and must decode into the models. `Prefer: code=NNN`
makes Prism answer a documented error status, which must map to the documented exception class.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio

from journey_async import ClientCredentials, JourneyClient
from journey_async.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from journey_async.models import (
    ActionTarget,
    ActionTargetListing,
    AggregationRange,
    AssignmentState,
    FilterType,
    JourneyAggregateQueryClause,
    JourneyAggregateQueryFilter,
    JourneyAggregateQueryPredicate,
    JourneyAggregateQueryResponse,
    JourneyAggregationQuery,
    JourneyAggregationView,
    JourneyDimension,
    JourneyMetric,
    NumericRange,
    PatchActionTarget,
    PredicateOperator,
    PredicateType,
    SegmentAssignment,
    SegmentAssignmentListing,
    SegmentAssignmentsUpdate,
    SegmentScope,
    ServiceLevel,
    ViewFunction,
)

pytestmark = pytest.mark.contract

TOKEN = "contract-token-5e2b"
ACTION_TARGET_ID = "0b4f6a0e-5a53-4b39-9d5f-6b1d2c6f9a10"
CUSTOMER_ID = "b7a0c3f2-1d4e-4f5a-9b8c-7d6e5f4a3b2c"
CONTACT_ID = "3a4b5c6d-7e8f-4a9b-8c7d-6e5f4a3b2c1d"
SESSION_ID = "5d6e7f80-91a2-4b3c-8d4e-f5a6b7c8d9e0"
EXAMPLE_ACCESS_TOKEN = "dGhpcy1pcy1hLWZha2UtYWNjZXNzLXRva2Vu-1f2e3d4c"
INTERVAL = "2020-11-01T00:00:00.000Z/2020-11-03T00:00:00.000Z"

Call = Callable[[JourneyClient], Awaitable[Any]]

QUERY_MODEL = JourneyAggregationQuery(
    INTERVAL,
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
        clauses=[
            JourneyAggregateQueryClause(
                FilterType.OR,
                [
                    JourneyAggregateQueryPredicate(
                        type=PredicateType.METRIC, range=NumericRange(gte=1.0, lt=10.0)
                    )
                ],
            )
        ],
    ),
    views=[
        JourneyAggregationView(
            JourneyMetric.N_WEB_ACTIONS_OFFERED,
            "offeredBand",
            ViewFunction.RANGE_BOUND,
            range=AggregationRange(gte=0.0, lt=100.0),
        )
    ],
    flatten_multivalued_dimensions=True,
)

QUERY_DICT: dict[str, Any] = {
    "interval": INTERVAL,
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

# (test id, the call, the model of its result; None: a 204 without a body)
OPERATIONS: list[tuple[str, Call, type | None]] = [
    (
        "get_actiontarget",
        lambda c: c.get_journey_actiontarget(ACTION_TARGET_ID),
        ActionTarget,
    ),
    ("get_actiontargets-defaults", lambda c: c.get_journey_actiontargets(), ActionTargetListing),
    (
        "get_actiontargets-paged",
        lambda c: c.get_journey_actiontargets(page_number=3, page_size=100),
        ActionTargetListing,
    ),
    (
        "get_customer_segments-bare",
        lambda c: c.get_journey_customer_customer_id_segments("cookie", CUSTOMER_ID),
        SegmentAssignmentListing,
    ),
    (
        "get_customer_segments-enums",
        lambda c: c.get_journey_customer_customer_id_segments(
            "email",
            "someone@example.com",
            page_size=200,
            after="eyJsYXN0SWQiOiJmMGUxZDJjMyJ9",
            segment_scope=SegmentScope.CUSTOMER,
            assignment_state=AssignmentState.UNASSIGNED,
        ),
        SegmentAssignmentListing,
    ),
    (
        "get_externalcontact_segments-strings",
        lambda c: c.get_journey_externalcontact_segments(
            CONTACT_ID,
            page_size="10",
            after="abc+/=",
            segment_scope="Session",
            assignment_state="Assigned",
        ),
        SegmentAssignmentListing,
    ),
    (
        "get_session_segments",
        lambda c: c.get_journey_session_segments(
            SESSION_ID, page_size=1, segment_scope=SegmentScope.SESSION
        ),
        SegmentAssignmentListing,
    ),
    (
        "patch_actiontarget-model",
        lambda c: c.patch_journey_actiontarget(
            ACTION_TARGET_ID,
            body=PatchActionTarget(
                name="Sales chat queue",
                service_level=ServiceLevel(percentage=0.85, duration_ms=15000),
                short_abandon_threshold=5,
            ),
        ),
        ActionTarget,
    ),
    (
        "patch_actiontarget-dict",
        lambda c: c.patch_journey_actiontarget(
            ACTION_TARGET_ID, body={"name": "Renamed", "serviceLevel": {"percentage": 0.5}}
        ),
        ActionTarget,
    ),
    (
        "patch_actiontarget-no-body",
        lambda c: c.patch_journey_actiontarget(ACTION_TARGET_ID),
        ActionTarget,
    ),
    (
        "aggregates_query-model",
        lambda c: c.post_analytics_journeys_aggregates_query(QUERY_MODEL),
        JourneyAggregateQueryResponse,
    ),
    (
        "aggregates_query-dict",
        lambda c: c.post_analytics_journeys_aggregates_query(QUERY_DICT),
        JourneyAggregateQueryResponse,
    ),
    (
        "post_externalcontact_segments-models",
        lambda c: c.post_journey_externalcontact_segments(
            CONTACT_ID,
            body=[
                SegmentAssignmentsUpdate("2c8d1a7e-3f4b-4c9d-8e1f-0a9b8c7d6e5f", "Assigned"),
                SegmentAssignmentsUpdate(
                    "9f8e7d6c-5b4a-4392-8172-6a5b4c3d2e1f", AssignmentState.UNASSIGNED
                ),
            ],
        ),
        None,
    ),
    (
        "post_externalcontact_segments-dicts",
        lambda c: c.post_journey_externalcontact_segments(
            CONTACT_ID, body=[{"segmentId": "s1", "state": "Unassigned"}]
        ),
        None,
    ),
    (
        "post_externalcontact_segments-empty",
        lambda c: c.post_journey_externalcontact_segments(CONTACT_ID, body=[]),
        None,
    ),
    (
        "post_externalcontact_segments-no-body",
        lambda c: c.post_journey_externalcontact_segments(CONTACT_ID),
        None,
    ),
]

# One plain call per operation (the eight), for the error and dynamic-response tests.
EIGHT: list[tuple[str, Call, type | None]] = [
    op
    for op in OPERATIONS
    if op[0]
    in {
        "get_actiontarget",
        "get_actiontargets-defaults",
        "get_customer_segments-bare",
        "get_externalcontact_segments-strings",
        "get_session_segments",
        "patch_actiontarget-model",
        "aggregates_query-model",
        "post_externalcontact_segments-models",
    }
]

ERROR_CLASSES: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: ApiError,
    413: ApiError,
    415: ApiError,
    429: RateLimitError,
    500: ServerError,
    503: ServerError,
    504: ServerError,
}


@dataclass
class Exchange:
    """One request as sent on the wire and what Prism said about it."""

    method: str
    url: str
    request_headers: httpx.Headers
    request_body: bytes
    status: int
    violations: str | None


@dataclass
class Recorder:
    """Every request/response pair of one `httpx.AsyncClient`, token requests included."""

    exchanges: list[Exchange] = field(default_factory=list)

    async def on_response(self, response: httpx.Response) -> None:
        request = response.request
        self.exchanges.append(
            Exchange(
                method=request.method,
                url=str(request.url),
                request_headers=request.headers,
                request_body=request.content,
                status=response.status_code,
                violations=response.headers.get("sl-violations"),
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
    """An httpx client that records every exchange (API and token requests) in `recorder`."""
    async with httpx.AsyncClient(
        timeout=10.0, event_hooks={"response": [recorder.on_response]}
    ) as client:
        yield client


@pytest_asyncio.fixture
async def prism_client(prism_url: str, http: httpx.AsyncClient) -> AsyncIterator[JourneyClient]:
    """A JourneyClient on Prism with a static bearer token, no retries, recording its traffic."""
    async with JourneyClient(TOKEN, base_url=prism_url, http_client=http, retry=None) as client:
        yield client


def prefer(value: str) -> Callable[..., Awaitable[httpx.Response]]:
    """Middleware that asks Prism for a particular answer (`Prefer: code=404`, `dynamic=true`)."""

    async def middleware(
        request: httpx.Request, call_next: Callable[[httpx.Request], Awaitable[httpx.Response]]
    ) -> httpx.Response:
        request.headers["Prefer"] = value
        return await call_next(request)

    return middleware


def check_result(result: object, model: type | None) -> None:
    """The decoded result has the operation's model, with its lists decoded item by item."""
    if model is None:
        assert result is None
        return
    assert isinstance(result, model)
    if isinstance(result, ActionTargetListing):
        assert all(isinstance(e, ActionTarget) for e in result.entities or [])
    if isinstance(result, SegmentAssignmentListing):
        assert all(isinstance(e, SegmentAssignment) for e in result.entities or [])


def test_eight_operations_are_covered() -> None:
    """The operation table exercises each of the eight operations of JourneyClient."""
    names = {call.__code__.co_names[0] for _, call, _ in OPERATIONS}
    assert len(EIGHT) == 8
    assert names == {
        "get_journey_actiontarget",
        "get_journey_actiontargets",
        "get_journey_customer_customer_id_segments",
        "get_journey_externalcontact_segments",
        "get_journey_session_segments",
        "patch_journey_actiontarget",
        "post_analytics_journeys_aggregates_query",
        "post_journey_externalcontact_segments",
    }


# ---------------------------------------------------------------------------------------------
# Prism really checks requests (so a clean run means something)


async def test_prism_rejects_a_request_that_breaks_the_spec(
    prism_url: str, http: httpx.AsyncClient, recorder: Recorder
) -> None:
    """A query value outside the spec's enum, slipped in by middleware, is a 400 with violations."""

    async def corrupt(
        request: httpx.Request, call_next: Callable[[httpx.Request], Awaitable[httpx.Response]]
    ) -> httpx.Response:
        request.url = request.url.copy_set_param("segmentScope", "Galaxy")
        return await call_next(request)

    async with JourneyClient(
        TOKEN, base_url=prism_url, http_client=http, retry=None, middleware=[corrupt]
    ) as client:
        with pytest.raises(BadRequestError):
            await client.get_journey_session_segments(SESSION_ID, segment_scope="Session")
    [exchange] = recorder.exchanges
    assert exchange.violations is not None
    assert "segmentscope" in exchange.violations.lower()


async def test_prism_rejects_a_request_without_the_bearer_token(
    prism_url: str, http: httpx.AsyncClient, recorder: Recorder
) -> None:
    """Without an Authorization header Prism answers 401, which is an AuthenticationError."""

    async def strip(
        request: httpx.Request, call_next: Callable[[httpx.Request], Awaitable[httpx.Response]]
    ) -> httpx.Response:
        del request.headers["Authorization"]
        return await call_next(request)

    async with JourneyClient(
        TOKEN, base_url=prism_url, http_client=http, retry=None, middleware=[strip]
    ) as client:
        with pytest.raises(AuthenticationError):
            await client.get_journey_actiontarget(ACTION_TARGET_ID)
    assert recorder.exchanges[-1].violations is not None


# ---------------------------------------------------------------------------------------------
# Every operation, valid arguments: Prism accepts the request, the example decodes


@pytest.mark.parametrize(
    ("call", "model"), [op[1:] for op in OPERATIONS], ids=[op[0] for op in OPERATIONS]
)
async def test_operation_request_matches_the_spec(
    prism_client: JourneyClient, recorder: Recorder, call: Call, model: type | None
) -> None:
    """Prism accepts the request as sent (with the bearer token) and its example decodes."""
    result = await call(prism_client)
    check_result(result, model)
    recorder.assert_no_violations()
    [exchange] = recorder.exchanges
    assert exchange.status in (200, 204)
    assert exchange.request_headers["Authorization"] == f"Bearer {TOKEN}"


async def test_static_examples_decode_to_their_values(prism_client: JourneyClient) -> None:
    """The spec's examples come back as the values they spell (names, enums, dates, nesting)."""
    target = await prism_client.get_journey_actiontarget(ACTION_TARGET_ID)
    assert target.id == ACTION_TARGET_ID
    assert target.service_level is not None
    assert target.created_date is not None
    assert target.created_date.tzinfo is not None
    listing = await prism_client.get_journey_customer_customer_id_segments("cookie", CUSTOMER_ID)
    assert listing.entities
    assert listing.entities[0].state == AssignmentState.ASSIGNED
    assert listing.next_uri is not None
    assert "after=" in listing.next_uri
    result = await prism_client.post_analytics_journeys_aggregates_query(QUERY_DICT)
    assert result.results
    assert result.results[0].data


# ---------------------------------------------------------------------------------------------
# Responses generated from the schemas (`Prefer: dynamic=true`) decode


DYNAMIC_ROUNDS = 25


@pytest.mark.parametrize(("call", "model"), [op[1:] for op in EIGHT], ids=[op[0] for op in EIGHT])
async def test_generated_responses_decode(
    prism_url: str, http: httpx.AsyncClient, recorder: Recorder, call: Call, model: type | None
) -> None:
    """Responses json-schema-faker generates from the spec's schemas all decode into the model."""
    async with JourneyClient(
        TOKEN, base_url=prism_url, http_client=http, retry=None, middleware=[prefer("dynamic=true")]
    ) as client:
        for _ in range(DYNAMIC_ROUNDS):
            check_result(await call(client), model)
    recorder.assert_no_violations()
    assert len(recorder.exchanges) == DYNAMIC_ROUNDS


# ---------------------------------------------------------------------------------------------
# Pagers: the cursor copied from nextUri is a valid `after`


async def test_cursor_pager_follows_next_uri(
    prism_client: JourneyClient, recorder: Recorder
) -> None:
    """The cursor pager sends the `after` of the example's nextUri back in a valid request."""
    pager = prism_client.iter_journey_customer_customer_id_segments(
        "cookie", CUSTOMER_ID, page_size=2, limit=3, prefetch=0
    )
    items = [item async for item in pager]
    assert len(items) == 3
    recorder.assert_no_violations()
    assert "after=eyJsYXN0SWQiOiJmMGUxZDJjMyJ9" in recorder.exchanges[1].url


async def test_page_number_pager_reads_the_listing(
    prism_client: JourneyClient, recorder: Recorder
) -> None:
    """The action-target pager reads the example's single page through valid requests."""
    items = [item async for item in prism_client.iter_journey_actiontargets(page_size=25)]
    assert len(items) == 2
    recorder.assert_no_violations()


# ---------------------------------------------------------------------------------------------
# Path parameters that need encoding still reach their route


AWKWARD_IDS = ["a/b", "x y", "é/ü", "a?b=c#d", "%2F", "a+b", "x;y=z", "~!*'()", "...", "../x"]


@pytest.mark.parametrize("awkward", AWKWARD_IDS)
async def test_awkward_ids_reach_the_documented_route(
    prism_client: JourneyClient, recorder: Recorder, awkward: str
) -> None:
    """An id that must be percent-encoded still matches the operation's path template."""
    await prism_client.get_journey_actiontarget(awkward)
    await prism_client.get_journey_customer_customer_id_segments(awkward, awkward, after=awkward)
    recorder.assert_no_violations()


@pytest.mark.parametrize("dots", [".", ".."])
async def test_dot_ids_are_refused_before_any_request(
    prism_client: JourneyClient, recorder: Recorder, dots: str
) -> None:
    """An id of `.` or `..` is a ValueError: servers (Prism among them) would resolve it away."""
    before = len(recorder.exchanges)
    with pytest.raises(ValueError, match="path segment"):
        await prism_client.get_journey_actiontarget(dots)
    assert len(recorder.exchanges) == before


# ---------------------------------------------------------------------------------------------
# The token grant


async def test_client_credentials_grant_matches_the_spec(
    prism_url: str, http: httpx.AsyncClient, recorder: Recorder
) -> None:
    """ClientCredentials sends a token request Prism accepts, then uses the issued token."""
    credentials = ClientCredentials("my-client-id", "my-secret", login_url=prism_url)
    async with JourneyClient(credentials, base_url=prism_url, http_client=http, retry=None) as c:
        target = await c.get_journey_actiontarget(ACTION_TARGET_ID)
        await c.get_journey_actiontargets()
    assert isinstance(target, ActionTarget)
    recorder.assert_no_violations()
    assert credentials.token_requests == 1
    token_request, *api_requests = recorder.exchanges
    assert token_request.method == "POST"
    assert token_request.url == prism_url + "/oauth/token"
    assert token_request.status == 200
    expected_basic = base64.b64encode(b"my-client-id:my-secret").decode()
    assert token_request.request_headers["Authorization"] == f"Basic {expected_basic}"
    assert token_request.request_body == b"grant_type=client_credentials"
    assert [e.request_headers["Authorization"] for e in api_requests] == [
        f"Bearer {EXAMPLE_ACCESS_TOKEN}"
    ] * 2


async def test_client_credentials_follow_the_base_url(
    prism_url: str, http: httpx.AsyncClient, recorder: Recorder
) -> None:
    """Without login_url, a base URL without `api.` is the login host too."""
    credentials = ClientCredentials("id", "secret")
    async with JourneyClient(credentials, base_url=prism_url, http_client=http, retry=None) as c:
        await c.get_journey_session_segments(SESSION_ID)
    recorder.assert_no_violations()
    assert [e.url.removeprefix(prism_url).split("?")[0] for e in recorder.exchanges] == [
        "/oauth/token",
        f"/api/v2/journey/sessions/{SESSION_ID}/segments",
    ]


async def test_generated_token_responses_decode(prism_url: str, recorder: Recorder) -> None:
    """Token responses generated from the TokenResponse schema give a usable token."""
    async with httpx.AsyncClient(
        headers={"Prefer": "dynamic=true"}, event_hooks={"response": [recorder.on_response]}
    ) as http:
        for _ in range(10):
            credentials = ClientCredentials("id", "secret", login_url=prism_url)
            async with JourneyClient(credentials, base_url=prism_url, http_client=http, retry=None):
                token = await credentials.get_token()
            assert isinstance(token, str)
            assert token
    recorder.assert_no_violations()


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, AuthenticationError), (401, AuthenticationError), (429, RateLimitError)],
)
async def test_token_endpoint_errors(
    prism_url: str,
    openapi: dict[str, Any],
    recorder: Recorder,
    status: int,
    error: type[ApiError],
) -> None:
    """Each documented token-endpoint error raises its class with the server's description."""
    example = openapi["paths"]["/oauth/token"]["post"]["responses"][str(status)]["content"][
        "application/json"
    ]["example"]
    async with httpx.AsyncClient(
        headers={"Prefer": f"code={status}"}, event_hooks={"response": [recorder.on_response]}
    ) as http:
        credentials = ClientCredentials("id", "secret", login_url=prism_url)
        async with JourneyClient(
            credentials, base_url=prism_url, http_client=http, retry=None
        ) as c:
            with pytest.raises(error) as caught:
                await c.get_journey_actiontarget(ACTION_TARGET_ID)
    assert type(caught.value) is error
    assert caught.value.status == status
    if status == 429:
        assert caught.value.retry_after is not None
    else:
        assert caught.value.code == example["error"]
        assert caught.value.message == example["description"]
    recorder.assert_no_violations()
    assert [e.url for e in recorder.exchanges] == [prism_url + "/oauth/token"]


# ---------------------------------------------------------------------------------------------
# Documented error statuses map to the documented exception classes


ERROR_CASES = list(ERROR_CLASSES.items())
ERROR_IDS = [f"{status}-{error.__name__}" for status, error in ERROR_CASES]


@pytest.mark.parametrize(("status", "error"), ERROR_CASES, ids=ERROR_IDS)
async def test_documented_error_status_maps_to_its_class(
    prism_url: str,
    openapi: dict[str, Any],
    http: httpx.AsyncClient,
    recorder: Recorder,
    status: int,
    error: type[ApiError],
) -> None:
    """`Prefer: code=NNN` on each of the eight operations raises the class API.md maps it to."""
    example = openapi["components"]["responses"][f"E{status}"]["content"]["application/json"][
        "example"
    ]
    for name, call, _ in EIGHT:
        # A client per call: a 429's Retry-After would otherwise pause the next call for 3 s.
        async with JourneyClient(
            TOKEN,
            base_url=prism_url,
            http_client=http,
            retry=None,
            middleware=[prefer(f"code={status}")],
        ) as client:
            with pytest.raises(ApiError) as caught:
                await call(client)
        exc = caught.value
        assert type(exc) is error, name
        assert exc.status == status, name
        assert exc.code == example["code"], name
        assert exc.message == example["message"], name
        assert exc.correlation_id == example["contextId"], name
        assert exc.body is not None, name
        if status == 429:
            assert exc.retry_after == 3, name
    recorder.assert_no_violations()
    # A StaticToken cannot refresh, so a 401 is not replayed: one request per operation.
    assert [e.status for e in recorder.exchanges] == [status] * len(EIGHT)


@pytest.mark.parametrize(("status", "error"), ERROR_CASES, ids=ERROR_IDS)
async def test_generated_error_bodies_map_to_their_class(
    prism_url: str, http: httpx.AsyncClient, status: int, error: type[ApiError]
) -> None:
    """Error bodies generated from the ErrorBody schema still raise the mapped class."""
    for _ in range(5):
        async with JourneyClient(
            TOKEN,
            base_url=prism_url,
            http_client=http,
            retry=None,
            middleware=[prefer(f"code={status}, dynamic=true")],
        ) as client:
            with pytest.raises(ApiError) as caught:
                await client.get_journey_actiontarget(ACTION_TARGET_ID)
        assert type(caught.value) is error
        assert caught.value.status == status
