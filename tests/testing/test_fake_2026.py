"""`FakeJourneyApi` serving today's API (the 29 operations of SDK 269) over plain httpx: the
three paging styles, linked data, CRUD round trips, the aggregates job state machine, and the
fault switches and token check on the new routes. (Bodies against the schemas:
`test_fake_schema.py`.)"""

from __future__ import annotations

import base64
import contextlib
import json
import time
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from journey_async.testing import FakeJourneyApi

BASE_URL = "https://api.fake.invalid"
AUTH = {"Authorization": "Bearer fake-token"}
CONTACTS = "/api/v2/externalcontacts/contacts"
SESSIONS = "/api/v2/journey/sessions"
SEGMENTS = "/api/v2/journey/segments"
MAPS = "/api/v2/journey/actionmaps"
TEMPLATES = "/api/v2/journey/actiontemplates"
VIEWS = "/api/v2/journey/views"
JOBS = "/api/v2/analytics/journeys/aggregates/jobs"
QUERY = {
    "interval": "2025-11-01T00:00:00.000Z/2025-11-02T00:00:00.000Z",
    "granularity": "PT1H",
    "metrics": ["nJourneySessions", "oJourneyOutcomeValue"],
    "groupBy": ["journeySegmentId"],
}
WEB, APP, ACTION, SEGMENT, OUTCOME = (
    f"com.genesys.journey.{name}"
    for name in (
        "WebEvent",
        "AppEvent",
        "WebActionEvent",
        "SegmentAssignmentEvent",
        "OutcomeAchievedEvent",
    )
)
PAYLOADS = {
    WEB: "webEvent",
    APP: "appEvent",
    ACTION: "webActionEvent",
    SEGMENT: "segmentAssignmentEvent",
    OUTCOME: "outcomeAchievedEvent",
}


@contextlib.asynccontextmanager
async def http_on(
    api: FakeJourneyApi, headers: dict[str, str] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=api.transport(), base_url=BASE_URL, headers=AUTH if headers is None else headers
    ) as http:
        yield http


