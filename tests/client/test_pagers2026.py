"""The seven pagers of today's API against the fake (in-process transport), on asyncio and trio:
every item exactly once and in order, as the fake's own data says; `limit`; prefetch on and off;
resuming from `next_cursor` / `next_page_number`; listings by ids in one request; the cursor
field of the aggregates job results; a repeated cursor (respx) is a PaginationError."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from journey_async import JourneyClient
from journey_async.errors import PaginationError
from journey_async.models import (
    ActionMap,
    ActionTemplate,
    Event,
    JourneyAggregateDataContainer,
    JourneySegment,
    JourneyView,
    Session,
)
from journey_async.testing import FakeJourneyApi

pytestmark = pytest.mark.anyio

BASE_URL = "https://api.fake.invalid"
WEB = "com.genesys.journey.WebEvent"
SEGMENT_EVENT = "com.genesys.journey.SegmentAssignmentEvent"
QUERY: dict[str, Any] = {
    "interval": "2025-11-01T00:00:00.000Z/2025-11-02T00:00:00.000Z",
    "granularity": "PT1H",
    "metrics": ["nJourneySessions", "oJourneyOutcomeValue"],
    "groupBy": ["journeySegmentId"],
}


@contextlib.asynccontextmanager
async def fake_client(api: FakeJourneyApi) -> AsyncIterator[JourneyClient]:
    """A retry-less JourneyClient on the fake's in-process transport."""
    async with (
        httpx.AsyncClient(transport=api.transport()) as http,
        JourneyClient("fake-token", base_url=BASE_URL, http_client=http, retry=None) as client,
    ):
        yield client


def make_api(**kwargs: Any) -> FakeJourneyApi:
    kwargs.setdefault("seed", 11)
    kwargs.setdefault("external_contacts", 3)
    kwargs.setdefault("sessions_per_contact", 17)
    kwargs.setdefault("events_per_session", 53)
    return FakeJourneyApi(**kwargs)


def flatten(containers: list[JourneyAggregateDataContainer]) -> dict[str, list[Any]]:
    """Result containers (as pages split them) joined back per group: group -> data points."""
    joined: dict[str, list[Any]] = {}
    for container in containers:
        joined.setdefault(json.dumps(container.group, sort_keys=True), []).extend(
            container.data or []
        )
    return joined


# ---------------------------------------------------------------------------------------------
# Cursor in nextUri: a contact's sessions, a session's events


