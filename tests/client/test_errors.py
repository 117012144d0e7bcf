"""Errors: status codes to exception classes, their attributes and messages, decode and transport
failures."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import respx

from journey_async import JourneyClient, RetryPolicy
from journey_async import TransportError as PackageTransportError
from journey_async.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DecodeError,
    JourneyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
)
from journey_async.models import (
    ActionTargetState,
    AssignmentState,
    ErrorBody,
    LimitNamespace,
    MediaType,
    SegmentScope,
)

TOKEN = "test-token-3f9a"
BASE_URL = "https://api.test.invalid"
CORRELATION_ID = "8f14e45f-ceea-467f-a0e6-5c2e1b7a9d33"
TARGET_PATH = "/api/v2/journey/actiontargets/t1"

STATUS_CLASSES: list[tuple[int, type[ApiError], str, str]] = [
    (400, BadRequestError, "bad.request", "The request could not be understood."),
    (401, AuthenticationError, "authentication.required", "No authentication bearer token."),
    (403, PermissionDeniedError, "missing.any.permissions", "You must have a permission."),
    (404, NotFoundError, "not.found", "The requested resource was not found."),
    (408, ApiError, "client.timeout", "The client did not produce a request in time."),
    (409, ConflictError, "conflict", "The resource was modified."),
    (413, ApiError, "request.entity.too.large", "The request is over the size limit."),
    (415, ApiError, "unsupported.media.type", "Unsupported Media Type."),
    (429, RateLimitError, "too.many.requests.retry.after", "Rate limit exceeded."),
    (500, ServerError, "internal.server.error", "The server encountered an error."),
    (502, ServerError, "bad.gateway", "Bad gateway."),
    (503, ServerError, "service.unavailable", "Service Unavailable."),
    (504, ServerError, "request.timeout", "The request timed out."),
]


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """An ErrorBody as in the OpenAPI examples."""
    return {
        "message": message,
        "code": code,
        "status": status,
        "messageParams": {},
        "contextId": CORRELATION_ID,
        "details": [],
        "errors": [],
    }


class InstantSleep:
    """Records sleeps without waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.now = 0.0

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@contextlib.asynccontextmanager
async def router_client(
    router: respx.Router, *, retry: RetryPolicy | None, sleep: InstantSleep
) -> AsyncIterator[JourneyClient]:
    """A client on its own httpx client mounted on `router`; both closed after."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
        client = JourneyClient(
            TOKEN, base_url=BASE_URL, http_client=http, retry=retry, sleep=sleep, clock=sleep.clock
        )
        async with client:
            yield client


@pytest_asyncio.fixture
async def plain(router: respx.Router) -> AsyncIterator[JourneyClient]:
    """A client on the router with every retry off and instant sleeps."""
    sleep = InstantSleep()
    async with router_client(router, retry=None, sleep=sleep) as c:
        yield c


# ---------------------------------------------------------------------------------------------
# Status -> class


@pytest.mark.parametrize(
    ("status", "cls", "code", "message"), STATUS_CLASSES, ids=[str(s[0]) for s in STATUS_CLASSES]
)
async def test_documented_status_maps_to_class(
    plain: JourneyClient,
    router: respx.Router,
    status: int,
    cls: type[ApiError],
    code: str,
    message: str,
):
    """Each documented error status raises its class with status, code, message, ids and body."""
    router.get(TARGET_PATH).respond(
        status,
        json=error_body(status, code, message),
        headers={"inin-correlation-id": CORRELATION_ID},
    )
    with pytest.raises(ApiError) as info:
        await plain.get_journey_actiontarget("t1")
    err = info.value
    assert type(err) is cls
    assert isinstance(err, JourneyError)
    assert err.status == status
    assert err.code == code
    assert err.message == message
    assert err.correlation_id == CORRELATION_ID
    assert isinstance(err.body, ErrorBody)
    assert err.body.status == status
    assert err.body.code == code
    assert err.body.context_id == CORRELATION_ID
    assert err.body.message_params == {}
    assert err.body.details == []
    assert err.body.errors == []
    assert err.retry_after is None
    assert json.loads(err.text) == error_body(status, code, message)
    assert router.calls.call_count == 1


@pytest.mark.parametrize("status", [402, 405, 406, 410, 411, 418, 422, 451, 499])
async def test_other_4xx_is_plain_api_error(plain: JourneyClient, router: respx.Router, status):
    """A 4xx status without its own class raises `ApiError` itself."""
    router.route().respond(status, json=error_body(status, "some.code", "nope"))
    with pytest.raises(ApiError) as info:
        await plain.get_journey_actiontarget("t1")
    assert type(info.value) is ApiError
    assert info.value.status == status
    assert info.value.code == "some.code"


@pytest.mark.parametrize("status", [501, 505, 507, 520, 599])
async def test_other_5xx_is_server_error(plain: JourneyClient, router: respx.Router, status):
    """Any 5xx status raises `ServerError`."""
    router.route().respond(status, json=error_body(status, "x", "server says no"))
    with pytest.raises(ServerError) as info:
        await plain.get_journey_actiontarget("t1")
    assert type(info.value) is ServerError
    assert info.value.status == status


@pytest.mark.parametrize(("status", "cls"), [(s[0], s[1]) for s in STATUS_CLASSES])
def test_error_class_table(status: int, cls: type[ApiError]):
    """`journey_async.errors.error_class` gives the documented class for each status."""
    from journey_async.errors import error_class

    assert error_class(status) is cls


async def test_errors_of_every_operation(plain: JourneyClient, router: respx.Router):
    """Every operation turns an error status into an `ApiError` naming its own method and path."""
    router.route().respond(404, json=error_body(404, "not.found", "gone"))
    calls = [
        ("GET", "/api/v2/journey/actiontargets/a", plain.get_journey_actiontarget("a")),
        ("GET", "/api/v2/journey/actiontargets", plain.get_journey_actiontargets()),
        (
            "GET",
            "/api/v2/journey/customers/cookie/c/segments",
            plain.get_journey_customer_customer_id_segments("cookie", "c"),
        ),
        (
            "GET",
            "/api/v2/journey/externalcontacts/e/segments",
            plain.get_journey_externalcontact_segments("e"),
        ),
        (
            "GET",
            "/api/v2/journey/sessions/s/segments",
            plain.get_journey_session_segments("s"),
        ),
        (
            "PATCH",
            "/api/v2/journey/actiontargets/a",
            plain.patch_journey_actiontarget("a", body={"name": "n"}),
        ),
        (
            "POST",
            "/api/v2/analytics/journeys/aggregates/query",
            plain.post_analytics_journeys_aggregates_query({"interval": "i", "metrics": []}),
        ),
        (
            "POST",
            "/api/v2/journey/externalcontacts/e/segments",
            plain.post_journey_externalcontact_segments("e", body=[]),
        ),
    ]
    for method, path, coro in calls:
        with pytest.raises(NotFoundError) as info:
            await coro
        text = str(info.value)
        assert method in text
        assert path in text
        assert "404" in text
        assert info.value.request.method == method
    assert router.calls.call_count == len(calls)


# ---------------------------------------------------------------------------------------------
# Message, request, body


async def test_message_names_method_path_status_and_correlation_id(
    plain: JourneyClient, router: respx.Router
):
    """`str(error)` names the method, the path, the status and the correlation id."""
    router.get(TARGET_PATH).respond(
        404,
        json=error_body(404, "not.found", "The requested resource was not found."),
        headers={"inin-correlation-id": "corr-123"},
    )
    with pytest.raises(NotFoundError) as info:
        await plain.get_journey_actiontarget("t1")
    text = str(info.value)
    assert "GET" in text
    assert TARGET_PATH in text
    assert "404" in text
    assert "corr-123" in text
    assert TOKEN not in text


@pytest.mark.parametrize("status", [400, 401, 403, 404, 429, 500, 503])
async def test_token_never_in_message_or_repr(plain: JourneyClient, router: respx.Router, status):
    """No error message, repr or attached request shows the bearer token."""
    router.route().respond(
        status,
        json=error_body(status, "c", "m"),
        headers={"inin-correlation-id": "cid", "Retry-After": "1"},
    )
    with pytest.raises(ApiError) as info:
        await plain.get_journey_actiontarget("t1")
    err = info.value
    assert TOKEN not in str(err)
    assert TOKEN not in repr(err)
    assert TOKEN not in repr(err.request)
    assert TOKEN not in str(err.request.headers)
    assert all(TOKEN not in str(arg) for arg in err.args)


async def test_request_on_error_is_redacted(plain: JourneyClient, router: respx.Router):
    """`ApiError.request` is the request sent, with `Authorization: [redacted]`."""
    route = router.get(TARGET_PATH).respond(403, json=error_body(403, "no", "no"))
    with pytest.raises(PermissionDeniedError) as info:
        await plain.get_journey_actiontarget("t1")
    request = info.value.request
    assert isinstance(request, httpx.Request)
    assert request.headers["Authorization"] == "[redacted]"
    assert request.method == "GET"
    assert request.url == httpx.URL(BASE_URL + TARGET_PATH)
    assert request.headers["Accept"] == "application/json"
    # The request that went out carried the real token: only the copy is redacted.
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_request_on_error_keeps_query(plain: JourneyClient, router: respx.Router):
    """The redacted request on an error keeps the query it was sent with."""
    router.route().respond(400, json=error_body(400, "bad.request", "bad"))
    with pytest.raises(BadRequestError) as info:
        await plain.get_journey_session_segments("s1", page_size=5, segment_scope="Session")
    params = info.value.request.url.params
    assert params["pageSize"] == "5"
    assert params["segmentScope"] == "Session"


async def test_no_correlation_header_gives_none(plain: JourneyClient, router: respx.Router):
    """Without an `inin-correlation-id` header the error's `correlation_id` is None."""
    router.route().respond(404, json=error_body(404, "not.found", "gone"))
    with pytest.raises(NotFoundError) as info:
        await plain.get_journey_actiontarget("t1")
    assert info.value.correlation_id is None


