"""The generated models and operation table (`journey_async/_generated`) against `spec/*.json`.

* `scripts/generate.py --check` passes: the checked-in output is what the spec files give;
* every schema of both files has an attrs class whose fields are the union of both eras'
  properties, with the types the spec gives, and attribute names that `_wire.to_camel` (or
  `JSON_NAMES`) maps back to the JSON names;
* every operation of both files has exactly one `Operation`, agreeing with the spec;
* every response model decodes through the project's strict decoder (`_serde.decode`): the
  spec's response examples, a synthesized instance with every field set, and `{}`.

The spec files are read here directly (not through the generator) wherever the test checks
what the generator made of them.
"""

from __future__ import annotations

import enum
import importlib.util
import io
import json
import shutil
import subprocess
import sys
import textwrap
import typing
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest

from journey_async import _serde, _structure, _wire
from journey_async._exceptions import DecodeError
from journey_async._generated import models, operations
from journey_async._operations import Operation, Param

ROOT = Path(__file__).resolve().parents[2]
SPEC_FILES = {
    "2020": ROOT / "spec" / "journey-2020.json",
    "2026": ROOT / "spec" / "journey-2026.json",
}
SPECS: dict[str, dict[str, Any]] = {
    era: json.loads(path.read_text(encoding="utf-8")) for era, path in SPEC_FILES.items()
}
SCHEMAS = {era: spec["components"]["schemas"] for era, spec in SPECS.items()}
ALL_SCHEMAS = sorted(set(SCHEMAS["2020"]) | set(SCHEMAS["2026"]))
METHODS = ("get", "put", "post", "patch", "delete")

# The generated module leaves its string annotations alone (the structure code resolves each
# class on first use, in its own module); resolve them all here to compare them with the spec.
for _name in models.__all__:
    if attrs.has(_cls := getattr(models, _name)):
        attrs.resolve_types(_cls)


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_journey_generate", ROOT / "scripts" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


generate = _load_generator()
BUILT = generate.build()


def model(name: str) -> type:
    cls = getattr(models, name)
    assert isinstance(cls, type)
    return cls


def json_names(cls: type) -> dict[str, str]:
    """attribute -> JSON name, the way the models are meant to be read."""
    return {
        f.name: models.JSON_NAMES.get((cls.__name__, f.name), _wire.to_camel(f.name))
        for f in attrs.fields(cls)
    }


def properties(name: str) -> dict[str, dict[str, Any]]:
    """JSON name -> property schema, over both eras (2026's schema wins where both have it)."""
    merged: dict[str, dict[str, Any]] = {}
    for era in ("2020", "2026"):
        merged.update(SCHEMAS[era].get(name, {}).get("properties", {}))
    return merged


def later_additions(name: str) -> dict[str, str]:
    return dict(SCHEMAS["2020"].get(name, {}).get("x-later-additions", {}))


def ref_of(schema: dict[str, Any]) -> str | None:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "allOf" in schema:
        (only,) = schema["allOf"]
        return str(only["$ref"]).rsplit("/", 1)[-1]
    return None


# ---------------------------------------------------------------------------------------------
# The generator and its output


def test_check_passes_on_the_checked_in_output() -> None:
    out = io.StringIO()
    assert generate.check(out=out) == 0, out.getvalue()


def test_check_from_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_reports_stale_output(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "spec", tmp_path / "spec")
    generated = (
        generate.MODELS_FILE,
        generate.MODELS_STUB,
        generate.FACADE_FILE,
        generate.OPERATIONS_FILE,
    )
    for relative in generated:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / relative, tmp_path / relative)
    assert generate.check(tmp_path, out=io.StringIO()) == 0
    stale = tmp_path / generate.MODELS_FILE
    # the classes are defined in functions (built on first use): 8 spaces in
    stale.write_text(stale.read_text().replace("        duration_ms: int | None = None\n", ""))
    (tmp_path / generate.OPERATIONS_FILE).unlink()
    out = io.StringIO()
    assert generate.check(tmp_path, out=out) == 1
    report = out.getvalue()
    assert f"{generate.MODELS_FILE}: out of date (1 lines differ)" in report
    assert "+        duration_ms: int | None = None" in report
    assert f"{generate.OPERATIONS_FILE}: missing" in report
    assert generate.write(tmp_path) == [generate.MODELS_FILE, generate.OPERATIONS_FILE]
    assert generate.check(tmp_path, out=io.StringIO()) == 0


