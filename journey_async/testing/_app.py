"""The fake's handler as an httpx transport (in-process, no sockets) and as an ASGI 3 app."""

from __future__ import annotations

from typing import Any

import httpx

from ._server import Handler

__all__ = ["FakeTransport", "asgi"]


class FakeTransport(httpx.AsyncBaseTransport):
    def __init__(self, handle: Handler) -> None:
        self._handle = handle

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        reply = await self._handle(
            request.method,
            request.url.raw_path.decode("ascii"),
            list(request.headers.items()),
            body,
        )
        if reply is None:
            msg = "Server disconnected without sending a response (injected fault)."
            raise httpx.RemoteProtocolError(msg, request=request)
        status, headers, content = reply
        return httpx.Response(status, headers=headers, content=content, request=request)


async def asgi(handle: Handler, scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Serve one ASGI 3 connection scope (`lifespan` or `http`) with `handle`."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    target = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
    if scope.get("query_string"):
        target += "?" + scope["query_string"].decode("latin-1")
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
    reply = await handle(scope["method"], target, headers, body)
    if reply is None:
        msg = "dropped connection (injected fault)"
        raise ConnectionAbortedError(msg)
    status, reply_headers, content = reply
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.lower().encode(), v.encode()) for k, v in reply_headers],
        }
    )
    await send({"type": "http.response.body", "body": content})
