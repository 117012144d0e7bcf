"""Request bodies are valid JSON, or they are not sent.

`json.dumps` writes `NaN`, `Infinity` and `-Infinity` for the floats that JSON (RFC 8259) has no
way to write. A strict server parser refuses such a body (after a round trip, with a 400 that
names no field); a lenient one may store something else. Such floats reach a body easily: the
mean of no rows in numpy or pandas is `nan`, `math.inf` stands for "no bound". So NaN and the
infinities anywhere in a body (a dict given as is, a dict nested in one, a float field of a
model) are a `ValueError` before any request. Ordinary floats, huge, tiny or negative zero, are
still sent as JSON numbers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import respx

from journey_async import JourneyAggregationQuery, JourneyClient, PatchActionTarget
from journey_async.models import (
    JourneyAggregateQueryFilter,
    JourneyAggregateQueryPredicate,
    NumericRange,
    ServiceLevel,
)

pytestmark = pytest.mark.anyio

INTERVAL = "2020-11-01T00:00:00.000Z/2020-11-08T00:00:00.000Z"
NOT_JSON = [math.nan, math.inf, -math.inf]
NOT_JSON_IDS = ["nan", "inf", "minus-inf"]

Call = Callable[[JourneyClient, float], Awaitable[Any]]

BODIES: dict[str, Call] = {
    "dict-top-level": lambda c, v: c.post_analytics_journeys_aggregates_query(
        {"interval": INTERVAL, "metrics": ["customerSegmentation"], "weight": v}
    ),
    "dict-nested": lambda c, v: c.post_journey_externalcontact_segments(
        "c1", body=[{"segmentId": "s1", "state": "Assigned", "score": {"values": [1.0, v]}}]
    ),
    "dict-patch": lambda c, v: c.patch_journey_actiontarget(
        "t1", body={"serviceLevel": {"percentage": v, "durationMs": 20000}}
    ),
    "model-float-field": lambda c, v: c.patch_journey_actiontarget(
        "t1", body=PatchActionTarget(service_level=ServiceLevel(percentage=v))
    ),
    "model-nested-float-field": lambda c, v: c.post_analytics_journeys_aggregates_query(
        JourneyAggregationQuery(
            INTERVAL,
            ["customerSegmentation"],
            filter=JourneyAggregateQueryFilter(
                "and",
                predicates=[
                    JourneyAggregateQueryPredicate(
                        dimension="segmentScope", range=NumericRange(gte=0.0, lt=v)
                    )
                ],
            ),
        )
    ),
}


@pytest.mark.parametrize("value", NOT_JSON, ids=NOT_JSON_IDS)
@pytest.mark.parametrize("call", BODIES.values(), ids=BODIES.keys())
async def test_nan_or_infinity_in_a_body_is_a_value_error_before_sending(
    router: respx.Router, client: JourneyClient, call: Call, value: float
):
    """NaN, inf or -inf anywhere in a body (dict or model) is a ValueError; nothing is sent."""
    route = router.route().respond(200, json={})

    with pytest.raises(ValueError, match=r"(?i)valid JSON"):
        await call(client, value)

    assert not route.called


@pytest.mark.parametrize("value", [0.5, 1e300, 5e-324, -0.0], ids=["half", "huge", "tiny", "-0"])
async def test_finite_floats_are_sent_as_json_numbers(
    router: respx.Router, client: JourneyClient, value: float
):
    """Finite floats, however large or small, are sent and read back as the same number."""
    route = router.route().respond(200, json={})

    await client.patch_journey_actiontarget(
        "t1", body=PatchActionTarget(service_level=ServiceLevel(percentage=value))
    )

    sent = json.loads(route.calls.last.request.content)
    assert sent["serviceLevel"]["percentage"] == value
    assert math.copysign(1.0, sent["serviceLevel"]["percentage"]) == math.copysign(1.0, value)
