"""Operations as data: what each API operation sends, and the one place that checks and encodes it.

An `Operation` says everything the client needs about an endpoint: method, path template, path
and query parameters with their limits, body, result, pagination, idempotency, deprecation.
`prepare()` turns a call's arguments into a `Prepared` request (path with each id checked and
percent-encoded once, query pairs, JSON body), raising `ValueError`/`TypeError` before any
request. A pager prepares once and then only swaps its cursor or page number per page.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlencode

import attrs
import httpx

from ._checks import check_int
from ._pagination import AsyncPager, Listing
from ._wire import encode

__all__ = [
    "Era",
    "HttpMethod",
    "ListFormat",
    "Operation",
    "Pagination",
    "Param",
    "ParamKind",
    "Prepared",
    "prepare",
    "path_segment",
    "call_args",
    "given_args",
    "warn_deprecated",
    "OperationHost",
]

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]

ParamKind = Literal["str", "int", "bool", "str-list", "numeric-str"]
"""How a parameter's value is written: `numeric-str` is a number the API declares as a string
(the `pageSize` of the cursor listings): an int is accepted and sent as its decimal text."""

ListFormat = Literal["multi", "csv"]
"""How a `str-list` goes on the query string: `multi` repeats the key (`a=1&a=2`), `csv` sends one
comma-joined value (`a=1,2`)."""

Pagination = Literal["none", "cursor-after", "cursor-field", "page-number"]
"""`cursor-after`: the next cursor is the `after` query parameter inside the response's `nextUri`;
`cursor-field`: the response has a `cursor` field, sent back as the `cursor` parameter;
`page-number`: `pageNumber` + 1 until `pageCount`; `none`: one response holds everything."""

Era = Literal["2020", "2026", "both"]
"""Which API description has the operation: `spec/journey-2020.json`, `spec/journey-2026.json`
or both (the same method, path and parameters in each)."""


@attrs.frozen(kw_only=True)
class Param:
    """One path or query parameter of an operation."""

    name: str
    """The Python name, as in the official SDK (`contact_id`, `page_size`, `segment_ids`)."""
    wire: str
    """The name in the path template or on the query string (`contactId`, `pageSize`)."""
    kind: ParamKind
    required: bool = False
    default: object = None
    """The API's documented default (`None` when none is documented)."""
    minimum: int | None = None
    """The smallest value accepted (`int` and `numeric-str`)."""
    maximum: int | None = None
    """The largest value (`int` and `numeric-str`), or the most items (`str-list`)."""
    enum: tuple[str, ...] | None = None
    """The allowed values; for a `str-list`, the allowed members."""
    list_format: ListFormat | None = None
    """How a `str-list` is written on the query string; `None` for the other kinds."""


@attrs.frozen(kw_only=True)
class Operation:
    """One operation of the Journey API, with the official Python SDK's method name."""

    name: str
    """The SDK method name (`get_journey_segments`)."""
    method: HttpMethod
    template: str
    """The path, `{camelName}` placeholders for the path parameters (`/api/v2/journey/...`)."""
    path_params: tuple[Param, ...]
    query_params: tuple[Param, ...]
    body: str | None
    """The request body's model class name, `list[Model]` for an array body, `None` for none."""
    body_required: bool
    returns: str | None
    """The response model's class name; `None` when the success response has no body."""
    success: int
    """The success status the spec lists (inferred by the spec's authors: accept any 2xx)."""
    pagination: Pagination
    era: Era
    deprecated: str | None
    """Why the operation should not be used (deprecated, or retired from the live API)."""
    idempotent: bool
    """False for the requests that create something on each call (a retry could duplicate it)."""

    @property
    def params(self) -> tuple[Param, ...]:
        """The path parameters followed by the query parameters."""
        return self.path_params + self.query_params


@attrs.frozen
class Prepared:
    """A checked request: path (ids encoded), query pairs, JSON body."""

    path: str
    query: tuple[tuple[str, str], ...]
    content: bytes | None

    def target(self, wire: str | None = None, value: str | None = None) -> str:
        """Path plus query string; with `wire`, that query value replaced (a pager's cursor or
        page number), or dropped when `value` is None."""
        query = self.query
        if wire is not None:
            replaced = [(k, v) for k, v in query if k != wire]
            if value is not None:
                at = next((i for i, (k, _) in enumerate(query) if k == wire), len(replaced))
                replaced.insert(at, (wire, value))
            query = tuple(replaced)
        return self.path + "?" + urlencode(query) if query else self.path


