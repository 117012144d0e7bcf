"""AsyncPager against plain async fetch functions (no client, no HTTP), on asyncio and trio."""

from __future__ import annotations

import contextlib

import anyio
import anyio.lowlevel
import httpx
import pytest

from journey_async import AsyncPager, PaginationError
from journey_async.models import (
    ActionTarget,
    ActionTargetListing,
    SegmentAssignment,
    SegmentAssignmentListing,
)

pytestmark = pytest.mark.anyio

BASE = httpx.URL("https://api.test.invalid")
PATH = "/api/v2/journey/sessions/s1/segments"


def cursor_pages(sizes: list[int]) -> dict[str | None, SegmentAssignmentListing]:
    """Pages keyed by the `after` that asks for them: None, "c1", "c2", ..."""
    pages: dict[str | None, SegmentAssignmentListing] = {}
    counter = 0
    for index, size in enumerate(sizes):
        key = None if index == 0 else f"c{index}"
        entities = [SegmentAssignment(id=f"a{counter + i}") for i in range(size)]
        counter += size
        next_uri = f"{PATH}?pageSize=2&after=c{index + 1}" if index + 1 < len(sizes) else None
        pages[key] = SegmentAssignmentListing(entities=entities, next_uri=next_uri)
    return pages


class Recorder:
    """A fake fetch that serves canned pages and records what it was asked for."""

    def __init__(self, pages: dict) -> None:
        self.pages = pages
        self.calls: list[object] = []
        self.callers: list[int] = []  # the anyio task id making each call

    async def __call__(self, key: object) -> object:
        self.calls.append(key)
        self.callers.append(anyio.get_current_task().id)
        await anyio.lowlevel.checkpoint()
        return self.pages[key]


def cursor_pager(fetch, *, after=None, limit=None, depth=1) -> AsyncPager:
    return AsyncPager.by_cursor(fetch, base_url=BASE, after=after, limit=limit, depth=depth)


async def test_cursor_pager_yields_every_item_in_order():
    """Items of all pages come out in order and the cursor of each nextUri is followed."""
    fetch = Recorder(cursor_pages([2, 2, 1]))
    pager = cursor_pager(fetch)
    assert [a.id async for a in pager] == ["a0", "a1", "a2", "a3", "a4"]
    assert fetch.calls == [None, "c1", "c2"]
    assert pager.next_cursor is None
    assert pager.done


async def test_nothing_is_fetched_before_iteration_starts():
    """Building a pager makes no request; the first __anext__ does."""
    fetch = Recorder(cursor_pages([1]))
    pager = cursor_pager(fetch)
    await anyio.lowlevel.checkpoint()
    assert fetch.calls == []
    assert await pager.__anext__() == SegmentAssignment(id="a0")
    assert fetch.calls == [None]


async def test_empty_page_ends_iteration_even_with_next_uri():
    """An empty page ends the listing although it still names a next page."""
    pages = {
        None: SegmentAssignmentListing(entities=[], next_uri=f"{PATH}?after=c1"),
    }
    fetch = Recorder(pages)
    assert [a async for a in cursor_pager(fetch)] == []
    assert fetch.calls == [None]


async def test_empty_next_uri_ends_iteration():
    """A nextUri that is an empty string ends the listing."""
    pages = {None: SegmentAssignmentListing(entities=[SegmentAssignment(id="x")], next_uri="")}
    assert [a.id async for a in cursor_pager(Recorder(pages))] == ["x"]


async def test_foreign_next_uri_raises_after_the_page_and_is_never_fetched():
    """A nextUri on another host raises PaginationError once the current page is consumed."""
    pages = {
        None: SegmentAssignmentListing(
            entities=[SegmentAssignment(id="a0")],
            next_uri="https://evil.example/api/v2/journey/sessions/s1/segments?after=c1",
        )
    }
    fetch = Recorder(pages)
    seen = []
    with pytest.raises(PaginationError, match=r"evil\.example"):
        async for item in cursor_pager(fetch):
            seen.append(item.id)
    assert seen == ["a0"]
    assert fetch.calls == [None]