async def get_ok(http: httpx.AsyncClient, url: str, **kwargs: Any) -> Any:
    response = await http.get(url, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


async def follow(http: httpx.AsyncClient, url: str) -> list[dict[str, Any]]:
    """GET `url`, then each nextUri (checking it carries `after`): the pages."""
    pages = []
    next_url: str | None = url
    while next_url:
        page = await get_ok(http, next_url)
        pages.append(page)
        next_url = page.get("nextUri")
        if next_url:
            assert "after" in parse_qs(urlsplit(next_url).query)
        assert len(pages) < 1000
    return pages


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and body["message"]
    assert body["contextId"] == response.headers["inin-correlation-id"]
    return body


# -- cursor paging: a contact's sessions, a session's events ----------------------------------


async def test_contact_sessions_follow_the_after_cursor_to_the_last_page():
    """A contact's sessions come 5 a page, `after` in each nextUri, none on the last; together
    they are `contact_session_ids`, each naming the contact; 2020 sessions come first."""
    api = FakeJourneyApi(seed=3, sessions=7, external_contacts=3, sessions_per_contact=21)
    contact = api.external_contact_ids[0]
    async with http_on(api) as http:
        pages = await follow(http, f"{CONTACTS}/{contact}/journey/sessions?pageSize=5")
    sessions = [s for page in pages for s in page["entities"]]
    assert [len(page["entities"]) for page in pages] == [5, 5, 5, 5, 4]  # 3 of 2020 + 21
    assert "nextUri" not in pages[-1]
    assert [s["id"] for s in sessions] == api.contact_session_ids(contact)
    assert [s["id"] for s in sessions[:3]] == [api.session_ids[i] for i in (0, 3, 6)]
    assert len({s["id"] for s in sessions}) == 24
    assert all(s["externalContact"]["id"] == contact for s in sessions)
    assert all(s["selfUri"] == f"{SESSIONS}/{s['id']}" for s in sessions)


async def test_include_merged_adds_the_sessions_of_the_merged_contact():
    """Contact 1 absorbed another: includeMerged adds that contact's sessions (and keeps the
    flag in nextUri); contact 0 has none to add."""
    api = FakeJourneyApi(seed=3, sessions=0, external_contacts=3, sessions_per_contact=6)
    contact = api.external_contact_ids[1]
    merged = api.merged_contact_ids[contact]
    assert api.external_contact_ids[0] not in api.merged_contact_ids
    async with http_on(api) as http:
        plain = await follow(http, f"{CONTACTS}/{contact}/journey/sessions?pageSize=4")
        pages = await follow(
            http, f"{CONTACTS}/{contact}/journey/sessions?pageSize=4&includeMerged=true"
        )
        single = await get_ok(
            http, f"{CONTACTS}/{api.external_contact_ids[0]}/journey/sessions?includeMerged=true"
        )
    owners = [s["externalContact"]["id"] for page in pages for s in page["entities"]]
    assert owners == [contact] * 6 + [merged] * 3
    assert sum(len(p["entities"]) for p in plain) == 6
    assert all("includeMerged=true" in p["nextUri"] for p in pages[:-1])
    assert len(single["entities"]) == 6
    assert [s["id"] for p in pages for s in p["entities"]] == api.contact_session_ids(
        contact, include_merged=True
    )


async def test_cursor_listing_parameters_are_checked():
    api, other = FakeJourneyApi(seed=3), FakeJourneyApi(seed=4)
    contact, session = api.external_contact_ids[0], api.session_ids[0]
    foreign = other.contact_session_ids(other.external_contact_ids[0])[0]
    async with http_on(api) as http:
        for url in (
            f"{CONTACTS}/{contact}/journey/sessions?pageSize=201",
            f"{CONTACTS}/{contact}/journey/sessions?pageSize=0",
            f"{CONTACTS}/{contact}/journey/sessions?after=%25%25",
            f"{CONTACTS}/{contact}/journey/sessions?includeMerged=maybe",
            f"{SESSIONS}/{session}/events?pageSize=x",
            f"{SESSIONS}/{session}/events?eventType=com.genesys.journey.FaxEvent",
        ):
            assert_error(await http.get(url), 400)
        for url in (
            f"{CONTACTS}/nobody/journey/sessions",
            f"{CONTACTS}/nobody/journey/segments",
            f"{SESSIONS}/no-such-session",
            f"{SESSIONS}/no-such-session/events",
            f"{SESSIONS}/{foreign}",  # a session of another seed
            f"{SESSIONS}/{session[:-1]}{'1' if session[-1] != '1' else '2'}",
        ):
            assert_error(await http.get(url), 404)


async def test_unknown_routes_and_methods_of_todays_api_answer_404():
    api = FakeJourneyApi(seed=3)
    contact, session, view = api.external_contact_ids[0], api.session_ids[0], api.view_ids[0]
    async with http_on(api) as http:
        for method, url in (
            ("PUT", f"{SEGMENTS}/{api.segment_ids[0]}"),
            ("POST", f"{SEGMENTS}/{api.segment_ids[0]}"),
            ("PUT", SEGMENTS),
            ("GET", f"{SEGMENTS}/{api.segment_ids[0]}/versions"),
            ("DELETE", f"{VIEWS}/{view}"),
            ("GET", f"{VIEWS}/{view}/charts"),
            ("GET", "/api/v2/journey/outcomes"),
            ("POST", f"{SESSIONS}/{session}"),
            ("GET", f"{SESSIONS}/{session}/events/1"),
            ("GET", f"{CONTACTS}/{contact}/journey/outcomes"),
            ("DELETE", f"{CONTACTS}/{contact}/journey/segments"),
            ("POST", f"{CONTACTS}/{contact}/journey/sessions"),
            ("GET", JOBS),
            ("PATCH", f"{JOBS}/some-job"),
            ("GET", f"{JOBS}/some-job/other"),
            ("GET", "/api/v2/journey"),
            ("GET", "/api/v2/other"),
        ):
            body = assert_error(await http.request(method, url), 404)
            assert body["code"] == "not.found"


async def test_session_events_page_by_cursor_and_name_their_session():
    """57 events, 10 a page: 6 pages in time order, each event naming the session and carrying
    exactly the payload its eventType says; the session's lastEvent is the last of them."""
    api = FakeJourneyApi(seed=5, events_per_session=57)
    session_id = api.session_ids[2]
    async with http_on(api) as http:
        session = await get_ok(http, f"{SESSIONS}/{session_id}")
        pages = await follow(http, f"{SESSIONS}/{session_id}/events?pageSize=10")
    events = [e for page in pages for e in page["entities"]]
    assert [len(p["entities"]) for p in pages] == [10] * 5 + [7]
    assert len({e["id"] for e in events}) == 57 == session["eventCount"]
    assert [e["createdDate"] for e in events] == sorted(e["createdDate"] for e in events)
    assert events[0]["createdDate"] >= session["createdDate"]
    for event in events:
        assert event["session"] == {
            "id": session_id,
            "type": session["type"],
            "selfUri": session["selfUri"],
        }
        assert [k for k in PAYLOADS.values() if k in event] == [PAYLOADS[event["eventType"]]]
        assert event["customerId"] == session["customerId"]
    last = events[-1]
    assert session["lastEvent"]["id"] == last["id"]
    assert session["lastEvent"]["createdDate"] == last["createdDate"]


async def test_events_of_every_type_link_to_segments_action_maps_and_outcomes():
    """Across sessions every event type occurs; segment-assignment events name the session's
    assigned segments, web-action events existing action maps (with their template's media)."""
    api = FakeJourneyApi(
        seed=8, external_contacts=4, sessions_per_contact=4, events_per_session=150
    )
    seen: set[str] = set()
    templates = {}
    async with http_on(api) as http:
        for template_id in api.action_template_ids:
            templates[template_id] = await get_ok(http, f"{TEMPLATES}/{template_id}")
        for contact in api.external_contact_ids:
            for session_id in api.contact_session_ids(contact):
                session = await get_ok(http, f"{SESSIONS}/{session_id}")
                assigned = {a["segment"]["id"] for a in session["segmentAssignments"]}
                assert assigned <= set(api.segment_ids)
                page = await get_ok(http, f"{SESSIONS}/{session_id}/events?pageSize=150")
                for event in page["entities"]:
                    seen.add(event["eventType"])
                    if event["eventType"] == SEGMENT:
                        assert event["segmentAssignmentEvent"]["segment"]["id"] in assigned
                    if event["eventType"] == ACTION:
                        payload = event["webActionEvent"]
                        action_map = await get_ok(http, f"{MAPS}/{payload['actionMap']['id']}")
                        template = templates[action_map["action"]["actionTemplate"]["id"]]
                        assert payload["action"]["mediaType"] == template["mediaType"]
                        assert session["type"] == "web"
                    if event["eventType"] == APP:
                        assert session["type"] == "app"
    assert seen == set(PAYLOADS)


async def test_the_event_type_filter_pages_over_the_matching_events_only():
    """`eventType` (comma-separated) keeps only those types, in the same order, across pages
    (the filter stays in nextUri); a type the session cannot have gives one empty page."""
    api = FakeJourneyApi(seed=5, events_per_session=300)
    session_id = api.session_ids[0]
    async with http_on(api) as http:
        everything = (await get_ok(http, f"{SESSIONS}/{session_id}/events?pageSize=200"))[
            "entities"
        ]
        everything += (
            await get_ok(http, f"{SESSIONS}/{session_id}/events?pageSize=200&after=" + _after(200))
        )["entities"]
        pages = await follow(
            http, f"{SESSIONS}/{session_id}/events?pageSize=7&eventType={ACTION},{OUTCOME}"
        )
        apps = await get_ok(http, f"{SESSIONS}/{session_id}/events?eventType={APP}")
    wanted = [e["id"] for e in everything if e["eventType"] in (ACTION, OUTCOME)]
    assert wanted and [e["id"] for p in pages for e in p["entities"]] == wanted
    assert all(f"eventType={ACTION},{OUTCOME}" in p["nextUri"] for p in pages[:-1])
    assert apps == {
        "entities": [],
        "selfUri": f"{SESSIONS}/{session_id}/events?pageSize=25&eventType={APP}",
    }


def _after(position: int) -> str:
    return base64.urlsafe_b64encode(f"o:{position}".encode()).decode().rstrip("=")


# -- a contact's segment assignments ------------------------------------------------------------


async def test_contact_assignments_honour_limit_and_include_merged_and_link_sessions():
    """`limit` caps the (unpaged) listing; every assignment names the contact (or, with
    includeMerged, the merged one); session-scoped ones name a session of that contact whose
    segmentAssignments hold the segment."""
    api = FakeJourneyApi(seed=6, external_contacts=3, sessions_per_contact=5)
    contact = api.external_contact_ids[1]
    merged = api.merged_contact_ids[contact]
    url = f"{CONTACTS}/{contact}/journey/segments"
    async with http_on(api) as http:
        three = await get_ok(http, url, params={"limit": 3})
        own = await get_ok(http, url, params={"limit": 500})
        both = await get_ok(http, url, params={"limit": 500, "includeMerged": "true"})
        assert_error(await http.get(url, params={"limit": 501}), 400)
        assert_error(await http.get(url, params={"limit": 0}), 400)
        sessions = {
            sid: await get_ok(http, f"{SESSIONS}/{sid}")
            for sid in api.contact_session_ids(contact, include_merged=True)
        }
    assert three["entities"] == own["entities"][:3] and list(three) == ["entities"]
    assert len(own["entities"]) > 5
    assert both["entities"][: len(own["entities"])] == own["entities"]
    owners = {a["externalContact"]["id"] for a in both["entities"][len(own["entities"]) :]}
    assert owners == {merged}
    linked = [a for a in both["entities"] if "session" in a]
    assert linked
    for assignment in both["entities"]:
        assert assignment["segment"]["id"] in api.segment_ids
        assert assignment["dateForUnassignment"] > assignment["dateAssigned"]
        if "session" in assignment:
            session = sessions[assignment["session"]["id"]]
            assert session["externalContact"]["id"] == assignment["externalContact"]["id"]
            assert assignment["segment"]["id"] in {
                a["segment"]["id"] for a in session["segmentAssignments"]
            }


async def test_post_assign_and_unassign_change_the_listing_and_report_unknown_segments():
    api = FakeJourneyApi(seed=6)
    contact = api.external_contact_ids[0]
    url = f"{CONTACTS}/{contact}/journey/segments"
    async with http_on(api) as http:
        created = (await http.post(SEGMENTS, json={"displayName": "VIP"})).json()
        before = await get_ok(http, url, params={"limit": 500})
        gone = before["entities"][0]["segment"]["id"]
        response = await http.post(
            url,
            json={
                "assign": {"segments": [{"id": created["id"]}, {"id": "nope-1"}]},
                "unassign": {"segments": [{"id": gone}, {"id": "nope-2"}, {"id": "nope-3"}]},
            },
        )
        after = await get_ok(http, url, params={"limit": 500})
        empty = await http.post(url)
    assert response.status_code == 200
    assert response.json() == {
        "unprocessedItems": {
            "count": 3,
            "assign": {"segments": [{"id": "nope-1"}]},
            "unassign": {"segments": [{"id": "nope-2"}, {"id": "nope-3"}]},
        }
    }
    segments = [a["segment"]["id"] for a in after["entities"]]
    assert created["id"] in segments and gone not in segments
    assert empty.status_code == 200 and empty.json() == {"unprocessedItems": {"count": 0}}


# -- page-number listings -------------------------------------------------------------------


async def test_segments_page_by_number_with_counts_and_links():
    api = FakeJourneyApi(seed=2, segments=40)
    async with http_on(api) as http:
        first = await get_ok(http, SEGMENTS, params={"pageSize": 7})
        pages = [first]
        while "nextUri" in pages[-1]:
            pages.append(await get_ok(http, pages[-1]["nextUri"]))
        beyond = await get_ok(http, SEGMENTS, params={"pageSize": 7, "pageNumber": 9})
    assert first["pageNumber"] == 1 and first["pageCount"] == 6 and first["total"] == 40
    assert "previousUri" not in first and first["lastUri"].endswith("pageNumber=6")
    assert [p["pageNumber"] for p in pages] == [1, 2, 3, 4, 5, 6]
    assert [len(p["entities"]) for p in pages] == [7] * 5 + [5]
    assert [s["id"] for p in pages for s in p["entities"]] == api.segment_ids
    assert pages[-1]["previousUri"].endswith("pageNumber=5")
    assert beyond["entities"] == [] and "nextUri" not in beyond


async def test_segments_sort_filter_query_and_fetch_by_ids():
    api = FakeJourneyApi(seed=2)
    async with http_on(api) as http:
        by_name = await get_ok(http, SEGMENTS, params={"sortBy": "displayName", "pageSize": 100})
        newest = await get_ok(http, SEGMENTS, params={"sortBy": "-createdDate", "pageSize": 100})
        active = await get_ok(http, SEGMENTS, params={"isActive": "true", "pageSize": 100})
        found = await get_ok(
            http, SEGMENTS, params={"queryFields": "displayName", "queryValue": "VISITORS"}
        )
        wanted = [api.segment_ids[5], "unknown", api.segment_ids[2]]
        picked = await get_ok(http, SEGMENTS, params=[("segmentIds", i) for i in wanted])
        joined = await get_ok(
            http, SEGMENTS, params={"segmentIds": ",".join(wanted), "pageSize": 1}
        )
        errors = [
            await http.get(SEGMENTS, params={"sortBy": "shoeSize"}),
            await http.get(SEGMENTS, params={"queryFields": "displayName"}),
            await http.get(SEGMENTS, params={"queryValue": "x"}),
            await http.get(SEGMENTS, params={"isActive": "yes"}),
            await http.get(SEGMENTS, params={"segmentIds": ",".join(["x"] * 101)}),
            await http.get(SEGMENTS, params={"segmentIds": "a", "sortBy": "displayName"}),
        ]
    names = [s["displayName"] for s in by_name["entities"]]
    assert names == sorted(names, key=str.lower)
    dates = [s["createdDate"] for s in newest["entities"]]
    assert dates == sorted(dates, reverse=True)
    assert 0 < active["total"] < 40 and all(s["isActive"] for s in active["entities"])
    assert found["total"] > 0
    assert all("visitors" in s["displayName"].lower() for s in found["entities"])
    for listing in (picked, joined):
        assert [s["id"] for s in listing["entities"]] == [api.segment_ids[5], api.segment_ids[2]]
        assert (listing["pageNumber"], listing["pageCount"], listing["total"]) == (1, 1, 2)
    for response in errors:
        assert_error(response, 400)


async def test_action_maps_filter_field_and_ids_and_link_to_templates_and_segments():
    api = FakeJourneyApi(seed=7, action_maps=30, action_templates=12)
    template = api.action_template_ids[4]
    async with http_on(api) as http:
        everything = await get_ok(http, MAPS, params={"pageSize": 100})
        templates = {t: await get_ok(http, f"{TEMPLATES}/{t}") for t in api.action_template_ids}
        using = await get_ok(
            http, MAPS, params={"filterField": "action.actionTemplate.id", "filterValue": template}
        )
        heavy = await get_ok(http, MAPS, params={"filterField": "weight", "filterValue": "3"})
        active = await get_ok(
            http, MAPS, params={"filterField": "isActive", "filterValue": "true", "pageSize": 100}
        )
        segment = everything["entities"][0]["triggerWithSegments"][0]
        triggered = await get_ok(
            http,
            MAPS,
            params={"filterField": "triggerWithSegments", "filterValue": segment, "pageSize": 100},
        )
        picked = await get_ok(http, MAPS, params={"actionMapIds": ",".join(api.action_map_ids[:3])})
        errors = [
            await http.get(MAPS, params={"filterField": "weight"}),
            await http.get(MAPS, params={"filterField": "colour", "filterValue": "red"}),
            await http.get(
                MAPS, params={"actionMapIds": "a", "filterField": "weight", "filterValue": "1"}
            ),
        ]
    for action_map in everything["entities"]:
        linked = templates[action_map["action"]["actionTemplate"]["id"]]
        assert action_map["action"]["mediaType"] == linked["mediaType"]
        assert set(action_map["triggerWithSegments"]) <= set(api.segment_ids)
    assert [m["id"] for m in using["entities"]] == [api.action_map_ids[i] for i in (4, 16, 28)]
    assert heavy["entities"] and all(m["weight"] == 3 for m in heavy["entities"])
    assert active["total"] == sum(m["isActive"] for m in everything["entities"])
    assert [m["id"] for m in triggered["entities"]] == [
        m["id"] for m in everything["entities"] if segment in m["triggerWithSegments"]
    ]
    assert [m["id"] for m in picked["entities"]] == api.action_map_ids[:3]
    for response in errors:
        assert_error(response, 400)


async def test_action_templates_filter_by_media_type_and_state():
    api = FakeJourneyApi(seed=7, action_templates=20)
    async with http_on(api) as http:
        offers = await get_ok(http, TEMPLATES, params={"mediaType": "contentOffer"})
        inactive = await get_ok(http, TEMPLATES, params={"state": "Inactive"})
        named = await get_ok(
            http,
            TEMPLATES,
            params=[
                ("queryFields", "name"),
                ("queryFields", "description"),
                ("queryValue", "chat offer"),
            ],
        )
        errors = [
            await http.get(TEMPLATES, params={"mediaType": "fax"}),
            await http.get(TEMPLATES, params={"state": "Retired"}),
        ]
    assert offers["total"] == 4 and all(
        t["mediaType"] == "contentOffer" for t in offers["entities"]
    )
    assert all("contentOffer" in t for t in offers["entities"])
    assert all(t["state"] == "Inactive" for t in inactive["entities"])
    assert named["total"] == 4 and all(
        t["mediaType"] == "webMessagingOffer" for t in named["entities"]
    )
    for response in errors:
        assert_error(response, 400)


async def test_views_list_without_charts_unless_expanded_and_filter_by_name_and_id():
    api = FakeJourneyApi(seed=9, views=8)
    async with http_on(api) as http:
        plain = await get_ok(http, VIEWS, params={"pageSize": 3})
        expanded = await get_ok(http, VIEWS, params={"pageSize": 3, "expand": "charts"})
        one = await get_ok(http, f"{VIEWS}/{api.view_ids[0]}")
        creator = one["createdBy"]["emailAddress"]
        by_creator = await get_ok(http, VIEWS, params={"nameOrCreatedBy": creator.upper()})
        by_name = await get_ok(http, VIEWS, params={"nameOrCreatedBy": "funnel 2:"})
        by_id = await get_ok(http, VIEWS, params={"id": ",".join(api.view_ids[1:3])})
        assert_error(await http.get(VIEWS, params={"expand": "everything"}), 400)
        assert_error(await http.get(f"{VIEWS}/nope"), 404)
    assert plain["pageCount"] == 3 and all("charts" not in v for v in plain["entities"])
    assert all(v["charts"] for v in expanded["entities"])
    assert one["charts"] and one["elements"]
    ids = {e["id"] for e in one["elements"]}
    for element in one["elements"]:
        assert all(link["id"] in ids for link in element["followedBy"])
    for chart in one["charts"]:
        assert all(m["elementId"] in ids for m in chart["metrics"])
    assert all(v["createdBy"]["emailAddress"] == creator for v in by_creator["entities"])
    assert [v["id"] for v in by_name["entities"]] == [api.view_ids[1]]
    assert [v["id"] for v in by_id["entities"]] == api.view_ids[1:3]


async def test_segment_ids_are_those_the_2020_assignments_name():
    api = FakeJourneyApi(seed=1, segments=40)
    named = {api.assignment(2, 0, k, api.session_ids[0])["segment"]["id"] for k in range(200)}
    assert named <= set(api.segment_ids)


# -- create, read, update, delete ---------------------------------------------------------------


VIP_JOURNEY = {
    "patterns": [
        {
            "criteria": [{"key": "page.url", "values": ["/vip"]}],
            "count": 2,
            "streamType": "Web",
            "sessionType": "web",
        }
    ]
}
ROUND_TRIPS = [
    (
        SEGMENTS,
        {"displayName": "VIP", "journey": VIP_JOURNEY},
        {"displayName": "Very VIP", "isActive": False},
        {"displayName": "Very VIP", "isActive": False},
    ),
    (
        MAPS,
        {"displayName": "Chat", "weight": 2},
        {"displayName": "Chat 2", "triggerWithSegments": [], "pageUrlConditions": [], "weight": 9},
        {"displayName": "Chat 2", "weight": 9},
    ),
    (
        TEMPLATES,
        {
            "name": "Offer",
            "mediaType": "contentOffer",
            "state": "Active",
            "contentOffer": {"displayMode": "Toast", "layoutMode": "TextOnly"},
        },
        {"name": "Offer 2", "contentOffer": {"headline": "New"}},
        {"name": "Offer 2"},
    ),
]


@pytest.mark.parametrize(
    ("base", "body", "patch", "changed"),
    ROUND_TRIPS,
    ids=["segments", "actionmaps", "actiontemplates"],
)
async def test_create_get_patch_delete_round_trip(
    base: str, body: dict[str, Any], patch: dict[str, Any], changed: dict[str, Any]
):
    """POST answers 200 with the stored object (id, version 1, dates), GET returns it, the listing
    counts it, PATCH changes the fields and the version (a stale version is 409), DELETE answers
    204 and later requests 404."""
    api = FakeJourneyApi(seed=10)
    async with http_on(api) as http:
        total = (await get_ok(http, base))["total"]
        response = await http.post(base, json=body)
        assert response.status_code == 200, response.text
        created = response.json()
        url = f"{base}/{created['id']}"
        assert created["version"] == 1 and created["selfUri"] == url
        assert created["createdDate"] == created["modifiedDate"]
        assert await get_ok(http, url) == created
        assert (await get_ok(http, base))["total"] == total + 1
        patched = await http.patch(url, json=patch)
        assert patched.status_code == 200, patched.text
        assert patched.json() == {
            **created,
            **changed,
            "version": 2,
            "modifiedDate": patched.json()["modifiedDate"],
        } | (
            {"contentOffer": {**created["contentOffer"], "headline": "New"}}
            if base == TEMPLATES
            else {}
        )
        assert await get_ok(http, url) == patched.json()
        assert_error(await http.patch(url, json={**patch, "version": 1}), 409)
        if base == TEMPLATES:
            deleted = await http.delete(url, params={"hardDelete": "true"})
        else:
            deleted = await http.delete(url)
        assert deleted.status_code == 204 and deleted.content == b""
        assert_error(await http.get(url), 404)
        assert_error(await http.patch(url, json=patch), 404)
        assert_error(await http.delete(url), 404)
        assert (await get_ok(http, base))["total"] == total
    assert api.stats.by_status[204] == 1


async def test_created_segment_scope_follows_its_patterns():
    """Context (visit) patterns only make a Session segment, journey patterns a Customer one;
    criteria get the defaults the response model requires."""
    api = FakeJourneyApi(seed=10)
    visit = {"key": "device.category", "values": ["mobile"], "entityType": "visit"}
    async with http_on(api) as http:
        session = await http.post(
            SEGMENTS, json={"displayName": "S", "context": {"patterns": [{"criteria": [visit]}]}}
        )
        customer = await http.post(SEGMENTS, json={"displayName": "C", "journey": VIP_JOURNEY})
    assert session.json()["scope"] == "Session" and customer.json()["scope"] == "Customer"
    criteria = session.json()["context"]["patterns"][0]["criteria"][0]
    assert criteria == {**visit, "shouldIgnoreCase": False, "operator": "equal"}
    assert customer.json()["journey"]["patterns"][0]["criteria"][0]["operator"] == "equal"


async def test_action_template_soft_delete_keeps_it_as_deleted():
    """hardDelete=false (the default) marks the template Deleted: still readable, gone from the
    default listing, listed with state=Deleted."""
    api = FakeJourneyApi(seed=10)
    template = api.action_template_ids[0]
    async with http_on(api) as http:
        before = (await get_ok(http, TEMPLATES))["total"]
        assert (await http.delete(f"{TEMPLATES}/{template}")).status_code == 204
        kept = await get_ok(http, f"{TEMPLATES}/{template}")
        after = (await get_ok(http, TEMPLATES))["total"]
        deleted = await get_ok(http, TEMPLATES, params={"state": "Deleted"})
        assert (
            await http.delete(f"{TEMPLATES}/{template}", params={"hardDelete": "false"})
        ).status_code == 204
        assert (
            await http.delete(f"{TEMPLATES}/{template}", params={"hardDelete": "true"})
        ).status_code == 204
        assert_error(await http.get(f"{TEMPLATES}/{template}"), 404)
    assert kept["state"] == "Deleted"
    assert after == before - 1
    assert [t["id"] for t in deleted["entities"]] == [template]


async def test_deleted_segments_leave_the_contact_assignments():
    api = FakeJourneyApi(seed=6)
    contact = api.external_contact_ids[0]
    url = f"{CONTACTS}/{contact}/journey/segments?limit=500"
    async with http_on(api) as http:
        before = (await get_ok(http, url))["entities"]
        segment = before[0]["segment"]["id"]
        assert (await http.delete(f"{SEGMENTS}/{segment}")).status_code == 204
        after = (await get_ok(http, url))["entities"]
    assert segment not in {a["segment"]["id"] for a in after}
    assert len(after) == len([a for a in before if a["segment"]["id"] != segment])


# -- aggregates jobs ---------------------------------------------------------------------------


async def test_job_goes_queued_pending_fulfilled_over_polls_and_results_need_fulfilled():
    api = FakeJourneyApi(seed=4, job_polls=2)
    async with http_on(api) as http:
        submitted = await http.post(JOBS, json=QUERY)
        assert submitted.status_code == 202
        job = submitted.json()["jobId"]
        states = []
        for _ in range(4):
            status = await get_ok(http, f"{JOBS}/{job}")
            states.append(status["state"])
            if status["state"] != "FULFILLED":
                assert_error(await http.get(f"{JOBS}/{job}/results"), 400)
        assert status["submissionDate"] <= status["completionDate"] < status["expirationDate"]
    assert states == ["QUEUED", "PENDING", "FULFILLED", "FULFILLED"]
    assert api.stats.by_status[202] == 1


async def test_job_state_follows_time_when_job_seconds_is_set():
    api = FakeJourneyApi(seed=4, job_seconds=30.0)
    now = [1000.0]
    api._api2026().jobs.clock = lambda: now[0]  # the jobs' clock, faked
    async with http_on(api) as http:
        job = (await http.post(JOBS, json=QUERY)).json()["jobId"]
        states = []
        for moment in (1005.0, 1011.0, 1029.0, 1030.0):
            now[0] = moment
            states.append((await get_ok(http, f"{JOBS}/{job}"))["state"])
    assert states == ["QUEUED", "PENDING", "PENDING", "FULFILLED"]


async def test_job_results_page_by_cursor_and_equal_the_synchronous_query():
    """Results come `pageSize` data points a page; the cursor is absent on the last page; put
    together they are what the synchronous query answers."""
    api = FakeJourneyApi(seed=4)
    async with http_on(api) as http:
        sync = (await http.post("/api/v2/analytics/journeys/aggregates/query", json=QUERY)).json()
        job = (await http.post(JOBS, json={**QUERY, "pageSize": 10})).json()["jobId"]
        assert (await get_ok(http, f"{JOBS}/{job}"))["state"] == "FULFILLED"
        pages = []
        cursor = None
        while True:
            page = await get_ok(
                http, f"{JOBS}/{job}/results", params={"cursor": cursor} if cursor else {}
            )
            pages.append(page)
            cursor = page.get("cursor")
            if cursor is None:
                break
        assert_error(await http.get(f"{JOBS}/{job}/results", params={"cursor": "%%"}), 400)
    assert [sum(len(r["data"]) for r in p["results"]) for p in pages] == [10] * 7 + [2]  # 3 x 24
    joined: dict[str, list[Any]] = {}
    for page in pages:
        for result in page["results"]:
            joined.setdefault(json.dumps(result["group"]), []).extend(result["data"])
    assert joined == {json.dumps(r["group"]): r["data"] for r in sync["results"]}
    metrics = sync["results"][0]["data"][0]["metrics"]
    assert set(metrics[1]["stats"]) >= {"count", "min", "max", "sum"}  # an outcome value


async def test_job_failure_switch_fails_jobs_with_the_error_message():
    api = FakeJourneyApi(seed=4, job_polls=1)
    async with http_on(api) as http:
        job = (await http.post(JOBS, json=QUERY)).json()["jobId"]
        assert (await get_ok(http, f"{JOBS}/{job}"))["state"] == "QUEUED"
        api.faults.job_failure = "Query exceeded the time limit"
        status = await get_ok(http, f"{JOBS}/{job}")
        api.faults.job_failure = None
        again = await get_ok(http, f"{JOBS}/{job}")
        assert_error(await http.get(f"{JOBS}/{job}/results"), 400)
        other = (await http.post(JOBS, json=QUERY)).json()["jobId"]
        await http.get(f"{JOBS}/{other}")
        assert (await get_ok(http, f"{JOBS}/{other}"))["state"] == "FULFILLED"
    assert status["state"] == again["state"] == "FAILED"
    assert status["errorMessage"] == "Query exceeded the time limit"
    assert "completionDate" in status


async def test_deleted_jobs_answer_404_and_expired_jobs_have_no_results():
    api = FakeJourneyApi(seed=4)
    async with http_on(api) as http:
        job = (await http.post(JOBS, json=QUERY)).json()["jobId"]
        deleted = await http.delete(f"{JOBS}/{job}")
        assert deleted.status_code == 204 and deleted.content == b""
        for method, url in (
            ("GET", f"{JOBS}/{job}"),
            ("GET", f"{JOBS}/{job}/results"),
            ("DELETE", f"{JOBS}/{job}"),
        ):
            assert_error(await http.request(method, url), 404)
        kept = (await http.post(JOBS, json=QUERY)).json()["jobId"]
        api.expire_jobs()
        assert (await get_ok(http, f"{JOBS}/{kept}"))["state"] == "EXPIRED"
        assert_error(await http.get(f"{JOBS}/{kept}/results"), 400)
        assert_error(
            await http.post(JOBS, json={"interval": "x", "metrics": ["nJourneySessions"]}), 400
        )


# -- faults, tokens, determinism, size ----------------------------------------------------------


async def test_fault_switches_apply_to_the_new_routes():
    api = FakeJourneyApi(seed=4)
    session = api.contact_session_ids(api.external_contact_ids[0])[0]
    url = f"{SESSIONS}/{session}/events"
    async with http_on(api) as http:
        api.faults.fail_next = [429, 503]
        limited = await http.get(url)
        assert_error(limited, 429)
        assert limited.headers["Retry-After"] == "1"
        assert_error(await http.get(SEGMENTS), 503)
        assert (await http.get(url)).status_code == 200
        api.faults.malformed_every = 1
        broken = await http.get(MAPS)
        api.faults.malformed_every = 0
        with pytest.raises(json.JSONDecodeError):
            json.loads(broken.content)
        api.faults.drop_every = 1
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post(JOBS, json=QUERY)
        api.faults.drop_every = 0
        api.faults.latency = 0.05
        started = time.perf_counter()
        assert (await http.get(f"{VIEWS}/{api.view_ids[0]}")).status_code == 200
        assert time.perf_counter() - started >= 0.05
    assert api.stats.rate_limited == 1 and api.stats.dropped == 1
    assert api.stats.by_route["get_journey_session_events"] == 1
    assert api.stats.by_route["get_journey_actionmaps"] == 1
    assert api.stats.by_route["get_journey_view"] == 1


def _every_route(api: FakeJourneyApi) -> list[tuple[str, str]]:
    contact, session = api.external_contact_ids[0], api.session_ids[0]
    segment, action_map = api.segment_ids[0], api.action_map_ids[0]
    template, view, target = api.action_template_ids[0], api.view_ids[0], api.action_target_ids[0]
    job = "6a1f0c2e-4b3d-4e5f-8a7b-9c0d1e2f3a4b"
    return [
        ("GET", f"{CONTACTS}/{contact}/journey/segments"),
        ("POST", f"{CONTACTS}/{contact}/journey/segments"),
        ("GET", f"{CONTACTS}/{contact}/journey/sessions"),
        ("GET", f"{SESSIONS}/{session}"),
        ("GET", f"{SESSIONS}/{session}/events"),
        ("POST", "/api/v2/analytics/journeys/aggregates/query"),
        ("POST", JOBS),
        ("GET", f"{JOBS}/{job}"),
        ("GET", f"{JOBS}/{job}/results"),
        ("DELETE", f"{JOBS}/{job}"),
        *[
            (method, url)
            for base, ident in ((SEGMENTS, segment), (MAPS, action_map), (TEMPLATES, template))
            for method, url in (
                ("GET", base),
                ("GET", f"{base}/{ident}"),
                ("POST", base),
                ("PATCH", f"{base}/{ident}"),
                ("DELETE", f"{base}/{ident}"),
            )
        ],
        ("GET", "/api/v2/journey/actiontargets"),
        ("GET", f"/api/v2/journey/actiontargets/{target}"),
        ("GET", VIEWS),
        ("GET", f"{VIEWS}/{view}"),
    ]


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic eDp5"}]
)
async def test_every_new_route_answers_401_without_the_fakes_token(headers: dict[str, str]):
    api = FakeJourneyApi(seed=4)
    routes = _every_route(api)
    assert len(routes) == 29
    async with http_on(api, headers=headers) as http:
        for method, url in routes:
            assert_error(await http.request(method, url, json={}), 401)
    assert api.stats.by_status == {401: 29} and not api.stats.by_route


