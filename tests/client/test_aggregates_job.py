"""`analytics_journeys_aggregates_job`: submit, poll (backing off), stream the results, and
clean up: JobError on FAILED / CANCELLED / EXPIRED / timeout, the job deleted when left early
(break, limit, cancellation, timeout), argument checks before any request. Against the fake
(in-process) on asyncio and trio, with an injected sleep and clock."""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx
import sniffio

from journey_async import JourneyClient
from journey_async.errors import JobError, JourneyError, NotFoundError
from journey_async.models import (
    JourneyAggregateDataContainer,
    JourneyAggregationQuery,
    JourneyAsyncAggregationQuery,
    PatchSegment,
)
from journey_async.testing import FakeJourneyApi

if TYPE_CHECKING:
    from conftest import SleepRecorder

pytestmark = pytest.mark.anyio

BASE_URL = "https://api.fake.invalid"
INTERVAL = "2025-11-01T00:00:00.000Z/2025-11-02T00:00:00.000Z"
QUERY: dict[str, Any] = {
    "interval": INTERVAL,
    "granularity": "PT1H",
    "metrics": ["nJourneySessions", "oJourneyOutcomeValue"],
    "groupBy": ["journeySegmentId"],
}
SMALL_PAGES = {**QUERY, "pageSize": 5}
DELETE = "delete_analytics_journeys_aggregates_job"
STATUS = "get_analytics_journeys_aggregates_job"
SUBMIT = "post_analytics_journeys_aggregates_jobs"


@contextlib.asynccontextmanager
async def fake_client(api: FakeJourneyApi, sleeper: Any = None) -> AsyncIterator[JourneyClient]:
    """A retry-less client on the fake's transport; with `sleeper`, its sleep and clock."""
    extra: dict[str, Any] = {}
    if sleeper is not None:
        extra = {"sleep": sleeper, "clock": sleeper.clock}
    async with (
        httpx.AsyncClient(transport=api.transport()) as http,
        JourneyClient(
            "fake-token", base_url=BASE_URL, http_client=http, retry=None, **extra
        ) as client,
    ):
        yield client


def running_tasks() -> set[object]:
    """The event loop's tasks on asyncio (trio has none outside nurseries): nothing may be added."""
    if sniffio.current_async_library() == "asyncio":
        return set(asyncio.all_tasks())
    return set()


def jobs_of(api: FakeJourneyApi) -> dict[str, Any]:
    """The fake's aggregates jobs that still exist, by id."""
    jobs: dict[str, Any] = api._api2026().jobs.jobs
    return jobs


async def direct_results(client: JourneyClient, body: Any) -> list[JourneyAggregateDataContainer]:
    """Submit, poll until FULFILLED and read every result page with the plain operations."""
    accepted = await client.post_analytics_journeys_aggregates_jobs(body)
    assert accepted.job_id is not None
    for _ in range(100):
        status = await client.get_analytics_journeys_aggregates_job(accepted.job_id)
        if status.state == "FULFILLED":
            break
    else:
        pytest.fail("the fake's job never finished")
    pager = client.iter_analytics_journeys_aggregates_job_results(accepted.job_id)
    async with pager:
        return [container async for container in pager]


# ---------------------------------------------------------------------------------------------
# The happy path


async def test_the_job_pager_gives_what_the_results_give(sleeper: SleepRecorder) -> None:
    """After QUEUED/PENDING polls, the items are those of reading the job's results directly;
    a job read to its end is not deleted."""
    api = FakeJourneyApi(seed=4, job_polls=3)
    async with fake_client(api, sleeper) as client:
        expected = await direct_results(client, SMALL_PAGES)
        api.reset_stats()
        sleeper.waits.clear()
        pager = client.analytics_journeys_aggregates_job(SMALL_PAGES, poll_interval=1.0)
        async with pager:
            items = [container async for container in pager]
        assert pager.done
    assert len(expected) > 5
    assert all(isinstance(item, JourneyAggregateDataContainer) for item in items)
    assert items == expected
    assert api.stats.by_route[SUBMIT] == 1
    assert api.stats.by_route[STATUS] == 4  # three not done yet, then FULFILLED
    assert api.stats.by_route[DELETE] == 0
    assert sleeper.waits == [1.0, 1.5, 2.25]
    assert len(jobs_of(api)) == 2  # both jobs still there (they expire on their own)


