"""Journey aggregates: the synchronous query (either era's metric and dimension names) and
today's asynchronous jobs (submit -> QUEUED -> PENDING -> FULFILLED, results by `cursor`)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ..models import JourneyDimension, JourneyMetric
from ._schema import check_body
from ._util import (
    ApiError,
    Query,
    decode_cursor,
    encode_cursor,
    expect,
    iso,
    json_object,
    mix,
    not_found,
    now_iso,
    utc,
    uuid,
)

__all__ = ["Jobs", "aggregate"]

_METRICS = frozenset(m.value for m in JourneyMetric)
_DIMENSIONS = frozenset(d.value for d in JourneyDimension)
_INTERVAL_RE = re.compile(r"^([^/]+)/([^/]+)$")
_PERIOD_RE = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")
_JOBS = "/api/v2/analytics/journeys/aggregates/jobs"


def aggregate(seed: int, query: dict[str, Any]) -> list[dict[str, Any]]:
    """Check an aggregates query (400 ApiError) and answer its `results`."""
    interval = query.get("interval")
    if not isinstance(interval, str) or (match := _INTERVAL_RE.match(interval)) is None:
        raise ApiError(400, "bad.request", f"Invalid interval {interval!r}: expected start/end")
    try:
        start, end = (utc(match.group(i)) for i in (1, 2))
    except ValueError:
        raise ApiError(400, "bad.request", f"Invalid interval {interval!r}") from None
    expect(start < end, "interval", "a start before its end")
    metrics = query.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        raise ApiError(400, "bad.request", "Invalid value for metrics: expected a non-empty array")
    for metric in metrics:
        expect(_known(metric, _METRICS), "metrics", f"known metric names, not {metric!r}")
    group_by = query.get("groupBy") or []
    expect(isinstance(group_by, list), "groupBy", "an array")
    for dimension in group_by:
        expect(_known(dimension, _DIMENSIONS), "groupBy", f"known dimensions, not {dimension!r}")
    if "filter" in query:
        _check_filter(query["filter"])
    views = query.get("views") or []
    expect(isinstance(views, list), "views", "an array")
    for view in views:
        expect(isinstance(view, dict), "views", "objects")
        expect(_known(view.get("target"), _METRICS), "views.target", "a known metric")
        expect(isinstance(view.get("name"), str), "views.name", "a string")
        expect(view.get("function") == "rangeBound", "views.function", "rangeBound")
    for name, kind, expected in (
        ("timeZone", str, "a string"),
        ("flattenMultivaluedDimensions", bool, "true or false"),
    ):
        expect(query.get(name) is None or isinstance(query[name], kind), name, expected)
    expect(
        query.get("alternateTimeDimension") in (None, "eventTime"),
        "alternateTimeDimension",
        "eventTime",
    )
    step = _period(query.get("granularity"), end - start)
    buckets: list[tuple[datetime, datetime]] = []
    moment = start
    while moment < end and len(buckets) < 1000:
        buckets.append((moment, min(end, moment + step)))
        moment += step
    groups: list[dict[str, str]] = [{}]
    if group_by:
        groups = [{dim: f"{dim}-{g}" for dim in group_by} for g in range(3)]
    results = []
    for g, group in enumerate(groups):
        data = []
        for b, (low, high) in enumerate(buckets):
            h = mix(seed, 31, g, b)
            entry: dict[str, Any] = {
                "interval": f"{iso(low)}/{iso(high)}",
                "metrics": [_metric(m, mix(h, i)) for i, m in enumerate(metrics)],
            }
            if views:
                entry["views"] = [
                    {"name": v["name"], "stats": {"count": mix(h, 7, i) % 100}}
                    for i, v in enumerate(views)
                ]
            data.append(entry)
        container: dict[str, Any] = {"data": data}
        if group:
            container["group"] = group
        results.append(container)
    return results


def _metric(name: str, h: int) -> dict[str, Any]:
    """A metric's statistics: a count, or for the outcome values (`o...`) a value summary."""
    count = h % 500
    if not name.startswith("o"):
        return {"metric": name, "stats": {"count": count}}
    low, high = (h >> 9) % 50, 50 + (h >> 17) % 450
    stats = {"count": count, "min": float(low), "max": float(high), "sum": float(count * 97)}
    if count:
        stats["p95"], stats["p99"] = low + (high - low) * 19 // 20, low + (high - low) * 99 // 100
    return {"metric": name, "stats": stats}


