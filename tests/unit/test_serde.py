"""JSON <-> model conversion (`_serde`, `_structure`, `_wire`): the OpenAPI examples, strictness,
encode().

The examples come from the project's copy of the 2020 OpenAPI file, `spec/journey-2020.json`.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journey_async import _serde, models
from journey_async._serde import decode, decode_data
from journey_async._structure import structure_fn
from journey_async._wire import (
    encode,
    format_datetime,
    model_fields,
    parse_datetime,
    request_json,
    to_camel,
    unstructure,
)
from journey_async.errors import DecodeError

UTC = timezone.utc


@pytest.fixture(autouse=True, params=["orjson", "json"])
def json_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every decoding test runs with orjson (the `orjson` extra) and with the standard library."""
    if request.param == "json":
        monkeypatch.setattr(_serde, "_loads", json.loads)
    else:
        pytest.importorskip("orjson")  # the test extra installs it
        monkeypatch.setattr(_serde, "_loads", None)
        assert _serde.json_backend() == "orjson"
    return str(request.param)


OPENAPI: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "spec" / "journey-2020.json").read_text("utf-8")
)

# The response model of each operation's 200 (REFERENCE.md section 3).
RESPONSE_MODEL = {
    "getJourneyActiontarget": models.ActionTarget,
    "patchJourneyActiontarget": models.ActionTarget,
    "getJourneyActiontargets": models.ActionTargetListing,
    "getJourneyCustomerCustomerIdSegments": models.SegmentAssignmentListing,
    "getJourneyExternalcontactSegments": models.SegmentAssignmentListing,
    "getJourneySessionSegments": models.SegmentAssignmentListing,
    "postAnalyticsJourneysAggregatesQuery": models.JourneyAggregateQueryResponse,
}

# The request-body model of each operation with a JSON body; a list means a JSON array of them.
REQUEST_MODEL: dict[str, Any] = {
    "patchJourneyActiontarget": models.PatchActionTarget,
    "postAnalyticsJourneysAggregatesQuery": models.JourneyAggregationQuery,
    "postJourneyExternalcontactSegments": [models.SegmentAssignmentsUpdate],
}

ERROR_RESPONSES = ["E400", "E401", "E403", "E404", "E408", "E413", "E415", "E429", "E500"]
ERROR_RESPONSES += ["E503", "E504"]

DATETIME_KEYS = {
    "createdDate",
    "modifiedDate",
    "dateAssigned",
    "dateUnassigned",
    "dateModified",
    "dateForUnassignment",
}

ALL_MODELS = sorted(
    (getattr(models, name) for name in models.__all__ if attrs.has(getattr(models, name))),
    key=lambda cls: cls.__name__,
)

