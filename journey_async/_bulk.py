"""Bounded-concurrency bulk calls: `bulk_map` (input order) and `MapUnordered` (completion order).

Both take any `async (item) -> result` callable, not the client, and run at most `concurrency`
calls at once: a fixed pool of worker tasks pulls items one by one, so a million ids never
become a million tasks. Only `Exception`s are captured per item; cancellation and other
`BaseException`s propagate.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import anyio

from ._checks import check_int

if TYPE_CHECKING:
    from anyio.abc import TaskGroup
    from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

__all__ = ["bulk_map", "MapUnordered"]

T = TypeVar("T")
R = TypeVar("R")


async def bulk_map(
    fn: Callable[[T], Awaitable[R]],
    items: Iterable[T],
    *,
    concurrency: int,
    return_exceptions: bool,
) -> list[Any]:
    """Results of `fn(item)` in input order, at most `concurrency` calls in flight.

    With `return_exceptions=False` the first `Exception` cancels the remaining calls and is
    raised as itself (not wrapped in an ExceptionGroup).
    """
    check_int("concurrency", concurrency, minimum=1)
    if isinstance(items, AsyncIterable):
        msg = "map() takes a sync iterable; use map_unordered() for async iterables"
        raise TypeError(msg)
    todo = list(items)
    results: list[Any] = [_UNSET] * len(todo)
    if not todo:
        return results
    failure: list[Exception] = []
    work: Iterator[int] = iter(range(len(todo)))

    async def worker(scope: anyio.CancelScope) -> None:
        for index in work:
            try:
                results[index] = await fn(todo[index])
            except Exception as exc:
                if return_exceptions:
                    results[index] = exc
                else:
                    failure.append(exc)
                    scope.cancel()
                    return

    async with anyio.create_task_group() as tg:
        for _ in range(min(concurrency, len(todo))):
            tg.start_soon(worker, tg.cancel_scope)
    if failure:
        raise failure[0]
    _check_complete(results.count(_UNSET))
    return results


_UNSET: Any = object()
"""A result not yet filled in: never returned to the caller (see `_check_complete`)."""


def _check_complete(lost: int) -> None:
    """Refuse to return fewer results than items: a call that ended in a cancellation that was
    not map's own (a task cancelled from elsewhere, a CancelledError raised by `fn`) stopped its
    worker without a result, and a hole must not pass for a value."""
    if lost:
        msg = (
            f"{lost} call(s) ended in a cancellation that did not come from map or its caller "
            "(a CancelledError raised inside fn, or its task cancelled from outside); no "
            "result is returned rather than an incomplete one"
        )
        raise RuntimeError(msg)


class MapUnordered(Generic[T, R]):
    """Async iterator of `(item, result)` pairs in completion order (see `JourneyClient`).

    `items` (sync or async iterable) is read lazily, one item per free worker, and at most
    `concurrency` finished results wait for the consumer, so memory is bounded whatever the
    input size. Use it as `async with client.map_unordered(...) as results: async for ...`:
    leaving the block cancels the calls still in flight. Plain `async for` over it works when
    the loop runs to the end (its workers then live from the first item to the last); to stop
    early, or to iterate inside a timeout or other cancel scope, use `async with`.
    """

    def __init__(
        self,
        fn: Callable[[T], Awaitable[R]],
        items: Iterable[T] | AsyncIterable[T],
        *,
        concurrency: int,
        return_exceptions: bool,
    ) -> None:
        self._fn = fn
        self._items = items
        self._concurrency = check_int("concurrency", concurrency, minimum=1)
        self._return_exceptions = return_exceptions
        self._tg: TaskGroup | None = None
        self._receive: MemoryObjectReceiveStream[tuple[T, Any, bool]] | None = None
        self._finished = False
        self._taken = 0  # items read from the input, and results handed to the consumer
        self._delivered = 0

    def __aiter__(self) -> AsyncIterator[tuple[T, R]]:
        return self

    async def _start(self) -> None:
        send: MemoryObjectSendStream[tuple[T, Any, bool]]
        send, receive = anyio.create_memory_object_stream[tuple[T, Any, bool]](self._concurrency)
        self._receive = receive
        tg = anyio.create_task_group()
        await tg.__aenter__()
        self._tg = tg
        tg.start_soon(self._run, send)

    async def _run(self, send: MemoryObjectSendStream[tuple[T, Any, bool]]) -> None:
        source = _aiter(self._items)
        lock = anyio.Lock()
        fn = self._fn

        async def next_item() -> tuple[bool, T | None]:
            async with lock:  # one reader at a time: an async iterator is not re-entrant
                try:
                    return True, await source.__anext__()
                except StopAsyncIteration:
                    return False, None

        async def worker(out: MemoryObjectSendStream[tuple[T, Any, bool]]) -> None:
            async with out:
                while True:
                    more, item = await next_item()
                    if not more:
                        return
                    self._taken += 1
                    try:
                        result: Any = await fn(item)  # type: ignore[arg-type]
                        ok = True
                    except Exception as exc:
                        result, ok = exc, False
                    await out.send((item, result, ok))  # type: ignore[arg-type]

        async with send, anyio.create_task_group() as workers:
            for _ in range(self._concurrency):
                workers.start_soon(worker, send.clone())

    async def __anext__(self) -> tuple[T, R]:
        if self._finished:
            raise StopAsyncIteration
        if self._receive is None:
            await self._start()
        assert self._receive is not None
        try:
            item, result, ok = await self._receive.receive()
        except anyio.EndOfStream:
            await self.aclose()
            _check_complete(self._taken - self._delivered)
            raise StopAsyncIteration from None
        self._delivered += 1
        if not ok and not self._return_exceptions:
            await self.aclose()
            raise result
        return item, result

    async def aclose(self) -> None:
        """Cancel the calls still in flight and stop."""
        if self._finished:
            return
        self._finished = True
        tg, self._tg = self._tg, None
        if self._receive is not None:
            self._receive.close()
        if tg is not None:
            tg.cancel_scope.cancel()
            await tg.__aexit__(None, None, None)

    async def __aenter__(self) -> MapUnordered[T, R]:
        # Enter the task group here, so it nests properly inside the caller's scopes.
        if self._receive is None and not self._finished:
            await self._start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class _SyncSource(Generic[T]):
    """A sync iterable read as an async iterator.

    A class rather than an async generator: a generator left suspended when the workers are
    cancelled would need closing (trio warns about one that is garbage collected unclosed).
    """

    def __init__(self, items: Iterable[T]) -> None:
        self._items = iter(items)

    def __aiter__(self) -> _SyncSource[T]:
        return self

    async def __anext__(self) -> T:
        try:
            return next(self._items)
        except StopIteration:
            raise StopAsyncIteration from None


def _aiter(items: Iterable[T] | AsyncIterable[T]) -> AsyncIterator[T]:
    if isinstance(items, AsyncIterable):
        return aiter(items)
    return _SyncSource(items)
