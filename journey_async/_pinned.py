"""The default transport of a client-owned httpx client: one HTTP/1.1 connection per request.

httpx's `HTTPTransport` hands each request to httpcore's `AsyncConnectionPool`, which keeps
every request and connection on shared books and rescans them on each request and each close
(`_assign_requests_to_connections`, with an expiry check per idle connection: a `poll(2)`, a
`getpeername(2)`, anyio's socket attributes), behind a connection wrapper whose lock costs an
event-loop turn per request. The client already caps the requests in flight, so it needs none
of that: `PinnedTransport` pops an idle connection off a stack (or opens one), pins the
request to it until the body is closed, and pushes it back if it is still reusable. What it
reuses from httpcore is the HTTP/1.1 connection itself (`AsyncHTTP11Connection`: h11,
timeouts per read and write, keep-alive; without its state lock, which a pinned connection
does not need: `_PinnedConnection`) and the network backend (anyio: asyncio and trio). On
asyncio a read or write whose timeout ends after the attempt's deadline opens no cancel scope
of its own: the attempt's scope ends first (`_within.AttemptStream`).

Guarantees kept: `max_connections` holds (extra requests wait, at most the pool timeout, then
`PoolTimeout`); idle connections expire after `keepalive_expiry` and at most
`max_keepalive_connections` are kept; httpcore's errors become httpx's. The books are changed
only synchronously, in `finally` blocks, so no cancellation (anyio's or asyncio's
`Task.cancel()`) can strand a connection: one that is not idle when its request ends is
dropped and closed (shielded, at most `_CLOSE_GRACE` seconds). HTTP/1.1 only (as the client's
httpx client, which is built without `http2`); proxies from the environment stay on httpx's
own proxy transports (its mounts).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpcore
import httpx
from httpcore._async.http11 import AsyncHTTP11Connection
from httpcore._backends.anyio import AnyIOStream
from httpcore._backends.auto import AutoBackend
from httpcore._backends.base import AsyncNetworkStream
from httpx._transports.default import map_httpcore_exceptions

from ._direct import prebuilt_headers
from ._repair import CLOSE_GRACE as _CLOSE_GRACE
from ._slots import Slots
from ._within import AttemptStream, outlasts

__all__ = ["PinnedTransport"]

_PORTS = {b"http": 80, b"https": 443}

Key = tuple[bytes, bytes, int]
"""A connection's origin: scheme, host, port."""


class PinnedTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 connections kept on a stack per origin; each request has one to itself."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._ssl_context = httpx.create_ssl_context()
        self._max = limits.max_connections
        self._slots = Slots(limits.max_connections) if limits.max_connections else None
        self._keep = limits.max_keepalive_connections
        self._expiry = limits.keepalive_expiry
        self._idle: dict[Key, list[AsyncHTTP11Connection]] = {}
        self._idle_count = 0
        self._busy: set[AsyncHTTP11Connection] = set()
        self._backend = AutoBackend()  # as httpx's transport: anyio, or trio's own

    # -- what tests and benchmarks look at ------------------------------------------------------

    @property
    def connections(self) -> list[AsyncHTTP11Connection]:
        """Every open connection: the busy ones, then the idle ones."""
        return [*self._busy, *(c for stack in self._idle.values() for c in stack)]

    @property
    def in_use(self) -> int:
        """Connections pinned to a request (0 when no request is in flight)."""
        return len(self._busy)

    # -- sending ---------------------------------------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` on a connection of its own; the body streams from it (`_Body`)."""
        url = request.url
        scheme = url.raw_scheme
        if scheme not in _PORTS:
            msg = f"Request URL has an unsupported protocol '{url.scheme}://'."
            raise httpx.UnsupportedProtocol(msg)
        key = (scheme, url.raw_host, url.port or _PORTS[scheme])
        timeouts = request.extensions.get("timeout", {})
        slots = self._slots
        if slots is not None and not slots.try_acquire():
            await self._wait_for_connection(slots, timeouts.get("pool"))
        connection: AsyncHTTP11Connection | None = None
        try:
            connection = await self._reuse(key) if self._idle.get(key) else None
            if connection is None:
                connection = await self._connect(key, request, timeouts)
            self._busy.add(connection)
            stream = connection._network_stream
            if isinstance(stream, AttemptStream):
                stream.within_attempt = outlasts(request, "read", "write")
            core = httpcore.Request(
                request.method,
                httpcore.URL(scheme=scheme, host=key[1], port=url.port, target=url.raw_path),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
            with map_httpcore_exceptions():
                response = await connection.handle_async_request(core)
        except BaseException:
            await self._done(key, connection)
            raise
        return httpx.Response(
            response.status,
            # As `httpx.Headers(response.headers)` keeps them, without its normalizing pass
            # over names and values that httpcore gives as bytes already.
            headers=prebuilt_headers([(k, k.lower(), v) for k, v in response.headers]),
            stream=_Body(self, key, connection, response),
            extensions=response.extensions,
        )

    async def _wait_for_connection(self, slots: Slots, limit: float | None) -> None:
        """All `max_connections` are in use: wait for one, at most `limit` (the pool timeout)."""
        if limit is None:
            await slots.acquire()
            return
        with anyio.move_on_after(limit) as scope:
            await slots.acquire()
        if scope.cancelled_caught:
            msg = f"no connection came free within {limit:g} s ({self._max} in use)"
            raise httpx.PoolTimeout(msg)

    async def _reuse(self, key: Key) -> AsyncHTTP11Connection | None:
        """The most recently used idle connection to `key` that is still good, if any."""
        stack = self._idle[key]
        while stack:
            connection = stack.pop()
            self._idle_count -= 1
            if connection.is_idle() and not connection.has_expired():
                return connection
            await _close(connection)  # expired, or the server closed it
        return None

    async def _connect(
        self, key: Key, request: httpx.Request, timeouts: dict[str, float | None]
    ) -> AsyncHTTP11Connection:
        """A new connection to `key` (TLS for https), within the connect timeout."""
        scheme, host, port = key
        timeout = timeouts.get("connect")
        with map_httpcore_exceptions():
            stream = await self._backend.connect_tcp(host.decode("ascii"), port, timeout=timeout)
            if scheme == b"https":
                try:
                    self._ssl_context.set_alpn_protocols(["http/1.1"])
                    server_hostname = request.extensions.get("sni_hostname") or host.decode()
                    stream = await stream.start_tls(
                        self._ssl_context, server_hostname=server_hostname, timeout=timeout
                    )
                except BaseException:
                    with anyio.CancelScope(shield=True):
                        await stream.aclose()
                    raise
        if isinstance(stream, AnyIOStream):
            stream = AttemptStream(stream)
        origin = httpcore.Origin(scheme, host, port)
        return _PinnedConnection(origin, stream, keepalive_expiry=self._expiry)

    async def _done(self, key: Key, connection: AsyncHTTP11Connection | None) -> None:
        """The request on `connection` ended: keep the connection if it is idle, else close it.

        The books change before the first await, so a cancellation cannot leave them wrong.
        """
        if self._slots is not None:
            self._slots.release()
        if connection is None:
            return
        self._busy.discard(connection)
        stream = connection._network_stream
        if isinstance(stream, AttemptStream):
            stream.within_attempt = False  # an idle connection's timeouts are its own again
        if connection.is_idle() and (self._keep is None or self._idle_count < self._keep):
            self._idle.setdefault(key, []).append(connection)
            self._idle_count += 1
        elif not connection.is_closed():
            await _close(connection)

    async def aclose(self) -> None:
        """Close every connection."""
        connections = self.connections
        self._idle.clear()
        self._idle_count = 0
        self._busy.clear()
        for connection in connections:
            await _close(connection)


class _PinnedConnection(AsyncHTTP11Connection):
    """httpcore's HTTP/1.1 connection without its state lock.

    The lock keeps two requests from using one connection at once; a pinned connection serves
    one request at a time by construction (it is off the idle stack from the request's start
    to its body's close), so here the lock guards nothing. anyio's lock is not free: each
    acquire is a shielded checkpoint (a cancel scope and an event-loop turn), twice a request
    (at its start and when its body closes). Everything else is httpcore's, unchanged.
    """

    def __init__(
        self,
        origin: httpcore.Origin,
        stream: AsyncNetworkStream,
        keepalive_expiry: float | None = None,
    ) -> None:
        super().__init__(origin, stream, keepalive_expiry=keepalive_expiry)
        self._state_lock = _NoLock()  # type: ignore[assignment]


class _NoLock:
    """An async context manager that does nothing: the lock of a pinned connection."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc_info: object) -> None:
        return None


async def _close(connection: AsyncHTTP11Connection) -> None:
    """Close a connection, shielded from cancellation for at most `_CLOSE_GRACE` seconds."""
    with anyio.move_on_after(_CLOSE_GRACE, shield=True):
        await connection.aclose()


class _Body(httpx.AsyncByteStream):
    """A response body from its pinned connection; closing it ends the request (`_done`)."""

    def __init__(
        self,
        transport: PinnedTransport,
        key: Key,
        connection: AsyncHTTP11Connection,
        response: httpcore.Response,
    ) -> None:
        self._transport = transport
        self._key = key
        self._connection = connection
        self._response = response
        self._open = True

    async def __aiter__(self) -> AsyncIterator[bytes]:
        stream: Any = self._response.stream
        with map_httpcore_exceptions():
            async for part in stream:
                yield part

    async def aclose(self) -> None:
        if not self._open:
            return
        self._open = False
        try:
            with map_httpcore_exceptions():
                await self._response.aclose()
        finally:
            await self._transport._done(self._key, self._connection)
