"""`journey_async.testing.FakeJourneyApi` in-process: the eight operations through a real
`JourneyClient`, determinism, pagination, validation, auth, fault switches and stats."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
import tracemalloc
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from journey_async import (
    ActionTarget,
    ActionTargetListing,
    AssignmentState,
    AuthenticationError,
    BadRequestError,
    ClientCredentials,
    DecodeError,
    JourneyAggregateQueryResponse,
    JourneyAggregationQuery,
    JourneyClient,
    NotFoundError,
    PatchActionTarget,
    RateLimitError,
    SegmentAssignment,
    SegmentAssignmentListing,
    SegmentAssignmentsUpdate,
    SegmentScope,
    ServerError,
    TransportError,
)
from journey_async.models import JourneyAggregationView, JourneyMetric, ServiceLevel
from journey_async.testing import FakeFaults, FakeJourneyApi, FakeStats

BASE_URL = "https://api.fake.invalid"
TOKEN = "fake-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
AGGREGATES = "/api/v2/analytics/journeys/aggregates/query"
INTERVAL = "2020-11-01T00:00:00.000Z/2020-11-02T00:00:00.000Z"
UTC = timezone.utc


async def no_sleep(seconds: float) -> None:
    """A `sleep` that returns at once, so retries never really wait."""


@contextlib.asynccontextmanager
async def fake_client(
    api: FakeJourneyApi, token: Any = TOKEN, **kwargs: Any
) -> AsyncIterator[JourneyClient]:
    """A JourneyClient whose HTTP goes to `api` in-process; both are closed on exit."""
    kwargs.setdefault("sleep", no_sleep)
    http = httpx.AsyncClient(transport=api.transport())
    try:
        async with JourneyClient(token, base_url=BASE_URL, http_client=http, **kwargs) as client:
            yield client
    finally:
        await http.aclose()


@contextlib.asynccontextmanager
async def raw_client(
    api: FakeJourneyApi, headers: dict[str, str] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """A plain httpx client on the fake, for what JourneyClient itself refuses to send."""
    async with httpx.AsyncClient(
        transport=api.transport(), base_url=BASE_URL, headers=AUTH if headers is None else headers
    ) as http:
        yield http


def segments_path(api: FakeJourneyApi) -> str:
    return f"/api/v2/journey/sessions/{api.session_ids[0]}/segments"


def basic(client_id: str, secret: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def assert_error_body(response: httpx.Response, status: int, code: str | None = None) -> dict:
    """`response` is an ErrorBody answer with `status` whose contextId is the correlation id."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["message"], str) and body["message"]
    if code is not None:
        assert body["code"] == code
    assert body["contextId"] == response.headers["inin-correlation-id"]
    return body


# -- the eight operations -------------------------------------------------------------------


async def test_get_journey_actiontarget_returns_a_realistic_target():
    """A generated action target decodes with an id, a state, media types and dates."""
    api = FakeJourneyApi(seed=3)
    target_id = api.action_target_ids[4]
    async with fake_client(api) as client:
        target = await client.get_journey_actiontarget(target_id)
    assert isinstance(target, ActionTarget)
    assert target.id == target_id
    assert target.name == "Action target 5"
    assert target.state in ("active", "inactive")
    assert target.supported_media_types and len(target.supported_media_types) == 2
    assert target.service_level is not None and 0 <= target.service_level.percentage <= 1
    assert target.self_uri == f"/api/v2/journey/actiontargets/{target_id}"
    assert target.created_date is not None and target.created_date.tzinfo is not None
    assert target.modified_date is not None and target.modified_date >= target.created_date
    assert target.user_data and target.user_data[0].key == "team"


async def test_get_journey_actiontargets_page_number_listing():
    """Page-number listing: pageCount, total, nextUri on all but the last, previousUri after 1."""
    api = FakeJourneyApi(seed=3, action_targets=50)
    async with fake_client(api) as client:
        first = await client.get_journey_actiontargets(page_number=1, page_size=20)
        middle = await client.get_journey_actiontargets(page_number=2, page_size=20)
        last = await client.get_journey_actiontargets(page_number=3, page_size=20)
    assert isinstance(first, ActionTargetListing)
    for page in (first, middle, last):
        assert page.page_count == 3
        assert page.total == 50
        assert page.page_size == 20
        assert page.first_uri == "/api/v2/journey/actiontargets?pageSize=20&pageNumber=1"
        assert page.last_uri == "/api/v2/journey/actiontargets?pageSize=20&pageNumber=3"
    assert first.page_number == 1 and first.previous_uri is None
    assert first.next_uri == "/api/v2/journey/actiontargets?pageSize=20&pageNumber=2"
    assert middle.previous_uri == "/api/v2/journey/actiontargets?pageSize=20&pageNumber=1"
    assert middle.next_uri == "/api/v2/journey/actiontargets?pageSize=20&pageNumber=3"
    assert last.next_uri is None
    assert last.previous_uri == "/api/v2/journey/actiontargets?pageSize=20&pageNumber=2"
    assert [len(p.entities or []) for p in (first, middle, last)] == [20, 20, 10]
    ids = [t.id for p in (first, middle, last) for t in p.entities or []]
    assert ids == api.action_target_ids


async def test_iter_journey_actiontargets_yields_every_target_once():
    """The page-number pager over the fake yields all targets, in order, each once."""
    api = FakeJourneyApi(seed=5, action_targets=37)
    async with fake_client(api) as client, client.iter_journey_actiontargets(page_size=10) as pager:
        ids = [target.id async for target in pager]
    assert ids == api.action_target_ids
    assert api.stats.by_route["get_journey_actiontargets"] == 4


async def test_patch_journey_actiontarget_updates_and_persists():
    """PATCH changes the fields sent, keeps the others, and a later GET sees the change."""
    api = FakeJourneyApi(seed=3)
    target_id = api.action_target_ids[0]
    async with fake_client(api) as client:
        before = await client.get_journey_actiontarget(target_id)
        patched = await client.patch_journey_actiontarget(
            target_id,
            body=PatchActionTarget(
                name="Renamed", service_level=ServiceLevel(percentage=0.9, duration_ms=15_000)
            ),
        )
        again = await client.get_journey_actiontarget(target_id)
        by_dict = await client.patch_journey_actiontarget(
            target_id, body={"shortAbandonThreshold": 42}
        )
    assert patched.name == "Renamed"
    assert patched.service_level == ServiceLevel(percentage=0.9, duration_ms=15_000)
    assert patched.description == before.description
    assert patched.created_date == before.created_date
    assert patched.modified_date is not None and patched.modified_date > before.modified_date
    assert again == patched
    assert by_dict.short_abandon_threshold == 42
    assert by_dict.name == "Renamed"


