"""The exceptions journey_async raises, all under one base class.

```
JourneyError
├── ApiError               .status .code .message .correlation_id .body .request .retry_after
│   ├── BadRequestError            400
│   ├── AuthenticationError        401
│   ├── PermissionDeniedError      403
│   ├── NotFoundError              404
│   ├── ConflictError              409
│   ├── RateLimitError             429
│   └── ServerError                5xx
├── TransportError         connection failures and timeouts (the httpx error is __cause__)
├── DecodeError            a 2xx body that is not the JSON the model needs (keeps the raw text)
└── PaginationError        a foreign nextUri, a repeating cursor or page
```

Messages name the HTTP method, the path, the status and the correlation id. They never contain a
token: requests attached to errors carry `Authorization: [redacted]`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from ._models import ErrorBody

__all__ = [
    "JourneyError",
    "ApiError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "ServerError",
    "TransportError",
    "DecodeError",
    "PaginationError",
    "REDACTED",
    "redact_request",
    "scrub",
]

REDACTED = "[redacted]"
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def redact_request(request: httpx.Request) -> httpx.Request:
    """Return a copy of `request` whose secret headers read `[redacted]` (body not copied)."""
    headers = [
        (name, REDACTED if name.lower() in _SECRET_HEADERS else value)
        for name, value in request.headers.items()
    ]
    return httpx.Request(request.method, request.url, headers=headers)


def scrub(text: str, request: httpx.Request | None) -> str:
    """Remove the request's bearer token from `text` (a server may echo it back in an error)."""
    if request is None:
        return text
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if token and scheme.lower() in ("bearer", "basic") and token in text:
        return text.replace(token, REDACTED)
    return text


class JourneyError(Exception):
    """Base class of every error this package raises on purpose."""


class ApiError(JourneyError):
    """The API answered with an error status (4xx/5xx).

    Attributes:
        status: the HTTP status code.
        code: the `code` of the ErrorBody (`not.found`, ...), or None.
        message: the server's message (ErrorBody `message`, else the raw body text, trimmed).
        correlation_id: the `inin-correlation-id` response header, for Genesys support.
        body: the parsed `ErrorBody`, or None when the body was not one.
        text: the raw response body text.
        request: the request, with its `Authorization` value replaced by `[redacted]`.
        retry_after: the `Retry-After` header in seconds, or None when the response had none.
    """

    def __init__(
        self,
        description: str,
        *,
        status: int,
        request: httpx.Request,
        code: str | None = None,
        message: str | None = None,
        correlation_id: str | None = None,
        body: ErrorBody | None = None,
        text: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.message = message
        self.correlation_id = correlation_id
        self.body = body
        self.text = text
        self.request = request
        self.retry_after = retry_after


class BadRequestError(ApiError):
    """400: the API rejected the request (a bad parameter or body)."""


class AuthenticationError(ApiError):
    """401: the token is missing, expired or revoked, or a token grant was refused."""


class PermissionDeniedError(ApiError):
    """403: the token lacks a permission the operation needs."""


class NotFoundError(ApiError):
    """404: no such resource (or the endpoint does not exist in this org or region)."""


class ConflictError(ApiError):
    """409: the request conflicts with the resource's current state."""


class RateLimitError(ApiError):
    """429: too many requests; `retry_after` says how long the server asked us to wait."""


class ServerError(ApiError):
    """5xx: the API or a gateway in front of it failed."""


class TransportError(JourneyError):
    """The request could not be completed: connection failure, timeout, dropped response.

    The httpx exception is chained as `__cause__`. `request` is the redacted request.
    """

    def __init__(self, description: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(description)
        self.request = request


class DecodeError(JourneyError):
    """A successful (2xx) response whose body is not the JSON the model needs.

    Attributes:
        path: the JSON path where decoding failed (`$.entities[3].dateAssigned`), `$` for
            the whole document.
        raw: the body text as received.
    """

    def __init__(self, description: str, *, path: str = "$", raw: str = "") -> None:
        super().__init__(description)
        self.path = path
        self.raw = raw


class PaginationError(JourneyError):
    """Pagination cannot go on safely: a foreign `nextUri`, or a cursor or page seen before."""
