"""Every body the fake answers validates against the OpenAPI files of both eras (property tests).

For random seeds, data sizes and requests, each 2xx body of the fake is validated with
jsonschema against the operation's response schema, each error body against ErrorBody
(TokenResponse and TokenError for `/oauth/token`): the eight 2020 operations against
`spec/journey-2020.json`, the 29 of today against `spec/journey-2026.json`. The schemas are
also checked strictly: no field outside the model (and, for 2020, its documented
`x-later-additions`). Request bodies that break today's schemas answer 400 with an ErrorBody,
and the fake's own copy of those request schemas is checked against the spec.

The module reads the repository's `spec/` copies and is skipped when they are absent (an sdist).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journey_async.models import JourneyDimension, JourneyMetric
from journey_async.testing import FakeJourneyApi

SPEC = Path(__file__).resolve().parents[2] / "spec"
if not (SPEC / "journey-2020.json").is_file() or not (SPEC / "journey-2026.json").is_file():
    pytest.skip(
        "spec/journey-2020.json or spec/journey-2026.json is absent", allow_module_level=True
    )
jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is needed to validate bodies")

OPENAPI: dict[str, Any] = json.loads((SPEC / "journey-2020.json").read_text(encoding="utf-8"))
COMPONENTS: dict[str, Any] = OPENAPI["components"]
OPENAPI_2026: dict[str, Any] = json.loads((SPEC / "journey-2026.json").read_text(encoding="utf-8"))

BASE_URL = "https://api.fake.invalid"
AUTH = {"Authorization": "Bearer fake-token"}
AGGREGATES = "/api/v2/analytics/journeys/aggregates/query"


def _strict(components: dict[str, Any]) -> dict[str, Any]:
    """A copy of `components` where objects with `properties` allow no other fields than those
    and their `x-later-additions` (the 2020 wire format may carry fields added later)."""
    strict = copy.deepcopy(components)
    for schema in strict["schemas"].values():
        if "properties" in schema and "additionalProperties" not in schema:
            for name in schema.get("x-later-additions", {}):
                schema["properties"].setdefault(name, {})
            schema["additionalProperties"] = False
    return strict


def _response_schemas(openapi: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(METHOD, path template) -> the schema name of its 2xx answer, from the OpenAPI paths."""
    table = {}
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            for status in ("200", "202"):
                ok = operation.get("responses", {}).get(status, {})
                schema = next(iter(ok.get("content", {}).values()), {}).get("schema", {})
                if "$ref" in schema:
                    table[(method.upper(), path)] = schema["$ref"].rsplit("/", 1)[1]
    return table


class Spec:
    """One era's OpenAPI file: its response table and (cached) loose and strict validators."""

    def __init__(self, openapi: dict[str, Any]) -> None:
        self.openapi = openapi
        self.components = {False: openapi["components"], True: _strict(openapi["components"])}
        self.responses = _response_schemas(openapi)
        self._validators: dict[tuple[str, bool], Any] = {}

    def _validator(self, name: str, strict: bool) -> Any:
        root = {"$ref": f"#/components/schemas/{name}", "components": self.components[strict]}
        cls = jsonschema.validators.validator_for(root, default=jsonschema.Draft7Validator)
        cls.check_schema(root)
        return cls(root)

    def validate(self, body: Any, name: str) -> None:
        """Validate `body` against components.schemas[`name`], loosely and then strictly."""
        for strict in (False, True):
            key = (name, strict)
            if key not in self._validators:
                self._validators[key] = self._validator(name, strict)
            errors = sorted(self._validators[key].iter_errors(body), key=str)
            assert not errors, f"{name} ({'strict' if strict else 'loose'}): " + "; ".join(
                f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
            )


SPEC_2020 = Spec(OPENAPI)
SPEC_2026 = Spec(OPENAPI_2026)
RESPONSE_SCHEMAS = SPEC_2020.responses
validate = SPEC_2020.validate