async def test_get_journey_session_segments_returns_assignments_of_that_session():
    """A session's page has the default page size, and Session-scoped items name the session."""
    api = FakeJourneyApi(seed=3, assignments_per_session=60)
    session_id = api.session_ids[2]
    async with fake_client(api) as client:
        page = await client.get_journey_session_segments(session_id)
    assert isinstance(page, SegmentAssignmentListing)
    entities = page.entities or []
    assert len(entities) == 25
    assert page.next_uri is not None and "after=" in page.next_uri
    assert page.next_uri.startswith(f"/api/v2/journey/sessions/{session_id}/segments?")
    assert all(isinstance(item, SegmentAssignment) for item in entities)
    assert len({item.id for item in entities}) == 25
    scopes = {item.segment.scope for item in entities if item.segment}
    assert scopes == {"Session", "Customer"}
    for item in entities:
        assert item.state in ("Assigned", "Unassigned")
        assert item.date_assigned is not None and item.date_modified >= item.date_assigned
        if item.state == "Unassigned":
            assert item.date_unassigned is not None
        if item.segment.scope == "Session":
            assert item.session is not None and item.session.id == session_id
        else:
            assert item.session is None


async def test_get_journey_customer_segments_returns_the_customers_assignments():
    """A customer's listing carries the customer's id and id type on every item."""
    api = FakeJourneyApi(seed=3, assignments_per_customer=40)
    id_type, customer_id = api.customer_ids[1]
    async with fake_client(api) as client:
        page = await client.get_journey_customer_customer_id_segments(
            id_type, customer_id, page_size=100
        )
        everything = [
            item
            async for item in client.iter_journey_customer_customer_id_segments(
                id_type, customer_id, page_size=15
            )
        ]
    entities = page.entities or []
    assert len(entities) == 40 and page.next_uri is None
    assert {item.customer_id for item in entities} == {customer_id}
    assert {item.customer_id_type for item in entities} == {"cookie"}
    assert [item.id for item in everything] == [item.id for item in entities]


async def test_externalcontact_segments_get_and_post():
    """POST assigns segments to a contact (204, no result) and the listing then shows them."""
    api = FakeJourneyApi(seed=3, assignments_per_contact=30)
    contact_id = api.external_contact_ids[0]
    async with fake_client(api) as client:
        before = await client.get_journey_externalcontact_segments(contact_id, page_size=200)
        result = await client.post_journey_externalcontact_segments(
            contact_id,
            body=[
                SegmentAssignmentsUpdate(segment_id="seg-new", state=AssignmentState.ASSIGNED),
                {"segmentId": "seg-old", "state": "Unassigned"},
            ],
        )
        after = await client.get_journey_externalcontact_segments(contact_id, page_size=200)
    assert result is None
    assert len(before.entities or []) == 30
    assert {item.external_contact.id for item in before.entities or []} == {contact_id}
    assert api.segment_updates == {contact_id: {"seg-new": "Assigned", "seg-old": "Unassigned"}}
    added = (after.entities or [])[30:]
    assert [(item.segment.id, item.state) for item in added] == [
        ("seg-new", "Assigned"),
        ("seg-old", "Unassigned"),
    ]
    assert all(item.external_contact.id == contact_id for item in added)
    assert api.stats.by_status[204] == 1


async def test_post_analytics_journeys_aggregates_query_buckets_and_groups():
    """An aggregates query answers one result per group, one bucket per granularity step."""
    api = FakeJourneyApi(seed=3)
    query = JourneyAggregationQuery(
        interval=INTERVAL,
        granularity="PT6H",
        metrics=[JourneyMetric.N_JOURNEY_SESSIONS, "nWebActionsOffered"],
        group_by=["journeyActionMapId"],
        views=[
            JourneyAggregationView(target="nJourneySessions", name="short", function="rangeBound")
        ],
    )
    async with fake_client(api) as client:
        response = await client.post_analytics_journeys_aggregates_query(query)
        ungrouped = await client.post_analytics_journeys_aggregates_query(
            {"interval": INTERVAL, "metrics": ["nJourneySessions"]}
        )
    assert isinstance(response, JourneyAggregateQueryResponse)
    results = response.results or []
    assert len(results) == 3
    assert {r.group["journeyActionMapId"] for r in results if r.group} == {
        "journeyActionMapId-0",
        "journeyActionMapId-1",
        "journeyActionMapId-2",
    }
    for result in results:
        data = result.data or []
        assert [d.interval.split("/")[0] for d in data] == [
            "2020-11-01T00:00:00.000Z",
            "2020-11-01T06:00:00.000Z",
            "2020-11-01T12:00:00.000Z",
            "2020-11-01T18:00:00.000Z",
        ]
        for bucket in data:
            assert [m.metric for m in bucket.metrics] == ["nJourneySessions", "nWebActionsOffered"]
            assert all(m.stats.count >= 0 for m in bucket.metrics)
            assert [v.name for v in bucket.views] == ["short"]
    only = ungrouped.results or []
    assert len(only) == 1 and only[0].group is None
    assert [d.interval for d in only[0].data] == [INTERVAL]


async def test_aggregates_buckets_are_labelled_in_utc_for_offset_intervals():
    """An interval given with a +02:00 offset is bucketed and labelled as the same UTC instants."""
    api = FakeJourneyApi()
    query = {
        "interval": "2020-11-01T00:00:00+02:00/2020-11-01T12:00:00+02:00",
        "metrics": ["nJourneySessions"],
        "granularity": "PT6H",
    }
    async with raw_client(api) as http:
        response = await http.post(AGGREGATES, json=query)
    assert response.status_code == 200
    intervals = [d["interval"] for d in response.json()["results"][0]["data"]]
    assert intervals == [
        "2020-10-31T22:00:00.000Z/2020-11-01T04:00:00.000Z",
        "2020-11-01T04:00:00.000Z/2020-11-01T10:00:00.000Z",
    ]


