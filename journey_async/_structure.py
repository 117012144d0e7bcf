"""Strict structuring: parsed JSON -> models, through one generated function per model.

`structure_fn(cls)` is the function of model `cls`, generated on first use: it checks each JSON
value's type (a string where a string belongs, an int where an int belongs; a bool is not an
int), turns ISO-8601 date-times into aware `datetime`s, known enum values into members of their
`str` enum and keeps unknown ones as plain `str`, reads maps of models into dicts of models and
keeps free-form maps as parsed, ignores unknown keys, and leaves missing fields `None`. A value
of the wrong shape raises `Invalid`, whose `path` is the JSON path to it
(`$.entities[3].dateAssigned`). A generic cattrs structure of a 200-item page costs about 4x
`json.loads`; the generated functions do the same checks with no per-field calls, for under 2x.

JSON names come from `_wire.model_fields`. Each function's source is registered with
`linecache` under its own file name (`<journey_async structure journey_async._models.X>`), so a
traceback through generated code shows its lines.
"""

from __future__ import annotations

import enum
import linecache
import threading
import types
import typing
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, TypeVar

import attrs

from ._wire import fromisoformat, model_fields, parse_datetime

__all__ = ["Invalid", "holds_free_json", "structure_fn"]

_T = TypeVar("_T")


