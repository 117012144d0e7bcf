"""`repair_pool`: httpcore's pool put right after a send or read that failed or was cancelled.

Used by the send path (`_send.py`) when the client's httpx client runs on httpx's own
transport: a caller's `http_client`, or `transport="httpx"`. The client's default transport
(`_pinned.py`) and aiohttp's (`_aiohttp.py`) keep no such books, and for them this is a no-op.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import anyio
import httpx

__all__ = ["CLOSE_GRACE", "repair_pool"]

logger = logging.getLogger("journey_async")

CLOSE_GRACE = 2.0
"""Seconds a shielded close of an abandoned response or connection may take (a TLS goodbye to
a dead peer must not hang the caller)."""


async def repair_pool(
    http: httpx.AsyncClient, url: httpx.URL, response: httpx.Response | None
) -> None:
    """Put httpcore's pool right after a send or read that failed, cancellations above all.

    httpcore (1.0.9) keeps its pool's bookkeeping consistent under anyio-style cancellation,
    which its shields hold; a plain asyncio `Task.cancel()` (`asyncio.timeout`, `wait_for`)
    passes those shields, and a queued request cancelled at the wrong moment strands a
    connection even under anyio (encode/httpcore#1093). Each stranded connection holds a pool
    slot for ever; after `max_connections` of them every request fails with `PoolTimeout`.
    What can be left behind, and what is done here:

    * this response's stream marked closed while its request is still on the pool's books
      (its close was interrupted): the request is taken off the books;
    * a connection no request on the books owns that never connected (the #1093 orphan):
      dropped (it has no socket);
    * a connection no request owns that is still NEW or ACTIVE (a cancel landed between its
      connect and its first request, or inside a request): closed and dropped; a connection
      serving nobody is IDLE or CLOSED, so this state is unambiguous.

    Runs only after a failure, shielded from further cancellation for at most `CLOSE_GRACE`
    seconds; anything unexpected in the pool's private state makes it a no-op.
    """
    with anyio.move_on_after(CLOSE_GRACE, shield=True):
        try:
            stranded = _stranded_connections(http, url, response)
        except Exception:  # pragma: no cover - a future httpcore with other internals
            logger.debug("could not inspect httpcore's pool", exc_info=True)
            return
        for connection in stranded:
            with contextlib.suppress(Exception):
                await connection.aclose()


def _stranded_connections(
    http: httpx.AsyncClient, url: httpx.URL, response: httpx.Response | None
) -> list[Any]:
    """Take stranded requests and connections off the pool's books; the ones to close."""
    import httpcore
    from httpcore._async.http11 import AsyncHTTP11Connection, HTTPConnectionState

    transport = http._transport_for_url(url)
    pool = getattr(transport, "_pool", None)
    connections = getattr(pool, "_connections", None)
    requests = getattr(pool, "_requests", None)
    if not isinstance(connections, list) or not isinstance(requests, list):
        return []
    if response is not None:
        outer: Any = response.stream  # httpx's, bound by `AsyncClient.send` or (direct) not
        stream = getattr(outer, "_httpcore_stream", None) or getattr(
            getattr(outer, "_stream", None), "_httpcore_stream", None
        )
        pool_request = getattr(stream, "_pool_request", None)
        if getattr(stream, "_closed", False) and pool_request in requests:
            requests.remove(pool_request)  # its close was cut short
    owned = {id(pool_request.connection) for pool_request in requests}
    to_close = []
    for connection in list(connections):
        if not isinstance(connection, httpcore.AsyncHTTPConnection) or id(connection) in owned:
            continue
        inner = connection._connection
        if inner is None:
            if not connection._connect_failed:
                connections.remove(connection)  # the #1093 orphan: never connected
        elif isinstance(inner, AsyncHTTP11Connection) and inner._state in (
            HTTPConnectionState.NEW,
            HTTPConnectionState.ACTIVE,
        ):
            connections.remove(connection)
            to_close.append(connection)
    return to_close