# -- determinism ----------------------------------------------------------------------------


async def _snapshot(api: FakeJourneyApi) -> list[bytes]:
    """The bodies of one GET of each listing and one aggregates query."""
    async with raw_client(api) as http:
        id_type, customer_id = api.customer_ids[0]
        paths = [
            f"/api/v2/journey/actiontargets/{api.action_target_ids[0]}",
            "/api/v2/journey/actiontargets?pageSize=10&pageNumber=2",
            f"/api/v2/journey/sessions/{api.session_ids[1]}/segments?pageSize=50",
            f"/api/v2/journey/customers/{id_type}/{customer_id}/segments",
            f"/api/v2/journey/externalcontacts/{api.external_contact_ids[2]}/segments",
        ]
        bodies = [(await http.get(path)).content for path in paths]
        query = {"interval": INTERVAL, "granularity": "PT1H", "metrics": ["nJourneySessions"]}
        bodies.append((await http.post(AGGREGATES, json=query)).content)
    return bodies


async def test_same_seed_gives_identical_payloads_and_another_seed_differs():
    """Two fakes built with the same seed answer byte for byte the same; another seed does not."""
    one, two, other = FakeJourneyApi(seed=11), FakeJourneyApi(seed=11), FakeJourneyApi(seed=12)
    assert one.session_ids == two.session_ids
    assert one.action_target_ids == two.action_target_ids
    assert one.customer_ids == two.customer_ids
    assert one.external_contact_ids == two.external_contact_ids
    first, second, third = await _snapshot(one), await _snapshot(two), await _snapshot(other)
    assert first == second
    assert all(json.loads(body) for body in first)
    assert set(one.session_ids).isdisjoint(other.session_ids)
    for mine, theirs in zip(first, third, strict=True):
        assert mine != theirs


# -- cursor pagination ----------------------------------------------------------------------


async def test_cursor_pagination_yields_every_assignment_exactly_once():
    """1,050 assignments at page_size 200 come back in 6 pages, each item once, in order."""
    api = FakeJourneyApi(seed=2, sessions=2, assignments_per_session=1_050)
    session_id = api.session_ids[1]
    async with (
        fake_client(api) as client,
        client.iter_journey_session_segments(session_id, page_size=200) as pager,
    ):
        ids = [item.id async for item in pager]
        assert pager.done and pager.next_cursor is None
    expected = [api.assignment(2, 1, k, session_id)["id"] for k in range(1_050)]
    assert ids == expected
    assert len(set(ids)) == 1_050
    assert api.stats.by_route["get_journey_session_segments"] == 6


async def test_filters_are_applied_on_every_page_and_kept_in_next_uri():
    """segmentScope/assignmentState filter every page, and each nextUri carries them."""
    api = FakeJourneyApi(seed=2, assignments_per_session=500)
    session_id = api.session_ids[0]
    sent: list[httpx.URL] = []

    async def record(request: httpx.Request) -> None:
        sent.append(request.url)

    http = httpx.AsyncClient(transport=api.transport(), event_hooks={"request": [record]})
    pages = []
    async with (
        JourneyClient(TOKEN, base_url=BASE_URL, http_client=http) as client,
        client.iter_journey_session_segments(
            session_id,
            page_size=30,
            segment_scope=SegmentScope.SESSION,
            assignment_state="Assigned",
        ) as pager,
    ):
        pages = [page async for page in pager.pages()]
    await http.aclose()
    items = [item for page in pages for item in page.entities or []]
    expected = [
        a["id"]
        for k in range(500)
        if (a := api.assignment(2, 0, k, session_id))["segment"]["scope"] == "Session"
        and a["state"] == "Assigned"
    ]
    assert [item.id for item in items] == expected
    assert len(pages) >= 5
    for page in pages:
        assert all(i.segment.scope == "Session" and i.state == "Assigned" for i in page.entities)
    for page in pages[:-1]:
        query = parse_qs(urlsplit(page.next_uri).query)
        assert query["segmentScope"] == ["Session"]
        assert query["assignmentState"] == ["Assigned"]
        assert query["pageSize"] == ["30"]
    assert pages[-1].next_uri is None
    assert len(sent) == len(pages)
    for url in sent:
        assert url.params["segmentScope"] == "Session"
        assert url.params["assignmentState"] == "Assigned"
    assert all("after" in url.params for url in sent[1:])


async def test_unassigned_customer_scope_filter_through_raw_next_uris():
    """Following nextUri as sent by the server (no client help) keeps the filters too."""
    api = FakeJourneyApi(seed=9, assignments_per_session=300)
    collected: list[dict[str, Any]] = []
    async with raw_client(api) as http:
        uri: str | None = (
            segments_path(api) + "?pageSize=7&segmentScope=Customer&assignmentState=Unassigned"
        )
        while uri is not None:
            page = (await http.get(uri)).json()
            collected.extend(page["entities"])
            uri = page.get("nextUri")
    assert collected
    assert {(a["segment"]["scope"], a["state"]) for a in collected} == {("Customer", "Unassigned")}
    assert len({a["id"] for a in collected}) == len(collected)
    expected = sum(1 for k in range(300) if k % 3 == 2 and k % 5 == 4)
    assert len(collected) == expected


# -- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "pageSize=0",
        "pageSize=201",
        "pageSize=-1",
        "pageSize=abc",
        "pageSize=1.5",
        "segmentScope=Bogus",
        "segmentScope=session",
        "assignmentState=Maybe",
        "after=!!!not-a-cursor",
        "after=Zm9v",
        "after=",
    ],
)
async def test_bad_segment_query_parameters_answer_400(query: str):
    """Out-of-range page sizes, unknown enum values and garbage cursors are 400 ErrorBody."""
    api = FakeJourneyApi()
    async with raw_client(api) as http:
        response = await http.get(f"{segments_path(api)}?{query}")
    body = assert_error_body(response, 400, "bad.request")
    name = query.split("=")[0]
    assert name in body["message"] or "cursor" in body["message"]