@pytest.mark.parametrize(
    "next_uri",
    [
        "http://api.test.invalid/x?after=c1",  # another scheme
        "https://api.test.invalid:8443/x?after=c1",  # another port
        "//other.invalid/x?after=c1",  # scheme-relative to another host
    ],
)
async def test_other_scheme_port_or_host_is_refused(next_uri):
    """Scheme, host and port of an absolute nextUri must all match the API base URL."""
    pages = {None: SegmentAssignmentListing(entities=[SegmentAssignment()], next_uri=next_uri)}
    with pytest.raises(PaginationError):
        async for _ in cursor_pager(Recorder(pages)):
            pass


async def test_same_host_absolute_next_uri_is_followed():
    """An absolute nextUri on the API host itself is fine."""
    pages = cursor_pages([1, 1])
    pages[None].next_uri = f"https://api.test.invalid:443{PATH}?after=c1"
    assert [a.id async for a in cursor_pager(Recorder(pages))] == ["a0", "a1"]


@pytest.mark.parametrize(
    "next_uri",
    [
        f"HTTPS://API.TEST.INVALID{PATH}?after=c1",  # scheme and host are case-insensitive
        f"https://user@api.test.invalid{PATH}?after=c1",  # user info is not part of the host
        f"{PATH}?pageSize=1&after=c1&after=zz",  # the first `after` counts
    ],
)
async def test_equivalent_next_uris_are_followed(next_uri: str):
    pages = cursor_pages([1, 1])
    pages[None].next_uri = next_uri
    assert [a.id async for a in cursor_pager(Recorder(pages))] == ["a0", "a1"]


@pytest.mark.parametrize(
    "next_uri",
    [
        "https://api.test.invalid:99999/x?after=c1",
        "https://[::1/x?after=c1",
        "https://x:y/?after=1",
    ],
)
async def test_unparsable_next_uri_is_a_pagination_error(next_uri: str):
    """A nextUri with an impossible port or a broken IPv6 host says it is not a valid URI."""
    pages = {None: SegmentAssignmentListing(entities=[SegmentAssignment()], next_uri=next_uri)}
    with pytest.raises(PaginationError, match="not a valid URI"):
        async for _ in cursor_pager(Recorder(pages)):
            pass


async def test_cursor_cycle_raises_instead_of_looping():
    """A cursor seen before in the same iteration (A -> B -> A) raises PaginationError."""
    pages = {
        None: SegmentAssignmentListing(entities=[SegmentAssignment(id="1")], next_uri="/x?after=A"),
        "A": SegmentAssignmentListing(entities=[SegmentAssignment(id="2")], next_uri="/x?after=B"),
        "B": SegmentAssignmentListing(entities=[SegmentAssignment(id="3")], next_uri="/x?after=A"),
    }
    fetch = Recorder(pages)
    seen = []
    with pytest.raises(PaginationError, match="second time"):
        async for item in cursor_pager(fetch):
            seen.append(item.id)
    assert seen == ["1", "2", "3"]
    assert fetch.calls == [None, "A", "B"]


async def test_starting_cursor_counts_as_seen():
    """Resuming from cursor A and being sent back to A is a loop too."""
    pages = {"A": SegmentAssignmentListing(entities=[SegmentAssignment()], next_uri="/x?after=A")}
    with pytest.raises(PaginationError):
        async for _ in cursor_pager(Recorder(pages), after="A"):
            pass


async def test_next_uri_without_after_is_an_error():
    """A nextUri that carries no cursor cannot be followed and says so."""
    pages = {None: SegmentAssignmentListing(entities=[SegmentAssignment()], next_uri="/x?page=2")}
    with pytest.raises(PaginationError, match="after"):
        async for _ in cursor_pager(Recorder(pages)):
            pass


