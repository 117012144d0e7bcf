"""Today's commands (`contact`, `session`, `segments list|get|create|patch|delete`,
`aggregates job`) against the fake Journey API on 127.0.0.1, compared with the fake's own data."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from journey_async.testing import FakeJourneyApi

CliRunner = Callable[..., Any]
"""The `cli` fixture (tests/cli/conftest.py): runs `main()`, returns `.code`, `.out`, `.err`."""

QUERY = {
    "interval": "2026-01-01T00:00:00.000Z/2026-01-04T00:00:00.000Z",
    "metrics": ["nJourneySessions"],
    "groupBy": ["journeySegmentId"],
    "granularity": "P1D",
}


def jsonl(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_contact_sessions_stream_every_session_in_order(cli: CliRunner, api: FakeJourneyApi):
    contact = api.external_contact_ids[0]
    run = cli("contact", "sessions", contact, "--jsonl")
    assert run.code == 0, run.err
    assert [s["id"] for s in jsonl(run.out)] == api.contact_session_ids(contact)


def test_contact_sessions_include_merged_and_limit(cli: CliRunner, api: FakeJourneyApi):
    contact, _ = next(iter(api.merged_contact_ids.items()))
    expected = api.contact_session_ids(contact, include_merged=True)
    run = cli("contact", "sessions", contact, "--include-merged", "--jsonl")
    assert [s["id"] for s in jsonl(run.out)] == expected
    run = cli("contact", "sessions", contact, "--include-merged", "--jsonl", "--limit", "2")
    assert [s["id"] for s in jsonl(run.out)] == expected[:2]


def test_session_events_filter_by_type(cli: CliRunner, api: FakeJourneyApi):
    contact = api.external_contact_ids[0]
    session = api.contact_session_ids(contact)[0]
    every = jsonl(cli("session", "events", session, "--jsonl").out)
    assert every and all(e["session"]["id"] == session for e in every)  # type: ignore[index]
    web = "com.genesys.journey.WebEvent"
    only = jsonl(cli("session", "events", session, "--jsonl", "--event-type", web).out)
    assert only == [e for e in every if e["eventType"] == web]


def test_session_get_prints_one_document(cli: CliRunner, api: FakeJourneyApi):
    session = api.contact_session_ids(api.external_contact_ids[0])[0]
    run = cli("session", "get", session, "--json")
    assert run.code == 0
    assert json.loads(run.out)["id"] == session


def test_contact_segments_table(cli: CliRunner, api: FakeJourneyApi):
    contact = api.external_contact_ids[0]
    run = cli("contact", "segments", contact)
    assert run.code == 0, run.err
    header = run.out.splitlines()[0].split()
    assert header == ["segment", "assigned", "unassign", "on", "session"]


def test_segments_list_get_create_patch_delete(cli: CliRunner, api: FakeJourneyApi, tmp_path: Path):
    listed = jsonl(cli("segments", "list", "--jsonl").out)
    assert [s["id"] for s in listed] == api.segment_ids
    active = jsonl(cli("segments", "list", "--active", "--jsonl").out)
    assert active == [s for s in listed if s["isActive"]]
    first = listed[0]
    assert json.loads(cli("segments", "get", str(first["id"]), "--json").out) == first

    body = tmp_path / "segment.json"
    body.write_text(json.dumps({"displayName": "From the CLI", "color": "#112233"}))
    created = json.loads(cli("segments", "create", "--body", str(body), "--json").out)
    assert created["displayName"] == "From the CLI"
    patch = tmp_path / "patch.json"
    patch.write_text(json.dumps({"version": created["version"], "displayName": "Renamed"}))
    patched = json.loads(
        cli("segments", "patch", created["id"], "--body", str(patch), "--json").out
    )
    assert patched["displayName"] == "Renamed"
    run = cli("segments", "delete", created["id"])
    assert run.code == 0 and created["id"] in run.out
    gone = cli("segments", "get", created["id"])
    assert gone.code == 1 and "404" in gone.err


def test_retired_segment_listings_still_stream(cli: CliRunner, api: FakeJourneyApi):
    run = cli("segments", "session", api.session_ids[0], "--jsonl", "--limit", "3")
    assert run.code == 0, run.err
    assert len(jsonl(run.out)) == 3


@pytest.mark.parametrize("fmt", ["--jsonl", None])
def test_aggregates_job_streams_the_results(
    cli: CliRunner, api: FakeJourneyApi, tmp_path: Path, fmt: str | None
):
    query = tmp_path / "query.json"
    query.write_text(json.dumps(QUERY))
    args = ["aggregates", "job", str(query), "--poll-interval", "0.01"]
    run = cli(*args, *([fmt] if fmt else []))
    assert run.code == 0, run.err
    if fmt:
        containers = jsonl(run.out)
        assert containers and all("group" in c and "data" in c for c in containers)
    else:
        assert run.out.splitlines()[0].split() == ["group", "interval", "metric", "value"]
    assert api.stats.by_route["post_analytics_journeys_aggregates_jobs"] == 1


def test_aggregates_job_failure_exits_with_the_jobs_message(
    cli: CliRunner, api: FakeJourneyApi, tmp_path: Path
):
    api.faults.job_failure = "the query took too long"
    query = tmp_path / "query.json"
    query.write_text(json.dumps(QUERY))
    run = cli("aggregates", "job", str(query), "--poll-interval", "0.01")
    assert run.code == 2
    assert "FAILED" in run.err and "the query took too long" in run.err


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_aggregates_job_refuses_bad_seconds(cli: CliRunner, tmp_path: Path, value: str):
    run = cli("aggregates", "job", "q.json", "--timeout", value)
    assert run.code == 2
    assert "--timeout must be a number of seconds above 0" in run.err
