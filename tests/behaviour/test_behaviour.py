"""The client's behaviour suite, run unchanged against the fake in-process and on loopback.

Every test talks to `backend` only (see conftest.py), so a test that passes in-process and fails
on loopback (or the other way round) points at a difference the real network makes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pytest

from journey_async import (
    ActionTarget,
    ActionTargetListing,
    AssignmentState,
    AuthenticationError,
    BadRequestError,
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
)
from journey_async.models import ActionTargetState, JourneyMetric, ServiceLevel

if TYPE_CHECKING:
    from conftest import Backend

pytestmark = pytest.mark.anyio

UTC = timezone.utc
NEW_SEGMENT_ID = "2c8d1a7e-3f4b-4c9d-8e1f-0a9b8c7d6e5f"
METRICS = ["nWebActionsOffered", "nWebActionsAccepted"]


def check_assignment(item: SegmentAssignment) -> None:
    """The fields every segment assignment carries, with plausible values."""
    assert isinstance(item, SegmentAssignment)
    assert item.id
    assert item.state in (AssignmentState.ASSIGNED, AssignmentState.UNASSIGNED)
    assert item.segment is not None and item.segment.id
    assert item.segment.scope in (SegmentScope.SESSION, SegmentScope.CUSTOMER)
    assert isinstance(item.date_assigned, datetime)
    assert item.date_assigned.tzinfo is not None


async def all_session_ids(client: JourneyClient, session_id: str, **kwargs: Any) -> list[str]:
    """The ids of every assignment of a session, in order (kwargs go to the pager)."""
    pager = client.iter_journey_session_segments(session_id, **kwargs)
    return [item.id async for item in pager if item.id is not None]


# ---------------------------------------------------------------------------------------------
# The eight operations.


async def test_get_journey_actiontarget_returns_the_target(backend: Backend):
    """get_journey_actiontarget returns an ActionTarget with the id asked for and its fields."""
    async with backend.open() as client:
        target_id = backend.target_ids[3]
        target = await client.get_journey_actiontarget(target_id)
        assert isinstance(target, ActionTarget)
        assert target.id == target_id
        assert target.name
        assert target.state in (ActionTargetState.ACTIVE, ActionTargetState.INACTIVE)
        assert target.supported_media_types
        assert target.service_level is not None
        assert 0 <= (target.service_level.percentage or 0) <= 1
        assert target.self_uri == f"/api/v2/journey/actiontargets/{target_id}"
        assert target.created_date is not None and target.created_date.tzinfo is not None


async def test_get_journey_actiontargets_returns_a_page(backend: Backend):
    """get_journey_actiontargets returns one ActionTargetListing page with totals and counts."""
    async with backend.open() as client:
        listing = await client.get_journey_actiontargets(page_number=2, page_size=5)
        assert isinstance(listing, ActionTargetListing)
        total = len(backend.target_ids)
        assert listing.page_number == 2
        assert listing.page_size == 5
        assert listing.total == total
        assert listing.page_count == -(-total // 5)
        assert [t.id for t in listing.entities or []] == backend.target_ids[5:10]
        assert all(isinstance(t, ActionTarget) for t in listing.entities or [])


async def test_get_journey_customer_segments_returns_the_customers_assignments(backend: Backend):
    """get_journey_customer_customer_id_segments returns the customer's assignments and a cursor."""
    async with backend.open() as client:
        id_type, customer_id = backend.customer
        listing = await client.get_journey_customer_customer_id_segments(
            id_type, customer_id, page_size=10
        )
        assert isinstance(listing, SegmentAssignmentListing)
        assert len(listing.entities or []) == min(10, backend.customer_size)
        for item in listing.entities or []:
            check_assignment(item)
            assert item.customer_id == customer_id
        assert listing.next_uri is not None and "after=" in listing.next_uri


async def test_get_journey_externalcontact_segments_returns_the_contacts_assignments(
    backend: Backend,
):
    """get_journey_externalcontact_segments returns assignments that name the contact."""
    async with backend.open() as client:
        listing = await client.get_journey_externalcontact_segments(
            backend.contact_id, page_size=10
        )
        assert isinstance(listing, SegmentAssignmentListing)
        assert len(listing.entities or []) == 10
        for item in listing.entities or []:
            check_assignment(item)
            assert item.external_contact is not None
            assert item.external_contact.id == backend.contact_id


