"""Options are checked when they are given, not when they first misbehave.

A number read from a configuration file or an environment variable can be `nan`, `inf` or
negative, and each does damage far from its source: a NaN `refresh_margin` makes the cached
token expire at NaN, so every call fetches a new token (`now < nan` is always false); an infinite
or NaN timeout never fires, or fires at once; an infinite backoff or budget sleeps forever. So
every numeric option refuses NaN, the infinities and negative values with a `ValueError` at
construction:

* `ClientCredentials(refresh_margin=...)`;
* every numeric field of `RetryPolicy`;
* `JourneyClient(timeout=...)` (0 too), as a number or inside an `httpx.Timeout`;
* `JourneyClient(max_response_size=...)`: a whole number of bytes >= 1 (not a bool);
* `JourneyClient(max_in_flight=0)`.

And a valid `refresh_margin` still caches the token: 20 sequential calls make one grant.
"""

from __future__ import annotations

import math
from typing import Any

import attrs
import httpx
import pytest

from journey_async import ClientCredentials, JourneyClient, RetryPolicy

TOKEN = "test-token-3f9a"
BASE_URL = "https://api.test.invalid"
LOGIN_URL = "https://login.test.invalid"

BAD_NUMBERS = [math.nan, math.inf, -1.0]
BAD_NUMBER_IDS = ["nan", "inf", "minus-1"]

RETRY_FIELDS = [
    field.name
    for field in attrs.fields(RetryPolicy)
    if field.type in (int, float, "int", "float")  # annotations may be strings
]


def answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"id": "t1"})


def client_with(**options: Any) -> JourneyClient:
    """A client over an in-process transport; nothing is sent by constructing it."""
    return JourneyClient(TOKEN, base_url=BASE_URL, transport=httpx.MockTransport(answer), **options)


@pytest.mark.parametrize("value", BAD_NUMBERS, ids=BAD_NUMBER_IDS)
def test_refresh_margin_must_be_a_finite_number_of_seconds(value: float):
    """ClientCredentials(refresh_margin=nan / inf / -1) is a ValueError naming the option."""
    with pytest.raises(ValueError, match="refresh_margin"):
        ClientCredentials("client-id", "client-secret", refresh_margin=value)


def test_retry_policy_has_numeric_fields_to_check():
    """The numeric fields of RetryPolicy are the six the checks below cover."""
    assert set(RETRY_FIELDS) == {
        "max_attempts",
        "backoff_base",
        "backoff_max",
        "max_retry_after",
        "default_retry_after",
        "budget",
    }


@pytest.mark.parametrize("value", BAD_NUMBERS, ids=BAD_NUMBER_IDS)
@pytest.mark.parametrize("field", RETRY_FIELDS)
def test_retry_policy_numeric_fields_refuse_nan_infinity_and_negatives(field: str, value: float):
    """RetryPolicy(<any numeric field>=nan / inf / -1) is a ValueError naming the field."""
    with pytest.raises(ValueError, match=field):
        RetryPolicy(**{field: value})  # type: ignore[arg-type]


TIMEOUTS: dict[str, object] = {
    "nan": math.nan,
    "inf": math.inf,
    "minus-1": -1,
    "zero": 0,
    "httpx-timeout-nan": httpx.Timeout(math.nan),
    "httpx-timeout-read-nan": httpx.Timeout(10.0, read=math.nan),
    "httpx-timeout-pool-negative": httpx.Timeout(10.0, pool=-1.0),
}


@pytest.mark.parametrize("timeout", TIMEOUTS.values(), ids=TIMEOUTS.keys())
def test_timeout_must_be_a_finite_positive_number_of_seconds(timeout: object):
    """JourneyClient(timeout=nan / inf / -1 / 0, or an httpx.Timeout holding one): ValueError."""
    with pytest.raises(ValueError, match="timeout"):
        client_with(timeout=timeout)


@pytest.mark.parametrize("size", [0, -1, 1.5, True], ids=["zero", "minus-1", "float", "bool"])
def test_max_response_size_must_be_a_whole_number_of_bytes(size: object):
    """JourneyClient(max_response_size=0 / -1 / 1.5 / True) is a ValueError naming the option."""
    with pytest.raises(ValueError, match="max_response_size"):
        client_with(max_response_size=size)


def test_max_in_flight_zero_is_a_value_error():
    """JourneyClient(max_in_flight=0) is a ValueError: no request could ever be sent."""
    with pytest.raises(ValueError, match="max_in_flight"):
        client_with(max_in_flight=0)


@pytest.mark.anyio
async def test_valid_options_are_accepted():
    """Finite positive values of the same options construct a working client."""
    async with client_with(
        timeout=httpx.Timeout(5.0, connect=2.0),
        max_response_size=1024,
        max_in_flight=1,
        retry=RetryPolicy(max_attempts=1, backoff_base=0.0, budget=0.5),
    ) as client:
        target = await client.get_journey_actiontarget("t1")

    assert target.id == "t1"


@pytest.mark.anyio
@pytest.mark.parametrize("margin", [0.0, 60.0, 1e9], ids=["zero", "default", "over-lifetime"])
async def test_twenty_sequential_calls_make_one_token_grant(margin: float):
    """With a valid refresh_margin, 20 calls in a row reuse one token: exactly one grant."""
    grants: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "login.test.invalid":
            grants.append(request)
            return httpx.Response(
                200, json={"access_token": "tok-1", "token_type": "bearer", "expires_in": 3600}
            )
        assert request.headers["authorization"] == "Bearer tok-1"
        return httpx.Response(200, json={"id": "t1"})

    credentials = ClientCredentials(
        "client-id", "client-secret", login_url=LOGIN_URL, refresh_margin=margin
    )
    async with JourneyClient(
        credentials, base_url=BASE_URL, transport=httpx.MockTransport(handler)
    ) as client:
        for _ in range(20):
            await client.get_journey_actiontarget("t1")

    assert len(grants) == 1
    assert credentials.token_requests == 1
