"""No secret in anything a user can print: reprs, errors, the httpx error under an error.

Users print and log what they hold: the client, its token provider, and above all the errors,
which end up in tracebacks, error trackers and support tickets. Secrets get into them in three
ways, each covered here:

* from the configuration: a password in `base_url` or `login_url` (`https://user:pw@host`);
* from the server: an API or a gateway that echoes the bearer token back in an error body
  ("invalid token abc..."), sometimes JSON-escaped (`\\/` for `/`), or in a 2xx body that then
  fails to decode;
* from httpx: the exception chained under a `TransportError` (`err.__cause__`) carries the
  request it failed on, `Authorization` header included.

Each test plants a distinctive secret and checks that no printable form contains it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import attrs
import httpx
import pytest
import respx

from journey_async import ClientCredentials, JourneyClient
from journey_async.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    DecodeError,
    NotFoundError,
    ServerError,
    TransportError,
)

pytestmark = pytest.mark.anyio

TOKEN = "test-token-3f9a"  # the token of the `client` fixture (conftest.py)
BASE_URL = "https://api.test.invalid"
TARGET_PATH = "/api/v2/journey/actiontargets/t1"
PASSWORD = "hunter2"


def strings_in(value: Any) -> Iterator[str]:
    """Every str in a model, dict or list: values and keys, at any depth."""
    stack = [attrs.asdict(value) if attrs.has(type(value)) else value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def echoing_error_body(secret: str) -> dict[str, Any]:
    """An ErrorBody that repeats `secret` in every string field it has, nested ones too."""
    return {
        "message": f"Invalid bearer token {secret}",
        "code": f"bad.credentials.{secret}",
        "status": 400,
        "entityId": secret,
        "entityName": f"token {secret}",
        "messageWithParams": "Invalid bearer token {token}",
        "messageParams": {"token": secret, secret: "as a key"},
        "contextId": secret,
        "details": [
            {"errorCode": secret, "fieldName": secret, "entityId": secret, "entityName": secret}
        ],
        "errors": [
            {"message": f"inner {secret}", "code": secret, "details": [{"errorCode": secret}]}
        ],
        "limit": {"key": secret, "namespace": secret, "value": 300},
    }


def assert_api_error_is_clean(error: ApiError, secret: str) -> None:
    assert secret not in error.text
    assert "[redacted]" in error.text
    assert error.message is not None
    assert secret not in error.message
    assert secret not in str(error)
    assert secret not in repr(error)
    assert secret not in (error.code or "")
    assert error.body is not None
    leaked = [text for text in strings_in(error.body) if secret in text]
    assert leaked == []


async def test_client_repr_hides_the_password_in_base_url():
    """repr(JourneyClient(base_url="https://user:hunter2@...")) shows neither password nor token."""
    async with JourneyClient(
        TOKEN,
        base_url=f"https://user:{PASSWORD}@api.test.invalid",
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json={})),
    ) as client:
        text = repr(client)

    assert PASSWORD not in text
    assert TOKEN not in text


def test_client_credentials_repr_hides_the_password_in_login_url():
    """repr(ClientCredentials(login_url="https://u:hunter2@...")) shows no password or secret."""
    credentials = ClientCredentials(
        "client-id", "s3cr3t-9d2b", login_url=f"https://u:{PASSWORD}@login.test.invalid"
    )

    text = repr(credentials)

    assert PASSWORD not in text
    assert "s3cr3t-9d2b" not in text


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(400, BadRequestError), (401, AuthenticationError), (503, ServerError)],
    ids=["400", "401", "503"],
)
async def test_token_echoed_in_an_error_body_is_scrubbed_from_every_field(
    router: respx.Router, client: JourneyClient, status: int, error_class: type[ApiError]
):
    """A token echoed in a 4xx/5xx body is gone from text, message, code, body and str(error)."""
    router.get(TARGET_PATH).respond(status, json=echoing_error_body(TOKEN))

    with pytest.raises(error_class) as info:
        await client.get_journey_actiontarget("t1")

    assert_api_error_is_clean(info.value, TOKEN)
    assert info.value.body is not None
    assert info.value.body.message == "Invalid bearer token [redacted]"


async def test_token_echoed_in_a_plain_text_error_body_is_scrubbed():
    """A token echoed in a non-JSON error body is gone from text, message and str(error)."""
    handler = httpx.MockTransport(
        lambda request: httpx.Response(403, text=f"<html>token {TOKEN} refused</html>")
    )
    async with JourneyClient(TOKEN, base_url=BASE_URL, transport=handler, retry=None) as client:
        with pytest.raises(ApiError) as info:
            await client.get_journey_actiontarget("t1")

    assert TOKEN not in info.value.text
    assert TOKEN not in (info.value.message or "")
    assert TOKEN not in str(info.value)


async def test_token_echoed_with_json_escapes_is_scrubbed():
    """A token echoed JSON-escaped (`\\/` for `/`, `\\u0074` for `t`) is gone from body and text."""
    token = "tok/9d2b+Qx/7e=="
    escaped_slashes = token.replace("/", "\\/")
    escaped_letter = "\\u0074ok" + json.dumps(token)[4:-1]
    body = (
        '{"message": "Invalid token ' + escaped_slashes + '", "code": "bad.credentials",'
        ' "entityName": "' + escaped_letter + '", "status": 400}'
    )
    handler = httpx.MockTransport(lambda request: httpx.Response(400, text=body))
    async with JourneyClient(token, base_url=BASE_URL, transport=handler, retry=None) as client:
        with pytest.raises(BadRequestError) as info:
            await client.get_journey_actiontarget("t1")

    error = info.value
    assert error.body is not None
    assert [text for text in strings_in(error.body) if token in text] == []
    assert escaped_slashes not in error.text
    assert token not in str(error)
    assert escaped_slashes not in str(error)


UNDECODABLE_2XX = {
    "not-json": f"<html>Welcome, {TOKEN}</html>",
    "wrong-type": json.dumps({"id": 42, "name": f"echo {TOKEN}"}),
}


@pytest.mark.parametrize("body", UNDECODABLE_2XX.values(), ids=UNDECODABLE_2XX.keys())
async def test_token_echoed_in_an_undecodable_2xx_body_is_scrubbed(
    router: respx.Router, client: JourneyClient, body: str
):
    """A token echoed in a 2xx body that fails to decode is gone from DecodeError.raw and str."""
    router.get(TARGET_PATH).respond(200, text=body)

    with pytest.raises(DecodeError) as info:
        await client.get_journey_actiontarget("t1")

    assert TOKEN not in info.value.raw
    assert "[redacted]" in info.value.raw
    assert TOKEN not in str(info.value)
    assert TOKEN not in repr(info.value)


HTTPX_ERRORS = [httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError]


@pytest.mark.parametrize("httpx_error", HTTPX_ERRORS, ids=lambda cls: cls.__name__)
async def test_httpx_error_under_a_transport_error_carries_a_redacted_request(
    router: respx.Router, client: JourneyClient, httpx_error: type[httpx.TransportError]
):
    """`TransportError.__cause__.request` reads `Authorization: [redacted]`, never the token."""

    def fail(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        raise httpx_error("the network is down", request=request)

    router.get(TARGET_PATH).mock(side_effect=fail)

    with pytest.raises(TransportError) as info:
        await client.get_journey_actiontarget("t1")

    cause = info.value.__cause__
    assert isinstance(cause, httpx.HTTPError)
    assert cause.request.headers["authorization"] == "[redacted]"
    assert info.value.request is not None
    assert info.value.request.headers["authorization"] == "[redacted]"
    assert TOKEN not in str(info.value)


async def test_api_error_request_has_no_password_from_base_url():
    """The request an ApiError carries has no password from `base_url` in its URL."""
    handler = httpx.MockTransport(
        lambda request: httpx.Response(404, json={"message": "Not found", "code": "not.found"})
    )
    async with JourneyClient(
        TOKEN,
        base_url=f"https://user:{PASSWORD}@api.test.invalid",
        transport=handler,
        retry=None,
    ) as client:
        with pytest.raises(NotFoundError) as info:
            await client.get_journey_actiontarget("t1")

    assert PASSWORD not in str(info.value.request.url)
    assert PASSWORD not in str(info.value)
    assert info.value.request.headers.get("authorization") == "[redacted]"


def test_redact_exception_request_replaces_the_request_of_an_httpx_error():
    """`redact_exception_request(exc)` leaves an httpx error a request reading `[redacted]`."""
    from journey_async._exceptions import redact_exception_request

    request = httpx.Request(
        "GET",
        f"https://user:{PASSWORD}@api.test.invalid{TARGET_PATH}",
        headers={"Authorization": f"Bearer {TOKEN}", "Cookie": "session=abc"},
    )
    error = httpx.ReadTimeout("timed out", request=request)

    redact_exception_request(error)

    assert error.request.headers["authorization"] == "[redacted]"
    assert error.request.headers["cookie"] == "[redacted]"
    assert PASSWORD not in str(error.request.url)
    assert error.request.url.path == TARGET_PATH
    redact_exception_request(httpx.TransportError("no request attached"))  # nothing to do


def test_scrub_error_removes_the_token_from_a_decode_error():
    """`scrub_error(error, request)` cleans the message and `raw` of a DecodeError."""
    from journey_async._exceptions import scrub_error

    request = httpx.Request("GET", BASE_URL, headers={"Authorization": f"Bearer {TOKEN}"})
    error = DecodeError(f"GET /x: body starts '<p>{TOKEN}'", path="$", raw=f"<p>{TOKEN}</p>")

    scrub_error(error, request)

    assert TOKEN not in str(error)
    assert error.raw == "<p>[redacted]</p>"
    assert error.path == "$"