async def test_non_ascii_digits_are_not_a_page_size():
    """A page size written in non-ASCII digits (fullwidth '1') is refused like any non-number."""
    api = FakeJourneyApi()
    async with raw_client(api) as http:
        response = await http.get(segments_path(api), params={"pageSize": "\uff11"})
    assert_error_body(response, 400, "bad.request")


@pytest.mark.parametrize("query", ["pageNumber=0", "pageNumber=x", "pageSize=0", "pageSize=-5"])
async def test_bad_actiontargets_query_parameters_answer_400(query: str):
    """The page-number listing refuses page numbers and sizes below 1 or not numbers."""
    api = FakeJourneyApi()
    async with raw_client(api) as http:
        response = await http.get(f"/api/v2/journey/actiontargets?{query}")
    assert_error_body(response, 400, "bad.request")


async def test_client_refuses_what_the_fake_would_refuse_and_raises_bad_request():
    """The client refuses page_size 0/201 itself; a 400 from the fake is a BadRequestError."""
    api = FakeJourneyApi()
    async with fake_client(api) as client:
        for size in (0, 201):
            with pytest.raises(ValueError, match="page_size"):
                await client.get_journey_session_segments(api.session_ids[0], page_size=size)
        assert api.stats.requests == 0
        with pytest.raises(BadRequestError) as caught:
            await client.get_journey_session_segments(api.session_ids[0], after="garbage!")
    error = caught.value
    assert error.status == 400 and error.code == "bad.request"
    assert error.correlation_id is not None
    assert error.body is not None and error.body.context_id == error.correlation_id


_OK_QUERY = {"interval": INTERVAL, "metrics": ["nJourneySessions"]}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"metrics": ["nJourneySessions"]},
        {"interval": INTERVAL},
        {"interval": INTERVAL, "metrics": []},
        {"interval": INTERVAL, "metrics": "nJourneySessions"},
        {"interval": INTERVAL, "metrics": ["nFooBar"]},
        {"interval": "yesterday", "metrics": ["nJourneySessions"]},
        {"interval": "2020-13-45T00:00:00Z/2020-11-02T00:00:00Z", "metrics": ["nJourneySessions"]},
        {"interval": "2020-11-02T00:00:00Z/2020-11-01T00:00:00Z", "metrics": ["nJourneySessions"]},
        {**_OK_QUERY, "granularity": "1 day"},
        {**_OK_QUERY, "granularity": "P1X"},
        {**_OK_QUERY, "granularity": "P"},
        {**_OK_QUERY, "granularity": "PT0H"},
        {**_OK_QUERY, "granularity": 3600},
        {**_OK_QUERY, "groupBy": ["notADimension"]},
        {**_OK_QUERY, "groupBy": "journeyActionMapId"},
        {**_OK_QUERY, "filter": {"type": "xor", "predicates": []}},
        {**_OK_QUERY, "filter": "type=and"},
        {**_OK_QUERY, "filter": {"type": "and", "predicates": [{"dimension": "nope"}]}},
        {**_OK_QUERY, "filter": {"type": "and", "predicates": [{"operator": "like"}]}},
        {**_OK_QUERY, "filter": {"type": "and", "predicates": ["journeySessionId"]}},
        {
            **_OK_QUERY,
            "filter": {
                "type": "and",
                "clauses": [{"type": "or", "clauses": [{"type": "and", "predicates": []}]}],
            },
        },
        {**_OK_QUERY, "views": [{"target": "nJourneySessions", "name": "v", "function": "max"}]},
        {**_OK_QUERY, "views": [{"target": "nope", "name": "v", "function": "rangeBound"}]},
        {**_OK_QUERY, "views": ["v"]},
        [_OK_QUERY],
    ],
)
async def test_invalid_aggregates_queries_answer_400(body: Any):
    """Missing interval/metrics, unknown metrics, bad granularity or filters are 400 ErrorBody."""
    api = FakeJourneyApi()
    async with raw_client(api) as http:
        response = await http.post(AGGREGATES, json=body)
    assert_error_body(response, 400, "bad.request")


@pytest.mark.parametrize(
    "body",
    [
        # Wrong JSON types where the fake expects hashable strings or arrays: still a 400.
        {"interval": INTERVAL, "metrics": [{"metric": "nJourneySessions"}]},
        {**_OK_QUERY, "groupBy": [["journeyActionMapId"]]},
        {**_OK_QUERY, "filter": {"type": "and", "predicates": 5}},
        {**_OK_QUERY, "filter": {"type": "and", "clauses": 5}},
        {**_OK_QUERY, "filter": {"type": "and", "predicates": [{"dimension": {}}]}},
        {**_OK_QUERY, "views": [{"target": [], "name": "v", "function": "rangeBound"}]},
    ],
    ids=[
        "metric-object",
        "groupby-array",
        "predicates-number",
        "clauses-number",
        "dimension-object",
        "view-target-array",
    ],
)
async def test_wrongly_typed_aggregates_fields_answer_400_not_a_crash(body: Any):
    """Wrong JSON types inside an aggregates query are a 400 ErrorBody, not a handler crash."""
    api = FakeJourneyApi()
    async with raw_client(api) as http:
        response = await http.post(AGGREGATES, json=body)
    assert_error_body(response, 400, "bad.request")


async def test_interval_end_without_offset_is_taken_as_utc():
    """An interval end without an offset is read as UTC, the API's only zone, and answered."""
    api = FakeJourneyApi()
    body = {"interval": "2020-11-01T00:00:00Z/2020-11-02T00:00:00", "metrics": ["nJourneySessions"]}
    async with raw_client(api) as http:
        response = await http.post(AGGREGATES, json=body)
    assert response.status_code == 200
    interval = response.json()["results"][0]["data"][0]["interval"]
    assert interval == "2020-11-01T00:00:00.000Z/2020-11-02T00:00:00.000Z"


async def test_aggregates_body_that_is_not_json_answers_400():
    """A body that is not JSON at all, or no body, is a 400 ErrorBody."""
    api = FakeJourneyApi()
    async with raw_client(api) as http:
        garbage = await http.post(AGGREGATES, content=b"{not json")
        empty = await http.post(AGGREGATES)
    assert_error_body(garbage, 400, "bad.request")
    assert_error_body(empty, 400, "bad.request")


