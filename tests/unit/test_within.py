"""Per-operation timeouts left to the attempt's scope only when that scope ends first
(`journey_async._within`): the decision, and the stream's errors mapped as httpcore's."""

from __future__ import annotations

from typing import Any

import anyio
import httpcore
import httpx
import pytest
from httpcore._backends.anyio import AnyIOStream

from journey_async._within import ATTEMPT_LENGTH, AttemptStream, outlasts

pytestmark = pytest.mark.anyio


def _request(timeouts: dict[str, float | None], left: float | None) -> httpx.Request:
    extensions: dict[str, Any] = {"timeout": timeouts}
    if left is not None:
        extensions[ATTEMPT_LENGTH] = left
    return httpx.Request("GET", "http://example.test/", extensions=extensions)


async def test_no_attempt_deadline_keeps_every_timeout():
    """A request sent without the note (user middleware, no deadline) keeps its timeouts."""
    assert not outlasts(_request({"read": 30.0, "write": 30.0}, None), "read", "write")


async def test_timeouts_ending_after_the_attempt_are_left_to_it():
    """Read and write timeouts of 30 s under a 10 s attempt: the attempt's scope comes first."""
    assert outlasts(_request({"read": 30.0, "write": 30.0}, 10.0), "read", "write")
    assert outlasts(_request({"read": None, "write": None}, 10.0), "read", "write")


async def test_a_shorter_timeout_keeps_its_own_scope():
    """A 5 s write timeout under a 10 s attempt can fire first: it is kept."""
    request = _request({"read": 30.0, "write": 5.0}, 10.0)
    assert outlasts(request, "read")
    assert not outlasts(request, "read", "write")


class _Raw:
    """An anyio byte stream that replays what it is told to: data or an exception."""

    def __init__(self, *outcomes: bytes | BaseException) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[bytes] = []

    async def receive(self, max_bytes: int = 65536) -> bytes:
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def send(self, item: bytes) -> None:
        outcome = self.outcomes.pop(0) if self.outcomes else b""
        if isinstance(outcome, BaseException):
            raise outcome
        self.sent.append(item)

    async def aclose(self) -> None:
        pass


def _stream(raw: _Raw) -> AttemptStream:
    stream = AttemptStream(AnyIOStream(raw))  # type: ignore[arg-type]
    stream.within_attempt = True
    return stream


async def test_reads_and_writes_within_the_attempt():
    raw = _Raw(b"data", anyio.EndOfStream())
    stream = _stream(raw)
    assert await stream.read(10) == b"data"
    assert await stream.read(10) == b""  # the end of the stream, as httpcore reads it
    await stream.write(b"")
    await stream.write(b"sent")
    assert raw.sent == [b"sent"]


@pytest.mark.parametrize("error", [anyio.BrokenResourceError, anyio.ClosedResourceError])
async def test_errors_map_as_httpcore_maps_them(error: type[Exception]):
    with pytest.raises(httpcore.ReadError):
        await _stream(_Raw(error())).read(10)
    with pytest.raises(httpcore.WriteError):
        await _stream(_Raw(error())).write(b"x")


async def test_outside_an_attempt_each_operation_has_its_own_timeout():
    """With `within_attempt` unset, httpcore's own read applies its timeout."""

    class _Stalled(_Raw):
        async def receive(self, max_bytes: int = 65536) -> bytes:
            await anyio.sleep(10)
            return b""

    stream = _stream(_Stalled())
    stream.within_attempt = False
    with pytest.raises(httpcore.ReadTimeout):
        await stream.read(10, timeout=0.01)
