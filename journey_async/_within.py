"""Reads and writes that need no timeout of their own: the attempt's deadline comes first.

The send path runs each attempt under one cancel scope, cut at the attempt timeout or the
call's budget (`_send.SendPath._within_deadline`), and notes how long that scope lasts at
most in the request's extensions (`ATTEMPT_LENGTH`). The attempt timeout is the read
timeout (`_config.attempt_timeout`), so on the client's own transports each read's timeout
(and, with a plain `timeout=30.0`, each write's) ends after the attempt's deadline: it can
never be the one that fires. httpcore still opens a cancel scope for each read and write
(`anyio.fail_after`), and aiohttp arms a timer for each chunk received; `outlasts` tells a
transport when those are redundant for a request, and `AttemptStream` then skips the scopes.

A request without the note (one sent through user middleware, which may move the work to
another task, or without any deadline) keeps every per-operation timeout as before.
"""

from __future__ import annotations

import ssl
from typing import Any

import anyio
import httpcore
import httpx
from httpcore._backends.anyio import AnyIOStream
from httpcore._backends.base import AsyncNetworkStream

__all__ = ["ATTEMPT_LENGTH", "AttemptStream", "outlasts"]

ATTEMPT_LENGTH = "journey_async.attempt_length"
"""Key of `httpx.Request.extensions`: how long the scope around this attempt lasts at most,
in seconds from its start. Set only while that scope is active around the whole of the
request and its body, so what is left of it is never more than this: a timeout at least this
long can never fire first, and no clock needs reading to know it."""


def outlasts(request: httpx.Request, *names: str) -> bool:
    """True when the request's `names` timeouts (`"read"`, `"write"`) are each at least the
    attempt's whole length: the attempt's scope ends first, so it bounds those operations."""
    extensions = request.extensions
    length = extensions.get(ATTEMPT_LENGTH)
    if length is None:
        return False
    timeouts = extensions.get("timeout") or {}
    for name in names:
        timeout = timeouts.get(name)
        if timeout is not None and timeout < length:
            return False
    return True


class AttemptStream(AsyncNetworkStream):
    """httpcore's anyio stream whose reads and writes open no cancel scope of their own while
    `within_attempt` is set (by the transport, for one request at a time: see `outlasts`).

    Errors map as httpcore's `AnyIOStream` maps them; with `within_attempt` unset every call
    is httpcore's own, timeouts included.
    """

    def __init__(self, inner: AnyIOStream) -> None:
        self._inner = inner
        self._raw = inner._stream
        self.within_attempt = False

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109 - httpcore's interface
        if not self.within_attempt:
            return await self._inner.read(max_bytes, timeout)
        try:
            return await self._raw.receive(max_bytes=max_bytes)
        except anyio.EndOfStream:
            return b""
        except (anyio.BrokenResourceError, anyio.ClosedResourceError) as exc:
            raise httpcore.ReadError(exc) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109 - httpcore's interface
        if not self.within_attempt:
            await self._inner.write(buffer, timeout)
            return
        if not buffer:
            return
        try:
            await self._raw.send(item=buffer)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError) as exc:
            raise httpcore.WriteError(exc) from exc

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
    ) -> AsyncNetworkStream:
        return await self._inner.start_tls(ssl_context, server_hostname, timeout)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)