async def test_limit_in_the_middle_of_a_page_points_back_at_that_page():
    """limit=3 over pages of 2 stops after 3 items, fetches no third page, resumes at page 2."""
    fetch = Recorder(cursor_pages([2, 2, 2]))
    pager = cursor_pager(fetch, limit=3, depth=0)
    assert [a.id async for a in pager] == ["a0", "a1", "a2"]
    assert fetch.calls == [None, "c1"]
    assert pager.next_cursor == "c1"


async def test_limit_at_a_page_boundary_points_at_the_next_page():
    """limit equal to the items of whole pages resumes at the following page."""
    fetch = Recorder(cursor_pages([2, 2, 2]))
    pager = cursor_pager(fetch, limit=2)
    assert [a.id async for a in pager] == ["a0", "a1"]
    assert fetch.calls == [None]  # no prefetch once the limit is covered
    assert pager.next_cursor == "c1"


async def test_limit_zero_makes_no_request():
    """limit=0 yields nothing and sends nothing."""
    fetch = Recorder(cursor_pages([2]))
    assert [a async for a in cursor_pager(fetch, limit=0)] == []
    assert fetch.calls == []


async def test_break_mid_page_then_resume_loses_nothing():
    """After a break in page 2, a new pager from next_cursor sees page 2 again, then the rest."""
    pages = cursor_pages([2, 2, 1])
    pager = cursor_pager(Recorder(pages))
    first = []
    async with pager:
        async for item in pager:
            first.append(item.id)
            if item.id == "a2":
                break
    assert pager.next_cursor == "c1"
    rest = [a.id async for a in cursor_pager(Recorder(pages), after=pager.next_cursor)]
    assert first == ["a0", "a1", "a2"]
    assert rest == ["a2", "a3", "a4"]


async def test_break_at_end_of_page_resumes_at_next_page():
    """A break right after the last item of a page resumes at the next page."""
    pager = cursor_pager(Recorder(cursor_pages([2, 2])))
    async with pager:
        async for item in pager:
            if item.id == "a1":
                break
    assert pager.next_cursor == "c1"


async def test_pages_yields_listings_and_trims_the_last_to_the_limit():
    """pages() yields listing models; with limit the last page is trimmed."""
    fetch = Recorder(cursor_pages([2, 2, 2]))
    pager = cursor_pager(fetch, limit=3)
    pages = [page async for page in pager.pages()]
    assert [len(p.entities) for p in pages] == [2, 1]
    assert pages[1].entities == [SegmentAssignment(id="a2")]
    assert pager.next_cursor == "c1"


async def test_mixing_items_and_pages_is_refused():
    """A pager is iterated by items or by pages, not both."""
    pager = cursor_pager(Recorder(cursor_pages([1])))
    aiter(pager)
    with pytest.raises(RuntimeError):
        pager.pages()


def number_pages(count: int, size: int = 2, *, page_count: int | None = None) -> dict:
    pages = {}
    for number in range(1, count + 1):
        entities = [ActionTarget(id=f"t{number}-{i}") for i in range(size)]
        pages[number] = ActionTargetListing(
            entities=entities,
            page_number=number,
            page_size=size,
            page_count=count if page_count is None else page_count,
            next_uri=f"/api/v2/journey/actiontargets?pageNumber={number + 1}"
            if number < count
            else None,
        )
    return pages


async def test_page_numbers_stop_at_page_count():
    """Page-number pagination asks 1..pageCount and stops there."""
    fetch = Recorder(number_pages(3))
    pager = AsyncPager.by_page_number(fetch, start=1, limit=None)
    assert len([t async for t in pager]) == 6
    assert fetch.calls == [1, 2, 3]
    assert pager.next_page_number is None


