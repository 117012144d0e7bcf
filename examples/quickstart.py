"""Quickstart: every kind of call against an in-process mock of the Journey API.

Runs with no credentials and no network: an `httpx.MockTransport` answers like the API (cursor
pages with `nextUri`, ErrorBody errors, one 429 with Retry-After). Set JOURNEY_BASE_URL and
GENESYSCLOUD_ACCESS_TOKEN to run the same code against a real org instead.

    python examples/quickstart.py
"""

from __future__ import annotations

import json
import os
import time

import anyio
import httpx

from journey_async import (
    JourneyAggregationQuery,
    JourneyClient,
    NotFoundError,
    RetryPolicy,
)
from journey_async.models import (
    SegmentAssignments,
    SegmentForAssignment,
    UpdateSegmentAssignmentRequest,
)

SESSION_ID = "5d6e7f80-91a2-4b3c-8d4e-f5a6b7c8d9e0"
EVENTS = 1_000
PAGE_LIMIT = 200
EVENT_TYPES = ("WebEvent", "WebEvent", "WebEvent", "SegmentAssignmentEvent")


def _event(i: int) -> dict[str, object]:
    """The i-th event of the session, in the API's JSON (its payload left out for brevity)."""
    return {
        "id": f"e-{i:06d}",
        "correlationId": f"c-{i // 4:06d}",
        "customerId": "b7a0c3f2",
        "customerIdType": "cookie",
        "session": {"id": SESSION_ID, "type": "web"},
        "eventType": f"com.genesys.journey.{EVENT_TYPES[i % len(EVENT_TYPES)]}",
        "createdDate": f"2026-11-02T14:{i // 60 % 60:02d}:{i % 60:02d}.512Z",
    }


def _session(session_id: str) -> dict[str, object]:
    """A session as `GET /api/v2/journey/sessions/{id}` answers it (some of its fields)."""
    return {
        "id": session_id,
        "type": "web",
        "customerId": "b7a0c3f2",
        "customerIdType": "cookie",
        "eventCount": EVENTS,
        "segmentAssignments": [
            {"segment": {"id": "seg-1"}, "assignedDate": "2026-11-02T14:00:05.000Z"}
        ],
        "createdDate": "2026-11-02T14:00:00.000Z",
    }


def mock_api() -> httpx.MockTransport:
    """A tiny stand-in for the API: enough routes for this example."""
    state = {"requests": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        state["requests"] += 1
        path = request.url.path
        if state["requests"] == 3:  # one rate limit on the way, absorbed by the retry policy
            return httpx.Response(
                429,
                headers={"Retry-After": "0.2", "inin-correlation-id": "corr-429"},
                json={"message": "Rate limit exceeded", "code": "too.many.requests", "status": 429},
            )
        sessions = "/api/v2/journey/sessions/"
        if path.startswith(sessions) and path.endswith("/events") and request.method == "GET":
            size = int(request.url.params.get("pageSize", "25"))
            start = int(request.url.params.get("after", "0"))
            end = min(start + size, EVENTS)
            body: dict[str, object] = {"entities": [_event(i) for i in range(start, end)]}
            if end < EVENTS:
                body["nextUri"] = f"{path}?pageSize={size}&after={end}"
            return httpx.Response(200, json=body)
        if path.startswith(sessions) and request.method == "GET":
            session_id = path.removeprefix(sessions)
            if session_id == "missing":
                return httpx.Response(
                    404,
                    headers={"inin-correlation-id": "corr-404"},
                    json={
                        "message": "Session missing not found",
                        "code": "not.found",
                        "status": 404,
                    },
                )
            return httpx.Response(200, json=_session(session_id))
        if path.endswith("/journey/segments") and request.method == "POST":
            return httpx.Response(200, json={"unprocessedItems": {"count": 0}})
        if path == "/api/v2/analytics/journeys/aggregates/query":
            query = json.loads(request.content)
            return httpx.Response(
                200,
                json={
                    "results": [
                        {
                            "group": {"journeySegmentId": "seg-1"},
                            "data": [
                                {
                                    "interval": query["interval"],
                                    "metrics": [
                                        {"metric": m, "stats": {"count": 42}}
                                        for m in query["metrics"]
                                    ],
                                }
                            ],
                        }
                    ]
                },
            )
        return httpx.Response(404, json={"message": "no route", "code": "not.found"})

    return httpx.MockTransport(handler)


async def main() -> None:
    """A pager, a bulk lookup, a NotFoundError, a POST and an analytics query, in that order."""
    base_url = os.environ.get("JOURNEY_BASE_URL")
    http = None if base_url else httpx.AsyncClient(transport=mock_api())
    client = (
        JourneyClient.from_env(base_url=base_url)
        if base_url
        else JourneyClient(
            "not-a-real-token",
            base_url="https://api.mock.invalid",
            http_client=http,
            retry=RetryPolicy(max_attempts=4),
        )
    )
    async with client:
        started = time.perf_counter()
        count = 0
        async for event in client.iter_journey_session_events(SESSION_ID, page_size=PAGE_LIMIT):
            count += 1
            last = event
        elapsed = time.perf_counter() - started
        print(f"streamed {count} events in {elapsed * 1000:.0f} ms; last: {last.id}")

        ids = [f"s-{i}" for i in range(200)]
        sessions = await client.map(client.get_journey_session, ids, concurrency=16)
        print(f"looked up {len(sessions)} sessions; first: {sessions[0].id} ({sessions[0].type})")

        try:
            await client.get_journey_session("missing")
        except NotFoundError as exc:
            print(f"a missing session raises NotFoundError: {exc}")

        answer = await client.post_externalcontacts_contact_journey_segments(
            "contact-1",
            body=UpdateSegmentAssignmentRequest(
                assign=SegmentAssignments(segments=[SegmentForAssignment(id="seg-1")])
            ),
        )
        unprocessed = answer.unprocessed_items.count if answer.unprocessed_items else 0
        print(f"assigned seg-1 to contact-1 ({unprocessed} items not processed)")

        result = await client.post_analytics_journeys_aggregates_query(
            JourneyAggregationQuery(
                "2026-11-01T00:00:00.000Z/2026-11-08T00:00:00.000Z",
                ["nJourneySessions", "nJourneySegmentsAssigned"],
            )
        )
        for container in result.results or []:
            for bucket in container.data or []:
                for metric in bucket.metrics or []:
                    assert metric.stats is not None
                    print(f"{container.group}: {metric.metric} = {metric.stats.count}")
    if http is not None:
        await http.aclose()


if __name__ == "__main__":
    anyio.run(main)
