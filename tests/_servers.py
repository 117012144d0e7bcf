"""Loopback and in-process servers shared by the adversarial and fault tests (127.0.0.1 only).

* `RawServer` / `raw_server(behave)`: a tiny HTTP/1.1 server (asyncio, in its own thread, so
  it serves clients on asyncio and on trio) whose answers each test scripts byte by byte.
  A request to a path ending in `/ok` gets a valid action target.
* `ChunkStream`: an `httpx.AsyncByteStream` for `httpx.MockTransport` responses that counts how
  many chunks the client pulled and whether it closed the stream.
* Pool probes for httpcore's connection pool (`stuck_connections`, `queued_requests`).
* `TRANSPORTS`, `CLIENT_OPTIONS` and `transport_backend`: a module's `anyio_backend` fixture
  that runs its loopback cases with the default transport on asyncio and trio, with
  `transport="aiohttp"` and `"httpx"` on asyncio, and through a pass-through user middleware
  (the cases add `**CLIENT_OPTIONS`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx

__all__ = [
    "Behaviour",
    "CLIENT_OPTIONS",
    "TRANSPORTS",
    "transport_backend",
    "OK_TARGET",
    "ChunkStream",
    "RawServer",
    "head",
    "raw_server",
    "http_pool",
    "queued_requests",
    "stuck_connections",
    "unusable_connections",
]

Behaviour = Callable[
    ["RawServer", asyncio.StreamReader, asyncio.StreamWriter, str], Awaitable[bool]
]
"""`await behave(server, reader, writer, target)` answers one request; False closes."""


async def _passing(request: httpx.Request, call_next: Any) -> httpx.Response:
    """A user middleware that changes nothing: with it the client composes its middleware
    chain instead of running its steps as plain calls (the path without user middleware)."""
    response: httpx.Response = await call_next(request)
    return response


TRANSPORTS: dict[str, tuple[str, dict[str, Any]]] = {
    "asyncio": ("asyncio", {}),
    "trio": ("trio", {}),
    "asyncio-aiohttp": ("asyncio", {"transport": "aiohttp"}),
    "asyncio-httpx-pool": ("asyncio", {"transport": "httpx"}),
    "asyncio-middleware": ("asyncio", {"middleware": [_passing]}),
}
"""anyio backend and client options of each parameter of `transport_backend`: the default
transport (no user middleware: the plain-call path), aiohttp's, httpx's own pool, and the
default transport through the middleware chain."""

CLIENT_OPTIONS: dict[str, Any] = {}
"""The current parameter's client options (`transport=...`, `middleware=...` or nothing)."""


def transport_backend(request: Any, monkeypatch: Any) -> str:
    """The body of a module's `anyio_backend` fixture with `params=list(TRANSPORTS)`."""
    backend, options = TRANSPORTS[request.param]
    if options.get("transport") == "aiohttp":
        import pytest

        pytest.importorskip("aiohttp")  # an extra
    for name, value in options.items():
        monkeypatch.setitem(CLIENT_OPTIONS, name, value)
    return backend


OK_TARGET = json.dumps({"id": "ok", "name": "fine", "state": "active"}).encode()


def head(status: int, headers: Iterable[tuple[str, str]] = ()) -> bytes:
    """An HTTP/1.1 status line and headers, with the blank line that ends them."""
    lines = [f"HTTP/1.1 {status} Status"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class RawServer:
    """A tiny HTTP/1.1 server on 127.0.0.1 (asyncio, in its own thread).

    `requests` lists the request targets received, `connections` counts accepted connections.
    """

    def __init__(self, behave: Behaviour | None = None) -> None:
        self.behave = behave
        self.requests: list[str] = []
        self.connections = 0
        self.port = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _main(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        try:
            await self._stop.wait()
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            for task in list(self._tasks):
                with contextlib.suppress(BaseException):
                    await task
            await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        try:
            for _ in range(1000):  # bounded keep-alive
                try:
                    raw = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
                    return
                lines = raw.decode("latin-1").split("\r\n")
                _method, target, _version = lines[0].split(" ")
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                if length:
                    await reader.readexactly(length)
                self.requests.append(target)
                if urlsplit(target).path.endswith("/ok"):
                    writer.write(head(200, [("Content-Length", str(len(OK_TARGET)))]) + OK_TARGET)
                    await writer.drain()
                    continue
                assert self.behave is not None
                if not await self.behave(self, reader, writer, target):
                    return
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            if not writer.transport.is_closing():
                writer.transport.abort()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)


@contextlib.contextmanager
def raw_server(behave: Behaviour | None = None) -> Iterator[RawServer]:
    """Run a `RawServer` in a background thread while the block runs."""
    server = RawServer(behave)
    ready = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server._main(ready))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            ready.set()

    thread = threading.Thread(target=run, name="adversarial-raw-server", daemon=True)
    thread.start()
    assert ready.wait(5), "raw server did not start"
    assert not errors, errors
    try:
        yield server
    finally:
        server.stop()
        thread.join(10)
        assert not thread.is_alive()


class ChunkStream(httpx.AsyncByteStream):
    """A response body for `httpx.MockTransport`: `chunks` (any iterable, endless included),
    optionally one every `interval` seconds. `pulled` counts chunks handed to the client and
    `closed` says whether the client closed the stream."""

    def __init__(self, chunks: Iterable[bytes], *, interval: float = 0.0) -> None:
        self._chunks = chunks
        self._interval = interval
        self.pulled = 0
        self.pulled_bytes = 0
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            if self.closed:
                return
            if self._interval:
                await anyio.sleep(self._interval)
            self.pulled += 1
            self.pulled_bytes += len(chunk)
            yield chunk

    async def aclose(self) -> None:
        self.closed = True


# ---------------------------------------------------------------------------------------------
# httpcore pool probes


def http_pool(http: httpx.AsyncClient) -> Any:
    """The httpcore connection pool behind an httpx client using httpx's own transport, or
    the client's default `PinnedTransport` (which has `connections` too)."""
    transport = http._transport
    return getattr(transport, "_pool", transport)


def queued_requests(http: httpx.AsyncClient) -> int:
    """Requests the pool still tracks (queued or active; pinned to a connection)."""
    pool = http_pool(http)
    return int(pool.in_use) if hasattr(pool, "in_use") else len(pool._requests)


def stuck_connections(http: httpx.AsyncClient) -> list[Any]:
    """Connections that never connected (httpcore shows them as `CONNECTING`)."""
    return [c for c in http_pool(http).connections if "CONNECTING" in repr(c)]


def unusable_connections(http: httpx.AsyncClient) -> list[Any]:
    """Connections that are neither idle nor closed. Once no request is in flight every
    connection must be one or the other: `CONNECTING` (never connected), `NEW` with no request
    sent, or `ACTIVE` without a request are all lost to the pool for good."""
    return [c for c in http_pool(http).connections if not (c.is_idle() or c.is_closed())]
