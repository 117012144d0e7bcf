"""Today's Journey API (SDK 269) on the wire: method, path (ids percent-encoded), query (SDK
snake_case names sent as the API's camelCase, None left out, bools as true/false, list
parameters repeated or comma-joined), JSON body and decoded result of each of the 26 new
methods; the checks that fail before any request; the SDK 269 method and parameter names."""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import respx

from journey_async import JourneyClient
from journey_async._generated.operations import BY_NAME
from journey_async.models import (
    ActionMap,
    ActionMapListing,
    ActionTemplate,
    ActionTemplateListing,
    ActionTemplateMediaType,
    ActionTemplateState,
    AsyncQueryResponse,
    AsyncQueryStatus,
    Event,
    EventListing,
    JourneyAggregateDataContainer,
    JourneyAsyncAggregateQueryResponse,
    JourneyAsyncAggregationQuery,
    JourneySegment,
    JourneySegmentRequest,
    JourneyView,
    JourneyViewListing,
    PatchActionMap,
    PatchActionTemplate,
    PatchSegment,
    SegmentAssignment,
    SegmentAssignmentListing,
    SegmentAssignments,
    SegmentForAssignment,
    SegmentForUnassignment,
    SegmentListing,
    SegmentUnassignments,
    Session,
    SessionListing,
    UpdateSegmentAssignmentRequest,
    UpdateSegmentAssignmentResponse,
)

ODD = "id/with space?&#%é"
"""An id that must be percent-encoded as exactly one path segment."""
ENC = "id%2Fwith%20space%3F%26%23%25%C3%A9"
WEB = "com.genesys.journey.WebEvent"
SEGMENT_EVENT = "com.genesys.journey.SegmentAssignmentEvent"
CONTACTS = "/api/v2/externalcontacts/contacts"
JOBS = "/api/v2/analytics/journeys/aggregates/jobs"
QUERY: dict[str, Any] = {
    "interval": "2025-11-01T00:00:00.000Z/2025-11-02T00:00:00.000Z",
    "metrics": ["nJourneySessions"],
    "groupBy": ["journeySegmentId"],
}

Call = Callable[[JourneyClient], Awaitable[Any]]