async def test_correlation_header_case_insensitive(plain: JourneyClient, router: respx.Router):
    """The correlation id is read whatever the header's capitalisation (`ININ-Correlation-Id`)."""
    router.route().respond(
        500, json=error_body(500, "x", "y"), headers={"ININ-Correlation-Id": "ABC-1"}
    )
    with pytest.raises(ServerError) as info:
        await plain.get_journey_actiontarget("t1")
    assert info.value.correlation_id == "ABC-1"
    assert "ABC-1" in str(info.value)


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
        (500, "Internal Server Error"),
        (404, ""),
        (400, "[1, 2, 3]"),
        (400, '"just a string"'),
        (403, "{not json"),
    ],
)
async def test_non_errorbody_response(plain: JourneyClient, router: respx.Router, status, text):
    """A body that is not an ErrorBody leaves `.body` None and keeps the raw `.text`."""
    router.route().respond(status, text=text, headers={"inin-correlation-id": "cid-9"})
    with pytest.raises(ApiError) as info:
        await plain.get_journey_actiontarget("t1")
    err = info.value
    assert err.status == status
    assert err.body is None
    assert err.code is None
    assert err.text == text
    assert err.correlation_id == "cid-9"
    assert str(status) in str(err)


async def test_wrongly_typed_errorbody_is_not_a_body(plain: JourneyClient, router: respx.Router):
    """A JSON object whose fields have the wrong types is not taken as an ErrorBody."""
    router.route().respond(400, json={"message": 5, "code": ["x"]})
    with pytest.raises(BadRequestError) as info:
        await plain.get_journey_actiontarget("t1")
    assert info.value.body is None
    assert info.value.status == 400
    assert json.loads(info.value.text) == {"message": 5, "code": ["x"]}


