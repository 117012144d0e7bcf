"""A web request handler awaiting the client (the FastAPI/Starlette pattern), as a bare ASGI app.

One JourneyClient lives as long as the app (created at startup, closed at shutdown) and every
request awaits it; the connection pool, token cache and rate-limit gate are shared. The example
drives the app with httpx.ASGITransport, so it needs no web server.

    python examples/web_handler.py
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

import anyio
import httpx

from journey_async import JourneyClient, NotFoundError
from journey_async.testing import FakeJourneyApi

FAKE = FakeJourneyApi(seed=5)


class App:
    """`GET /sessions/{id}` -> a summary of the journey session (type, events, segments), or
    404."""

    def __init__(self) -> None:
        self.client: JourneyClient | None = None
        self._http: httpx.AsyncClient | None = None

    async def startup(self) -> None:
        self._http = httpx.AsyncClient(transport=FAKE.transport())
        self.client = JourneyClient(
            "fake-token", base_url="https://api.fake.invalid", http_client=self._http
        )

    async def shutdown(self) -> None:
        if self.client is not None:
            await self.client.aclose()
        if self._http is not None:
            await self._http.aclose()

    async def get_session(self, session_id: str) -> tuple[int, dict[str, Any]]:
        """The handler: await the client, map its errors to HTTP answers."""
        assert self.client is not None
        try:
            session = await self.client.get_journey_session(session_id)
        except NotFoundError as exc:
            return 404, {"error": "no such session", "correlation_id": exc.correlation_id}
        segments = [a.segment.id for a in session.segment_assignments or [] if a.segment]
        return 200, {
            "id": session.id,
            "type": session.type,
            "events": session.event_count,
            "segments": segments,
        }

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        parts = scope["path"].strip("/").split("/")
        if len(parts) == 2 and parts[0] == "sessions":
            status, body = await self.get_session(parts[1])
        else:
            status, body = 404, {"error": "not found"}
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})


async def main() -> None:
    app = App()
    await app.startup()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app.local") as browser:
            ids = FAKE.session_ids[:10]
            async with anyio.create_task_group() as tg:  # 10 concurrent web requests
                for session_id in ids:
                    tg.start_soon(browser.get, f"/sessions/{session_id}")
            answer = await browser.get(f"/sessions/{ids[0]}")
            print(answer.status_code, answer.json())
            missing = await browser.get("/sessions/does-not-exist")
            print(missing.status_code, missing.json())
    finally:
        await app.shutdown()


if __name__ == "__main__":
    anyio.run(main)
