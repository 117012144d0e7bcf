"""Today's configuration operations: segments, action maps, action templates, journey views.

A mixin of `JourneyClient`. Names and parameter names are the official SDK 269's; required
parameters are positional, optional ones keyword-only and left out of the request when None
(the API's own default applies). Each listing has a pager over its page numbers; asked for by
ids (`segment_ids`, `action_map_ids`), a listing is not paged by the API, and its pager makes
one request.

Creating (`post_journey_segments`, `post_journey_actionmaps`, `post_journey_actiontemplates`)
is not idempotent: such a request is re-sent only after a connection failure or a 429/503
answer, never once it may have reached the server. Reading, patching and deleting are retried
as any other call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from . import models as _m
from ._checks import check_int
from ._generated.operations import BY_NAME as _OPS
from ._operations import Operation, OperationHost, given_args
from ._pagination import AsyncPager, Listing

if TYPE_CHECKING:  # the classes load on first use (`journey_async.models`)
    from .models import (
        ActionMap,
        ActionMapListing,
        ActionTemplate,
        ActionTemplateListing,
        ActionTemplateMediaType,
        ActionTemplateState,
        JourneySegment,
        JourneySegmentRequest,
        JourneyView,
        JourneyViewListing,
        PatchActionMap,
        PatchActionTemplate,
        PatchSegment,
        SegmentListing,
    )

__all__ = ["ConfigOperations2026", "check_listing", "check_together", "check_alone"]

P = TypeVar("P", bound=Listing)


def check_together(values: Mapping[str, Any], *names: str) -> None:
    """Parameters the API reads only as a pair (`query_fields` + `query_value`): both or none."""
    given = [name for name in names if values.get(name) is not None]
    if given and len(given) != len(names):
        missing = [name for name in names if name not in given]
        msg = f"{' and '.join(names)} go together: {', '.join(given)} given without {missing[0]}"
        raise ValueError(msg)


def check_alone(values: Mapping[str, Any], ids: str, others: Sequence[str]) -> None:
    """`ids` (`segment_ids`, `action_map_ids`) cannot be combined with paging, sorting, queries."""
    if values.get(ids) is None:
        return
    clash = [name for name in others if values.get(name) is not None]
    if clash:
        msg = (
            f"{ids} cannot be combined with {', '.join(clash)}: the API answers a listing by "
            "ids in one unpaged, unsorted response"
        )
        raise ValueError(msg)


_SEGMENT_IDS_ALONE = ("sort_by", "page_size", "page_number", "query_fields", "query_value")
_ACTION_MAP_IDS_ALONE = (*_SEGMENT_IDS_ALONE, "filter_field", "filter_value")

_ALONE: dict[str, tuple[str, Sequence[str]]] = {
    "get_journey_segments": ("segment_ids", _SEGMENT_IDS_ALONE),
    "get_journey_actionmaps": ("action_map_ids", _ACTION_MAP_IDS_ALONE),
}
"""The listings whose id list cannot be combined with the other parameters."""

_PAIRS: dict[str, tuple[tuple[str, str], ...]] = {
    "get_journey_segments": (("query_fields", "query_value"),),
    "get_journey_actionmaps": (("filter_field", "filter_value"), ("query_fields", "query_value")),
    "get_journey_actiontemplates": (("query_fields", "query_value"),),
}
"""The parameters each listing reads only as pairs."""


def check_listing(name: str, values: Mapping[str, Any]) -> None:
    """The rules of listing `name` (one call or its pager) that one parameter cannot tell."""
    alone = _ALONE.get(name)
    if alone is not None:
        check_alone(values, *alone)
    for pair in _PAIRS.get(name, ()):
        check_together(values, *pair)


class ConfigOperations2026(OperationHost):
    """Segments, action maps, action templates and journey views, with their pagers."""

    # -- segments ---------------------------------------------------------------------------------

    async def get_journey_segments(
        self,
        *,
        sort_by: str | None = None,
        page_size: int | None = None,
        page_number: int | None = None,
        is_active: bool | None = None,
        segment_ids: Sequence[str] | None = None,
        query_fields: Sequence[str] | None = None,
        query_value: str | None = None,
    ) -> SegmentListing:
        """One page of segments (page size 25 and page 1 unless given).

        `segment_ids` (at most 100) asks for those segments in one unpaged response and cannot
        be combined with paging, sorting or `query_*`; `query_fields` and `query_value` go
        together.
        """
        values = given_args(locals())
        check_listing("get_journey_segments", values)
        return await self._run(_OPS["get_journey_segments"], _m.SegmentListing, **values)

    async def get_journey_segment(self, segment_id: str) -> JourneySegment:
        """One segment (`GET /api/v2/journey/segments/{segmentId}`)."""
        return await self._run(
            _OPS["get_journey_segment"], _m.JourneySegment, segment_id=segment_id
        )

    async def post_journey_segments(
        self, *, body: JourneySegmentRequest | Mapping[str, Any] | None = None
    ) -> JourneySegment:
        """Create a segment. Not idempotent: never re-sent once it may have reached the server."""
        return await self._run(_OPS["post_journey_segments"], _m.JourneySegment, body)

    async def patch_journey_segment(
        self, segment_id: str, *, body: PatchSegment | Mapping[str, Any] | None = None
    ) -> JourneySegment:
        """Update a segment; `PatchSegment` requires `version` (the version being replaced)."""
        return await self._run(
            _OPS["patch_journey_segment"], _m.JourneySegment, body, segment_id=segment_id
        )

    async def delete_journey_segment(self, segment_id: str) -> None:
        """Delete a segment."""
        await self._run_no_result(_OPS["delete_journey_segment"], segment_id=segment_id)

    def iter_journey_segments(
        self,
        *,
        sort_by: str | None = None,
        page_size: int | None = None,
        page_number: int | None = None,
        is_active: bool | None = None,
        segment_ids: Sequence[str] | None = None,
        query_fields: Sequence[str] | None = None,
        query_value: str | None = None,
        limit: int | None = None,
        prefetch: bool = True,
        page_concurrency: int = 4,
    ) -> AsyncPager[JourneySegment, SegmentListing]:
        """Every segment, page after page (from `page_number`, default 1; 25 a page by default).

        With `segment_ids`, one request for those segments (the API does not page them).
        """
        values = given_args(locals(), "limit", "prefetch", "page_concurrency")
        check_int("page_concurrency", page_concurrency, minimum=1)
        op = _OPS["get_journey_segments"]
        check_listing(op.name, values)
        if segment_ids is not None:
            return self._one_page_pager(op, _m.SegmentListing, values, limit)
        return self._paged(op, _m.SegmentListing, values, limit, prefetch, page_concurrency)

    # -- action maps ------------------------------------------------------------------------------

    async def get_journey_actionmaps(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        sort_by: str | None = None,
        filter_field: str | None = None,
        filter_value: str | None = None,
        action_map_ids: Sequence[str] | None = None,
        query_fields: Sequence[str] | None = None,
        query_value: str | None = None,
    ) -> ActionMapListing:
        """One page of action maps (page size 25 and page 1 unless given).

        `action_map_ids` (at most 100) asks for those action maps in one unpaged response and
        cannot be combined with paging, sorting, filtering or `query_*`; `filter_field` with
        `filter_value`, and `query_fields` with `query_value`, go together.
        """
        values = given_args(locals())
        check_listing("get_journey_actionmaps", values)
        return await self._run(_OPS["get_journey_actionmaps"], _m.ActionMapListing, **values)

    async def get_journey_actionmap(self, action_map_id: str) -> ActionMap:
        """One action map."""
        return await self._run(
            _OPS["get_journey_actionmap"], _m.ActionMap, action_map_id=action_map_id
        )

    async def post_journey_actionmaps(
        self, *, body: ActionMap | Mapping[str, Any] | None = None
    ) -> ActionMap:
        """Create an action map. Not idempotent: never re-sent once it may have been received."""
        return await self._run(_OPS["post_journey_actionmaps"], _m.ActionMap, body)

    async def patch_journey_actionmap(
        self, action_map_id: str, *, body: PatchActionMap | Mapping[str, Any] | None = None
    ) -> ActionMap:
        """Update an action map; `PatchActionMap` requires `version` and what the SDK requires."""
        return await self._run(
            _OPS["patch_journey_actionmap"], _m.ActionMap, body, action_map_id=action_map_id
        )

    async def delete_journey_actionmap(self, action_map_id: str) -> None:
        """Delete an action map."""
        await self._run_no_result(_OPS["delete_journey_actionmap"], action_map_id=action_map_id)

    def iter_journey_actionmaps(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        sort_by: str | None = None,
        filter_field: str | None = None,
        filter_value: str | None = None,
        action_map_ids: Sequence[str] | None = None,
        query_fields: Sequence[str] | None = None,
        query_value: str | None = None,
        limit: int | None = None,
        prefetch: bool = True,
        page_concurrency: int = 4,
    ) -> AsyncPager[ActionMap, ActionMapListing]:
        """Every action map, page after page; with `action_map_ids`, one unpaged request."""
        values = given_args(locals(), "limit", "prefetch", "page_concurrency")
        check_int("page_concurrency", page_concurrency, minimum=1)
        op = _OPS["get_journey_actionmaps"]
        check_listing(op.name, values)
        if action_map_ids is not None:
            return self._one_page_pager(op, _m.ActionMapListing, values, limit)
        return self._paged(op, _m.ActionMapListing, values, limit, prefetch, page_concurrency)

    # -- action templates -------------------------------------------------------------------------

    async def get_journey_actiontemplates(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        sort_by: str | None = None,
        media_type: ActionTemplateMediaType | str | None = None,
        state: ActionTemplateState | str | None = None,
        query_fields: Sequence[str] | None = None,
        query_value: str | None = None,
    ) -> ActionTemplateListing:
        """One page of action templates (page size 25 and page 1 unless given)."""
        values = given_args(locals())
        check_listing("get_journey_actiontemplates", values)
        return await self._run(
            _OPS["get_journey_actiontemplates"], _m.ActionTemplateListing, **values
        )

    async def get_journey_actiontemplate(self, action_template_id: str) -> ActionTemplate:
        """One action template."""
        return await self._run(
            _OPS["get_journey_actiontemplate"],
            _m.ActionTemplate,
            action_template_id=action_template_id,
        )

    async def post_journey_actiontemplates(
        self, *, body: ActionTemplate | Mapping[str, Any] | None = None
    ) -> ActionTemplate:
        """Create an action template. Not idempotent: never re-sent once it may have arrived."""
        return await self._run(_OPS["post_journey_actiontemplates"], _m.ActionTemplate, body)

    async def patch_journey_actiontemplate(
        self,
        action_template_id: str,
        *,
        body: PatchActionTemplate | Mapping[str, Any] | None = None,
    ) -> ActionTemplate:
        """Update an action template; `PatchActionTemplate` requires `name` and `version`."""
        return await self._run(
            _OPS["patch_journey_actiontemplate"],
            _m.ActionTemplate,
            body,
            action_template_id=action_template_id,
        )

    async def delete_journey_actiontemplate(
        self, action_template_id: str, *, hard_delete: bool | None = None
    ) -> None:
        """Delete an action template: its state becomes Deleted, or it is gone (`hard_delete`)."""
        await self._run_no_result(_OPS["delete_journey_actiontemplate"], **given_args(locals()))

    def iter_journey_actiontemplates(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        sort_by: str | None = None,
        media_type: ActionTemplateMediaType | str | None = None,
        state: ActionTemplateState | str | None = None,
        query_fields: Sequence[str] | None = None,
        query_value: str | None = None,
        limit: int | None = None,
        prefetch: bool = True,
        page_concurrency: int = 4,
    ) -> AsyncPager[ActionTemplate, ActionTemplateListing]:
        """Every action template, page after page."""
        values = given_args(locals(), "limit", "prefetch", "page_concurrency")
        check_listing("get_journey_actiontemplates", values)
        return self._paged(
            _OPS["get_journey_actiontemplates"],
            _m.ActionTemplateListing,
            values,
            limit,
            prefetch,
            page_concurrency,
        )

    # -- journey views ----------------------------------------------------------------------------

    async def get_journey_views(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        name_or_created_by: str | None = None,
        expand: str | None = None,
        id: Sequence[str] | str | None = None,  # the SDK's parameter name
    ) -> JourneyViewListing:
        """One page of journey views; `id` is a list of view ids (or their comma-joined str)."""
        return await self._run(
            _OPS["get_journey_views"], _m.JourneyViewListing, **given_args(locals())
        )

    async def get_journey_view(self, view_id: str) -> JourneyView:
        """One journey view, in its latest version."""
        return await self._run(_OPS["get_journey_view"], _m.JourneyView, view_id=view_id)

    def iter_journey_views(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        name_or_created_by: str | None = None,
        expand: str | None = None,
        id: Sequence[str] | str | None = None,  # the SDK's parameter name
        limit: int | None = None,
        prefetch: bool = True,
        page_concurrency: int = 4,
    ) -> AsyncPager[JourneyView, JourneyViewListing]:
        """Every journey view, page after page."""
        values = given_args(locals(), "limit", "prefetch", "page_concurrency")
        return self._paged(
            _OPS["get_journey_views"],
            _m.JourneyViewListing,
            values,
            limit,
            prefetch,
            page_concurrency,
        )

    # -- shared -----------------------------------------------------------------------------------

    def _paged(
        self,
        op: Operation,
        model: type[P],
        values: dict[str, Any],
        limit: int | None,
        prefetch: bool,
        page_concurrency: int,
    ) -> AsyncPager[Any, P]:
        """A page-number pager from page `page_number` (default 1); `pageSize` 25 by default."""
        check_int("page_concurrency", page_concurrency, minimum=1)
        values.setdefault("page_number", 1)
        return self._page_number_pager(
            op, model, values, limit, page_concurrency if prefetch else 0
        )
