"""JSON <-> model conversion: the package's one private cattrs converter.

`converter` is a `cattrs.Converter` configured here and nowhere else:

* attrs classes are renamed snake_case <-> camelCase (`date_assigned` <-> `dateAssigned`), the
  one place the naming rule lives (`to_camel`);
* structuring uses a strict, generated hook per attrs class (`_StructureFnBuilder`): it checks
  each JSON value's type (a string where a string belongs, an int where an int belongs; a bool is
  not an int), turns ISO-8601 date-times into aware `datetime`s, known enum values into members
  of their `str` enum and keeps unknown ones as plain `str`, ignores unknown keys, and leaves
  missing fields `None`. A generic cattrs structure of a 200-item page costs about 4x
  `json.loads`; the generated hooks do the same checks with no per-field calls, for under 2x;
* unstructuring (request bodies) uses cattrs' own generated functions with the renames, drops
  fields that are `None`, writes date-times as `2020-11-02T14:21:07.512Z` and enums as values.

Bodies are parsed by orjson when it is installed (the `orjson` extra; about twice as fast as
`json.loads`), else by the standard library; `JOURNEY_ASYNC_JSON=stdlib` forces the latter.
Either way the result, or the error, is the one the standard library would give.

`decode()` turns a response body into a model and raises `DecodeError` with a JSON path
(`$.entities[3].dateAssigned`) and the raw text; `encode()` turns a model, a dict or a list of
them into JSON bytes.
"""

from __future__ import annotations

import enum
import gc
import json
import os
import re
import sys
import types
import typing
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from . import _models
from ._exceptions import DecodeError

if TYPE_CHECKING:
    import cattrs

__all__ = [
    "get_converter",
    "decode",
    "encode",
    "parse_datetime",
    "format_datetime",
    "to_camel",
]

T = TypeVar("T")

_UTC = timezone.utc


