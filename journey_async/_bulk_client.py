"""`map` and `map_unordered` of `JourneyClient`: bounded-concurrency bulk calls (a mixin)."""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from typing import Any, Literal, TypeVar, overload

from ._bulk import MapUnordered, bulk_map

__all__ = ["BulkCalls"]

T = TypeVar("T")
R = TypeVar("R")


class BulkCalls:
    """Bulk helpers; the client supplies `_ensure_open` and `_max_in_flight`."""

    _max_in_flight: int | None

    def _ensure_open(self) -> None:
        raise NotImplementedError

    @overload
    async def map(
        self,
        fn: Callable[[T], Awaitable[R]],
        items: Iterable[T],
        *,
        concurrency: int = ...,
        return_exceptions: Literal[False] = ...,
    ) -> list[R]: ...

    @overload
    async def map(
        self,
        fn: Callable[[T], Awaitable[R]],
        items: Iterable[T],
        *,
        concurrency: int = ...,
        return_exceptions: Literal[True],
    ) -> list[R | Exception]: ...

    async def map(
        self,
        fn: Callable[[T], Awaitable[R]],
        items: Iterable[T],
        *,
        concurrency: int = 16,
        return_exceptions: bool = False,
    ) -> list[Any]:
        """`await fn(item)` for every item, at most `concurrency` at once; results in input order.

        With `return_exceptions=False` the first failure cancels the rest and is raised as
        itself; with True each `Exception` stands in its item's place.

        When `fn` is one of this client's own operations, at most `max_in_flight` run at once
        whatever `concurrency` says: more would only queue for the client's in-flight slots,
        and that queueing costs throughput (benchmarks/RESULTS.md, W1).
        """
        self._ensure_open()
        return await bulk_map(
            fn,
            items,
            concurrency=self._workers(fn, concurrency),
            return_exceptions=return_exceptions,
        )

    @overload
    def map_unordered(
        self,
        fn: Callable[[T], Awaitable[R]],
        items: Iterable[T] | AsyncIterable[T],
        *,
        concurrency: int = ...,
        return_exceptions: Literal[False] = ...,
    ) -> MapUnordered[T, R]: ...

    @overload
    def map_unordered(
        self,
        fn: Callable[[T], Awaitable[R]],
        items: Iterable[T] | AsyncIterable[T],
        *,
        concurrency: int = ...,
        return_exceptions: Literal[True],
    ) -> MapUnordered[T, R | Exception]: ...

    def map_unordered(
        self,
        fn: Callable[[T], Awaitable[R]],
        items: Iterable[T] | AsyncIterable[T],
        *,
        concurrency: int = 16,
        return_exceptions: bool = False,
    ) -> MapUnordered[T, Any]:
        """An async iterator of `(item, result)` in completion order; `items` (sync or async)
        is consumed lazily, so memory stays flat for a million ids. Like `map`, it runs at most
        `max_in_flight` of the client's own operations at once.
        """
        self._ensure_open()
        return MapUnordered(
            fn,
            items,
            concurrency=self._workers(fn, concurrency),
            return_exceptions=return_exceptions,
        )

    def _workers(self, fn: Callable[..., Any], concurrency: int) -> int:
        """How many calls a bulk helper runs at once (see `map`)."""
        if (
            self._max_in_flight is not None
            and getattr(fn, "__self__", None) is self
            and isinstance(concurrency, int)
            and not isinstance(concurrency, bool)
            and concurrency > self._max_in_flight
        ):
            return self._max_in_flight
        return concurrency