class Checker:
    """Sends requests to the fake and validates every answer against one era's schemas."""

    def __init__(self, http: httpx.AsyncClient, spec: Spec = SPEC_2020) -> None:
        self.http = http
        self.spec = spec
        self.seen: dict[str, int] = {}

    async def send(self, method: str, template: str, url: str, **kwargs: Any) -> httpx.Response:
        response = await self.http.request(method, url, **kwargs)
        status = response.status_code
        assert response.headers.get("inin-correlation-id")
        if template == "/oauth/token":
            name = "TokenResponse" if status == 200 else "TokenError"
        elif status in (200, 202):
            name = self.spec.responses[(method, template)]
        elif status == 204:
            assert response.content == b""
            self.seen["204"] = self.seen.get("204", 0) + 1
            return response
        else:
            assert 400 <= status < 600
            name = "ErrorBody"
        body = response.json()
        self.spec.validate(body, name)
        if name == "ErrorBody":
            assert body["status"] == status
        self.seen[name] = self.seen.get(name, 0) + 1
        return response


# -- strategies -----------------------------------------------------------------------------

METRICS = [m.value for m in JourneyMetric]
DIMENSIONS = [d.value for d in JourneyDimension]

filters = st.fixed_dictionaries(
    {},
    optional={
        "segmentScope": st.sampled_from(["Session", "Customer"]),
        "assignmentState": st.sampled_from(["Assigned", "Unassigned"]),
    },
)

predicates = st.fixed_dictionaries(
    {"type": st.just("dimension"), "dimension": st.sampled_from(DIMENSIONS)},
    optional={
        "operator": st.sampled_from(["matches", "exists", "notExists"]),
        "value": st.text(max_size=10),
    },
)

aggregate_queries = st.fixed_dictionaries(
    {
        "interval": st.sampled_from(
            [
                "2020-11-01T00:00:00.000Z/2020-11-02T00:00:00.000Z",
                "2020-11-01T00:00:00Z/2020-11-03T12:00:00Z",
                "2021-03-28T00:00:00.000Z/2021-03-28T06:00:00.000Z",
            ]
        ),
        "metrics": st.lists(st.sampled_from(METRICS), min_size=1, max_size=4, unique=True),
    },
    optional={
        "granularity": st.sampled_from(["P1D", "PT6H", "PT1H", "PT30M"]),
        "groupBy": st.lists(st.sampled_from(DIMENSIONS), max_size=2, unique=True),
        "filter": st.fixed_dictionaries(
            {"type": st.sampled_from(["and", "or"])},
            optional={"predicates": st.lists(predicates, max_size=3)},
        ),
        "views": st.lists(
            st.fixed_dictionaries(
                {
                    "target": st.sampled_from(METRICS),
                    "name": st.text(min_size=1, max_size=8),
                    "function": st.just("rangeBound"),
                }
            ),
            max_size=2,
        ),
    },
)

patches = st.fixed_dictionaries(
    {},
    optional={
        "name": st.text(min_size=1, max_size=20),
        "serviceLevel": st.fixed_dictionaries(
            {},
            optional={
                "percentage": st.floats(0, 1),
                "durationMs": st.integers(0, 10**7),
            },
        ),
        "shortAbandonThreshold": st.integers(0, 10_000),
    },
)

updates = st.lists(
    st.fixed_dictionaries(
        {
            "segmentId": st.text(alphabet="abcdef0123456789-", min_size=1, max_size=12),
            "state": st.sampled_from(["Assigned", "Unassigned"]),
        }
    ),
    max_size=4,
)

worlds = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**63 - 1),
        "action_targets": st.integers(1, 60),
        "sessions": st.integers(1, 3),
        "assignments_per_session": st.integers(0, 400),
        "customers": st.integers(1, 3),
        "assignments_per_customer": st.integers(0, 120),
        "external_contacts": st.integers(1, 3),
        "assignments_per_contact": st.integers(0, 120),
    }
)


async def _follow(checker: Checker, template: str, uri: str | None, pages: int) -> None:
    """GET `uri` and the nextUri after it, up to `pages` pages."""
    for _ in range(pages):
        if uri is None:
            return
        response = await checker.send("GET", template, uri)
        assert response.status_code == 200
        uri = response.json().get("nextUri")