def path_segment(name: str, value: object) -> str:
    """Percent-encode `value` as exactly one path segment (`/`, `?`, `#`, `%`, `..` included)."""
    if not isinstance(value, str):
        msg = f"{name} must be a str, got {type(value).__name__}"
        raise ValueError(msg)
    if not value:
        msg = f"{name} must not be empty"
        raise ValueError(msg)
    if value in (".", ".."):
        # No encoding is safe: servers may decode `%2E` (RFC 3986 6.2.2.2) and then resolve the
        # dot segment, so the request would reach another path (Stoplight Prism does this).
        msg = f"{name} {value!r} cannot be sent as a URL path segment"
        raise ValueError(msg)
    return quote(value, safe="")


def prepare(
    op: Operation,
    values: Mapping[str, Any],
    body_types: tuple[type, ...] = (),
    body: object = None,
) -> Prepared:
    """Check and encode one call of `op`; bad input raises before anything is sent."""
    path = op.template
    for param in op.path_params:
        path = path.replace("{" + param.wire + "}", path_segment(param.name, values[param.name]))
    query: list[tuple[str, str]] = []
    for param in op.query_params:
        value = values.get(param.name)
        if value is not None:
            query.extend(_query_value(param, value))
        elif param.default is not None and param.name in values:
            # A parameter with a default is always sent: None is not a value for it.
            msg = f"{param.name} must be given a value (default {param.default!r}), got None"
            raise ValueError(msg)
    content = None
    if body is not None:
        content = _body(op, body, body_types)
    elif op.body_required:
        msg = f"{op.name} needs a body"
        raise ValueError(msg)
    return Prepared(path, tuple(query), content)


def _query_value(param: Param, value: object) -> list[tuple[str, str]]:
    kind = param.kind
    if kind in ("int", "numeric-str"):
        return [(param.wire, str(_number(param, value)))]
    if kind == "bool":
        if not isinstance(value, bool):
            msg = f"{param.name} must be True or False, got {value!r}"
            raise ValueError(msg)
        return [(param.wire, "true" if value else "false")]
    if kind == "str-list":
        return _str_list(param, value)
    return [(param.wire, _text(param, value))]


def _number(param: Param, value: object) -> int:
    """An int (or, for numeric-str parameters such as `page_size`, a numeric str) in range."""
    name = param.name
    if isinstance(value, str):  # a numeric str, as the SDK documented page sizes
        text = value.strip()
        if not text.isdecimal():
            msg = f"{name} must be a whole number, got {value!r}"
            raise ValueError(msg)
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{name} must be an int, got {type(value).__name__}"
        raise ValueError(msg)
    low = param.minimum if param.minimum is not None else 1
    high = param.maximum
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        msg = f"{name} must be {bound}, got {value}"
        raise ValueError(msg)
    return value


def _text(param: Param, value: object) -> str:
    """A non-empty str (str enums accepted), one of `param.enum` when that is set."""
    if not isinstance(value, str) or not value:
        what = "one of " + str(sorted(param.enum)) if param.enum else "a non-empty string"
        msg = f"{param.name} must be {what}, got {value!r}"
        raise ValueError(msg)
    text = str(value)  # a str enum member becomes its value
    if param.enum is not None:
        allowed = param.enum
        parts = text.split(",") if param.list_format == "csv" else [text]
        if any(part not in allowed for part in parts):
            msg = f"{param.name} must be one of {sorted(allowed)}, got {value!r}"
            raise ValueError(msg)
    return text


def _str_list(param: Param, value: object) -> list[tuple[str, str]]:
    if isinstance(value, str) and param.list_format == "csv":
        value = value.split(",")  # the SDK's comma-joined form of a csv list
    if isinstance(value, str) or not isinstance(value, Sequence):
        msg = f"{param.name} must be a list of strings, got {type(value).__name__}"
        raise ValueError(msg)
    items = [_text(param, item) for item in value]
    if not items and param.maximum is not None:
        # An empty id list would send no ids, and the API would answer with every object.
        msg = f"{param.name} must list at least one id (at most {param.maximum}), got none"
        raise ValueError(msg)
    if param.maximum is not None and len(items) > param.maximum:
        msg = f"{param.name} takes at most {param.maximum} items, got {len(items)}"
        raise ValueError(msg)
    if param.list_format == "csv":
        return [(param.wire, ",".join(items))] if items else []
    return [(param.wire, item) for item in items]