async def test_nothing_is_sent_before_iteration(sleeper: SleepRecorder) -> None:
    api = FakeJourneyApi(seed=4)
    async with fake_client(api, sleeper) as client:
        pager = client.analytics_journeys_aggregates_job(QUERY)
        assert api.stats.requests == 0
        await pager.aclose()
    assert api.stats.requests == 0


async def test_pages_of_the_job(sleeper: SleepRecorder) -> None:
    """`.pages()` gives the result pages; the cursor field is followed to the last one."""
    api = FakeJourneyApi(seed=4, job_polls=1)
    async with fake_client(api, sleeper) as client:
        pager = client.analytics_journeys_aggregates_job(SMALL_PAGES, poll_interval=0.5)
        async with pager:
            pages = [page async for page in pager.pages()]
    assert len(pages) > 2
    assert all(page.cursor for page in pages[:-1])
    assert pages[-1].cursor is None
    assert api.stats.by_route["get_analytics_journeys_aggregates_job_results"] == len(pages)
    assert api.stats.by_route[DELETE] == 0


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(SMALL_PAGES, id="dict"),
        pytest.param(
            JourneyAsyncAggregationQuery(
                INTERVAL,
                ["nJourneySessions", "oJourneyOutcomeValue"],
                granularity="PT1H",
                group_by=["journeySegmentId"],
                page_size=5,
            ),
            id="JourneyAsyncAggregationQuery",
        ),
        pytest.param(
            JourneyAggregationQuery(
                INTERVAL,
                ["nJourneySessions", "oJourneyOutcomeValue"],
                granularity="PT1H",
                group_by=["journeySegmentId"],
            ),
            id="JourneyAggregationQuery",
        ),
        pytest.param(QUERY, id="dict-without-pageSize"),
    ],
)
async def test_model_and_dict_bodies_give_the_same_results(
    sleeper: SleepRecorder, body: Any
) -> None:
    api = FakeJourneyApi(seed=4, job_polls=1)
    async with fake_client(api, sleeper) as client:
        expected = await direct_results(client, QUERY)
        pager = client.analytics_journeys_aggregates_job(body, poll_interval=0.5)
        async with pager:
            items = [container async for container in pager]
    # The same data points per group, however the pages cut the containers.
    assert joined(items) == joined(expected)
    assert api.stats.by_status.keys() <= {200, 202}


def joined(containers: list[JourneyAggregateDataContainer]) -> list[tuple[Any, ...]]:
    points: list[tuple[Any, ...]] = []
    for container in containers:
        group = tuple(sorted((container.group or {}).items()))
        points.extend((group, repr(point)) for point in container.data or [])
    return sorted(points)


# ---------------------------------------------------------------------------------------------
# Jobs that end badly


async def test_a_failed_job_is_a_job_error(sleeper: SleepRecorder) -> None:
    api = FakeJourneyApi(seed=4, job_polls=2)
    api.faults.job_failure = "Query exceeded the time limit"
    async with fake_client(api, sleeper) as client:
        pager = client.analytics_journeys_aggregates_job(QUERY, poll_interval=1.0)
        with pytest.raises(JobError) as caught:
            async with pager:
                _ = [container async for container in pager]
    error = caught.value
    assert isinstance(error, JourneyError)
    assert error.state == "FAILED"
    assert error.error_message == "Query exceeded the time limit"
    assert error.job_id is not None
    assert error.job_id in str(error)
    assert "FAILED" in str(error)
    assert "Query exceeded the time limit" in str(error)
    assert api.stats.by_route[DELETE] == 0  # a job that ended has nothing to stop
    assert api.stats.by_route["get_analytics_journeys_aggregates_job_results"] == 0


async def test_an_expired_job_is_a_job_error(sleeper: SleepRecorder) -> None:
    """The job expires while being polled (the fake's `expire_jobs`, at the second wait)."""
    api = FakeJourneyApi(seed=4, job_polls=5)

    async def sleep(seconds: float) -> None:
        await sleeper(seconds)
        if len(sleeper.waits) == 2:
            api.expire_jobs()

    sleep.clock = sleeper.clock  # type: ignore[attr-defined]
    async with fake_client(api, sleep) as client:
        pager = client.analytics_journeys_aggregates_job(QUERY, poll_interval=1.0)
        with pytest.raises(JobError, match="EXPIRED") as caught:
            async with pager:
                _ = [container async for container in pager]
    assert caught.value.state == "EXPIRED"
    assert caught.value.error_message is None
    assert api.stats.by_route[STATUS] == 3
    assert api.stats.by_route[DELETE] == 0