async def _exercise(world: dict[str, Any], data: st.DataObject) -> dict[str, int]:
    api = FakeJourneyApi(**world)
    async with httpx.AsyncClient(
        transport=api.transport(), base_url=BASE_URL, headers=AUTH
    ) as http:
        checker = Checker(http)
        draw = data.draw

        # Action targets: one, a page-number listing page, a PATCH.
        target = draw(st.sampled_from(api.action_target_ids))
        one = "/api/v2/journey/actiontargets/{actionTargetId}"
        await checker.send("GET", one, f"/api/v2/journey/actiontargets/{target}")
        size = draw(st.integers(1, 70))
        number = draw(st.integers(1, -(-len(api.action_target_ids) // size) + 1))
        await checker.send(
            "GET",
            "/api/v2/journey/actiontargets",
            "/api/v2/journey/actiontargets",
            params={"pageSize": size, "pageNumber": number},
        )
        patched = await checker.send(
            "PATCH", one, f"/api/v2/journey/actiontargets/{target}", json=draw(patches)
        )
        assert patched.status_code == 200

        # The three cursor listings, a few pages each, with random page sizes and filters.
        params = {"pageSize": draw(st.integers(1, 200)), **draw(filters)}
        query = "&".join(f"{k}={v}" for k, v in params.items())
        session = draw(st.sampled_from(api.session_ids))
        await _follow(
            checker,
            "/api/v2/journey/sessions/{sessionId}/segments",
            f"/api/v2/journey/sessions/{session}/segments?{query}",
            3,
        )
        id_type, customer = draw(st.sampled_from(api.customer_ids))
        await _follow(
            checker,
            "/api/v2/journey/customers/{customerIdType}/{customerId}/segments",
            f"/api/v2/journey/customers/{id_type}/{customer}/segments?{query}",
            2,
        )
        contact = draw(st.sampled_from(api.external_contact_ids))
        contact_template = "/api/v2/journey/externalcontacts/{externalContactId}/segments"
        posted = await checker.send(
            "POST",
            contact_template,
            f"/api/v2/journey/externalcontacts/{contact}/segments",
            json=draw(updates),
        )
        assert posted.status_code == 204
        await _follow(
            checker,
            contact_template,
            f"/api/v2/journey/externalcontacts/{contact}/segments?pageSize=200",
            2,
        )

        # An aggregates query.
        response = await checker.send("POST", AGGREGATES, AGGREGATES, json=draw(aggregate_queries))
        assert response.status_code == 200

        # Tokens: granted and refused.
        good = base64.b64encode(b"fake-client-id:fake-client-secret").decode()
        bad = base64.b64encode(b"fake-client-id:nope").decode()
        form = {"grant_type": "client_credentials"}
        for credentials in (good, bad):
            await checker.send(
                "POST",
                "/oauth/token",
                "/oauth/token",
                data=form,
                headers={"Authorization": f"Basic {credentials}"},
            )
        await checker.send("POST", "/oauth/token", "/oauth/token", data={"grant_type": "x"})

        # Errors: 400, 401, 404 and injected 429/5xx all answer an ErrorBody.
        errors = [
            ("GET", f"/api/v2/journey/sessions/{session}/segments?pageSize=0", {}),
            ("GET", f"/api/v2/journey/sessions/{session}/segments?after=%25%25", {}),
            ("GET", "/api/v2/journey/sessions/unknown/segments", {}),
            ("GET", "/api/v2/journey/actiontargets/unknown", {}),
            ("GET", "/api/v2/journey/actiontargets?pageNumber=0", {}),
            ("POST", AGGREGATES, {"json": {"metrics": ["nJourneySessions"]}}),
            ("PATCH", f"/api/v2/journey/actiontargets/{target}", {"json": {"name": ""}}),
            ("GET", f"/api/v2/journey/actiontargets/{target}", {"headers": {"Authorization": ""}}),
        ]
        for method, url, kwargs in errors:
            response = await checker.send(method, "(an error)", url, **kwargs)
            assert response.status_code in (400, 401, 404)
        api.faults.fail_next = draw(
            st.lists(st.sampled_from([429, 500, 502, 503, 504]), min_size=1, max_size=3)
        )
        for _ in range(len(api.faults.fail_next)):
            response = await checker.send("GET", one, f"/api/v2/journey/actiontargets/{target}")
            assert response.status_code >= 429
    return checker.seen


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(world=worlds, data=st.data())
def test_every_fake_answer_matches_the_openapi_schemas(world: dict[str, Any], data: Any):
    """Every 200 body validates against its operation's schema and every error against ErrorBody."""
    seen = asyncio.run(_exercise(world, data))
    assert seen["ActionTarget"] >= 2
    assert seen["ActionTargetListing"] == 1
    assert seen["SegmentAssignmentListing"] >= 3
    assert seen["JourneyAggregateQueryResponse"] == 1
    assert seen["TokenResponse"] == 1
    assert seen["TokenError"] == 2
    assert seen["ErrorBody"] >= 9
    assert seen["204"] == 1


def test_the_validators_catch_a_wrong_body():
    """The validation used above rejects wrong types, bad enum values and unknown fields."""
    target = {"id": "t", "state": "active", "serviceLevel": {"percentage": 0.5}}
    validate(target, "ActionTarget")
    with pytest.raises(AssertionError, match="not one of"):
        validate({**target, "state": "bogus"}, "ActionTarget")
    with pytest.raises(AssertionError, match="is not of type"):
        validate({"entities": [{"segment": {"version": "3"}}]}, "SegmentAssignmentListing")
    with pytest.raises(AssertionError, match="strict"):
        validate({**target, "surprise": 1}, "ActionTarget")
    validate({**target, "shortAbandonThreshold": 5}, "ActionTarget")  # a documented addition
    with pytest.raises(AssertionError, match="required"):
        validate({"access_token": "x"}, "TokenResponse")


def test_response_schema_table_covers_the_fake_operations():
    """The OpenAPI file names a 200 schema for each of the seven operations that return a body."""
    assert set(RESPONSE_SCHEMAS.values()) >= {
        "ActionTarget",
        "ActionTargetListing",
        "SegmentAssignmentListing",
        "JourneyAggregateQueryResponse",
    }
    assert len([k for k in RESPONSE_SCHEMAS if k[1].startswith("/api/")]) == 7


# -- today's API (spec/journey-2026.json) ---------------------------------------------------

JOBS = "/api/v2/analytics/journeys/aggregates/jobs"
METRICS_2026 = OPENAPI_2026["components"]["schemas"]["JourneyAggregationQuery"]["properties"][
    "metrics"
]["items"]["enum"]
DIMENSIONS_2026 = OPENAPI_2026["components"]["schemas"]["JourneyAggregationQuery"]["properties"][
    "groupBy"
]["items"]["enum"]
EVENT_TYPES = [
    "com.genesys.journey.WebEvent",
    "com.genesys.journey.AppEvent",
    "com.genesys.journey.WebActionEvent",
    "com.genesys.journey.SegmentAssignmentEvent",
    "com.genesys.journey.OutcomeAchievedEvent",
]
OPERATIONS_2026 = {
    operation["operationId"]
    for item in OPENAPI_2026["paths"].values()
    for operation in item.values()
    if isinstance(operation, dict) and "operationId" in operation
}

worlds_2026 = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**63 - 1),
        "action_targets": st.integers(1, 30),
        "sessions": st.integers(0, 6),
        "external_contacts": st.integers(1, 5),
        "segments": st.integers(1, 45),
        "action_maps": st.integers(1, 20),
        "action_templates": st.integers(0, 12),
        "views": st.integers(1, 10),
        "sessions_per_contact": st.integers(1, 8),
        "events_per_session": st.integers(1, 250),
    }
)