def test_output_is_deterministic() -> None:
    assert generate.generate() == generate.generate()


def test_generator_to_camel_is_serdes() -> None:
    names = [f.name for name in ALL_SCHEMAS for f in attrs.fields(model(name))]
    assert [generate.to_camel(n) for n in names] == [_wire.to_camel(n) for n in names]


GOLDEN_SERVICE_LEVEL = '''\
@attrs.define(kw_only=True)
class ServiceLevel(Model):
    """Part of `ActionTarget.service_level` and 1 more (2020 and 2026 APIs)."""

    percentage: float | None = None
    duration_ms: int | None = None
'''

GOLDEN_SEGMENT_ASSIGNMENTS_UPDATE = '''\
@attrs.define
class SegmentAssignmentsUpdate(Model):
    """An item of the request body of `post_journey_externalcontact_segments` (2020 API)."""

    segment_id: str
    state: AssignmentState | str
'''


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ServiceLevel", GOLDEN_SERVICE_LEVEL),
        ("SegmentAssignmentsUpdate", GOLDEN_SEGMENT_ASSIGNMENTS_UPDATE),
    ],
)
def test_golden_model_source(name: str, expected: str) -> None:
    assert BUILT.models.model_source(name) == expected
    # the module defines each class in a function, run on first use; the stub at top level
    builder = f"def _build_{name}() -> None:\n    global {name}\n\n" + textwrap.indent(
        expected, "    "
    )
    assert "\n\n" + builder + "\n" in (ROOT / generate.MODELS_FILE).read_text()
    assert "\n" + expected + "\n" in (ROOT / generate.MODELS_STUB).read_text()


def test_header_says_generated() -> None:
    for relative in (generate.MODELS_FILE, generate.MODELS_STUB, generate.OPERATIONS_FILE):
        head = (ROOT / relative).read_text().splitlines()[:2]
        assert head[0].startswith("# generated by scripts/generate.py from spec/journey-2020.json")
        assert "do not edit" in head[1]


# ---------------------------------------------------------------------------------------------
# Models: one class per schema, the union of the fields, the spec's types


def test_every_schema_has_a_class() -> None:
    classes = {n for n in models.__all__ if attrs.has(getattr(models, n))}
    assert classes == set(ALL_SCHEMAS)
    assert len(ALL_SCHEMAS) == len(SCHEMAS["2026"]) + len(
        set(SCHEMAS["2020"]) - set(SCHEMAS["2026"])
    )


def test_all_is_complete() -> None:
    public = {
        name
        for name, obj in vars(models).items()
        if not name.startswith("_")
        and (attrs.has(obj) or (isinstance(obj, type) and issubclass(obj, enum.Enum)))
        and getattr(obj, "__module__", None) == models.__name__
    }
    assert public | {"JSON_NAMES"} == set(models.__all__)


@pytest.mark.parametrize("name", ALL_SCHEMAS)
def test_fields_are_the_union_of_both_eras(name: str) -> None:
    cls = model(name)
    names = json_names(cls)
    expected = set(properties(name)) | set(later_additions(name))
    assert sorted(names.values()) == sorted(expected)
    for attr, json_name in names.items():
        assert attr == generate.to_snake(json_name)  # the SDK's snake_case name
        if (name, attr) in models.JSON_NAMES:
            assert _wire.to_camel(attr) != json_name  # listed only where needed
        else:
            assert _wire.to_camel(attr) == json_name


