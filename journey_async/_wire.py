"""The wire rules: JSON names, date-times, and request bodies (models -> JSON).

* JSON names: an attribute's JSON name is `to_camel(attribute)` (`date_assigned` ->
  `dateAssigned`), unless the module that defines the model says otherwise in a module-level
  `JSON_NAMES` dict, `{(class name, attribute): JSON name}` (`journey_async._generated.models`
  lists the token endpoint's snake_case fields there). `model_fields` gives each field of a
  model with its JSON name; decoding (`_structure`) and encoding (here) both read names there.
* Date-times: `parse_datetime` reads ISO-8601 (no offset means UTC), `format_datetime` writes
  `2020-11-02T14:21:07.512Z`.
* Request bodies: `request_json` / `encode` turn a model, a dict or a list of them into JSON
  data / bytes: attributes under their JSON names, fields that are `None` dropped, date-times
  as above and enums as their values. Models go through cattrs' generated unstructure
  functions, on a converter built on first use (importing cattrs costs import time).
"""

from __future__ import annotations

import enum
import importlib
import json
import re
import sys
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from collections.abc import Callable

    import cattrs

__all__ = [
    "encode",
    "format_datetime",
    "fromisoformat",
    "model_fields",
    "parse_datetime",
    "to_camel",
    "to_jsonable",
    "request_json",
    "unstructure",
]

_UTC = timezone.utc


# ---------------------------------------------------------------------------------------------
# JSON names


def to_camel(name: str) -> str:
    """Map a snake_case attribute name to the API's camelCase JSON name."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_fields: dict[type, tuple[tuple[attrs.Attribute[Any], str], ...]] = {}


def model_fields(cls: type) -> tuple[tuple[attrs.Attribute[Any], str], ...]:
    """The fields of model `cls`, each with its JSON name, annotations resolved.

    Annotations are resolved on first use (about 10 ms for all models at import), in the
    namespace of the module the class was written in (`sys.modules[cls.__module__]`), so
    models defined elsewhere (tests, users' subclasses) resolve in their own module.
    """
    found = _fields.get(cls)
    if found is None:
        name = cls.__module__
        namespace = vars(sys.modules.get(name) or importlib.import_module(name))
        attrs.resolve_types(cls, globalns=namespace)
        names = namespace.get("JSON_NAMES")
        overrides: dict[tuple[str, str], str] = names if isinstance(names, dict) else {}
        found = tuple(
            (field, overrides.get((cls.__name__, field.name)) or to_camel(field.name))
            for field in attrs.fields(cls)
        )
        _fields[cls] = found
    return found


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
        result = fromisoformat(value)
    except ValueError:
        result = _parse_datetime_slow(value)
    if result.tzinfo is None:
        result = result.replace(tzinfo=_UTC)
    return result


fromisoformat: Callable[[str], datetime]
"""`datetime.fromisoformat`, taking a trailing `Z` on Python 3.10 too: the fast path of
`parse_datetime` (a value it refuses may still be one `parse_datetime` reads)."""

if sys.version_info >= (3, 11):
    fromisoformat = datetime.fromisoformat  # understands `Z` and any fraction length
else:  # pragma: no cover - exercised on Python 3.10 only

    def fromisoformat(value: str) -> datetime:
        if value[-1:] in ("Z", "z"):
            value = value[:-1] + "+00:00"
        return datetime.fromisoformat(value)


def format_datetime(value: datetime) -> str:
    """Format a `datetime` the way the API writes them: UTC, milliseconds, `Z` (naive = UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(_UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


# ---------------------------------------------------------------------------------------------
# Request bodies

_converter: cattrs.Converter | None = None


def _get_converter() -> cattrs.Converter:
    """The package's cattrs converter (unstructuring only), built on first use."""
    global _converter
    if _converter is None:
        import cattrs
        from cattrs.gen import make_dict_unstructure_fn, override

        conv = cattrs.Converter()

        def unstructure_hook(cls: Any) -> Callable[[Any], dict[str, Any]]:
            renames: dict[str, Any] = {
                field.name: override(rename=name) for field, name in model_fields(cls)
            }
            return make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True, **renames)

        def unstructure_any(value: object) -> Any:
            # A free-form value (`dict[str, object]`): by what it holds, as `Any` is.
            return value if value.__class__ is object else conv.unstructure(value)

        conv.register_unstructure_hook(datetime, format_datetime)
        conv.register_unstructure_hook_factory(attrs.has, unstructure_hook)
        conv.register_unstructure_hook_func(lambda tp: tp is object, unstructure_any)
        _converter = conv
    return _converter


def unstructure(value: object) -> Any:
    """A model (or a list or dict of them) as the API's JSON data, with no request checks.

    JSON names, `None` fields left out, date-times and enums as the API writes them: what
    `request_json` sends, also for response models (which `request_json` would check).
    """
    return _get_converter().unstructure(value)


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
        elif isinstance(value, list | dict):
            for item in value.values() if isinstance(value, dict) else value:
                if attrs.has(type(item)):
                    _check_required(item)


def request_json(body: object) -> object:
    """Turn a request body (a model, or a list of models and dicts) into JSON-ready data, with
    the request checks (a required field left None is refused); dicts pass as given."""
    if isinstance(body, list | tuple):
        return [request_json(item) for item in body]
    if attrs.has(type(body)):
        _check_required(body)
        return unstructure(body)
    if isinstance(body, dict):
        return body
    msg = f"a request body must be a model, a dict or a list of them, not {type(body).__name__}"
    raise TypeError(msg)


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return format_datetime(value)
    if attrs.has(type(value)):
        return request_json(value)
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
            request_json(body),
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


def to_jsonable(value: object) -> Any:
    """`value` in the API's own JSON form, ready for `json.dumps` or a web framework's response.

    A model (or a listing) becomes a dict with the API's camelCase names, ISO 8601 date-times
    and enum values, unset (None) fields left out; lists, tuples and dicts are converted item
    by item; JSON scalars and None pass as they are. The result decodes back into an equal
    model (`journey_async._serde.decode_data(result, type(model))`). A type JSON has no form
    for is a `TypeError`.
    """
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if attrs.has(type(value)):
        return unstructure(value)
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, datetime):
        return format_datetime(value)
    msg = f"to_jsonable: {type(value).__name__} has no JSON form"
    raise TypeError(msg)