async def test_get_journey_session_segments_returns_the_sessions_assignments(backend: Backend):
    """get_journey_session_segments returns assignments; session-scoped ones name the session."""
    async with backend.open() as client:
        listing = await client.get_journey_session_segments(backend.session_id, page_size=9)
        assert isinstance(listing, SegmentAssignmentListing)
        entities = listing.entities or []
        assert len(entities) == 9
        session_scoped = [i for i in entities if i.segment and i.segment.scope == "Session"]
        assert session_scoped
        for item in entities:
            check_assignment(item)
        for item in session_scoped:
            assert item.session is not None and item.session.id == backend.session_id


async def test_patch_journey_actiontarget_changes_and_keeps_the_fields(backend: Backend):
    """patch_journey_actiontarget returns the updated target, and a later GET sees the change."""
    async with backend.open() as client:
        target_id = backend.target_ids[0]
        body = PatchActionTarget(
            name="Renamed queue", service_level=ServiceLevel(percentage=0.5, duration_ms=15000)
        )
        patched = await client.patch_journey_actiontarget(target_id, body=body)
        assert isinstance(patched, ActionTarget)
        assert patched.id == target_id
        assert patched.name == "Renamed queue"
        assert patched.service_level == ServiceLevel(percentage=0.5, duration_ms=15000)
        again = await client.get_journey_actiontarget(target_id)
        assert again.name == "Renamed queue"
        assert again.service_level == ServiceLevel(percentage=0.5, duration_ms=15000)


async def test_post_journey_externalcontact_segments_returns_none_and_assigns(backend: Backend):
    """post_journey_externalcontact_segments returns None and the contact's listing shows it."""
    async with backend.open() as client:
        update = SegmentAssignmentsUpdate(segment_id=NEW_SEGMENT_ID, state=AssignmentState.ASSIGNED)
        result = await client.post_journey_externalcontact_segments(  # type: ignore[func-returns-value]
            backend.contact_id, body=[update]
        )
        assert result is None
        pager = client.iter_journey_externalcontact_segments(backend.contact_id, page_size=50)
        items = [item async for item in pager]
        assert len(items) == backend.contact_size + 1
        added = [i for i in items if i.segment is not None and i.segment.id == NEW_SEGMENT_ID]
        assert [i.state for i in added] == [AssignmentState.ASSIGNED]


async def test_aggregates_query_returns_the_metrics_asked_for(backend: Backend):
    """post_analytics_journeys_aggregates_query returns one bucket per day with each metric."""
    async with backend.open() as client:
        query = JourneyAggregationQuery(
            interval="2020-11-01T00:00:00.000Z/2020-11-03T00:00:00.000Z",
            metrics=[JourneyMetric(m) for m in METRICS],
            granularity="P1D",
            group_by=["journeyActionMapId"],
        )
        response = await client.post_analytics_journeys_aggregates_query(query)
        assert isinstance(response, JourneyAggregateQueryResponse)
        assert response.results
        for container in response.results:
            assert container.group is not None and "journeyActionMapId" in container.group
            data = container.data or []
            assert [d.interval for d in data] == [
                "2020-11-01T00:00:00.000Z/2020-11-02T00:00:00.000Z",
                "2020-11-02T00:00:00.000Z/2020-11-03T00:00:00.000Z",
            ]
            for bucket in data:
                assert [m.metric for m in bucket.metrics or []] == METRICS
                for metric in bucket.metrics or []:
                    assert metric.stats is not None
                    assert isinstance(metric.stats.count, int) and metric.stats.count >= 0


async def test_aggregates_query_accepts_a_plain_dict(backend: Backend):
    """A dict body (camelCase, sent as given) gets the same shape of answer as the model."""
    async with backend.open() as client:
        response = await client.post_analytics_journeys_aggregates_query(
            {"interval": "2020-11-01T00:00:00Z/2020-11-01T06:00:00Z", "metrics": METRICS[:1]}
        )
        assert response.results and len(response.results) == 1
        (bucket,) = response.results[0].data or []
        assert [m.metric for m in bucket.metrics or []] == METRICS[:1]


# ---------------------------------------------------------------------------------------------
# Pagination.