async def test_a_cancelled_job_is_a_job_error(sleeper: SleepRecorder) -> None:
    """CANCELLED (which the fake never answers) over respx: JobError, no DELETE."""
    router = respx.Router(base_url="https://api.test.invalid", assert_all_mocked=True)
    router.post("/api/v2/analytics/journeys/aggregates/jobs").respond(202, json={"jobId": "j/1"})
    states = iter([{"state": "QUEUED"}, {"state": "CANCELLED", "errorMessage": "by admin"}])
    status = router.get("/api/v2/analytics/journeys/aggregates/jobs/j%2F1").mock(
        side_effect=lambda request: httpx.Response(200, json=next(states))
    )
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http,
        JourneyClient(
            "t",
            base_url="https://api.test.invalid",
            http_client=http,
            retry=None,
            sleep=sleeper,
            clock=sleeper.clock,
        ) as client,
    ):
        pager = client.analytics_journeys_aggregates_job(QUERY, poll_interval=3.0)
        with pytest.raises(JobError) as caught:
            async with pager:
                _ = [container async for container in pager]
    assert (caught.value.job_id, caught.value.state) == ("j/1", "CANCELLED")
    assert caught.value.error_message == "by admin"
    assert status.call_count == 2
    assert [call.request.method for call in router.calls] == ["POST", "GET", "GET"]
    assert sleeper.waits == [3.0]


async def test_a_job_accepted_without_an_id_is_a_job_error(sleeper: SleepRecorder) -> None:
    router = respx.Router(base_url="https://api.test.invalid", assert_all_mocked=True)
    router.post("/api/v2/analytics/journeys/aggregates/jobs").respond(202, json={})
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http,
        JourneyClient(
            "t", base_url="https://api.test.invalid", http_client=http, retry=None
        ) as client,
    ):
        pager = client.analytics_journeys_aggregates_job(QUERY)
        with pytest.raises(JobError, match="jobId") as caught:
            async with pager:
                _ = [container async for container in pager]
    assert caught.value.job_id is None
    assert router.calls.call_count == 1


async def test_a_job_not_done_in_time_is_deleted(sleeper: SleepRecorder) -> None:
    """Still QUEUED/PENDING after `timeout` seconds (the fake clock): JobError, and the job is
    deleted, so the server stops working on it."""
    api = FakeJourneyApi(seed=4, job_polls=10_000)
    async with fake_client(api, sleeper) as client:
        pager = client.analytics_journeys_aggregates_job(QUERY, poll_interval=1.0, timeout=10.0)
        with pytest.raises(JobError, match="did not finish within 10 s") as caught:
            async with pager:
                _ = [container async for container in pager]
        job_id = caught.value.job_id
        assert job_id is not None
        assert caught.value.state in ("QUEUED", "PENDING")
        with pytest.raises(NotFoundError):
            await client.get_analytics_journeys_aggregates_job(job_id)
    assert sleeper.waits == [1.0, 1.5, 2.25, 3.375, 1.875]  # the last one up to the deadline
    assert api.stats.by_route[DELETE] == 1
    assert jobs_of(api) == {}


async def test_a_timeout_without_async_with_still_deletes_the_job(
    sleeper: SleepRecorder,
) -> None:
    api = FakeJourneyApi(seed=4, job_polls=10_000)
    async with fake_client(api, sleeper) as client:
        pager = client.analytics_journeys_aggregates_job(QUERY, poll_interval=2.0, timeout=5.0)
        with pytest.raises(JobError):
            async for _ in pager:
                pass
    assert api.stats.by_route[DELETE] == 1
    assert jobs_of(api) == {}


# ---------------------------------------------------------------------------------------------
# Leaving early deletes the job


async def test_break_inside_async_with_deletes_the_job(sleeper: SleepRecorder) -> None:
    api = FakeJourneyApi(seed=4, job_polls=1)
    async with fake_client(api, sleeper) as client:
        pager = client.analytics_journeys_aggregates_job(SMALL_PAGES, poll_interval=1.0)
        async with pager:
            async for container in pager:
                assert isinstance(container, JourneyAggregateDataContainer)
                break
            assert api.stats.by_route[DELETE] == 0
    assert api.stats.by_route[DELETE] == 1
    assert jobs_of(api) == {}


async def test_aclose_deletes_the_job_once(sleeper: SleepRecorder) -> None:
    api = FakeJourneyApi(seed=4)
    async with fake_client(api, sleeper) as client:
        pager = client.analytics_journeys_aggregates_job(SMALL_PAGES)
        first = await pager.__anext__()
        assert isinstance(first, JourneyAggregateDataContainer)
        await pager.aclose()
        await pager.aclose()
        with pytest.raises(StopAsyncIteration):
            await pager.__anext__()
    assert api.stats.by_route[DELETE] == 1
    assert jobs_of(api) == {}