def _body(op: Operation, body: object, types: tuple[type, ...]) -> bytes:
    """The JSON body: a model of the operation's type or a dict (a list of them for arrays)."""
    expected = (*types, dict)
    names = " or ".join(t.__name__ for t in expected)
    if op.body is not None and op.body.startswith("list["):
        if not isinstance(body, list | tuple):
            msg = f"body must be a list of {names}, got {type(body).__name__}"
            raise TypeError(msg)
        for item in body:
            if not isinstance(item, expected):
                msg = f"body items must be {names}, got {type(item).__name__}"
                raise TypeError(msg)
        return encode(list(body))
    if not isinstance(body, expected):
        msg = f"body must be {names}, got {type(body).__name__}"
        raise TypeError(msg)
    return encode(body)


def call_args(values: dict[str, Any], *skip: str) -> dict[str, Any]:
    """A method's own arguments (its `locals()` at entry), without `self` and `skip`."""
    return {k: v for k, v in values.items() if k != "self" and k not in skip}


def given_args(values: dict[str, Any], *skip: str) -> dict[str, Any]:
    """Like `call_args`, without the arguments left at None (the API's own default applies)."""
    return {k: v for k, v in values.items() if k != "self" and k not in skip and v is not None}


_warned: set[str] = set()
"""The operations whose deprecation was already reported in this process."""


def warn_deprecated(op: Operation, stacklevel: int) -> None:
    """Emit `op`'s DeprecationWarning, with its reason, the first time `op` is used.

    `stacklevel` counts from the caller of this function (1: the caller's own line).
    """
    if op.deprecated is None or op.name in _warned:
        return
    _warned.add(op.name)
    msg = f"{op.name} is deprecated: {op.deprecated}"
    warnings.warn(msg, DeprecationWarning, stacklevel=stacklevel + 1)


T = TypeVar("T")
P = TypeVar("P", bound=Listing)


class OperationHost:
    """What the operation mixins need from the client: its one generic path.

    `JourneyClient` implements these; the mixins (`Operations2020`, ...) only describe calls.
    """

    def _prepare(self, op: Operation, values: Mapping[str, Any], body: object = None) -> Prepared:
        """Check one call of `op` (a deprecated operation warns once)."""
        raise NotImplementedError

    async def _run(self, op: Operation, model: type[T], /, body: object = None, **values: Any) -> T:
        """Check one call of `op`, send it and decode the result into `model`."""
        raise NotImplementedError

    async def _run_no_result(self, op: Operation, /, body: object = None, **values: Any) -> None:
        """Check one call of `op` and send it; the response has no body to decode."""
        raise NotImplementedError

    async def _request(self, op: Operation, prepared: Prepared, target: str) -> httpx.Response:
        """Send a prepared call; a non-2xx answer is raised."""
        raise NotImplementedError

    def _body_types(self, op: Operation) -> tuple[type, ...]:
        """The model classes `op`'s body may be, besides a dict."""
        raise NotImplementedError

    def _cursor_pager(
        self,
        op: Operation,
        model: type[P],
        values: dict[str, Any],
        limit: int | None,
        prefetch: bool,
    ) -> AsyncPager[Any, P]:
        """A pager following the `after` cursor of `nextUri`."""
        raise NotImplementedError

    def _page_number_pager(
        self, op: Operation, model: type[P], values: dict[str, Any], limit: int | None, depth: int
    ) -> AsyncPager[Any, P]:
        """A pager following page numbers."""
        raise NotImplementedError

    def _cursor_field_pager(
        self,
        op: Operation,
        model: type[T],
        values: dict[str, Any],
        limit: int | None,
        prefetch: bool,
    ) -> AsyncPager[Any, T]:
        """A pager sending back each page's `cursor` field."""
        raise NotImplementedError

    def _one_page_pager(
        self, op: Operation, model: type[P], values: dict[str, Any], limit: int | None
    ) -> AsyncPager[Any, P]:
        """A pager over one unpaged response."""
        raise NotImplementedError


def check_limit(limit: object) -> int | None:
    """A pager's `limit`: None, or a whole number of items >= 0."""
    return None if limit is None else check_int("limit", limit, minimum=0)