def to_camel(name: str) -> str:
    """Map a snake_case attribute name to the API's camelCase JSON name."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# ---------------------------------------------------------------------------------------------
# Date-times

_ISO_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"(Z|z|[+-]\d{2}:?\d{2})?"
)


def _parse_datetime_slow(value: str) -> datetime:
    """Parse the ISO-8601 forms `fromisoformat` of Python 3.10 refuses (odd fraction digits)."""
    match = _ISO_RE.fullmatch(value)
    if match is None:
        msg = f"invalid date-time {value!r}"
        raise ValueError(msg)
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz = _UTC
    if offset and offset not in ("Z", "z"):
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        tz = timezone(sign * timedelta(minutes=int(digits[:2]) * 60 + int(digits[2:])))
    return datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tz
    )


def parse_datetime(value: str) -> datetime:
    """Parse an API date-time (`2020-11-02T14:21:07.512Z`) into an aware `datetime`.

    A value without an offset is taken as UTC, the API's only zone.
    """
    try:
        result = _fromisoformat(value)
    except ValueError:
        result = _parse_datetime_slow(value)
    if result.tzinfo is None:
        result = result.replace(tzinfo=_UTC)
    return result


if sys.version_info >= (3, 11):
    _fromisoformat = datetime.fromisoformat  # understands `Z` and any fraction length
else:  # pragma: no cover - exercised on Python 3.10 only

    def _fromisoformat(value: str) -> datetime:
        if value[-1:] in ("Z", "z"):
            value = value[:-1] + "+00:00"
        return datetime.fromisoformat(value)


def format_datetime(value: datetime) -> str:
    """Format a `datetime` the way the API writes them: UTC, milliseconds, `Z` (naive = UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(_UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


# ---------------------------------------------------------------------------------------------
# Strict structuring


class _Invalid(Exception):
    """A value of the wrong shape; `parts` is the JSON path to it, innermost first."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.parts: list[str] = []

    def add(self, key: str) -> _Invalid:
        """Record that the failure is inside object member `key`; returns self for `raise`."""
        self.parts.append("." + key)
        return self

    @property
    def path(self) -> str:
        return "$" + "".join(reversed(self.parts))


_JSON_NAMES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def _describe(value: object) -> str:
    name = _JSON_NAMES.get(type(value), type(value).__name__)
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{name} ({shown})" if not isinstance(value, (dict, list)) else name


def _invalid(key: str, value: object, expected: str) -> _Invalid:
    err = _Invalid(f"expected {expected}, got {_describe(value)}")
    if key:
        err.parts.append(key)
    return err


def _float(value: int, key: str) -> float:
    """An integer where a double belongs, as a float; one too large for a double is invalid."""
    try:
        return float(value)
    except OverflowError:
        raise _invalid(key, value, "a number within the range of a double") from None


_DATETIME = "an ISO-8601 date-time string"


def _dt_key(value: object, key: str) -> datetime:
    """Parse a date-time `fromisoformat` refused, or report it as invalid at `key`."""
    if not isinstance(value, str):
        raise _invalid(key, value, _DATETIME)
    try:
        return _parse_datetime_slow(value)
    except ValueError:
        raise _invalid(key, value, _DATETIME) from None


def _missing(key: str) -> _Invalid:
    """A required field absent at `key`."""
    err = _Invalid("missing required field")
    err.parts.append(key)
    return err


def _locate(seq: list[Any], fn: Callable[[Any], Any], key: str) -> _Invalid:
    """Find which item of `seq` fails `fn` and return its error with `[i]` and `key` added.

    Only runs on the error path, so the fast path is a bare list comprehension.
    """
    for index, item in enumerate(seq):
        try:
            fn(item)
        except _Invalid as err:
            err.parts.append(f"[{index}]")
            err.parts.append(key)
            return err
    missing = _Invalid("invalid item")  # unreachable unless `fn` is not deterministic
    missing.parts.append(key)
    return missing


def _enum_of(tp: Any) -> type[enum.Enum] | None:
    """The Enum class inside `X | str | None`, if any."""
    for arg in typing.get_args(tp):
        if isinstance(arg, type) and issubclass(arg, enum.Enum):
            return arg
    return None


def _strip_none(tp: Any) -> tuple[Any, bool]:
    """Return (`tp` without `None`, whether `None` was part of it)."""
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = typing.get_args(tp)
        rest = tuple(a for a in args if a is not type(None))
        optional = len(rest) != len(args)
        if len(rest) == 1:
            return rest[0], optional
        return typing.Union[rest], optional  # noqa: UP007 - a runtime-built union
    return tp, False


_PRIMITIVE_CHECKS = {
    str: ("{v}.__class__ is not str", "a string"),
    int: ("{v}.__class__ is not int", "an integer"),
    bool: ("{v}.__class__ is not bool", "a boolean"),
}


_GENERATED_GLOBALS: dict[str, Any] = {
    "_invalid": _invalid,
    "_Invalid": _Invalid,
    "_locate": _locate,
    "_missing": _missing,
    "_fromiso": _fromisoformat,
    "_dt_key": _dt_key,
    "_float": _float,
    "_UTC": _UTC,
    "_new": object.__new__,
}


def _an_object(cls: type) -> str:
    return f"an object ({cls.__name__})"


def _refuse(
    emit: Callable[[str], None], indent: str, var: str, key: str, expected: str, *, required: bool
) -> None:
    """Emit what follows a value of the wrong class: None is missing (if required) or fine."""
    if required:
        emit(f"{indent}if {var} is None:")
        emit(f"{indent}    raise _missing({key!r})")
        emit(f"{indent}raise _invalid({key!r}, {var}, {expected!r})")
    else:
        emit(f"{indent}if {var} is not None:")
        emit(f"{indent}    raise _invalid({key!r}, {var}, {expected!r})")


def _can_fill_slots(cls: type) -> bool:
    """True for slotted, mutable attrs classes with no field validators, converters or hooks."""
    return (
        "__slots__" in cls.__dict__
        and not getattr(cls, "__attrs_pre_init__", None)
        and not getattr(cls, "__attrs_post_init__", None)
        and cls.__setattr__ is object.__setattr__  # type: ignore[comparison-overlap]
        and all(f.validator is None and f.converter is None for f in attrs.fields(cls))
    )


class _StructureFnBuilder:
    """Generates one strict structure function per attrs class (see the module docstring).

    Nested models are inlined into their parent's function (`SegmentAssignment.segment` costs
    no call), except where a model contains itself (`ErrorBody.errors`) and inside lists, whose
    items go through their own function. Error keys carry the whole relative path
    (`.segment.version`), so a failure reports the same JSON path either way.
    """

    _MAX_INLINE_DEPTH = 3

    def __init__(self) -> None:
        self._fns: dict[type, Callable[[Any], Any]] = {}

    def get(self, cls: type[T]) -> Callable[[Any], T]:
        fn = self._fns.get(cls)
        if fn is None:
            # A placeholder that resolves lazily lets self-referencing models (ErrorBody.errors)
            # be generated.
            self._fns[cls] = self._deferred(cls)
            fn = self._build(cls)
            self._fns[cls] = fn
        return fn

    def _deferred(self, cls: type) -> Callable[[Any], Any]:
        def structure_later(obj: Any) -> Any:
            return self._fns[cls](obj)

        return structure_later

    def _element(
        self, tp: Any, gen: _Source, var: str, key: str, indent: str, stack: tuple[type, ...]
    ) -> None:
        """Emit code converting `var` (known not None) of type `tp`, reporting `key` on failure."""
        emit = gen.lines.append
        enum_cls = _enum_of(tp)
        if enum_cls is not None:
            members = gen.name("_m", enum_cls._value2member_map_)
            emit(f"{indent}if {var}.__class__ is not str:")
            emit(f"{indent}    raise _invalid({key!r}, {var}, 'a string')")
            emit(f"{indent}{var} = {members}.get({var}, {var})")
        elif tp in _PRIMITIVE_CHECKS:
            check, expected = _PRIMITIVE_CHECKS[tp]
            emit(f"{indent}if {check.format(v=var)}:")
            emit(f"{indent}    raise _invalid({key!r}, {var}, {expected!r})")
        elif tp is float:
            emit(f"{indent}if {var}.__class__ is int:")
            emit(f"{indent}    {var} = _float({var}, {key!r})")
            emit(f"{indent}elif {var}.__class__ is not float:")
            emit(f"{indent}    raise _invalid({key!r}, {var}, 'a number')")
        elif tp is datetime:
            # Inlined: the common case is one C call (a non-string is a TypeError there); the
            # odd forms and the errors go through `_dt_key`.
            emit(f"{indent}try:")
            emit(f"{indent}    {var} = _fromiso({var})")
            emit(f"{indent}except (TypeError, ValueError):")
            emit(f"{indent}    {var} = _dt_key({var}, {key!r})")
            emit(f"{indent}if {var}.tzinfo is None:")
            emit(f"{indent}    {var} = {var}.replace(tzinfo=_UTC)")
        elif self._inlines(tp, stack):
            self._object(tp, gen, var, var, key, indent, stack)
        elif attrs.has(tp):
            fn = gen.name("_s", self.get(tp))
            emit(f"{indent}try:")
            emit(f"{indent}    {var} = {fn}({var})")
            emit(f"{indent}except _Invalid as e:")
            emit(f"{indent}    e.parts.append({key!r}); raise")
        elif typing.get_origin(tp) is list:
            (item_tp,) = typing.get_args(tp)
            item_fn = gen.name("_i", self._item_fn(item_tp))
            emit(f"{indent}if {var}.__class__ is not list:")
            emit(f"{indent}    raise _invalid({key!r}, {var}, 'an array')")
            emit(f"{indent}try:")
            emit(f"{indent}    {var} = [{item_fn}(x) for x in {var}]")
            emit(f"{indent}except _Invalid:")
            emit(f"{indent}    raise _locate({var}, {item_fn}, {key!r}) from None")
        elif typing.get_origin(tp) is dict and typing.get_args(tp) == (str, str):
            emit(f"{indent}if {var}.__class__ is not dict or not all(")
            emit(f"{indent}        x.__class__ is str for x in {var}.values()):")
            emit(f"{indent}    raise _invalid({key!r}, {var}, 'an object of string values')")
            emit(f"{indent}{var} = dict({var})")
        else:  # pragma: no cover - guarded by the model tests
            msg = f"no structure rule for {tp!r}"
            raise TypeError(msg)

    def _inlines(self, tp: Any, stack: tuple[type, ...]) -> bool:
        """Whether model `tp`, met inside the models of `stack`, is inlined there."""
        return attrs.has(tp) and tp not in stack and len(stack) < self._MAX_INLINE_DEPTH

    def _object(
        self,
        cls: type,
        gen: _Source,
        src: str,
        dst: str,
        path: str,
        indent: str,
        stack: tuple[type, ...],
        *,
        checked: bool = False,
    ) -> None:
        """Emit code turning the dict in `src` into a `cls` in `dst`; `path` prefixes keys.

        `checked`: the caller has already made sure `src` is a dict.
        """
        _resolve(cls)
        emit = gen.lines.append
        if not checked:
            emit(f"{indent}if {src}.__class__ is not dict:")
            emit(f"{indent}    raise _invalid({path!r}, {src}, {_an_object(cls)!r})")
        fields = attrs.fields(cls)
        if len(fields) > 4:  # binding `.get` once pays off from about five lookups
            getter = gen.var()
            emit(f"{indent}{getter} = {src}.get")
        else:
            getter = f"{src}.get"
        assignments = []
        for field in fields:
            var = gen.var()
            key = path + "." + to_camel(field.name)
            tp, _ = _strip_none(field.type)
            required = field.default is attrs.NOTHING
            emit(f"{indent}{var} = {getter}({to_camel(field.name)!r})")
            enum_cls = _enum_of(tp)
            inner = (*stack, cls)
            if self._inlines(tp, inner):
                # As below: a dict, the common case, costs one test.
                emit(f"{indent}if {var}.__class__ is dict:")
                self._object(tp, gen, var, var, key, indent + "    ", inner, checked=True)
                emit(f"{indent}else:")
                _refuse(emit, indent + "    ", var, key, _an_object(tp), required=required)
            elif tp in _PRIMITIVE_CHECKS or enum_cls is not None:
                # The common case, a value of the right type, costs one test, not two.
                check, expected = _PRIMITIVE_CHECKS[str if enum_cls is not None else tp]
                emit(f"{indent}if {check.format(v=var)}:")
                _refuse(emit, indent + "    ", var, key, expected, required=required)
                if enum_cls is not None:
                    members = gen.name("_m", enum_cls._value2member_map_)
                    emit(f"{indent}{var} = {members}.get({var}, {var})  # None stays None")
            else:
                emit(f"{indent}if {var} is not None:")
                self._element(tp, gen, var, key, indent + "    ", inner)
                if required:
                    emit(f"{indent}else:")
                    emit(f"{indent}    raise _missing({key!r})")
            assignments.append((field.name, var))
        model = gen.name("_c", cls)
        if _can_fill_slots(cls):
            # Setting slots directly costs 40% of calling the attrs __init__ with keywords, and
            # these classes have no validators or converters to skip.
            emit(f"{indent}{dst} = _new({model})")
            emit(f"{indent}" + "; ".join(f"{dst}.{name} = {var}" for name, var in assignments))
        else:
            kwargs = ", ".join(f"{name}={var}" for name, var in assignments)
            emit(f"{indent}{dst} = {model}({kwargs})")

    def _item_fn(self, tp: Any) -> Callable[[Any], Any]:
        """A one-argument function converting one list item of type `tp`."""
        if attrs.has(tp):
            return self.get(tp)
        gen = _Source("def item(v):")
        self._element(tp, gen, "v", "", "    ", ())
        gen.lines.append("    return v")
        return gen.compile("item", "list item")

    def _build(self, cls: type) -> Callable[[Any], Any]:
        name = f"structure_{cls.__name__}"
        gen = _Source(f"def {name}(o):")
        self._object(cls, gen, "o", "o", "", "    ", ())
        gen.lines.append("    return o")
        return gen.compile(name, cls.__name__)


class _Source:
    """The lines and namespace of one generated function, with fresh local and global names."""

    def __init__(self, header: str) -> None:
        self.lines = [header]
        self.ns: dict[str, Any] = dict(_GENERATED_GLOBALS)
        self._count = 0

    def var(self) -> str:
        """A new local variable name."""
        self._count += 1
        return f"v{self._count}"

    def name(self, prefix: str, value: object) -> str:
        """A global name bound to `value` in the generated function's namespace."""
        for existing, bound in self.ns.items():
            if bound is value and existing.startswith(prefix):
                return existing
        self._count += 1
        name = f"{prefix}{self._count}"
        self.ns[name] = value
        return name

    def compile(self, name: str, label: str) -> Callable[[Any], Any]:
        source = "\n".join(self.lines)
        exec(compile(source, f"<journey_async structure {label}>", "exec"), self.ns)
        return self.ns[name]  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------------
# The converter


def _resolve(cls: type) -> None:
    """Resolve the string annotations of a model, once, in the namespace it was written in.

    Done on first use rather than at import (about 10 ms for all models); the package presents
    the models as `journey_async.X`, whose namespace does not hold every nested type.
    """
    if cls not in _resolved:
        attrs.resolve_types(cls, globalns=vars(_models))
        _resolved.add(cls)


_resolved: set[type] = set()
_builder = _StructureFnBuilder()
_converter: cattrs.Converter | None = None


def get_converter() -> cattrs.Converter:
    """The package's cattrs converter, built on first use (cattrs is imported only then)."""
    global _converter
    if _converter is None:
        import cattrs
        from cattrs.gen import make_dict_unstructure_fn, override

        conv = cattrs.Converter()

        def structure_hook(cls: type) -> Callable[[Any, Any], Any]:
            fn: Callable[[Any], Any] = _builder.get(cls)
            return lambda obj, _type: fn(obj)

        def unstructure_hook(cls: Any) -> Callable[[Any], dict[str, Any]]:
            _resolve(cls)
            renames: dict[str, Any] = {
                a.name: override(rename=to_camel(a.name)) for a in attrs.fields(cls)
            }
            return make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True, **renames)

        conv.register_structure_hook_factory(attrs.has, structure_hook)
        conv.register_unstructure_hook(datetime, format_datetime)
        conv.register_unstructure_hook_factory(attrs.has, unstructure_hook)
        _converter = conv
    return _converter