async def test_limit_before_the_end_deletes_the_job(sleeper: SleepRecorder) -> None:
    api = FakeJourneyApi(seed=4, job_polls=1)
    async with fake_client(api, sleeper) as client:
        everything = await direct_results(client, SMALL_PAGES)
        api.reset_stats()
        pager = client.analytics_journeys_aggregates_job(SMALL_PAGES, poll_interval=1.0, limit=3)
        items = [container async for container in pager]  # no `async with`: limit is seen
    assert items == everything[:3]
    assert api.stats.by_route[DELETE] == 1
    assert len(jobs_of(api)) == 1  # only the job of `direct_results`


async def test_limit_at_the_very_end_keeps_the_job(sleeper: SleepRecorder) -> None:
    """A limit the listing ends before (or at) reads it to its end: nothing is deleted."""
    api = FakeJourneyApi(seed=4)
    async with fake_client(api, sleeper) as client:
        pager = client.analytics_journeys_aggregates_job(QUERY, limit=10_000)
        async with pager:
            items = [container async for container in pager]
    assert items
    assert api.stats.by_route[DELETE] == 0


async def test_limit_zero_submits_nothing(sleeper: SleepRecorder) -> None:
    api = FakeJourneyApi(seed=4)
    async with fake_client(api, sleeper) as client:
        pager = client.analytics_journeys_aggregates_job(QUERY, limit=0)
        async with pager:
            items = [container async for container in pager]
    assert items == []
    assert api.stats.requests == 0


async def test_an_error_while_reading_results_deletes_the_job(sleeper: SleepRecorder) -> None:
    """A results page that fails (a 500 from the fake) is raised, and the job is deleted."""
    api = FakeJourneyApi(seed=4)
    async with fake_client(api, sleeper) as client:
        pager = client.analytics_journeys_aggregates_job(SMALL_PAGES, poll_interval=1.0)
        with pytest.raises(JourneyError):
            async with pager:
                async for _ in pager:
                    if not api.faults.fail_next:
                        api.faults.fail_next = [500]
    assert api.stats.by_status[500] == 1
    assert api.stats.by_route[DELETE] == 1
    assert jobs_of(api) == {}


# ---------------------------------------------------------------------------------------------
# Cancellation


async def test_cancelling_while_polling_deletes_the_job(sleeper: SleepRecorder) -> None:
    """A cancel scope cancelled at the third wait: the scope catches it, the job is deleted
    (shielded), and nothing is left running."""
    api = FakeJourneyApi(seed=4, job_polls=10_000)
    before = running_tasks()
    with anyio.CancelScope() as scope:

        async def sleep(seconds: float) -> None:
            await sleeper(seconds)
            if len(sleeper.waits) == 3:
                scope.cancel()
            await anyio.lowlevel.checkpoint()

        sleep.clock = sleeper.clock  # type: ignore[attr-defined]
        async with fake_client(api, sleep) as client:
            pager = client.analytics_journeys_aggregates_job(QUERY, poll_interval=1.0)
            async with pager:
                async for _ in pager:
                    pytest.fail("no result can come: the job never finishes")
    assert scope.cancelled_caught
    assert len(sleeper.waits) == 3
    assert api.stats.by_route[DELETE] == 1
    assert jobs_of(api) == {}
    assert api.stats.in_flight == 0
    assert running_tasks() == before


