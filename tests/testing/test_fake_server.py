"""The fake Journey API over real sockets on 127.0.0.1: `serve_in_thread()` (asyncio and trio
clients), `serve()`, `python -m journey_async.testing serve`, and the ASGI app."""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from journey_async import (
    ActionTarget,
    ClientCredentials,
    JourneyAggregationQuery,
    JourneyClient,
    NotFoundError,
    PatchActionTarget,
    SegmentAssignmentsUpdate,
    TransportError,
)
from journey_async.testing import FakeJourneyApi

pytestmark = pytest.mark.anyio

TOKEN = "fake-token"
INTERVAL = "2020-11-01T00:00:00.000Z/2020-11-02T00:00:00.000Z"
REPO = Path(__file__).resolve().parents[2]


async def no_sleep(seconds: float) -> None:
    """A `sleep` that returns at once, so retries never really wait."""


async def run_all_eight(client: JourneyClient, api: FakeJourneyApi) -> dict[str, Any]:
    """Call each of the eight operations once; return what they gave."""
    target_id = api.action_target_ids[0]
    contact_id = api.external_contact_ids[0]
    id_type, customer_id = api.customer_ids[0]
    return {
        "target": await client.get_journey_actiontarget(target_id),
        "targets": await client.get_journey_actiontargets(page_size=10),
        "patched": await client.patch_journey_actiontarget(
            target_id, body=PatchActionTarget(name="Over the wire")
        ),
        "session": await client.get_journey_session_segments(api.session_ids[0], page_size=5),
        "customer": await client.get_journey_customer_customer_id_segments(id_type, customer_id),
        "contact": await client.get_journey_externalcontact_segments(contact_id),
        "posted": await client.post_journey_externalcontact_segments(
            contact_id, body=[SegmentAssignmentsUpdate(segment_id="seg-1", state="Assigned")]
        ),
        "aggregates": await client.post_analytics_journeys_aggregates_query(
            JourneyAggregationQuery(
                interval=INTERVAL, metrics=["nJourneySessions"], granularity="PT12H"
            )
        ),
    }