async def test_html_message_is_used_when_no_errorbody(plain: JourneyClient, router: respx.Router):
    """Without an ErrorBody the error's message comes from the raw body text."""
    router.route().respond(502, text="upstream connect error")
    with pytest.raises(ServerError) as info:
        await plain.get_journey_actiontarget("t1")
    assert info.value.message is not None
    assert "upstream connect error" in info.value.message


async def test_errorbody_with_nested_fields(plain: JourneyClient, router: respx.Router):
    """A rich ErrorBody decodes details, nested errors and the later `limit` field."""
    payload = {
        **error_body(429, "too.many.requests", "slow down"),
        "messageWithParams": "limit {n}",
        "messageParams": {"n": "300"},
        "entityId": "e1",
        "entityName": "thing",
        "details": [{"errorCode": "E1", "fieldName": "name"}],
        "errors": [{"message": "inner", "code": "inner.code", "status": 429}],
        "limit": {"key": "token.rate.per.minute", "namespace": "platform.api", "value": 300},
        "brandNewField": {"ignored": True},
    }
    router.route().respond(429, json=payload, headers={"Retry-After": "3"})
    with pytest.raises(RateLimitError) as info:
        await plain.get_journey_actiontarget("t1")
    body = info.value.body
    assert body is not None
    assert body.message_params == {"n": "300"}
    assert body.details is not None and body.details[0].field_name == "name"
    assert body.errors is not None and body.errors[0].code == "inner.code"
    assert body.limit is not None
    assert body.limit.value == 300
    assert body.limit.namespace is LimitNamespace.PLATFORM_API
    assert body.entity_id == "e1"