RESPONSE_MODELS = [
    cls for cls in ALL_MODELS if all(f.default is not attrs.NOTHING for f in attrs.fields(cls))
]


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(path, operationId, operation) for every operation of the OpenAPI file."""
    return [
        (path, op["operationId"], op)
        for path, item in OPENAPI["paths"].items()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]


def _response_example(operation_id: str) -> Any:
    for _, op_id, op in _operations():
        if op_id == operation_id:
            return op["responses"]["200"]["content"]["application/json"]["example"]
    raise LookupError(operation_id)


def _request_example(operation_id: str) -> Any:
    for _, op_id, op in _operations():
        if op_id == operation_id:
            return op["requestBody"]["content"]["application/json"]["example"]
    raise LookupError(operation_id)


def _normalise(value: Any) -> Any:
    """Rewrite every date-time member to the API's `.mmmZ` form, recursively."""
    if isinstance(value, dict):
        return {
            key: (
                format_datetime(parse_datetime(item))
                if key in DATETIME_KEYS and isinstance(item, str)
                else _normalise(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    return value


# ---------------------------------------------------------------------------------------------
# The OpenAPI examples


def test_every_journey_200_example_has_a_model():
    """Every Journey operation with a JSON 200 example is in this module's operation->model map."""
    with_example = {
        op_id
        for path, op_id, op in _operations()
        if path.startswith("/api/v2/")
        and "example"
        in op["responses"].get("200", {}).get("content", {}).get("application/json", {})
    }
    assert with_example == set(RESPONSE_MODEL)


@pytest.mark.parametrize("operation_id", sorted(RESPONSE_MODEL))
def test_response_example_round_trips(operation_id: str):
    """A 200 example decodes into its model and unstructures back to the same JSON."""
    example = _response_example(operation_id)
    cls = RESPONSE_MODEL[operation_id]
    result = decode(json.dumps(example), cls)
    assert type(result) is cls
    assert unstructure(result) == _normalise(example)


@pytest.mark.parametrize("operation_id", sorted(RESPONSE_MODEL))
def test_response_example_decodes_from_bytes(operation_id: str):
    """decode() accepts the body as bytes as well as str, with the same result."""
    text = json.dumps(_response_example(operation_id))
    cls = RESPONSE_MODEL[operation_id]
    assert decode(text.encode(), cls) == decode(text, cls)


def test_action_target_example_has_typed_values():
    """The ActionTarget example decodes to enums, aware datetimes, floats and nested models."""
    target = decode(json.dumps(_response_example("getJourneyActiontarget")), models.ActionTarget)
    assert target.id == "0b4f6a0e-5a53-4b39-9d5f-6b1d2c6f9a10"
    assert target.state is models.ActionTargetState.ACTIVE
    assert target.supported_media_types == [models.MediaType.WEBCHAT]
    assert target.supported_media_types[0] is models.MediaType.WEBCHAT
    assert target.user_data == [models.KeyValue(key="region", value="emea")]
    assert target.service_level == models.ServiceLevel(percentage=0.8, duration_ms=20000)
    assert target.created_date == datetime(2020, 9, 14, 9, 12, 45, 123000, tzinfo=UTC)
    assert target.short_abandon_threshold is None


def test_segment_listing_example_has_typed_values():
    """The session-segments example decodes nested segments, sessions and enum members."""
    listing = decode(
        json.dumps(_response_example("getJourneySessionSegments")), models.SegmentAssignmentListing
    )
    assert listing.entities is not None
    first, second = listing.entities
    assert first.state is models.AssignmentState.ASSIGNED
    assert first.segment is not None
    assert first.segment.scope is models.SegmentScope.SESSION
    assert first.segment.version == 3
    assert first.session == models.SegmentAssignmentSession(
        id="5d6e7f80-91a2-4b3c-8d4e-f5a6b7c8d9e0",
        type="web",
        self_uri="/api/v2/journey/sessions/5d6e7f80-91a2-4b3c-8d4e-f5a6b7c8d9e0",
    )
    assert first.date_unassigned is None
    assert second.date_unassigned == datetime(2020, 10, 29, 8, tzinfo=UTC)
    assert listing.next_uri is not None
    assert "after=" in listing.next_uri


def test_aggregates_example_has_typed_values():
    """The aggregates example decodes its group map, buckets and metric counts."""
    response = decode(
        json.dumps(_response_example("postAnalyticsJourneysAggregatesQuery")),
        models.JourneyAggregateQueryResponse,
    )
    assert response.results is not None
    (container,) = response.results
    assert container.group == {"journeyActionMapId": "c4d5e6f7-0819-4a2b-9c3d-4e5f60718293"}
    assert container.data is not None
    assert [bucket.interval[:10] for bucket in container.data] == ["2020-11-01", "2020-11-02"]
    metrics = container.data[1].metrics
    assert metrics is not None
    assert [(m.metric, m.stats.count if m.stats else None) for m in metrics] == [
        ("nWebActionsOffered", 141),
        ("nWebActionsAccepted", 22),
    ]


@pytest.mark.parametrize("name", ERROR_RESPONSES)
def test_error_body_example_round_trips(name: str):
    """Each components.responses ErrorBody example decodes and unstructures back unchanged."""
    assert OPENAPI is not None
    example = OPENAPI["components"]["responses"][name]["content"]["application/json"]["example"]
    body = decode(json.dumps(example), models.ErrorBody)
    assert type(body) is models.ErrorBody
    assert body.status == int(name[1:])
    assert body.details == []
    assert body.message_params == {}
    assert unstructure(body) == example


def test_all_error_responses_are_covered():
    """The list of ErrorBody examples tested here is the full components.responses set."""
    assert OPENAPI is not None
    assert set(OPENAPI["components"]["responses"]) == set(ERROR_RESPONSES)


@pytest.mark.parametrize("operation_id", sorted(REQUEST_MODEL))
def test_request_example_round_trips(operation_id: str):
    """A requestBody example decodes into its model(s) and encodes back to the same JSON."""
    example = _request_example(operation_id)
    target = REQUEST_MODEL[operation_id]
    if isinstance(target, list):
        body: Any = [decode_data(item, target[0]) for item in example]
        assert all(type(item) is target[0] for item in body)
    else:
        body = decode(json.dumps(example), target)
        assert type(body) is target
    assert json.loads(encode(body)) == example
    assert request_json(body) == example


def test_request_example_aggregation_query_is_typed():
    """The aggregates query example decodes its enums and nested filter predicates."""
    query = decode(
        json.dumps(_request_example("postAnalyticsJourneysAggregatesQuery")),
        models.JourneyAggregationQuery,
    )
    assert query.metrics == [
        models.JourneyMetric.N_WEB_ACTIONS_OFFERED,
        models.JourneyMetric.N_WEB_ACTIONS_ACCEPTED,
    ]
    assert query.group_by == [models.JourneyDimension.JOURNEY_ACTION_MAP_ID]
    assert query.filter is not None
    assert query.filter.type is models.FilterType.AND
    assert query.filter.predicates == [
        models.JourneyAggregateQueryPredicate(
            type=models.PredicateType.DIMENSION,
            dimension=models.JourneyDimension.JOURNEY_ACTION_MEDIA_TYPE,
            operator=models.PredicateOperator.MATCHES,
            value="webchat",
        )
    ]


# ---------------------------------------------------------------------------------------------
# Strict decoding: wrong types, paths, raw text

WRONG_TYPES = [
    (
        models.SegmentAssignmentListing,
        '{"entities": [{}, {}, {"id": "x"}, {"dateAssigned": 5}]}',
        "$.entities[3].dateAssigned",
    ),
    (
        models.JourneyAggregateQueryResponse,
        '{"results": [{"data": [{}, {"metrics": [{"stats": {"count": "1"}}]}]}]}',
        "$.results[0].data[1].metrics[0].stats.count",
    ),
    (models.ActionTarget, '{"name": 5}', "$.name"),
    (models.ActionTarget, '{"id": null, "state": 1}', "$.state"),
    (models.ActionTarget, '{"createdDate": 1604326867}', "$.createdDate"),
    (models.ActionTarget, '{"userData": [{"key": "a", "value": 1}]}', "$.userData[0].value"),
    (models.ActionTarget, '{"serviceLevel": []}', "$.serviceLevel"),
    (models.ActionTarget, '{"serviceLevel": {"durationMs": "20"}}', "$.serviceLevel.durationMs"),
    (models.ActionTarget, '{"serviceLevel": {"percentage": "0.8"}}', "$.serviceLevel.percentage"),
    (models.ActionTarget, '{"supportedMediaTypes": "webchat"}', "$.supportedMediaTypes"),
    (models.ActionTarget, '{"supportedMediaTypes": ["webchat", 7]}', "$.supportedMediaTypes[1]"),
    (models.ActionTarget, '{"shortAbandonThreshold": 1.5}', "$.shortAbandonThreshold"),
    (models.ActionTargetListing, '{"entities": [{}, 3]}', "$.entities[1]"),
    (models.ActionTargetListing, '{"total": "2"}', "$.total"),
    (models.ActionTargetListing, '{"entities": [{"userData": {}}]}', "$.entities[0].userData"),
    (models.SegmentAssignmentListing, '{"entities": {}}', "$.entities"),
    (models.SegmentAssignmentListing, '{"nextUri": ["a"]}', "$.nextUri"),
    (
        models.SegmentAssignmentListing,
        '{"entities": [{"segment": {"version": "3"}}]}',
        "$.entities[0].segment.version",
    ),
    (
        models.SegmentAssignmentListing,
        '{"entities": [{}, {"session": {"selfUri": 1}}]}',
        "$.entities[1].session.selfUri",
    ),
    (
        models.SegmentAssignmentListing,
        '{"entities": [{"externalContact": "c1"}]}',
        "$.entities[0].externalContact",
    ),
    (models.SegmentAssignment, '{"dateForUnassignment": {}}', "$.dateForUnassignment"),
    (models.SegmentAssignment, '{"segment": {"scope": ["Session"]}}', "$.segment.scope"),
    (
        models.JourneyAggregateQueryResponse,
        '{"results": [{"group": {"a": 1}}]}',
        "$.results[0].group",
    ),
    (models.JourneyAggregateQueryResponse, '{"results": [{"group": []}]}', "$.results[0].group"),
    (
        models.JourneyAggregateQueryResponse,
        '{"results": [{"data": [{"views": [{"stats": {"p95": 1.5}}]}]}]}',
        "$.results[0].data[0].views[0].stats.p95",
    ),
    (models.StatisticalSummary, '{"sum": "1"}', "$.sum"),
    (models.StatisticalSummary, '{"calculatedMetricValue": 2.5}', "$.calculatedMetricValue"),
    (models.ErrorBody, '{"status": "404"}', "$.status"),
    (models.ErrorBody, '{"messageParams": []}', "$.messageParams"),
    (models.ErrorBody, '{"messageParams": {"a": 1}}', "$.messageParams"),
    (models.ErrorBody, '{"details": [{"fieldName": false}]}', "$.details[0].fieldName"),
    (
        models.ErrorBody,
        '{"errors": [{}, {"errors": [{"status": "404"}]}]}',
        "$.errors[1].errors[0].status",
    ),
    (models.ErrorBody, '{"limit": {"value": 1.5}}', "$.limit.value"),
    (models.ErrorBody, '{"limit": {"namespace": 3}}', "$.limit.namespace"),
    (models.JourneyAggregationQuery, '{"interval": 1, "metrics": []}', "$.interval"),
    (
        models.JourneyAggregationQuery,
        '{"interval": "i", "metrics": [], "flattenMultivaluedDimensions": "yes"}',
        "$.flattenMultivaluedDimensions",
    ),
    (
        models.JourneyAggregationQuery,
        '{"interval": "i", "metrics": [], "filter": {"type": "and", "clauses": [{"type": "or",'
        ' "predicates": [{"range": {"gt": "1"}}]}]}}',
        "$.filter.clauses[0].predicates[0].range.gt",
    ),
]


@pytest.mark.parametrize(("cls", "text", "path"), WRONG_TYPES)
def test_wrong_json_type_raises_decode_error_with_path(cls: type, text: str, path: str):
    """A JSON value of the wrong type at any depth raises DecodeError naming its path and body."""
    with pytest.raises(DecodeError) as info:
        decode(text, cls)
    assert info.value.path == path
    assert info.value.raw == text
    assert path in str(info.value)


def test_decode_error_raw_is_text_for_bytes_body():
    """For a bytes body `.raw` is the decoded text; the context prefixes the message."""
    body = '{"name": 5, "description": "café"}'.encode()
    with pytest.raises(DecodeError) as info:
        decode(body, models.ActionTarget, context="GET /api/v2/journey/actiontargets/t1")
    assert info.value.raw == body.decode()
    assert info.value.path == "$.name"
    assert str(info.value).startswith("GET /api/v2/journey/actiontargets/t1: ")


def test_decode_error_is_a_journey_error():
    """DecodeError is part of the package's exception tree, so `except JourneyError` catches it."""
    from journey_async.errors import JourneyError

    with pytest.raises(JourneyError):
        decode("[]", models.ActionTarget)


@pytest.mark.parametrize(
    ("cls", "text", "path"),
    [
        (models.ServiceLevel, '{"durationMs": true}', "$.durationMs"),
        (models.ServiceLevel, '{"percentage": false}', "$.percentage"),
        (models.ActionTargetListing, '{"pageSize": true}', "$.pageSize"),
        (models.StatisticalSummary, '{"count": true}', "$.count"),
        (models.Limit, '{"value": false}', "$.value"),
        (models.ActionTarget, '{"name": true}', "$.name"),
    ],
)
def test_bool_is_not_a_number(cls: type, text: str, path: str):
    """A JSON boolean is rejected where an integer, number or string belongs."""
    with pytest.raises(DecodeError) as info:
        decode(text, cls)
    assert info.value.path == path


def test_bool_field_accepts_only_booleans():
    """A boolean field takes true/false and rejects 1 and "true"."""
    base = '{"interval": "i", "metrics": [], "flattenMultivaluedDimensions": %s}'
    query = decode(base % "true", models.JourneyAggregationQuery)
    assert query.flatten_multivalued_dimensions is True
    for wrong in ("1", '"true"'):
        with pytest.raises(DecodeError):
            decode(base % wrong, models.JourneyAggregationQuery)


def test_int_is_accepted_for_a_float_field_and_becomes_float():
    """An integer where a number belongs is accepted and stored as a float."""
    level = decode('{"percentage": 1, "durationMs": 20000}', models.ServiceLevel)
    assert level.percentage == 1.0
    assert type(level.percentage) is float
    assert type(level.duration_ms) is int
    summary = decode('{"max": 3, "sum": 2.5, "ratio": 0}', models.StatisticalSummary)
    assert (summary.max, summary.sum, summary.ratio) == (3.0, 2.5, 0.0)
    assert type(summary.max) is float
    assert type(summary.ratio) is float


def test_huge_int_for_a_float_field_is_a_decode_error():
    """An integer too large for a float, where a number belongs, raises DecodeError (no crash)."""
    text = '{"percentage": 1%s}' % ("0" * 400)
    with pytest.raises(DecodeError) as info:
        decode(text, models.ServiceLevel)
    assert info.value.path == "$.percentage"


def test_large_ints_in_int_fields_are_kept_exactly():
    """int64 fields keep big integers exactly (no float rounding)."""
    summary = decode('{"count": 9007199254740993}', models.StatisticalSummary)
    assert summary.count == 9007199254740993


@pytest.mark.parametrize(
    ("cls", "text"),
    [
        (models.ActionTargetListing, '{"entities": {"id": "t1"}}'),
        (models.ActionTarget, '{"userData": {"key": "k", "value": "v"}}'),
        (models.ActionTarget, '{"supportedMediaTypes": {"0": "webchat"}}'),
        (models.JourneyAggregateQueryResponse, '{"results": {}}'),
        (models.ErrorBody, '{"details": {"errorCode": "x"}}'),
    ],
)
def test_list_field_given_an_object_fails(cls: type, text: str):
    """An object where an array belongs raises DecodeError at that member."""
    with pytest.raises(DecodeError) as info:
        decode(text, cls)
    assert info.value.path == "$." + next(iter(json.loads(text)))


@pytest.mark.parametrize(
    "body",
    ["", "nope", "{", '{"id": "t1",}', "<html>502 Bad Gateway</html>", b"\xff\xfe", b"{\x00}"],
)
def test_non_json_body_fails_at_root(body: str | bytes):
    """A body that is not JSON raises DecodeError at `$` keeping the raw text."""
    with pytest.raises(DecodeError) as info:
        decode(body, models.ActionTarget)
    assert info.value.path == "$"
    expected_raw = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    assert info.value.raw == expected_raw
    assert "not valid JSON" in str(info.value)


@pytest.mark.parametrize("body", ["[]", '"text"', "null", "1", "true", '[{"id": "t1"}]'])
def test_non_object_document_fails_at_root(body: str):
    """A JSON document that is not an object raises DecodeError at `$`."""
    with pytest.raises(DecodeError) as info:
        decode(body, models.ActionTarget)
    assert info.value.path == "$"
    assert info.value.raw == body


@pytest.mark.parametrize("cls", RESPONSE_MODELS, ids=lambda cls: cls.__name__)
def test_missing_fields_become_none(cls: type):
    """An empty object decodes into a response model with every field None."""
    result = decode("{}", cls)
    assert type(result) is cls
    assert all(getattr(result, field.name) is None for field in attrs.fields(cls))
    assert result == cls()


def test_explicit_nulls_become_none():
    """A member given as JSON null decodes to None, as if it were missing."""
    target = decode(
        '{"id": "t1", "name": null, "serviceLevel": null, "userData": null}', models.ActionTarget
    )
    assert target == models.ActionTarget(id="t1")


@pytest.mark.parametrize(
    ("cls", "text", "path"),
    [
        (models.SegmentAssignmentsUpdate, '{"state": "Assigned"}', "$.segmentId"),
        (models.JourneyAggregationQuery, '{"interval": "i"}', "$.metrics"),
        (
            models.JourneyAggregationQuery,
            '{"interval": "i", "metrics": [], "views": [{"target": "nJourneySessions"}]}',
            "$.views[0].name",
        ),
    ],
)
def test_request_model_missing_required_field_is_a_decode_error(cls: type, text: str, path: str):
    """A request-body model decoded without a field the API requires raises DecodeError there."""
    with pytest.raises(DecodeError) as info:
        decode(text, cls)
    assert info.value.path == path


def test_unknown_fields_are_ignored():
    """Members the model does not know (a newer API's additions) are ignored at any depth."""
    text = json.dumps(
        {
            "id": "t1",
            "brandNewField": {"a": [1, 2, {"b": None}]},
            "serviceLevel": {"percentage": 0.5, "jitterMs": 3},
            "userData": [{"key": "k", "value": "v", "scope": "global"}],
        }
    )
    target = decode(text, models.ActionTarget)
    assert target == models.ActionTarget(
        id="t1",
        service_level=models.ServiceLevel(percentage=0.5),
        user_data=[models.KeyValue(key="k", value="v")],
    )


@pytest.mark.parametrize(
    ("cls", "member", "value", "known", "enum_cls"),
    [
        (models.ActionTarget, "state", "archived", "deleted", models.ActionTargetState),
        (models.SegmentAssignment, "state", "Expired", "Unassigned", models.AssignmentState),
        (models.SegmentAssignmentSegment, "scope", "Household", "Customer", models.SegmentScope),
        (models.Limit, "namespace", "brand.new", "journey", models.LimitNamespace),
        (
            models.JourneyAggregateQueryPredicate,
            "dimension",
            "journeyFutureDimension",
            "journeySegmentScope",
            models.JourneyDimension,
        ),
        (
            models.JourneyAggregateQueryPredicate,
            "operator",
            "startsWith",
            "notExists",
            models.PredicateOperator,
        ),
        (
            models.JourneyAggregateQueryPredicate,
            "type",
            "calculated",
            "property",
            models.PredicateType,
        ),
    ],
)
def test_enum_values_known_become_members_unknown_stay_str(
    cls: type, member: str, value: str, known: str, enum_cls: type
):
    """A known enum value decodes to its member; an unknown one stays a plain str, no error."""
    unknown = getattr(decode(json.dumps({member: value}), cls), member)
    assert unknown == value
    assert type(unknown) is str
    decoded = getattr(decode(json.dumps({member: known}), cls), member)
    assert decoded is enum_cls(known)


def test_unknown_enum_values_inside_lists_stay_str():
    """Unknown values inside enum lists (supportedMediaTypes, metrics, groupBy) stay plain str."""
    target = decode('{"supportedMediaTypes": ["webchat", "hologram", "call"]}', models.ActionTarget)
    assert target.supported_media_types == ["webchat", "hologram", "call"]
    assert target.supported_media_types is not None
    kinds = [type(item) for item in target.supported_media_types]
    assert kinds == [models.MediaType, str, models.MediaType]
    query = decode(
        '{"interval": "i", "metrics": ["nJourneySessions", "nFutureMetric"],'
        ' "groupBy": ["futureDimension", "journeySessionId"]}',
        models.JourneyAggregationQuery,
    )
    assert query.metrics == [models.JourneyMetric.N_JOURNEY_SESSIONS, "nFutureMetric"]
    assert type(query.metrics[1]) is str
    assert query.group_by is not None
    assert type(query.group_by[0]) is str
    assert query.group_by[1] is models.JourneyDimension.JOURNEY_SESSION_ID


def test_enum_values_are_case_sensitive():
    """Enum matching is exact: "ASSIGNED" is not AssignmentState.ASSIGNED (kept as str)."""
    assignment = decode('{"state": "ASSIGNED"}', models.SegmentAssignment)
    assert type(assignment.state) is str
    assert assignment.state == "ASSIGNED"


# ---------------------------------------------------------------------------------------------
# Date-times

EXPECTED_DT = datetime(2020, 11, 2, 14, 21, 7, 512000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-11-02T14:21:07.512Z", EXPECTED_DT),
        ("2020-11-02T14:21:07.512z", EXPECTED_DT),
        ("2020-11-02T14:21:07.512+00:00", EXPECTED_DT),
        ("2020-11-02T16:21:07.512+02:00", EXPECTED_DT),
        ("2020-11-02T08:51:07.512-05:30", EXPECTED_DT),
        ("2020-11-02T14:21:07.512", EXPECTED_DT),  # naive: taken as UTC
        ("2020-11-02T14:21:07Z", EXPECTED_DT.replace(microsecond=0)),
        ("2020-11-02T14:21:07", EXPECTED_DT.replace(microsecond=0)),
        ("2020-11-02T14:21:07.5Z", EXPECTED_DT.replace(microsecond=500000)),
        ("2020-11-02T14:21:07.51Z", EXPECTED_DT.replace(microsecond=510000)),
        ("2020-11-02T14:21:07.5123Z", EXPECTED_DT.replace(microsecond=512300)),
        ("2020-11-02T14:21:07.51234Z", EXPECTED_DT.replace(microsecond=512340)),
        ("2020-11-02T14:21:07.512345Z", EXPECTED_DT.replace(microsecond=512345)),
        ("2020-11-02T14:21:07.512345", EXPECTED_DT.replace(microsecond=512345)),
        ("2020-11-02T15:21:07.5+01:00", EXPECTED_DT.replace(microsecond=500000)),
    ],
)
def test_date_time_forms_decode_to_aware_datetimes(text: str, expected: datetime):
    """`Z`, offsets, no fraction, 1-6 fraction digits and naive (UTC) all give aware datetimes."""
    target = decode(json.dumps({"createdDate": text}), models.ActionTarget)
    assert target.created_date is not None
    assert target.created_date.tzinfo is not None
    assert target.created_date.utcoffset() is not None
    assert target.created_date == expected
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is not None


def test_offset_is_kept_not_converted():
    """A date-time with an offset keeps that offset (and equals the same instant in UTC)."""
    target = decode('{"modifiedDate": "2020-11-02T16:21:07.512+02:00"}', models.ActionTarget)
    assert target.modified_date is not None
    assert target.modified_date.utcoffset() == timedelta(hours=2)
    assert target.modified_date == EXPECTED_DT


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2020-13-02T14:21:07Z",
        "2020-11-32T14:21:07Z",
        "2020-11-02T25:21:07Z",
        "2020-11-02T14:61:07Z",
        "2020-11-02T14:21:07.512Q",
        "2020-11-02T14:21:07+99:99",
        "14:21:07",
        "2020/11/02 14:21:07",
        "0000-01-01T00:00:00Z",
    ],
)
def test_invalid_date_time_strings_fail(text: str):
    """A string that is not an ISO-8601 date-time raises DecodeError at its member."""
    body = json.dumps(
        {"entities": [{"dateAssigned": "2020-11-02T14:21:07.512Z"}, {"dateModified": text}]}
    )
    with pytest.raises(DecodeError) as info:
        decode(body, models.SegmentAssignmentListing)
    assert info.value.path == "$.entities[1].dateModified"
    with pytest.raises(ValueError):
        parse_datetime(text)