async def test_client_raises_bad_request_for_an_unknown_metric():
    """Through the client, an unknown metric in a dict body becomes BadRequestError."""
    api = FakeJourneyApi()
    async with fake_client(api) as client:
        with pytest.raises(BadRequestError) as caught:
            await client.post_analytics_journeys_aggregates_query(
                {"interval": INTERVAL, "metrics": ["nNothing"]}
            )
    assert caught.value.status == 400
    assert "metrics" in (caught.value.message or "")


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"[]",
        b'"name"',
        b'{"name": ""}',
        b'{"name": 5}',
        b'{"serviceLevel": 0.8}',
        b'{"serviceLevel": {"percentage": 1.5}}',
        b'{"serviceLevel": {"percentage": "high"}}',
        b'{"serviceLevel": {"percentage": true}}',
        b'{"serviceLevel": {"durationMs": -1}}',
        b'{"serviceLevel": {"durationMs": 1.5}}',
        b'{"shortAbandonThreshold": -3}',
        b'{"shortAbandonThreshold": "5"}',
    ],
)
async def test_invalid_patch_bodies_answer_400_and_change_nothing(content: bytes):
    """A PATCH body that is not a valid PatchActionTarget is 400 and leaves the target as is."""
    api = FakeJourneyApi()
    path = f"/api/v2/journey/actiontargets/{api.action_target_ids[0]}"
    async with raw_client(api) as http:
        before = (await http.get(path)).json()
        response = await http.patch(
            path, content=content, headers={"Content-Type": "application/json"}
        )
        after = (await http.get(path)).json()
    assert_error_body(response, 400, "bad.request")
    assert after == before


async def test_patch_does_not_store_unknown_service_level_fields():
    """Fields the ServiceLevel model does not have are not stored into the action target."""
    api = FakeJourneyApi()
    path = f"/api/v2/journey/actiontargets/{api.action_target_ids[0]}"
    async with raw_client(api) as http:
        response = await http.patch(path, json={"serviceLevel": {"percentage": 0.7, "bogus": 1}})
        after = (await http.get(path)).json()
    assert response.status_code in (200, 400)
    assert set(after["serviceLevel"]) <= {"percentage", "durationMs"}


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b'{"segmentId": "s", "state": "Assigned"}',
        b'["s"]',
        b'[{"state": "Assigned"}]',
        b'[{"segmentId": "", "state": "Assigned"}]',
        b'[{"segmentId": 7, "state": "Assigned"}]',
        b'[{"segmentId": "s", "state": "assigned"}]',
        b'[{"segmentId": "s"}]',
    ],
)
async def test_invalid_post_segment_bodies_answer_400_and_change_nothing(content: bytes):
    """A POST body that is not an array of SegmentAssignmentsUpdate is 400 and stores nothing."""
    api = FakeJourneyApi()
    path = f"/api/v2/journey/externalcontacts/{api.external_contact_ids[0]}/segments"
    async with raw_client(api) as http:
        response = await http.post(
            path, content=content, headers={"Content-Type": "application/json"}
        )
    assert_error_body(response, 400, "bad.request")
    assert api.segment_updates.get(api.external_contact_ids[0], {}) == {}


# -- 404 ------------------------------------------------------------------------------------


async def test_unknown_ids_are_not_found():
    """Unknown action target, session, customer and contact ids raise NotFoundError (404)."""
    api = FakeJourneyApi()
    async with fake_client(api) as client:
        calls = [
            lambda: client.get_journey_actiontarget("no-such-target"),
            lambda: client.patch_journey_actiontarget("no-such-target", body={"name": "x"}),
            lambda: client.get_journey_session_segments("no-such-session"),
            lambda: client.get_journey_customer_customer_id_segments("cookie", "no-such-customer"),
            lambda: client.get_journey_customer_customer_id_segments(
                "email", api.customer_ids[0][1]
            ),
            lambda: client.get_journey_externalcontact_segments("no-such-contact"),
            lambda: client.post_journey_externalcontact_segments(
                "no-such-contact", body=[{"segmentId": "s", "state": "Assigned"}]
            ),
        ]
        for call in calls:
            with pytest.raises(NotFoundError) as caught:
                await call()
            assert caught.value.status == 404
            assert caught.value.code == "not.found"
            assert caught.value.correlation_id
    assert api.stats.by_status[404] == len(calls)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v2/journey/nothing"),
        ("GET", "/api/v2/analytics/journeys/aggregates/query"),
        ("DELETE", "/api/v2/journey/actiontargets/x"),
        ("GET", "/"),
    ],
)
async def test_unknown_routes_answer_404_error_body(method: str, path: str):
    """Paths and methods the fake does not serve answer a 404 ErrorBody."""
    api = FakeJourneyApi()
    if path.endswith("/x"):
        path = path[:-1] + api.action_target_ids[0]
    async with raw_client(api) as http:
        response = await http.request(method, path)
    assert_error_body(response, 404, "not.found")


# -- correlation ids ------------------------------------------------------------------------


async def test_every_answer_carries_a_correlation_id():
    """200, 204, 400, 401, 404, 429, 503 and token answers all carry inin-correlation-id."""
    api = FakeJourneyApi()
    contact = api.external_contact_ids[0]
    responses: list[httpx.Response] = []
    async with raw_client(api) as http:
        responses.append(await http.get(segments_path(api)))
        responses.append(
            await http.post(
                f"/api/v2/journey/externalcontacts/{contact}/segments",
                json=[{"segmentId": "s", "state": "Assigned"}],
            )
        )
        responses.append(await http.get(segments_path(api) + "?pageSize=0"))
        responses.append(await http.get(segments_path(api), headers={"Authorization": ""}))
        responses.append(await http.get("/api/v2/journey/actiontargets/nope"))
        api.faults.fail_next = [429, 503]
        responses.append(await http.get(segments_path(api)))
        responses.append(await http.get(segments_path(api)))
        responses.append(
            await http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                headers=basic("fake-client-id", "fake-client-secret"),
            )
        )
        responses.append(
            await http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                headers=basic("fake-client-id", "wrong"),
            )
        )
    assert [r.status_code for r in responses] == [200, 204, 400, 401, 404, 429, 503, 200, 401]
    ids = [r.headers.get("inin-correlation-id") for r in responses]
    assert all(ids)
    assert len(set(ids)) == len(ids)
    assert all(r.headers["content-type"] == "application/json" for r in responses)