@pytest.mark.parametrize("prefetch", [True, False])
@pytest.mark.parametrize("include_merged", [False, True])
async def test_contact_sessions_pager_yields_each_session_once_in_order(
    prefetch: bool, include_merged: bool
) -> None:
    api = make_api()
    contact = api.external_contact_ids[1]
    expected = api.contact_session_ids(contact, include_merged=include_merged)
    async with fake_client(api) as client:
        pager = client.iter_externalcontacts_contact_journey_sessions(
            contact, page_size=4, include_merged=include_merged, prefetch=prefetch
        )
        async with pager:
            sessions = [session async for session in pager]
        assert pager.done
        assert pager.next_cursor is None
    assert all(isinstance(s, Session) for s in sessions)
    assert [s.id for s in sessions] == expected
    pages = -(-len(expected) // 4)
    assert api.stats.by_route["get_externalcontacts_contact_journey_sessions"] == pages


@pytest.mark.parametrize("prefetch", [True, False])
async def test_session_events_pager_equals_one_big_page(prefetch: bool) -> None:
    """Pages of 6 put together are the events the fake gives in one page of 200, in order."""
    api = make_api()
    session_id = api.contact_session_ids(api.external_contact_ids[0])[4]
    async with fake_client(api) as client:
        whole = await client.get_journey_session_events(session_id, page_size=200)
        session = await client.get_journey_session(session_id)
        api.reset_stats()
        pager = client.iter_journey_session_events(session_id, page_size=6, prefetch=prefetch)
        async with pager:
            events = [event async for event in pager]
    assert whole.entities is not None
    assert all(isinstance(e, Event) for e in events)
    assert [e.id for e in events] == [e.id for e in whole.entities]
    assert len(events) == session.event_count == 53
    assert api.stats.by_route["get_journey_session_events"] == 9  # 8 x 6 + 5


async def test_session_events_pager_keeps_the_event_type_filter_on_every_page() -> None:
    api = make_api(events_per_session=150)
    session_id = api.contact_session_ids(api.external_contact_ids[0])[2]
    async with fake_client(api) as client:
        whole = await client.get_journey_session_events(session_id, page_size=200)
        pager = client.iter_journey_session_events(
            session_id, page_size=3, event_type=[WEB, SEGMENT_EVENT]
        )
        async with pager:
            events = [event async for event in pager]
    assert whole.entities is not None
    wanted = [e.id for e in whole.entities if e.event_type in (WEB, SEGMENT_EVENT)]
    assert wanted  # the seed has such events
    assert [e.id for e in events] == wanted


async def test_cursor_pager_limit_stops_the_requests() -> None:
    """`limit=9` of 5 a page: two pages are asked for, nine items given, no third request."""
    api = make_api()
    contact = api.external_contact_ids[0]
    async with fake_client(api) as client:
        pager = client.iter_externalcontacts_contact_journey_sessions(contact, page_size=5, limit=9)
        async with pager:
            ids = [session.id async for session in pager]
        assert pager.done
    assert ids == api.contact_session_ids(contact)[:9]
    assert api.stats.by_route["get_externalcontacts_contact_journey_sessions"] == 2


async def test_cursor_pager_resumes_from_next_cursor() -> None:
    """Left mid-way through page 2, `next_cursor` is page 2's cursor: resuming from it repeats
    at most that page and loses nothing."""
    api = make_api()
    contact = api.external_contact_ids[2]
    expected = api.contact_session_ids(contact)
    async with fake_client(api) as client:
        first: list[str] = []
        pager = client.iter_externalcontacts_contact_journey_sessions(contact, page_size=5)
        async with pager:
            async for session in pager:
                first.append(session.id)
                if len(first) == 7:
                    break
            assert not pager.done
        cursor = pager.next_cursor
        assert cursor is not None
        assert pager.done  # closed by `async with`
        rest = client.iter_externalcontacts_contact_journey_sessions(
            contact, page_size=5, after=cursor
        )
        async with rest:
            second = [session.id async for session in rest]
    assert first == expected[:7]
    assert second == expected[5:]


async def test_cursor_pager_next_cursor_after_a_whole_page() -> None:
    """Stopping exactly at the end of page 1 resumes at page 2: nothing is repeated."""
    api = make_api()
    contact = api.external_contact_ids[0]
    expected = api.contact_session_ids(contact)
    async with fake_client(api) as client:
        pager = client.iter_externalcontacts_contact_journey_sessions(contact, page_size=4, limit=4)
        async with pager:
            first = [s.id async for s in pager]
        rest = client.iter_externalcontacts_contact_journey_sessions(
            contact, page_size=4, after=pager.next_cursor
        )
        async with rest:
            second = [s.id async for s in rest]
    assert first + second == expected


async def test_cursor_pager_pages_are_the_listings() -> None:
    api = make_api()
    contact = api.external_contact_ids[0]
    async with fake_client(api) as client:
        pager = client.iter_externalcontacts_contact_journey_sessions(contact, page_size=8)
        async with pager:
            pages = [page async for page in pager.pages()]
    expected = api.contact_session_ids(contact)
    sizes = [len(page.entities or []) for page in pages]
    assert sizes == [8, 8, len(expected) - 16]  # sessions of 2020 + 17 of today
    assert pages[-1].next_uri is None
    assert [s.id for p in pages for s in p.entities or []] == expected


# ---------------------------------------------------------------------------------------------
# Page numbers: segments, action maps, action templates, views


@pytest.mark.parametrize("prefetch", [True, False])
async def test_segments_pager_yields_every_segment_once_in_order(prefetch: bool) -> None:
    api = make_api()
    async with fake_client(api) as client:
        pager = client.iter_journey_segments(page_size=7, prefetch=prefetch)
        async with pager:
            segments = [segment async for segment in pager]
        assert pager.next_page_number is None
    assert all(isinstance(s, JourneySegment) for s in segments)
    assert [s.id for s in segments] == api.segment_ids
    assert api.stats.by_route["get_journey_segments"] == 6  # 40 in pages of 7


@pytest.mark.parametrize("page_concurrency", [1, 3, 8])
async def test_action_maps_pager_in_order_whatever_the_concurrency(page_concurrency: int) -> None:
    api = make_api()
    async with fake_client(api) as client:
        pager = client.iter_journey_actionmaps(page_size=4, page_concurrency=page_concurrency)
        async with pager:
            maps = [action_map async for action_map in pager]
    assert all(isinstance(m, ActionMap) for m in maps)
    assert [m.id for m in maps] == api.action_map_ids
    assert api.stats.by_route["get_journey_actionmaps"] == 8  # 30 in pages of 4


async def test_action_templates_pager_matches_the_templates_one_by_one() -> None:
    """Without `state`, the listing leaves out Deleted templates; the pager gives the rest."""
    api = make_api()
    async with fake_client(api) as client:
        templates = [await client.get_journey_actiontemplate(i) for i in api.action_template_ids]
        pager = client.iter_journey_actiontemplates(page_size=5, prefetch=False)
        async with pager:
            listed = [template async for template in pager]
        inactive = client.iter_journey_actiontemplates(page_size=2, state="Inactive")
        async with inactive:
            listed_inactive = [template.id async for template in inactive]
    assert all(isinstance(t, ActionTemplate) for t in listed)
    assert [t.id for t in listed] == [t.id for t in templates if t.state != "Deleted"]
    assert listed_inactive == [t.id for t in templates if t.state == "Inactive"]
    assert listed_inactive


async def test_views_pager_yields_every_view() -> None:
    api = make_api()
    async with fake_client(api) as client:
        pager = client.iter_journey_views(page_size=3)
        async with pager:
            views = [view async for view in pager]
        chosen = client.iter_journey_views(page_size=1, id=api.view_ids[2:5])
        async with chosen:
            some = [view.id async for view in chosen]
    assert all(isinstance(v, JourneyView) for v in views)
    assert [v.id for v in views] == api.view_ids
    assert some == api.view_ids[2:5]


async def test_page_number_pager_limit() -> None:
    """`limit=12` of 5 a page: three pages requested (not more, prefetch included)."""
    api = make_api()
    async with fake_client(api) as client:
        pager = client.iter_journey_segments(page_size=5, limit=12)
        async with pager:
            ids = [segment.id async for segment in pager]
        assert pager.done
    assert ids == api.segment_ids[:12]
    assert api.stats.by_route["get_journey_segments"] == 3


async def test_page_number_pager_resumes_from_next_page_number() -> None:
    api = make_api()
    async with fake_client(api) as client:
        pager = client.iter_journey_actionmaps(page_size=6, limit=12)
        async with pager:
            first = [m.id async for m in pager]
        assert pager.next_page_number == 3
        rest = client.iter_journey_actionmaps(page_size=6, page_number=pager.next_page_number)
        async with rest:
            second = [m.id async for m in rest]
        middle = client.iter_journey_actionmaps(page_size=6)
        count = 0
        async with middle:
            async for _ in middle:
                count += 1
                if count == 9:  # in the middle of page 2
                    break
        assert middle.next_page_number == 2
    assert first + second == api.action_map_ids


# ---------------------------------------------------------------------------------------------
# Listings by ids: one request


async def test_segments_by_ids_are_one_request() -> None:
    api = make_api()
    wanted = [api.segment_ids[i] for i in (9, 2, 30, 17)]
    async with fake_client(api) as client:
        pager = client.iter_journey_segments(segment_ids=wanted, is_active=None)
        async with pager:
            segments = [segment async for segment in pager]
        assert pager.next_page_number is None
        assert pager.done
    assert [s.id for s in segments] == wanted
    assert api.stats.by_route["get_journey_segments"] == 1
    assert api.stats.requests == 1


async def test_action_maps_by_ids_are_one_request_with_limit() -> None:
    api = make_api()
    wanted = api.action_map_ids[5:25]
    async with fake_client(api) as client:
        pager = client.iter_journey_actionmaps(action_map_ids=wanted, limit=3)
        async with pager:
            maps = [m.id async for m in pager]
        everything = client.iter_journey_actionmaps(action_map_ids=wanted, prefetch=False)
        async with everything:
            pages = [page async for page in everything.pages()]
    assert maps == wanted[:3]
    assert len(pages) == 1
    assert [m.id for m in pages[0].entities or []] == wanted
    assert api.stats.by_route["get_journey_actionmaps"] == 2


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.iter_journey_segments(segment_ids=[]),
        lambda c: c.get_journey_segments(segment_ids=[]),
        lambda c: c.iter_journey_actionmaps(action_map_ids=()),
        lambda c: c.get_journey_views(id=[]),
    ],
    ids=["iter-segments", "get-segments", "iter-actionmaps", "views"],
)
async def test_an_empty_id_list_is_refused_not_every_object(call: Any) -> None:
    """No ids would send no ids, and the API would answer with every object: a ValueError,
    before any request."""
    api = make_api()
    async with fake_client(api) as client:
        with pytest.raises(ValueError, match="at least one id"):
            result = call(client)
            if hasattr(result, "__await__"):
                await result
    assert api.stats.requests == 0