@pytest.mark.parametrize("page_size", [7, 200])
async def test_iter_session_segments_yields_every_assignment_once(backend: Backend, page_size: int):
    """iter_journey_session_segments yields exactly session_size distinct assignments."""
    before = backend.requests()
    async with backend.open() as client:
        ids = await all_session_ids(client, backend.session_id, page_size=page_size)
    assert len(ids) == backend.session_size
    assert len(set(ids)) == backend.session_size
    assert backend.requests() - before == -(-backend.session_size // page_size)


async def test_iter_customer_and_contact_segments_yield_every_assignment(backend: Backend):
    """The customer and external contact pagers reach the end of their listings too."""
    async with backend.open() as client:
        customer = [
            i.id
            async for i in client.iter_journey_customer_customer_id_segments(
                *backend.customer, page_size=6
            )
        ]
        contact = [
            i.id
            async for i in client.iter_journey_externalcontact_segments(
                backend.contact_id, page_size=4
            )
        ]
        assert len(set(customer)) == len(customer) == backend.customer_size
        assert len(set(contact)) == len(contact) == backend.contact_size


async def test_limit_stops_early_without_extra_requests(backend: Backend):
    """limit=10 with page_size=7 yields 10 items from 2 requests and no more."""
    async with backend.open() as client:
        everything = await all_session_ids(client, backend.session_id, page_size=7)
        before = backend.requests()
        limited = await all_session_ids(client, backend.session_id, page_size=7, limit=10)
    assert limited == everything[:10]
    assert backend.requests() - before == 2


async def test_resume_after_a_limit_loses_nothing(backend: Backend):
    """After a stop mid-page, next_cursor resumes at that page, so no item is lost."""
    async with backend.open() as client:
        everything = await all_session_ids(client, backend.session_id, page_size=7)
        pager = client.iter_journey_session_segments(backend.session_id, page_size=7, limit=10)
        first = [item.id async for item in pager]
        assert first == everything[:10]
        assert pager.next_cursor is not None
        rest = await all_session_ids(
            client, backend.session_id, page_size=7, after=pager.next_cursor
        )
        assert rest == everything[7:]
        assert set(first) | set(rest) == set(everything)


async def test_resume_after_a_whole_page_continues_with_the_next(backend: Backend):
    """After one fully consumed page, next_cursor resumes exactly after it."""
    async with backend.open() as client:
        everything = await all_session_ids(client, backend.session_id, page_size=7)
        pager = client.iter_journey_session_segments(backend.session_id, page_size=7)
        async with pager:
            async for page in pager.pages():
                first = [item.id for item in page.entities or []]
                break
        assert first == everything[:7]
        assert pager.next_cursor is not None
        rest = await all_session_ids(
            client, backend.session_id, page_size=7, after=pager.next_cursor
        )
        assert first + rest == everything


async def test_next_cursor_is_none_at_the_end(backend: Backend):
    """A pager run to the end has no next_cursor."""
    async with backend.open() as client:
        pager = client.iter_journey_session_segments(backend.session_id, page_size=25)
        count = 0
        async for _ in pager:
            count += 1
        assert count == backend.session_size
        assert pager.next_cursor is None


async def test_iter_actiontargets_yields_all_targets_in_order(backend: Backend):
    """iter_journey_actiontargets with page_size=3 yields every target once, in listing order."""
    async with backend.open() as client:
        pager = client.iter_journey_actiontargets(page_size=3)
        ids = [target.id async for target in pager]
        assert ids == backend.target_ids
        assert pager.next_page_number is None


async def test_actiontarget_pages_are_numbered_in_order(backend: Backend):
    """pages() yields listings numbered 1..pageCount, each with at most page_size targets."""
    async with backend.open() as client:
        pager = client.iter_journey_actiontargets(page_size=3)
        numbers = []
        async with pager:
            async for page in pager.pages():
                numbers.append(page.page_number)
                assert 1 <= len(page.entities or []) <= 3
        assert numbers == list(range(1, -(-len(backend.target_ids) // 3) + 1))


async def test_actiontargets_limit_stops_mid_page_without_extra_requests(backend: Backend):
    """limit=5 with page_size=3 costs 2 requests and resumes at page 2, whose items repeat."""
    async with backend.open() as client:
        before = backend.requests()
        pager = client.iter_journey_actiontargets(page_size=3, limit=5)
        async with pager:
            ids = [target.id async for target in pager]
        assert backend.requests() - before == 2
        assert ids == backend.target_ids[:5]
        assert pager.next_page_number == 2
        rest = [
            target.id
            async for target in client.iter_journey_actiontargets(
                page_size=3, page_number=pager.next_page_number
            )
        ]
        assert rest == backend.target_ids[3:]


@pytest.mark.parametrize("scope", ["Session", "Customer"])
async def test_segment_scope_filter_returns_only_that_scope(backend: Backend, scope: str):
    """segment_scope keeps only assignments of that scope, and the two scopes partition all."""
    async with backend.open() as client:
        kept = [
            item
            async for item in client.iter_journey_session_segments(
                backend.session_id, page_size=7, segment_scope=scope
            )
        ]
        other = "Customer" if scope == "Session" else "Session"
        others = await all_session_ids(client, backend.session_id, page_size=7, segment_scope=other)
        assert kept
        assert all(item.segment is not None and item.segment.scope == scope for item in kept)
        assert len(kept) + len(others) == backend.session_size
        assert {i.id for i in kept}.isdisjoint(others)


@pytest.mark.parametrize("state", [AssignmentState.ASSIGNED, AssignmentState.UNASSIGNED])
async def test_assignment_state_filter_returns_only_that_state(
    backend: Backend, state: AssignmentState
):
    """assignment_state keeps only assignments in that state, across the customer's pages."""
    async with backend.open() as client:
        kept = [
            item
            async for item in client.iter_journey_customer_customer_id_segments(
                *backend.customer, page_size=5, assignment_state=state
            )
        ]
        assert kept
        assert all(item.state == state for item in kept)
        assert len(kept) < backend.customer_size


async def test_both_filters_together(backend: Backend):
    """segment_scope and assignment_state combine: only items matching both come back."""
    async with backend.open() as client:
        items = [
            item
            async for item in client.iter_journey_externalcontact_segments(
                backend.contact_id,
                page_size=3,
                segment_scope="Session",
                assignment_state="Unassigned",
            )
        ]
        assert items
        assert all(
            i.state == "Unassigned" and i.segment and i.segment.scope == "Session" for i in items
        )


# ---------------------------------------------------------------------------------------------
# Errors and retries.


async def test_unknown_target_is_not_found_with_correlation_id(backend: Backend):
    """An unknown action target raises NotFoundError with status, code and correlation id."""
    async with backend.open() as client:
        with pytest.raises(NotFoundError) as info:
            await client.get_journey_actiontarget(backend.missing_target_id)
        error = info.value
        assert error.status == 404
        assert error.code == "not.found"
        assert error.correlation_id
        assert error.body is not None and error.body.status == 404


async def test_unknown_session_is_not_found(backend: Backend):
    """An unknown session raises NotFoundError from the get and from the pager alike."""
    async with backend.open() as client:
        with pytest.raises(NotFoundError):
            await client.get_journey_session_segments(backend.missing_target_id)
        with pytest.raises(NotFoundError):
            async for _ in client.iter_journey_session_segments(backend.missing_target_id):
                pass


@pytest.mark.parametrize("odd_id", ["../actiontargets", "a/b", "x?pageSize=1", "y#z", "..."])
async def test_odd_ids_reach_no_other_resource(backend: Backend, odd_id: str):
    """An id with `/`, `..`, `?` or `#` stays one path segment: NotFoundError, never a listing."""
    async with backend.open() as client:
        with pytest.raises(NotFoundError) as info:
            await client.get_journey_actiontarget(odd_id)
        assert info.value.status == 404


async def test_503s_are_retried_transparently(backend: Backend):
    """Two 503s then a success cost two extra requests and return the target."""
    async with backend.open() as client:
        backend.fail_next([503, 503])
        before = backend.requests()
        target = await client.get_journey_actiontarget(backend.target_ids[1])
        assert target.id == backend.target_ids[1]
        assert backend.requests() - before == 3


async def test_persistent_503_gives_up_after_max_attempts(backend: Backend):
    """Four 503s in a row exhaust the default four attempts and raise ServerError."""
    async with backend.open() as client:
        backend.fail_next([503] * 4)
        before = backend.requests()
        with pytest.raises(ServerError) as info:
            await client.get_journey_actiontarget(backend.target_ids[1])
        assert info.value.status == 503
        assert backend.requests() - before == 4
        target = await client.get_journey_actiontarget(backend.target_ids[1])
        assert target.id == backend.target_ids[1]


async def test_429_with_retry_after_is_absorbed(backend: Backend):
    """A 429 with Retry-After: 1 is waited out (on the fake clock) and the call succeeds."""
    async with backend.open() as client:
        backend.fail_next([429])
        before = backend.requests()
        listing = await client.get_journey_session_segments(backend.session_id, page_size=5)
        assert len(listing.entities or []) == 5
        assert backend.requests() - before == 2
        assert sum(backend.sleeper.waits) == pytest.approx(1.0)


async def test_429_storm_beyond_attempts_raises_rate_limit_error(backend: Backend):
    """429s on every attempt end in RateLimitError carrying the Retry-After seconds."""
    async with backend.open() as client:
        backend.fail_next([429] * 4)
        with pytest.raises(RateLimitError) as info:
            await client.get_journey_actiontarget(backend.target_ids[2])
        assert info.value.retry_after == 1.0


async def test_400_is_not_retried(backend: Backend):
    """A 400 raises BadRequestError after exactly one request."""
    async with backend.open() as client:
        backend.fail_next([400])
        before = backend.requests()
        with pytest.raises(BadRequestError) as info:
            await client.get_journey_actiontarget(backend.target_ids[0])
        assert info.value.status == 400
        assert info.value.correlation_id
        assert backend.requests() - before == 1


async def test_wrong_token_is_an_authentication_error(backend: Backend):
    """A client with a token the backend does not accept gets AuthenticationError."""
    async with backend.open("wrong") as other:
        with pytest.raises(AuthenticationError) as info:
            await other.get_journey_actiontarget(backend.target_ids[0])
    assert info.value.status == 401
    assert "wrong" not in str(info.value)
    assert info.value.request is not None
    assert info.value.request.headers["Authorization"] == "[redacted]"


# ---------------------------------------------------------------------------------------------
# Bulk.


async def test_map_places_not_found_at_the_missing_ids_index(backend: Backend):
    """map with return_exceptions=True keeps input order and puts NotFoundError in its place."""
    async with backend.open() as client:
        ids = [*backend.target_ids[:6], backend.missing_target_id, *backend.target_ids[6:12]]
        results = await client.map(
            client.get_journey_actiontarget, ids, concurrency=4, return_exceptions=True
        )
        assert len(results) == len(ids)
        assert isinstance(results[6], NotFoundError)
        assert results[6].correlation_id
        for index, (target_id, result) in enumerate(zip(ids, results, strict=True)):
            if index != 6:
                assert isinstance(result, ActionTarget)
                assert result.id == target_id


async def test_429s_during_map_slow_the_batch_without_failing_it(backend: Backend):
    """A few 429s in the middle of a map are waited out; every item still gets its target."""
    async with backend.open() as client:
        ids = backend.target_ids[:12]
        backend.fail_next([429, 429, 429])
        before = backend.requests()
        results = await client.map(client.get_journey_actiontarget, ids, concurrency=4)
        assert [t.id for t in results] == ids
        assert backend.requests() - before == len(ids) + 3
        assert sum(backend.sleeper.waits) >= 1.0


async def test_map_without_return_exceptions_raises_the_not_found(backend: Backend):
    """map with return_exceptions=False raises the NotFoundError itself, not a wrapper."""
    async with backend.open() as client:
        ids = [*backend.target_ids[:3], backend.missing_target_id]
        with pytest.raises(NotFoundError):
            await client.map(client.get_journey_actiontarget, ids, concurrency=2)


async def test_map_unordered_pairs_each_id_with_its_target(backend: Backend):
    """map_unordered pairs each item with its own result, whatever the completion order."""
    async with backend.open() as client:
        ids = backend.target_ids[:8]
        seen = {}
        async with client.map_unordered(
            client.get_journey_actiontarget, ids, concurrency=3
        ) as results:
            async for target_id, target in results:
                seen[target_id] = target.id
        assert seen == {i: i for i in ids}


async def test_timestamps_are_timezone_aware(backend: Backend):
    """Dates decode to aware datetimes in UTC, on targets and on assignments."""
    async with backend.open() as client:
        target = await client.get_journey_actiontarget(backend.target_ids[0])
        listing = await client.get_journey_session_segments(backend.session_id, page_size=3)
        moments = [target.created_date, target.modified_date]
        moments += [i.date_assigned for i in listing.entities or []]
        for moment in moments:
            assert isinstance(moment, datetime)
            assert moment.utcoffset() == UTC.utcoffset(None)