@pytest.mark.parametrize("status", [429, 502, 503])
async def test_error_body_context_id_matches_the_correlation_id(status: int):
    """Injected 429 and 5xx ErrorBodies name the same id as the inin-correlation-id header."""
    api = FakeJourneyApi()
    api.faults.fail_next = [status]
    async with raw_client(api) as http:
        response = await http.get(segments_path(api))
    assert_error_body(response, status)


# -- auth -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "authentication.required"),
        ({"Authorization": "Bearer"}, "authentication.required"),
        ({"Authorization": "Basic ZmFrZS10b2tlbg=="}, "authentication.required"),
        ({"Authorization": "Bearer someone-elses-token"}, "bad.credentials"),
    ],
)
async def test_missing_or_unknown_tokens_answer_401(headers: dict[str, str], code: str):
    """No bearer token, or one the fake never issued, is a 401 ErrorBody."""
    api = FakeJourneyApi()
    async with raw_client(api, headers=headers) as http:
        response = await http.get(f"/api/v2/journey/actiontargets/{api.action_target_ids[0]}")
    assert_error_body(response, 401, code)


async def test_unknown_token_raises_authentication_error():
    """Through the client, an unknown static token is an AuthenticationError (no retry)."""
    api = FakeJourneyApi()
    async with fake_client(api, token="not-a-fake-token") as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get_journey_actiontargets()
    assert caught.value.status == 401
    assert caught.value.code == "bad.credentials"
    assert "not-a-fake-token" not in repr(caught.value.request.headers)
    assert api.stats.requests == 1


async def test_require_auth_false_accepts_requests_without_a_token():
    """`require_auth=False` answers requests that carry no token at all."""
    api = FakeJourneyApi(require_auth=False)
    async with raw_client(api, headers={}) as http:
        response = await http.get(segments_path(api))
    assert response.status_code == 200
    assert response.json()["entities"]


async def test_add_token_accepts_another_static_token():
    """`add_token` makes another bearer token valid from then on."""
    api = FakeJourneyApi(tokens=())
    async with fake_client(api, token="mine", retry=None) as client:
        with pytest.raises(AuthenticationError):
            await client.get_journey_actiontarget(api.action_target_ids[0])
        api.add_token("mine")
        target = await client.get_journey_actiontarget(api.action_target_ids[0])
    assert target.id == api.action_target_ids[0]


async def test_client_credentials_against_the_fake_token_endpoint():
    """ClientCredentials gets one token from /oauth/token and uses it for every call."""
    api = FakeJourneyApi()
    provider = ClientCredentials("fake-client-id", "fake-client-secret")
    async with fake_client(api, token=provider) as client:
        assert provider.login_url == "https://login.fake.invalid"
        target = await client.get_journey_actiontarget(api.action_target_ids[0])
        page = await client.get_journey_session_segments(api.session_ids[0])
        token = await provider.get_token()
    assert target.id == api.action_target_ids[0]
    assert page.entities
    assert token.startswith("fake-access-")
    assert provider.token_requests == 1
    assert api.stats.token_requests == 1
    assert api.stats.requests == 2
    assert api.stats.by_status[200] == 3  # by_status counts the token answer too


@pytest.mark.parametrize(
    ("client_id", "secret", "description"),
    [
        ("fake-client-id", "wrong-secret", "authentication failed"),
        ("someone-else", "fake-client-secret", "client not found"),
    ],
)
async def test_client_credentials_refused(client_id: str, secret: str, description: str):
    """A bad secret or unknown client is an AuthenticationError with the server's description."""
    api = FakeJourneyApi()
    provider = ClientCredentials(client_id, secret)
    async with fake_client(api, token=provider) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get_journey_actiontarget(api.action_target_ids[0])
    error = caught.value
    assert error.status == 401
    assert error.code == "invalid_client"
    assert error.message == description
    assert description in str(error)
    assert secret not in str(error)
    assert api.stats.requests == 0
    assert api.stats.token_requests == 1


async def test_token_endpoint_refuses_other_grants_and_methods():
    """A grant other than client_credentials, or a GET, is a 400 OAuth error."""
    api = FakeJourneyApi()
    headers = basic("fake-client-id", "fake-client-secret")
    async with raw_client(api, headers=headers) as http:
        password = await http.post("/oauth/token", data={"grant_type": "password"})
        missing = await http.post("/oauth/token", data={})
        get = await http.get("/oauth/token")
        good = await http.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert password.status_code == 400
    assert password.json()["error"] == "unsupported_grant_type"
    assert missing.status_code == 400
    assert get.status_code == 400 and get.json()["error"] == "invalid_request"
    assert good.status_code == 200
    payload = good.json()
    assert payload["token_type"] == "bearer" and payload["expires_in"] == 86400
    assert api.stats.token_requests == 4
    assert api.stats.requests == 0


async def test_issued_token_is_accepted_by_the_api_until_expired():
    """A token from /oauth/token works as a bearer token, then 401 once expire_tokens() ran."""
    api = FakeJourneyApi()
    async with raw_client(api, headers=basic("fake-client-id", "fake-client-secret")) as http:
        token = (await http.post("/oauth/token", data={"grant_type": "client_credentials"})).json()[
            "access_token"
        ]
        bearer = {"Authorization": f"Bearer {token}"}
        ok = await http.get(segments_path(api), headers=bearer)
        api.expire_tokens()
        expired = await http.get(segments_path(api), headers=bearer)
    assert ok.status_code == 200
    assert_error_body(expired, 401, "credentials.expired")


@pytest.mark.parametrize("action", ["expire_tokens", "revoke_tokens"])
async def test_client_credentials_refresh_once_after_expiry_or_revocation(action: str):
    """After expire_tokens()/revoke_tokens(), ClientCredentials refreshes once and succeeds."""
    api = FakeJourneyApi()
    provider = ClientCredentials("fake-client-id", "fake-client-secret")
    async with fake_client(api, token=provider) as client:
        await client.get_journey_actiontarget(api.action_target_ids[0])
        first = await provider.get_token()
        getattr(api, action)()
        target = await client.get_journey_actiontarget(api.action_target_ids[1])
        page = await client.get_journey_session_segments(api.session_ids[0])
        second = await provider.get_token()
    assert target.id == api.action_target_ids[1]
    assert page.entities
    assert second != first
    assert provider.token_requests == 2
    assert api.stats.token_requests == 2
    assert api.stats.by_status[401] == 1
    assert api.stats.requests == 4