def check_all_eight(results: dict[str, Any], api: FakeJourneyApi) -> None:
    """The results of `run_all_eight` are the fake's data."""
    assert isinstance(results["target"], ActionTarget)
    assert results["target"].id == api.action_target_ids[0]
    assert [t.id for t in results["targets"].entities] == api.action_target_ids[:10]
    assert results["targets"].page_count == -(-len(api.action_target_ids) // 10)
    assert results["patched"].name == "Over the wire"
    assert len(results["session"].entities) == 5 and results["session"].next_uri
    assert {a.customer_id for a in results["customer"].entities} == {api.customer_ids[0][1]}
    assert {a.external_contact.id for a in results["contact"].entities} == {
        api.external_contact_ids[0]
    }
    assert results["posted"] is None
    assert api.segment_updates == {api.external_contact_ids[0]: {"seg-1": "Assigned"}}
    assert len(results["aggregates"].results[0].data) == 2
    assert len(api.stats.by_route) == 8
    assert api.stats.by_status[200] == 7 and api.stats.by_status[204] == 1


async def test_serve_in_thread_runs_all_eight_operations():
    """A client on asyncio or trio runs the eight operations against the threaded server."""
    api = FakeJourneyApi(seed=21)
    with api.serve_in_thread() as url:
        assert url.startswith("http://127.0.0.1:")
        async with JourneyClient(TOKEN, base_url=url, sleep=no_sleep) as client:
            results = await run_all_eight(client, api)
            with pytest.raises(NotFoundError) as caught:
                await client.get_journey_actiontarget("missing")
    check_all_eight(results, api)
    assert caught.value.correlation_id
    assert client.is_closed


async def test_serve_in_thread_with_client_credentials_and_paging():
    """ClientCredentials gets its token from the server's /oauth/token; a pager reads it all."""
    api = FakeJourneyApi(seed=22, assignments_per_session=450)
    provider = ClientCredentials("fake-client-id", "fake-client-secret")
    with api.serve_in_thread() as url:
        async with JourneyClient(provider, base_url=url, sleep=no_sleep) as client:
            pager = client.iter_journey_session_segments(api.session_ids[0], page_size=100)
            async with pager:
                ids = [item.id async for item in pager]
            api.expire_tokens()
            target = await client.get_journey_actiontarget(api.action_target_ids[3])
    assert provider.login_url == url
    assert ids == [api.assignment(2, 0, k, api.session_ids[0])["id"] for k in range(450)]
    assert target.id == api.action_target_ids[3]
    assert api.stats.token_requests == 2
    assert api.stats.by_status[401] == 1


async def test_serve_in_thread_faults_over_the_wire():
    """Injected 503s are retried, and a dropped connection is a TransportError without retry."""
    api = FakeJourneyApi(seed=23)
    with api.serve_in_thread() as url:
        async with JourneyClient(TOKEN, base_url=url, sleep=no_sleep) as client:
            api.faults.fail_next = [503, 429]
            api.faults.retry_after = 0.0
            target = await client.get_journey_actiontarget(api.action_target_ids[0])
        async with JourneyClient(TOKEN, base_url=url, retry=None) as client:
            api.faults.drop_every = 1
            with pytest.raises(TransportError):
                await client.get_journey_actiontarget(api.action_target_ids[0])
            api.faults.drop_every = 0
            again = await client.get_journey_actiontarget(api.action_target_ids[0])
    assert target == again
    assert api.stats.by_status == {503: 1, 429: 1, 200: 2}
    assert api.stats.dropped == 1


async def test_serve_in_thread_answers_concurrent_requests():
    """Many concurrent requests over several connections all get their own answer."""
    api = FakeJourneyApi(seed=24, action_targets=40)
    api.faults.latency = 0.005
    found: dict[int, str | None] = {}
    with api.serve_in_thread() as url:
        async with JourneyClient(TOKEN, base_url=url) as client:

            async def fetch(index: int) -> None:
                target = await client.get_journey_actiontarget(api.action_target_ids[index])
                found[index] = target.id

            async with anyio.create_task_group() as tg:
                for index in range(40):
                    tg.start_soon(fetch, index)
    assert [found[i] for i in range(40)] == api.action_target_ids
    assert api.stats.peak_in_flight >= 2
    assert api.stats.in_flight == 0


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_serve_in_the_running_event_loop():
    """`async with api.serve()` serves on the test's own asyncio loop until the block ends."""
    api = FakeJourneyApi(seed=25)
    async with api.serve() as url, JourneyClient(TOKEN, base_url=url, sleep=no_sleep) as client:
        results = await run_all_eight(client, api)
    check_all_eight(results, api)
    port = int(url.rsplit(":", 1)[1])
    async with httpx.AsyncClient() as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"http://127.0.0.1:{port}/api/v2/journey/actiontargets")


def _read_port(process: subprocess.Popen[bytes], timeout: float) -> tuple[int, list[str]]:
    """Read the child's stdout until its `port NNNN` line; returns the port and lines seen.

    Reads the pipe unbuffered (os.read), so select() never waits on data a buffer already holds.
    """
    assert process.stdout is not None
    fd = process.stdout.fileno()
    output = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(max(0.0, deadline - time.monotonic())):
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            output += chunk
            lines = output.decode().splitlines()
            for line in lines if output.endswith(b"\n") else lines[:-1]:
                if line.startswith("port "):
                    return int(line.split()[1]), lines
    raise AssertionError(f"no `port NNNN` line within {timeout} s; output: {output!r}")