async def test_page_count_ends_even_if_next_uri_is_present():
    """pageNumber >= pageCount ends the listing whatever nextUri says."""
    pages = number_pages(3, page_count=2)
    fetch = Recorder(pages)
    assert len([t async for t in AsyncPager.by_page_number(fetch, start=1, limit=None)]) == 4
    assert fetch.calls == [1, 2]


async def test_wrong_page_number_in_response_raises():
    """A response for another page than the one asked for is a PaginationError."""
    pages = number_pages(2)
    pages[2].page_number = 1
    with pytest.raises(PaginationError, match="asked for page 2"):
        async for _ in AsyncPager.by_page_number(Recorder(pages), start=1, limit=None):
            pass


async def test_page_number_resume_points():
    """next_page_number points at the same page after a mid-page stop, the next after a full one."""
    pager = AsyncPager.by_page_number(Recorder(number_pages(3)), start=1, limit=3)
    assert len([t async for t in pager]) == 3
    assert pager.next_page_number == 2
    pager = AsyncPager.by_page_number(Recorder(number_pages(3)), start=2, limit=2)
    assert [t.id async for t in pager] == ["t2-0", "t2-1"]
    assert pager.next_page_number == 3


async def test_prefetch_fetches_the_next_page_while_the_consumer_works():
    """Inside `async with`, page 2 is requested before the consumer asks for its first item."""
    fetch = Recorder(cursor_pages([2, 2]))
    pager = cursor_pager(fetch)
    async with pager:
        first = await pager.__anext__()
        await anyio.sleep(0.01)  # the consumer "works"; the prefetch runs meanwhile
        assert fetch.calls == [None, "c1"]
        rest = [a.id async for a in pager]
    assert [first.id, *rest] == ["a0", "a1", "a2", "a3"]
    assert fetch.calls == [None, "c1"]  # the prefetched page was used, not fetched twice


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_consumer_that_never_awaits_fetches_each_page_itself(anyio_backend: str):
    """Nothing can overlap a consumer that does not await, so no prefetch task is started.

    The start of each prefetch waits for the event loop's next turn; coming back first cancels
    it and the page is fetched in the consumer's own task.
    """
    fetch = Recorder(cursor_pages([2, 2, 2]))
    async with cursor_pager(fetch) as pager:
        ids = [a.id async for a in pager]
    assert ids == [f"a{i}" for i in range(6)]
    assert fetch.callers == [anyio.get_current_task().id] * 3


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_consumer_that_awaits_gets_pages_fetched_in_the_background(anyio_backend: str):
    fetch = Recorder(cursor_pages([2, 2, 2]))
    ids = []
    async with cursor_pager(fetch) as pager:
        async for item in pager:
            ids.append(item.id)
            await anyio.sleep(0.001)  # e.g. a database write
    assert ids == [f"a{i}" for i in range(6)]
    me = anyio.get_current_task().id
    assert fetch.callers[0] == me
    assert all(caller != me for caller in fetch.callers[1:])
    assert len(fetch.callers) == 3


async def test_prefetch_zero_fetches_only_on_demand():
    """With prefetch=0 the next page is requested only when it is needed."""
    fetch = Recorder(cursor_pages([2, 2]))
    pager = cursor_pager(fetch, depth=0)
    async with pager:
        await pager.__anext__()
        await anyio.sleep(0.01)
        assert fetch.calls == [None]


async def test_leaving_async_with_cancels_the_prefetch_in_flight():
    """Breaking out of `async with pager` cancels a page request that is still running."""
    started = anyio.Event()
    cancelled = []

    async def fetch(key):
        if key is None:
            return cursor_pages([1, 1])[None]
        started.set()
        try:
            await anyio.sleep_forever()
        except anyio.get_cancelled_exc_class():
            cancelled.append(key)
            raise

    pager = cursor_pager(fetch)
    with anyio.fail_after(5):
        async with pager:
            async for _ in pager:
                await started.wait()
                break
    assert cancelled == ["c1"]