def test_format_datetime_writes_utc_milliseconds_z():
    """format_datetime writes UTC with exactly three fraction digits and `Z` (naive = UTC)."""
    assert format_datetime(EXPECTED_DT) == "2020-11-02T14:21:07.512Z"
    assert format_datetime(EXPECTED_DT.replace(microsecond=512999)) == "2020-11-02T14:21:07.512Z"
    assert format_datetime(EXPECTED_DT.replace(microsecond=0)) == "2020-11-02T14:21:07.000Z"
    assert format_datetime(EXPECTED_DT.replace(tzinfo=None)) == "2020-11-02T14:21:07.512Z"
    plus_two = EXPECTED_DT.astimezone(timezone(timedelta(hours=2)))
    assert format_datetime(plus_two) == "2020-11-02T14:21:07.512Z"


# ---------------------------------------------------------------------------------------------
# encode()


def test_encode_omits_none_fields():
    """Fields left None are not sent at all (no `null` members)."""
    assert (
        encode(models.PatchActionTarget(name="Sales chat queue")) == b'{"name":"Sales chat queue"}'
    )
    assert encode(models.PatchActionTarget()) == b"{}"
    assert unstructure(models.ServiceLevel(duration_ms=0)) == {"durationMs": 0}


def test_encode_nested_models_in_camel_case():
    """Nested models are written with camelCase member names at every depth."""
    patch = models.PatchActionTarget(
        service_level=models.ServiceLevel(percentage=0.85, duration_ms=15000),
        short_abandon_threshold=5,
    )
    assert json.loads(encode(patch)) == {
        "serviceLevel": {"percentage": 0.85, "durationMs": 15000},
        "shortAbandonThreshold": 5,
    }