# ---------------------------------------------------------------------------------------------
# Retry-After


@pytest.mark.parametrize(
    ("status", "cls"), [(429, RateLimitError), (503, ServerError), (500, ServerError)]
)
@pytest.mark.parametrize(("header", "seconds"), [("3", 3.0), ("0.5", 0.5), ("120", 120.0)])
async def test_retry_after_is_exposed(
    plain: JourneyClient, router: respx.Router, status, cls, header, seconds
):
    """`.retry_after` is the Retry-After header in seconds (fractions allowed)."""
    router.route().respond(
        status, json=error_body(status, "c", "m"), headers={"Retry-After": header}
    )
    with pytest.raises(cls) as info:
        await plain.get_journey_actiontarget("t1")
    assert info.value.retry_after == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("header", "check"),
    [
        ("Wed, 21 Oct 2015 07:28:00 GMT", lambda v: v == 0.0),
        ("Fri, 01 Jan 2100 00:00:00 GMT", lambda v: v > 1e8),
    ],
)
async def test_retry_after_http_date(plain: JourneyClient, router: respx.Router, header, check):
    """A Retry-After given as an HTTP date becomes non-negative seconds from now."""
    router.route().respond(503, json=error_body(503, "c", "m"), headers={"Retry-After": header})
    with pytest.raises(ServerError) as info:
        await plain.get_journey_actiontarget("t1")
    assert info.value.retry_after is not None
    assert check(info.value.retry_after)


async def test_retry_after_absent_is_none(plain: JourneyClient, router: respx.Router):
    """A 429 without Retry-After has `.retry_after` None."""
    router.route().respond(429, json=error_body(429, "too.many.requests", "m"))
    with pytest.raises(RateLimitError) as info:
        await plain.get_journey_actiontarget("t1")
    assert info.value.retry_after is None


