"""The strict structure generator (`_structure`) and the wire rules it shares with encoding
(`_wire`): maps of models, free-form maps, per-module JSON names, annotation resolution in the
model's own module, the builder's cache, and the generated source itself.
"""

from __future__ import annotations

import ast
import linecache
import subprocess
import sys
import textwrap
import threading
import traceback
import types
import typing
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest

from journey_async import _serde, _structure, _wire, models
from journey_async._generated import models as generated
from journey_async._serde import decode, decode_data
from journey_async._structure import Invalid, structure_fn
from journey_async._wire import encode, request_json, unstructure
from journey_async.errors import DecodeError

# ---------------------------------------------------------------------------------------------
# The generated source


GOLDEN_SERVICE_LEVEL = """\
def structure_ServiceLevel(o):
    if o.__class__ is not dict:
        raise _invalid('', o, 'an object (ServiceLevel)')
    v1 = o.get('percentage')
    if v1 is not None:
        if v1.__class__ is int:
            v1 = _float(v1, '.percentage')
        elif v1.__class__ is not float:
            raise _invalid('.percentage', v1, 'a number')
    v2 = o.get('durationMs')
    if v2.__class__ is not int:
        if v2 is not None:
            raise _invalid('.durationMs', v2, 'an integer')
    o = _new(_c3)
    o.percentage = v1; o.duration_ms = v2
    return o
"""


def _source(fn: Any) -> str:
    return "".join(linecache.getlines(fn.__code__.co_filename))


def test_golden_structure_source() -> None:
    fn = structure_fn(models.ServiceLevel)
    assert (
        fn.__code__.co_filename
        == "<journey_async structure journey_async._generated.models.ServiceLevel>"
    )
    assert _source(fn) == GOLDEN_SERVICE_LEVEL


def test_a_traceback_through_generated_code_shows_its_lines() -> None:
    with pytest.raises(Invalid) as caught:
        structure_fn(models.ServiceLevel)({"durationMs": "1500"})
    text = "".join(traceback.format_exception(caught.value))
    assert (
        'File "<journey_async structure journey_async._generated.models.ServiceLevel>", line 13'
        in text
    )
    assert "raise _invalid('.durationMs', v2, 'an integer')" in text


def test_each_generated_function_has_its_own_file_name() -> None:
    """Another builder's function of the same model gets a new name; both sources stay."""
    first = structure_fn(models.ServiceLevel)
    second = _structure._StructureFnBuilder().get(models.ServiceLevel)
    assert second is not first
    name = second.__code__.co_filename
    assert name.startswith("<journey_async structure journey_async._generated.models.ServiceLevel-")
    assert _source(second) == _source(first) == GOLDEN_SERVICE_LEVEL
    linecache.checkcache()  # entries without a file on disk survive a check
    assert _source(second) == GOLDEN_SERVICE_LEVEL


# ---------------------------------------------------------------------------------------------
# Maps of models


def test_map_of_models_decodes_to_a_dict_of_models() -> None:
    session = decode(
        b'{"attributes": {"plan": {"dataType": "string", "value": "gold"}},'
        b' "attributeLists": {"tags": {"dataType": "string", "values": ["a", "b"]}}}',
        generated.Session,
    )
    assert session.attributes == {
        "plan": generated.CustomEventAttribute(data_type="string", value="gold")
    }
    assert session.attribute_lists == {
        "tags": generated.CustomEventAttributeList(data_type="string", values=["a", "b"])
    }
    assert decode(b'{"attributes": {}}', generated.Session).attributes == {}
    assert decode(b'{"attributes": null}', generated.Session).attributes is None