def test_encode_enums_as_values():
    """Enum members are written as their wire strings; plain str in enum fields pass unchanged."""
    query = models.JourneyAggregationQuery(
        "2020-11-01T00:00:00.000Z/2020-11-03T00:00:00.000Z",
        [models.JourneyMetric.N_WEB_ACTIONS_OFFERED, "nFutureMetric"],
        group_by=[models.JourneyDimension.JOURNEY_ACTION_MAP_ID],
        alternate_time_dimension=models.AlternateTimeDimension.EVENT_TIME,
        flatten_multivalued_dimensions=False,
        filter=models.JourneyAggregateQueryFilter(
            models.FilterType.OR,
            clauses=[
                models.JourneyAggregateQueryClause(
                    models.FilterType.AND,
                    [
                        models.JourneyAggregateQueryPredicate(
                            dimension=models.JourneyDimension.JOURNEY_SEGMENT_ID,
                            operator=models.PredicateOperator.EXISTS,
                        )
                    ],
                )
            ],
        ),
        views=[
            models.JourneyAggregationView(
                models.JourneyMetric.N_WEB_ACTIONS_OFFERED,
                "fast",
                models.ViewFunction.RANGE_BOUND,
                range=models.AggregationRange(gte=0, lt=10.5),
            )
        ],
    )
    assert json.loads(encode(query)) == {
        "interval": "2020-11-01T00:00:00.000Z/2020-11-03T00:00:00.000Z",
        "metrics": ["nWebActionsOffered", "nFutureMetric"],
        "groupBy": ["journeyActionMapId"],
        "alternateTimeDimension": "eventTime",
        "flattenMultivaluedDimensions": False,
        "filter": {
            "type": "or",
            "clauses": [
                {
                    "type": "and",
                    "predicates": [{"dimension": "journeySegmentId", "operator": "exists"}],
                }
            ],
        },
        "views": [
            {
                "target": "nWebActionsOffered",
                "name": "fast",
                "function": "rangeBound",
                "range": {"gte": 0, "lt": 10.5},
            }
        ],
    }
    assert b"JourneyMetric" not in encode(query)