def __getattr__(name: str) -> Any:
    # `from ._serde import converter` keeps working while cattrs loads lazily.
    if name == "converter":
        return get_converter()
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


# ---------------------------------------------------------------------------------------------
# JSON parsing: orjson when installed (the `orjson` extra), else the standard library

JSON_ENV = "JOURNEY_ASYNC_JSON"
"""Environment variable choosing the response parser: `auto` (default) or `stdlib`."""

_json_choice = os.environ.get(JSON_ENV, "auto").strip().lower() or "auto"
if _json_choice not in ("auto", "stdlib"):
    _msg = f"{JSON_ENV} must be 'auto' or 'stdlib', not {_json_choice!r}"
    raise ValueError(_msg)

_loads: Callable[[bytes | str], Any] | None = json.loads if _json_choice == "stdlib" else None


def _select_loads() -> Callable[[bytes | str], Any]:
    """Pick the parser on first use: orjson costs 20-30 ms to import, so not at import time.

    orjson parses a page about twice as fast as `json.loads`. Where it refuses a body the
    standard library accepts (NaN, lone surrogates, nesting deeper than 1,024), the body is
    parsed again by `json.loads`; where it reads one differently (integers beyond 64 bits
    become floats), `decode` parses again when the model refuses orjson's reading. Either way
    the result, or the error, is the standard library's.
    """
    global _loads
    try:
        import orjson
    except ImportError:
        _loads = json.loads
        return _loads
    orjson_loads = orjson.loads

    def loads(content: bytes | str) -> Any:
        try:
            return orjson_loads(content)
        except ValueError:
            return json.loads(content)

    _loads = loads
    return loads


