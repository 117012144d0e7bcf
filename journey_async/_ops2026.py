"""Today's Journey API (SDK 269): contacts, sessions, events and the aggregates jobs.

A mixin of `JourneyClient`, with the configuration operations of `_ops2026_config`. Names and
parameter names are the official SDK 269's; required parameters are positional, optional ones
keyword-only and left out of the request when None (the API's own default applies).

`post_analytics_journeys_aggregates_jobs` creates a job on each call, so it is re-sent only
after a connection failure or a 429/503 answer, never once it may have reached the server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import models as _m
from ._aggregates_job import JobSource
from ._checks import check_seconds
from ._generated.operations import BY_NAME as _OPS
from ._operations import given_args
from ._ops2026_config import ConfigOperations2026
from ._pagination import AsyncPager
from ._types import Clock, Sleep
from ._wire import to_jsonable

if TYPE_CHECKING:  # the classes load on first use (`journey_async.models`)
    from .models import (
        AsyncQueryResponse,
        AsyncQueryStatus,
        Event,
        EventListing,
        JourneyAggregateDataContainer,
        JourneyAggregationQuery,
        JourneyAsyncAggregateQueryResponse,
        JourneyAsyncAggregationQuery,
        SegmentAssignmentListing,
        Session,
        SessionListing,
        UpdateSegmentAssignmentRequest,
        UpdateSegmentAssignmentResponse,
    )

__all__ = ["Operations2026"]


class Operations2026(ConfigOperations2026):
    """Today's operations of contacts, sessions, events and aggregates jobs, with pagers."""

    _clock: Clock
    _sleep: Sleep

    # -- external contacts ------------------------------------------------------------------------

    async def get_externalcontacts_contact_journey_segments(
        self, contact_id: str, *, include_merged: bool | None = None, limit: int | None = None
    ) -> SegmentAssignmentListing:
        """The segment assignments of an external contact (not paged: `limit`, default 25,
        at most 500, caps the answer). Replaces the retired `get_journey_externalcontact_segments`.
        """
        return await self._run(
            _OPS["get_externalcontacts_contact_journey_segments"],
            _m.SegmentAssignmentListing,
            **given_args(locals()),
        )

    async def post_externalcontacts_contact_journey_segments(
        self,
        contact_id: str,
        *,
        body: UpdateSegmentAssignmentRequest | Mapping[str, Any] | None = None,
    ) -> UpdateSegmentAssignmentResponse:
        """Assign and unassign segments of an external contact; the answer lists what was not
        processed. Replaces the retired `post_journey_externalcontact_segments`."""
        return await self._run(
            _OPS["post_externalcontacts_contact_journey_segments"],
            _m.UpdateSegmentAssignmentResponse,
            body,
            contact_id=contact_id,
        )

    async def get_externalcontacts_contact_journey_sessions(
        self,
        contact_id: str,
        *,
        page_size: int | str | None = None,
        after: str | None = None,
        include_merged: bool | None = None,
    ) -> SessionListing:
        """One page of an external contact's sessions (cursor `after`; `page_size` <= 200)."""
        return await self._run(
            _OPS["get_externalcontacts_contact_journey_sessions"],
            _m.SessionListing,
            **given_args(locals()),
        )

    def iter_externalcontacts_contact_journey_sessions(
        self,
        contact_id: str,
        *,
        page_size: int | str | None = None,
        after: str | None = None,
        include_merged: bool | None = None,
        limit: int | None = None,
        prefetch: bool = True,
    ) -> AsyncPager[Session, SessionListing]:
        """Every session of an external contact, following the `after` cursor of `nextUri`."""
        return self._cursor_pager(
            _OPS["get_externalcontacts_contact_journey_sessions"],
            _m.SessionListing,
            given_args(locals(), "limit", "prefetch"),
            limit,
            prefetch,
        )

    # -- sessions and events ----------------------------------------------------------------------

    async def get_journey_session(self, session_id: str) -> Session:
        """One session, with its segment assignments and last event."""
        return await self._run(_OPS["get_journey_session"], _m.Session, session_id=session_id)

    async def get_journey_session_events(
        self,
        session_id: str,
        *,
        page_size: int | str | None = None,
        after: str | None = None,
        event_type: Sequence[str] | str | None = None,
    ) -> EventListing:
        """One page of a session's events (cursor `after`; `page_size` <= 200).

        `event_type` keeps the events of those types (`com.genesys.journey.WebEvent`, ...): a
        list, or the SDK's comma-joined str.
        """
        return await self._run(
            _OPS["get_journey_session_events"], _m.EventListing, **given_args(locals())
        )

    def iter_journey_session_events(
        self,
        session_id: str,
        *,
        page_size: int | str | None = None,
        after: str | None = None,
        event_type: Sequence[str] | str | None = None,
        limit: int | None = None,
        prefetch: bool = True,
    ) -> AsyncPager[Event, EventListing]:
        """Every event of a session, following the `after` cursor of `nextUri`."""
        return self._cursor_pager(
            _OPS["get_journey_session_events"],
            _m.EventListing,
            given_args(locals(), "limit", "prefetch"),
            limit,
            prefetch,
        )

    # -- aggregates jobs --------------------------------------------------------------------------

    async def post_analytics_journeys_aggregates_jobs(
        self, body: JourneyAsyncAggregationQuery | Mapping[str, Any]
    ) -> AsyncQueryResponse:
        """Submit an asynchronous aggregates query; the answer has its `job_id`.

        Not idempotent: re-sent only when it cannot have reached the server, or on 429/503.
        """
        return await self._run(
            _OPS["post_analytics_journeys_aggregates_jobs"], _m.AsyncQueryResponse, body
        )

    async def get_analytics_journeys_aggregates_job(self, job_id: str) -> AsyncQueryStatus:
        """The status of an aggregates job (`state`: QUEUED, PENDING, FULFILLED, FAILED, ...)."""
        return await self._run(
            _OPS["get_analytics_journeys_aggregates_job"], _m.AsyncQueryStatus, job_id=job_id
        )

    async def get_analytics_journeys_aggregates_job_results(
        self, job_id: str, *, cursor: str | None = None
    ) -> JourneyAsyncAggregateQueryResponse:
        """One page of a fulfilled job's results; its `cursor` asks for the next one."""
        return await self._run(
            _OPS["get_analytics_journeys_aggregates_job_results"],
            _m.JourneyAsyncAggregateQueryResponse,
            **given_args(locals()),
        )

    async def delete_analytics_journeys_aggregates_job(self, job_id: str) -> None:
        """Cancel or remove an aggregates job."""
        await self._run_no_result(_OPS["delete_analytics_journeys_aggregates_job"], job_id=job_id)

    def iter_analytics_journeys_aggregates_job_results(
        self,
        job_id: str,
        *,
        cursor: str | None = None,
        limit: int | None = None,
        prefetch: bool = True,
    ) -> AsyncPager[JourneyAggregateDataContainer, JourneyAsyncAggregateQueryResponse]:
        """Every result of a fulfilled job, sending back each page's `cursor`."""
        return self._cursor_field_pager(
            _OPS["get_analytics_journeys_aggregates_job_results"],
            _m.JourneyAsyncAggregateQueryResponse,
            given_args(locals(), "limit", "prefetch"),
            limit,
            prefetch,
        )

    def analytics_journeys_aggregates_job(
        self,
        body: JourneyAsyncAggregationQuery | JourneyAggregationQuery | Mapping[str, Any],
        *,
        poll_interval: float = 2.0,
        timeout: float = 600.0,
        limit: int | None = None,
    ) -> AsyncPager[JourneyAggregateDataContainer, JourneyAsyncAggregateQueryResponse]:
        """The whole asynchronous aggregates query as one pager of result items.

        ```python
        async with client.analytics_journeys_aggregates_job(query) as results:
            async for container in results:
                ...
        ```

        The first iteration submits the job, polls its status (at once, then after
        `poll_interval` seconds, each wait 1.5 times longer than the last, up to 30 s) and then
        yields the results page by page. A job that ends FAILED, CANCELLED or EXPIRED, or is
        not FULFILLED within `timeout` seconds of its submission, raises `JobError`. Leaving
        before the last page (an error, a cancellation, `limit`, `aclose()`, the end of
        `async with`) deletes the job; a bare `break` out of `async for` without `async with`
        cannot be seen, so use `async with` (or `contextlib.aclosing`) when you may stop
        early. The body is checked before anything is sent; a `JourneyAggregationQuery` is
        sent as it is (the job takes the same fields, plus `page_size`).
        """
        poll_interval = check_seconds("poll_interval", poll_interval)
        timeout = check_seconds("timeout", timeout)
        job_body: object = body
        if isinstance(body, _m.JourneyAggregationQuery):
            job_body = to_jsonable(body)  # the same fields; the job's own model adds page_size
        # Check the body now, not at the first iteration: bad input fails at the call.
        content = self._prepare(_OPS["post_analytics_journeys_aggregates_jobs"], {}, job_body)
        del content

        async def submit() -> Any:
            return await self.post_analytics_journeys_aggregates_jobs(job_body)  # type: ignore[arg-type]

        async def results(job_id: str, cursor: str | None) -> Any:
            return await self.get_analytics_journeys_aggregates_job_results(job_id, cursor=cursor)

        source = JobSource(
            submit=submit,
            status=self.get_analytics_journeys_aggregates_job,
            results=results,
            delete=self.delete_analytics_journeys_aggregates_job,
            poll_interval=poll_interval,
            timeout=timeout,
            clock=self._clock,
            sleep=self._sleep,
        )
        return AsyncPager(source, limit, depth=1)
