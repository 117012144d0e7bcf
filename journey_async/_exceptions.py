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
│   ├── RequestTimeoutError        the request or the whole call timed out (also a TimeoutError)
│   └── ResponseTooLargeError      a response body over the client's max_response_size .limit
├── DecodeError            a 2xx body that is not the JSON the model needs (keeps the raw text)
├── PaginationError        a foreign or overlong nextUri, a repeating cursor or page
└── JobError               an asynchronous job that failed, was cancelled, expired or timed out
```

Messages name the HTTP method, the path, the status and the correlation id. They never contain a
token: requests attached to errors carry `Authorization: [redacted]` and no password in their
URL, and a token the server echoes back is replaced by `[redacted]` in the error's message,
text and parsed body.

Every error pickles and copies with its attributes (to a process pool, a task queue, a log
shipper): `JourneyError.__reduce__` rebuilds the instance without calling `__init__`, whose
keyword-only arguments the default exception pickling cannot pass.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from .models import ErrorBody

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
    "RequestTimeoutError",
    "ResponseTooLargeError",
    "DecodeError",
    "PaginationError",
    "JobError",
    "REDACTED",
    "redact_request",
    "redact_exception_request",
    "scrub",
    "scrub_error",
]

REDACTED = "[redacted]"
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def redact_request(request: httpx.Request) -> httpx.Request:
    """Return a copy of `request` whose secret headers read `[redacted]` (body not copied).

    A password in the URL's user info (`https://user:secret@host`) is dropped too.
    """
    headers = [
        (name, REDACTED if name.lower() in _SECRET_HEADERS else value)
        for name, value in request.headers.items()
    ]
    url = request.url
    if url.password:
        url = url.copy_with(userinfo=url.userinfo.partition(b":")[0])
    return httpx.Request(request.method, url, headers=headers)


def redact_exception_request(exc: httpx.HTTPError) -> None:
    """Replace the request an httpx error carries by its redacted copy (`redact_request`).

    For the httpx exception chained under a `TransportError` (its `__cause__`), which a user
    can print or log with its request. Does nothing when the error has no request.
    """
    try:
        request = exc.request
    except RuntimeError:  # an httpx error raised before a request existed
        return
    exc.request = redact_request(request)


def scrub(text: str, request: httpx.Request | None) -> str:
    """Remove the request's bearer token from `text` (a server may echo it back in an error).

    Inside a JSON body the token may be written with escapes (`\\/` for `/`, as PHP's
    `json_encode` writes it); those spellings are replaced too.
    """
    if request is None:
        return text
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if not token or scheme.lower() not in ("bearer", "basic"):
        return text
    if token in text:
        text = text.replace(token, REDACTED)
    if "\\" in text:
        escaped = json.dumps(token)[1:-1]
        for spelling in (escaped, escaped.replace("/", "\\/")):
            if spelling != token and spelling in text:
                text = text.replace(spelling, REDACTED)
    return text


def scrub_error(error: BaseException, request: httpx.Request | None) -> None:
    """Remove the request's bearer token from `error`: its message and its str attributes.

    For an error built from a response body (`DecodeError.raw`, `ApiError.text`), where the
    server may have echoed the token back.
    """
    if request is None:
        return
    error.args = tuple(scrub(arg, request) if isinstance(arg, str) else arg for arg in error.args)
    for name, value in list(vars(error).items()):
        if isinstance(value, str):
            setattr(error, name, scrub(value, request))


def _rebuild(cls: type[JourneyError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """Unpickle a `JourneyError` (see `JourneyError.__reduce__`)."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class JourneyError(Exception):
    """Base class of every error this package raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # The default (`cls(*args)`, then the state) calls `__init__` with the message alone,
        # which fails for the keyword-only attributes of ApiError, ResponseTooLargeError...
        # Rebuilding without `__init__` restores every attribute as it was.
        return (_rebuild, (type(self), self.args, self.__dict__))


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


class RequestTimeoutError(TransportError, TimeoutError):
    """The request or the whole call timed out.

    Also a builtin `TimeoutError`, so `except TimeoutError` catches it as it catches the
    timeouts of asyncio and anyio.
    """


class ResponseTooLargeError(TransportError):
    """A response body larger than the client's `max_response_size`.

    Attributes:
        limit: the limit in bytes.
    """

    def __init__(
        self, description: str, *, request: httpx.Request | None = None, limit: int
    ) -> None:
        super().__init__(description, request=request)
        self.limit = limit


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
    """Pagination cannot go on safely: a foreign or overlong `nextUri`, or a cursor or page seen
    before."""


class JobError(JourneyError):
    """An asynchronous job that failed, was cancelled, expired or did not finish in time.

    Attributes:
        job_id: the job's id, or None if it was never created.
        state: the job's last known state (`FAILED`, `CANCELLED`, `EXPIRED`, ...), or None.
        error_message: the job's own error message, if the API gave one.
    """

    def __init__(
        self,
        description: str,
        *,
        job_id: str | None = None,
        state: str | None = None,
        error_message: str | None = None,
    ) -> None:
        super().__init__(description)
        self.job_id = job_id
        self.state = state
        self.error_message = error_message