# ---------------------------------------------------------------------------------------------
# The cursor field: aggregates job results


async def test_job_results_pager_follows_the_cursor_field() -> None:
    """A job submitted with pageSize 5: several pages, each with a cursor but the last; the
    items joined per group are what the synchronous query answers."""
    api = make_api()
    async with fake_client(api) as client:
        sync = await client.post_analytics_journeys_aggregates_query(QUERY)
        accepted = await client.post_analytics_journeys_aggregates_jobs({**QUERY, "pageSize": 5})
        assert accepted.job_id is not None
        status = await client.get_analytics_journeys_aggregates_job(accepted.job_id)
        assert status.state == "FULFILLED"
        pager = client.iter_analytics_journeys_aggregates_job_results(accepted.job_id)
        async with pager:
            pages = [page async for page in pager.pages()]
        again = client.iter_analytics_journeys_aggregates_job_results(
            accepted.job_id, prefetch=False
        )
        async with again:
            items = [container async for container in again]
    assert len(pages) > 2
    assert all(page.cursor for page in pages[:-1])
    assert pages[-1].cursor is None
    assert all(sum(len(c.data or []) for c in page.results or []) == 5 for page in pages[:-1])
    assert all(isinstance(c, JourneyAggregateDataContainer) for c in items)
    assert items == [c for page in pages for c in page.results or []]
    assert sync.results is not None
    assert flatten(items) == flatten(sync.results)
    results_route = "get_analytics_journeys_aggregates_job_results"
    assert api.stats.by_route[results_route] == 2 * len(pages)