def test_json_names_are_the_snake_case_json_fields() -> None:
    assert models.JSON_NAMES == {
        ("TokenError", "error_description"): "error_description",
        ("TokenResponse", "access_token"): "access_token",
        ("TokenResponse", "expires_in"): "expires_in",
        ("TokenResponse", "token_type"): "token_type",
    }


def expected_type(schema: dict[str, Any], enum_cls: type | None = None) -> Any:
    """The annotation a property schema must have (without the `| None`)."""
    ref = ref_of(schema)
    if ref is not None:
        return model(ref)
    kind = schema.get("type")
    if kind == "array":
        return list[expected_type(schema["items"], enum_cls)]  # type: ignore[misc]
    if kind == "object":
        extra = schema.get("additionalProperties")
        return dict[str, expected_type(extra) if extra else object]  # type: ignore[misc]
    if kind == "string" and "enum" in schema:
        assert enum_cls is not None
        return enum_cls | str
    if kind == "string":
        return datetime if schema.get("format") == "date-time" else str
    return {"integer": int, "number": float, "boolean": bool}[str(kind)]


def enum_in(tp: Any) -> type[enum.Enum] | None:
    for arg in typing.get_args(tp):
        if isinstance(arg, type) and issubclass(arg, enum.Enum):
            return arg
        inner = enum_in(arg)
        if inner is not None:
            return inner
    return None


@pytest.mark.parametrize("name", ALL_SCHEMAS)
def test_field_types_follow_the_spec(name: str) -> None:
    cls = model(name)
    by_json = {j: a for a, j in json_names(cls).items()}
    for json_name, schema in properties(name).items():
        field = attrs.fields_dict(cls)[by_json[json_name]]
        tp, _optional = _structure._strip_none(field.type)
        enum_cls = enum_in(field.type)
        assert tp == expected_type(schema, enum_cls), (name, json_name)
        if enum_cls is not None:  # every value of either era is a member
            values = set(schema.get("enum") or schema["items"]["enum"])
            for era in ("2020", "2026"):
                other = SCHEMAS[era].get(name, {}).get("properties", {}).get(json_name, {})
                values |= set(other.get("enum") or other.get("items", {}).get("enum") or ())
            assert values <= {m.value for m in enum_cls}, (name, json_name)


def test_union_classes_have_both_eras_fields() -> None:
    assigned = {f.name for f in attrs.fields(models.SegmentAssignment)}
    assert {"id", "state", "date_unassigned", "date_modified", "customer_id"} <= assigned  # 2020
    assert {"date_for_unassignment", "external_contact", "session"} <= assigned  # 2026
    segment = {f.name for f in attrs.fields(models.SegmentAssignmentSegment)}
    assert segment == {"id", "scope", "version", "self_uri"}
    listing = {f.name for f in attrs.fields(models.SegmentAssignmentListing)}
    assert listing == {"entities", "next_uri", "self_uri", "previous_uri"}
    summary = {f.name for f in attrs.fields(models.StatisticalSummary)}
    assert {"count", "p95", "p99", "count_negative", "calculated_metric_value"} <= summary
    patch = {f.name for f in attrs.fields(models.PatchActionTarget)}
    assert "short_abandon_threshold" in patch  # an x-later-addition of the 2020 file
    dimension = {m.value for m in models.JourneyDimension}
    assert {"journeyCustomerId", "journeySegmentScope"} <= dimension  # 2020 only
    assert {"touchpointWrapupCode", "journeyBlockingReason"} <= dimension  # 2026 only
    payload_2020 = json.dumps(
        {
            "id": "a",
            "state": "Assigned",
            "customerIdType": "cookie",
            "segment": {"scope": "Session"},
        }
    )
    payload_2026 = json.dumps(
        {"dateForUnassignment": "2026-08-09T09:15:02.117Z", "segment": {"id": "s"}}
    )
    old = _serde.decode(payload_2020, models.SegmentAssignment)
    new = _serde.decode(payload_2026, models.SegmentAssignment)
    assert old.state is models.AssignmentState.ASSIGNED
    assert old.segment is not None and old.segment.scope is models.SegmentScope.SESSION
    assert new.date_for_unassignment is not None and new.date_for_unassignment.month == 8


