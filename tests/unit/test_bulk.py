"""bulk_map and MapUnordered against plain async functions, on asyncio and trio."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest

from journey_async._bulk import MapUnordered, bulk_map

pytestmark = pytest.mark.anyio


class Tracker:
    """An async function that counts calls in flight and fails for chosen items."""

    def __init__(self, fail: set[int] | None = None, delay: float = 0.0) -> None:
        self.in_flight = 0
        self.peak = 0
        self.started: list[int] = []
        self.cancelled: list[int] = []
        self.fail = fail or set()
        self.delay = delay

    async def __call__(self, item: int) -> int:
        self.started.append(item)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            # later items finish first, so completion order differs from input order
            await anyio.sleep(self.delay * (1 + (7 - item % 8)) / 8)
            if item in self.fail:
                raise KeyError(item)
            return item * 10
        except anyio.get_cancelled_exc_class():
            self.cancelled.append(item)
            raise
        finally:
            self.in_flight -= 1


async def test_map_keeps_input_order_and_bounds_concurrency():
    """Results come back in input order and never more than `concurrency` calls run at once."""
    fn = Tracker(delay=0.002)
    results = await bulk_map(fn, range(40), concurrency=5, return_exceptions=False)
    assert results == [i * 10 for i in range(40)]
    assert fn.peak == 5


async def test_map_first_failure_is_raised_as_itself_and_cancels_the_rest():
    """With return_exceptions=False the first error is raised unwrapped and the rest stop."""
    fn = Tracker(fail={3}, delay=0.002)
    with pytest.raises(KeyError) as info:
        await bulk_map(fn, range(100), concurrency=4, return_exceptions=False)
    assert info.value.args == (3,)
    assert len(fn.started) < 100


async def test_map_return_exceptions_puts_errors_in_place():
    """With return_exceptions=True each failure stands in its item's place."""
    fn = Tracker(fail={1, 4})
    results = await bulk_map(fn, range(6), concurrency=3, return_exceptions=True)
    assert [type(r).__name__ if isinstance(r, Exception) else r for r in results] == [
        0,
        "KeyError",
        20,
        30,
        "KeyError",
        50,
    ]


async def test_map_of_nothing_is_an_empty_list():
    """An empty input gives an empty list without starting anything."""
    assert await bulk_map(Tracker(), [], concurrency=3, return_exceptions=False) == []


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
async def test_bad_concurrency_is_a_value_error(bad):
    """concurrency must be an int >= 1."""
    with pytest.raises(ValueError):
        await bulk_map(Tracker(), [1], concurrency=bad, return_exceptions=False)
    with pytest.raises(ValueError):
        MapUnordered(Tracker(), [1], concurrency=bad, return_exceptions=False)


async def test_map_unordered_yields_every_pair_with_bounded_concurrency():
    """map_unordered yields (item, result) for every item, at most `concurrency` in flight."""
    fn = Tracker(delay=0.002)
    pairs = [
        pair async for pair in MapUnordered(fn, range(30), concurrency=4, return_exceptions=False)
    ]
    assert sorted(pairs) == [(i, i * 10) for i in range(30)]
    assert fn.peak <= 4


async def test_map_unordered_yields_in_completion_order():
    """A fast call started after a slow one is yielded first."""

    async def fn(item: float) -> float:
        await anyio.sleep(item)
        return item

    async with MapUnordered(fn, [0.05, 0.0], concurrency=2, return_exceptions=False) as results:
        order = [item async for item, _ in results]
    assert order == [0.0, 0.05]


async def test_map_unordered_consumes_input_lazily():
    """Items are pulled from the input only as workers free up, not all at once."""
    pulled = []

    def source():
        for i in range(10_000):
            pulled.append(i)
            yield i

    async def fn(item: int) -> int:
        await anyio.lowlevel.checkpoint()
        return item

    got = 0
    async with MapUnordered(fn, source(), concurrency=3, return_exceptions=False) as results:
        async for _ in results:
            got += 1
            if got == 10:
                break
    assert len(pulled) < 10 + 3 + 3 + 2  # consumed + in flight + buffered results + slack


async def test_map_unordered_accepts_an_async_iterable():
    """An async generator is a valid input."""

    async def source():
        for i in range(5):
            yield i

    async def fn(item: int) -> int:
        return item + 1

    pairs = [p async for p in MapUnordered(fn, source(), concurrency=2, return_exceptions=False)]
    assert sorted(pairs) == [(i, i + 1) for i in range(5)]


async def test_map_unordered_failure_raised_as_itself_or_returned():
    """A failure is raised unwrapped, or yielded as the result with return_exceptions=True."""
    with pytest.raises(KeyError):
        async for _ in MapUnordered(
            Tracker(fail={2}), range(5), concurrency=2, return_exceptions=False
        ):
            pass
    pairs = [
        p
        async for p in MapUnordered(
            Tracker(fail={2}), range(5), concurrency=2, return_exceptions=True
        )
    ]
    errors = [item for item, result in pairs if isinstance(result, KeyError)]
    assert errors == [2]
    assert len(pairs) == 5


async def test_leaving_map_unordered_cancels_calls_in_flight():
    """Leaving `async with` cancels the calls still running."""
    fn = Tracker(delay=10)
    with anyio.fail_after(5):
        async with MapUnordered(fn, range(10), concurrency=3, return_exceptions=False) as results:
            with anyio.move_on_after(0.05):
                async for _ in results:
                    pass
    assert sorted(fn.cancelled) == [0, 1, 2]
    assert fn.in_flight == 0
