"""A web app on journey_async: a lookup, an NDJSON stream and a bulk lookup, as plain ASGI.

No web framework is needed (FastAPI and Starlette apps are built the same way: create the client
in the lifespan, await it in the handlers). One JourneyClient lives as long as the app, so every
request shares its connection pool, token cache and rate-limit gate.

    GET  /sessions/{id}                  the journey session, as the API's JSON
    GET  /sessions/{id}/events?limit=N   the session's events, one JSON object per line
                                         (NDJSON), streamed page by page; stops (pager
                                         closed, nothing left running) when the client goes
                                         away
    POST /sessions:lookup                a JSON list of session ids -> a list, in the same
                                         order, of {"id", "status": 200, "session": {...}} or
                                         {"id", "status": 404, "error": {"status", "message",
                                         "code", "correlationId"}}

The client talks to the built-in fake API in-process, or to a real org when the environment has
GENESYSCLOUD_ACCESS_TOKEN or GENESYSCLOUD_OAUTHCLIENT_ID/_SECRET (and GENESYSCLOUD_REGION):
see `JourneyClient.from_env`.

    python examples/web_app.py           # check: drive the app in-process (no server), exit 0
    python examples/web_app.py --serve   # serve it on http://127.0.0.1:8000 with uvicorn
    uvicorn web_app:app --app-dir examples
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, unquote_to_bytes

import anyio
import httpx

from journey_async import (
    ApiError,
    JourneyClient,
    JourneyError,
    RateLimitError,
    RequestTimeoutError,
    TransportError,
    to_jsonable,  # models as the API's own JSON: camelCase, ISO 8601, unset fields left out
)
from journey_async.testing import FakeJourneyApi

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Scope = MutableMapping[str, Any]

MAX_BODY = 1 << 20  # bytes of a request body
MAX_IDS = 1_000  # ids in one bulk lookup
CONCURRENCY = 16  # calls in flight for one bulk lookup
PAGE_SIZE = 200  # the events listing's maximum


def real_org(environ: MutableMapping[str, str] = os.environ) -> bool:
    """Credentials for a real org are in the environment (see `JourneyClient.from_env`)."""
    return bool(
        environ.get("GENESYSCLOUD_ACCESS_TOKEN") or environ.get("GENESYSCLOUD_OAUTHCLIENT_ID")
    )


class WebApp:
    """The ASGI application. `WebApp(fake=FakeJourneyApi(...))` always uses that fake."""

    def __init__(self, *, fake: FakeJourneyApi | None = None) -> None:
        self.fake = fake
        self.client: JourneyClient | None = None
        self.streams_open = 0
        """Event streams running now (each holds one pager)."""
        self._resources: contextlib.AsyncExitStack | None = None

    # -- lifespan -------------------------------------------------------------------------------

    async def startup(self) -> None:
        """Create the client: on a real org when configured, else on the in-process fake."""
        async with contextlib.AsyncExitStack() as stack:
            if self.fake is None and real_org():
                self.client = await stack.enter_async_context(JourneyClient.from_env())
            else:
                if self.fake is None:
                    self.fake = FakeJourneyApi(seed=7, events_per_session=1_000)
                http = await stack.enter_async_context(
                    httpx.AsyncClient(transport=self.fake.transport())
                )
                self.client = await stack.enter_async_context(
                    JourneyClient(
                        "fake-token", base_url="https://api.fake.invalid", http_client=http
                    )
                )
            self._resources = stack.pop_all()

    async def shutdown(self) -> None:
        resources, self._resources = self._resources, None
        self.client = None
        if resources is not None:
            await resources.aclose()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:  # e.g. incomplete credentials in the environment
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- routing --------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if self.client is None:
            await send_json(send, 503, error_body(503, "the app has not started"))
            return
        raw = scope.get("raw_path") or scope["path"].encode()
        parts = [unquote_to_bytes(p).decode("utf-8", "replace") for p in raw.split(b"/")[1:]]
        method = scope["method"]
        if len(parts) == 2 and parts[0] == "sessions":
            if method != "GET":
                await method_not_allowed(send, "GET")
                return
            await until_disconnect(receive, lambda: self.get_session(parts[1], send))
        elif len(parts) == 3 and parts[0] == "sessions" and parts[2] == "events":
            if method != "GET":
                await method_not_allowed(send, "GET")
                return
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"), True)
            await until_disconnect(receive, lambda: self.stream_events(parts[1], query, send))
        elif parts == ["sessions:lookup"]:
            if method != "POST":
                await method_not_allowed(send, "POST")
                return
            body = await read_body(receive)
            if body is None:
                await send_json(send, 413, error_body(413, f"the body is over {MAX_BODY} bytes"))
                return
            await until_disconnect(receive, lambda: self.lookup(body, send))
        else:
            await send_json(send, 404, error_body(404, "no such endpoint"))

    # -- handlers -------------------------------------------------------------------------------

    async def get_session(self, session_id: str, send: Send) -> None:
        """One session (with its segment assignments and last event), as the API's JSON."""
        assert self.client is not None
        try:
            session = await self.client.get_journey_session(session_id)
        except (JourneyError, ValueError) as exc:
            await send_json(send, *answer_for(exc))
            return
        await send_json(send, 200, to_jsonable(session))

    async def stream_events(self, session_id: str, query: dict[str, list[str]], send: Send) -> None:
        """NDJSON, one chunk per page. The status is sent once the first page is in, so an
        unknown session is a 404, not a 200 with nothing in it."""
        assert self.client is not None
        limit: int | None = None
        if "limit" in query:
            text = query["limit"][0]
            if not (text.isascii() and text.isdigit()):
                message = f"limit must be a whole number of 0 or more (got {text!r})"
                await send_json(send, 400, error_body(400, message))
                return
            limit = int(text)
        page_size = PAGE_SIZE if limit is None else max(1, min(limit, PAGE_SIZE))
        try:
            pager = self.client.iter_journey_session_events(
                session_id, page_size=page_size, limit=limit
            )
        except ValueError as exc:  # an empty id: refused before any request
            await send_json(send, *answer_for(exc))
            return
        self.streams_open += 1
        try:
            async with pager:  # leaving it (end, error, disconnect) stops any request in flight
                pages = aiter(pager.pages())
                try:
                    page = await anext(pages, None)
                except JourneyError as exc:
                    await send_json(send, *answer_for(exc))
                    return
                headers = [(b"content-type", b"application/x-ndjson; charset=utf-8")]
                try:
                    await send({"type": "http.response.start", "status": 200, "headers": headers})
                    while page is not None:
                        chunk = b"".join(json_line(to_jsonable(i)) for i in page.entities or [])
                        if chunk:
                            await send(
                                {"type": "http.response.body", "body": chunk, "more_body": True}
                            )
                        try:
                            page = await anext(pages, None)
                        except JourneyError as exc:  # too late for a status: say it in a line
                            await send(
                                {
                                    "type": "http.response.body",
                                    "body": json_line(answer_for(exc)[1]),
                                    "more_body": True,
                                }
                            )
                            break
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                except OSError:  # the server says the client has gone (some servers raise)
                    return
        finally:
            self.streams_open -= 1

    async def lookup(self, body: bytes, send: Send) -> None:
        """Many ids at once: `client.map` runs them CONCURRENCY at a time, in input order, and
        `return_exceptions=True` keeps going past the ids that fail."""
        assert self.client is not None
        try:
            ids = json.loads(body)
        except ValueError:
            await send_json(send, 400, error_body(400, "the body must be JSON: a list of ids"))
            return
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            await send_json(send, 400, error_body(400, "the body must be a JSON list of ids"))
            return
        if len(ids) > MAX_IDS:
            message = f"at most {MAX_IDS} ids at a time (got {len(ids)})"
            await send_json(send, 413, error_body(413, message))
            return
        results = await self.client.map(
            self.client.get_journey_session,
            ids,
            concurrency=CONCURRENCY,
            return_exceptions=True,
        )
        answer = []
        for session_id, result in zip(ids, results, strict=True):
            if isinstance(result, BaseException):
                error = answer_for(result)[1]["error"]
                answer.append({"id": session_id, "status": error["status"], "error": error})
            else:
                answer.append({"id": session_id, "status": 200, "session": to_jsonable(result)})
        await send_json(send, 200, answer)


