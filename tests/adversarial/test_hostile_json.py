"""Hostile JSON anywhere is a clear error of this package, never a RecursionError.

A server, or a proxy in front of it, can answer with a document nested far deeper than any real
payload. `json.loads` refuses `[[[[...` a hundred thousand levels deep with a `RecursionError`,
not a `ValueError`, so code that only catches `ValueError` lets it escape. A document nested a few
hundred levels (an `ErrorBody` inside `errors` inside `errors`...) parses, and then overflows the
stack while the models are built. Wherever such a body arrives the caller gets a `JourneyError`:

* an error status (4xx/5xx): the `ApiError` subclass of the status, with `body` None;
* a 2xx body: `DecodeError`;
* the OAuth token endpoint (`ClientCredentials`): `AuthenticationError` or `DecodeError`.

Everything runs against in-process mock transports.
"""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from journey_async import ClientCredentials, JourneyClient
from journey_async._serde import decode
from journey_async._status import make_status_error
from journey_async.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    DecodeError,
    ServerError,
)
from journey_async.models import ErrorBody

pytestmark = pytest.mark.anyio

BASE_URL = "https://api.test.invalid"  # as in conftest.py
LOGIN_URL = "https://login.test.invalid"
TARGET_PATH = "/api/v2/journey/actiontargets/t1"

DEEP_BODIES = {
    "arrays": "[" * 100_000,
    "objects": '{"a":' * 100_000,
    "error-body": '{"message": "m", "details": ' + "[" * 100_000,
}


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
@pytest.mark.parametrize(
    ("status", "error_class"), [(400, BadRequestError), (503, ServerError)], ids=["400", "503"]
)
async def test_deeply_nested_error_body_gives_the_status_error(
    router: respx.Router,
    client: JourneyClient,
    body: str,
    status: int,
    error_class: type[ApiError],
):
    """A 4xx/5xx whose body nests 100,000 levels deep raises the status's ApiError, body None."""
    router.get(TARGET_PATH).respond(status, text=body)

    with pytest.raises(error_class) as info:
        await client.get_journey_actiontarget("t1")

    assert info.value.status == status
    assert info.value.body is None
    assert info.value.text.startswith(body[:1000])  # (the client may keep only a prefix)


def _parsable_depth() -> int:
    """The deepest `{"errors": [...]}` nesting `json.loads` accepts here, minus a margin.

    The interpreter's recursion limit and the current stack decide it (about 450 levels on
    CPython 3.11 with its default limit of 1,000), so it is measured rather than assumed.
    """
    low, high = 1, 4000
    while low < high:
        middle = (low + high + 1) // 2
        try:
            json.loads('{"errors":[' * middle + "{}" + "]}" * middle)
        except RecursionError:
            high = middle - 1
        else:
            low = middle
    return max(1, low - 10)


def test_error_body_that_parses_but_nests_too_deep_for_the_models_has_no_body():
    """An ErrorBody nested in `errors` as deep as JSON parsing allows: the ApiError, body None."""
    depth = _parsable_depth()
    text = '{"errors":[' * depth + "{}" + "]}" * depth
    request = httpx.Request("GET", BASE_URL + TARGET_PATH, headers={"Authorization": "Bearer t"})
    response = httpx.Response(400, text=text, request=request)

    error = make_status_error(response, context="GET " + TARGET_PATH)

    assert type(error) is BadRequestError
    assert error.status == 400
    assert error.body is None
    assert error.text == text


def test_decoding_a_recursive_model_nested_too_deep_is_a_decode_error():
    """`decode` of an ErrorBody nested as deep as JSON parsing allows raises DecodeError."""
    depth = _parsable_depth()
    text = '{"errors":[' * depth + "{}" + "]}" * depth

    with pytest.raises(DecodeError) as info:
        decode(text, ErrorBody, context="GET /x")

    assert info.value.raw == text
    assert "GET /x" in str(info.value)


async def test_deeply_nested_2xx_body_is_a_decode_error(
    router: respx.Router, client: JourneyClient
):
    """A 200 whose body nests 100,000 levels deep raises DecodeError keeping the raw text."""
    body = "[" * 100_000
    router.get(TARGET_PATH).respond(200, text=body)

    with pytest.raises(DecodeError) as info:
        await client.get_journey_actiontarget("t1")

    assert info.value.path == "$"
    assert info.value.raw == body


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
@pytest.mark.parametrize("status", [200, 400])
async def test_deeply_nested_token_response_is_an_authentication_or_decode_error(
    body: str, status: int
):
    """A token endpoint answering 200 or 400 with 100,000 levels of nesting fails as a JourneyError.

    The grant cannot be used: `AuthenticationError` (a refused grant) or `DecodeError` (an
    unreadable one), and no API request is made without a token.
    """
    api_requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "login.test.invalid":
            return httpx.Response(status, text=body)
        api_requests.append(request)
        return httpx.Response(200, json={"id": "t1"})

    credentials = ClientCredentials("client-id", "client-secret", login_url=LOGIN_URL)
    async with JourneyClient(
        credentials, base_url=BASE_URL, transport=httpx.MockTransport(handler), retry=None
    ) as client:
        with pytest.raises((AuthenticationError, DecodeError)):
            await client.get_journey_actiontarget("t1")

    assert api_requests == []