@pytest.mark.parametrize(
    ("body", "path", "reason"),
    [
        (
            '{"attributes": {"plan": {"value": "x"}, "seats": {"value": 3}}}',
            "$.attributes.seats.value",
            "expected a string, got an integer (3)",
        ),
        (
            '{"attributes": {"a.b": {"value": 3}}}',
            "$.attributes['a.b'].value",
            "expected a string, got an integer (3)",
        ),
        ('{"attributes": {"plan": "gold"}}', "$.attributes.plan", "expected an object"),
        ('{"attributes": ["plan"]}', "$.attributes", "expected an object, got an array"),
        (
            '{"attributeLists": {"tags": {"values": ["a", 1]}}}',
            "$.attributeLists.tags.values[1]",
            "expected a string",
        ),
    ],
)
def test_map_of_models_with_a_bad_value_is_a_decode_error_with_its_path(
    body: str, path: str, reason: str
) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(body, generated.Session)
    assert caught.value.path == path
    assert reason in str(caught.value)


def test_map_of_models_inside_a_list_reports_the_whole_path() -> None:
    body = b'{"entities": [{}, {"attributes": {"k": {"dataType": 1}}}]}'
    with pytest.raises(DecodeError) as caught:
        decode(body, generated.SessionListing)
    assert caught.value.path == "$.entities[1].attributes.k.dataType"


# ---------------------------------------------------------------------------------------------
# Free-form maps and values


def test_free_form_map_is_kept_as_parsed() -> None:
    fields = {"n": 1, "big": 2**70, "x": [None, True, {"deep": [1.5, "s"]}], "": {}}
    data = {"openAction": {"id": "o"}, "configurationFields": fields}
    decoded = decode_data(data, generated.OpenActionFields)
    assert decoded.configuration_fields is fields  # not copied, not converted
    assert decoded.open_action == generated.DomainEntityRef(id="o")
    body = b'{"configurationFields": ' + encode(fields) + b"}"
    assert decode(body, generated.OpenActionFields).configuration_fields == fields