def test_encode_datetimes_as_utc_milliseconds():
    """Date-times are written as `2020-11-02T14:21:07.512Z` whatever their zone."""
    target = models.ActionTarget(
        created_date=EXPECTED_DT.replace(microsecond=512345),
        modified_date=EXPECTED_DT.astimezone(timezone(timedelta(hours=-5))),
    )
    expected = {
        "createdDate": "2020-11-02T14:21:07.512Z",
        "modifiedDate": "2020-11-02T14:21:07.512Z",
    }
    assert unstructure(target) == expected
    assert json.loads(encode(target)) == expected
    naive = models.SegmentAssignment(date_assigned=datetime(2020, 11, 2, 14, 21, 7))
    assert unstructure(naive) == {"dateAssigned": "2020-11-02T14:21:07.000Z"}


def test_encode_dicts_pass_through():
    """A dict body is sent as given, explicit nulls and unknown keys included."""
    body = {"name": None, "serviceLevel": {"durationMs": 1}, "custom": [1, "two"]}
    assert request_json(body) is body
    assert json.loads(encode(body)) == body
    assert encode({"name": None}) == b'{"name":null}'


def test_encode_lists_of_models_and_dicts():
    """A list body encodes each item: models through the converter, dicts as given."""
    body = [
        models.SegmentAssignmentsUpdate("s1", models.AssignmentState.ASSIGNED),
        models.SegmentAssignmentsUpdate("s2", "Unassigned"),
        {"segmentId": "s3", "state": None},
    ]
    assert json.loads(encode(body)) == [
        {"segmentId": "s1", "state": "Assigned"},
        {"segmentId": "s2", "state": "Unassigned"},
        {"segmentId": "s3", "state": None},
    ]
    assert encode([]) == b"[]"