# The enums of the 2020 client, whose names the generated enums keep: every value the 2020 file
# lists is still a member, under the same member name.
REUSED_ENUMS = [
    "ActionTargetState",
    "AlternateTimeDimension",
    "AssignmentState",
    "FilterType",
    "JourneyDimension",
    "JourneyMetric",
    "MediaType",
    "PredicateOperator",
    "PredicateType",
    "SegmentScope",
    "ViewFunction",
]


@pytest.mark.parametrize("name", REUSED_ENUMS)
def test_enums_of_2020_keep_every_2020_value(name: str) -> None:
    generated = getattr(models, name)
    fields = [key for key, value in generate.ENUM_NAMES.items() if value == name]
    schemas = SPECS["2020"]["components"]["schemas"]
    values_2020 = set()
    for schema, field in fields:
        prop = schemas.get(schema, {}).get("properties", {}).get(field)
        if prop is not None:
            values_2020 |= set(prop.get("enum") or prop.get("items", {}).get("enum") or ())
    assert values_2020, name
    assert values_2020 <= {m.value for m in generated}
    for value in values_2020:
        assert generated(value).name == generate.member_name(value)


def test_enums_are_open_str_enums() -> None:
    for name in models.__all__:
        obj = getattr(models, name)
        if isinstance(obj, type) and issubclass(obj, enum.Enum):
            assert issubclass(obj, models._StrEnum), name
            for member in obj:
                assert str(member) == member.value
                assert member.name == generate.member_name(member.value)
    decoded = _serde.decode(
        b'{"mediaType": "carrierPigeon", "state": "Active"}', models.ActionTemplate
    )
    assert decoded.media_type == "carrierPigeon"
    assert not isinstance(decoded.media_type, enum.Enum)
    assert decoded.state is models.ActionTemplateState.ACTIVE


# ---------------------------------------------------------------------------------------------
# Request and response models

ROLES = BUILT.roles


def test_classes_used_both_ways() -> None:
    assert sorted(ROLES.both) == [
        "ActionMap", "ActionMapAction", "ActionMapActionTemplate", "ActionMapScheduleGroup",
        "ActionMapScheduleGroups", "ActionTemplate", "Activation", "AddressableEntityRef",
        "ArchitectFlowFields", "CallToAction", "CloseButtonStyleProperties", "ContentOffer",
        "ContentOfferStyleProperties", "ContentOfferStylingConfiguration",
        "ContentPositionProperties", "CtaButtonStyleProperties", "DomainEntityRef",
        "EventCondition", "OpenActionFields", "OutcomePercentileCondition",
        "OutcomeProbabilityCondition", "OutcomeQuantileCondition", "RequestMapping",
        "SegmentAssignments", "SegmentForAssignment", "SegmentForUnassignment",
        "SegmentUnassignments", "ServiceLevel", "TextStyleProperties", "UrlCondition",
        "WebMessagingOfferFields",
    ]  # fmt: skip


@pytest.mark.parametrize("name", sorted(ROLES.responses))
def test_response_models_have_only_optional_fields(name: str) -> None:
    cls = model(name)
    for field in attrs.fields(cls):
        # `POSITIONAL_MODELS` keep the 2020 client's positional arguments
        assert field.kw_only is (name not in generate.POSITIONAL_MODELS), (name, field.name)
        assert field.default is None, (name, field.name)
        assert type(None) in typing.get_args(field.type), (name, field.name)
    cls()  # every field optional


def required_json(name: str) -> set[str]:
    """JSON names required by every era that has the schema."""
    sets = [set(SCHEMAS[era][name].get("required", ())) for era in SCHEMAS if name in SCHEMAS[era]]
    return set.intersection(*sets)