async def test_retry_after_too_large_raises_at_once(router: respx.Router):
    """With retries on, a Retry-After beyond `max_retry_after` raises at once, without waiting."""
    sleep = InstantSleep()
    router.route().respond(
        429, json=error_body(429, "too.many.requests", "m"), headers={"Retry-After": "500"}
    )
    async with router_client(router, retry=RetryPolicy(), sleep=sleep) as c:
        with pytest.raises(RateLimitError) as info:
            await c.get_journey_actiontarget("t1")
    assert info.value.retry_after == 500.0
    assert router.calls.call_count == 1
    assert sleep.waits == []


# ---------------------------------------------------------------------------------------------
# Decode errors


@pytest.mark.parametrize(
    "text",
    ["not json at all", "<html>ok</html>", "", '{"id": "t1"', "{'id': 't1'}"],
)
async def test_non_json_2xx_is_decode_error(plain: JourneyClient, router: respx.Router, text):
    """A 2xx body that is not JSON raises DecodeError at path `$` with the raw text."""
    router.route().respond(200, text=text)
    with pytest.raises(DecodeError) as info:
        await plain.get_journey_actiontarget("t1")
    assert info.value.path == "$"
    assert info.value.raw == text
    assert isinstance(info.value, JourneyError)
    assert not isinstance(info.value, ApiError)


@pytest.mark.parametrize("payload", [[], [1], "x", 3, None, True])
async def test_wrong_top_level_shape(plain: JourneyClient, router: respx.Router, payload):
    """A 2xx JSON body that is not an object raises DecodeError at path `$`."""
    text = json.dumps(payload)
    router.route().respond(200, text=text)
    with pytest.raises(DecodeError) as info:
        await plain.get_journey_actiontargets()
    assert info.value.path == "$"
    assert info.value.raw == text


def _assignment(index: int, **overrides: Any) -> dict[str, Any]:
    base = {
        "id": f"a{index}",
        "state": "Assigned",
        "dateAssigned": "2020-11-02T14:21:07.512Z",
        "segment": {"id": "s", "scope": "Customer", "version": 1},
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"entities": "x"}, "$.entities"),
        ({"entities": {"a": 1}}, "$.entities"),
        (
            {
                "entities": [
                    _assignment(0),
                    _assignment(1),
                    _assignment(2),
                    _assignment(3, dateAssigned=5),
                ]
            },
            "$.entities[3].dateAssigned",
        ),
        ({"entities": [_assignment(0, dateAssigned="yesterday")]}, "$.entities[0].dateAssigned"),
        ({"entities": [_assignment(0, id=7)]}, "$.entities[0].id"),
        ({"entities": [_assignment(0, state=1)]}, "$.entities[0].state"),
        (
            {"entities": [_assignment(0), _assignment(1, segment={"version": "3"})]},
            "$.entities[1].segment.version",
        ),
        ({"entities": [_assignment(0, segment=[])]}, "$.entities[0].segment"),
        ({"entities": [5]}, "$.entities[0]"),
        ({"entities": [], "nextUri": 12}, "$.nextUri"),
    ],
)
async def test_wrong_types_give_json_path(
    plain: JourneyClient, router: respx.Router, payload, path
):
    """A 2xx body with a value of the wrong type raises DecodeError naming its JSON path."""
    text = json.dumps(payload)
    router.route().respond(200, text=text, headers={"Content-Type": "application/json"})
    with pytest.raises(DecodeError) as info:
        await plain.get_journey_session_segments("s1")
    assert info.value.path == path
    assert info.value.raw == text
    assert path in str(info.value)


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"pageNumber": "1"}, "$.pageNumber"),
        ({"pageNumber": True}, "$.pageNumber"),
        (
            {"entities": [{"serviceLevel": {"percentage": "high"}}]},
            "$.entities[0].serviceLevel.percentage",
        ),
        (
            {"entities": [{}, {"userData": [{"key": 1, "value": "v"}]}]},
            "$.entities[1].userData[0].key",
        ),
        (
            {"entities": [{"supportedMediaTypes": ["webchat", 3]}]},
            "$.entities[0].supportedMediaTypes[1]",
        ),
    ],
)
async def test_wrong_types_in_action_target_listing(
    plain: JourneyClient, router: respx.Router, payload, path
):
    """DecodeError paths reach into nested objects and lists of an action target listing."""
    text = json.dumps(payload)
    router.route().respond(200, text=text)
    with pytest.raises(DecodeError) as info:
        await plain.get_journey_actiontargets()
    assert info.value.path == path
    assert info.value.raw == text