queries_2026 = st.fixed_dictionaries(
    {
        "interval": st.sampled_from(
            [
                "2025-11-01T00:00:00.000Z/2025-11-02T00:00:00.000Z",
                "2025-11-01T00:00:00Z/2025-11-03T12:00:00Z",
            ]
        ),
        "metrics": st.lists(st.sampled_from(METRICS_2026), min_size=1, max_size=4, unique=True),
    },
    optional={
        "granularity": st.sampled_from(["P1D", "PT6H", "PT1H"]),
        "groupBy": st.lists(st.sampled_from(DIMENSIONS_2026), max_size=2, unique=True),
        "timeZone": st.just("Europe/Dublin"),
        "flattenMultivaluedDimensions": st.booleans(),
        "alternateTimeDimension": st.just("eventTime"),
        "views": st.lists(
            st.fixed_dictionaries(
                {
                    "target": st.sampled_from(METRICS_2026),
                    "name": st.text(min_size=1, max_size=8),
                    "function": st.just("rangeBound"),
                },
                optional={"range": st.just({"gte": 1.0, "lt": 10.0})},
            ),
            max_size=2,
        ),
    },
)

SEGMENT_BODY = {
    "displayName": "Big spenders",
    "description": "Spent a lot",
    "color": "#123456",
    "isActive": True,
    "shouldDisplayToAgent": True,
    "context": {
        "patterns": [
            {"criteria": [{"key": "device.category", "values": ["mobile"], "entityType": "visit"}]}
        ]
    },
    "journey": {
        "patterns": [
            {
                "criteria": [{"key": "page.url", "values": ["/cart"]}],
                "count": 2,
                "streamType": "Web",
                "sessionType": "web",
            }
        ]
    },
    "externalSegment": {"id": "aep-1", "name": "AEP"},
    "assignmentExpirationDays": 30,
}
SEGMENT_PATCH = {
    "displayName": "Renamed",
    "isActive": False,
    "context": {"patterns": [{"criteria": [{"key": "browser.family"}]}]},
    "journey": {"patterns": [{"count": 3, "criteria": [{"values": ["/x"]}]}]},
    "externalSegment": {"name": "Renamed audience"},
}
MAP_BODY = {
    "displayName": "Chat on checkout",
    "isActive": True,
    "triggerWithSegments": [],
    "pageUrlConditions": [{"values": ["/checkout"], "operator": "containsAny"}],
    "triggerWithEventConditions": [
        {"key": "page.url", "values": ["/checkout"], "streamType": "Web", "sessionType": "web"}
    ],
    "activation": {"type": "immediate"},
    "weight": 3,
    "action": {"mediaType": "webMessagingOffer", "webMessagingOfferFields": {"offerText": "Hi"}},
    "ignoreFrequencyCap": False,
}
TEMPLATE_BODY = {
    "name": "Spring offer",
    "description": "10% off",
    "mediaType": "contentOffer",
    "state": "Active",
    "contentOffer": {
        "displayMode": "Modal",
        "layoutMode": "TextOnly",
        "title": "Spring",
        "callToAction": {"url": "https://www.example.com/", "text": "Go", "target": "Self"},
        "style": {"closeButton": {"opacity": 0.5}, "ctaButton": {"textAlign": "Center"}},
    },
}