@pytest.mark.parametrize("name", sorted(ROLES.requests - ROLES.responses))
def test_request_models_require_what_the_spec_requires(name: str) -> None:
    cls = model(name)
    names = json_names(cls)
    required = {names[f.name] for f in attrs.fields(cls) if f.default is attrs.NOTHING}
    assert required == required_json(name)
    fields = attrs.fields(cls)
    positional = [f for f in fields if not f.kw_only]
    assert positional == list(
        fields[: len(positional)]
    )  # the required fields come first, positional
    assert all(f.default is attrs.NOTHING for f in positional)
    assert all(f.default is None for f in fields[len(positional) :])


def test_request_models_encode() -> None:
    body = [models.SegmentAssignmentsUpdate("s1", models.AssignmentState.ASSIGNED)]
    assert _wire.encode(body) == b'[{"segmentId":"s1","state":"Assigned"}]'
    query = models.JourneyAggregationQuery(
        "2026-07-01T00:00:00Z/2026-07-02T00:00:00Z",
        [models.JourneyMetric.N_JOURNEY_SESSIONS],
        filter=models.JourneyAggregateQueryFilter(
            models.FilterType.AND,
            predicates=[
                models.JourneyAggregateQueryPredicate(dimension="journeySegmentId", value="x")
            ],
        ),
    )
    assert json.loads(_wire.encode(query)) == {
        "interval": "2026-07-01T00:00:00Z/2026-07-02T00:00:00Z",
        "metrics": ["nJourneySessions"],
        "filter": {"type": "and", "predicates": [{"dimension": "journeySegmentId", "value": "x"}]},
    }
    segment = models.JourneySegmentRequest("Returning visitors", is_active=True)
    assert json.loads(_wire.encode(segment)) == {
        "displayName": "Returning visitors",
        "isActive": True,
    }
    with pytest.raises(TypeError):
        models.PatchActionTemplate()  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="required"):
        _wire.encode(models.PatchActionTemplate(None))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Operations

ALL_OPERATIONS = {op.name: op for op in operations.OPERATIONS}


def spec_operations(
    era: str,
) -> Iterator[tuple[str, str, str, dict[str, Any], list[dict[str, Any]]]]:
    """(SDK method, HTTP method, path, operation, parameters) of the SDK operations of a file."""
    for path, item in SPECS[era]["paths"].items():
        for method in METHODS:
            raw = item.get(method)
            if raw is None:
                continue
            if "x-sdk" in raw:
                name = raw["x-sdk"]["python"]["method"]
            elif "x-python-method" in raw:
                name = raw["x-python-method"].rsplit(".", 1)[-1]
            else:
                assert path == "/oauth/token"  # the only operation without an SDK method
                continue
            own = {(p["name"], p["in"]) for p in raw.get("parameters", [])}
            shared = [p for p in item.get("parameters", []) if (p["name"], p["in"]) not in own]
            yield name, method.upper(), path, raw, shared + raw.get("parameters", [])


SPEC_OPERATIONS = {
    era: {name: (m, p, raw, params) for name, m, p, raw, params in spec_operations(era)}
    for era in SPECS
}


def test_operation_counts() -> None:
    assert len(SPEC_OPERATIONS["2020"]) == 8
    assert len(SPEC_OPERATIONS["2026"]) == 29
    both = set(SPEC_OPERATIONS["2020"]) & set(SPEC_OPERATIONS["2026"])
    assert both == {
        "get_journey_actiontarget",
        "get_journey_actiontargets",
        "post_analytics_journeys_aggregates_query",
    }
    assert len(operations.OPERATIONS) == 8 + 29 - 3
    assert [op.name for op in operations.OPERATIONS] == sorted(ALL_OPERATIONS)
    assert operations.BY_NAME == ALL_OPERATIONS
    assert all(isinstance(op, Operation) for op in operations.OPERATIONS)


