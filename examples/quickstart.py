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
    SegmentAssignmentsUpdate,
)

SESSION_ID = "5d6e7f80-91a2-4b3c-8d4e-f5a6b7c8d9e0"
ASSIGNMENTS = 1_000
PAGE_LIMIT = 200


def _assignment(i: int) -> dict[str, object]:
    return {
        "id": f"a-{i:06d}",
        "state": "Assigned" if i % 5 else "Unassigned",
        "dateAssigned": f"2020-11-02T14:{i // 60 % 60:02d}:{i % 60:02d}.512Z",
        "segment": {"id": f"seg-{i % 7}", "scope": "Session", "version": 3},
        "customerId": "b7a0c3f2",
        "customerIdType": "cookie",
        "session": {"id": SESSION_ID, "type": "web"},
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
        if path.endswith("/segments") and request.method == "GET":
            size = int(request.url.params.get("pageSize", "25"))
            start = int(request.url.params.get("after", "0"))
            end = min(start + size, ASSIGNMENTS)
            body: dict[str, object] = {"entities": [_assignment(i) for i in range(start, end)]}
            if end < ASSIGNMENTS:
                body["nextUri"] = f"{path}?pageSize={size}&after={end}"
            return httpx.Response(200, json=body)
        if path.endswith("/segments") and request.method == "POST":
            return httpx.Response(204)
        if path.startswith("/api/v2/journey/actiontargets/"):
            target_id = path.rsplit("/", 1)[1]
            if target_id == "missing":
                return httpx.Response(
                    404,
                    headers={"inin-correlation-id": "corr-404"},
                    json={"message": "Not found", "code": "not.found", "status": 404},
                )
            return httpx.Response(200, json={"id": target_id, "name": f"Target {target_id}"})
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
        async for assignment in client.iter_journey_session_segments(
            SESSION_ID, page_size=PAGE_LIMIT
        ):
            count += 1
            last = assignment
        elapsed = time.perf_counter() - started
        print(f"streamed {count} assignments in {elapsed * 1000:.0f} ms; last: {last.id}")

        ids = [f"t-{i}" for i in range(200)]
        targets = await client.map(client.get_journey_actiontarget, ids, concurrency=16)
        print(f"looked up {len(targets)} action targets; first: {targets[0].name}")

        try:
            await client.get_journey_actiontarget("missing")
        except NotFoundError as exc:
            print(f"a missing target raises NotFoundError: {exc}")

        await client.post_journey_externalcontact_segments(
            "contact-1", body=[SegmentAssignmentsUpdate("seg-1", "Assigned")]
        )
        print("assigned seg-1 to contact-1")

        result = await client.post_analytics_journeys_aggregates_query(
            JourneyAggregationQuery(
                "2020-11-01T00:00:00.000Z/2020-11-08T00:00:00.000Z",
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