def json_backend() -> str:
    """The name of the parser `decode` uses: `"orjson"` or `"json"` (the standard library)."""
    loads = _loads or _select_loads()
    return "json" if loads is json.loads else "orjson"


def structure_fn(cls: type[T]) -> Callable[[Any], T]:
    """The strict structure function of `cls`, for decoding already-parsed JSON fast."""
    return _builder.get(cls)


def decode(content: bytes | str, cls: type[T], *, context: str = "") -> T:
    """Parse a JSON body into `cls`, raising `DecodeError` with the JSON path on failure.

    The cyclic garbage collector is paused while a body is decoded (when it is enabled, and
    only for that long, about a millisecond for a 200-item page). Decoding allocates thousands
    of objects that form no cycles; left on, the collector ran two to three times per page,
    scanned the half-built page and promoted it to older generations, which in turn set off
    full collections: twice the collector time, about 8% of a stream's time.
    """
    if not gc.isenabled():
        return _decode(content, cls, context)
    gc.disable()
    try:
        return _decode(content, cls, context)
    finally:
        gc.enable()


def _decode(content: bytes | str, cls: type[T], context: str) -> T:
    prefix = f"{context}: " if context else ""
    loads = _loads or _select_loads()
    try:
        data = loads(content)
    except (ValueError, RecursionError) as exc:
        raw = _text(content)
        msg = f"{prefix}response body is not valid JSON ({exc}); body starts {raw[:80]!r}"
        raise DecodeError(msg, path="$", raw=raw) from None
    structure = _builder.get(cls)
    try:
        return structure(data)
    except _Invalid as err:
        failure = err
    except RecursionError:
        raise _too_deep(cls, content, context) from None
    if loads is not json.loads:
        # orjson reads integers beyond 64 bits as floats where the stdlib keeps them exact;
        # a body is refused only if the stdlib's reading of it is refused too.
        try:
            return structure(json.loads(content))
        except _Invalid as err:
            failure = err
        except (ValueError, RecursionError):  # pragma: no cover - orjson is the stricter one
            pass
    raise _decode_error(failure, cls, content, context)