async def _follow_2026(checker: Checker, template: str, uri: str | None, pages: int) -> int:
    """GET `uri` and the nextUri after it, up to `pages` pages; the number of entities seen."""
    seen = 0
    for _ in range(pages):
        if uri is None:
            break
        response = await checker.send("GET", template, uri)
        assert response.status_code == 200, response.text
        seen += len(response.json()["entities"])
        uri = response.json().get("nextUri")
    return seen


async def _exercise_2026(world: dict[str, Any], data: st.DataObject) -> FakeJourneyApi:
    api = FakeJourneyApi(**world)
    draw = data.draw
    async with httpx.AsyncClient(
        transport=api.transport(), base_url=BASE_URL, headers=AUTH
    ) as http:
        checker = Checker(http, SPEC_2026)
        send = checker.send
        contacts = "/api/v2/externalcontacts/contacts/{contactId}/journey"

        # External contacts: assignments (GET, POST), sessions (cursor pages).
        contact = draw(st.sampled_from(api.external_contact_ids))
        merged = draw(st.booleans())
        await send(
            "GET",
            f"{contacts}/segments",
            f"/api/v2/externalcontacts/contacts/{contact}/journey/segments",
            params={"limit": draw(st.integers(1, 500)), "includeMerged": str(merged).lower()},
        )
        known = draw(st.sampled_from(api.segment_ids))
        body = {
            "assign": {"segments": [{"id": known}, {"id": "no-such-segment"}]},
            "unassign": {"segments": [{"id": draw(st.sampled_from(api.segment_ids))}]},
        }
        posted = await send(
            "POST",
            f"{contacts}/segments",
            f"/api/v2/externalcontacts/contacts/{contact}/journey/segments",
            json=body,
        )
        assert posted.json()["unprocessedItems"]["count"] == 1
        size = draw(st.integers(1, 200))
        await _follow_2026(
            checker,
            f"{contacts}/sessions",
            f"/api/v2/externalcontacts/contacts/{contact}/journey/sessions?pageSize={size}"
            + ("&includeMerged=true" if merged else ""),
            3,
        )

        # A session (one of the contact's, or a 2020 one) and its events.
        session = draw(st.sampled_from(api.contact_session_ids(contact) + api.session_ids))
        await send(
            "GET", "/api/v2/journey/sessions/{sessionId}", f"/api/v2/journey/sessions/{session}"
        )
        types = draw(st.lists(st.sampled_from(EVENT_TYPES), max_size=3, unique=True))
        query = f"pageSize={draw(st.integers(1, 200))}" + (
            f"&eventType={','.join(types)}" if types else ""
        )
        await _follow_2026(
            checker,
            "/api/v2/journey/sessions/{sessionId}/events",
            f"/api/v2/journey/sessions/{session}/events?{query}",
            2,
        )

        # Segments, action maps, action templates: list, get, create, patch, delete.
        kinds = [
            ("segments", "segmentId", SEGMENT_BODY, SEGMENT_PATCH),
            ("actionmaps", "actionMapId", MAP_BODY, {**MAP_BODY, "displayName": "Renamed"}),
            ("actiontemplates", "actionTemplateId", TEMPLATE_BODY, {"name": "Renamed"}),
        ]
        for kind, param, create, patch in kinds:
            base = f"/api/v2/journey/{kind}"
            one = f"{base}/{{{param}}}"
            listing = {"pageSize": draw(st.integers(1, 30)), "pageNumber": draw(st.integers(1, 3))}
            if draw(st.booleans()):
                listing["sortBy"] = draw(st.sampled_from(["-createdDate", "version,-modifiedDate"]))
            await send("GET", base, base, params=listing)
            created = (await send("POST", base, base, json=create)).json()
            await send("GET", one, f"{base}/{created['id']}")
            await send("PATCH", one, f"{base}/{created['id']}", json=patch)
            deleted = await send("DELETE", one, f"{base}/{created['id']}")
            assert deleted.status_code == 204
        if api.action_template_ids:  # one made a content offer by a partial PATCH
            await send(
                "PATCH",
                "/api/v2/journey/actiontemplates/{actionTemplateId}",
                f"/api/v2/journey/actiontemplates/{api.action_template_ids[0]}",
                json={
                    "name": "Now an offer",
                    "mediaType": "contentOffer",
                    "contentOffer": {"callToAction": {"text": "Go"}},
                },
            )
        await send(
            "GET",
            "/api/v2/journey/segments",
            "/api/v2/journey/segments",
            params={"segmentIds": ",".join(api.segment_ids[:3]), "isActive": "true"},
        )
        await send(
            "GET",
            "/api/v2/journey/actionmaps",
            "/api/v2/journey/actionmaps",
            params=[("actionMapIds", i) for i in api.action_map_ids[:2]],
        )
        media = draw(st.sampled_from(["contentOffer", "openAction", "architectFlow"]))
        await send(
            "GET",
            "/api/v2/journey/actiontemplates",
            "/api/v2/journey/actiontemplates",
            params={"mediaType": media, "queryFields": "name", "queryValue": "offer"},
        )

        # Views, action targets.
        expand = {"expand": "charts"} if draw(st.booleans()) else {}
        await send("GET", "/api/v2/journey/views", "/api/v2/journey/views", params=expand)
        view = draw(st.sampled_from(api.view_ids))
        await send("GET", "/api/v2/journey/views/{viewId}", f"/api/v2/journey/views/{view}")
        target = draw(st.sampled_from(api.action_target_ids))
        await send(
            "GET",
            "/api/v2/journey/actiontargets/{actionTargetId}",
            f"/api/v2/journey/actiontargets/{target}",
        )
        await send(
            "GET",
            "/api/v2/journey/actiontargets",
            "/api/v2/journey/actiontargets",
            params={"pageSize": draw(st.integers(1, 40))},
        )

        # Aggregates: the query, then a job from submission to deletion.
        query_body = draw(queries_2026)
        await send("POST", AGGREGATES, AGGREGATES, json=query_body)
        job = (await send("POST", JOBS, JOBS, json={**query_body, "pageSize": 3})).json()["jobId"]
        status = await send("GET", f"{JOBS}/{{jobId}}", f"{JOBS}/{job}")
        assert status.json()["state"] == "FULFILLED"
        await _follow_jobs(checker, job)
        assert (await send("DELETE", f"{JOBS}/{{jobId}}", f"{JOBS}/{job}")).status_code == 204
        gone = await send("GET", f"{JOBS}/{{jobId}}", f"{JOBS}/{job}")
        assert gone.status_code == 404
    return api