async def test_new_routes_accept_issued_tokens_and_refuse_revoked_ones():
    api = FakeJourneyApi(seed=4, tokens=())
    basic = base64.b64encode(b"fake-client-id:fake-client-secret").decode()
    async with http_on(api, headers={}) as http:
        grant = await http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
        token = {"Authorization": f"Bearer {grant.json()['access_token']}"}
        assert (await http.get(SEGMENTS, headers=token)).status_code == 200
        api.revoke_tokens()
        assert_error(await http.get(SEGMENTS, headers=token), 401)


async def _bodies(api: FakeJourneyApi) -> list[bytes]:
    contact = api.external_contact_ids[1]
    session = api.contact_session_ids(contact)[1]
    async with http_on(api) as http:
        urls = [
            f"{CONTACTS}/{contact}/journey/sessions?includeMerged=true",
            f"{CONTACTS}/{contact}/journey/segments?includeMerged=true&limit=100",
            f"{SESSIONS}/{session}",
            f"{SESSIONS}/{session}/events?pageSize=100",
            f"{SEGMENTS}?pageSize=100",
            f"{MAPS}?pageSize=100",
            f"{TEMPLATES}?pageSize=100",
            f"{VIEWS}?pageSize=100&expand=charts",
        ]
        return [(await http.get(url)).content for url in urls]