def test_operation_eras() -> None:
    for name, op in ALL_OPERATIONS.items():
        eras = [era for era in SPECS if name in SPEC_OPERATIONS[era]]
        assert op.era == ("both" if len(eras) == 2 else eras[0]), name


def expected_kind(param: dict[str, Any]) -> str:
    if param["in"] == "path":
        return "str"
    schema = param["schema"]
    kind = schema["type"]
    if kind == "string":
        return "numeric-str" if param["name"] == "pageSize" else "str"
    return {"integer": "int", "boolean": "bool", "array": "str-list"}[kind]


def body_label(schema: dict[str, Any] | None) -> str | None:
    if schema is None:
        return None
    if schema.get("type") == "array":
        return f"list[{ref_of(schema['items'])}]"
    return ref_of(schema)


@pytest.mark.parametrize(
    ("era", "name"), [(era, name) for era in SPECS for name in sorted(SPEC_OPERATIONS[era])]
)
def test_operation_matches_the_spec(era: str, name: str) -> None:
    method, path, raw, params = SPEC_OPERATIONS[era][name]
    op = ALL_OPERATIONS[name]
    assert (op.method, op.template) == (method, path)
    placeholders = [p["name"] for p in params if p["in"] == "path"]
    assert [p.wire for p in op.path_params] == sorted(placeholders, key=path.index)
    assert all(p.required and p.kind == "str" for p in op.path_params)
    assert [p.wire for p in op.query_params] == [p["name"] for p in params if p["in"] == "query"]
    by_wire: dict[str, Param] = {p.wire: p for p in op.params}
    for param in params:
        row = by_wire[param["name"]]
        schema = param["schema"]
        assert row.name == generate.to_snake(row.wire)
        assert row.kind == expected_kind(param), (name, row.wire)
        assert row.required == bool(param.get("required")), (name, row.wire)
        assert row.default == schema.get("default"), (name, row.wire)
        values = schema.get("enum") or schema.get("items", {}).get("enum")
        assert row.enum == (tuple(values) if values else None), (name, row.wire)
        documented = schema.get("maximum", param.get("x-maximum", schema.get("maxItems")))
        if documented is not None:
            assert row.maximum == documented, (name, row.wire)
        if row.kind == "str-list":
            assert row.list_format == ("multi" if param.get("explode", True) else "csv")
        else:
            assert row.list_format is None
        if row.wire in ("pageSize", "pageNumber", "limit"):
            assert row.minimum == 1  # undetermined (REFERENCE-2026 §9): the conservative choice
    body = raw.get("requestBody")
    schema = None if body is None else body["content"]["application/json"]["schema"]
    assert op.body == body_label(schema)
    assert op.body_required == bool(body and body.get("required"))
    (code,) = [c for c in raw["responses"] if c.startswith("2")]
    assert op.success == int(code)
    content = raw["responses"][code].get("content")
    assert op.returns == body_label(content["application/json"]["schema"] if content else None)
    for label in (op.body, op.returns):
        if label is not None:
            assert attrs.has(model(label.removeprefix("list[").removesuffix("]")))