class Invalid(Exception):
    """A value of the wrong shape; `parts` is the JSON path to it, innermost first."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.parts: list[str] = []

    @property
    def path(self) -> str:
        return "$" + "".join(reversed(self.parts))


_KINDS = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def _describe(value: object) -> str:
    name = _KINDS.get(type(value), type(value).__name__)
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{name} ({shown})" if not isinstance(value, (dict, list)) else name


def _invalid(key: str, value: object, expected: str) -> Invalid:
    err = Invalid(f"expected {expected}, got {_describe(value)}")
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
        return parse_datetime(value)
    except ValueError:
        raise _invalid(key, value, _DATETIME) from None


def _missing(key: str) -> Invalid:
    """A required field absent at `key`."""
    err = Invalid("missing required field")
    err.parts.append(key)
    return err


def _locate(seq: list[Any], fn: Callable[[Any], Any], key: str) -> Invalid:
    """Find which item of `seq` fails `fn` and return its error with `[i]` and `key` added.

    Only runs on the error path, so the fast path is a bare list comprehension.
    """
    for index, item in enumerate(seq):
        try:
            fn(item)
        except Invalid as err:
            err.parts.append(f"[{index}]")
            err.parts.append(key)
            return err
    missing = Invalid("invalid item")  # unreachable unless `fn` is not deterministic
    missing.parts.append(key)
    return missing


def _locate_value(mapping: dict[str, Any], fn: Callable[[Any], Any], key: str) -> Invalid:
    """Like `_locate`, for the values of a map: adds `.name` (or `["odd name"]`) and `key`."""
    for name, item in mapping.items():
        try:
            fn(item)
        except Invalid as err:
            err.parts.append("." + name if name.isidentifier() else f"[{name!r}]")
            err.parts.append(key)
            return err
    missing = Invalid("invalid value")  # unreachable unless `fn` is not deterministic
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


def _is_free(tp: Any) -> bool:
    """Whether a value of type `tp` is any JSON, kept as parsed."""
    return tp is object or tp is Any


_free: dict[type, bool] = {}


def holds_free_json(cls: type) -> bool:
    """Whether a `cls` can hold JSON kept as parsed (a free-form map), itself or in a model
    it contains: such a value is whatever the JSON parser made of the body."""
    found = _free.get(cls)
    if found is None:
        found = _free[cls] = _holds_free(cls, set())
    return found


def _holds_free(tp: Any, seen: set[type]) -> bool:
    tp, _ = _strip_none(tp)
    if attrs.has(tp):
        if tp in seen:
            return False
        seen.add(tp)
        return any(_holds_free(field.type, seen) for field, _ in model_fields(tp))
    return _is_free(tp) or any(_holds_free(arg, seen) for arg in typing.get_args(tp))


_PRIMITIVE_CHECKS = {
    str: ("{v}.__class__ is not str", "a string"),
    int: ("{v}.__class__ is not int", "an integer"),
    bool: ("{v}.__class__ is not bool", "a boolean"),
}


_GENERATED_GLOBALS: dict[str, Any] = {
    "_invalid": _invalid,
    "_Invalid": Invalid,
    "_locate": _locate,
    "_locate_value": _locate_value,
    "_missing": _missing,
    "_fromiso": fromisoformat,
    "_dt_key": _dt_key,
    "_float": _float,
    "_UTC": timezone.utc,
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
    no call), except where a model contains itself (`ErrorBody.errors`) and inside lists and
    maps, whose items go through their own function. Error keys carry the whole relative path
    (`.segment.version`), so a failure reports the same JSON path either way.

    The functions of one build (a model and the ones it needs) are published together when
    all of them are made: a build that fails leaves nothing behind, and another thread never
    sees a function that calls one not made yet.
    """

    _MAX_INLINE_DEPTH = 3

    def __init__(self) -> None:
        self._fns: dict[type, Callable[[Any], Any]] = {}
        self._building: dict[type, Callable[[Any], Any]] | None = None
        self._lock = threading.RLock()

    def get(self, cls: type[_T]) -> Callable[[Any], _T]:
        fn = self._fns.get(cls)
        if fn is not None:
            return fn
        with self._lock:
            fn = self._fns.get(cls)
            if fn is not None:
                return fn
            if self._building is not None:  # a model met while building another one
                return self._building.get(cls) or self._build_into(self._building, cls)
            building: dict[type, Callable[[Any], Any]] = {}
            self._building = building
            try:
                fn = self._build_into(building, cls)
                self._fns.update(building)
            finally:
                self._building = None
            return fn

    def _build_into(
        self, building: dict[type, Callable[[Any], Any]], cls: type
    ) -> Callable[[Any], Any]:
        # A placeholder that resolves lazily lets self-referencing models (ErrorBody.errors)
        # be generated; it is called only once the build is published.
        fns = self._fns

        def structure_later(obj: Any) -> Any:
            return fns[cls](obj)

        building[cls] = structure_later
        building[cls] = fn = self._build(cls)
        return fn

    def _element(
        self, tp: Any, gen: _Source, var: str, key: str, indent: str, stack: tuple[type, ...]
    ) -> None:
        """Emit code converting `var` (known not None) of type `tp`, reporting `key` on failure."""
        emit = gen.lines.append
        enum_cls = _enum_of(tp)
        origin = typing.get_origin(tp)
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
        elif _is_free(tp):
            pass  # any JSON value, kept as parsed
        elif self._inlines(tp, stack):
            self._object(tp, gen, var, var, key, indent, stack)
        elif attrs.has(tp):
            fn = gen.name("_s", self.get(tp))
            emit(f"{indent}try:")
            emit(f"{indent}    {var} = {fn}({var})")
            emit(f"{indent}except _Invalid as e:")
            emit(f"{indent}    e.parts.append({key!r}); raise")
        elif origin is list:
            (item_tp,) = typing.get_args(tp)
            item_fn = gen.name("_i", self._item_fn(item_tp))
            emit(f"{indent}if {var}.__class__ is not list:")
            emit(f"{indent}    raise _invalid({key!r}, {var}, 'an array')")
            emit(f"{indent}try:")
            emit(f"{indent}    {var} = [{item_fn}(x) for x in {var}]")
            emit(f"{indent}except _Invalid:")
            emit(f"{indent}    raise _locate({var}, {item_fn}, {key!r}) from None")
        elif origin is dict and typing.get_args(tp) == (str, str):
            emit(f"{indent}if {var}.__class__ is not dict or not all(")
            emit(f"{indent}        x.__class__ is str for x in {var}.values()):")
            emit(f"{indent}    raise _invalid({key!r}, {var}, 'an object of string values')")
            emit(f"{indent}{var} = dict({var})")
        elif origin is dict and typing.get_args(tp)[0] is str:
            value_tp = typing.get_args(tp)[1]
            emit(f"{indent}if {var}.__class__ is not dict:")
            emit(f"{indent}    raise _invalid({key!r}, {var}, 'an object')")
            if not _is_free(value_tp):  # a free-form map is kept as parsed
                value_fn = gen.name("_i", self._item_fn(value_tp))
                emit(f"{indent}try:")
                emit(f"{indent}    {var} = {{k: {value_fn}(x) for k, x in {var}.items()}}")
                emit(f"{indent}except _Invalid:")
                emit(f"{indent}    raise _locate_value({var}, {value_fn}, {key!r}) from None")
        else:
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
        fields = model_fields(cls)
        emit = gen.lines.append
        if not checked:
            emit(f"{indent}if {src}.__class__ is not dict:")
            emit(f"{indent}    raise _invalid({path!r}, {src}, {_an_object(cls)!r})")
        if len(fields) > 4:  # binding `.get` once pays off from about five lookups
            getter = gen.var()
            emit(f"{indent}{getter} = {src}.get")
        else:
            getter = f"{src}.get"
        assignments = []
        for field, json_name in fields:
            var = gen.var()
            key = path + "." + json_name
            tp, _ = _strip_none(field.type)
            required = field.default is attrs.NOTHING
            emit(f"{indent}{var} = {getter}({json_name!r})")
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
            elif _is_free(tp):
                if required:
                    emit(f"{indent}if {var} is None:")
                    emit(f"{indent}    raise _missing({key!r})")
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
        """A one-argument function converting one list item (or map value) of type `tp`."""
        if attrs.has(tp):
            return self.get(tp)
        gen = _Source("def item(v):")
        self._element(tp, gen, "v", "", "    ", ())
        gen.lines.append("    return v")
        label = tp.__name__ if isinstance(tp, type) else repr(tp).replace("typing.", "")
        return gen.compile("item", f"item {label}")

    def _build(self, cls: type) -> Callable[[Any], Any]:
        name = f"structure_{cls.__name__}"
        gen = _Source(f"def {name}(o):")
        self._object(cls, gen, "o", "o", "", "    ", ())
        gen.lines.append("    return o")
        return gen.compile(name, f"{cls.__module__}.{cls.__qualname__}")


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
        """Define the function `name`, its source in `linecache` as `<journey_async structure
        label>` (`-2`, `-3`... added when that file name is taken)."""
        source = "\n".join(self.lines) + "\n"
        filename = f"<journey_async structure {label}>"
        count = 1
        while filename in _filenames or filename in linecache.cache:
            count += 1
            filename = f"<journey_async structure {label}-{count}>"
        exec(compile(source, filename, "exec"), self.ns)
        _filenames.add(filename)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        return self.ns[name]  # type: ignore[no-any-return]


_filenames: set[str] = set()
_builder = _StructureFnBuilder()


def structure_fn(cls: type[_T]) -> Callable[[Any], _T]:
    """The strict structure function of `cls`: parsed JSON in, a `cls` out, or `Invalid`."""
    return _builder.get(cls)
