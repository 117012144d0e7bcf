"""The eight operations of the 2020 Journey API, as methods (a mixin of `JourneyClient`).

Names and parameter names are the official SDK's (`PureCloudPlatformClientV2.JourneyApi` of
2020), so porting is adding `await`. Each method names its parameters and result model and hands
them to the client's one generic path (`_run`, `_cursor_pager`, `_page_number_pager`); what is
sent, and how it is checked, is the operation's entry in the generated table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import models as _m
from ._checks import check_int
from ._generated.operations import BY_NAME as _OPS
from ._operations import OperationHost, call_args
from ._pagination import AsyncPager

if TYPE_CHECKING:  # the classes load on first use (`journey_async.models`)
    from .models import (
        ActionTarget,
        ActionTargetListing,
        AssignmentState,
        JourneyAggregateQueryResponse,
        JourneyAggregationQuery,
        PatchActionTarget,
        SegmentAssignment,
        SegmentAssignmentListing,
        SegmentAssignmentsUpdate,
        SegmentScope,
    )

__all__ = ["Operations2020"]


class Operations2020(OperationHost):
    """`get_journey_actiontarget`, the segment listings, their pagers, and the writes of 2020."""

    # -- the eight operations of 2020 -------------------------------------------------------------

    async def get_journey_actiontarget(self, action_target_id: str) -> ActionTarget:
        """Retrieve a single action target (`GET /api/v2/journey/actiontargets/{id}`)."""
        return await self._run(
            _OPS["get_journey_actiontarget"], _m.ActionTarget, action_target_id=action_target_id
        )

    async def get_journey_actiontargets(
        self, *, page_number: int = 1, page_size: int = 25
    ) -> ActionTargetListing:
        """Retrieve one page of action targets (`GET /api/v2/journey/actiontargets`)."""
        return await self._run(
            _OPS["get_journey_actiontargets"],
            _m.ActionTargetListing,
            page_number=page_number,
            page_size=page_size,
        )

    async def get_journey_customer_customer_id_segments(
        self,
        customer_id_type: str,
        customer_id: str,
        *,
        page_size: int | str | None = None,
        after: str | None = None,
        segment_scope: SegmentScope | str | None = None,
        assignment_state: AssignmentState | str | None = None,
    ) -> SegmentAssignmentListing:
        """Retrieve one page of segment assignments by customer id (cursor pagination)."""
        return await self._run(
            _OPS["get_journey_customer_customer_id_segments"],
            _m.SegmentAssignmentListing,
            **call_args(locals()),
        )

    async def get_journey_externalcontact_segments(
        self,
        external_contact_id: str,
        *,
        page_size: int | str | None = None,
        after: str | None = None,
        segment_scope: SegmentScope | str | None = None,
        assignment_state: AssignmentState | str | None = None,
    ) -> SegmentAssignmentListing:
        """Retrieve one page of segment assignments by external contact id (cursor pagination)."""
        return await self._run(
            _OPS["get_journey_externalcontact_segments"],
            _m.SegmentAssignmentListing,
            **call_args(locals()),
        )

    async def get_journey_session_segments(
        self,
        session_id: str,
        *,
        page_size: int | str | None = None,
        after: str | None = None,
        segment_scope: SegmentScope | str | None = None,
        assignment_state: AssignmentState | str | None = None,
    ) -> SegmentAssignmentListing:
        """Retrieve one page of segment assignments by session id (cursor pagination)."""
        return await self._run(
            _OPS["get_journey_session_segments"], _m.SegmentAssignmentListing, **call_args(locals())
        )

    async def patch_journey_actiontarget(
        self,
        action_target_id: str,
        *,
        body: PatchActionTarget | Mapping[str, Any] | None = None,
    ) -> ActionTarget:
        """Update an action target (`PATCH`); only the fields set in `body` are sent."""
        return await self._run(
            _OPS["patch_journey_actiontarget"],
            _m.ActionTarget,
            body,
            action_target_id=action_target_id,
        )

    async def post_analytics_journeys_aggregates_query(
        self, body: JourneyAggregationQuery | Mapping[str, Any]
    ) -> JourneyAggregateQueryResponse:
        """Run a journey aggregates query (`POST /api/v2/analytics/journeys/aggregates/query`)."""
        return await self._run(
            _OPS["post_analytics_journeys_aggregates_query"], _m.JourneyAggregateQueryResponse, body
        )

    async def post_journey_externalcontact_segments(
        self,
        external_contact_id: str,
        *,
        body: Sequence[SegmentAssignmentsUpdate | Mapping[str, Any]] | None = None,
    ) -> None:
        """Assign or unassign segments for an external contact (a JSON array body; no result)."""
        await self._run_no_result(
            _OPS["post_journey_externalcontact_segments"],
            body,
            external_contact_id=external_contact_id,
        )

    # -- pagination -------------------------------------------------------------------------------

    def iter_journey_actiontargets(
        self,
        *,
        page_size: int = 25,
        page_number: int = 1,
        limit: int | None = None,
        prefetch: bool = True,
        page_concurrency: int = 4,
    ) -> AsyncPager[ActionTarget, ActionTargetListing]:
        """Every action target, page after page (`async for target in ...`).

        While you work through a page the next ones are fetched: once page 1 tells `pageCount`,
        up to `page_concurrency` pages at once, yielded in order (`prefetch=False`: one page at
        a time).
        """
        check_int("page_concurrency", page_concurrency, minimum=1)
        return self._page_number_pager(
            _OPS["get_journey_actiontargets"],
            _m.ActionTargetListing,
            {"page_size": page_size, "page_number": page_number},
            limit,
            page_concurrency if prefetch else 0,
        )

    def iter_journey_customer_customer_id_segments(
        self,
        customer_id_type: str,
        customer_id: str,
        *,
        page_size: int | str | None = None,
        after: str | None = None,
        segment_scope: SegmentScope | str | None = None,
        assignment_state: AssignmentState | str | None = None,
        limit: int | None = None,
        prefetch: bool = True,
    ) -> AsyncPager[SegmentAssignment, SegmentAssignmentListing]:
        """Every segment assignment of a customer, following the `after` cursor."""
        values = call_args(locals(), "limit", "prefetch")
        return self._cursor_pager(
            _OPS["get_journey_customer_customer_id_segments"],
            _m.SegmentAssignmentListing,
            values,
            limit,
            prefetch,
        )

    def iter_journey_externalcontact_segments(
        self,
        external_contact_id: str,
        *,
        page_size: int | str | None = None,
        after: str | None = None,
        segment_scope: SegmentScope | str | None = None,
        assignment_state: AssignmentState | str | None = None,
        limit: int | None = None,
        prefetch: bool = True,
    ) -> AsyncPager[SegmentAssignment, SegmentAssignmentListing]:
        """Every segment assignment of an external contact, following the `after` cursor."""
        values = call_args(locals(), "limit", "prefetch")
        return self._cursor_pager(
            _OPS["get_journey_externalcontact_segments"],
            _m.SegmentAssignmentListing,
            values,
            limit,
            prefetch,
        )

    def iter_journey_session_segments(
        self,
        session_id: str,
        *,
        page_size: int | str | None = None,
        after: str | None = None,
        segment_scope: SegmentScope | str | None = None,
        assignment_state: AssignmentState | str | None = None,
        limit: int | None = None,
        prefetch: bool = True,
    ) -> AsyncPager[SegmentAssignment, SegmentAssignmentListing]:
        """Every segment assignment of a session, following the `after` cursor.

        `prefetch=True` fetches page N+1 while you work through page N.
        """
        values = call_args(locals(), "limit", "prefetch")
        return self._cursor_pager(
            _OPS["get_journey_session_segments"],
            _m.SegmentAssignmentListing,
            values,
            limit,
            prefetch,
        )
