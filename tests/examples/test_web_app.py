"""examples/web_app.py: the ASGI app driven in-process (httpx.ASGITransport), its lifespan, and a
client that disconnects in the middle of the NDJSON stream (a streaming ASGI transport below,
since httpx.ASGITransport buffers the whole response and never reports a disconnect)."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import httpx
import pytest
from anyio.abc import TaskGroup

from journey_async import AsyncPager, JourneyClient
from journey_async.testing import FakeJourneyApi

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "web_app.py"
TOKEN = "fake-token"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("web_app_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


web_app = load_example()


@pytest.fixture
def fake() -> FakeJourneyApi:
    return FakeJourneyApi(seed=11, sessions=60, events_per_session=700)


@pytest.fixture
async def app(fake: FakeJourneyApi) -> AsyncIterator[Any]:
    """The app with its lifespan run (startup before the test, shutdown after)."""
    application = web_app.WebApp(fake=fake)
    async with web_app.lifespan(application):
        yield application
    assert application.client is None


@pytest.fixture
async def web(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as client:
        yield client


def raw_api(fake: FakeJourneyApi) -> httpx.AsyncClient:
    """An HTTP client on the fake API itself (no journey_async in between)."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    return httpx.AsyncClient(
        transport=fake.transport(), base_url="https://api.fake.invalid", headers=headers
    )


async def raw_session(fake: FakeJourneyApi, session_id: str) -> Any:
    """The session as the fake API itself sends it."""
    async with raw_api(fake) as http:
        response = await http.get(f"/api/v2/journey/sessions/{session_id}")
    return response.json()


async def raw_events(fake: FakeJourneyApi, session_id: str, count: int = 700) -> list[Any]:
    """The first `count` events of the session as the fake API sends them, read page by page
    without the client; the fake's counters are reset afterwards."""
    events: list[Any] = []
    async with raw_api(fake) as http:
        url: str | None = f"/api/v2/journey/sessions/{session_id}/events?pageSize=200"
        while url is not None and len(events) < count:
            page = (await http.get(url)).json()
            events.extend(page["entities"])
            url = page.get("nextUri")
    fake.reset_stats()
    return events[:count]


# ---------------------------------------------------------------------------------------------
# GET /sessions/{id}


