"""All eight operations end to end against a real HTTP server on 127.0.0.1 (no mocks in between)."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs
import pytest
import pytest_asyncio

from journey_async import (
    ActionTarget,
    AssignmentState,
    JourneyAggregationQuery,
    JourneyClient,
    NotFoundError,
    PatchActionTarget,
    SegmentAssignmentsUpdate,
    SegmentScope,
    ServerError,
    __version__,
)
from journey_async.models import ServiceLevel

TOKEN = "loopback-token-5c1e"
UTC = timezone.utc

TARGET = {
    "id": "t-1",
    "name": "Sales chat queue",
    "userData": [{"key": "region", "value": "emea"}],
    "supportedMediaTypes": ["webchat"],
    "state": "active",
    "serviceLevel": {"percentage": 0.8, "durationMs": 20000},
    "selfUri": "/api/v2/journey/actiontargets/t-1",
    "createdDate": "2020-09-14T09:12:45.123Z",
}
LISTING = {
    "entities": [TARGET],
    "pageSize": 10,
    "pageNumber": 2,
    "total": 11,
    "pageCount": 2,
}
SEGMENTS = {
    "entities": [
        {
            "id": "sa-1",
            "state": "Assigned",
            "dateAssigned": "2020-11-02T14:21:07.512Z",
            "segment": {"id": "seg-1", "scope": "Session", "version": 3},
        }
    ],
    "nextUri": "/api/v2/journey/sessions/x/segments?pageSize=1&after=CUR",
}
AGGREGATES = {
    "results": [
        {
            "group": {"journeyActionMapId": "map-1"},
            "data": [
                {
                    "interval": "2020-11-01T00:00:00.000Z/2020-11-02T00:00:00.000Z",
                    "metrics": [{"metric": "nWebActionsOffered", "stats": {"count": 128}}],
                }
            ],
        }
    ]
}


@attrs.define
class Recorded:
    """One request as the server saw it."""

    method: str
    raw_path: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes


class LoopbackApi:
    """A tiny threaded HTTP server answering canned JSON per (method, path), recording requests."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], tuple[int, Any, dict[str, str]]] = {}
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # silence stderr
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                with api._lock:
                    api.requests.append(
                        Recorded(
                            method=self.command,
                            raw_path=self.path,
                            path=split.path,
                            query=sorted(parse_qsl(split.query, keep_blank_values=True)),
                            headers={k.lower(): v for k, v in self.headers.items()},
                            body=body,
                        )
                    )
                status, payload, headers = api.routes.get(
                    (self.command, split.path),
                    (404, {"message": "no route", "code": "not.found", "status": 404}, {}),
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if status == 204:
                    self.end_headers()
                    return
                data = json.dumps(payload).encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _handle
            do_POST = _handle
            do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        host, port = self.server.server_address[:2]
        assert host == "127.0.0.1"
        self.base_url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def route(self, method: str, path: str, status: int, payload: Any = None, **headers: str):
        self.routes[(method, path)] = (status, payload, headers)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackApi]:
    """A started loopback server; no proxy variable may send loopback traffic elsewhere."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    server = LoopbackApi()
    server.route("GET", "/api/v2/journey/actiontargets/t-1", 200, TARGET)
    server.route("GET", "/api/v2/journey/actiontargets", 200, LISTING)
    server.route("PATCH", "/api/v2/journey/actiontargets/t-1", 200, {**TARGET, "name": "New"})
    for path in (
        "/api/v2/journey/customers/cookie/c-1/segments",
        "/api/v2/journey/externalcontacts/e-1/segments",
        "/api/v2/journey/sessions/s-1/segments",
    ):
        server.route("GET", path, 200, SEGMENTS, **{"inin-correlation-id": "corr-ok"})
    server.route("POST", "/api/v2/journey/externalcontacts/e-1/segments", 204)
    server.route("POST", "/api/v2/analytics/journeys/aggregates/query", 200, AGGREGATES)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture
async def client(api: LoopbackApi) -> AsyncIterator[JourneyClient]:
    """A client that owns its real httpx client, pointed at the loopback server, no retries."""
    async with JourneyClient(
        TOKEN, base_url=api.base_url, retry=None, timeout=5.0, user_agent="loop-test/1"
    ) as c:
        yield c


def last(api: LoopbackApi) -> Recorded:
    assert api.requests, "the server saw no request"
    return api.requests[-1]


def assert_common_headers(rec: Recorded) -> None:
    assert rec.headers["authorization"] == f"Bearer {TOKEN}"
    assert rec.headers["accept"] == "application/json"
    assert rec.headers["user-agent"] == f"journey-async/{__version__} loop-test/1"


async def test_get_actiontarget(client: JourneyClient, api: LoopbackApi):
    """`get_journey_actiontarget` over real HTTP sends GET with its headers, decodes the target."""
    target = await client.get_journey_actiontarget("t-1")
    assert target.name == "Sales chat queue"
    assert target.service_level == ServiceLevel(percentage=0.8, duration_ms=20000)
    assert target.created_date == datetime(2020, 9, 14, 9, 12, 45, 123000, tzinfo=UTC)
    rec = last(api)
    assert (rec.method, rec.raw_path) == ("GET", "/api/v2/journey/actiontargets/t-1")
    assert_common_headers(rec)
    assert rec.body == b""


async def test_get_actiontargets(client: JourneyClient, api: LoopbackApi):
    """`get_journey_actiontargets` sends pageNumber and pageSize and decodes the listing."""
    listing = await client.get_journey_actiontargets(page_number=2, page_size=10)
    assert listing.page_number == 2
    assert listing.total == 11
    assert listing.entities is not None and listing.entities[0].id == "t-1"
    rec = last(api)
    assert rec.method == "GET"
    assert rec.path == "/api/v2/journey/actiontargets"
    assert rec.query == [("pageNumber", "2"), ("pageSize", "10")]
    assert_common_headers(rec)


async def test_get_customer_segments(client: JourneyClient, api: LoopbackApi):
    """The customer segment listing sends its path ids and all filters over real HTTP."""
    listing = await client.get_journey_customer_customer_id_segments(
        "cookie",
        "c-1",
        page_size="50",
        after="CUR",
        segment_scope=SegmentScope.CUSTOMER,
        assignment_state="Unassigned",
    )
    assert listing.next_uri == SEGMENTS["nextUri"]
    rec = last(api)
    assert rec.method == "GET"
    assert rec.path == "/api/v2/journey/customers/cookie/c-1/segments"
    assert rec.query == [
        ("after", "CUR"),
        ("assignmentState", "Unassigned"),
        ("pageSize", "50"),
        ("segmentScope", "Customer"),
    ]
    assert_common_headers(rec)


async def test_get_externalcontact_segments(client: JourneyClient, api: LoopbackApi):
    """The external-contact segment listing decodes enums and aware date-times."""
    listing = await client.get_journey_externalcontact_segments("e-1", page_size=1)
    assert listing.entities is not None
    (assignment,) = listing.entities
    assert assignment.state is AssignmentState.ASSIGNED
    assert assignment.date_assigned == datetime(2020, 11, 2, 14, 21, 7, 512000, tzinfo=UTC)
    assert assignment.segment is not None and assignment.segment.scope is SegmentScope.SESSION
    rec = last(api)
    assert rec.path == "/api/v2/journey/externalcontacts/e-1/segments"
    assert rec.query == [("pageSize", "1")]
    assert_common_headers(rec)


async def test_get_session_segments(client: JourneyClient, api: LoopbackApi):
    """The session segment listing with no options sends no query string."""
    listing = await client.get_journey_session_segments("s-1")
    assert listing.entities is not None and listing.entities[0].id == "sa-1"
    rec = last(api)
    assert rec.raw_path == "/api/v2/journey/sessions/s-1/segments"
    assert rec.query == []
    assert_common_headers(rec)


async def test_patch_actiontarget(client: JourneyClient, api: LoopbackApi):
    """`patch_journey_actiontarget` sends a camelCase JSON body and decodes the answer."""
    target = await client.patch_journey_actiontarget(
        "t-1",
        body=PatchActionTarget(name="New", service_level=ServiceLevel(duration_ms=15000)),
    )
    assert isinstance(target, ActionTarget)
    assert target.name == "New"
    rec = last(api)
    assert rec.method == "PATCH"
    assert rec.path == "/api/v2/journey/actiontargets/t-1"
    assert rec.headers["content-type"] == "application/json"
    assert json.loads(rec.body) == {"name": "New", "serviceLevel": {"durationMs": 15000}}
    assert_common_headers(rec)


async def test_post_aggregates_query(client: JourneyClient, api: LoopbackApi):
    """The aggregates query POSTs its JSON body and decodes the response."""
    response = await client.post_analytics_journeys_aggregates_query(
        JourneyAggregationQuery(
            "2020-11-01T00:00:00.000Z/2020-11-02T00:00:00.000Z",
            ["nWebActionsOffered"],
            granularity="P1D",
        )
    )
    assert response.results is not None
    data = response.results[0].data
    assert data is not None and data[0].metrics is not None
    stats = data[0].metrics[0].stats
    assert stats is not None and stats.count == 128
    rec = last(api)
    assert rec.method == "POST"
    assert rec.path == "/api/v2/analytics/journeys/aggregates/query"
    assert rec.headers["content-type"] == "application/json"
    assert json.loads(rec.body) == {
        "interval": "2020-11-01T00:00:00.000Z/2020-11-02T00:00:00.000Z",
        "metrics": ["nWebActionsOffered"],
        "granularity": "P1D",
    }
    assert_common_headers(rec)


async def test_post_externalcontact_segments(client: JourneyClient, api: LoopbackApi):
    """Posting segment updates sends a JSON array and a 204 gives None."""
    result = await client.post_journey_externalcontact_segments(
        "e-1",
        body=[
            SegmentAssignmentsUpdate("seg-1", AssignmentState.ASSIGNED),
            {"segmentId": "seg-2", "state": "Unassigned"},
        ],
    )
    assert result is None
    rec = last(api)
    assert rec.method == "POST"
    assert rec.path == "/api/v2/journey/externalcontacts/e-1/segments"
    assert rec.headers["content-type"] == "application/json"
    assert json.loads(rec.body) == [
        {"segmentId": "seg-1", "state": "Assigned"},
        {"segmentId": "seg-2", "state": "Unassigned"},
    ]
    assert_common_headers(rec)


async def test_all_eight_in_sequence_reuse_one_client(client: JourneyClient, api: LoopbackApi):
    """All eight operations run one after another on one client, one request each."""
    await client.get_journey_actiontarget("t-1")
    await client.get_journey_actiontargets()
    await client.get_journey_customer_customer_id_segments("cookie", "c-1")
    await client.get_journey_externalcontact_segments("e-1")
    await client.get_journey_session_segments("s-1")
    await client.patch_journey_actiontarget("t-1", body={"name": "New"})
    await client.post_analytics_journeys_aggregates_query({"interval": "i", "metrics": ["m"]})
    await client.post_journey_externalcontact_segments("e-1", body=[])
    assert [(r.method, r.path) for r in api.requests] == [
        ("GET", "/api/v2/journey/actiontargets/t-1"),
        ("GET", "/api/v2/journey/actiontargets"),
        ("GET", "/api/v2/journey/customers/cookie/c-1/segments"),
        ("GET", "/api/v2/journey/externalcontacts/e-1/segments"),
        ("GET", "/api/v2/journey/sessions/s-1/segments"),
        ("PATCH", "/api/v2/journey/actiontargets/t-1"),
        ("POST", "/api/v2/analytics/journeys/aggregates/query"),
        ("POST", "/api/v2/journey/externalcontacts/e-1/segments"),
    ]


async def test_path_injection_over_real_http(client: JourneyClient, api: LoopbackApi):
    """An id with `../` and `?` reaches the real server as one encoded segment of the right path."""
    with pytest.raises(NotFoundError) as info:
        await client.get_journey_actiontarget("../actiontargets?pageSize=1")
    rec = last(api)
    assert rec.raw_path == "/api/v2/journey/actiontargets/..%2Factiontargets%3FpageSize%3D1"
    assert rec.query == []
    assert info.value.status == 404
    assert info.value.code == "not.found"


async def test_error_over_real_http(client: JourneyClient, api: LoopbackApi):
    """A real 503 with a correlation id becomes a ServerError carrying it."""
    api.route(
        "GET",
        "/api/v2/journey/actiontargets/down",
        503,
        {"message": "Service Unavailable", "code": "service.unavailable", "status": 503},
        **{"inin-correlation-id": "corr-503", "Retry-After": "2"},
    )
    with pytest.raises(ServerError) as info:
        await client.get_journey_actiontarget("down")
    err = info.value
    assert err.status == 503
    assert err.correlation_id == "corr-503"
    assert err.retry_after == 2.0
    assert err.request.headers["Authorization"] == "[redacted]"
    assert TOKEN not in str(err)
