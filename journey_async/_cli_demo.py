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
        session_id = api.session_ids[0]
        print(
            f"journey-async {__version__} demo: the built-in fake Journey API, in-process", file=out
        )
        print(f"1. streaming every segment assignment of session {session_id}", file=out)
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

        print(f"2. looking up {targets:,} action targets, 32 at a time", file=out)
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

        print("3. running a journey aggregates query (7 days, by day, by segment)", file=out)
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