async def test_prefetch_error_surfaces_when_that_page_is_needed():
    """A failing prefetch is raised to the consumer at the page it belongs to, not before."""

    async def fetch(key):
        if key is None:
            return cursor_pages([2, 1])[None]
        raise RuntimeError("page 2 failed")

    seen = []
    pager = cursor_pager(fetch)
    with pytest.raises(RuntimeError, match="page 2 failed"):
        async with pager:
            async for item in pager:
                seen.append(item.id)
    assert seen == ["a0", "a1"]


async def test_aclosing_stops_further_requests():
    """After aclose() the pager yields nothing more and makes no request."""
    fetch = Recorder(cursor_pages([1, 1, 1]))
    pager = cursor_pager(fetch, depth=0)
    async with contextlib.aclosing(pager):
        await pager.__anext__()
    assert [a async for a in pager] == []
    assert fetch.calls == [None]
    assert pager.done


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_bad_limit_or_prefetch_is_a_value_error(bad):
    """limit and prefetch must be ints >= 0."""
    with pytest.raises(ValueError):
        cursor_pager(Recorder({}), limit=bad)
    with pytest.raises(ValueError):
        cursor_pager(Recorder({}), depth=bad)


class SlowPages:
    """A page-number fetch that tracks how many requests are in flight at once."""

    def __init__(self, pages: dict, delay: float = 0.005) -> None:
        self.pages = pages
        self.delay = delay
        self.calls: list[int] = []
        self.in_flight = 0
        self.peak = 0

    async def __call__(self, number: int) -> object:
        self.calls.append(number)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            # later pages answer faster, so completion order differs from page order
            await anyio.sleep(self.delay * (1 + 10 / number))
            return self.pages[number]
        finally:
            self.in_flight -= 1


async def test_page_numbers_fetch_ahead_up_to_the_depth_and_yield_in_order():
    """Once pageCount is known, up to `prefetch` pages are in flight, and items stay in order."""
    fetch = SlowPages(number_pages(12))
    pager = AsyncPager.by_page_number(fetch, start=1, limit=None, depth=4)
    async with pager:
        ids = [t.id async for t in pager]
    assert ids == [f"t{n}-{i}" for n in range(1, 13) for i in range(2)]
    assert sorted(fetch.calls) == list(range(1, 13))
    assert fetch.peak == 4


async def test_page_number_lookahead_stops_at_page_count():
    """Fetching ahead never asks for a page past pageCount."""
    fetch = SlowPages(number_pages(3))
    pager = AsyncPager.by_page_number(fetch, start=1, limit=None, depth=8)
    async with pager:
        assert len([t async for t in pager]) == 6
    assert sorted(fetch.calls) == [1, 2, 3]


async def test_page_number_lookahead_respects_the_limit():
    """With limit=5 and pages of 2, no page beyond the third is requested."""
    fetch = SlowPages(number_pages(10))
    pager = AsyncPager.by_page_number(fetch, start=1, limit=5, depth=8)
    async with pager:
        assert len([t async for t in pager]) == 5
    assert sorted(fetch.calls) == [1, 2, 3]
    assert pager.next_page_number == 3


async def test_leaving_early_cancels_every_page_in_flight():
    """Breaking out of `async with` cancels all pages being fetched ahead."""
    pages = number_pages(10)
    in_flight = []

    async def fetch(number: int) -> object:
        if number == 1:
            return pages[1]
        in_flight.append(number)
        try:
            await anyio.sleep_forever()
        finally:
            in_flight.remove(number)

    pager = AsyncPager.by_page_number(fetch, start=1, limit=None, depth=4)
    with anyio.fail_after(5):
        async with pager:
            async for _ in pager:
                await anyio.sleep(0.01)  # let the look-ahead requests start
                assert sorted(in_flight) == [2, 3, 4, 5]
                break
    assert in_flight == []
