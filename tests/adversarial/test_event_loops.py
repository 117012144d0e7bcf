"""One client, one event loop: using it from another loop fails at once, and says why.

A client's connections, locks, queues and rate-limit gate belong to the event loop they were
made in. Used from a second loop (a second `asyncio.run`, a loop in another thread, trio after
asyncio) they hang, fail deep inside httpcore or anyio with an unrelated message, or, with a
transport that keeps no loop state, seem to work until the day they do not. The client notices
instead: the first call from another loop raises `RuntimeError` mentioning "event loop", at once.

These tests are plain functions that start their own loops (`asyncio.run`, `trio.run`, a
thread), each second-loop call bounded by a timeout of its own loop so a hang fails the test
as a timeout rather than blocking it. The transport is an in-process `httpx.MockTransport`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
import trio

from journey_async import JourneyClient

TOKEN = "test-token-3f9a"
BASE_URL = "https://api.test.invalid"
BOUND = 5.0  # seconds: a second-loop call that has not failed by then is hanging

T = TypeVar("T")


def answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"id": "t1"})


def new_client() -> JourneyClient:
    """An owned client (it makes its own httpx client) over an in-process transport."""
    return JourneyClient(
        TOKEN, base_url=BASE_URL, transport=httpx.MockTransport(answer), retry=None
    )


def on_asyncio(fn: Callable[[], Awaitable[T]]) -> T:
    """Run `fn()` in a new asyncio loop, failing with TimeoutError after BOUND seconds."""

    async def bounded() -> T:
        return await asyncio.wait_for(fn(), BOUND)

    return asyncio.run(bounded())


def on_trio(fn: Callable[[], Awaitable[T]]) -> T:
    """Run `fn()` in a new trio run, failing with trio.TooSlowError after BOUND seconds."""

    async def bounded() -> T:
        with trio.fail_after(BOUND):
            return await fn()

    return trio.run(bounded)


def close_quietly(client: JourneyClient) -> None:
    """Close a client whose loop is gone; another loop may refuse, which is the point."""
    with contextlib.suppress(RuntimeError, TimeoutError):
        on_asyncio(client.aclose)


def assert_event_loop_error(error: BaseException | None) -> None:
    assert isinstance(error, RuntimeError), repr(error)
    assert "event loop" in str(error)


def test_second_asyncio_run_raises_runtime_error_at_once():
    """A client used in one asyncio.run, then in a second, raises RuntimeError ("event loop")."""
    client = new_client()
    try:
        first = on_asyncio(lambda: client.get_journey_actiontarget("t1"))
        assert first.id == "t1"

        with pytest.raises(RuntimeError, match="event loop"):
            on_asyncio(lambda: client.get_journey_actiontarget("t1"))
    finally:
        close_quietly(client)


def test_use_from_another_threads_loop_raises_runtime_error():
    """While its loop runs, a call from a loop in another thread raises RuntimeError at once."""
    client = new_client()
    outcome: dict[str, Any] = {}

    def other_thread() -> None:
        try:
            outcome["result"] = on_asyncio(lambda: client.get_journey_actiontarget("t1"))
        except BaseException as exc:
            outcome["error"] = exc

    async def main() -> None:
        async with client:
            assert (await client.get_journey_actiontarget("t1")).id == "t1"
            thread = threading.Thread(target=other_thread, daemon=True)
            thread.start()
            await asyncio.to_thread(thread.join, 2 * BOUND)
            assert not thread.is_alive()
            # The owner loop still works after the refused call.
            assert (await client.get_journey_actiontarget("t1")).id == "t1"

    asyncio.run(main())

    assert "result" not in outcome
    assert_event_loop_error(outcome.get("error"))


def test_trio_then_asyncio_raises_runtime_error():
    """A client first used under trio.run, then under asyncio.run, raises RuntimeError at once."""
    client = new_client()
    try:
        first = on_trio(lambda: client.get_journey_actiontarget("t1"))
        assert first.id == "t1"

        with pytest.raises(RuntimeError, match="event loop"):
            on_asyncio(lambda: client.get_journey_actiontarget("t1"))
    finally:
        close_quietly(client)


def test_asyncio_then_trio_raises_runtime_error():
    """A client first used under asyncio.run, then under trio.run, raises RuntimeError at once."""
    client = new_client()
    try:
        first = on_asyncio(lambda: client.get_journey_actiontarget("t1"))
        assert first.id == "t1"

        with pytest.raises(RuntimeError, match="event loop"):
            on_trio(lambda: client.get_journey_actiontarget("t1"))
    finally:
        close_quietly(client)


def test_trio_guest_run_on_the_clients_asyncio_loop_raises_runtime_error():
    """trio running as a guest on the very asyncio loop the client is bound to is still another
    run: the client's cheap check of the running asyncio loop must not take it for its own."""
    client = new_client()
    outcome: dict[str, Any] = {}

    async def in_trio() -> None:
        try:
            await client.get_journey_actiontarget("t1")
        except BaseException as exc:
            outcome["error"] = exc

    async def main() -> None:
        async with client:
            assert (await client.get_journey_actiontarget("t1")).id == "t1"
            loop = asyncio.get_running_loop()
            done: asyncio.Future[object] = loop.create_future()
            trio.lowlevel.start_guest_run(
                in_trio,
                run_sync_soon_threadsafe=loop.call_soon_threadsafe,
                done_callback=done.set_result,
            )
            await asyncio.wait_for(done, BOUND)
            # The owner loop still works after the refused call.
            assert (await client.get_journey_actiontarget("t1")).id == "t1"

    asyncio.run(main())

    assert_event_loop_error(outcome.get("error"))