# ---------------------------------------------------------------------------------------------
# Helpers


def error_body(status: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"status": status, "message": message, **extra}}


def answer_for(exc: BaseException) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON body for an error of the client.

    The body's `status` is the Journey API's own (404 for an unknown id); the HTTP status is
    that for 400 and 404, 503 for the API's rate limit, and 502/504 (a bad gateway) for the
    rest: the app's own credentials or the API failing are not the caller's fault.
    """
    if isinstance(exc, ApiError):
        extra = {"code": exc.code, "correlationId": exc.correlation_id}
        body = error_body(exc.status, exc.message or f"the Journey API answered {exc.status}")
        body["error"].update({k: v for k, v in extra.items() if v})
        if isinstance(exc, RateLimitError):
            return 503, body
        return (exc.status if exc.status in (400, 404) else 502), body
    if isinstance(exc, RequestTimeoutError):
        return 504, error_body(504, "the Journey API did not answer in time")
    if isinstance(exc, TransportError):
        return 502, error_body(502, "the Journey API could not be reached")
    if isinstance(exc, JourneyError):
        return 502, error_body(502, "the Journey API sent an answer that could not be read")
    if isinstance(exc, ValueError):  # e.g. an empty id, refused before any request
        return 400, error_body(400, str(exc))
    return 500, error_body(500, "internal error")


def json_line(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


async def send_json(send: Send, status: int, data: object, headers: Any = ()) -> None:
    body = json.dumps(data, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def method_not_allowed(send: Send, allowed: str) -> None:
    body = error_body(405, f"use {allowed}")
    await send_json(send, 405, body, headers=[(b"allow", allowed.encode())])


async def read_body(receive: Receive) -> bytes | None:
    """The request body; None when it is over MAX_BODY bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def until_disconnect(receive: Receive, work: Callable[[], Awaitable[None]]) -> None:
    """Run `work()`; cancel it the moment the client disconnects.

    ASGI servers do not cancel a handler when its client goes away: they say so through
    `receive()`. Cancelling leaves the handler's `async with pager:` block, which stops the
    request in flight and the prefetch.
    """
    async with anyio.create_task_group() as tg:

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            tg.cancel_scope.cancel()

        tg.start_soon(watch)
        await work()
        tg.cancel_scope.cancel()


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """Run the ASGI lifespan protocol (startup, then shutdown) around the block, as a server
    does; for driving the app without one (tests, `--check`)."""
    to_app, app_inbox = anyio.create_memory_object_stream[Message](1)
    app_outbox, from_app = anyio.create_memory_object_stream[Message](1)
    failure = None
    async with to_app, app_inbox, app_outbox, from_app, anyio.create_task_group() as tg:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        tg.start_soon(app, scope, app_inbox.receive, app_outbox.send)
        await to_app.send({"type": "lifespan.startup"})
        started = await from_app.receive()
        if started["type"] == "lifespan.startup.complete":
            try:
                yield
            finally:
                await to_app.send({"type": "lifespan.shutdown"})
                await from_app.receive()
        else:
            failure = started.get("message", "")
            tg.cancel_scope.cancel()
    if failure is not None:
        raise RuntimeError(f"the app failed to start: {failure}")