async def test_decode_error_of_aggregates(plain: JourneyClient, router: respx.Router):
    """A malformed aggregates response names the path inside results and data."""
    payload = {"results": [{"group": {}, "data": [{"metrics": [{"stats": {"count": "many"}}]}]}]}
    router.route().respond(200, json=payload)
    with pytest.raises(DecodeError) as info:
        await plain.post_analytics_journeys_aggregates_query({"interval": "i", "metrics": ["m"]})
    assert info.value.path == "$.results[0].data[0].metrics[0].stats.count"


async def test_decode_error_message_has_no_token(plain: JourneyClient, router: respx.Router):
    """A DecodeError's message names the operation but never the token."""
    router.route().respond(200, text="garbage")
    with pytest.raises(DecodeError) as info:
        await plain.get_journey_actiontarget("t1")
    assert TOKEN not in str(info.value)
    assert TARGET_PATH in str(info.value)


async def test_unknown_fields_are_ignored(plain: JourneyClient, router: respx.Router):
    """Unknown JSON fields, at the top and nested, are ignored."""
    router.route().respond(
        200,
        json={
            "id": "t1",
            "brandNew": {"deep": [1, 2]},
            "serviceLevel": {"percentage": 0.5, "future": "x"},
            "userData": [{"key": "k", "value": "v", "extra": 1}],
        },
    )
    target = await plain.get_journey_actiontarget("t1")
    assert target.id == "t1"
    assert target.service_level is not None and target.service_level.percentage == 0.5
    assert target.user_data is not None and target.user_data[0].key == "k"


async def test_missing_fields_are_none(plain: JourneyClient, router: respx.Router):
    """An empty JSON object decodes with every field None."""
    router.route().respond(200, json={})
    listing = await plain.get_journey_session_segments("s1")
    assert listing.entities is None
    assert listing.next_uri is None


async def test_null_fields_are_none(plain: JourneyClient, router: respx.Router):
    """Explicit JSON nulls decode to None."""
    router.route().respond(200, json={"id": None, "state": None, "serviceLevel": None})
    target = await plain.get_journey_actiontarget("t1")
    assert target.id is None
    assert target.state is None
    assert target.service_level is None


async def test_unknown_enum_values_are_plain_str(plain: JourneyClient, router: respx.Router):
    """Unknown enum values stay plain `str`; known ones become enum members."""
    router.route().respond(
        200,
        json={
            "entities": [
                {"state": "Pending", "segment": {"scope": "Household"}},
                {"state": "Assigned", "segment": {"scope": "Session"}},
            ]
        },
    )
    listing = await plain.get_journey_session_segments("s1")
    assert listing.entities is not None
    unknown, known = listing.entities
    assert unknown.state == "Pending"
    assert type(unknown.state) is str
    assert unknown.segment is not None
    assert unknown.segment.scope == "Household"
    assert type(unknown.segment.scope) is str
    assert known.state is AssignmentState.ASSIGNED
    assert known.segment is not None and known.segment.scope is SegmentScope.SESSION


async def test_unknown_enum_values_in_lists(plain: JourneyClient, router: respx.Router):
    """An unknown media type in a list is kept as a plain `str` next to known members."""
    router.route().respond(
        200, json={"supportedMediaTypes": ["webchat", "hologram"], "state": "archived"}
    )
    target = await plain.get_journey_actiontarget("t1")
    assert target.supported_media_types == [MediaType.WEBCHAT, "hologram"]
    assert target.supported_media_types is not None
    assert type(target.supported_media_types[1]) is str
    assert target.state == "archived"
    assert not isinstance(target.state, ActionTargetState)