def test_encode_is_compact_utf8():
    """encode() writes compact JSON as UTF-8 bytes, non-ASCII characters unescaped."""
    data = encode(models.PatchActionTarget(name="Café ☕", short_abandon_threshold=3))
    assert isinstance(data, bytes)
    assert data == '{"name":"Café ☕","shortAbandonThreshold":3}'.encode()


@pytest.mark.parametrize(
    "body",
    [
        models.SegmentAssignmentsUpdate(None, "Assigned"),  # type: ignore[arg-type]
        models.SegmentAssignmentsUpdate("s1", None),  # type: ignore[arg-type]
        [
            models.SegmentAssignmentsUpdate("s1", "Assigned"),
            models.SegmentAssignmentsUpdate("s2", None),
        ],  # type: ignore[arg-type]
        models.JourneyAggregationQuery("i", None),  # type: ignore[arg-type]
        models.JourneyAggregationQuery(
            "i",
            ["nJourneySessions"],
            filter=models.JourneyAggregateQueryFilter(None),  # type: ignore[arg-type]
        ),
        models.JourneyAggregationQuery(
            "i",
            ["nJourneySessions"],
            filter=models.JourneyAggregateQueryFilter(
                "and",
                clauses=[models.JourneyAggregateQueryClause("or", None)],  # type: ignore[arg-type]
            ),
        ),
        models.JourneyAggregationQuery(
            "i",
            ["nJourneySessions"],
            views=[models.JourneyAggregationView("nJourneySessions", None, "rangeBound")],  # type: ignore[arg-type]
        ),
    ],
)
def test_encode_refuses_required_field_set_to_none(body: object):
    """A request model whose required field is None raises ValueError instead of sending null."""
    with pytest.raises(ValueError, match="required"):
        encode(body)