# ---------------------------------------------------------------------------------------------
# Running it


async def check() -> None:
    """Drive the app in-process on the fake API: every endpoint once."""
    fake = FakeJourneyApi(seed=7, sessions=100, events_per_session=2_500)
    app = WebApp(fake=fake)
    async with (
        lifespan(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as web,
    ):
        session_id = fake.session_ids[0]
        found = await web.get(f"/sessions/{session_id}")
        session = found.json()
        segments = len(session.get("segmentAssignments", []))
        print(
            f"GET /sessions/{session_id} -> {found.status_code} {session['type']!r} session, "
            f"{session['eventCount']} events, {segments} segment(s)"
        )
        missing = await web.get("/sessions/no-such-session")
        print(f"GET /sessions/no-such-session -> {missing.status_code} {missing.json()}")

        lines = 0
        async with web.stream("GET", f"/sessions/{session_id}/events") as streamed:
            async for line in streamed.aiter_lines():
                lines += json.loads(line)["session"]["id"] == session_id
        print(f"GET /sessions/{session_id}/events -> {streamed.status_code}, {lines} lines")

        ids = [*fake.session_ids, "no-such-session"]
        bulk = await web.post("/sessions:lookup", json=ids)
        statuses = [item["status"] for item in bulk.json()]
        print(
            f"POST /sessions:lookup ({len(ids)} ids) -> {bulk.status_code}: "
            f"{statuses.count(200)} found, {statuses.count(404)} not found"
        )
    assert app.client is None and app.streams_open == 0


def serve(host: str, port: int) -> int:
    try:
        import uvicorn  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        print(
            "web_app: --serve needs an ASGI server: pip install uvicorn "
            "(or run `hypercorn web_app:app` or any ASGI server in examples/)",
            file=sys.stderr,
        )
        return 2
    where = "a real org" if real_org() else "the in-process fake API"
    print(f"web_app: serving on http://{host}:{port}, against {where}", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, lifespan="on")
    return 0


app = WebApp()
"""For ASGI servers: `uvicorn web_app:app --app-dir examples`."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--serve", action="store_true", help="serve the app with uvicorn instead of the check"
    )
    parser.add_argument("--check", action="store_true", help="drive the app in-process (default)")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on")
    parser.add_argument("--port", type=int, default=8000, help="port to serve on")
    args = parser.parse_args(argv)
    if args.serve and not args.check:
        return serve(args.host, args.port)
    anyio.run(check)
    return 0


if __name__ == "__main__":
    sys.exit(main())