class Jobs:
    """The asynchronous aggregates jobs of one fake.

    A job answers `QUEUED` and then `PENDING` to its first `polls` status requests, and
    `FULFILLED` (or `FAILED`, see `status`) from then on, but not before `seconds` have passed
    since it was submitted (a third of them QUEUED). `polls=0, seconds=0`: FULFILLED at once.
    """

    def __init__(self, seed: int, polls: int, seconds: float) -> None:
        self.seed = seed
        self.polls = polls
        self.seconds = seconds
        self.clock: Callable[[], float] = time.monotonic
        """What `seconds` are measured with (tests may put a fake clock here)."""
        self.jobs: dict[str, dict[str, Any]] = {}
        self._counter = 0

    def submit(self, body: bytes) -> dict[str, Any]:
        query = json_object(body)
        check_body(query, "JourneyAsyncAggregationQuery")
        size = 100 if query.get("pageSize") is None else query["pageSize"]
        expect(size >= 1, "pageSize", "at least 1")
        results = aggregate(self.seed, query)
        self._counter += 1
        job_id = uuid(self.seed, 21, self._counter)
        self.jobs[job_id] = {
            "results": results,
            "size": size,
            "submitted": now_iso(),
            "clock": self.clock(),
            "polls": 0,
            "failure": None,
            "state": "QUEUED",
        }
        return {"jobId": job_id}

    def _job(self, job_id: str) -> dict[str, Any]:
        job = self.jobs.get(job_id)
        if job is None:
            raise not_found(job_id, "Job")
        return job

    def status(self, job_id: str, failure: str | None) -> dict[str, Any]:
        """The job's status; a job that finishes while `failure` is set ends FAILED with it."""
        job = self._job(job_id)
        if job["state"] in ("QUEUED", "PENDING"):
            polls, elapsed = job["polls"], self.clock() - job["clock"]
            job["polls"] = polls + 1
            if polls >= self.polls and elapsed >= self.seconds:
                job["state"] = "FAILED" if failure is not None else "FULFILLED"
                job["failure"] = failure
                job["completed"] = now_iso()
            elif polls >= (self.polls + 1) // 2 and elapsed >= self.seconds / 3:
                job["state"] = "PENDING"
        answer: dict[str, Any] = {"state": job["state"], "submissionDate": job["submitted"]}
        if "completed" in job:
            answer["completionDate"] = job["completed"]
            answer["expirationDate"] = iso(utc(job["completed"]) + timedelta(days=1))
        if job["state"] == "FAILED":
            answer["errorMessage"] = job["failure"]
        return answer

    def results(self, job_id: str, query: Query) -> dict[str, Any]:
        """A page of a fulfilled job's results: `pageSize` data points (buckets), in their
        groups, and the `cursor` of the next page (absent on the last)."""
        job = self._job(job_id)
        if job["state"] != "FULFILLED":
            msg = f"Job {job_id} is {job['state']}: results exist once it is FULFILLED"
            raise ApiError(400, "bad.request", msg)
        offset = decode_cursor(query["cursor"][0]) if "cursor" in query else 0
        size, remaining, position = job["size"], job["size"], 0
        results: list[dict[str, Any]] = []
        for container in job["results"]:
            data = container["data"]
            if remaining and position + len(data) > offset:
                start = max(0, offset - position)
                part = data[start : start + remaining]
                remaining -= len(part)
                results.append({**container, "data": part})
            position += len(data)
        page: dict[str, Any] = {"results": results}
        if offset + size < position:
            page["cursor"] = encode_cursor(offset + size)
        return page

    def delete(self, job_id: str) -> None:
        self._job(job_id)
        del self.jobs[job_id]

    def expire(self) -> None:
        for job in self.jobs.values():
            job["state"] = "EXPIRED"


def _known(value: object, names: frozenset[str]) -> bool:
    return isinstance(value, str) and value in names


def _period(granularity: object, span: timedelta) -> timedelta:
    if granularity is None:
        return span
    match = _PERIOD_RE.match(granularity) if isinstance(granularity, str) else None
    if match is None or not any(match.groups()):
        msg = f"Invalid granularity {granularity!r}: expected P1D, PT1H"
        raise ApiError(400, "bad.request", msg)
    days, hours, minutes = (int(g or 0) for g in match.groups())
    step = timedelta(days=days, hours=hours, minutes=minutes)
    expect(step > timedelta(0), "granularity", "a positive period")
    return step


def _check_filter(node: object, depth: int = 0) -> None:
    if not isinstance(node, dict):
        raise ApiError(400, "bad.request", "Invalid value for filter: expected an object")
    expect(node.get("type") in ("and", "or"), "filter.type", "and|or")
    predicates = node.get("predicates") or []
    expect(isinstance(predicates, list), "filter.predicates", "an array")
    for predicate in predicates:
        expect(isinstance(predicate, dict), "filter.predicates", "objects")
        dimension = predicate.get("dimension")
        if dimension is not None:
            expect(
                _known(dimension, _DIMENSIONS), "filter.predicates.dimension", "a known dimension"
            )
        operator = predicate.get("operator")
        if operator is not None:
            expect(
                operator in ("matches", "exists", "notExists"),
                "filter.predicates.operator",
                "matches|exists|notExists",
            )
    clauses = node.get("clauses") or []
    expect(isinstance(clauses, list), "filter.clauses", "an array")
    expect(depth == 0 or not clauses, "filter.clauses", "at most two levels")
    for clause in clauses:
        _check_filter(clause, depth + 1)