def page(entities: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A page-number listing of one page."""
    return {"entities": entities, "pageSize": 25, "pageNumber": 1, "pageCount": 1, **extra}


# (id, call, method, raw path, query pairs sorted, JSON body or None, status, answer, check)
Case = tuple[str, Call, str, str, list[tuple[str, str]], Any, int, Any, Callable[[Any], bool]]

CASES: list[Case] = [
    (
        "get_externalcontacts_contact_journey_segments",
        lambda c: c.get_externalcontacts_contact_journey_segments(
            ODD, include_merged=True, limit=500
        ),
        "GET",
        f"{CONTACTS}/{ENC}/journey/segments",
        [("includeMerged", "true"), ("limit", "500")],
        None,
        200,
        {"entities": [{"segment": {"id": "s1"}, "externalContact": {"id": "c1"}}]},
        lambda r: (
            isinstance(r, SegmentAssignmentListing)
            and isinstance(r.entities[0], SegmentAssignment)
            and r.entities[0].segment.id == "s1"
        ),
    ),
    (
        "post_externalcontacts_contact_journey_segments",
        lambda c: c.post_externalcontacts_contact_journey_segments(
            ODD,
            body=UpdateSegmentAssignmentRequest(
                assign=SegmentAssignments(segments=[SegmentForAssignment(id="s1")]),
                unassign=SegmentUnassignments(segments=[SegmentForUnassignment(id="s2")]),
            ),
        ),
        "POST",
        f"{CONTACTS}/{ENC}/journey/segments",
        [],
        {"assign": {"segments": [{"id": "s1"}]}, "unassign": {"segments": [{"id": "s2"}]}},
        200,
        {"unprocessedItems": {"count": 0}},
        lambda r: isinstance(r, UpdateSegmentAssignmentResponse) and r.unprocessed_items.count == 0,
    ),
    (
        "get_externalcontacts_contact_journey_sessions",
        lambda c: c.get_externalcontacts_contact_journey_sessions(
            ODD, page_size=200, after="c+/=", include_merged=False
        ),
        "GET",
        f"{CONTACTS}/{ENC}/journey/sessions",
        [("after", "c+/="), ("includeMerged", "false"), ("pageSize", "200")],
        None,
        200,
        {"entities": [{"id": "se1", "type": "web"}], "nextUri": "/x?after=n1"},
        lambda r: (
            isinstance(r, SessionListing)
            and isinstance(r.entities[0], Session)
            and r.next_uri == "/x?after=n1"
        ),
    ),
    (
        "get_journey_session",
        lambda c: c.get_journey_session(ODD),
        "GET",
        f"/api/v2/journey/sessions/{ENC}",
        [],
        None,
        200,
        {"id": "se1", "type": "web", "eventCount": 3, "authenticated": False},
        lambda r: isinstance(r, Session) and r.event_count == 3 and r.authenticated is False,
    ),
    (
        "get_journey_session_events",
        lambda c: c.get_journey_session_events(
            ODD, page_size="10", after="a1", event_type=[WEB, SEGMENT_EVENT]
        ),
        "GET",
        f"/api/v2/journey/sessions/{ENC}/events",
        [("after", "a1"), ("eventType", f"{WEB},{SEGMENT_EVENT}"), ("pageSize", "10")],
        None,
        200,
        {"entities": [{"id": "e1", "eventType": WEB}]},
        lambda r: isinstance(r, EventListing) and isinstance(r.entities[0], Event),
    ),
    (
        "post_analytics_journeys_aggregates_jobs",
        lambda c: c.post_analytics_journeys_aggregates_jobs({**QUERY, "pageSize": 10}),
        "POST",
        JOBS,
        [],
        {**QUERY, "pageSize": 10},
        202,
        {"jobId": "j1"},
        lambda r: isinstance(r, AsyncQueryResponse) and r.job_id == "j1",
    ),
    (
        "get_analytics_journeys_aggregates_job",
        lambda c: c.get_analytics_journeys_aggregates_job(ODD),
        "GET",
        f"{JOBS}/{ENC}",
        [],
        None,
        200,
        {"state": "FAILED", "errorMessage": "boom"},
        lambda r: (
            isinstance(r, AsyncQueryStatus) and r.state == "FAILED" and r.error_message == "boom"
        ),
    ),
    (
        "get_analytics_journeys_aggregates_job_results",
        lambda c: c.get_analytics_journeys_aggregates_job_results(ODD, cursor="k/1="),
        "GET",
        f"{JOBS}/{ENC}/results",
        [("cursor", "k/1=")],
        None,
        200,
        {"results": [{"group": {"journeySegmentId": "s1"}, "data": []}], "cursor": "k2"},
        lambda r: (
            isinstance(r, JourneyAsyncAggregateQueryResponse)
            and isinstance(r.results[0], JourneyAggregateDataContainer)
            and r.cursor == "k2"
        ),
    ),
    (
        "delete_analytics_journeys_aggregates_job",
        lambda c: c.delete_analytics_journeys_aggregates_job(ODD),
        "DELETE",
        f"{JOBS}/{ENC}",
        [],
        None,
        204,
        None,
        lambda r: r is None,
    ),
    (
        "get_journey_segments",
        lambda c: c.get_journey_segments(
            sort_by="-displayName,version",
            page_size=50,
            page_number=2,
            is_active=True,
            query_fields=["displayName", "description"],
            query_value="vip",
        ),
        "GET",
        "/api/v2/journey/segments",
        [
            ("isActive", "true"),
            ("pageNumber", "2"),
            ("pageSize", "50"),
            ("queryFields", "description"),
            ("queryFields", "displayName"),
            ("queryValue", "vip"),
            ("sortBy", "-displayName,version"),
        ],
        None,
        200,
        page([{"id": "s1", "displayName": "VIP"}]),
        lambda r: isinstance(r, SegmentListing) and isinstance(r.entities[0], JourneySegment),
    ),
    (
        "get_journey_segment",
        lambda c: c.get_journey_segment(ODD),
        "GET",
        f"/api/v2/journey/segments/{ENC}",
        [],
        None,
        200,
        {"id": "s1", "displayName": "VIP", "scope": "Customer", "version": 2},
        lambda r: isinstance(r, JourneySegment) and r.version == 2 and r.scope == "Customer",
    ),
    (
        "post_journey_segments",
        lambda c: c.post_journey_segments(
            body=JourneySegmentRequest("VIP", is_active=False, color="#008000")
        ),
        "POST",
        "/api/v2/journey/segments",
        [],
        {"displayName": "VIP", "isActive": False, "color": "#008000"},
        200,
        {"id": "s9", "displayName": "VIP", "version": 1},
        lambda r: isinstance(r, JourneySegment) and r.id == "s9",
    ),
    (
        "patch_journey_segment",
        lambda c: c.patch_journey_segment(ODD, body=PatchSegment(version=2, display_name="V")),
        "PATCH",
        f"/api/v2/journey/segments/{ENC}",
        [],
        {"version": 2, "displayName": "V"},
        200,
        {"id": "s1", "displayName": "V", "version": 3},
        lambda r: isinstance(r, JourneySegment) and r.version == 3,
    ),
    (
        "delete_journey_segment",
        lambda c: c.delete_journey_segment(ODD),
        "DELETE",
        f"/api/v2/journey/segments/{ENC}",
        [],
        None,
        204,
        None,
        lambda r: r is None,
    ),
    (
        "get_journey_actionmaps",
        lambda c: c.get_journey_actionmaps(
            page_number=3,
            page_size=10,
            sort_by="weight",
            filter_field="action.actionTemplate.id",
            filter_value="t 1",
            query_fields=["displayName"],
            query_value="offer",
        ),
        "GET",
        "/api/v2/journey/actionmaps",
        [
            ("filterField", "action.actionTemplate.id"),
            ("filterValue", "t 1"),
            ("pageNumber", "3"),
            ("pageSize", "10"),
            ("queryFields", "displayName"),
            ("queryValue", "offer"),
            ("sortBy", "weight"),
        ],
        None,
        200,
        page([{"id": "m1", "displayName": "Offer", "weight": 3}]),
        lambda r: isinstance(r, ActionMapListing) and r.entities[0].weight == 3,
    ),
    (
        "get_journey_actionmap",
        lambda c: c.get_journey_actionmap(ODD),
        "GET",
        f"/api/v2/journey/actionmaps/{ENC}",
        [],
        None,
        200,
        {"id": "m1", "displayName": "Offer", "isActive": True},
        lambda r: isinstance(r, ActionMap) and r.is_active is True,
    ),
    (
        "post_journey_actionmaps",
        lambda c: c.post_journey_actionmaps(
            body=ActionMap(display_name="Offer", trigger_with_segments=["s1"])
        ),
        "POST",
        "/api/v2/journey/actionmaps",
        [],
        {"displayName": "Offer", "triggerWithSegments": ["s1"]},
        200,
        {"id": "m9", "displayName": "Offer", "version": 1},
        lambda r: isinstance(r, ActionMap) and r.id == "m9",
    ),
    (
        "patch_journey_actionmap",
        lambda c: c.patch_journey_actionmap(
            ODD, body=PatchActionMap("Offer", ["s1"], [], version=4)
        ),
        "PATCH",
        f"/api/v2/journey/actionmaps/{ENC}",
        [],
        {
            "displayName": "Offer",
            "triggerWithSegments": ["s1"],
            "pageUrlConditions": [],
            "version": 4,
        },
        200,
        {"id": "m1", "version": 5},
        lambda r: isinstance(r, ActionMap) and r.version == 5,
    ),
    (
        "delete_journey_actionmap",
        lambda c: c.delete_journey_actionmap(ODD),
        "DELETE",
        f"/api/v2/journey/actionmaps/{ENC}",
        [],
        None,
        204,
        None,
        lambda r: r is None,
    ),
    (
        "get_journey_actiontemplates",
        lambda c: c.get_journey_actiontemplates(
            page_number=1,
            page_size=5,
            sort_by="-name",
            media_type=ActionTemplateMediaType("contentOffer"),
            state="Inactive",
            query_fields=["name", "description"],
            query_value="sale",
        ),
        "GET",
        "/api/v2/journey/actiontemplates",
        [
            ("mediaType", "contentOffer"),
            ("pageNumber", "1"),
            ("pageSize", "5"),
            ("queryFields", "description"),
            ("queryFields", "name"),
            ("queryValue", "sale"),
            ("sortBy", "-name"),
            ("state", "Inactive"),
        ],
        None,
        200,
        page([{"id": "t1", "name": "Sale", "mediaType": "contentOffer", "state": "Inactive"}]),
        lambda r: (
            isinstance(r, ActionTemplateListing)
            and r.entities[0].media_type == ActionTemplateMediaType("contentOffer")
        ),
    ),
    (
        "get_journey_actiontemplate",
        lambda c: c.get_journey_actiontemplate(ODD),
        "GET",
        f"/api/v2/journey/actiontemplates/{ENC}",
        [],
        None,
        200,
        {"id": "t1", "name": "Sale", "state": "Active"},
        lambda r: isinstance(r, ActionTemplate) and r.state == ActionTemplateState("Active"),
    ),
    (
        "post_journey_actiontemplates",
        lambda c: c.post_journey_actiontemplates(
            body=ActionTemplate(name="Sale", media_type="contentOffer", state="Active")
        ),
        "POST",
        "/api/v2/journey/actiontemplates",
        [],
        {"name": "Sale", "mediaType": "contentOffer", "state": "Active"},
        200,
        {"id": "t9", "name": "Sale", "version": 1},
        lambda r: isinstance(r, ActionTemplate) and r.id == "t9",
    ),
    (
        "patch_journey_actiontemplate",
        lambda c: c.patch_journey_actiontemplate(
            ODD, body={"name": "Sale", "version": 1, "state": "Inactive"}
        ),
        "PATCH",
        f"/api/v2/journey/actiontemplates/{ENC}",
        [],
        {"name": "Sale", "version": 1, "state": "Inactive"},
        200,
        {"id": "t1", "name": "Sale", "version": 2, "state": "Inactive"},
        lambda r: isinstance(r, ActionTemplate) and r.version == 2,
    ),
    (
        "delete_journey_actiontemplate",
        lambda c: c.delete_journey_actiontemplate(ODD, hard_delete=True),
        "DELETE",
        f"/api/v2/journey/actiontemplates/{ENC}",
        [("hardDelete", "true")],
        None,
        204,
        None,
        lambda r: r is None,
    ),
    (
        "get_journey_views",
        lambda c: c.get_journey_views(
            page_number=2,
            page_size=3,
            name_or_created_by="ana@example.com",
            expand="charts",
            id=["v1", "v2", "v3"],
        ),
        "GET",
        "/api/v2/journey/views",
        [
            ("expand", "charts"),
            ("id", "v1,v2,v3"),
            ("nameOrCreatedBy", "ana@example.com"),
            ("pageNumber", "2"),
            ("pageSize", "3"),
        ],
        None,
        200,
        page([{"id": "v1", "name": "Funnel"}]),
        lambda r: isinstance(r, JourneyViewListing) and isinstance(r.entities[0], JourneyView),
    ),
    (
        "get_journey_view",
        lambda c: c.get_journey_view(ODD),
        "GET",
        f"/api/v2/journey/views/{ENC}",
        [],
        None,
        200,
        {"id": "v1", "name": "Funnel", "version": 4},
        lambda r: isinstance(r, JourneyView) and r.version == 4,
    ),
]

NEW_METHODS = {op.name for op in BY_NAME.values() if op.era == "2026"}


def test_the_cases_cover_the_26_new_methods() -> None:
    """Every operation only today's API has (26 of the 29) has a wire case above."""
    assert len(NEW_METHODS) == 26
    assert {case[0] for case in CASES} == NEW_METHODS


@pytest.mark.parametrize(
    ("call", "method", "path", "query", "body", "status", "answer", "check"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
async def test_operation_on_the_wire(
    client: JourneyClient,
    router: respx.Router,
    call: Call,
    method: str,
    path: str,
    query: list[tuple[str, str]],
    body: Any,
    status: int,
    answer: Any,
    check: Callable[[Any], bool],
) -> None:
    """One request: method, encoded path, query, JSON body; the answer decodes to the model."""
    if answer is None:
        router.route().respond(status)
    else:
        router.route().respond(status, json=answer)
    result = await call(client)
    assert router.calls.call_count == 1
    request = router.calls.last.request
    assert request.method == method
    assert request.url.raw_path.split(b"?")[0].decode() == path
    assert sorted(request.url.params.multi_items()) == query
    if body is None:
        assert request.content == b""
        assert "Content-Type" not in request.headers
    else:
        assert request.headers["Content-Type"] == "application/json"
        assert json.loads(request.content) == body
    assert check(result)


# ---------------------------------------------------------------------------------------------
# What is (not) sent


BARE: list[tuple[str, Call]] = [
    ("contact_segments", lambda c: c.get_externalcontacts_contact_journey_segments("c1")),
    ("contact_sessions", lambda c: c.get_externalcontacts_contact_journey_sessions("c1")),
    ("session_events", lambda c: c.get_journey_session_events("s1")),
    ("job_results", lambda c: c.get_analytics_journeys_aggregates_job_results("j1")),
    ("segments", lambda c: c.get_journey_segments()),
    ("actionmaps", lambda c: c.get_journey_actionmaps()),
    ("actiontemplates", lambda c: c.get_journey_actiontemplates()),
    ("views", lambda c: c.get_journey_views()),
    ("delete_actiontemplate", lambda c: c.delete_journey_actiontemplate("t1")),
    (
        "explicit_nones",
        lambda c: c.get_journey_segments(
            sort_by=None, page_size=None, is_active=None, segment_ids=None, query_value=None
        ),
    ),
]


@pytest.mark.parametrize("call", [b[1] for b in BARE], ids=[b[0] for b in BARE])
async def test_parameters_left_at_none_are_not_sent(
    client: JourneyClient, router: respx.Router, call: Call
) -> None:
    """Optional parameters not given (or None) stay off the query string: the API's default."""
    router.route().respond(200, json={})
    await call(client)
    assert router.calls.last.request.url.query == b""


async def test_segment_ids_and_action_map_ids_repeat_their_key(
    client: JourneyClient, router: respx.Router
) -> None:
    """`segmentIds` and `actionMapIds` are swagger `multi`: one key per id, in the given order."""
    router.route().respond(200, json=page([]))
    await client.get_journey_segments(segment_ids=["b", "a,1", "c"], is_active=False)
    await client.get_journey_actionmaps(action_map_ids=("m2", "m1"))
    segments, maps = (call.request for call in router.calls)
    assert segments.url.params.get_list("segmentIds") == ["b", "a,1", "c"]
    assert segments.url.params.get_list("isActive") == ["false"]
    assert maps.url.params.multi_items() == [("actionMapIds", "m2"), ("actionMapIds", "m1")]


async def test_csv_lists_accept_a_comma_joined_str(
    client: JourneyClient, router: respx.Router
) -> None:
    """`eventType` and the views' `id` are one comma-joined value, from a list or the SDK's str."""
    router.route().respond(200, json={})
    await client.get_journey_session_events("s1", event_type=f"{WEB},{SEGMENT_EVENT}")
    await client.get_journey_session_events("s1", event_type=WEB)
    await client.get_journey_views(id="v1,v2")
    await client.get_journey_views(id=("v1",))
    sent = [call.request.url.params.multi_items() for call in router.calls]
    assert sent == [
        [("eventType", f"{WEB},{SEGMENT_EVENT}")],
        [("eventType", WEB)],
        [("id", "v1,v2")],
        [("id", "v1")],
    ]


async def test_page_size_of_the_cursor_listings_is_a_number_or_numeric_str(
    client: JourneyClient, router: respx.Router
) -> None:
    """`page_size` of sessions and events (declared a string) takes an int or a numeric str."""
    router.route().respond(200, json={})
    await client.get_externalcontacts_contact_journey_sessions("c1", page_size="7")
    await client.get_journey_session_events("s1", page_size=1)
    sent = [call.request.url.params.get("pageSize") for call in router.calls]
    assert sent == ["7", "1"]


async def test_a_dict_body_is_sent_as_it_is(client: JourneyClient, router: respx.Router) -> None:
    """A dict body goes out as given (camelCase keys), for each body-taking operation."""
    router.route().respond(200, json={})
    body = {"displayName": "Raw", "unknownField": [1, 2]}
    await client.post_journey_segments(body=body)
    await client.patch_journey_segment("s1", body=body)
    await client.post_journey_actionmaps(body=body)
    await client.post_externalcontacts_contact_journey_segments("c1", body={"assign": None})
    sent = [json.loads(call.request.content) for call in router.calls]
    assert sent == [body, body, body, {"assign": None}]


async def test_optional_bodies_may_be_left_out(client: JourneyClient, router: respx.Router) -> None:
    """The SDK treats these bodies as optional: without one nothing is sent as the body."""
    router.route().respond(200, json={})
    await client.post_journey_segments()
    await client.patch_journey_actionmap("m1")
    await client.post_journey_actiontemplates()
    await client.post_externalcontacts_contact_journey_segments("c1")
    assert [call.request.content for call in router.calls] == [b""] * 4


async def test_a_job_accepts_a_model_body(client: JourneyClient, router: respx.Router) -> None:
    """`JourneyAsyncAggregationQuery` is serialised to the API's camelCase JSON."""
    router.route().respond(202, json={"jobId": "j1"})
    query = JourneyAsyncAggregationQuery(
        QUERY["interval"], ["nJourneySessions"], group_by=["journeySegmentId"], page_size=5
    )
    await client.post_analytics_journeys_aggregates_jobs(query)
    assert json.loads(router.calls.last.request.content) == {**QUERY, "pageSize": 5}


# ---------------------------------------------------------------------------------------------
# Bad input: ValueError/TypeError before any request

Bad = tuple[str, Call, type[Exception], str]

BAD: list[Bad] = [
    # sizes
    (
        "contact_segments_limit_501",
        lambda c: c.get_externalcontacts_contact_journey_segments("c1", limit=501),
        ValueError,
        "limit",
    ),
    (
        "contact_segments_limit_0",
        lambda c: c.get_externalcontacts_contact_journey_segments("c1", limit=0),
        ValueError,
        "limit",
    ),
    (
        "contact_sessions_page_size_201",
        lambda c: c.get_externalcontacts_contact_journey_sessions("c1", page_size=201),
        ValueError,
        "page_size",
    ),
    (
        "contact_sessions_page_size_str_201",
        lambda c: c.get_externalcontacts_contact_journey_sessions("c1", page_size="201"),
        ValueError,
        "page_size",
    ),
    (
        "events_page_size_201",
        lambda c: c.get_journey_session_events("s1", page_size=201),
        ValueError,
        "page_size",
    ),
    (
        "events_page_size_not_a_number",
        lambda c: c.get_journey_session_events("s1", page_size="ten"),
        ValueError,
        "page_size",
    ),
    (
        "segments_page_size_0",
        lambda c: c.get_journey_segments(page_size=0),
        ValueError,
        "page_size",
    ),
    (
        "views_page_number_0",
        lambda c: c.get_journey_views(page_number=0),
        ValueError,
        "page_number",
    ),
    (
        "include_merged_not_bool",
        lambda c: c.get_externalcontacts_contact_journey_segments("c1", include_merged="yes"),
        ValueError,
        "include_merged",
    ),
    (
        "is_active_not_bool",
        lambda c: c.get_journey_segments(is_active=1),
        ValueError,
        "is_active",
    ),
    (
        "hard_delete_not_bool",
        lambda c: c.delete_journey_actiontemplate("t1", hard_delete="true"),
        ValueError,
        "hard_delete",
    ),
    # ids alone
    (
        "segment_ids_with_page_size",
        lambda c: c.get_journey_segments(segment_ids=["s1"], page_size=10),
        ValueError,
        "segment_ids cannot be combined with page_size",
    ),
    (
        "segment_ids_with_page_number",
        lambda c: c.get_journey_segments(segment_ids=["s1"], page_number=1),
        ValueError,
        "page_number",
    ),
    (
        "segment_ids_with_sort_by",
        lambda c: c.get_journey_segments(segment_ids=["s1"], sort_by="displayName"),
        ValueError,
        "sort_by",
    ),
    (
        "segment_ids_with_query",
        lambda c: c.get_journey_segments(
            segment_ids=["s1"], query_fields=["displayName"], query_value="x"
        ),
        ValueError,
        "query_fields, query_value",
    ),
    (
        "action_map_ids_with_filter",
        lambda c: c.get_journey_actionmaps(
            action_map_ids=["m1"], filter_field="weight", filter_value="3"
        ),
        ValueError,
        "action_map_ids cannot be combined with filter_field, filter_value",
    ),
    (
        "action_map_ids_with_page_size",
        lambda c: c.get_journey_actionmaps(action_map_ids=["m1"], page_size=5),
        ValueError,
        "page_size",
    ),
    # pairs
    (
        "segments_query_fields_alone",
        lambda c: c.get_journey_segments(query_fields=["displayName"]),
        ValueError,
        "query_fields and query_value go together",
    ),
    (
        "segments_query_value_alone",
        lambda c: c.get_journey_segments(query_value="vip"),
        ValueError,
        "without query_fields",
    ),
    (
        "actionmaps_query_fields_alone",
        lambda c: c.get_journey_actionmaps(query_fields=["displayName"]),
        ValueError,
        "query_value",
    ),
    (
        "actiontemplates_query_fields_alone",
        lambda c: c.get_journey_actiontemplates(query_fields=["name"]),
        ValueError,
        "query_value",
    ),
    (
        "filter_field_alone",
        lambda c: c.get_journey_actionmaps(filter_field="weight"),
        ValueError,
        "filter_field and filter_value go together",
    ),
    (
        "filter_value_alone",
        lambda c: c.get_journey_actionmaps(filter_value="3"),
        ValueError,
        "without filter_field",
    ),
    # enums
    (
        "bad_media_type",
        lambda c: c.get_journey_actiontemplates(media_type="fax"),
        ValueError,
        "media_type",
    ),
    (
        "bad_state",
        lambda c: c.get_journey_actiontemplates(state="Gone"),
        ValueError,
        "state",
    ),
    (
        "state_wrong_case",
        lambda c: c.get_journey_actiontemplates(state="active"),
        ValueError,
        "state",
    ),
    (
        "bad_expand",
        lambda c: c.get_journey_views(expand="everything"),
        ValueError,
        "expand",
    ),
    (
        "bad_event_type",
        lambda c: c.get_journey_session_events("s1", event_type=[WEB, "FaxEvent"]),
        ValueError,
        "event_type",
    ),
    (
        "bad_event_type_in_csv_str",
        lambda c: c.get_journey_session_events("s1", event_type=f"{WEB},FaxEvent"),
        ValueError,
        "event_type",
    ),
    # lists
    (
        "segment_ids_101",
        lambda c: c.get_journey_segments(segment_ids=[f"s{i}" for i in range(101)]),
        ValueError,
        "at most 100",
    ),
    (
        "action_map_ids_101",
        lambda c: c.get_journey_actionmaps(action_map_ids=[f"m{i}" for i in range(101)]),
        ValueError,
        "at most 100",
    ),
    (
        "view_ids_101",
        lambda c: c.get_journey_views(id=[f"v{i}" for i in range(101)]),
        ValueError,
        "at most 100",
    ),
    (
        "view_ids_101_as_str",
        lambda c: c.get_journey_views(id=",".join(f"v{i}" for i in range(101))),
        ValueError,
        "at most 100",
    ),
    (
        "segment_ids_as_str",
        lambda c: c.get_journey_segments(segment_ids="s1"),
        ValueError,
        "segment_ids must be a list",
    ),
    (
        "segment_ids_with_empty_id",
        lambda c: c.get_journey_segments(segment_ids=["s1", ""]),
        ValueError,
        "segment_ids",
    ),
    (
        "query_fields_not_strings",
        lambda c: c.get_journey_segments(query_fields=[1], query_value="x"),
        ValueError,
        "query_fields",
    ),
    # empty or unusable path ids
    ("empty_contact_id", lambda c: c.get_journey_session(""), ValueError, "must not be empty"),
    (
        "empty_contact_id_post",
        lambda c: c.post_externalcontacts_contact_journey_segments(""),
        ValueError,
        "contact_id must not be empty",
    ),
    (
        "empty_job_id",
        lambda c: c.delete_analytics_journeys_aggregates_job(""),
        ValueError,
        "job_id must not be empty",
    ),
    (
        "empty_segment_id",
        lambda c: c.patch_journey_segment("", body={}),
        ValueError,
        "segment_id must not be empty",
    ),
    (
        "dotdot_action_map_id",
        lambda c: c.get_journey_actionmap(".."),
        ValueError,
        "path segment",
    ),
    (
        "int_action_template_id",
        lambda c: c.get_journey_actiontemplate(7),  # type: ignore[arg-type]
        ValueError,
        "action_template_id must be a str",
    ),
    ("empty_view_id", lambda c: c.get_journey_view(""), ValueError, "view_id"),
    # bodies
    (
        "job_without_body",
        lambda c: c.post_analytics_journeys_aggregates_jobs(None),  # type: ignore[arg-type]
        ValueError,
        "needs a body",
    ),
    (
        "job_body_a_list",
        lambda c: c.post_analytics_journeys_aggregates_jobs([QUERY]),  # type: ignore[arg-type]
        TypeError,
        "body must be",
    ),
    (
        "segment_body_of_another_model",
        lambda c: c.post_journey_segments(body=PatchSegment()),  # type: ignore[arg-type]
        TypeError,
        "JourneySegmentRequest",
    ),
    (
        "patch_template_body_a_str",
        lambda c: c.patch_journey_actiontemplate("t1", body="{}"),  # type: ignore[arg-type]
        TypeError,
        "PatchActionTemplate",
    ),
    (
        "patch_map_body_of_another_model",
        lambda c: c.patch_journey_actionmap("m1", body=PatchActionTemplate("n")),  # type: ignore[arg-type]
        TypeError,
        "PatchActionMap",
    ),
]


@pytest.mark.parametrize(("call", "error", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
async def test_bad_input_fails_before_any_request(
    client: JourneyClient, router: respx.Router, call: Call, error: type[Exception], match: str
) -> None:
    """Each bad argument raises, naming the parameter, and nothing goes out."""
    router.route().respond(200, json={})
    with pytest.raises(error, match=match):
        await call(client)
    assert router.calls.call_count == 0


PagerCall = Callable[[JourneyClient], object]

BAD_PAGERS: list[tuple[str, PagerCall, str]] = [
    (
        "segments_ids_with_page_size",
        lambda c: c.iter_journey_segments(segment_ids=["s1"], page_size=5),
        "page_size",
    ),
    (
        "segments_query_alone",
        lambda c: c.iter_journey_segments(query_value="x"),
        "query_fields",
    ),
    (
        "actionmaps_ids_with_filter",
        lambda c: c.iter_journey_actionmaps(
            action_map_ids=["m1"], filter_field="w", filter_value="1"
        ),
        "filter_field",
    ),
    (
        "actionmaps_filter_alone",
        lambda c: c.iter_journey_actionmaps(filter_field="weight"),
        "filter_value",
    ),
    (
        "actiontemplates_bad_state",
        lambda c: c.iter_journey_actiontemplates(state="Gone"),
        "state",
    ),
    ("views_bad_expand", lambda c: c.iter_journey_views(expand="x"), "expand"),
    (
        "views_page_concurrency_0",
        lambda c: c.iter_journey_views(page_concurrency=0),
        "page_concurrency",
    ),
    (
        "sessions_page_size_201",
        lambda c: c.iter_externalcontacts_contact_journey_sessions("c1", page_size=201),
        "page_size",
    ),
    (
        "events_bad_type",
        lambda c: c.iter_journey_session_events("s1", event_type="x"),
        "event_type",
    ),
    ("events_empty_id", lambda c: c.iter_journey_session_events(""), "session_id"),
    (
        "job_results_negative_limit",
        lambda c: c.iter_analytics_journeys_aggregates_job_results("j1", limit=-1),
        "limit",
    ),
]


@pytest.mark.parametrize(
    ("call", "match"), [b[1:] for b in BAD_PAGERS], ids=[b[0] for b in BAD_PAGERS]
)
async def test_pager_arguments_are_checked_at_the_call(
    client: JourneyClient, router: respx.Router, call: PagerCall, match: str
) -> None:
    """A pager with bad arguments fails when it is made, before iteration and any request."""
    with pytest.raises(ValueError, match=match):
        call(client)
    assert router.calls.call_count == 0


# ---------------------------------------------------------------------------------------------
# Names: SDK 269 methods and parameters (REFERENCE-2026 §2, §3)

SDK_269: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    # method: (required positional parameters in order, optional keyword-only ones)
    "get_externalcontacts_contact_journey_segments": (
        ("contact_id",),
        frozenset({"include_merged", "limit"}),
    ),
    "post_externalcontacts_contact_journey_segments": (("contact_id",), frozenset({"body"})),
    "get_externalcontacts_contact_journey_sessions": (
        ("contact_id",),
        frozenset({"page_size", "after", "include_merged"}),
    ),
    "get_journey_session": (("session_id",), frozenset()),
    "get_journey_session_events": (
        ("session_id",),
        frozenset({"page_size", "after", "event_type"}),
    ),
    "post_analytics_journeys_aggregates_query": (("body",), frozenset()),
    "post_analytics_journeys_aggregates_jobs": (("body",), frozenset()),
    "get_analytics_journeys_aggregates_job": (("job_id",), frozenset()),
    "get_analytics_journeys_aggregates_job_results": (("job_id",), frozenset({"cursor"})),
    "delete_analytics_journeys_aggregates_job": (("job_id",), frozenset()),
    "get_journey_segments": (
        (),
        frozenset(
            {
                "sort_by",
                "page_size",
                "page_number",
                "is_active",
                "segment_ids",
                "query_fields",
                "query_value",
            }
        ),
    ),
    "get_journey_segment": (("segment_id",), frozenset()),
    "post_journey_segments": ((), frozenset({"body"})),
    "patch_journey_segment": (("segment_id",), frozenset({"body"})),
    "delete_journey_segment": (("segment_id",), frozenset()),
    "get_journey_actionmaps": (
        (),
        frozenset(
            {
                "page_number",
                "page_size",
                "sort_by",
                "filter_field",
                "filter_value",
                "action_map_ids",
                "query_fields",
                "query_value",
            }
        ),
    ),
    "get_journey_actionmap": (("action_map_id",), frozenset()),
    "post_journey_actionmaps": ((), frozenset({"body"})),
    "patch_journey_actionmap": (("action_map_id",), frozenset({"body"})),
    "delete_journey_actionmap": (("action_map_id",), frozenset()),
    "get_journey_actiontemplates": (
        (),
        frozenset(
            {
                "page_number",
                "page_size",
                "sort_by",
                "media_type",
                "state",
                "query_fields",
                "query_value",
            }
        ),
    ),
    "get_journey_actiontemplate": (("action_template_id",), frozenset()),
    "post_journey_actiontemplates": ((), frozenset({"body"})),
    "patch_journey_actiontemplate": (("action_template_id",), frozenset({"body"})),
    "delete_journey_actiontemplate": (("action_template_id",), frozenset({"hard_delete"})),
    "get_journey_actiontargets": ((), frozenset({"page_number", "page_size"})),
    "get_journey_actiontarget": (("action_target_id",), frozenset()),
    "get_journey_views": (
        (),
        frozenset({"page_number", "page_size", "name_or_created_by", "expand", "id"}),
    ),
    "get_journey_view": (("view_id",), frozenset()),
}

PAGERS_269: dict[str, str] = {
    "iter_journey_session_events": "get_journey_session_events",
    "iter_externalcontacts_contact_journey_sessions": (
        "get_externalcontacts_contact_journey_sessions"
    ),
    "iter_analytics_journeys_aggregates_job_results": (
        "get_analytics_journeys_aggregates_job_results"
    ),
    "iter_journey_segments": "get_journey_segments",
    "iter_journey_actionmaps": "get_journey_actionmaps",
    "iter_journey_actiontemplates": "get_journey_actiontemplates",
    "iter_journey_views": "get_journey_views",
}


def split_signature(fn: Callable[..., Any]) -> tuple[tuple[str, ...], dict[str, Any]]:
    """(positional parameters without defaults, keyword-only parameters with their defaults)."""
    positional: list[str] = []
    keywords: dict[str, Any] = {}
    for name, param in inspect.signature(fn).parameters.items():
        if param.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            assert param.default is inspect.Parameter.empty, f"{name} is positional with a default"
            positional.append(name)
        elif param.kind is inspect.Parameter.KEYWORD_ONLY:
            assert param.default is not inspect.Parameter.empty, f"{name} is keyword-only, required"
            keywords[name] = param.default
        else:
            pytest.fail(f"{fn.__name__}: unexpected parameter kind {param.kind} for {name}")
    return tuple(positional), keywords


def test_the_29_operations_are_listed() -> None:
    """The table above is REFERENCE-2026 §2: 29 operations, all in the operation table."""
    assert len(SDK_269) == 29
    assert set(SDK_269) <= set(BY_NAME)
    assert {op.name for op in BY_NAME.values() if op.era in ("2026", "both")} == set(SDK_269)


@pytest.mark.parametrize("name", sorted(SDK_269))
def test_method_and_parameter_names_are_the_sdk_ones(name: str) -> None:
    """Same method name as SDK 269; required parameters positional, optional keyword-only."""
    method = getattr(JourneyClient, name)
    assert inspect.iscoroutinefunction(method)
    required, optional = SDK_269[name]
    positional, keywords = split_signature(method)
    assert positional == ("self", *required)
    assert set(keywords) == optional
    if BY_NAME[name].era == "2026":  # the 2020 pair keeps its documented defaults
        assert all(default is None for default in keywords.values()), keywords


@pytest.mark.parametrize("name", sorted(SDK_269))
def test_method_parameters_match_the_operation_table(name: str) -> None:
    """The method's parameters are the table's path and query parameters (plus a body)."""
    op = BY_NAME[name]
    params = set(inspect.signature(getattr(JourneyClient, name)).parameters) - {"self"}
    expected = {p.name for p in op.params} | ({"body"} if op.body is not None else set())
    assert params == expected


@pytest.mark.parametrize("pager", sorted(PAGERS_269))
def test_pagers_take_the_listing_parameters(pager: str) -> None:
    """Each pager takes its listing's parameters, plus limit, prefetch (and page_concurrency)."""
    method = PAGERS_269[pager]
    fn = getattr(JourneyClient, pager)
    assert not inspect.iscoroutinefunction(fn)
    positional, keywords = split_signature(fn)
    required, optional = SDK_269[method]
    assert positional == ("self", *required)
    extra = {"limit", "prefetch"}
    if BY_NAME[method].pagination == "page-number":
        extra.add("page_concurrency")
    assert set(keywords) == optional | extra
    assert keywords["limit"] is None
    assert keywords["prefetch"] is True


def test_aggregates_job_signature() -> None:
    """`analytics_journeys_aggregates_job(body, *, poll_interval=2.0, timeout=600.0, limit)`."""
    positional, keywords = split_signature(JourneyClient.analytics_journeys_aggregates_job)
    assert positional == ("self", "body")
    assert keywords == {"poll_interval": 2.0, "timeout": 600.0, "limit": None}


@pytest.mark.parametrize(
    "make",
    [
        lambda c: c.iter_journey_segments(segment_ids=["s1"], page_concurrency=0),
        lambda c: c.iter_journey_actionmaps(action_map_ids=["m1"], page_concurrency="x"),
    ],
    ids=["segments", "actionmaps"],
)
async def test_page_concurrency_is_checked_with_ids_too(
    client: JourneyClient, make: PagerCall
) -> None:
    with pytest.raises(ValueError, match="page_concurrency"):
        make(client)
