"""What every part of the fake shares: deterministic ids and hashes, the error type that becomes
an ErrorBody, query-parameter and body checks, cursors, and the page-number listing shape."""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

__all__: list[str] = []

EPOCH = datetime(2020, 11, 1)  # naive: generated times are UTC
Query = dict[str, list[str]]


def iso(moment: datetime) -> str:
    """`2020-11-02T14:21:07.512Z` (the API's form); naive datetimes are UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"


def now_iso() -> str:
    return iso(datetime.now(timezone.utc))


def mix(*parts: int) -> int:
    """A cheap deterministic 64-bit hash of integers (splitmix64 steps)."""
    value = 0x9E3779B97F4A7C15
    for part in parts:
        value = (value ^ (part & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        value ^= value >> 31
    return value


def _format_uuid(text: str) -> str:
    variant = "89ab"[int(text[16], 16) & 3]
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-{variant}{text[17:20]}-{text[20:]}"


def uuid(*parts: int) -> str:
    """A deterministic version-4 UUID string from integers."""
    text = f"{mix(*parts):016x}{mix(*parts, 0x5EED):016x}"
    variant = "89ab"[int(text[16], 16) & 3]
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-{variant}{text[17:20]}-{text[20:]}"


shared_uuid = functools.lru_cache(maxsize=8192)(uuid)
"""`uuid` for ids drawn from small sets (segments, customers, contacts), computed once."""


def packed_uuid(seed: int, kind: int, a: int, b: int) -> str:
    """A random-looking UUID that `unpack_uuid` turns back into `(a, b)` (0 <= a, b < 2**32).

    Lazily generated entities (a contact's millionth session) need no table to be found by id:
    the id carries its own coordinates, masked, with a 56-bit check that rejects other strings.
    """
    check = mix(seed, kind, a, b) >> 8
    raw = f"{check:014x}{((a << 32) | b) ^ mix(seed, kind, check):016x}"
    return _format_uuid(f"{raw[:12]}0{raw[12:15]}0{raw[15:]}")  # the 0s: version and variant


def unpack_uuid(seed: int, kind: int, text: str) -> tuple[int, int] | None:
    """The `(a, b)` of a `packed_uuid(seed, kind, a, b)`, or None for any other string."""
    digits = text.replace("-", "")
    if len(text) != 36 or len(digits) != 32:
        return None
    raw = digits[:12] + digits[13:16] + digits[17:]
    try:
        check = int(raw[:14], 16)
        payload = int(raw[14:], 16) ^ mix(seed, kind, check)
    except ValueError:
        return None
    a, b = payload >> 32, payload & 0xFFFFFFFF
    return (a, b) if packed_uuid(seed, kind, a, b) == text else None


class ApiError(Exception):
    """Answered as an ErrorBody with `status` (the fake's internal error, not the client's)."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def not_found(ident: str, what: str) -> ApiError:
    return ApiError(404, "not.found", f"{what} {ident} not found", entityId=ident)


def expect(ok: object, field: str, expected: str) -> None:
    if not ok:
        raise ApiError(
            400,
            "bad.request",
            f"Invalid value for {field}: expected {expected}",
            details=[{"errorCode": "invalid.value", "fieldName": field}],
        )


def json_body(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        raise ApiError(400, "bad.request", "The request body is not valid JSON") from None


def json_object(body: bytes) -> dict[str, Any]:
    data = json_body(body)
    expect(isinstance(data, dict), "body", "a JSON object")
    return data  # type: ignore[no-any-return]


def int_param(
    query: Query, name: str, default: int, *, minimum: int, maximum: int | None = None
) -> int:
    if name not in query:
        return default
    raw = query[name][0]
    if not (raw.isascii() and raw.isdecimal()):
        raise ApiError(400, "bad.request", f"Invalid value for {name}: {raw!r} is not a number")
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        limit = f"between {minimum} and {maximum}" if maximum else f"at least {minimum}"
        raise ApiError(400, "bad.request", f"Invalid value for {name}: must be {limit}")
    return value


def enum_param(query: Query, name: str, allowed: Sequence[str]) -> str | None:
    if name not in query:
        return None
    value = query[name][0]
    if value not in allowed:
        raise ApiError(
            400, "bad.request", f"Invalid value for {name}: must be one of {tuple(allowed)}"
        )
    return value


def bool_param(query: Query, name: str) -> bool | None:
    value = enum_param(query, name, ("true", "false"))
    return None if value is None else value == "true"


def list_param(query: Query, name: str, *, maximum: int | None = None) -> list[str] | None:
    """An array parameter sent repeated (`?a=1&a=2`, swagger multi) or comma-joined (`?a=1,2`)."""
    if name not in query:
        return None
    items = [item for raw in query[name] for item in raw.split(",") if item]
    if maximum is not None and len(items) > maximum:
        raise ApiError(400, "bad.request", f"Invalid value for {name}: at most {maximum} items")
    return items


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"o:{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind != "o" or not (number.isascii() and number.isdecimal()):
            raise ValueError(text)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "bad.request", f"Invalid cursor {cursor!r}") from None


def utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def number_page(
    base: str, entities: list[Any], number: int, size: int, total: int, extra: str = ""
) -> dict[str, Any]:
    """A page-number listing (`entities`, `pageSize`, `pageNumber`, `total`, `pageCount` and the
    first/self/last/next/previous URIs); `extra` is appended to each URI's query."""
    count = max(1, -(-total // size))
    page: dict[str, Any] = {
        "entities": entities,
        "pageSize": size,
        "pageNumber": number,
        "total": total,
        "firstUri": f"{base}?pageSize={size}&pageNumber=1{extra}",
        "selfUri": f"{base}?pageSize={size}&pageNumber={number}{extra}",
        "lastUri": f"{base}?pageSize={size}&pageNumber={count}{extra}",
        "pageCount": count,
    }
    if number < count:
        page["nextUri"] = f"{base}?pageSize={size}&pageNumber={number + 1}{extra}"
    if number > 1:
        page["previousUri"] = f"{base}?pageSize={size}&pageNumber={number - 1}{extra}"
    return page