def test_operation_specifics() -> None:
    by = ALL_OPERATIONS
    assert by["get_externalcontacts_contact_journey_segments"].query_params[1] == Param(
        name="limit", wire="limit", kind="int", default=25, minimum=1, maximum=500
    )
    for name in ("get_externalcontacts_contact_journey_sessions", "get_journey_session_events"):
        size = by[name].query_params[0]
        assert (size.name, size.kind, size.maximum) == ("page_size", "numeric-str", 200)
        assert by[name].pagination == "cursor-after"
    segments = {p.name: p for p in by["get_journey_segments"].query_params}
    assert segments["segment_ids"].maximum == 100
    assert segments["segment_ids"].list_format == "multi"
    assert segments["query_fields"].kind == "str-list"
    assert {p.name: p for p in by["get_journey_actionmaps"].query_params}[
        "action_map_ids"
    ].maximum == 100
    views = {p.name: p for p in by["get_journey_views"].query_params}
    assert (views["id"].list_format, views["id"].maximum, views["expand"].enum) == (
        "csv",
        100,
        ("charts",),
    )
    event_type = by["get_journey_session_events"].query_params[2]
    assert event_type.list_format == "csv" and event_type.enum is not None
    assert "com.genesys.journey.SegmentAssignmentEvent" in event_type.enum
    templates = {p.name: p for p in by["get_journey_actiontemplates"].query_params}
    assert templates["state"].enum == ("Active", "Inactive", "Deleted")
    assert templates["media_type"].enum is not None and "openAction" in templates["media_type"].enum
    assert by["get_analytics_journeys_aggregates_job_results"].pagination == "cursor-field"
    assert by["get_journey_segments"].pagination == "page-number"
    assert by["get_journey_customer_customer_id_segments"].pagination == "cursor-after"
    assert by["post_analytics_journeys_aggregates_jobs"].success == 202
    assert by["post_journey_externalcontact_segments"].body == "list[SegmentAssignmentsUpdate]"
    assert by["post_journey_externalcontact_segments"].returns is None
    assert by["delete_journey_actiontemplate"].query_params == (
        Param(name="hard_delete", wire="hardDelete", kind="bool", default=False),
    )
    assert [n for n, op in by.items() if not op.idempotent] == [
        "post_analytics_journeys_aggregates_jobs",
        "post_journey_actionmaps",
        "post_journey_actiontemplates",
        "post_journey_segments",
    ]


