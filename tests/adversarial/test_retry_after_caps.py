"""`Retry-After` caps hold everywhere (issue class 4).

A `Retry-After` above `max_retry_after` is not waited for, never pauses the client longer than
the cap, and never sets a slower pace than a pause of the cap would. A value too large for a
float (HTTP allows any number of digits) counts as "too long": `RateLimitError` with
`retry_after` set, not "no header".
"""

from __future__ import annotations

import math

import httpx
import pytest
import respx

from journey_async import JourneyClient, RateLimitError, RetryPolicy
from journey_async._retry import RateLimitGate

PATH = "/api/v2/journey/actiontargets/t1"
CAP = 120.0


@pytest.mark.parametrize("header", ["9" * 400, "1" + "0" * 308, "99999999999999999999"])
async def test_retry_after_too_large_for_a_float_is_too_long_not_absent(
    client: JourneyClient, router: respx.Router, sleeper, header: str
):
    """Hundreds of digits: RateLimitError at once, `retry_after` set (inf or huge), no sleep."""
    route = router.get(PATH).mock(return_value=httpx.Response(429, headers={"Retry-After": header}))
    with pytest.raises(RateLimitError) as info:
        await client.get_journey_actiontarget("t1")
    assert info.value.retry_after is not None
    assert info.value.retry_after > CAP
    assert route.call_count == 1
    assert sleeper.waits == []
    assert client.rate_limit_gate.remaining() <= CAP
    if len(header) > 310:
        assert math.isinf(info.value.retry_after)
        assert "too long" in str(info.value)


def warmed_gate(now: list[float]) -> RateLimitGate:
    """A gate that saw 200 successes over the last second (a rate of about 200/s)."""

    async def no_sleep(seconds: float) -> None:
        now[0] += seconds

    gate = RateLimitGate(lambda: now[0], no_sleep, cap=CAP)
    for _ in range(200):
        gate.record_success()
        now[0] += 0.005
    return gate


@pytest.mark.parametrize("retry_after", [CAP, 10_000.0, 1e300, math.inf])
def test_retry_after_above_the_cap_sets_no_slower_pace_than_the_cap(retry_after: float):
    """A 429 saying "wait 10,000 s" paces like one saying the cap, and pauses for the cap."""
    now = [1000.0]
    capped = warmed_gate(now)
    capped.record_rate_limited(CAP)
    capped.record_rate_limited(CAP)  # a second 429 of the round confirms the pace
    now2 = [1000.0]
    huge = warmed_gate(now2)
    huge.record_rate_limited(retry_after)
    huge.record_rate_limited(retry_after)
    assert huge.pace is not None and capped.pace is not None
    assert huge.pace == pytest.approx(capped.pace)
    assert huge.remaining() == pytest.approx(CAP)


async def test_client_pace_after_an_absurd_retry_after_is_the_capped_pace(
    client: JourneyClient, router: respx.Router, sleeper
):
    """Through the client: 100 successes, then a 429 with Retry-After 10^6: pace at the cap's."""
    ok = httpx.Response(200, json={"id": "t1"})
    responses = [ok] * 100 + [httpx.Response(429, headers={"Retry-After": "1000000"})]
    router.get(PATH).mock(side_effect=responses)
    for _ in range(100):
        await client.get_journey_actiontarget("t1")
        sleeper.now += 0.001
    with pytest.raises(RateLimitError):
        await client.get_journey_actiontarget("t1")
    # Another request that was in flight gets the same answer: the round's pace applies.
    client.rate_limit_gate.observe(
        httpx.Response(429, headers={"Retry-After": "1000000"}, request=httpx.Request("GET", "/"))
    )
    pace = client.rate_limit_gate.pace
    assert pace is not None
    # 100 successes over about 0.1 s plus a capped pause of 120 s: about 0.79/s, not 0.0001/s.
    assert pace >= 100 * 0.95 / (0.2 + CAP) * 0.99


async def test_retry_after_above_budget_but_below_cap_is_not_waited_for(router: respx.Router):
    """A Retry-After longer than what is left of the budget is raised at once, value set."""
    router.get(PATH).mock(return_value=httpx.Response(429, headers={"Retry-After": "90"}))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async with JourneyClient(
        "token",
        base_url="https://api.test.invalid",
        transport=httpx.MockTransport(router.async_handler),
        retry=RetryPolicy(budget=30.0),
        sleep=sleep,
    ) as client:
        with pytest.raises(RateLimitError) as info:
            await client.get_journey_actiontarget("t1")
    assert info.value.retry_after == 90
    assert waits == []
