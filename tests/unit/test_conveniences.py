"""Models as JSON for applications: `Model.to_dict()` and `journey_async.to_jsonable()`.

`to_dict()` is the official SDK's: snake_case names, nested models as dicts, Python values.
`to_jsonable()` is the API's own JSON form (camelCase, ISO 8601, unset fields left out), which a
web framework can return as is and which decodes back into an equal model (property-tested on
every model, hand-written and generated).
"""

from __future__ import annotations

import functools
import json
import sys
import types
import typing
from datetime import datetime, timezone
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journey_async
from journey_async import models, to_jsonable
from journey_async._generated import models as generated
from journey_async._serde import decode_data

UTC = timezone.utc

# Date-times travel with millisecond precision (`2020-11-02T14:21:07.512Z`), as the API writes them.
_datetimes = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
_json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8)


def _strategy(tp: Any, depth: int) -> st.SearchStrategy[Any]:
    """Values of a model field's type that JSON can carry."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([_strategy(arg, depth) for arg in args])
    if tp is type(None):
        return st.none()
    if origin is list:
        items = _strategy(args[0], depth + 1)
        return st.just([]) if items.is_empty else st.lists(items, max_size=2)
    if origin is dict:
        values = _strategy(args[1], depth + 1)
        if values.is_empty:
            return st.just({})
        return st.dictionaries(st.text(max_size=5), values, max_size=2)
    if tp is datetime:
        return _datetimes
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.integers(-(2**53), 2**53)
    if tp is float:
        return st.floats(allow_nan=False, allow_infinity=False, width=64)
    if tp is str:
        return st.text(max_size=12)
    if tp is object or tp is Any:
        return _json_scalars
    if isinstance(tp, type) and issubclass(tp, str):  # a str enum
        return st.sampled_from(list(tp))
    if attrs.has(tp):
        if depth > 1:
            return st.nothing()  # deep enough: the field stays None, a list stays empty
        return _model(tp, depth + 1)
    msg = f"no strategy for {tp!r}"
    raise TypeError(msg)


@functools.cache
def _model(cls: type, depth: int = 0) -> st.SearchStrategy[Any]:
    module = cls.__module__
    hints = typing.get_type_hints(cls, vars(sys.modules[module]))
    fields = {f.name: _strategy(hints[f.name], depth) for f in attrs.fields(cls) if f.name in hints}
    return st.fixed_dictionaries(fields).map(lambda kwargs: cls(**kwargs))


def _models_of(module: Any) -> list[type]:
    return sorted(
        (obj for name in module.__all__ if attrs.has(obj := getattr(module, name))),
        key=lambda cls: cls.__name__,
    )


MODELS = _models_of(models)
assert _models_of(generated) == MODELS


def _required_ok(instance: object) -> bool:
    """Request models refuse None in required fields; the round trip needs none of those."""
    return all(
        getattr(instance, f.name) is not None
        for f in attrs.fields(type(instance))
        if f.default is attrs.NOTHING
    )


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_to_jsonable_decodes_back_into_an_equal_model(cls: type):
    """Any model -> to_jsonable -> JSON text -> decode: an equal model, for every model."""

    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
    @given(instance=_model(cls))
    def round_trip(instance: Any) -> None:
        check_round_trip(cls, instance)

    round_trip()


def check_round_trip(cls: type, instance: Any) -> None:
    wire = to_jsonable(instance)
    text = json.dumps(wire)  # what a web framework sends
    assert decode_data(json.loads(text), cls) == instance


def test_to_jsonable_is_the_api_form():
    """camelCase names, ISO 8601 date-times with milliseconds, enum values, None left out."""
    target = models.ActionTarget(
        id="t1",
        state=models.ActionTargetState.ACTIVE,
        service_level=models.ServiceLevel(percentage=0.8, duration_ms=20_000),
        created_date=datetime(2020, 11, 2, 14, 21, 7, 512_000, tzinfo=UTC),
        short_abandon_threshold=None,
    )
    assert to_jsonable(target) == {
        "id": "t1",
        "state": "active",
        "serviceLevel": {"percentage": 0.8, "durationMs": 20_000},
        "createdDate": "2020-11-02T14:21:07.512Z",
    }
    listing = models.ActionTargetListing(entities=[target], page_number=1)
    assert to_jsonable(listing)["entities"][0]["serviceLevel"]["durationMs"] == 20_000
    assert to_jsonable([target, None]) == [to_jsonable(target), None]
    assert to_jsonable({"a": target}) == {"a": to_jsonable(target)}
    assert to_jsonable(models.ActionTargetState.ACTIVE) == "active"


def test_to_jsonable_refuses_what_json_cannot_carry():
    """A type with no JSON form is a TypeError naming it, not a silent str()."""
    with pytest.raises(TypeError, match="set"):
        to_jsonable({1, 2})


def test_to_dict_is_the_sdks():
    """snake_case names, nested models as dicts (in lists too), Python values, None kept."""
    created = datetime(2020, 11, 2, tzinfo=UTC)
    target = models.ActionTarget(
        id="t1",
        user_data=[models.KeyValue(key="k", value="v")],
        service_level=models.ServiceLevel(percentage=0.8),
        created_date=created,
    )
    as_dict = target.to_dict()
    assert as_dict["user_data"] == [{"key": "k", "value": "v"}]
    assert as_dict["service_level"] == {"percentage": 0.8, "duration_ms": None}
    assert as_dict["created_date"] is created
    assert as_dict["name"] is None
    assert set(as_dict) == {f.name for f in attrs.fields(models.ActionTarget)}


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_every_model_has_to_dict(cls: type):
    """`to_dict` is on every model class, hand-written and generated."""
    assert callable(getattr(cls, "to_dict", None))


def test_to_jsonable_is_exported():
    """`journey_async.to_jsonable` is the public name."""
    assert journey_async.to_jsonable is to_jsonable