def test_command_line_server_serves_until_terminated():
    """`python -m journey_async.testing serve --port 0` prints its port and answers requests."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path}
    command = [sys.executable, "-m", "journey_async.testing", "serve", "--port", "0", "--seed", "3"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=REPO
    ) as process:
        try:
            port, lines = _read_port(process, timeout=15)
            base = f"http://127.0.0.1:{port}"
            expected = FakeJourneyApi(seed=3)
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
                ok = http.get(f"/api/v2/journey/sessions/{expected.session_ids[0]}/segments")
                target = http.get(f"/api/v2/journey/actiontargets/{expected.action_target_ids[0]}")
                refused = http.get("/api/v2/journey/actiontargets", headers={"Authorization": ""})
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert 0 < port < 65536
    assert any(expected.session_ids[0] in line for line in lines)
    assert ok.status_code == 200 and len(ok.json()["entities"]) == 25
    assert ok.headers["inin-correlation-id"]
    assert target.json()["id"] == expected.action_target_ids[0]
    assert refused.status_code == 401
    assert process.returncode is not None


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_asgi_app_through_httpx_asgi_transport():
    """`api.asgi` answers a GET and a POST through httpx.ASGITransport."""
    api = FakeJourneyApi(seed=26)
    transport = httpx.ASGITransport(app=api.asgi)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://fake.invalid",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as http:
        listing = await http.get(
            f"/api/v2/journey/sessions/{api.session_ids[0]}/segments",
            params={"pageSize": 3, "segmentScope": "Session"},
        )
        posted = await http.post(
            "/api/v2/analytics/journeys/aggregates/query",
            json={"interval": INTERVAL, "metrics": ["nJourneySessions"]},
        )
        missing = await http.get("/api/v2/journey/actiontargets/nope")
    assert listing.status_code == 200
    page = listing.json()
    assert len(page["entities"]) == 3
    assert {e["segment"]["scope"] for e in page["entities"]} == {"Session"}
    assert "segmentScope=Session" in page["nextUri"]
    assert listing.headers["inin-correlation-id"]
    assert posted.status_code == 200
    assert posted.json()["results"][0]["data"][0]["interval"] == INTERVAL
    assert missing.status_code == 404 and missing.json()["code"] == "not.found"


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_asgi_app_through_journey_client():
    """A JourneyClient over httpx.ASGITransport runs the eight operations on the ASGI app."""
    api = FakeJourneyApi(seed=27)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=api.asgi))
    async with JourneyClient(TOKEN, base_url="https://api.fake.invalid", http_client=http) as c:
        results = await run_all_eight(c, api)
    await http.aclose()
    check_all_eight(results, api)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_asgi_lifespan_startup_and_shutdown():
    """The ASGI app completes the lifespan protocol (startup, then shutdown)."""
    api = FakeJourneyApi()
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await api.asgi({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


def _today_round_trip(http: httpx.Client, api: FakeJourneyApi) -> dict[str, httpx.Response]:
    """One request of each status of today's API: 200, 202 (a job), 204 (its delete), 404."""
    jobs = "/api/v2/analytics/journeys/aggregates/jobs"
    submitted = http.post(jobs, json={"interval": INTERVAL, "metrics": ["nJourneySessions"]})
    job = submitted.json()["jobId"]
    contact = api.external_contact_ids[0]
    return {
        "sessions": http.get(f"/api/v2/externalcontacts/contacts/{contact}/journey/sessions"),
        "submitted": submitted,
        "status": http.get(f"{jobs}/{job}"),
        "results": http.get(f"{jobs}/{job}/results"),
        "deleted": http.delete(f"{jobs}/{job}"),
        "gone": http.get(f"{jobs}/{job}"),
    }


def _check_today(answers: dict[str, httpx.Response], api: FakeJourneyApi) -> None:
    contact = api.external_contact_ids[0]
    sessions = answers["sessions"].json()["entities"]
    assert [s["id"] for s in sessions] == api.contact_session_ids(contact)
    assert answers["submitted"].status_code == 202
    assert answers["status"].json()["state"] == "FULFILLED"
    assert answers["results"].json()["results"][0]["data"][0]["interval"] == INTERVAL
    assert answers["deleted"].status_code == 204 and answers["deleted"].content == b""
    assert answers["gone"].status_code == 404
    assert all(r.headers["inin-correlation-id"] for r in answers.values())


def test_serve_in_thread_answers_todays_routes_with_202_and_204():
    """Today's routes over a real socket: 202 (Accepted) for a job, 204 for its deletion."""
    api = FakeJourneyApi(seed=28)
    with (
        api.serve_in_thread() as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as http,
    ):
        answers = _today_round_trip(http, api)
    _check_today(answers, api)
    assert answers["submitted"].reason_phrase == "Accepted"


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_asgi_app_answers_todays_routes():
    api = FakeJourneyApi(seed=29)
    jobs = "/api/v2/analytics/journeys/aggregates/jobs"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.asgi),
        base_url="http://fake.invalid",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as http:
        submitted = await http.post(
            jobs, json={"interval": INTERVAL, "metrics": ["nJourneySessions"]}
        )
        deleted = await http.delete(f"{jobs}/{submitted.json()['jobId']}")
        view = await http.get(f"/api/v2/journey/views/{api.view_ids[0]}")
    assert submitted.status_code == 202 and deleted.status_code == 204
    assert view.status_code == 200 and view.json()["id"] == api.view_ids[0]