async def _follow_jobs(checker: Checker, job: str) -> None:
    template = f"{JOBS}/{{jobId}}/results"
    cursor: str | None = None
    for _ in range(4):
        params = {"cursor": cursor} if cursor else {}
        page = await checker.send("GET", template, f"{JOBS}/{job}/results", params=params)
        assert page.status_code == 200
        cursor = page.json().get("cursor")
        if cursor is None:
            return


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(world=worlds_2026, data=st.data())
def test_every_2026_answer_matches_the_2026_schemas(world: dict[str, Any], data: Any):
    """All 29 operations of today's API are called; each 2xx body validates (strictly) against
    its operation's schema in spec/journey-2026.json, each error against ErrorBody."""
    api = asyncio.run(_exercise_2026(world, data))
    assert set(api.stats.by_route) >= OPERATIONS_2026
    assert len(OPERATIONS_2026) == 29


BAD_BODIES = [
    # (method, path template filled by the test, body, the field the error names)
    ("POST", "/api/v2/journey/segments", {}, "displayName"),
    ("POST", "/api/v2/journey/segments", {"displayName": 5}, "displayName"),
    ("POST", "/api/v2/journey/segments", {"displayName": "x", "isActive": "yes"}, "isActive"),
    (
        "POST",
        "/api/v2/journey/segments",
        {"displayName": "x", "context": {"patterns": [{"criteria": [{"key": "k"}]}]}},
        "context.patterns[0].criteria[0].values",
    ),
    ("PATCH", "/api/v2/journey/segments/{segment}", {"color": 7}, "color"),
    ("PATCH", "/api/v2/journey/segments/{segment}", [], "body"),
    ("POST", "/api/v2/journey/actionmaps", {"weight": 1}, "displayName"),
    (
        "POST",
        "/api/v2/journey/actionmaps",
        {"displayName": "x", "action": {"mediaType": "fax"}},
        "action.mediaType",
    ),
    (
        "POST",
        "/api/v2/journey/actionmaps",
        {"displayName": "x", "pageUrlConditions": [{"values": ["/"]}]},
        "pageUrlConditions[0].operator",
    ),
    ("PATCH", "/api/v2/journey/actionmaps/{map}", {"displayName": "x"}, "triggerWithSegments"),
    ("POST", "/api/v2/journey/actiontemplates", {"name": "x", "state": "Active"}, "mediaType"),
    (
        "POST",
        "/api/v2/journey/actiontemplates",
        {"name": "x", "state": "Gone", "mediaType": "openAction"},
        "state",
    ),
    (
        "POST",
        "/api/v2/journey/actiontemplates",
        {**TEMPLATE_BODY, "contentOffer": {"displayMode": "Modal"}},
        "contentOffer.layoutMode",
    ),
    ("PATCH", "/api/v2/journey/actiontemplates/{template}", {"state": "Active"}, "name"),
    (
        "POST",
        "/api/v2/externalcontacts/contacts/{contact}/journey/segments",
        {"assign": {"segments": [{}]}},
        "assign.segments[0].id",
    ),
    (
        "POST",
        "/api/v2/externalcontacts/contacts/{contact}/journey/segments",
        {"unassign": {}},
        "unassign.segments",
    ),
    (
        "POST",
        "/api/v2/externalcontacts/contacts/{contact}/journey/segments",
        {"assign": "everything"},
        "assign",
    ),
    ("POST", "/api/v2/journey/segments", {"displayName": "x", "isActive": 1}, "isActive"),
    ("POST", "/api/v2/journey/actionmaps", {"displayName": "x", "weight": 2**40}, "weight"),
    ("POST", "/api/v2/journey/actionmaps", {"displayName": "x", "weight": 1.5}, "weight"),
    ("POST", "/api/v2/journey/actionmaps", {"displayName": "x", "startDate": "soon"}, "startDate"),
    (
        "POST",
        "/api/v2/journey/actionmaps",
        {"displayName": "x", "triggerWithSegments": "seg-1"},
        "triggerWithSegments",
    ),
    (
        "POST",
        "/api/v2/journey/actiontemplates",
        {
            **TEMPLATE_BODY,
            "contentOffer": {
                "displayMode": "Modal",
                "layoutMode": "TextOnly",
                "style": {"closeButton": {"opacity": "half"}},
            },
        },
        "contentOffer.style.closeButton.opacity",
    ),
    ("POST", JOBS, {"metrics": ["nJourneySessions"]}, "interval"),
    ("POST", JOBS, {"interval": "2025-11-01T00:00:00Z/2025-11-02T00:00:00Z"}, "metrics"),
    (
        "POST",
        JOBS,
        {
            "interval": "2025-11-01T00:00:00Z/2025-11-02T00:00:00Z",
            "metrics": ["nJourneySessions"],
            "groupBy": ["journeyCustomerId"],  # a 2020 dimension, gone today
        },
        "groupBy[0]",
    ),
    (
        "POST",
        JOBS,
        {
            "interval": "2025-11-01T00:00:00Z/2025-11-02T00:00:00Z",
            "metrics": ["nJourneySessions"],
            "pageSize": "ten",
        },
        "pageSize",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), BAD_BODIES)