async def test_revoke_tokens_also_revokes_static_tokens():
    """After revoke_tokens() the static fake-token is refused: AuthenticationError."""
    api = FakeJourneyApi()
    async with fake_client(api) as client:
        await client.get_journey_actiontarget(api.action_target_ids[0])
        api.revoke_tokens()
        with pytest.raises(AuthenticationError):
            await client.get_journey_actiontarget(api.action_target_ids[0])


# -- fault switches -------------------------------------------------------------------------


def test_fault_defaults_are_all_off():
    """A new fake injects no fault until asked to."""
    faults = FakeJourneyApi().faults
    assert faults == FakeFaults()
    assert (faults.rate_limit_every, faults.server_error_every, faults.drop_every) == (0, 0, 0)
    assert faults.malformed_every == 0 and faults.latency == 0.0
    assert faults.fail_next == [] and faults.rate_limit is None


async def test_fail_next_storm_is_ridden_out_by_retries(sleeper):
    """fail_next=[503, 503]: two retries with backoff, then success, and the list empties."""
    api = FakeJourneyApi()
    api.faults.fail_next = [503, 503]
    async with fake_client(api, sleep=sleeper, clock=sleeper.clock) as client:
        target = await client.get_journey_actiontarget(api.action_target_ids[0])
    assert target.id == api.action_target_ids[0]
    assert api.faults.fail_next == []
    assert len(sleeper.waits) == 2
    assert api.stats.by_status == {503: 2, 200: 1}
    assert api.stats.requests == 3


async def test_fail_next_longer_than_the_retry_budget_raises_server_error(sleeper):
    """More 503s than max_attempts end in ServerError with the fake's ErrorBody."""
    api = FakeJourneyApi()
    api.faults.fail_next = [503] * 5
    async with fake_client(api, sleep=sleeper, clock=sleeper.clock) as client:
        with pytest.raises(ServerError) as caught:
            await client.get_journey_actiontarget(api.action_target_ids[0])
    assert caught.value.status == 503
    assert caught.value.code == "service.unavailable"
    assert api.stats.requests == 4
    assert api.faults.fail_next == [503]


async def test_rate_limit_every_answers_429_with_retry_after(sleeper):
    """rate_limit_every=2: every second request is a 429; retries honour its Retry-After."""
    api = FakeJourneyApi()
    api.faults.rate_limit_every = 2
    api.faults.retry_after = 2.5
    async with fake_client(api, sleep=sleeper, clock=sleeper.clock) as client:
        ids = [
            (await client.get_journey_actiontarget(target_id)).id
            for target_id in api.action_target_ids[:3]
        ]
    assert ids == api.action_target_ids[:3]
    assert api.stats.rate_limited == 2
    assert api.stats.by_status == {200: 3, 429: 2}
    assert 2.5 in sleeper.waits


async def test_rate_limit_without_retry_raises_rate_limit_error():
    """With retry=None an injected 429 is a RateLimitError carrying retry_after."""
    api = FakeJourneyApi()
    api.faults.rate_limit_every = 1
    async with fake_client(api, retry=None) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.get_journey_session_segments(api.session_ids[0])
    assert caught.value.status == 429
    assert caught.value.retry_after == 1.0
    assert caught.value.code == "too.many.requests.retry.after"


async def test_token_bucket_rate_limit_answers_429_when_empty():
    """faults.rate_limit=(rate, burst): the burst passes, the next request is a 429."""
    api = FakeJourneyApi()
    api.faults.rate_limit = (0.5, 2)
    async with raw_client(api) as http:
        statuses = [(await http.get(segments_path(api))).status_code for _ in range(3)]
        limited = await http.get(segments_path(api))
    assert statuses == [200, 200, 429]
    assert limited.status_code == 429
    assert float(limited.headers["Retry-After"]) >= 1
    assert api.stats.rate_limited == 2


async def test_server_error_every_is_retried_for_gateway_statuses(sleeper):
    """server_error_every with a 502 is retried away; the stats count each 502."""
    api = FakeJourneyApi()
    api.faults.server_error_every = 3
    api.faults.server_error_status = 502
    async with fake_client(api, sleep=sleeper, clock=sleeper.clock) as client:
        for target_id in api.action_target_ids[:5]:
            assert (await client.get_journey_actiontarget(target_id)).id == target_id
    assert api.stats.by_status[502] == 2
    assert api.stats.by_status[200] == 5
    assert len(sleeper.waits) == 2


async def test_server_error_500_is_not_retried():
    """An injected 500 is raised at once as ServerError (500 is not a retried status)."""
    api = FakeJourneyApi()
    api.faults.server_error_every = 1
    api.faults.server_error_status = 500
    async with fake_client(api) as client:
        with pytest.raises(ServerError) as caught:
            await client.get_journey_actiontargets()
    assert caught.value.status == 500
    assert caught.value.code == "internal.server.error"
    assert api.stats.requests == 1


async def test_malformed_every_gives_decode_error():
    """malformed_every=1 cuts each 200 body in half: the client raises DecodeError."""
    api = FakeJourneyApi()
    api.faults.malformed_every = 1
    async with fake_client(api) as client:
        with pytest.raises(DecodeError):
            await client.get_journey_session_segments(api.session_ids[0])
        with pytest.raises(NotFoundError):  # error answers are never cut
            await client.get_journey_actiontarget("nope")
    async with raw_client(api) as http:
        response = await http.get(segments_path(api))
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


async def test_malformed_every_other_answer(sleeper):
    """malformed_every=2 spoils every second 200 only."""
    api = FakeJourneyApi()
    api.faults.malformed_every = 2
    async with fake_client(api, sleep=sleeper, clock=sleeper.clock) as client:
        first = await client.get_journey_actiontarget(api.action_target_ids[0])
        with pytest.raises(DecodeError):
            await client.get_journey_actiontarget(api.action_target_ids[0])
        third = await client.get_journey_actiontarget(api.action_target_ids[0])
    assert first == third