@pytest.mark.parametrize("body", [5, "text", None, {1, 2}, b"{}"])
def test_encode_refuses_other_body_types(body: object):
    """A body that is neither a model, a dict nor a list of them raises TypeError."""
    with pytest.raises(TypeError):
        encode(body)


def test_encode_matches_unstructure_for_models():
    """encode() of a model is its unstructured form serialised as JSON."""
    target = models.ActionTarget(
        id="t1",
        user_data=[models.KeyValue("k", "v")],
        supported_media_types=[models.MediaType.WEBCHAT, "hologram"],
        state=models.ActionTargetState.ACTIVE,
        created_date=EXPECTED_DT,
    )
    assert json.loads(encode(target)) == unstructure(target)
    assert json.loads(encode(target)) == {
        "id": "t1",
        "userData": [{"key": "k", "value": "v"}],
        "supportedMediaTypes": ["webchat", "hologram"],
        "state": "active",
        "createdDate": "2020-11-02T14:21:07.512Z",
    }


@pytest.mark.parametrize("cls", ALL_MODELS, ids=lambda cls: cls.__name__)
def test_structure_fn_is_cached_and_matches_decode(cls: type):
    """structure_fn(cls) is one cached function that structures parsed JSON like decode()."""
    fn = structure_fn(cls)
    assert structure_fn(cls) is fn
    hints = typing.get_type_hints(cls)
    required = [f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING]
    json_names = {attribute.name: wire for attribute, wire in model_fields(cls)}
    data = {json_names[name]: _sample(hints[name]) for name in required}
    assert fn(data) == decode(json.dumps(data), cls)


