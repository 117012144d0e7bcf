"""`AsyncPager`: async iteration over the two pagination styles of the Journey API.

* cursor (`after`): the segment listings. Each page's `nextUri` carries the next cursor in its
  `after` query parameter; the pager reads it from there, never follows the URI itself.
* page numbers (`pageNumber`, `pageCount`): the action-target listing.

The pager receives a `fetch` callable (it never sees the client), so it is tested with plain
async functions. Iteration is class-based, not an async generator: nothing is left suspended
inside a cancel scope between items, and breaking out of a loop leaves nothing running.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

import attrs
import httpx

from ._exceptions import PaginationError

__all__ = ["AsyncPager", "CursorFetch", "PageFetch"]

T = TypeVar("T")
P = TypeVar("P", bound="_Listing")
P_co = TypeVar("P_co", covariant=True)


class _Listing(Protocol):
    @property
    def entities(self) -> list[Any] | None: ...

    @property
    def next_uri(self) -> str | None: ...


CursorFetch = Callable[[str | None], Awaitable[Any]]
"""`await fetch(after)` -> one listing page (after=None: the first page)."""

PageFetch = Callable[[int], Awaitable[Any]]
"""`await fetch(page_number)` -> one listing page."""


class _CursorSource:
    """Cursor state: which `after` to ask for, and every cursor seen so far (loop guard)."""

    def __init__(self, fetch: CursorFetch, base_url: httpx.URL, after: str | None) -> None:
        self._fetch = fetch
        self._base = base_url
        self.requested: str | None = after  # cursor of the page being consumed
        self.following: str | None = after  # cursor of the next page to fetch
        self._seen: set[str] = set() if after is None else {after}
        self.done = False

    async def fetch(self) -> Any:
        self.requested = self.following
        page = await self._fetch(self.following)
        entities = page.entities or []
        next_cursor = self._cursor_of(page.next_uri)
        if not entities or next_cursor is None:
            self.done = True
            self.following = None
        else:
            if next_cursor in self._seen:
                msg = (
                    f"the server returned cursor {next_cursor!r} a second time; "
                    "stopping instead of looping forever"
                )
                raise PaginationError(msg)
            self._seen.add(next_cursor)
            self.following = next_cursor
        return page

    def _cursor_of(self, next_uri: str | None) -> str | None:
        """The `after` of `next_uri`; None at the end. A foreign host is a PaginationError."""
        if not next_uri:
            return None
        try:
            url = httpx.URL(next_uri)
        except httpx.InvalidURL as exc:
            msg = f"nextUri {next_uri!r} is not a valid URI: {exc}"
            raise PaginationError(msg) from None
        if url.scheme or url.host:
            base = self._base
            same = (
                url.scheme in ("", base.scheme)
                and url.host == base.host
                and (url.port or _default_port(base.scheme))
                == (base.port or _default_port(base.scheme))
            )
            if not same:
                msg = (
                    f"nextUri points at {url.scheme or base.scheme}://{url.host}"
                    f"{':' + str(url.port) if url.port else ''}, not the API host "
                    f"{base.scheme}://{base.host}; not following it (the token must not leak)"
                )
                raise PaginationError(msg)
        after: str | None = url.params.get("after")
        if not after:
            msg = f"nextUri {next_uri!r} has no `after` cursor to follow"
            raise PaginationError(msg)
        return after

    def resume(self, consumed: bool) -> tuple[str | None, int | None]:
        return (self.following if consumed else self.requested), None


def _default_port(scheme: str) -> int | None:
    return {"http": 80, "https": 443}.get(scheme)


class _PageNumberSource:
    """Page-number state: the number to ask for next; ends at `pageCount`."""

    def __init__(self, fetch: PageFetch, start: int) -> None:
        self._fetch = fetch
        self.requested = start
        self.following: int | None = start
        self.done = False

    async def fetch(self) -> Any:
        number = self.following
        assert number is not None
        self.requested = number
        page = await self._fetch(number)
        if page.page_number is not None and page.page_number != number:
            msg = f"asked for page {number}, the server answered page {page.page_number}"
            raise PaginationError(msg)
        if (
            not page.entities
            or not page.next_uri
            or (page.page_count is not None and number >= page.page_count)
        ):
            self.done = True
            self.following = None
        else:
            self.following = number + 1
        return page

    def resume(self, consumed: bool) -> tuple[str | None, int | None]:
        return None, (self.following if consumed else self.requested)


class AsyncPager(Generic[T, P]):
    """An async iterator over every item of a paginated listing; `.pages()` gives the pages.

    ```python
    async for assignment in client.iter_journey_session_segments(session_id, page_size=200):
        ...
    ```

    Nothing is fetched until iteration starts. `limit` stops after that many items and no
    request is made beyond them. `next_cursor` / `next_page_number` tell where to resume: after
    a fully consumed page, the next page; after a stop in the middle of a page (`break`,
    `limit`), that page again (its items may then be seen twice, never lost). Both are None at
    the end. The pager is also an async context manager; leaving the block closes it.
    """

    def __init__(self, source: _CursorSource | _PageNumberSource, limit: int | None) -> None:
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            msg = f"limit must be None or an int >= 0, got {limit!r}"
            raise ValueError(msg)
        self._source = source
        self._limit = limit
        self._yielded = 0
        self._consumed = True  # the page being consumed has been fully handed out
        self._started = False
        self._closed = False
        self._page: Any = None
        self._index = 0
        self._mode: str | None = None

    @classmethod
    def by_cursor(
        cls, fetch: CursorFetch, *, base_url: httpx.URL, after: str | None, limit: int | None
    ) -> AsyncPager[Any, Any]:
        """A pager following the `after` cursor found in each page's `nextUri`."""
        return cls(_CursorSource(fetch, base_url, after), limit)

    @classmethod
    def by_page_number(
        cls, fetch: PageFetch, *, start: int, limit: int | None
    ) -> AsyncPager[Any, Any]:
        """A pager asking for page `start`, `start + 1`, ... until `pageCount`."""
        return cls(_PageNumberSource(fetch, start), limit)

    # -- resuming -----------------------------------------------------------------------------

    @property
    def next_cursor(self) -> str | None:
        """The `after` to resume a cursor listing from (None at the end, or before any page)."""
        if self._source.done and self._consumed:
            return None
        return self._source.resume(self._consumed)[0]

    @property
    def next_page_number(self) -> int | None:
        """The `page_number` to resume a page-number listing from (None at the end)."""
        if self._source.done and self._consumed:
            return None
        return self._source.resume(self._consumed)[1]

    @property
    def done(self) -> bool:
        """True once the listing has been read to its end (or to `limit`)."""
        return self._closed or (self._source.done and self._consumed) or self._limit_reached()

    def _limit_reached(self) -> bool:
        return self._limit is not None and self._yielded >= self._limit

    # -- iteration ----------------------------------------------------------------------------

    def _claim(self, mode: str) -> None:
        if self._mode is not None and self._mode != mode:
            msg = "iterate a pager either by items or by pages(), not both"
            raise RuntimeError(msg)
        self._mode = mode

    async def _next_page(self) -> Any | None:
        """Fetch the next page, or None when the listing or the limit is exhausted."""
        if self._closed or self._limit_reached():
            return None
        if self._started and self._source.done:
            return None
        self._started = True
        page = await self._source.fetch()
        self._consumed = not page.entities
        return page

    def __aiter__(self) -> AsyncPager[T, P]:
        self._claim("items")
        return self

    async def __anext__(self) -> T:
        while True:
            page = self._page
            if page is not None:
                entities = page.entities or []
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
                raise StopAsyncIteration

    def pages(self) -> _PageIterator[P]:
        """Iterate over the listing pages (the models), one per request."""
        self._claim("pages")
        return _PageIterator(self)

    # -- closing ------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Stop the pager: no further request will be made."""
        self._closed = True

    async def __aenter__(self) -> AsyncPager[T, P]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


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
            raise StopAsyncIteration
        entities = page.entities or []
        pager._consumed = True
        if pager._limit is not None:
            room = pager._limit - pager._yielded
            if len(entities) > room:
                page = attrs.evolve(page, entities=entities[:room])
                pager._consumed = False
                entities = page.entities
        pager._yielded += len(entities)
        result: P_co = page
        return result

    async def aclose(self) -> None:
        """Close the pager this iterates."""
        await self._pager.aclose()
