"""The response parser: orjson when installed, the standard library otherwise, same results.

orjson differs from `json.loads` on a few inputs (integers beyond 64 bits become floats; NaN,
lone surrogates and very deep nesting are refused). `decode` must give exactly what it gives
with the standard library, value or error, whichever parser is installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journey_async import _serde, _wire, models
from journey_async._generated import models as generated
from journey_async._serde import decode
from journey_async.errors import DecodeError

pytest.importorskip("orjson")  # the test extra installs it; these tests compare it with json


def _with(parser: str, body: str | bytes, cls: type) -> Any:
    """decode() with `parser` ("orjson" or "json"); a DecodeError is returned, not raised."""
    saved = _serde._loads
    _serde._loads = json.loads if parser == "json" else None
    try:
        return decode(body, cls)
    except DecodeError as exc:
        return ("DecodeError", exc.path, str(exc))
    finally:
        _serde._loads = saved


def _same(body: str | bytes, cls: type) -> Any:
    """Decode with both parsers, check they agree, and return the (common) outcome."""
    with_orjson = _with("orjson", body, cls)
    with_json = _with("json", body, cls)
    assert repr(with_orjson) == repr(with_json)
    return with_orjson


def test_orjson_is_picked_when_installed():
    saved = _serde._loads
    _serde._loads = None
    try:
        assert _serde.json_backend() == "orjson"
    finally:
        _serde._loads = saved


def test_standard_library_is_picked_without_orjson(monkeypatch: pytest.MonkeyPatch):
    """With orjson not importable, the first decode settles on json.loads."""
    monkeypatch.setitem(sys.modules, "orjson", None)  # makes `import orjson` fail
    monkeypatch.setattr(_serde, "_loads", None)
    assert decode('{"id": "t1"}', models.ActionTarget).id == "t1"
    assert _serde._loads is json.loads
    assert _serde.json_backend() == "json"


def test_int_beyond_64_bits_is_kept_exactly_with_orjson():
    """orjson reads 2**64 as a float; decode falls back to the stdlib and keeps the int."""
    big = 2**64 + 1
    summary = _same(f'{{"count": {big}}}', models.StatisticalSummary)
    assert summary.count == big
    assert type(summary.count) is int


def test_int_beyond_64_bits_in_a_float_field_is_the_same_float():
    level = _same(f'{{"percentage": {2**70 + 3}}}', models.ServiceLevel)
    assert level.percentage == float(2**70 + 3)


@pytest.mark.parametrize("as_bytes", [False, True])
def test_int_beyond_64_bits_in_a_free_form_map_is_kept_exactly(as_bytes: bool):
    """A free-form map keeps what the parser read, and orjson reads 2**64 as a float: a body
    for a model with one is parsed by the stdlib when it has a run of 19 digits."""
    big, low = 2**64 + 1, -(2**63) - 1
    text = f'{{"configurationFields": {{"n": {big}, "m": [{low}], "f": 1e19, "s": "{big}"}}}}'
    fields = _same(text.encode() if as_bytes else text, generated.OpenActionFields)
    assert fields.configuration_fields == {"n": big, "m": [low], "f": 1e19, "s": str(big)}
    assert type(fields.configuration_fields["n"]) is int
    assert type(fields.configuration_fields["f"]) is float


@pytest.mark.parametrize(
    "body",
    [
        '{"count": NaN}',  # the stdlib parses NaN, which is then not an integer
        '{"name": "\\ud800"}',  # a lone surrogate: orjson refuses, the stdlib keeps it
        '{"percentage": 1e400}',  # infinity for the stdlib, an error for orjson
        "[" * 3000 + "]" * 3000,  # too deep for either
        b"\xef\xbb\xbf{}",  # a UTF-8 byte order mark
        b'{"name": "\xff"}',  # not UTF-8
        '{"id": "a", "id": 1}',  # duplicate keys: the last one counts in both
    ],
)
def test_bodies_where_the_parsers_differ_decode_the_same(body: str | bytes):
    cls = models.ServiceLevel if b"percentage" in _bytes(body) else models.ActionTarget
    if b"count" in _bytes(body):
        cls = models.StatisticalSummary
    _same(body, cls)


def test_lone_surrogate_is_kept_as_the_stdlib_keeps_it():
    target = _same('{"name": "a\\ud800b"}', models.ActionTarget)
    assert target.name == "a\ud800b"


def test_deep_nesting_is_a_decode_error_not_a_recursion_error():
    outcome = _same("[" * 100_000 + "]" * 100_000, models.ActionTarget)
    assert outcome[0] == "DecodeError"
    assert outcome[1] == "$"


def _bytes(body: str | bytes) -> bytes:
    return body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")


# Values a server could put anywhere: the right types, wrong ones, and the parsers' edge cases.
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**64, 2**64 + 1, -(2**63) - 1]),  # where orjson gives floats
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(["2020-11-02T14:21:07.512Z", "Assigned", "Session", "web", "not-a-date"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)


def _documents(cls: type) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with some of `cls`'s JSON members (random values) and some unknown ones."""
    names = [_wire.to_camel(field.name) for field in attrs.fields(cls)]
    return st.dictionaries(st.sampled_from([*names, "extra"]), _values, max_size=6)


_ASSIGNMENT_PAGES = st.builds(
    lambda items, uri: {"entities": items, "nextUri": uri},
    st.lists(_documents(models.SegmentAssignment), max_size=3),
    st.one_of(st.none(), st.text(max_size=5)),
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        _ASSIGNMENT_PAGES.map(lambda doc: (models.SegmentAssignmentListing, doc)),
        _documents(models.ActionTarget).map(lambda doc: (models.ActionTarget, doc)),
        _documents(models.StatisticalSummary).map(lambda doc: (models.StatisticalSummary, doc)),
    )
)
def test_any_document_decodes_the_same_with_either_parser(case: tuple[type, dict[str, Any]]):
    cls, document = case
    _same(json.dumps(document), cls)


def test_environment_variable_forces_the_standard_library():
    code = "from journey_async import _serde; print(_serde.json_backend())"
    env = {**os.environ, "JOURNEY_ASYNC_JSON": "stdlib"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "json"


def test_environment_variable_with_an_unknown_value_is_a_clear_error():
    env = {**os.environ, "JOURNEY_ASYNC_JSON": "ujson"}
    out = subprocess.run(
        [sys.executable, "-c", "import journey_async"], env=env, capture_output=True, text=True
    )
    assert out.returncode != 0
    assert "JOURNEY_ASYNC_JSON must be 'auto' or 'stdlib', not 'ujson'" in out.stderr