async def test_move_on_after_while_polling_deletes_the_job() -> None:
    """A real deadline (anyio.move_on_after, armed once the job is being polled) around real
    polling with real sleeps: the job is deleted and nothing is left in flight."""
    api = FakeJourneyApi(seed=4, job_polls=10**9)
    before = running_tasks()
    with anyio.move_on_after(math.inf) as scope:

        async def sleep(seconds: float) -> None:
            if scope.deadline == math.inf:  # first wait: the job exists and was polled
                scope.deadline = anyio.current_time() + 0.05
            await anyio.sleep(seconds)

        sleep.clock = anyio.current_time  # type: ignore[attr-defined]
        async with fake_client(api, sleep) as client:
            pager = client.analytics_journeys_aggregates_job(QUERY, poll_interval=0.01)
            async with pager:
                async for _ in pager:
                    pytest.fail("no result can come: the job never finishes")
    assert scope.cancelled_caught
    assert api.stats.by_route[STATUS] >= 1
    assert api.stats.by_route[DELETE] == 1
    assert jobs_of(api) == {}
    assert api.stats.in_flight == 0
    assert running_tasks() == before


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout is Python 3.11+")
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_asyncio_timeout_while_polling_deletes_the_job(anyio_backend: str) -> None:
    """`asyncio.timeout`, set to expire once polling has begun: TimeoutError, job deleted."""
    api = FakeJourneyApi(seed=4, job_polls=10**9)
    before = running_tasks()
    loop = asyncio.get_running_loop()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(None) as deadline:

            async def sleep(seconds: float) -> None:
                if deadline.when() is None:  # first wait: the job exists and was polled
                    deadline.reschedule(loop.time() + 0.05)
                await asyncio.sleep(seconds)

            sleep.clock = loop.time  # type: ignore[attr-defined]
            async with fake_client(api, sleep) as client:
                pager = client.analytics_journeys_aggregates_job(QUERY, poll_interval=0.01)
                async for _ in pager:
                    pytest.fail("no result can come: the job never finishes")
    assert api.stats.by_route[STATUS] >= 1
    assert api.stats.by_route[DELETE] == 1
    assert jobs_of(api) == {}
    assert running_tasks() == before


# ---------------------------------------------------------------------------------------------
# Arguments checked at the call


@pytest.mark.parametrize("name", ["poll_interval", "timeout"])
@pytest.mark.parametrize(
    "value", [0, 0.0, -1, -0.5, math.nan, math.inf, -math.inf, "1", True, None]
)
async def test_bad_seconds_fail_at_the_call(name: str, value: Any) -> None:
    api = FakeJourneyApi(seed=4)
    async with fake_client(api) as client:
        with pytest.raises(ValueError, match=name):
            client.analytics_journeys_aggregates_job(QUERY, **{name: value})
    assert api.stats.requests == 0


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("{}", TypeError),
        (42, TypeError),
        ([QUERY], TypeError),
        (PatchSegment(), TypeError),
        (None, ValueError),
    ],
    ids=["str", "int", "list", "other-model", "none"],
)
async def test_bad_bodies_fail_at_the_call(body: Any, error: type[Exception]) -> None:
    api = FakeJourneyApi(seed=4)
    async with fake_client(api) as client:
        with pytest.raises(error, match="body"):
            client.analytics_journeys_aggregates_job(body)
    assert api.stats.requests == 0


@pytest.mark.parametrize("limit", [-1, 1.5, "3", True])
async def test_bad_limit_fails_at_the_call(limit: Any) -> None:
    api = FakeJourneyApi(seed=4)
    async with fake_client(api) as client:
        with pytest.raises(ValueError, match="limit"):
            client.analytics_journeys_aggregates_job(QUERY, limit=limit)
    assert api.stats.requests == 0


# ---------------------------------------------------------------------------------------------
# Backing off


async def test_polling_backs_off_by_half_up_to_30_seconds(sleeper: SleepRecorder) -> None:
    api = FakeJourneyApi(seed=4, job_polls=13)
    async with fake_client(api, sleeper) as client:
        pager = client.analytics_journeys_aggregates_job(QUERY, poll_interval=1.0)
        async with pager:
            items = [container async for container in pager]
    assert items
    expected = [min(1.0 * 1.5**k, 30.0) for k in range(13)]
    assert sleeper.waits == pytest.approx(expected)
    assert sleeper.waits[-4:] == [30.0] * 4
    assert all(b >= a for a, b in zip(sleeper.waits, sleeper.waits[1:], strict=False))
    assert api.stats.by_route[STATUS] == 14


async def test_a_poll_interval_over_30_seconds_is_kept(sleeper: SleepRecorder) -> None:
    api = FakeJourneyApi(seed=4, job_polls=3)
    async with fake_client(api, sleeper) as client:
        pager = client.analytics_journeys_aggregates_job(QUERY, poll_interval=45.0)
        async with pager:
            _ = [container async for container in pager]
    assert sleeper.waits == [45.0, 45.0, 45.0]


async def test_the_default_poll_interval_is_two_seconds(sleeper: SleepRecorder) -> None:
    api = FakeJourneyApi(seed=4, job_polls=2)
    async with fake_client(api, sleeper) as client:
        pager = client.analytics_journeys_aggregates_job(QUERY)
        async with pager:
            _ = [container async for container in pager]
    assert sleeper.waits == [2.0, 3.0]
