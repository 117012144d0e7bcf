"""The one place where an HTTP error status becomes an exception class.

The body is a server's text and is treated as hostile: a token it echoes back is replaced by
`[redacted]` before anything else reads it (so `text`, `message`, every field of `body` and the
message are clean), and a body that cannot be parsed (not JSON, nested deeper than the parser
or the interpreter allows) leaves `body` None rather than raising something else.
"""

from __future__ import annotations

import json
import math

import httpx

from . import models
from ._exceptions import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DecodeError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    redact_request,
    scrub,
)
from ._retry import parse_retry_after
from ._serde import decode_data

__all__ = ["error_class", "make_status_error"]

_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def error_class(status: int) -> type[ApiError]:
    """The `ApiError` subclass for an HTTP status (other 4xx: `ApiError` itself)."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ApiError)


def _scrubbed(value: object, request: httpx.Request) -> object:
    """`value` (parsed JSON) with the token removed from every string, keys included."""
    if isinstance(value, str):
        return scrub(value, request)
    if isinstance(value, list):
        return [_scrubbed(item, request) for item in value]
    if isinstance(value, dict):
        return {scrub(k, request): _scrubbed(v, request) for k, v in value.items()}
    return value


def make_status_error(response: httpx.Response, *, context: str) -> ApiError:
    """Build the error for a non-2xx response; `context` is `METHOD /path` for the message."""
    status = response.status_code
    request = response.request
    text = scrub(response.text, request)
    body: models.ErrorBody | None = None
    try:
        data = json.loads(text)
        if "\\" in text:
            # Escapes can spell the token in ways `scrub` does not know (`\\u0074...`): clean
            # the parsed strings as well.
            data = _scrubbed(data, request)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser allows
        data = None
    if isinstance(data, dict):
        try:
            body = decode_data(data, models.ErrorBody)
        except DecodeError:
            body = None
    code = body.code if body is not None else None
    message = body.message if body is not None and body.message else None
    if message is None:
        message = " ".join(text.split())[:300] or response.reason_phrase or None
    if message is not None:
        message = scrub(message, request)
    correlation_id = response.headers.get("inin-correlation-id")
    if correlation_id is not None:
        correlation_id = scrub(correlation_id, request)
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    description = f"{context} -> {status}"
    if code:
        description += f" {code}"
    if message:
        description += f": {message}"
    if correlation_id:
        description += f" (correlation id {correlation_id})"
    if retry_after is not None:
        description += (
            f"; retry after {retry_after:g} s"
            if math.isfinite(retry_after)
            else "; Retry-After too long to represent"
        )
    return error_class(status)(
        description,
        status=status,
        request=redact_request(request),
        code=code,
        message=message,
        correlation_id=correlation_id,
        body=body,
        text=text,
        retry_after=retry_after,
    )