@pytest.mark.parametrize("value", ["[]", '"text"', "3", "true"])
def test_free_form_map_must_be_an_object(value: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(f'{{"configurationFields": {value}}}', generated.OpenActionFields)
    assert caught.value.path == "$.configurationFields"
    assert "expected an object" in str(caught.value)


@attrs.define
class Loose:
    """Free-form values of every spelling: `object`, `Any`, in maps, lists and bare."""

    payload: object
    settings: dict[str, Any] | None = None
    items: list[object] | None = None
    extra: Any = None


def test_free_form_values_of_any_spelling() -> None:
    data = {"payload": [1, {"a": None}], "settings": {"k": [2]}, "items": [1, "a", {}], "extra": 0}
    loose = decode_data(data, Loose)
    assert loose == Loose(
        payload=[1, {"a": None}], settings={"k": [2]}, items=[1, "a", {}], extra=0
    )
    assert loose.settings is data["settings"]
    assert decode_data({"payload": False}, Loose) == Loose(payload=False)
    with pytest.raises(DecodeError) as caught:
        decode_data({"settings": {}}, Loose)
    assert (caught.value.path, "missing required field" in str(caught.value)) == ("$.payload", True)
    with pytest.raises(DecodeError) as caught:
        decode_data({"payload": 1, "settings": [1]}, Loose)
    assert caught.value.path == "$.settings"
    assert _structure.holds_free_json(Loose)
    assert _structure.holds_free_json(generated.ActionMapListing)  # through ActionMapAction
    assert not _structure.holds_free_json(generated.SessionListing)
    assert not _structure.holds_free_json(models.ErrorBody)  # recursive, none


def test_free_form_maps_encode_by_what_they_hold() -> None:
    """Date-times and models inside a free-form map are written as elsewhere."""
    when = datetime(2026, 7, 11, 14, 2, 44, 123000, tzinfo=timezone.utc)
    level = models.ServiceLevel(duration_ms=5)
    free = {
        "n": 1,
        "list": [1, "a", when],
        "when": when,
        "level": level,
        "state": models.MediaType.EMAIL,
    }
    fields = generated.OpenActionFields(configuration_fields=free)
    wire = {
        "n": 1,
        "list": [1, "a", "2026-07-11T14:02:44.123Z"],
        "when": "2026-07-11T14:02:44.123Z",
        "level": {"durationMs": 5},
        "state": "email",
    }
    assert unstructure(fields) == {"configurationFields": wire}
    assert json_of(fields) == {"configurationFields": wire}


# ---------------------------------------------------------------------------------------------
# JSON names that are not to_camel(attribute)


def test_json_names_decode() -> None:
    token = decode(
        b'{"access_token": "t0k", "token_type": "bearer", "expires_in": 86399,'
        b' "accessToken": "ignored"}',
        generated.TokenResponse,
    )
    assert token == generated.TokenResponse(
        access_token="t0k", token_type="bearer", expires_in=86399
    )
    error = decode(b'{"error": "invalid_client", "error_description": "no"}', generated.TokenError)
    assert error.error_description == "no"
    with pytest.raises(DecodeError) as caught:
        decode(b'{"expires_in": "86399"}', generated.TokenResponse)
    assert caught.value.path == "$.expires_in"


def test_json_names_encode_and_round_trip() -> None:
    token = generated.TokenResponse(access_token="t0k", token_type="bearer", expires_in=86399)
    wire = {"access_token": "t0k", "token_type": "bearer", "expires_in": 86399}
    assert unstructure(token) == wire
    assert request_json(token) == wire
    assert decode(encode(token), generated.TokenResponse) == token
    assert decode(encode(wire), generated.TokenResponse) == token


MODULE_SOURCE = """
from __future__ import annotations

import attrs


@attrs.define(kw_only=True)
class ServiceLevel:  # the name of a hand-written model, other fields
    goal: str | None = None


@attrs.define(kw_only=True)
class Holder:
    level: ServiceLevel | None = None
    levels: dict[str, ServiceLevel] | None = None
    level_count: int | None = None


JSON_NAMES = {("Holder", "level"): "service_level"}
"""


@pytest.fixture
def other_models(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A module of models outside the package, its names resolved only in its namespace."""
    module = types.ModuleType("journey_test_other_models")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(textwrap.dedent(MODULE_SOURCE), "<other models>", "exec"), vars(module))
    return module


def test_annotations_resolve_in_the_models_own_module(other_models: types.ModuleType) -> None:
    holder = decode(
        b'{"service_level": {"goal": "g", "percentage": 1}, "levels": {"a": {"goal": "h"}},'
        b' "levelCount": 2}',
        other_models.Holder,
    )
    assert type(holder.level) is other_models.ServiceLevel
    assert type(holder.level) is not models.ServiceLevel
    assert holder.level.goal == "g"
    assert holder.levels == {"a": other_models.ServiceLevel(goal="h")}
    assert holder.level_count == 2
    assert json_of(holder) == {
        "service_level": {"goal": "g"},
        "levels": {"a": {"goal": "h"}},
        "levelCount": 2,
    }


def json_of(model: object) -> Any:
    import json

    return json.loads(encode(model))


# ---------------------------------------------------------------------------------------------
# Every generated model, both ways


def _generated_models() -> list[type]:
    return [
        obj
        for obj in (getattr(generated, name) for name in generated.__all__)
        if isinstance(obj, type) and attrs.has(obj)
    ]


def _full_document(cls: type, stack: tuple[type, ...] = ()) -> dict[str, Any]:
    """JSON with every field of `cls` set, under its JSON name (a model met inside itself is
    left out)."""
    out = {}
    for field, name in _wire.model_fields(cls):
        value = _value(_structure._strip_none(field.type)[0], (*stack, cls))
        if value is not None:
            out[name] = value
    return out


def _value(tp: Any, stack: tuple[type, ...]) -> Any:
    enum_cls = _structure._enum_of(tp)
    if enum_cls is not None:
        return list(enum_cls)[-1].value
    if attrs.has(tp):
        return None if tp in stack else _full_document(tp, stack)
    origin = typing.get_origin(tp)
    if origin is list:
        item = _value(typing.get_args(tp)[0], stack)
        return [] if item is None else [item]
    if origin is dict:
        value = _value(typing.get_args(tp)[1], stack)
        return {} if value is None else {"k": value}
    return {
        str: "text",
        int: 7,
        float: 1.5,
        bool: True,
        datetime: "2026-07-11T14:02:44.123Z",
        object: {"free": [1, None, "form"]},
    }[tp]


def test_all_generated_models_decode_and_encode_back() -> None:
    classes = _generated_models()
    assert len(classes) == 156
    for cls in classes:
        document = _full_document(cls)
        decoded = decode_data(document, cls)
        assert unstructure(decoded) == document, cls.__name__


# ---------------------------------------------------------------------------------------------
# The builder's cache


@attrs.define
class NoRule:
    values: frozenset[str] | None = None


@attrs.define
class HoldsNoRule:
    name: str | None = None
    rule: NoRule | None = None
    rules: list[NoRule] | None = None


def test_a_failed_build_leaves_nothing_behind() -> None:
    builder = _structure._StructureFnBuilder()
    for _ in range(2):
        for cls in (HoldsNoRule, NoRule):
            with pytest.raises(TypeError, match="no structure rule for frozenset"):
                builder.get(cls)
    assert builder._fns == {}
    assert builder.get(models.ErrorBody)({"errors": [{"errors": [{}]}]}) == models.ErrorBody(
        errors=[models.ErrorBody(errors=[models.ErrorBody()])]
    )


def test_threads_building_the_same_model_share_one_complete_function() -> None:
    builder = _structure._StructureFnBuilder()
    barrier = threading.Barrier(8)
    found: list[Any] = []

    def build() -> None:
        barrier.wait()
        found.append(builder.get(generated.SessionListing))

    threads = [threading.Thread(target=build) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8
    assert all(fn is found[0] for fn in found)
    page = found[0]({"entities": [{"id": "s", "attributes": {"k": {"value": "v"}}}]})
    assert page.entities[0].attributes["k"].value == "v"


# ---------------------------------------------------------------------------------------------
# The modules


MODULES = [_wire, _structure, _serde]


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
def test_all_is_exactly_the_public_names_defined_there(module: types.ModuleType) -> None:
    tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
    defined: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node in tree.body:
            defined.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and _top_level(tree, node):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.FunctionDef) and _top_level(tree, node):
            defined.add(node.name)
    public = {name for name in defined if not name.startswith("_")}
    assert sorted(module.__all__) == sorted(public)


def _top_level(tree: ast.Module, node: ast.AST) -> bool:
    """`node` is a statement of the module, or of an `if` at module level."""
    body = list(tree.body)
    for stmt in tree.body:
        if isinstance(stmt, ast.If):
            body += stmt.body + stmt.orelse
    return node in body


def test_one_way_imports_and_lazy_cattrs() -> None:
    wire = Path(str(_wire.__file__)).read_text(encoding="utf-8")
    structure = Path(str(_structure.__file__)).read_text(encoding="utf-8")
    assert "from ._structure" not in wire and "from ._serde" not in wire
    assert "from ._serde" not in structure
    for module in MODULES:
        assert len(Path(str(module.__file__)).read_text(encoding="utf-8").splitlines()) <= 500
    code = "import sys, journey_async; print('cattrs' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_models_inside_a_map_are_checked_like_others() -> None:
    """A required field left None is refused inside a map as anywhere else in a request."""
    update = generated.SegmentAssignmentsUpdate(None, "Assigned")  # type: ignore[arg-type]
    fields = generated.OpenActionFields(configuration_fields={"update": update})
    with pytest.raises(ValueError, match=r"SegmentAssignmentsUpdate\.segment_id is required"):
        encode(fields)