async def test_job_results_pager_limit_and_resume() -> None:
    api = make_api()
    async with fake_client(api) as client:
        accepted = await client.post_analytics_journeys_aggregates_jobs({**QUERY, "pageSize": 4})
        job_id = accepted.job_id
        assert job_id is not None
        await client.get_analytics_journeys_aggregates_job(job_id)
        whole = client.iter_analytics_journeys_aggregates_job_results(job_id)
        async with whole:
            everything = [c async for c in whole]
        api.reset_stats()
        pager = client.iter_analytics_journeys_aggregates_job_results(job_id)
        taken: list[JourneyAggregateDataContainer] = []
        async with pager:
            async for page in pager.pages():
                taken.extend(page.results or [])
                break
        cursor = pager.next_cursor
        assert cursor is not None
        rest = client.iter_analytics_journeys_aggregates_job_results(job_id, cursor=cursor)
        async with rest:
            taken.extend([c async for c in rest])
        limited = client.iter_analytics_journeys_aggregates_job_results(job_id, limit=1)
        async with limited:
            one = [c async for c in limited]
    assert taken == everything
    assert one == everything[:1]


# ---------------------------------------------------------------------------------------------
# A cursor that comes back is a PaginationError (respx)


def session_page(ids: list[str], after: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"entities": [{"id": i} for i in ids]}
    if after is not None:
        body["nextUri"] = f"/api/v2/journey/sessions/s1/events?pageSize=2&after={after}"
    return body