def decode_data(data: object, cls: type[T], *, content: bytes | str = "", context: str = "") -> T:
    """Structure parsed JSON `data` into `cls` (see `decode`)."""
    try:
        return _builder.get(cls)(data)
    except _Invalid as err:
        raise _decode_error(err, cls, content, context) from None
    except RecursionError:
        raise _too_deep(cls, content, context) from None


def _too_deep(cls: type, content: bytes | str, context: str) -> DecodeError:
    """A document that JSON parsing accepted but that nests a recursive model (`ErrorBody` in
    `errors`) deeper than the interpreter's recursion limit allows to build."""
    prefix = f"{context}: " if context else ""
    msg = f"{prefix}cannot decode {cls.__name__}: the document is nested too deeply"
    return DecodeError(msg, path="$", raw=_text(content))


def _decode_error(err: _Invalid, cls: type, content: bytes | str, context: str) -> DecodeError:
    prefix = f"{context}: " if context else ""
    msg = f"{prefix}cannot decode {cls.__name__} at {err.path}: {err.reason}"
    return DecodeError(msg, path=err.path, raw=_text(content))


def _text(content: bytes | str) -> str:
    if isinstance(content, bytes):
        return content.decode("utf-8", errors="replace")
    return content


def _check_required(obj: object) -> None:
    """Refuse a request model whose required field is None: it would send `null`."""
    cls: Any = type(obj)
    for field in attrs.fields(cls):
        value = getattr(obj, field.name)
        if field.default is attrs.NOTHING and value is None:
            msg = f"{cls.__name__}.{field.name} is required by the API and cannot be None"
            raise ValueError(msg)
        if attrs.has(type(value)):
            _check_required(value)
        elif isinstance(value, list):
            for item in value:
                if attrs.has(type(item)):
                    _check_required(item)


