"""A small HTTP/1.1 server (asyncio, keep-alive, no dependencies) for loopback testing.

It serves any `async (method, target, headers, body) -> (status, headers, body) | None`
handler; None drops the connection without an answer (a fault the fake can inject). Requests on
one connection are answered in order, connections are served concurrently. It binds to
127.0.0.1 by default: it is a test tool, not a production server.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

__all__ = ["Handler", "serve", "serve_in_thread"]

Reply = tuple[int, list[tuple[str, str]], bytes]
Handler = Callable[[str, str, list[tuple[str, str]], bytes], Awaitable[Reply | None]]

_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_MAX_HEAD = 64 * 1024
_MAX_BODY = 16 * 1024 * 1024


class _Connection(asyncio.Protocol):
    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._buffer = b""
        self._transport: asyncio.Transport | None = None
        self._queue: asyncio.Queue[tuple[str, str, list[tuple[str, str]], bytes] | None] = (
            asyncio.Queue()
        )
        self._worker = asyncio.get_running_loop().create_task(self._serve())

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self._queue.put_nowait(None)
        self._worker.cancel()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > _MAX_HEAD:
                    self._close()
                return
            lines = self._buffer[:end].decode("latin-1").split("\r\n")
            headers = []
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name, value = name.strip(), value.strip()
                headers.append((name, value))
                if name.lower() == "content-length":
                    length = int(value) if value.isdigit() else -1
            if length < 0 or length > _MAX_BODY:
                self._close()
                return
            if len(self._buffer) < end + 4 + length:
                return
            body = self._buffer[end + 4 : end + 4 + length]
            self._buffer = self._buffer[end + 4 + length :]
            parts = lines[0].split(" ")
            if len(parts) != 3:
                self._close()
                return
            self._queue.put_nowait((parts[0], parts[1], headers, body))

    def _close(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()

    async def _serve(self) -> None:
        while True:
            item = await self._queue.get()
            transport = self._transport
            if item is None or transport is None or transport.is_closing():
                return
            try:
                reply = await self._handler(*item)
            except Exception:  # a bug in the handler: answer 500 rather than hang the client
                reply = (500, [("Content-Type", "application/json")], b'{"status":500}')
            if reply is None:
                transport.abort()
                return
            status, headers, body = reply
            head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
            head.extend(f"{name}: {value}" for name, value in headers)
            head.append(f"Content-Length: {len(body)}")
            transport.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


@contextlib.asynccontextmanager
async def serve(handler: Handler, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve `handler` on `host:port` (0: any free port) while the block runs; yields the URL."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(handler), host, port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    try:
        async with server:
            yield f"http://{host}:{bound}"
    finally:
        server.close()


@contextlib.contextmanager
def serve_in_thread(handler: Handler, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `handler` from a background thread with its own event loop; yields the base URL.

    Handy in tests that run their client on another loop (or on trio).
    """
    ready = threading.Event()
    state: dict[str, object] = {}

    async def main() -> None:
        stop = asyncio.Event()
        state["stop"] = stop
        state["loop"] = asyncio.get_running_loop()
        async with serve(handler, host, port) as url:
            state["url"] = url
            ready.set()
            await stop.wait()

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # surface start-up failures to the caller
            state["error"] = exc
            ready.set()

    thread = threading.Thread(target=run, name="journey-async-fake-server", daemon=True)
    thread.start()
    ready.wait(10)
    if "error" in state:
        msg = "the loopback server failed to start"
        raise RuntimeError(msg) from state["error"]  # type: ignore[misc]
    try:
        yield str(state["url"])
    finally:
        loop = state["loop"]
        stop = state["stop"]
        loop.call_soon_threadsafe(stop.set)  # type: ignore[attr-defined]
        thread.join(10)