async def test_same_seed_same_data_and_another_seed_other_data():
    one, two, other = FakeJourneyApi(seed=21), FakeJourneyApi(seed=21), FakeJourneyApi(seed=22)
    first, second, third = await _bodies(one), await _bodies(two), await _bodies(other)
    assert first == second
    assert all(a != c for a, c in zip(first, third, strict=True))


async def test_millions_of_sessions_and_events_cost_nothing():
    """A contact with 3 million sessions of 5 million events each: the last page of sessions,
    a session found by id and a page of events deep in it answer at once, in little memory."""
    api = FakeJourneyApi(
        seed=9,
        sessions=0,
        external_contacts=2,
        sessions_per_contact=3_000_000,
        events_per_session=5_000_000,
    )
    contact = api.external_contact_ids[0]
    tracemalloc.start()
    started = time.perf_counter()
    async with http_on(api) as http:
        tail = await get_ok(
            http,
            f"{CONTACTS}/{contact}/journey/sessions",
            params={"pageSize": 200, "after": _after(2_999_950)},
        )
        last = tail["entities"][-1]
        assert len(tail["entities"]) == 50 and "nextUri" not in tail
        assert await get_ok(http, f"{SESSIONS}/{last['id']}") == last
        assert last["eventCount"] == 5_000_000
        deep = await get_ok(
            http,
            f"{SESSIONS}/{last['id']}/events",
            params={"pageSize": 200, "after": _after(4_999_900)},
        )
        assert len(deep["entities"]) == 100 and "nextUri" not in deep
        assert deep["entities"][-1]["id"] == last["lastEvent"]["id"]
        limited = await get_ok(
            http, f"{CONTACTS}/{contact}/journey/segments", params={"limit": 500}
        )
        assert len(limited["entities"]) == 500
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert time.perf_counter() - started < 10
    assert peak < 30 * 2**20