def _sample(tp: Any) -> Any:
    """A small JSON value of type `tp` (the first member of a union, an empty list or object)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return _sample(typing.get_args(tp)[0])
    if origin is list:
        return []
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return next(iter(tp)).value
    if tp is datetime:
        return "2026-01-02T03:04:05.000Z"
    if attrs.has(tp) or origin is dict:
        return {}
    return {str: "x", int: 1, float: 1.5, bool: True}[tp]


def test_self_referencing_error_body_nests():
    """ErrorBody.errors holds ErrorBody items, decoded recursively."""
    body = decode(
        '{"code": "bad.request",'
        ' "errors": [{"code": "a", "errors": [{"code": "b", "status": 400}]}]}',
        models.ErrorBody,
    )
    assert body.errors is not None
    assert body.errors[0].errors == [models.ErrorBody(code="b", status=400)]
    assert unstructure(body)["errors"][0]["errors"][0] == {"code": "b", "status": 400}


def test_error_body_limit_decodes():
    """The later `limit` member of ErrorBody decodes into Limit with its namespace enum."""
    body = decode(
        '{"status": 429, "limit":'
        ' {"key": "token.rate.per.minute", "namespace": "platform.api", "value": 300}}',
        models.ErrorBody,
    )
    assert body.limit == models.Limit(
        key="token.rate.per.minute", namespace=models.LimitNamespace.PLATFORM_API, value=300
    )


# ---------------------------------------------------------------------------------------------
# Property: decode never fails with anything but DecodeError

_JSON_NAMES = sorted({to_camel(field.name) for cls in ALL_MODELS for field in attrs.fields(cls)})

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([2**63, -(2**63) - 1, 10**400, -(10**400)])
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "2020-11-02T14:21:07.512Z",
            "2020-11-02T14:21:07",
            "2020-11-02T14:21:07.5+05:30",
            "Assigned",
            "webchat",
            "and",
            "nJourneySessions",
            "9999-99-99T99:99:99Z",
        ]
    )
)
_keys = st.sampled_from(_JSON_NAMES) | st.text(max_size=8)
json_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_keys, children, max_size=6),
    max_leaves=25,
)


def _documents(cls: type) -> st.SearchStrategy[tuple[type, Any]]:
    """(cls, JSON): objects with some of `cls`'s own members, objects of any keys, or anything."""
    own = {to_camel(f.name): json_values for f in attrs.fields(cls)}
    objects = st.fixed_dictionaries({}, optional=own) | st.dictionaries(_keys, json_values)
    return st.tuples(st.just(cls), objects | json_values)


documents = st.sampled_from(ALL_MODELS).flatmap(_documents)


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(document=documents)
def test_decode_arbitrary_json_raises_only_decode_error(document: tuple[type, Any]):
    """Arbitrary JSON fed to decode() for any model either succeeds or raises DecodeError."""
    cls, data = document
    text = json.dumps(data)
    try:
        result = decode(text, cls)
    except DecodeError as err:
        assert err.path.startswith("$")
        assert err.raw == text
    else:
        assert type(result) is cls
        assert isinstance(data, dict)


def test_decode_pauses_the_garbage_collector_and_restores_it(monkeypatch: pytest.MonkeyPatch):
    """The collector is off while a body is decoded and back on after, also after an error."""
    import gc

    seen: list[bool] = []
    real = _serde._decode

    def spy(content: bytes | str, cls: type, context: str) -> Any:
        seen.append(gc.isenabled())
        return real(content, cls, context)

    monkeypatch.setattr(_serde, "_decode", spy)
    assert gc.isenabled()
    decode('{"id": "t1"}', models.ActionTarget)
    with pytest.raises(DecodeError):
        decode('{"id": 1}', models.ActionTarget)
    assert seen == [False, False]
    assert gc.isenabled()


def test_decode_leaves_a_disabled_garbage_collector_disabled():
    import gc

    gc.disable()
    try:
        assert decode('{"id": "t1"}', models.ActionTarget).id == "t1"
        with pytest.raises(DecodeError):
            decode("{", models.ActionTarget)
        assert not gc.isenabled()
    finally:
        gc.enable()
