"""Every `JourneyError` survives pickle and `copy.copy` with all its attributes.

Errors travel: to the parent of a process pool, through a task queue (Celery, RQ, arq), to a
test runner's worker, to a log shipper. Python's default exception pickling rebuilds an error as
`cls(*args)` and then sets its `__dict__`; that calls `__init__` with the message alone, which
fails for keyword-only attributes (`ApiError`'s `status` and `request`,
`ResponseTooLargeError`'s `limit`) with a `TypeError` at unpickling time, far from the cause.

Each case builds an error with every attribute set, round-trips it (pickle at the highest
protocol and at protocol 2, `copy.copy`, `copy.deepcopy`) and compares: same class, same message,
same attributes, the request still redacted. This module also holds the three classes the issue
adds: `RequestTimeoutError` (a `TransportError` that is also a builtin `TimeoutError`),
`ResponseTooLargeError` (`.limit`) and `JobError` (`.job_id`, `.state`, `.error_message`).
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

import journey_async
import journey_async.errors
from journey_async import JourneyClient
from journey_async._exceptions import redact_request
from journey_async.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DecodeError,
    JobError,
    JourneyError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ResponseTooLargeError,
    ServerError,
    TransportError,
)
from journey_async.models import Detail, ErrorBody, Limit

URL = "https://api.test.invalid/api/v2/journey/actiontargets/t1?expand=x"
CORRELATION_ID = "8f14e45f-ceea-467f-a0e6-5c2e1b7a9d33"

ROUND_TRIPS: dict[str, Callable[[Any], Any]] = {
    "pickle": lambda error: pickle.loads(pickle.dumps(error, pickle.HIGHEST_PROTOCOL)),
    "pickle-protocol-2": lambda error: pickle.loads(pickle.dumps(error, 2)),
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
}

API_ERRORS: list[tuple[type[ApiError], int]] = [
    (ApiError, 418),
    (BadRequestError, 400),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (RateLimitError, 429),
    (ServerError, 503),
]


def redacted_request() -> httpx.Request:
    """A request as errors carry it: `Authorization: [redacted]`."""
    request = httpx.Request(
        "PATCH", URL, headers={"Authorization": "Bearer tok-1", "Accept": "application/json"}
    )
    return redact_request(request)


def error_body(status: int) -> ErrorBody:
    return ErrorBody(
        message="The resource was not found.",
        code="not.found",
        status=status,
        entity_id="t1",
        message_with_params="The {thing} was not found.",
        message_params={"thing": "action target"},
        context_id=CORRELATION_ID,
        details=[Detail(error_code="E1", field_name="name")],
        errors=[ErrorBody(message="nested", code="inner")],
        limit=Limit(key="requests.per.minute", namespace="journey", value=300),
    )


def assert_same_request(clone: httpx.Request | None, original: httpx.Request | None) -> None:
    assert (clone is None) == (original is None)
    if clone is None or original is None:
        return
    assert clone.method == original.method
    assert str(clone.url) == str(original.url)
    assert clone.headers.multi_items() == original.headers.multi_items()
    assert clone.headers["authorization"] == "[redacted]"


def assert_round_trips(error: JourneyError, round_trip: Callable[[Any], Any]) -> Any:
    """`round_trip(error)` is an equal error of the same class; returns it."""
    clone = round_trip(error)
    assert clone is not error
    assert type(clone) is type(error)
    assert clone.args == error.args
    assert str(clone) == str(error)
    assert set(vars(clone)) == set(vars(error))
    for name, value in vars(error).items():
        if isinstance(value, httpx.Request):
            assert_same_request(getattr(clone, name), value)
        else:
            assert getattr(clone, name) == value, name
    return clone


@pytest.mark.parametrize("round_trip", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
@pytest.mark.parametrize(("cls", "status"), API_ERRORS, ids=[cls.__name__ for cls, _ in API_ERRORS])
def test_api_error_round_trips_with_every_attribute(
    cls: type[ApiError], status: int, round_trip: Callable[[Any], Any]
):
    """ApiError and each subclass round-trip with status, code, message, body, request..."""
    error = cls(
        f"PATCH /api/v2/journey/actiontargets/t1 -> {status} not.found",
        status=status,
        request=redacted_request(),
        code="not.found",
        message="The resource was not found.",
        correlation_id=CORRELATION_ID,
        body=error_body(status),
        text='{"message": "The resource was not found."}',
        retry_after=1.5,
    )

    clone = assert_round_trips(error, round_trip)

    assert clone.status == status
    assert clone.code == "not.found"
    assert clone.message == "The resource was not found."
    assert clone.correlation_id == CORRELATION_ID
    assert clone.body == error_body(status)
    assert clone.text == '{"message": "The resource was not found."}'
    assert clone.retry_after == 1.5
    assert clone.request.method == "PATCH"
    assert str(clone.request.url) == URL


@pytest.mark.parametrize("round_trip", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
def test_api_error_without_body_or_retry_after_round_trips(round_trip: Callable[[Any], Any]):
    """An ApiError whose optional attributes are None round-trips with them None."""
    error = ServerError("GET /x -> 502", status=502, request=redacted_request())

    clone = assert_round_trips(error, round_trip)

    assert (clone.body, clone.code, clone.retry_after, clone.text) == (None, None, None, "")


def other_errors() -> dict[str, JourneyError]:
    """One of each non-API error, every attribute set."""
    return {
        "TransportError": TransportError(
            "GET /x: ConnectError: refused", request=redacted_request()
        ),
        "TransportError-no-request": TransportError("GET /x: ConnectError: refused"),
        "RequestTimeoutError": RequestTimeoutError(
            "GET /x: ReadTimeout after 4 attempts in 120.0 s", request=redacted_request()
        ),
        "ResponseTooLargeError": ResponseTooLargeError(
            "GET /x: the body is over max_response_size", request=redacted_request(), limit=1024
        ),
        "DecodeError": DecodeError(
            "GET /x: cannot decode ActionTarget at $.id",
            path="$.entities[3].dateAssigned",
            raw='{"entities": []}',
        ),
        "PaginationError": PaginationError("the server returned cursor 'c' a second time"),
        "JobError": JobError(
            "the aggregates job j-1 ended FAILED",
            job_id="j-1",
            state="FAILED",
            error_message="query too large",
        ),
        "JourneyError": JourneyError("something went wrong"),
    }


@pytest.mark.parametrize("round_trip", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
@pytest.mark.parametrize("name", list(other_errors()))
def test_other_errors_round_trip_with_every_attribute(name: str, round_trip: Callable[[Any], Any]):
    """TransportError, RequestTimeoutError, ResponseTooLargeError, DecodeError... round-trip."""
    assert_round_trips(other_errors()[name], round_trip)


@pytest.mark.parametrize("round_trip", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
def test_new_error_attributes_survive_a_round_trip(round_trip: Callable[[Any], Any]):
    """`.limit` of ResponseTooLargeError and `.job_id/.state/.error_message` of JobError survive."""
    errors = other_errors()

    too_large = round_trip(errors["ResponseTooLargeError"])
    job = round_trip(errors["JobError"])
    timeout = round_trip(errors["RequestTimeoutError"])

    assert too_large.limit == 1024
    assert (job.job_id, job.state, job.error_message) == ("j-1", "FAILED", "query too large")
    assert isinstance(timeout, RequestTimeoutError)
    assert isinstance(timeout, TimeoutError)
    assert timeout.request is not None
    assert timeout.request.headers["authorization"] == "[redacted]"


@pytest.mark.anyio
async def test_error_raised_by_the_client_pickles(router: respx.Router, client: JourneyClient):
    """A NotFoundError raised by a real call pickles with its ErrorBody and redacted request."""
    router.get("/api/v2/journey/actiontargets/t1").respond(
        404,
        json={"message": "Not found", "code": "not.found", "status": 404},
        headers={"inin-correlation-id": CORRELATION_ID},
    )
    with pytest.raises(NotFoundError) as info:
        await client.get_journey_actiontarget("t1")

    clone = pickle.loads(pickle.dumps(info.value))

    assert type(clone) is NotFoundError
    assert clone.status == 404
    assert clone.code == "not.found"
    assert clone.correlation_id == CORRELATION_ID
    assert clone.body == ErrorBody(message="Not found", code="not.found", status=404)
    assert clone.request.method == "GET"
    assert clone.request.url.path == "/api/v2/journey/actiontargets/t1"
    assert clone.request.headers["authorization"] == "[redacted]"
    assert str(clone) == str(info.value)


def test_request_timeout_error_is_a_transport_error_and_a_builtin_timeout_error():
    """`except TimeoutError` and `except TransportError` both catch RequestTimeoutError."""
    assert issubclass(RequestTimeoutError, TransportError)
    assert issubclass(RequestTimeoutError, TimeoutError)
    with pytest.raises(TimeoutError):
        raise RequestTimeoutError("GET /x: ReadTimeout", request=redacted_request())


def test_response_too_large_error_takes_its_limit_by_keyword_only():
    """ResponseTooLargeError is a TransportError whose `limit` is a required keyword."""
    error = ResponseTooLargeError("too large", limit=10_485_760)

    assert isinstance(error, TransportError)
    assert error.limit == 10_485_760
    assert error.request is None
    with pytest.raises(TypeError):
        ResponseTooLargeError("too large", None, 1024)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ResponseTooLargeError("too large")  # type: ignore[call-arg]


def test_job_error_attributes_default_to_none():
    """JobError is a JourneyError whose job_id, state and error_message default to None."""
    error = JobError("the job did not finish within 600 s")

    assert isinstance(error, JourneyError)
    assert not isinstance(error, (ApiError, TransportError))
    assert (error.job_id, error.state, error.error_message) == (None, None, None)


@pytest.mark.parametrize("name", ["RequestTimeoutError", "ResponseTooLargeError", "JobError"])
def test_new_errors_are_exported_from_the_package_and_errors(name: str):
    """The new classes are in `journey_async` and `journey_async.errors`, the same objects."""
    assert name in journey_async.__all__
    assert name in journey_async.errors.__all__
    assert getattr(journey_async, name) is getattr(journey_async.errors, name)
