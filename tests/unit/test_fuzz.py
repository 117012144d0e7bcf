"""Property tests with hypothesis: ids, query values and Retry-After headers from the wild."""

from __future__ import annotations

import math
from urllib.parse import unquote

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from journey_async import JourneyClient, RetryPolicy
from journey_async._retry import parse_retry_after

OPERATIONS_WITH_ONE_ID = {
    "get_journey_actiontarget": ("api", "v2", "journey", "actiontargets"),
    "patch_journey_actiontarget": ("api", "v2", "journey", "actiontargets"),
    "get_journey_externalcontact_segments": ("api", "v2", "journey", "externalcontacts"),
    "get_journey_session_segments": ("api", "v2", "journey", "sessions"),
    "post_journey_externalcontact_segments": ("api", "v2", "journey", "externalcontacts"),
}

ids = st.text(min_size=1, max_size=40).filter(lambda s: s not in (".", ".."))


class Capture:
    """An httpx handler that records the last request and answers an empty 200/204."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "POST":
            return httpx.Response(204)
        return httpx.Response(200, json={})


def raw_segments(request: httpx.Request) -> list[str]:
    return request.url.raw_path.decode("ascii").split("?", 1)[0].split("/")[1:]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operation=st.sampled_from(sorted(OPERATIONS_WITH_ONE_ID)), value=ids)
async def test_any_id_stays_inside_its_operation_path(operation: str, value: str):
    """Whatever the id, the request path is the operation's, with the id as one segment."""
    capture = Capture()
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(capture)) as http,
        JourneyClient("t", base_url="https://api.test.invalid", http_client=http, retry=None) as c,
    ):
        await getattr(c, operation)(value)
    request = capture.requests[-1]
    assert request.url.host == "api.test.invalid"
    parts = raw_segments(request)
    prefix = OPERATIONS_WITH_ONE_ID[operation]
    assert tuple(parts[:4]) == prefix
    assert unquote(parts[4]) == value
    assert parts[5:] in ([], ["segments"])
    assert not request.url.fragment


@settings(max_examples=100, deadline=None)
@given(kind=ids, customer=ids, after=ids)
async def test_customer_ids_and_cursors_never_leave_the_path(kind: str, customer: str, after: str):
    """Customer id type, id and cursor values change segments and query values, nothing else."""
    capture = Capture()
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(capture)) as http,
        JourneyClient("t", base_url="https://api.test.invalid", http_client=http, retry=None) as c,
    ):
        await c.get_journey_customer_customer_id_segments(kind, customer, after=after)
    request = capture.requests[-1]
    parts = raw_segments(request)
    assert parts[:4] == ["api", "v2", "journey", "customers"]
    assert [unquote(parts[4]), unquote(parts[5])] == [kind, customer]
    assert parts[6:] == ["segments"]
    assert request.url.params.get_list("after") == [after]
    assert len(request.url.params) == 1


@settings(max_examples=500, deadline=None)
@given(
    value=st.one_of(st.text(max_size=40), st.from_regex(r"-?\d{1,12}(\.\d{0,6})?", fullmatch=True))
)
def test_retry_after_parsing_never_crashes_or_goes_negative(value: str):
    """Any Retry-After text parses to None or a finite number of seconds >= 0."""
    seconds = parse_retry_after(value, now=1_700_000_000.0)
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=st.one_of(st.text(max_size=30), st.integers(-(10**6), 10**9).map(str)))
@example(header="4")  # two waits of 4 s end exactly at the 8 s budget: no third attempt
async def test_no_retry_after_makes_the_client_wait_beyond_its_caps(header: str):
    """Whatever Retry-After a 429 carries, no single wait exceeds max_retry_after or the budget."""
    waits: list[float] = []
    now = [0.0]

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    policy = RetryPolicy(max_attempts=3, max_retry_after=5.0, budget=8.0)

    def handler(request: httpx.Request) -> httpx.Response:
        try:
            return httpx.Response(429, headers={"Retry-After": header}, json={})
        except (ValueError, UnicodeEncodeError):  # not a valid header value at all
            return httpx.Response(429, json={})

    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http,
        JourneyClient(
            "t",
            base_url="https://api.test.invalid",
            http_client=http,
            retry=policy,
            sleep=sleep,
            clock=lambda: now[0],
        ) as c,
    ):
        with pytest.raises(Exception) as info:
            await c.get_journey_actiontarget("x")
    assert type(info.value).__name__ == "RateLimitError"
    assert all(0 <= w <= 5.0 for w in waits)
    assert sum(waits) <= 8.0  # the budget is checked before each sleep