async def test_drop_every_is_retried(sleeper):
    """drop_every=2: dropped answers are retried and every call still succeeds."""
    api = FakeJourneyApi()
    api.faults.drop_every = 2
    async with fake_client(api, sleep=sleeper, clock=sleeper.clock) as client:
        for target_id in api.action_target_ids[:3]:
            assert (await client.get_journey_actiontarget(target_id)).id == target_id
    assert api.stats.dropped == 2
    assert api.stats.requests == 5
    assert len(sleeper.waits) == 2


async def test_drop_without_retry_raises_transport_error():
    """With retry=None a dropped answer is a TransportError caused by an httpx error."""
    api = FakeJourneyApi()
    api.faults.drop_every = 1
    async with fake_client(api, retry=None) as client:
        with pytest.raises(TransportError) as caught:
            await client.get_journey_actiontarget(api.action_target_ids[0])
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError)
    assert api.stats.dropped == 1
    assert sum(api.stats.by_status.values()) == 0


async def test_latency_delays_each_answer():
    """faults.latency makes each answer wait; concurrent requests overlap in the fake."""
    api = FakeJourneyApi()
    api.faults.latency = 0.01
    async with fake_client(api) as client:
        started = time.perf_counter()
        await client.get_journey_actiontarget(api.action_target_ids[0])
        await client.get_journey_actiontarget(api.action_target_ids[1])
        elapsed = time.perf_counter() - started
        targets = await asyncio.gather(
            *(client.get_journey_actiontarget(t) for t in api.action_target_ids[:6])
        )
    assert elapsed >= 0.018  # two 10 ms waits, with room for timer granularity
    assert [t.id for t in targets] == api.action_target_ids[:6]
    assert api.stats.peak_in_flight >= 2
    assert api.stats.in_flight == 0


# -- stats ----------------------------------------------------------------------------------


async def test_stats_count_requests_statuses_routes_and_tokens():
    """stats counts API requests, statuses, routes and token requests; reset_stats starts over."""
    api = FakeJourneyApi()
    provider = ClientCredentials("fake-client-id", "fake-client-secret")
    contact = api.external_contact_ids[0]
    async with fake_client(api, token=provider) as client:
        await client.get_journey_actiontarget(api.action_target_ids[0])
        await client.get_journey_actiontargets()
        await client.patch_journey_actiontarget(api.action_target_ids[0], body={"name": "n"})
        await client.get_journey_session_segments(api.session_ids[0])
        await client.get_journey_customer_customer_id_segments(*api.customer_ids[0])
        await client.get_journey_externalcontact_segments(contact)
        await client.post_journey_externalcontact_segments(
            contact, body=[{"segmentId": "s", "state": "Assigned"}]
        )
        await client.post_analytics_journeys_aggregates_query(_OK_QUERY)
        with pytest.raises(NotFoundError):
            await client.get_journey_actiontarget("missing")
    stats = api.stats
    assert isinstance(stats, FakeStats)
    assert stats.requests == 9
    assert stats.token_requests == 1
    assert stats.by_status == {200: 8, 204: 1, 404: 1}
    assert stats.by_route == {
        "get_journey_actiontarget": 1,
        "get_journey_actiontargets": 1,
        "patch_journey_actiontarget": 1,
        "get_journey_session_segments": 1,
        "get_journey_customer_customer_id_segments": 1,
        "get_journey_externalcontact_segments": 1,
        "post_journey_externalcontact_segments": 1,
        "post_analytics_journeys_aggregates_query": 1,
    }
    assert stats.rate_limited == 0 and stats.dropped == 0 and stats.in_flight == 0
    old = api.reset_stats()
    assert old is stats
    assert api.stats == FakeStats()


# -- scale ----------------------------------------------------------------------------------


async def test_a_million_assignments_are_paged_lazily():
    """A session of 1,000,000 assignments builds in well under a second and pages on demand."""
    tracemalloc.start()
    try:
        started = time.perf_counter()
        api = FakeJourneyApi(seed=1, sessions=3, assignments_per_session=1_000_000)
        built = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert built < 0.5
    assert peak < 5_000_000  # a million dicts would be hundreds of MB
    session_id = api.session_ids[0]
    started = time.perf_counter()
    async with (
        fake_client(api) as client,
        client.iter_journey_session_segments(session_id, page_size=200, limit=400) as pager,
    ):
        items = [item async for item in pager]
        resume = pager.next_cursor
    fetched = time.perf_counter() - started
    assert len(items) == 400 and len({i.id for i in items}) == 400
    assert resume is not None
    assert api.stats.by_route["get_journey_session_segments"] == 2
    assert fetched < 2.0
    deep = api.assignment(2, 0, 999_999, session_id)
    assert deep["id"] == api.assignment(2, 0, 999_999, session_id)["id"]
    assert deep["id"] not in {i.id for i in items}


async def test_resuming_from_a_cursor_continues_where_the_pager_stopped():
    """A pager stopped by limit resumes from next_cursor without losing or repeating items."""
    api = FakeJourneyApi(seed=4, assignments_per_session=120)
    session_id = api.session_ids[0]
    async with fake_client(api) as client:
        async with client.iter_journey_session_segments(
            session_id, page_size=50, limit=50
        ) as first:
            head = [item.id async for item in first]
            cursor = first.next_cursor
        async with client.iter_journey_session_segments(
            session_id, page_size=50, after=cursor
        ) as rest:
            tail = [item.id async for item in rest]
    assert head + tail == [api.assignment(2, 0, k, session_id)["id"] for k in range(120)]


def test_generated_dates_are_plausible():
    """Generated assignment dates are ISO-8601 UTC in the months after 2020-11-01."""
    api = FakeJourneyApi(seed=8)
    for k in range(0, 2_000, 97):
        item = api.assignment(2, 0, k, api.session_ids[0])
        assigned = datetime.fromisoformat(item["dateAssigned"].replace("Z", "+00:00"))
        assert item["dateAssigned"].endswith("Z")
        start = datetime(2020, 11, 1, tzinfo=UTC)
        assert start <= assigned < start + timedelta(days=2)
