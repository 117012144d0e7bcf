"""`journey-async demo`: the client's main jobs against the built-in fake API, no credentials."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

import httpx

from ._cli_output import render_table
from ._client import JourneyClient
from ._retry import RetryPolicy
from ._version import __version__
from .models import (
    JourneyAggregationQuery,
)

__all__ = ["demo"]


class _Counter:
    """Middleware counting attempts, so the demo can report retries."""

    def __init__(self) -> None:
        self.attempts = 0

    async def __call__(self, request: httpx.Request, call_next: Any) -> httpx.Response:
        self.attempts += 1
        response: httpx.Response = await call_next(request)
        return response


async def demo(assignments: int, targets: int, out: TextIO) -> int:
    """Stream, bulk-look-up and query against the fake API in-process, then summarize."""
    from .testing import FakeJourneyApi

    api = FakeJourneyApi(
        seed=2020,
        action_targets=targets,
        sessions=1,
        assignments_per_session=assignments,
    )
    # A rate limit, as every org has: a token bucket answering 429 with Retry-After when empty.
    api.faults.rate_limit = (600.0, 600.0)
    counter = _Counter()
    tty = sys.stderr.isatty()
    rows: list[list[str]] = []
    calls = 0
    async with (
        httpx.AsyncClient(transport=api.transport()) as http,
        JourneyClient(
            "fake-token",
            base_url="https://api.fake.invalid",
            http_client=http,
            middleware=[counter],
            retry=RetryPolicy(max_attempts=6),
        ) as client,
    ):
        print(
            f"journey-async {__version__} demo: the built-in fake Journey API, in-process", file=out
        )
        print("Today's API (SDK 269)", file=out)
        calls += await _today(client, api, rows, out)
        print("The 2020 API (retired from live orgs since; the fake still serves it)", file=out)
        session_id = api.session_ids[0]
        print(f"4. streaming every segment assignment of session {session_id}", file=out)
        started = time.perf_counter()
        count = 0
        last = 0.0
        pager = client.iter_journey_session_segments(session_id, page_size=200)
        async with pager:
            async for page in pager.pages():
                calls += 1
                count += len(page.entities or [])
                now = time.perf_counter()
                if now - last > 0.1:
                    last = now
                    _bar(count, assignments, now - started, tty, out)
        elapsed = time.perf_counter() - started
        _bar(count, assignments, elapsed, tty, out, done=True)
        rows.append(
            ["stream session segments", f"{count:,}", f"{elapsed:.2f}", f"{count / elapsed:,.0f}"]
        )

        print(f"5. looking up {targets:,} action targets, 32 at a time", file=out)
        started = time.perf_counter()
        found = await client.map(
            client.get_journey_actiontarget,
            api.action_target_ids,
            concurrency=32,
            return_exceptions=True,
        )
        elapsed = time.perf_counter() - started
        calls += len(found)
        errors = sum(isinstance(item, Exception) for item in found)
        rows.append(
            [
                "bulk get_journey_actiontarget",
                f"{len(found):,}",
                f"{elapsed:.2f}",
                f"{len(found) / elapsed:,.0f}",
            ]
        )

        print("6. running a journey aggregates query (7 days, by day, by segment)", file=out)
        started = time.perf_counter()
        result = await client.post_analytics_journeys_aggregates_query(
            JourneyAggregationQuery(
                "2020-11-01T00:00:00.000Z/2020-11-08T00:00:00.000Z",
                ["nJourneySessions", "nJourneySegmentsAssigned"],
                granularity="P1D",
                group_by=["journeySegmentId"],
            )
        )
        elapsed = time.perf_counter() - started
        calls += 1
        buckets = sum(len(c.data or []) for c in result.results or [])
        rows.append(["aggregates query", f"{buckets} buckets", f"{elapsed:.2f}", "-"])

    stats = api.stats
    print(file=out)
    out.write(render_table(["job", "items", "seconds", "items/s"], rows))
    print(file=out)
    summary = [
        ["requests sent", f"{counter.attempts:,}"],
        ["calls made", f"{calls:,}"],
        ["retries", f"{counter.attempts - calls:,}"],
        ["429s absorbed", f"{stats.rate_limited:,}"],
        ["calls that failed", f"{errors:,}"],
    ]
    out.write(render_table(["summary", "value"], summary))
    return 0


async def _today(client: JourneyClient, api: Any, rows: list[list[str]], out: TextIO) -> int:
    """Today's flows: every contact's sessions and their events, the segments, an aggregates
    job; returns the number of calls made."""
    contacts = api.external_contact_ids
    print(f"1. every session of {len(contacts):,} contacts, and every event of each", file=out)
    started = time.perf_counter()
    pages = 0

    async def journey(contact_id: str) -> tuple[int, int]:
        nonlocal pages
        sessions = events = 0
        async with client.iter_externalcontacts_contact_journey_sessions(
            contact_id, page_size=100
        ) as pager:
            async for page in pager.pages():
                pages += 1
                for session in page.entities or []:
                    sessions += 1
                    assert session.id is not None
                    stream = client.iter_journey_session_events(session.id, page_size=200)
                    async with stream:
                        async for events_page in stream.pages():
                            pages += 1
                            events += len(events_page.entities or [])
        return sessions, events

    counts = await client.map(journey, contacts, concurrency=8)
    elapsed = time.perf_counter() - started
    sessions = sum(s for s, _ in counts)
    events = sum(e for _, e in counts)
    print(f"   {sessions:,} sessions, {events:,} events", file=out)
    rows.append(
        ["sessions and events", f"{events:,}", f"{elapsed:.2f}", f"{events / elapsed:,.0f}"]
    )

    print("2. listing the segment definitions, 25 a page", file=out)
    started = time.perf_counter()
    segments = [segment async for segment in client.iter_journey_segments()]
    elapsed = time.perf_counter() - started
    pages += -(-len(segments) // 25)
    active = sum(1 for segment in segments if segment.is_active)
    print(f"   {len(segments)} segments, {active} active", file=out)
    rows.append(["list segments", f"{len(segments):,}", f"{elapsed:.2f}", "-"])

    print("3. an aggregates job: submit, wait, stream the results", file=out)
    started = time.perf_counter()
    query = {
        "interval": "2026-11-01T00:00:00.000Z/2026-11-08T00:00:00.000Z",
        "metrics": ["nJourneySessions"],
        "groupBy": ["journeySegmentId"],
        "granularity": "P1D",
    }
    buckets = 0
    job = client.analytics_journeys_aggregates_job(query, poll_interval=0.05)
    async with job:
        async for page in job.pages():
            buckets += sum(len(container.data or []) for container in page.results or [])
    elapsed = time.perf_counter() - started
    routes = api.stats.by_route  # submit, status polls, result pages
    pages += int(sum(routes[name] for name in routes if "aggregates_job" in name))
    rows.append(["aggregates job", f"{buckets} buckets", f"{elapsed:.2f}", "-"])
    return pages


def _bar(
    count: int, total: int, elapsed: float, tty: bool, out: TextIO, done: bool = False
) -> None:
    rate = count / max(elapsed, 1e-9)
    filled = int(30 * count / max(total, 1))
    line = (
        f"   [{'#' * filled}{'.' * (30 - filled)}] {count:,}/{total:,} items, {rate:,.0f} items/s"
    )
    if tty:
        sys.stderr.write("\r" + line + ("\n" if done else ""))
        sys.stderr.flush()
    elif done:
        print(line, file=out)
