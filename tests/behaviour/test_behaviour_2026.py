"""Today's API in the behaviour suite: the same flows against the fake in-process and on loopback.

Ids are discovered through the API itself (a listing, then a get), as an application would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from journey_async import NotFoundError
from journey_async.models import (
    ActionMap,
    EventListing,
    JourneySegment,
    JourneySegmentRequest,
    PatchSegment,
    Session,
)

if TYPE_CHECKING:
    from conftest import Backend

pytestmark = pytest.mark.anyio

MISSING = "00000000-0000-4000-8000-00000000dead"
QUERY = {
    "interval": "2026-11-01T00:00:00.000Z/2026-11-04T00:00:00.000Z",
    "metrics": ["nJourneySessions"],
    "groupBy": ["journeySegmentId"],
    "granularity": "P1D",
    "pageSize": 2,
}


async def test_a_contacts_sessions_and_their_events(backend: Backend):
    """Every session of a contact, and every event of each, page by page; each event points
    back at its session, and a page of the events listing equals the stream's start."""
    async with backend.open() as client:
        sessions = [
            s
            async for s in client.iter_externalcontacts_contact_journey_sessions(
                backend.contact_id, page_size=2
            )
        ]
        assert sessions and all(isinstance(s, Session) and s.id for s in sessions)
        assert len({s.id for s in sessions}) == len(sessions)
        for session in sessions:
            assert session.id is not None
            again = await client.get_journey_session(session.id)
            assert again.id == session.id
            events = [e async for e in client.iter_journey_session_events(session.id, page_size=7)]
            assert events and all(e.session and e.session.id == session.id for e in events)
            first = await client.get_journey_session_events(session.id, page_size=7)
            assert isinstance(first, EventListing)
            assert [e.id for e in first.entities or []] == [e.id for e in events[:7]]


async def test_events_filtered_by_type(backend: Backend):
    async with backend.open() as client:
        session = await anext(
            aiter(client.iter_externalcontacts_contact_journey_sessions(backend.contact_id))
        )
        assert session.id is not None
        every = [e async for e in client.iter_journey_session_events(session.id)]
        kind = every[0].event_type
        assert kind is not None
        only = [e async for e in client.iter_journey_session_events(session.id, event_type=kind)]
        assert [e.id for e in only] == [e.id for e in every if e.event_type == kind]


async def test_segment_lifecycle(backend: Backend):
    """Create, read, list, patch (with its version), delete; then it is gone (404)."""
    async with backend.open() as client:
        before = [s.id async for s in client.iter_journey_segments(page_size=10)]
        created = await client.post_journey_segments(
            body=JourneySegmentRequest("Behaviour suite", color="#123456", is_active=True)
        )
        assert isinstance(created, JourneySegment) and created.id and created.version
        assert created.id not in before
        assert (await client.get_journey_segment(created.id)).display_name == "Behaviour suite"
        after = [s.id async for s in client.iter_journey_segments(page_size=10)]
        assert set(after) == {*before, created.id}
        patched = await client.patch_journey_segment(
            created.id, body=PatchSegment(version=created.version, display_name="Renamed")
        )
        assert patched.display_name == "Renamed"
        await client.delete_journey_segment(created.id)
        with pytest.raises(NotFoundError):
            await client.get_journey_segment(created.id)


async def test_segments_by_ids_are_one_unpaged_request(backend: Backend):
    async with backend.open() as client:
        ids = [s.id async for s in client.iter_journey_segments(limit=5) if s.id]
        sent = backend.requests()
        got = [s.id async for s in client.iter_journey_segments(segment_ids=ids[::-1])]
        assert sorted(got) == sorted(ids)
        assert backend.requests() - sent == 1


async def test_action_maps_templates_and_views_page_to_the_end(backend: Backend):
    async with backend.open() as client:
        maps = [m async for m in client.iter_journey_actionmaps(page_size=7)]
        assert maps and all(isinstance(m, ActionMap) for m in maps)
        listing = await client.get_journey_actionmaps(page_size=7)
        assert listing.total == len(maps)
        one = maps[-1]
        assert one.id is not None
        assert (await client.get_journey_actionmap(one.id)).id == one.id
        templates = [t async for t in client.iter_journey_actiontemplates(page_size=5)]
        assert len({t.id for t in templates}) == len(templates) > 0
        views = [v async for v in client.iter_journey_views(page_size=3)]
        assert views and views[0].id is not None
        assert (await client.get_journey_view(views[0].id)).id == views[0].id


async def test_aggregates_job_end_to_end(backend: Backend):
    """The job in one call equals submitting it and reading every result page by hand."""
    async with backend.open() as client:
        streamed = [
            c async for c in client.analytics_journeys_aggregates_job(QUERY, poll_interval=0.01)
        ]
        accepted = await client.post_analytics_journeys_aggregates_jobs(QUERY)
        assert accepted.job_id
        status = await client.get_analytics_journeys_aggregates_job(accepted.job_id)
        while status.state != "FULFILLED":
            status = await client.get_analytics_journeys_aggregates_job(accepted.job_id)
        by_hand = [
            c async for c in client.iter_analytics_journeys_aggregates_job_results(accepted.job_id)
        ]
        assert streamed == by_hand and len(streamed) > 1
        await client.delete_analytics_journeys_aggregates_job(accepted.job_id)
        with pytest.raises(NotFoundError):
            await client.get_analytics_journeys_aggregates_job(accepted.job_id)


async def test_missing_ids_are_not_found(backend: Backend):
    async with backend.open() as client:
        for call in (
            client.get_journey_segment,
            client.get_journey_actionmap,
            client.get_journey_actiontemplate,
            client.get_journey_view,
            client.get_journey_session,
            client.get_analytics_journeys_aggregates_job,
        ):
            with pytest.raises(NotFoundError):
                await call(MISSING)


async def test_a_create_answered_429_is_sent_again_and_made_once(backend: Backend):
    """429 says the server did not act: the create is re-sent, and one segment results."""
    async with backend.open() as client:
        before = [s.id async for s in client.iter_journey_segments()]
        backend.fail_next([429])
        sent = backend.requests()
        created = await client.post_journey_segments(body=JourneySegmentRequest("Once"))
        assert backend.requests() - sent == 2
        after = [s.id async for s in client.iter_journey_segments()]
        assert set(after) - set(before) == {created.id}


async def test_a_create_answered_502_is_not_sent_again(backend: Backend):
    """A 502 after sending may hide a created segment: the error is raised, nothing re-sent."""
    async with backend.open() as client:
        backend.fail_next([502])
        sent = backend.requests()
        with pytest.raises(Exception, match="502"):
            await client.post_journey_segments(body=JourneySegmentRequest("Maybe"))
        assert backend.requests() - sent == 1
