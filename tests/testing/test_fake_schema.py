"""Every body the fake answers validates against `journey-openapi.json` (property test).

For random seeds, data sizes and requests, each 200 body of the fake is validated with jsonschema
against the operation's response schema, each error body against ErrorBody (TokenResponse and
TokenError for `/oauth/token`). The schemas are also checked strictly: no field outside the
model and its documented `x-later-additions`.

The OpenAPI file is `$JOURNEY_OPENAPI` or `shared/reference/journey-openapi.json` beside an
ancestor of this file; the module is skipped when it is absent (e.g. in an sdist).
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


def _find_openapi() -> Path | None:
    """`$JOURNEY_OPENAPI`, or `shared/reference/journey-openapi.json` beside an ancestor."""
    candidates = [Path(os.environ["JOURNEY_OPENAPI"])] if os.environ.get("JOURNEY_OPENAPI") else []
    here = Path(__file__).resolve()
    candidates += [parent / "shared/reference/journey-openapi.json" for parent in here.parents]
    return next((c for c in candidates if c.is_file()), None)


_OPENAPI_PATH = _find_openapi()
if _OPENAPI_PATH is None:
    pytest.skip(
        "journey-openapi.json not found (set JOURNEY_OPENAPI or keep shared/reference/ beside "
        "the repository)",
        allow_module_level=True,
    )
jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is needed to validate bodies")

OPENAPI: dict[str, Any] = json.loads(_OPENAPI_PATH.read_text(encoding="utf-8"))
COMPONENTS: dict[str, Any] = OPENAPI["components"]

BASE_URL = "https://api.fake.invalid"
AUTH = {"Authorization": "Bearer fake-token"}
AGGREGATES = "/api/v2/analytics/journeys/aggregates/query"


def _strict(components: dict[str, Any]) -> dict[str, Any]:
    """A copy of `components` where objects with `properties` allow no other fields than those
    and their `x-later-additions` (the wire format may carry fields added after 2020)."""
    strict = copy.deepcopy(components)
    for schema in strict["schemas"].values():
        if "properties" in schema and "additionalProperties" not in schema:
            for name in schema.get("x-later-additions", {}):
                schema["properties"].setdefault(name, {})
            schema["additionalProperties"] = False
    return strict


_STRICT_COMPONENTS = _strict(COMPONENTS)


def _validator(name: str, *, strict: bool) -> Any:
    root = {
        "$ref": f"#/components/schemas/{name}",
        "components": _STRICT_COMPONENTS if strict else COMPONENTS,
    }
    cls = jsonschema.validators.validator_for(root, default=jsonschema.Draft7Validator)
    cls.check_schema(root)
    return cls(root)


_VALIDATORS: dict[tuple[str, bool], Any] = {}


def validate(body: Any, name: str) -> None:
    """Validate `body` against components.schemas[`name`], loosely and then strictly."""
    for strict in (False, True):
        key = (name, strict)
        if key not in _VALIDATORS:
            _VALIDATORS[key] = _validator(name, strict=strict)
        errors = sorted(_VALIDATORS[key].iter_errors(body), key=str)
        assert not errors, f"{name} ({'strict' if strict else 'loose'}): " + "; ".join(
            f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
        )


def _response_schemas() -> dict[tuple[str, str], str]:
    """(METHOD, path template) -> the schema name of its 200 answer, from the OpenAPI paths."""
    table = {}
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            ok = operation.get("responses", {}).get("200", {})
            schema = next(iter(ok.get("content", {}).values()), {}).get("schema", {})
            if "$ref" in schema:
                table[(method.upper(), path)] = schema["$ref"].rsplit("/", 1)[1]
    return table


RESPONSE_SCHEMAS = _response_schemas()


class Checker:
    """Sends requests to the fake and validates every answer against the OpenAPI schemas."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.seen: dict[str, int] = {}

    async def send(self, method: str, template: str, url: str, **kwargs: Any) -> httpx.Response:
        response = await self.http.request(method, url, **kwargs)
        status = response.status_code
        assert response.headers.get("inin-correlation-id")
        if template == "/oauth/token":
            name = "TokenResponse" if status == 200 else "TokenError"
        elif status == 200:
            name = RESPONSE_SCHEMAS[(method, template)]
        elif status == 204:
            assert response.content == b""
            self.seen["204"] = self.seen.get("204", 0) + 1
            return response
        else:
            assert 400 <= status < 600
            name = "ErrorBody"
        body = response.json()
        validate(body, name)
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
