"""JSON responses -> models: the JSON parser, and `decode` / `decode_data`.

Bodies are parsed by orjson when it is installed (the `orjson` extra; about twice as fast as
`json.loads`), else by the standard library; `JOURNEY_ASYNC_JSON=stdlib` forces the latter.
Either way the result, or the error, is the one the standard library would give.

`decode()` turns a response body into a model through the strict structure functions of
`_structure` and raises `DecodeError` with a JSON path (`$.entities[3].dateAssigned`) and the
raw text. Request bodies (models -> JSON) are `_wire`'s.
"""

from __future__ import annotations

import gc
import json
import os
import re
from collections.abc import Callable
from typing import Any, TypeVar

from ._exceptions import DecodeError
from ._structure import Invalid, holds_free_json, structure_fn

__all__ = ["JSON_ENV", "decode", "decode_data", "json_backend"]

_T = TypeVar("_T")

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
    become floats), `decode` parses again when the model refuses orjson's reading, and uses
    `json.loads` from the start for a model that keeps JSON as parsed (a free-form map) when
    the body has a run of 19 digits. Either way the result, or the error, is the standard
    library's.
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


# Where orjson and the stdlib can read a number differently: 19 digits or more.
_LONG_NUMBER = re.compile("[0-9]{19}")
_LONG_NUMBER_BYTES = re.compile(b"[0-9]{19}")


def decode(content: bytes | str, cls: type[_T], *, context: str = "") -> _T:
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


def _decode(content: bytes | str, cls: type[_T], context: str) -> _T:
    prefix = f"{context}: " if context else ""
    loads = _loads or _select_loads()
    if loads is not json.loads and holds_free_json(cls):
        pattern = _LONG_NUMBER_BYTES if isinstance(content, bytes) else _LONG_NUMBER
        if pattern.search(content):  # type: ignore[arg-type]
            loads = json.loads  # what orjson reads as a float would be kept as one
    try:
        data = loads(content)
    except (ValueError, RecursionError) as exc:
        raw = _text(content)
        msg = f"{prefix}response body is not valid JSON ({exc}); body starts {raw[:80]!r}"
        raise DecodeError(msg, path="$", raw=raw) from None
    structure = structure_fn(cls)
    try:
        return structure(data)
    except Invalid as err:
        failure = err
    except RecursionError:
        raise _too_deep(cls, content, context) from None
    if loads is not json.loads:
        # orjson reads integers beyond 64 bits as floats where the stdlib keeps them exact;
        # a body is refused only if the stdlib's reading of it is refused too.
        try:
            return structure(json.loads(content))
        except Invalid as err:
            failure = err
        except (ValueError, RecursionError):  # pragma: no cover - orjson is the stricter one
            pass
    raise _decode_error(failure, cls, content, context)


def decode_data(data: object, cls: type[_T], *, content: bytes | str = "", context: str = "") -> _T:
    """Structure parsed JSON `data` into `cls` (see `decode`)."""
    try:
        return structure_fn(cls)(data)
    except Invalid as err:
        raise _decode_error(err, cls, content, context) from None
    except RecursionError:
        raise _too_deep(cls, content, context) from None


def _too_deep(cls: type, content: bytes | str, context: str) -> DecodeError:
    """A document that JSON parsing accepted but that nests a recursive model (`ErrorBody` in
    `errors`) deeper than the interpreter's recursion limit allows to build."""
    prefix = f"{context}: " if context else ""
    msg = f"{prefix}cannot decode {cls.__name__}: the document is nested too deeply"
    return DecodeError(msg, path="$", raw=_text(content))


def _decode_error(err: Invalid, cls: type, content: bytes | str, context: str) -> DecodeError:
    prefix = f"{context}: " if context else ""
    msg = f"{prefix}cannot decode {cls.__name__} at {err.path}: {err.reason}"
    return DecodeError(msg, path=err.path, raw=_text(content))


def _text(content: bytes | str) -> str:
    if isinstance(content, bytes):
        return content.decode("utf-8", errors="replace")
    return content