@pytest.mark.parametrize("prefetch", [True, False])
async def test_a_repeated_after_cursor_is_a_pagination_error(prefetch: bool) -> None:
    """Page 2 hands back page 2's own cursor: its items are given, then PaginationError."""
    router = respx.Router(base_url="https://api.test.invalid", assert_all_mocked=True)
    answers = iter(
        [session_page(["e1", "e2"], "A"), session_page(["e3", "e4"], "A"), session_page([], None)]
    )
    router.get("/api/v2/journey/sessions/s1/events").mock(
        side_effect=lambda request: httpx.Response(200, json=next(answers))
    )
    seen: list[str] = []
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http,
        JourneyClient(
            "t", base_url="https://api.test.invalid", http_client=http, retry=None
        ) as client,
    ):
        pager = client.iter_journey_session_events("s1", page_size=2, prefetch=prefetch)
        with pytest.raises(PaginationError, match="a second time"):
            async with pager:
                async for event in pager:
                    seen.append(event.id)
    assert seen == ["e1", "e2", "e3", "e4"]
    assert [c.request.url.params.get("after") for c in router.calls] == [None, "A"]


async def test_a_repeated_result_cursor_is_a_pagination_error() -> None:
    router = respx.Router(base_url="https://api.test.invalid", assert_all_mocked=True)
    pages = iter(
        [
            {"results": [{"group": {"g": "1"}}], "cursor": "k1"},
            {"results": [{"group": {"g": "2"}}], "cursor": "k2"},
            {"results": [{"group": {"g": "3"}}], "cursor": "k1"},
        ]
    )
    router.get("/api/v2/analytics/journeys/aggregates/jobs/j1/results").mock(
        side_effect=lambda request: httpx.Response(200, json=next(pages))
    )
    seen: list[dict[str, str] | None] = []
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http,
        JourneyClient(
            "t", base_url="https://api.test.invalid", http_client=http, retry=None
        ) as client,
    ):
        pager = client.iter_analytics_journeys_aggregates_job_results("j1", prefetch=False)
        with pytest.raises(PaginationError, match="k1"):
            async for container in pager:
                seen.append(container.group)
    assert seen == [{"g": "1"}, {"g": "2"}, {"g": "3"}]
    assert [c.request.url.params.get("cursor") for c in router.calls] == [None, "k1", "k2"]


async def test_starting_cursor_coming_back_is_a_pagination_error() -> None:
    """A pager started from `cursor` refuses a page that points back at that cursor."""
    router = respx.Router(base_url="https://api.test.invalid", assert_all_mocked=True)
    router.get("/api/v2/analytics/journeys/aggregates/jobs/j1/results").respond(
        200, json={"results": [{"group": {"g": "1"}}], "cursor": "start"}
    )
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http,
        JourneyClient(
            "t", base_url="https://api.test.invalid", http_client=http, retry=None
        ) as client,
    ):
        pager = client.iter_analytics_journeys_aggregates_job_results("j1", cursor="start")
        with pytest.raises(PaginationError):
            async with pager:
                _ = [c async for c in pager]
    assert router.calls.call_count == 1
    assert router.calls.last.request.url.params["cursor"] == "start"