def test_deprecations() -> None:
    deprecated = {n: op.deprecated for n, op in ALL_OPERATIONS.items() if op.deprecated}
    for name in ("get_journey_actiontarget", "get_journey_actiontargets"):
        assert deprecated.pop(name) == "ACD Chat v2.0 in Predictive Engagement is being removed"
    assert "ACD Chat v2.0" in deprecated.pop("patch_journey_actiontarget")
    assert sorted(deprecated) == [
        "get_journey_customer_customer_id_segments",
        "get_journey_externalcontact_segments",
        "get_journey_session_segments",
        "post_journey_externalcontact_segments",
    ]
    for reason in deprecated.values():
        assert reason.startswith("retired from the live API in SDK 103.0.0 (2020-11")
        assert ": use " in reason
    absent = SPECS["2026"]["paths"]["/api/v2/journey/actiontargets/{actionTargetId}"]
    (patch,) = absent["x-absent-operations"]
    op = ALL_OPERATIONS["patch_journey_actiontarget"]
    assert (patch["sdkMethod"], patch["method"], patch["body"], patch["response"]) == (
        op.name, op.method, op.body, op.returns
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Decoding every response model with the project's strict decoder


@attrs.define
class NoRule:
    """A model with a field no structure rule covers."""

    values: frozenset[str] | None = None


@attrs.define
class HoldsNoRule:
    inner: NoRule | None = None


def test_a_failed_build_is_not_cached() -> None:
    for _ in range(2):
        for cls in (NoRule, HoldsNoRule):
            with pytest.raises(TypeError, match="no structure rule"):
                _serde.decode(b"{}", cls)


def example_bodies() -> list[tuple[str, str, Any]]:
    """(id, model, example) for every JSON response example of both files."""
    found = []
    for era, spec in SPECS.items():
        places = [
            (f"{era} {name}", r) for name, r in spec["components"].get("responses", {}).items()
        ]
        for path, item in spec["paths"].items():
            for method in METHODS:
                for code, response in item.get(method, {}).get("responses", {}).items():
                    places.append((f"{era} {method.upper()} {path} {code}", response))
        for place, response in places:
            media = (response.get("content") or {}).get("application/json", {})
            if "example" in media and "schema" in media:
                found.append((place, body_label(media["schema"]) or "", media["example"]))
    return found


EXAMPLES = example_bodies()


def assert_matches(data: Any, obj: Any, where: str) -> None:
    """`obj` (decoded) holds exactly what the JSON `data` says."""
    if isinstance(data, dict) and attrs.has(type(obj)):
        by_json = {j: a for a, j in json_names(type(obj)).items()}
        for key, value in data.items():
            assert key in by_json, f"{where}: {type(obj).__name__} has no field for {key!r}"
            assert_matches(value, getattr(obj, by_json[key]), f"{where}.{key}")
    elif isinstance(data, dict):
        assert isinstance(obj, dict) and obj.keys() == data.keys(), where
        for key, value in data.items():
            assert_matches(value, obj[key], f"{where}.{key}")
    elif isinstance(data, list):
        assert isinstance(obj, list) and len(obj) == len(data), where
        for index, (value, item) in enumerate(zip(data, obj, strict=True)):
            assert_matches(value, item, f"{where}[{index}]")
    elif isinstance(obj, datetime):
        assert _wire.parse_datetime(data) == obj, where
    elif isinstance(data, bool) or data is None:
        assert obj is data, where
    elif isinstance(data, int | float):
        assert type(obj) in (int, float) and obj == data, where
    else:
        assert obj == data, where


def decode_and_compare(name: str, example: Any) -> None:
    decoded: object = _serde.decode(json.dumps(example).encode(), model(name))
    assert isinstance(decoded, model(name))
    assert_matches(example, decoded, "$")


@pytest.mark.parametrize(
    ("place", "name", "example"),
    EXAMPLES,
    ids=[e[0] for e in EXAMPLES],
)
def test_response_examples_decode(place: str, name: str, example: Any) -> None:
    decode_and_compare(name, example)


def test_examples_cover_both_eras() -> None:
    names = {name for _, name, _ in EXAMPLES}
    assert {
        "ActionTargetListing",
        "ErrorBody",
        "SegmentAssignmentListing",
        "SegmentListing",
    } <= names
    assert {place.split()[0] for place, _, _ in EXAMPLES} == {"2020", "2026"}


def synthesize(name: str, stack: tuple[str, ...] = ()) -> dict[str, Any]:
    """An instance of schema `name` with every property set (a model met again inside itself
    is left out), from the spec files."""
    out: dict[str, Any] = {}
    for json_name, schema in properties(name).items():
        value = synthesize_value(schema, (*stack, name))
        if value is not None:
            out[json_name] = value
    for json_name in later_additions(name):
        out.setdefault(json_name, 7)
    return out


def synthesize_value(schema: dict[str, Any], stack: tuple[str, ...]) -> Any:
    ref = ref_of(schema)
    if ref is not None:
        return None if ref in stack else synthesize(ref, stack)
    kind = schema.get("type")
    if kind == "string" and "enum" in schema:
        return schema["enum"][-1]
    if kind == "string":
        return "2026-07-11T14:02:44.123Z" if schema.get("format") == "date-time" else "text"
    if kind == "integer":
        return 7
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        item = synthesize_value(schema["items"], stack)
        return [] if item is None else [item]
    if kind == "object":
        extra = schema.get("additionalProperties")
        return {"k": synthesize_value(extra, stack) if extra else "free-form"}
    raise AssertionError(schema)


@pytest.mark.parametrize("name", sorted(ROLES.responses))
def test_synthesized_response_decodes(name: str) -> None:
    decode_and_compare(name, synthesize(name))


@pytest.mark.parametrize("name", sorted(ROLES.responses))
def test_empty_response_decodes(name: str) -> None:
    decoded: object = _serde.decode(b"{}", model(name))
    assert all(getattr(decoded, f.name) is None for f in attrs.fields(model(name)))


def test_decoding_checks_types() -> None:
    with pytest.raises(DecodeError, match=r"\$\.entities\[0\]\.version"):
        _serde.decode(b'{"entities": [{"version": "3"}]}', models.SegmentListing)