# ---------------------------------------------------------------------------------------------
# Transport failures


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("connection refused"),
        httpx.ConnectTimeout("connect timed out"),
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("server disconnected"),
        httpx.ReadError("reset by peer"),
        httpx.PoolTimeout("pool exhausted"),
    ],
    ids=lambda e: type(e).__name__,
)
async def test_transport_failure_is_transport_error(
    plain: JourneyClient, router: respx.Router, exc: httpx.HTTPError
):
    """With retry=None an httpx failure raises TransportError, the httpx error as __cause__."""
    router.route().mock(side_effect=exc)
    with pytest.raises(TransportError) as info:
        await plain.get_journey_actiontarget("t1")
    err = info.value
    assert err.__cause__ is exc
    assert isinstance(err, JourneyError)
    assert not isinstance(err, ApiError)
    assert router.calls.call_count == 1
    assert TOKEN not in str(err)
    assert "GET" in str(err)


async def test_transport_error_is_exported_from_package(plain: JourneyClient, router):
    """`journey_async.TransportError` is the class raised for a connection failure."""
    router.route().mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(PackageTransportError) as info:
        await plain.post_analytics_journeys_aggregates_query({"interval": "i", "metrics": ["m"]})
    assert PackageTransportError is TransportError
    assert isinstance(info.value.__cause__, httpx.ConnectError)


async def test_transport_error_request_is_redacted(plain: JourneyClient, router: respx.Router):
    """A TransportError's request, when present, carries `Authorization: [redacted]`."""
    router.route().mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(TransportError) as info:
        await plain.get_journey_actiontarget("t1")
    request = info.value.request
    assert request is not None
    assert request.headers["Authorization"] == "[redacted]"
    assert request.url.path == TARGET_PATH


async def test_connect_error_retried_then_transport_error(router: respx.Router):
    """A connect error is retried up to `max_attempts`, then raised as TransportError."""
    sleep = InstantSleep()
    router.route().mock(side_effect=httpx.ConnectError("refused"))
    async with router_client(router, retry=RetryPolicy(max_attempts=3), sleep=sleep) as c:
        with pytest.raises(TransportError) as info:
            await c.get_journey_actiontarget("t1")
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert router.calls.call_count == 3


async def test_retry_none_does_not_retry_503(plain: JourneyClient, router: respx.Router):
    """With retry=None a 503 is raised after a single request."""
    router.route().respond(503, json=error_body(503, "service.unavailable", "down"))
    with pytest.raises(ServerError):
        await plain.get_journey_actiontarget("t1")
    assert router.calls.call_count == 1


async def test_static_token_401_is_authentication_error(plain: JourneyClient, router):
    """A 401 with a static token raises AuthenticationError after at most one replay."""
    router.route().respond(401, json=error_body(401, "bad.credentials", "Invalid token"))
    with pytest.raises(AuthenticationError) as info:
        await plain.get_journey_actiontarget("t1")
    assert info.value.status == 401
    assert info.value.code == "bad.credentials"
    assert router.calls.call_count == 1
    assert TOKEN not in str(info.value)


@pytest.mark.parametrize(
    "body",
    [
        {"message": f"Invalid header Authorization: Bearer {TOKEN}", "code": "bad.request"},
        f"<html>bad request: Authorization: Bearer {TOKEN}</html>",
    ],
    ids=["errorbody", "text"],
)
async def test_echoed_token_not_in_message(plain: JourneyClient, router: respx.Router, body):
    """Even when the server echoes the bearer token in its error body, `str(error)` hides it."""
    if isinstance(body, dict):
        router.route().respond(400, json=body)
    else:
        router.route().respond(400, text=body)
    with pytest.raises(BadRequestError) as info:
        await plain.get_journey_actiontarget("t1")
    assert info.value.status == 400
    assert TOKEN not in str(info.value)
