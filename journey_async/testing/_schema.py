"""Request bodies of the 2026 operations checked against their OpenAPI schemas.

`_requests2026.json` holds the request schemas of `spec/journey-2026.json` (and those they
refer to) without their prose; `tests/testing/test_fake_schema.py` checks it is still the
spec's. The checker covers what those schemas use (`$ref`, `allOf`, `type`, `enum`, `required`,
`properties`, `items`, `additionalProperties`, int32 and date-time formats). Fields the schema does
not name are dropped (not refused: the API ignores them too, as far as is known).
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from ._util import ApiError, utc

__all__ = ["check_body"]

_INT32 = (-(2**31), 2**31 - 1)


@functools.lru_cache(maxsize=1)
def _schemas() -> dict[str, Any]:
    text = (
        resources.files("journey_async.testing").joinpath("_requests2026.json").read_text("utf-8")
    )
    return json.loads(text)  # type: ignore[no-any-return]


def check_body(data: Any, name: str) -> Any:
    """`data` without the fields schema `name` does not name (nor nulls); a 400 ApiError naming
    the first field that breaks the schema."""
    return _check(data, {"$ref": f"#/components/schemas/{name}"}, "body")


def _fail(field: str, message: str, code: str = "invalid.value") -> ApiError:
    return ApiError(
        400,
        "bad.request",
        f"Invalid value for {field}: {message}",
        details=[{"errorCode": code, "fieldName": field}],
    )


def _join(path: str, name: str) -> str:
    return name if path == "body" else f"{path}.{name}"


def _check(value: Any, schema: dict[str, Any], path: str) -> Any:
    while "$ref" in schema or "allOf" in schema:
        if "$ref" in schema:
            schema = _schemas()[schema["$ref"].rsplit("/", 1)[1]]
        else:
            for part in schema["allOf"][1:]:
                _check(value, part, path)
            schema = schema["allOf"][0]
    kind = schema.get("type", "object" if "properties" in schema else None)
    if kind == "object":
        if not isinstance(value, dict):
            raise _fail(path, "expected an object")
        for name in schema.get("required", ()):
            if value.get(name) is None:
                field = _join(path, name)
                raise ApiError(
                    400,
                    "bad.request",
                    f"Missing required field {field}",
                    details=[{"errorCode": "missing.value", "fieldName": field}],
                )
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        clean = {}
        for name, item in value.items():
            sub = properties.get(name, extra)
            if sub is not None and item is not None:
                clean[name] = _check(item, sub if isinstance(sub, dict) else {}, _join(path, name))
        return clean
    if kind == "array":
        if not isinstance(value, list):
            raise _fail(path, "expected an array")
        items = schema.get("items", {})
        return [_check(item, items, f"{path}[{index}]") for index, item in enumerate(value)]
    if kind == "string":
        if not isinstance(value, str):
            raise _fail(path, "expected a string")
        if schema.get("format") == "date-time":
            try:
                utc(value)
            except ValueError:
                raise _fail(path, "expected an ISO-8601 date-time") from None
    elif kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(path, "expected an integer")
        if schema.get("format") == "int32" and not _INT32[0] <= value <= _INT32[1]:
            raise _fail(path, "expected a 32-bit integer")
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(path, "expected a number")
    elif kind == "boolean" and not isinstance(value, bool):
        raise _fail(path, "expected true or false")
    if "enum" in schema and value not in schema["enum"]:
        raise _fail(path, f"expected one of {', '.join(schema['enum'])}")
    return value
