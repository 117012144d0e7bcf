"""Shared type aliases and protocols: the shapes of pluggable parts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

import httpx

__all__ = [
    "Handler",
    "Middleware",
    "Sleep",
    "Clock",
    "TokenProvider",
    "TokenSource",
    "TEMPLATE",
    "DEADLINE",
    "ATTEMPTS",
    "IDEMPOTENT",
]

# Keys of `httpx.Request.extensions` through which the layers of one call talk to each other.
TEMPLATE = "journey_async.template"
"""The operation's path template (`/api/v2/journey/actiontargets/{actionTargetId}`), for logs."""
DEADLINE = "journey_async.deadline"
"""When the whole call must end (the client's clock), or None: its retry budget."""
ATTEMPTS = "journey_async.attempts"
"""The number of the attempt in progress (1 for the first), for error messages."""

IDEMPOTENT = "journey_async.idempotent"
"""False for a request that creates something on each call (a POST that makes a segment, an
action map, an action template, a job): it is re-sent only when it surely did not reach the
server, or was answered 429 or 503. Absent means True."""

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]
"""Sends a request and returns its response: the `call_next` a middleware receives."""

Middleware = Callable[[httpx.Request, Handler], Awaitable[httpx.Response]]
"""`async def mw(request, call_next) -> response`: sees and may change every attempt."""

Sleep = Callable[[float], Awaitable[None]]
"""`anyio.sleep` by default; tests inject a recorder so they assert on waits instead of waiting."""

Clock = Callable[[], float]
"""A monotonic clock in seconds (`time.monotonic` by default)."""


@runtime_checkable
class TokenProvider(Protocol):
    """Gives the bearer token for each request, and forgets one the API rejected.

    `invalidate(token)` must only drop the cached token if it is `token`, so that a burst of
    401s caused by one expired token leads to one refresh.
    """

    async def get_token(self) -> str:
        """Return a valid access token (fetching or refreshing it if needed)."""
        ...

    async def invalidate(self, token: str) -> None:
        """Forget `token` (a request using it got 401), if it is still the cached one."""
        ...


TokenSource = TokenProvider | Callable[[], Awaitable[str]] | str
"""What `JourneyClient(token_provider=...)` accepts."""
