"""Typed uses of the public API, checked by mypy (`mypy --strict tests/typing`).

This module is NOT meant to be executed: it only has to type-check, so that users' own
type checkers see the right types (models' constructors, pager items, bulk results).
"""

from __future__ import annotations

from datetime import datetime

from typing_extensions import assert_type  # typing's own is 3.11+; mypy checks for 3.10

from journey_async import (
    ActionTarget,
    AsyncPager,
    JourneyAggregationQuery,
    JourneyClient,
    SegmentAssignment,
    SegmentAssignmentsUpdate,
)
from journey_async.models import (
    Event,
    JourneyAggregateDataContainer,
    JourneyAggregateQueryFilter,
    JourneyAsyncAggregateQueryResponse,
    JourneySegment,
    JourneySegmentRequest,
    KeyValue,
    SegmentListing,
    ServiceLevel,
    Session,
    WebEvent,
)


async def uses(client: JourneyClient) -> None:
    target: ActionTarget = await client.get_journey_actiontarget("x")
    level: ServiceLevel | None = target.service_level
    created: datetime | None = target.created_date
    async for assignment in client.iter_journey_session_segments("s", page_size=200):
        item: SegmentAssignment = assignment
        del item
    targets: list[ActionTarget] = await client.map(client.get_journey_actiontarget, ["a", "b"])
    query = JourneyAggregationQuery(
        "2020-11-01T00:00:00.000Z/2020-11-08T00:00:00.000Z",
        ["nJourneySessions"],
        granularity="P1D",
        filter=JourneyAggregateQueryFilter("and"),
    )
    await client.post_analytics_journeys_aggregates_query(query)
    await client.post_journey_externalcontact_segments(
        "c", body=[SegmentAssignmentsUpdate("seg", "Assigned")]
    )
    pair = KeyValue("k", "v")
    del level, created, targets, pair


async def bulk_with_errors(client: JourneyClient) -> None:
    results = await client.map(client.get_journey_actiontarget, ["a"], return_exceptions=True)
    for result in results:
        if isinstance(result, Exception):
            continue
        name: str | None = result.name
        del name


async def bulk_unordered(client: JourneyClient) -> None:
    async with client.map_unordered(client.get_journey_actiontarget, ["a", "b"]) as pairs:
        async for target_id, target in pairs:
            assert_type(target_id, str)
            assert_type(target, ActionTarget)
            print(target.service_level)  # a typo here (`target.servce_level`) fails mypy
    failures = client.map_unordered(client.get_journey_actiontarget, ["a"], return_exceptions=True)
    async for _, outcome in failures:
        assert_type(outcome, ActionTarget | Exception)


async def today(client: JourneyClient) -> None:
    async for session in client.iter_externalcontacts_contact_journey_sessions("c"):
        assert_type(session, Session)
        async for event in client.iter_journey_session_events(session.id or "", page_size=200):
            assert_type(event, Event)
            web: WebEvent | None = event.web_event
            del web
    segment = await client.post_journey_segments(body=JourneySegmentRequest("Buyers"))
    assert_type(segment, JourneySegment)
    listing = await client.get_journey_segments(segment_ids=[segment.id or ""])
    assert_type(listing, SegmentListing)
    async with client.analytics_journeys_aggregates_job({"interval": "i"}) as results:
        async for container in results:
            assert_type(container, JourneyAggregateDataContainer)
    pages = client.iter_analytics_journeys_aggregates_job_results("job")
    assert_type(
        pages, AsyncPager[JourneyAggregateDataContainer, JourneyAsyncAggregateQueryResponse]
    )
    assert_type(await client.delete_journey_segment("s"), None)


async def fleet_uses() -> None:
    from journey_async import ClientCredentials, RateLimit
    from journey_async.redis import RedisRateLimit, RedisTokenCache

    async with (
        RedisTokenCache("redis://127.0.0.1:6379/0") as cache,
        RedisRateLimit("redis://127.0.0.1:6379/0", rate=300, per=60.0, burst=None) as limit,
    ):
        credentials = ClientCredentials("id", "secret", token_cache=cache, pool_size=3)
        tokens: list[str] = await credentials.get_tokens()
        del tokens
        async with JourneyClient(credentials, rate_limit=limit) as fleet:
            assert_type(await fleet.get_journey_actiontarget("x"), ActionTarget)
    JourneyClient("token", rate_limit=RateLimit(300, 60.0))