async def test_lookup_is_the_apis_json(web: httpx.AsyncClient, fake: FakeJourneyApi):
    session_id = fake.session_ids[7]
    response = await web.get(f"/sessions/{session_id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == await raw_session(fake, session_id)


async def test_lookup_of_an_unknown_id_is_404_with_the_apis_error(web: httpx.AsyncClient):
    response = await web.get("/sessions/no-such-session")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["status"] == 404 and error["code"] == "not.found"
    assert "no-such-session" in error["message"] and error["correlationId"]


async def test_lookup_of_an_id_with_a_slash_stays_one_segment(web: httpx.AsyncClient):
    """`%2F` in the id reaches the API as part of the id, never as another path."""
    response = await web.get("/sessions/..%2F..%2Fsegments")
    assert response.status_code == 404
    assert "../../segments" in response.json()["error"]["message"]


async def test_rate_limit_is_503_and_server_errors_are_502(
    web: httpx.AsyncClient, fake: FakeJourneyApi
):
    """The API's 429 (after the client's retries) is a 503; its 500 a 502 (bad gateway)."""
    fake.faults.retry_after = 0.01
    fake.faults.fail_next = [429] * 50
    limited = await web.get(f"/sessions/{fake.session_ids[0]}")
    assert limited.status_code == 503
    assert limited.json()["error"]["status"] == 429
    fake.faults.fail_next = [500]
    failed = await web.get(f"/sessions/{fake.session_ids[0]}")
    assert failed.status_code == 502
    assert failed.json()["error"]["status"] == 500


async def test_unknown_routes_and_methods(web: httpx.AsyncClient):
    assert (await web.get("/nothing/here")).status_code == 404
    wrong = await web.post("/sessions/some-id", json={})
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET"
    assert (await web.get("/sessions:lookup")).status_code == 405
    assert (await web.delete("/sessions/s/events")).status_code == 405


# ---------------------------------------------------------------------------------------------
# GET /sessions/{id}/events (NDJSON)


async def test_stream_is_every_event_one_per_line(web: httpx.AsyncClient, fake: FakeJourneyApi):
    expected = await raw_events(fake, fake.session_ids[1])
    async with web.stream("GET", f"/sessions/{fake.session_ids[1]}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) async for line in response.aiter_lines() if line]
    assert lines == expected
    assert fake.stats.by_route["get_journey_session_events"] == 4  # 700 at 200 a page


async def test_stream_limit_asks_for_what_it_needs(web: httpx.AsyncClient, fake: FakeJourneyApi):
    expected = await raw_events(fake, fake.session_ids[0], 5)
    response = await web.get(f"/sessions/{fake.session_ids[0]}/events", params={"limit": 5})
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert lines == expected
    assert fake.stats.by_route["get_journey_session_events"] == 1


@pytest.mark.parametrize("limit", ["-1", "ten", "1.5", ""])
async def test_stream_bad_limit_is_400(web: httpx.AsyncClient, fake: FakeJourneyApi, limit: str):
    response = await web.get(f"/sessions/{fake.session_ids[0]}/events?limit={limit}")
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("limit must be a whole number")
    assert fake.stats.requests == 0


async def test_stream_of_an_unknown_session_is_404_not_an_empty_200(web: httpx.AsyncClient):
    response = await web.get("/sessions/no-such-session/events")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not.found"


async def test_stream_error_after_the_first_page_is_a_last_line(
    web: httpx.AsyncClient, fake: FakeJourneyApi, app: Any
):
    """Once 200 is sent, a failing page becomes a final `{"error": ...}` line."""
    expected = await raw_events(fake, fake.session_ids[0], 200)
    fake.faults.server_error_every = 2  # the second request (page 2) fails (500: no retry)
    fake.faults.server_error_status = 500
    response = await web.get(f"/sessions/{fake.session_ids[0]}/events")
    assert response.status_code == 200
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert lines[:200] == expected
    assert lines[-1]["error"]["status"] == 500
    assert app.streams_open == 0


# ---------------------------------------------------------------------------------------------
# A client that goes away in the middle of the stream


class _Body(httpx.AsyncByteStream):
    def __init__(
        self, chunks: Any, gone: anyio.Event, finished: anyio.Event, errors: list[BaseException]
    ) -> None:
        self._chunks = chunks
        self._gone = gone
        self._finished = finished
        self._errors = errors

    def __aiter__(self) -> _Body:
        return self

    async def __anext__(self) -> bytes:
        try:
            chunk: bytes = await self._chunks.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None
        return chunk

    async def aclose(self) -> None:
        """The client closes the response: the app hears `http.disconnect` and must stop."""
        self._gone.set()
        self._chunks.close()
        with anyio.fail_after(5):
            await self._finished.wait()
        if self._errors:
            raise self._errors[0]


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """Hands the app's body over chunk by chunk and reports an early close as a disconnect,
    as a real server does. `after_disconnect`: what `send` does then ("ignore" or "raise"
    OSError; servers do either). The app runs in `tg`."""

    def __init__(self, app: Any, tg: TaskGroup, *, after_disconnect: str = "ignore") -> None:
        self.app = app
        self.tg = tg
        self.after_disconnect = after_disconnect

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": ("127.0.0.1", 1234),
            "root_path": "",
        }
        chunks_in, chunks_out = anyio.create_memory_object_stream[bytes](math.inf)
        gone, started, finished = anyio.Event(), anyio.Event(), anyio.Event()
        start: dict[str, Any] = {}
        errors: list[BaseException] = []
        sent_request = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": body, "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if gone.is_set():
                if self.after_disconnect == "raise":
                    raise OSError("client disconnected")
                return
            if message["type"] == "http.response.start":
                start.update(message)
                started.set()
            elif message["type"] == "http.response.body":
                chunks_in.send_nowait(message.get("body", b""))
                if not message.get("more_body"):
                    chunks_in.close()
                    gone.set()  # complete: receive() now says disconnect, as servers do

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            except Exception as exc:
                errors.append(exc)
            finally:
                chunks_in.close()
                started.set()
                finished.set()

        self.tg.start_soon(run)
        await started.wait()
        if not start:
            raise errors[0] if errors else RuntimeError("the app sent no response")
        return httpx.Response(
            start["status"],
            headers=start.get("headers", []),
            stream=_Body(chunks_out, gone, finished, errors),
            request=request,
        )


@pytest.mark.parametrize("after_disconnect", ["ignore", "raise"])
async def test_disconnect_mid_stream_closes_the_pager(
    monkeypatch: pytest.MonkeyPatch, after_disconnect: str
):
    """The client reads 300 lines of a 100,000-item stream and leaves: the app's pager is
    closed, no request to the API is left in flight, and none is made afterwards."""
    big = FakeJourneyApi(seed=11, sessions=1, events_per_session=100_000)
    expected = await raw_events(big, big.session_ids[0], 300)
    big.faults.latency = 0.005
    app = web_app.WebApp(fake=big)
    pagers: list[AsyncPager[Any, Any]] = []
    real = JourneyClient.iter_journey_session_events

    def recording(self: JourneyClient, *args: Any, **kwargs: Any) -> Any:
        pager = real(self, *args, **kwargs)
        pagers.append(pager)
        return pager

    monkeypatch.setattr(JourneyClient, "iter_journey_session_events", recording)
    url = f"http://app.test/sessions/{big.session_ids[0]}/events"
    async with web_app.lifespan(app), anyio.create_task_group() as tg:
        transport = StreamingASGITransport(app, tg, after_disconnect=after_disconnect)
        # The transport directly (no httpx.AsyncClient): its response stream is not an async
        # generator, so leaving early leaves nothing for trio to warn about.
        response = await transport.handle_async_request(httpx.Request("GET", url))
        assert response.status_code == 200
        received = b""
        async for chunk in response.stream:  # type: ignore[union-attr]
            received += chunk
            if received.count(b"\n") >= 300:
                break
        await response.aclose()  # the client goes away: a disconnect
        first = [json.loads(line) for line in received.split(b"\n")[:300]]
        assert first == expected
        assert app.streams_open == 0  # the handler has finished (aclose waited for it)
        assert len(pagers) == 1 and pagers[0].done
        assert big.stats.in_flight == 0
        requests = big.stats.requests
        assert requests <= 4  # 2 pages read, perhaps 1 or 2 prefetched; far from 500
        await anyio.sleep(0.1)
        assert big.stats.requests == requests  # and nothing more afterwards


async def test_streaming_transport_reads_a_whole_stream(app: Any, fake: FakeJourneyApi):
    """The test transport itself: a stream read to its end is complete and leaves no task."""
    expected = await raw_events(fake, fake.session_ids[0])
    async with anyio.create_task_group() as tg:
        transport = StreamingASGITransport(app, tg)
        async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as web:
            response = await web.get(f"/sessions/{fake.session_ids[0]}/events")
    assert [json.loads(line) for line in response.text.splitlines()] == expected
    assert app.streams_open == 0


# ---------------------------------------------------------------------------------------------
# POST /sessions:lookup


async def test_bulk_lookup_in_order_with_errors_in_place(
    web: httpx.AsyncClient, fake: FakeJourneyApi
):
    ids = [*fake.session_ids[:40], "no-such-1", fake.session_ids[45], "no-such-2"]
    response = await web.post("/sessions:lookup", json=ids)
    assert response.status_code == 200
    answer = response.json()
    assert [item["id"] for item in answer] == ids
    assert [item["status"] for item in answer] == [200] * 40 + [404, 200, 404]
    assert answer[41]["session"] == await raw_session(fake, ids[41])
    error = answer[40]["error"]
    assert error["status"] == 404 and "no-such-1" in error["message"]
    assert error["code"] == "not.found" and error["correlationId"]
    assert fake.stats.peak_in_flight <= web_app.CONCURRENCY


async def test_bulk_lookup_of_an_empty_id_is_a_400_in_its_place(web: httpx.AsyncClient):
    answer = (await web.post("/sessions:lookup", json=[""])).json()
    assert answer[0]["status"] == 400 and answer[0]["error"]["message"]


@pytest.mark.parametrize(
    ("content", "status", "words"),
    [
        (b"not json", 400, "must be JSON"),
        (b'{"ids": ["a"]}', 400, "a JSON list of ids"),
        (b'["a", 2]', 400, "a JSON list of ids"),
        (json.dumps(["x"] * 1001).encode(), 413, "at most 1000 ids"),
    ],
)
async def test_bulk_lookup_refuses_bad_bodies(
    web: httpx.AsyncClient, fake: FakeJourneyApi, content: bytes, status: int, words: str
):
    response = await web.post("/sessions:lookup", content=content)
    assert response.status_code == status
    assert words in response.json()["error"]["message"]
    assert fake.stats.requests == 0


async def test_bulk_lookup_refuses_an_oversized_body(app: Any, fake: FakeJourneyApi):
    """Over MAX_BODY bytes: 413 without reading further or calling the API.

    Through the streaming transport: httpx.ASGITransport hands the body over from an async
    generator, which trio reports when the app (rightly) stops reading it early.
    """
    content = b"[" + b'"x",' * (web_app.MAX_BODY // 4) + b'"x"]'
    request = httpx.Request("POST", "http://app.test/sessions:lookup", content=content)
    async with anyio.create_task_group() as tg:
        response = await StreamingASGITransport(app, tg).handle_async_request(request)
        await response.aread()
    assert response.status_code == 413
    assert f"over {web_app.MAX_BODY} bytes" in response.json()["error"]["message"]
    assert fake.stats.requests == 0


# ---------------------------------------------------------------------------------------------
# Lifespan and configuration


async def test_lifespan_creates_and_closes_the_client(fake: FakeJourneyApi):
    app = web_app.WebApp(fake=fake)
    async with web_app.lifespan(app):
        client = app.client
        assert isinstance(client, JourneyClient)
    assert app.client is None
    with pytest.raises(RuntimeError):
        await client.get_journey_session(fake.session_ids[0])


async def test_real_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    """With GENESYSCLOUD_* set (and no fake given) the app uses `JourneyClient.from_env()`."""
    monkeypatch.setenv("GENESYSCLOUD_ACCESS_TOKEN", "a-real-token")
    monkeypatch.setenv("GENESYSCLOUD_REGION", "mypurecloud.ie")
    app = web_app.WebApp()
    async with web_app.lifespan(app):
        assert app.client is not None
        assert app.client.base_url == "https://api.mypurecloud.ie"
        assert app.fake is None


async def test_incomplete_credentials_fail_the_startup(monkeypatch: pytest.MonkeyPatch):
    """A client id without its secret: the lifespan reports `startup.failed`, naming why."""
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", "an-id")
    app = web_app.WebApp()
    with pytest.raises(RuntimeError, match="GENESYSCLOUD_OAUTHCLIENT_SECRET"):
        async with web_app.lifespan(app):
            pass  # pragma: no cover
    assert app.client is None


async def test_requests_before_startup_are_503():
    app = web_app.WebApp()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app.test"
    ) as web:
        response = await web.get("/sessions/x")
    assert response.status_code == 503


# ---------------------------------------------------------------------------------------------
# As a script (CI runs every examples/*.py with no arguments)


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the example as CI does, with deprecation warnings made errors: it uses none."""
    return subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", str(EXAMPLE), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("args", [(), ("--check",)])
def test_script_checks_itself_and_exits_0(args: tuple[str, ...]):
    started = time.monotonic()
    done = run_script(*args)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 30
    assert "-> 200 'web' session, 2500 events" in done.stdout
    assert "/sessions/no-such-session -> 404" in done.stdout
    assert "/events -> 200, 2500 lines" in done.stdout
    assert "(101 ids) -> 200: 100 found, 1 not found" in done.stdout
    assert done.stderr == ""


def test_script_serve_without_a_server_says_what_to_install():
    if importlib.util.find_spec("uvicorn") is not None:
        pytest.skip("uvicorn is installed: --serve would serve")
    done = run_script("--serve")
    assert done.returncode == 2
    assert "pip install uvicorn" in done.stderr


def test_module_exposes_an_asgi_app():
    """`uvicorn web_app:app` finds an ASGI application at module level."""
    assert isinstance(web_app.app, web_app.WebApp)
    assert callable(web_app.app)
