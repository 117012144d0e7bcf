"""`AsyncPager`: async iteration over the pagination styles of the Journey API.

* cursor (`after`): the segment listings of 2020, today's sessions and events. Each page's
  `nextUri` carries the next cursor in its `after` query parameter; the pager reads it from
  there, never follows the URI itself.
* cursor field (`cursor`): the aggregates job results, whose items are `results`.
* page numbers (`pageNumber`, `pageCount`): action targets, segments, action maps, action
  templates, views.
* one page: a page-number listing asked for by ids (`segmentIds`, `actionMapIds`), which the
  API answers without paging.

The pager receives a `fetch` callable (it never sees the client), so it is tested with plain
async functions. Iteration is class-based, not an async generator: nothing is left suspended
inside a cancel scope between items, and breaking out of a loop leaves nothing running.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

import anyio
import attrs
import httpx
import sniffio

if TYPE_CHECKING:
    import asyncio

    from anyio.abc import TaskGroup

from ._checks import check_int
from ._exceptions import PaginationError
from ._limits import MAX_URL_LENGTH

__all__ = ["AsyncPager", "CursorFetch", "PageFetch", "Listing"]

T = TypeVar("T")
P = TypeVar("P")
P_co = TypeVar("P_co", covariant=True)


class Listing(Protocol):
    @property
    def entities(self) -> list[Any] | None: ...

    @property
    def next_uri(self) -> str | None: ...


CursorFetch = Callable[[str | None], Awaitable[Any]]
"""`await fetch(after)` -> one listing page (after=None: the first page)."""

PageFetch = Callable[[int], Awaitable[Any]]
"""`await fetch(page_number)` -> one listing page."""


class _CursorSource:
    """Cursor rules: ask with `after`, read the next cursor from `nextUri`, refuse loops."""

    style = "cursor"
    items = "entities"

    def __init__(self, fetch: CursorFetch, base_url: httpx.URL, after: str | None) -> None:
        self._fetch = fetch
        self._base = base_url
        self.start: str | None = after
        self._seen: set[str] = set() if after is None else {after}

    async def fetch(self, key: Any) -> Any:
        return await self._fetch(key)

    def advance(self, key: Any, page: Any) -> str | None:
        """The cursor of the page after `page`, or None at the end."""
        if not page.entities:
            return None
        next_cursor = self._cursor_of(page.next_uri)
        if next_cursor is None:
            return None
        return _first_time(next_cursor, self._seen)

    def lookahead(self, following: Any, page: Any, depth: int) -> list[Any]:
        """Keys to fetch ahead: only the next cursor is known before its page arrives."""
        return [following]

    def _cursor_of(self, next_uri: str | None) -> str | None:
        """The `after` of `next_uri`; None at the end. A foreign host is a PaginationError.

        So is a `nextUri` longer than `MAX_URL_LENGTH`: the request it leads to would be
        refused on the way (see `_limits`). Parsed with `urllib.parse` (a few microseconds)
        rather than `httpx.URL` (about 15).
        """
        if not next_uri:
            return None
        if len(next_uri) > MAX_URL_LENGTH:
            msg = (
                f"nextUri is {len(next_uri):,} characters long, over the limit of "
                f"{MAX_URL_LENGTH:,}; not following it (it starts {next_uri[:80]!r})"
            )
            raise PaginationError(msg)
        try:
            parts = urlsplit(next_uri)
            port = parts.port
        except ValueError as exc:
            msg = f"nextUri {next_uri!r} is not a valid URI: {exc}"
            raise PaginationError(msg) from None
        if parts.scheme or parts.netloc:
            base = self._base
            scheme = parts.scheme.lower() or base.scheme
            host = parts.hostname or ""
            same = (
                scheme == base.scheme
                and host == base.host
                and (port or _default_port(scheme)) == (base.port or _default_port(base.scheme))
            )
            if not same:
                msg = (
                    f"nextUri points at {scheme}://{host}{':' + str(port) if port else ''}, "
                    f"not the API host {base.scheme}://{base.host}; not following it "
                    "(the token must not leak)"
                )
                raise PaginationError(msg)
        values = parse_qs(parts.query).get("after")
        after = values[0] if values else None
        if not after:
            msg = f"nextUri {next_uri!r} has no `after` cursor to follow"
            raise PaginationError(msg)
        return after


def _first_time(cursor: str, seen: set[str]) -> str:
    """`cursor`, remembered; a cursor the server gave before is a loop: a PaginationError."""
    if cursor in seen:
        msg = (
            f"the server returned cursor {cursor!r} a second time; "
            "stopping instead of looping forever"
        )
        raise PaginationError(msg)
    seen.add(cursor)
    return cursor


def _default_port(scheme: str) -> int | None:
    return {"http": 80, "https": 443}.get(scheme)


class _PageNumberSource:
    """Page-number rules: ask for 1, 2, ...; stop at `pageCount`, an empty page or no nextUri."""

    style = "page"
    items = "entities"

    def __init__(self, fetch: PageFetch, start: int) -> None:
        self._fetch = fetch
        self.start = start

    async def fetch(self, key: Any) -> Any:
        page = await self._fetch(key)
        if page.page_number is not None and page.page_number != key:
            msg = f"asked for page {key}, the server answered page {page.page_number}"
            raise PaginationError(msg)
        return page

    def advance(self, key: Any, page: Any) -> int | None:
        if (
            not page.entities
            or not page.next_uri
            or (page.page_count is not None and key >= page.page_count)
        ):
            return None
        return int(key) + 1

    def lookahead(self, following: Any, page: Any, depth: int) -> list[Any]:
        """Once `pageCount` is known, up to `depth` of the following pages at once."""
        if page.page_count is None:
            return [following]
        return list(range(following, min(following + depth, page.page_count + 1)))


class _FieldCursorSource:
    """Cursor-field rules: ask with `cursor`, send back the page's `cursor`, refuse loops.

    The items are the page's `results`; the listing ends at a page without a cursor or
    without results.
    """

    style = "cursor"
    items = "results"

    def __init__(self, fetch: CursorFetch, cursor: str | None) -> None:
        self._fetch = fetch
        self.start: str | None = cursor
        self._seen: set[str] = set() if cursor is None else {cursor}

    async def fetch(self, key: Any) -> Any:
        return await self._fetch(key)

    def advance(self, key: Any, page: Any) -> str | None:
        following = page.cursor
        if not page.results or not following:
            return None
        return _first_time(str(following), self._seen)

    def lookahead(self, following: Any, page: Any, depth: int) -> list[Any]:
        return [following]


class _OnePageSource:
    """One request, one page: a listing asked for by ids, which the API does not page."""

    style = "one"
    items = "entities"
    start = None

    def __init__(self, fetch: Callable[[], Awaitable[Any]]) -> None:
        self._fetch = fetch

    async def fetch(self, key: Any) -> Any:
        return await self._fetch()

    def advance(self, key: Any, page: Any) -> None:
        return None

    def lookahead(self, following: Any, page: Any, depth: int) -> list[Any]:
        return []


_Source = _CursorSource | _PageNumberSource | _FieldCursorSource | _OnePageSource


class _Prefetch:
    """One page fetched in the background: its key, and its outcome once done.

    On asyncio the fetch starts from the event loop's next turn (`loop.call_soon`) in a plain
    task the consumer then awaits. A consumer that comes back for the page before the loop
    has turned (it did no awaiting in between, so nothing could have overlapped) cancels the
    start and fetches the page itself, which spares a task and two loop turns per page. On
    trio the fetch runs in the pager's task group, with an Event to wait on.
    """

    def __init__(self, key: Any) -> None:
        self.key = key
        self.done: anyio.Event | None = None
        self.page: Any = None
        self.error: BaseException | None = None
        self.task: asyncio.Task[None] | None = None
        self.handle: asyncio.Handle | None = None

    def start_later(self, fetch: Callable[[Any], Awaitable[Any]]) -> None:
        """asyncio: start the fetch when the event loop next runs its callbacks."""
        loop = sys.modules["asyncio"].get_running_loop()
        self.handle = loop.call_soon(self._start, loop, fetch)

    def _start(
        self, loop: asyncio.AbstractEventLoop, fetch: Callable[[Any], Awaitable[Any]]
    ) -> None:
        self.handle = None
        self.task = loop.create_task(self.run(fetch))

    async def run(self, fetch: Callable[[Any], Awaitable[Any]]) -> None:
        try:
            self.page = await fetch(self.key)
        except Exception as exc:  # handed to the consumer when it asks for this page
            self.error = exc
        finally:
            if self.done is not None:
                self.done.set()

    def cancel(self) -> None:
        """Cancel the start or the task (an asyncio job); the caller awaits the task."""
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None
        if self.task is not None and not self.task.done():
            self.task.cancel()

    async def result(self) -> Any:
        """The page, or `_NOT_STARTED` if the fetch never started (then it never will)."""
        if self.handle is not None:
            self.cancel()
            return _NOT_STARTED
        if self.task is not None:
            # Cancelling the consumer here cancels the fetch too: the page is not kept.
            await self.task
        elif self.done is not None:
            await self.done.wait()
        if self.error is not None:
            raise self.error
        return self.page


_NOT_STARTED = object()
_END = object()


class AsyncPager(Generic[T, P]):
    """An async iterator over every item of a paginated listing; `.pages()` gives the pages.

    ```python
    async for assignment in client.iter_journey_session_segments(session_id, page_size=200):
        ...
    ```

    Nothing is fetched until iteration starts. While you work through page N, page N+1 is
    already being fetched (`depth=1`; 0 turns it off). `limit` stops after that many items
    and no request is made beyond them. `next_cursor` / `next_page_number` tell where to resume:
    after a fully consumed page, the next page; after a stop in the middle of a page (`break`,
    `limit`), that page again (its items may then be seen twice, never lost). Both are None at
    the end.

    The pager is an async context manager: `async with pager:` runs the prefetch in a task group
    it owns, and leaving the block cancels whatever is still in flight. Without `async with`,
    plain `async for` to the end works the same; on asyncio the prefetch then runs in a task
    that `aclose()` (or `contextlib.aclosing`) cancels; on trio, which has no task outside a
    nursery, it prefetches only inside `async with`. For page numbers, once the first page
    tells `pageCount`, up to `depth` pages are fetched at once and yielded in order. (The
    client's `iter_*` methods take `prefetch: bool` and, for page numbers, `page_concurrency`,
    and turn them into this depth.)
    """

    def __init__(
        self,
        source: _Source,
        limit: int | None,
        *,
        depth: int = 1,
    ) -> None:
        if limit is not None:
            check_int("limit", limit, minimum=0)
        self._source = source
        self._items = source.items
        self._released = False
        self._complete = False  # the server said there is no page after the last one fetched
        self._limit = limit
        self._prefetch_depth = check_int("depth", depth, minimum=0)
        self._yielded = 0  # items handed to the consumer
        self._fetched = 0  # items received from the server
        self._current: Any = source.start  # key of the page being consumed
        self._next: Any = source.start  # key of the page to fetch next (_END: none)
        self._deferred: PaginationError | None = None
        self._consumed = True  # the page being consumed has been fully handed out
        self._started = False
        self._closed = False
        self._page: Any = None
        self._index = 0
        self._mode: str | None = None
        self._pending: dict[Any, _Prefetch] = {}
        self._tg: TaskGroup | None = None

    @classmethod
    def by_cursor(
        cls,
        fetch: CursorFetch,
        *,
        base_url: httpx.URL,
        after: str | None,
        limit: int | None,
        depth: int = 1,
    ) -> AsyncPager[Any, Any]:
        """A pager following the `after` cursor found in each page's `nextUri`."""
        return cls(_CursorSource(fetch, base_url, after), limit, depth=depth)

    @classmethod
    def by_page_number(
        cls, fetch: PageFetch, *, start: int, limit: int | None, depth: int = 1
    ) -> AsyncPager[Any, Any]:
        """A pager asking for page `start`, `start + 1`, ... until `pageCount`."""
        return cls(_PageNumberSource(fetch, start), limit, depth=depth)

    @classmethod
    def by_cursor_field(
        cls, fetch: CursorFetch, *, cursor: str | None, limit: int | None, depth: int = 1
    ) -> AsyncPager[Any, Any]:
        """A pager sending back each page's `cursor` field; the items are `results`."""
        return cls(_FieldCursorSource(fetch, cursor), limit, depth=depth)

    @classmethod
    def one_page(
        cls, fetch: Callable[[], Awaitable[Any]], *, limit: int | None
    ) -> AsyncPager[Any, Any]:
        """A pager over one unpaged response (`next_page_number` and `next_cursor` stay None)."""
        return cls(_OnePageSource(fetch), limit, depth=0)

    # -- resuming -----------------------------------------------------------------------------

    def _resume_key(self) -> Any:
        if self._consumed:
            return None if self._next is _END else self._next
        return self._current

    @property
    def next_cursor(self) -> str | None:
        """The `after` to resume a cursor listing from (None at the end, or before any page)."""
        if self._source.style != "cursor":
            return None
        key: str | None = self._resume_key()
        return key

    @property
    def next_page_number(self) -> int | None:
        """The `page_number` to resume a page-number listing from (None at the end)."""
        if self._source.style != "page":
            return None
        key: int | None = self._resume_key()
        return key

    @property
    def done(self) -> bool:
        """True once the listing has been read to its end (or to `limit`), or closed."""
        return (
            self._closed
            or (self._started and self._next is _END and self._consumed)
            or self._limit_reached()
        )

    def _limit_reached(self) -> bool:
        return self._limit is not None and self._yielded >= self._limit

    # -- fetching -----------------------------------------------------------------------------

    def _claim(self, mode: str) -> None:
        if self._mode is not None and self._mode != mode:
            msg = "iterate a pager either by items or by pages(), not both"
            raise RuntimeError(msg)
        self._mode = mode

    async def _next_page(self) -> Any | None:
        """Fetch the next page, or None when the listing or the limit is exhausted."""
        if self._closed or self._limit_reached():
            return None
        if self._deferred is not None:
            error, self._deferred = self._deferred, None
            self._next = _END
            raise error
        if self._next is _END:
            return None
        key = self._next
        pending = self._pending.pop(key, None)
        page: Any = _NOT_STARTED if pending is None else await pending.result()
        if page is _NOT_STARTED:
            page = await self._source.fetch(key)
        self._started = True
        self._current = key
        entities = getattr(page, self._items) or []
        self._consumed = not entities
        self._fetched += len(entities)
        try:
            following = self._source.advance(key, page)
        except PaginationError as exc:
            # Hand out this page first; the error surfaces when the next page is asked for.
            self._deferred = exc
            following = None
        self._next = _END if following is None else following
        self._complete = following is None and self._deferred is None
        if following is not None:
            self._schedule(page, following)
        return page

    def _schedule(self, page: Any, following: Any) -> None:
        """Start fetching the pages after `page` in the background, as far as is useful."""
        if self._prefetch_depth < 1:
            return
        keys = self._source.lookahead(following, page, self._prefetch_depth)
        if self._limit is not None:
            remaining = self._limit - self._fetched
            per_page = len(getattr(page, self._items) or []) or 1
            keys = keys[: max(0, -(-remaining // per_page))]  # only pages the limit needs
        for key in keys:
            if key not in self._pending:
                self._start_prefetch(key)

    def _start_prefetch(self, key: Any) -> None:
        job = _Prefetch(key)
        if sniffio.current_async_library() == "asyncio":
            # Inside `async with` too: `aclose()` cancels and awaits the task before the
            # task group exits.
            job.start_later(self._source.fetch)
        elif self._tg is not None:
            job.done = anyio.Event()
            self._tg.start_soon(job.run, self._source.fetch)
        else:
            return  # trio outside `async with`: no unstructured tasks, so no prefetch
        self._pending[key] = job

    # -- iteration ----------------------------------------------------------------------------

    def __aiter__(self) -> AsyncPager[T, P]:
        self._claim("items")
        return self

    async def __anext__(self) -> T:
        while True:
            page = self._page
            if page is not None:
                entities = getattr(page, self._items) or []
                if self._index < len(entities) and not self._limit_reached():
                    item: T = entities[self._index]
                    self._index += 1
                    self._yielded += 1
                    if self._index >= len(entities):
                        self._consumed = True
                    return item
            self._page = await self._next_page()
            self._index = 0
            if self._page is None:
                await self._finish()
                raise StopAsyncIteration

    def pages(self) -> _PageIterator[P]:
        """Iterate over the listing pages (the models), one per request."""
        self._claim("pages")
        return _PageIterator(self)

    # -- closing ------------------------------------------------------------------------------

    async def _cancel_pending(self) -> None:
        pending, self._pending = self._pending, {}
        for job in pending.values():
            job.cancel()
            if job.task is not None:
                with contextlib.suppress(sys.modules["asyncio"].CancelledError):
                    await job.task

    async def _finish(self) -> None:
        """The listing ended, or the pager is closed: nothing may stay in flight, and a source
        with something to undo (the aggregates job: delete the job) is told whether the
        listing was left before its end."""
        await self._cancel_pending()
        release = getattr(self._source, "release", None)
        if release is not None and not self._released:
            self._released = True
            await release(early=not self._complete)

    async def aclose(self) -> None:
        """Stop the pager: cancel a prefetch in flight; no further request will be made."""
        self._closed = True
        await self._finish()
        tg, self._tg = self._tg, None
        if tg is not None:
            tg.cancel_scope.cancel()
            await tg.__aexit__(None, None, None)

    async def __aenter__(self) -> AsyncPager[T, P]:
        if self._tg is None and not self._closed:
            tg = anyio.create_task_group()
            await tg.__aenter__()
            self._tg = tg
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __del__(self) -> None:
        # Dropped mid-way without aclose() on asyncio: do not leave the prefetch task behind.
        for job in self.__dict__.get("_pending", {}).values():
            with contextlib.suppress(RuntimeError):  # the loop may already be closed
                job.cancel()


class _PageIterator(Generic[P_co]):
    """`pager.pages()`: the listing models; with `limit`, the last page is trimmed to it."""

    def __init__(self, pager: AsyncPager[Any, Any]) -> None:
        self._pager = pager

    def __aiter__(self) -> _PageIterator[P_co]:
        return self

    async def __anext__(self) -> P_co:
        pager = self._pager
        page = await pager._next_page()
        if page is None:
            await pager._finish()
            raise StopAsyncIteration
        field = pager._items
        entities = getattr(page, field) or []
        pager._consumed = True
        if pager._limit is not None:
            room = pager._limit - pager._yielded
            if len(entities) > room:
                entities = entities[:room]
                page = attrs.evolve(page, **{field: entities})
                pager._consumed = False
        pager._yielded += len(entities)
        result: P_co = page
        return result

    async def aclose(self) -> None:
        """Close the pager this iterates."""
        await self._pager.aclose()
