"""`transport="aiohttp"`: an httpx transport over one aiohttp `ClientSession` (asyncio only).

Imported only when a client asks for it (`_config.make_transport`), so `import journey_async`
never imports aiohttp. Built for this client rather than for any httpx user:

* The session keeps no cookies (`DummyCookieJar`), adds no headers of its own (the request's
  are sent as they are, `Host` and `Accept-Encoding` included), follows no redirects and does
  not decompress: the send path inflates gzip and deflate itself under `max_response_size`
  (`_send.read_bounded`), so compression bombs are refused here as on httpx's transport.
* httpx's timeouts map onto aiohttp's: `connect` on the socket connect, `read` on each socket
  read, `pool` on the wait for a connection (with the connect); the send path bounds each
  attempt as a whole, and when that bound ends before any read timeout would, no per-read
  timer is armed (`_within.outlasts`).
* aiohttp's errors become the httpx errors that httpx's own transport raises for the same
  failure, so retries classify them alike (`_retry.classify_transport_error`): a refused or
  failed connect is `ConnectError`, a timeout `ConnectTimeout`/`ReadTimeout`, a connection
  lost or a malformed answer `RemoteProtocolError`/`ReadError`.
* aiohttp's own resend of an idempotent request on a closed kept-alive connection is turned
  off: the client's retry policy decides, and counts each attempt.
* The body streams: a body read to its end returns the connection to aiohttp's pool; one
  abandoned (an oversized body, an error status's prefix, a cancellation) closes it.

TLS uses httpx's default context (certifi's certificates), as httpx's transport does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
from yarl import URL

from ._direct import prebuilt_headers
from ._within import outlasts

__all__ = ["AiohttpTransport"]


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An `httpx.AsyncBaseTransport` over an aiohttp session, opened on first use."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[Any, ...], aiohttp.ClientTimeout] = {}

    def _open(self) -> aiohttp.ClientSession:
        """The session: created in the running event loop, as aiohttp requires."""
        limits = self._limits
        connector = aiohttp.TCPConnector(
            limit=limits.max_connections or 0,
            limit_per_host=0,
            keepalive_timeout=limits.keepalive_expiry,
            ssl=httpx.create_ssl_context(),
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent", "Content-Type"),
            timeout=aiohttp.ClientTimeout(total=None),
        )
        if hasattr(self._session, "_retry_connection"):
            # aiohttp resends an idempotent request once when a kept-alive connection turns
            # out closed; the client's retry policy decides that, and counts the attempt.
            self._session._retry_connection = False
        return self._session

    def _timeout(
        self, timeout: dict[str, float | None] | None, *, within_attempt: bool = False
    ) -> aiohttp.ClientTimeout:
        """aiohttp's timeouts for httpx's `{"connect", "read", "write", "pool"}` (cached).

        `within_attempt`: the attempt's scope ends before any read timeout would, so no
        per-read timer is armed (aiohttp reschedules it on every chunk received)."""
        timeout = timeout or {}
        connect, pool = timeout.get("connect"), timeout.get("pool")
        read = None if within_attempt else timeout.get("read")
        key = (connect, read, pool)
        found = self._timeouts.get(key)
        if found is None:
            waits = [t for t in (connect, pool) if t is not None]
            found = aiohttp.ClientTimeout(
                total=None,
                connect=sum(waits) if len(waits) == 2 else None,
                sock_connect=connect,
                sock_read=read,
            )
            self._timeouts[key] = found
        return found

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request`; the response's body streams from aiohttp (see `_Body`)."""
        session = self._session or self._open()
        try:
            content = request.content
        except httpx.RequestNotRead:
            content = await request.aread()
        try:
            response = await session.request(
                request.method,
                URL(str(request.url), encoded=True),
                headers=[
                    (k.decode("latin-1"), v.decode("latin-1")) for k, _, v in request.headers._list
                ],
                data=content or None,
                allow_redirects=False,
                timeout=self._timeout(
                    request.extensions.get("timeout"), within_attempt=outlasts(request, "read")
                ),
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _mapped(exc, request, connecting=True) from exc
        return httpx.Response(
            response.status,
            # As `httpx.Headers(response.raw_headers)` keeps them, without its normalizing
            # pass over names and values that are bytes already.
            headers=prebuilt_headers([(k, k.lower(), v) for k, v in response.raw_headers]),
            stream=_Body(response, request),
            extensions={
                "http_version": b"HTTP/%d.%d" % tuple(response.version or (1, 1)),
                "reason_phrase": (response.reason or "").encode("latin-1", "replace"),
            },
        )

    async def aclose(self) -> None:
        """Close the session and its connections."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()


class _Body(httpx.AsyncByteStream):
    """A response body as it arrives; closing it before its end drops the connection."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def read_chunk(self) -> bytes:
        """The next chunk as it arrived, `b""` at the end: how the send path reads a body
        (`_body.read_bounded`), straight from aiohttp's stream with no generator between."""
        try:
            return await self._response.content.readany()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _mapped(exc, self._request, connecting=False) from exc

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while chunk := await self.read_chunk():
            yield chunk

    async def aclose(self) -> None:
        response = self._response
        if response.content.at_eof():
            response.release()  # read to its end: the connection goes back to the pool
        else:
            response.close()  # abandoned mid-body: the connection cannot be reused


def _mapped(exc: BaseException, request: httpx.Request, *, connecting: bool) -> httpx.HTTPError:
    """The httpx error that httpx's own transport raises for the same failure."""
    detail = str(exc) or type(exc).__name__
    error: httpx.HTTPError
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        error = httpx.ConnectTimeout(detail)
    elif isinstance(exc, TimeoutError):
        error = httpx.ReadTimeout(detail)
    elif isinstance(exc, aiohttp.ClientConnectorError):
        error = httpx.ConnectError(detail)
    elif isinstance(exc, aiohttp.InvalidURL):
        error = httpx.UnsupportedProtocol(detail)
    elif isinstance(
        exc,
        (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientResponseError),
    ):
        error = httpx.RemoteProtocolError(detail)
    elif isinstance(exc, aiohttp.ClientOSError):
        error = httpx.WriteError(detail) if connecting else httpx.ReadError(detail)
    else:
        error = httpx.ReadError(detail)
    error.request = request
    return error