async def test_request_bodies_that_break_the_2026_schemas_answer_400(
    method: str, path: str, body: Any, field: str
):
    """A body that breaks its 2026 request schema answers 400 with an ErrorBody whose
    details name the field."""
    api = FakeJourneyApi(seed=4)
    url = path.format(
        segment=api.segment_ids[0],
        map=api.action_map_ids[0],
        template=api.action_template_ids[0],
        contact=api.external_contact_ids[0],
    )
    async with httpx.AsyncClient(
        transport=api.transport(), base_url=BASE_URL, headers=AUTH
    ) as http:
        response = await http.request(method, url, json=body)
    assert response.status_code == 400, response.text
    error = response.json()
    SPEC_2026.validate(error, "ErrorBody")
    assert error["status"] == 400 and error["code"] == "bad.request"
    assert [d["fieldName"] for d in error["details"]] == [field]
    assert api.stats.by_status == {400: 1}


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _strip(v)
            for k, v in node.items()
            if k not in ("description", "example", "deprecated", "readOnly")
            and not k.startswith("x-")
        }
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def _request_schemas() -> dict[str, Any]:
    """The request-body schemas of today's operations and every schema they refer to, without
    prose (the synchronous query's is left out: the fake checks it for either era by hand)."""
    schemas = OPENAPI_2026["components"]["schemas"]
    todo = [
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/")[-1]
        for item in OPENAPI_2026["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "requestBody" in operation
    ]
    todo.remove("JourneyAggregationQuery")
    found: dict[str, Any] = {}
    while todo:
        name = todo.pop()
        if name not in found:
            found[name] = _strip(schemas[name])
            todo += [
                ref.rsplit("/", 1)[1]
                for ref in json.dumps(schemas[name]).split('"')
                if ref.startswith("#/components/schemas/")
            ]
    return dict(sorted(found.items()))


def test_the_fakes_request_schemas_are_the_specs():
    """`journey_async/testing/_requests2026.json` is `_request_schemas()`. After changing
    spec/journey-2026.json, run this test once with JOURNEY_WRITE_FAKE_SCHEMAS=1 to rewrite it."""
    import journey_async.testing

    path = Path(journey_async.testing.__file__).with_name("_requests2026.json")
    expected = _request_schemas()
    if os.environ.get("JOURNEY_WRITE_FAKE_SCHEMAS") == "1":
        path.write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == expected
    assert {
        "UpdateSegmentAssignmentRequest",
        "PatchActionMap",
        "JourneyAsyncAggregationQuery",
    } <= set(expected)