def to_jsonable(body: object) -> object:
    """Turn a model (or a list of models and dicts) into JSON-ready data; dicts pass as given."""
    if isinstance(body, list | tuple):
        return [to_jsonable(item) for item in body]
    if attrs.has(type(body)):
        _check_required(body)
        return get_converter().unstructure(body)
    if isinstance(body, dict):
        return body
    msg = f"a request body must be a model, a dict or a list of them, not {type(body).__name__}"
    raise TypeError(msg)


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return format_datetime(value)
    if attrs.has(type(value)):
        return to_jsonable(value)
    msg = f"Object of type {type(value).__name__} is not JSON serializable"
    raise TypeError(msg)


def encode(body: object) -> bytes:
    """Serialize a request body (model, dict, or list of them) to compact UTF-8 JSON.

    NaN and the infinities are refused with a `ValueError` before anything is sent: JSON
    (RFC 8259) has no such numbers, and the `NaN` / `Infinity` tokens that `json.dumps` writes
    by default are refused by strict parsers, so the request could only fail later, less
    clearly, or be read differently by the server.
    """
    try:
        text = json.dumps(
            to_jsonable(body),
            separators=(",", ":"),
            ensure_ascii=False,
            default=_json_default,
            allow_nan=False,
        )
    except ValueError as exc:
        # The encoder's own words (CPython 3.10-3.13, C and pure-Python encoders alike); other
        # ValueErrors (a required field left None in a nested model) pass through unchanged.
        if not str(exc).startswith("Out of range float values"):
            raise
        msg = "request bodies must be valid JSON: NaN and infinities cannot be sent"
        raise ValueError(msg) from exc
    return text.encode()
