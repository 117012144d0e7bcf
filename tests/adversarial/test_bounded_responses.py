"""Issue class 5: response bodies are bounded in size and in time.

`JourneyClient(max_response_size=N)` refuses a 2xx body over N bytes (counted after
decompression) while it arrives, so a huge, endless or compressed-bomb body never sits whole in
memory; an error body keeps at most 64 KiB; and a body that trickles in forever ends at the
attempt's deadline (the timeout's read value) instead of satisfying every per-read timeout.

In-process cases use `httpx.MockTransport` with a `ChunkStream` that counts the chunks the
client pulled; loopback cases use `RawServer` (a thread, so they run on asyncio and trio).
"""

from __future__ import annotations

import asyncio
import functools
import gc
import gzip
import json
import re
import time
import tracemalloc
import warnings
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import httpx
import pytest
from _servers import CLIENT_OPTIONS, TRANSPORTS, ChunkStream, head, raw_server, transport_backend

from journey_async import (
    JourneyClient,
    NotFoundError,
    RequestTimeoutError,
    ResponseTooLargeError,
    RetryPolicy,
    ServerError,
    TransportError,
)
from journey_async._client import DEFAULT_MAX_RESPONSE_SIZE

ABANDONED_GENERATOR = "Async generator .* was garbage collected before it had been exhausted"

pytestmark = [
    pytest.mark.anyio,
    # On trio, every early stop of a body read currently leaves httpx's and httpcore's nested
    # async generators to the garbage collector (a ResourceWarning each). One test below
    # checks that on its own; the others test their own behaviour.
    pytest.mark.filterwarnings(f"ignore:{ABANDONED_GENERATOR}:ResourceWarning"),
]


@pytest.fixture(params=list(TRANSPORTS))
def anyio_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Loopback cases with the default transport (asyncio, trio), aiohttp's and httpx's pool."""
    return transport_backend(request, monkeypatch)


BASE_URL = "https://api.test.invalid"
TOKEN = "bounded-token-7c1e"
KIB = 1024
MIB = 1024 * KIB
CHUNK = 64 * KIB
LIMIT = 1 * MIB
GUARD = 20  # seconds: generous fail_after for every test


def zeros(total: int | None, size: int = CHUNK) -> Iterator[bytes]:
    """`total` bytes (None: endless) in `size`-byte chunks."""
    block = b"0" * size
    sent = 0
    while total is None or sent < total:
        piece = block if total is None else block[: min(size, total - sent)]
        sent += len(piece)
        yield piece


@functools.cache
def gzip_bomb(size: int = 50 * MIB) -> bytes:
    """`size` zero bytes, gzip-compressed (about 1000 to 1)."""
    return gzip.compress(b"\0" * size, compresslevel=9)


def endless_gzip(expanded: int = MIB) -> Iterator[bytes]:
    """A gzip stream that never ends: each chunk (about 1 KiB) inflates to `expanded` bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * expanded
    while True:
        yield compressor.compress(block) + compressor.flush(zlib.Z_SYNC_FLUSH)


def pieces(data: bytes, size: int = CHUNK) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


class Recorder:
    """A MockTransport handler answering every request with `make()`, counting requests."""

    def __init__(self, make: Callable[[httpx.Request], httpx.Response]) -> None:
        self.make = make
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.make(request)


def mock_client(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> JourneyClient:
    kwargs.setdefault("retry", None)
    kwargs.setdefault("max_response_size", LIMIT)
    return JourneyClient(TOKEN, base_url=BASE_URL, transport=httpx.MockTransport(handler), **kwargs)


def streaming(stream: ChunkStream, status: int = 200, **headers: str) -> Recorder:
    return Recorder(
        lambda request: httpx.Response(
            status,
            headers={"Content-Type": "application/json", **headers},
            stream=stream,
        )
    )


def assert_too_large(exc: BaseException, limit: int) -> None:
    assert isinstance(exc, ResponseTooLargeError)
    assert isinstance(exc, TransportError)
    assert exc.limit == limit
    assert f"{limit:,}" in str(exc)
    assert TOKEN not in str(exc)


def max_chunks(limit: int, chunk: int = CHUNK) -> int:
    """Chunks a bounded reader may pull: what fits under the limit, one over it, one spare."""
    return limit // chunk + 2


# ---------------------------------------------------------------------------------------------
# Size, checked while reading


@pytest.mark.parametrize("total", [10 * MIB, None], ids=["10MiB", "endless"])
@pytest.mark.parametrize("limit", [LIMIT, 100_000, CHUNK], ids=["1MiB", "100000", "64KiB"])
async def test_a_2xx_body_over_the_limit_fails_while_it_is_read(total, limit):
    """A 10 MiB or endless 2xx body: ResponseTooLargeError after about limit/64 KiB chunks."""
    stream = ChunkStream(zeros(total))
    handler = streaming(stream)
    with anyio.fail_after(GUARD):
        async with mock_client(handler, max_response_size=limit) as client:
            with pytest.raises(ResponseTooLargeError) as info:
                await client.get_journey_actiontarget("big")
    assert_too_large(info.value, limit)
    assert 0 < stream.pulled <= max_chunks(limit)
    assert stream.closed
    assert len(handler.requests) == 1


SKELETON = json.dumps({"id": "edge", "name": ""}).encode()


def exact_json(size: int) -> bytes:
    """A valid action target JSON of exactly `size` bytes."""
    body = json.dumps({"id": "edge", "name": "n" * (size - len(SKELETON))}).encode()
    assert len(body) == size
    return body


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
async def test_a_body_of_exactly_the_limit_is_accepted_and_one_byte_more_is_not(declared):
    """A 2xx body of exactly max_response_size bytes decodes; limit + 1 bytes is refused."""
    limit = 200_000
    for size, ok in ((limit, True), (limit + 1, False)):
        body = exact_json(size)
        headers = {"Content-Length": str(size)} if declared else {}
        handler = streaming(ChunkStream(pieces(body, 7_000)), **headers)
        with anyio.fail_after(GUARD):
            async with mock_client(handler, max_response_size=limit) as client:
                if ok:
                    target = await client.get_journey_actiontarget("edge")
                    assert target.id == "edge"
                    assert len(target.name) == size - len(SKELETON)
                else:
                    with pytest.raises(ResponseTooLargeError) as info:
                        await client.get_journey_actiontarget("edge")
                    assert_too_large(info.value, limit)


async def test_the_error_message_names_the_call_without_query_or_token():
    """ResponseTooLargeError names method and URL, but not the query (cursor) or the token."""
    handler = streaming(ChunkStream(zeros(None)))
    with anyio.fail_after(GUARD):
        async with mock_client(handler) as client:
            with pytest.raises(ResponseTooLargeError) as info:
                await client.get_journey_session_segments("s1", after="cursor-secret-91")
    message = str(info.value)
    assert message.startswith("GET ")
    assert f"{BASE_URL}/api/v2/journey/sessions/s1/segments" in message
    assert "cursor-secret-91" not in message
    assert "?" not in message
    assert TOKEN not in message
    assert info.value.request is not None
    assert TOKEN not in str(info.value.request.headers)


async def test_the_default_limit_is_64_mib():
    """Without max_response_size, a declared 64 MiB + 1 byte body is refused at 67,108,864."""
    assert DEFAULT_MAX_RESPONSE_SIZE == 64 * MIB
    stream = ChunkStream(zeros(None))
    handler = streaming(stream, **{"Content-Length": str(64 * MIB + 1)})
    with anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN, base_url=BASE_URL, transport=httpx.MockTransport(handler), retry=None
        ) as client:
            with pytest.raises(ResponseTooLargeError) as info:
                await client.get_journey_actiontarget("big")
    assert_too_large(info.value, 64 * MIB)
    assert "67,108,864" in str(info.value)
    assert stream.pulled == 0


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "1000"])
async def test_a_nonsense_limit_is_a_value_error(bad):
    """max_response_size must be an int >= 1 (0, negatives, bools, floats, strs are refused)."""
    with pytest.raises((ValueError, TypeError)):
        JourneyClient(TOKEN, base_url=BASE_URL, max_response_size=bad)


# ---------------------------------------------------------------------------------------------
# Compression: the limit counts bytes after decompression


@pytest.mark.parametrize("chunking", [CHUNK, 1024], ids=["64KiB-reads", "1KiB-reads"])
async def test_a_gzip_bomb_is_refused(chunking):
    """50 MiB of zeros gzipped to about 50 KB (Content-Length small) is ResponseTooLargeError."""
    bomb = gzip_bomb()
    stream = ChunkStream(pieces(bomb, chunking))
    handler = streaming(stream, **{"Content-Encoding": "gzip", "Content-Length": str(len(bomb))})
    with anyio.fail_after(GUARD):
        async with mock_client(handler) as client:
            with pytest.raises(ResponseTooLargeError) as info:
                await client.get_journey_actiontarget("bomb")
    assert_too_large(info.value, LIMIT)
    assert stream.closed


async def test_a_gzip_bomb_on_loopback_is_refused_and_the_client_answers_after():
    """Over a real socket, with each transport (aiohttp's too: it must not inflate the body
    itself), a 50 MiB gzip bomb is ResponseTooLargeError and the next call is answered."""
    bomb = gzip_bomb()

    async def send_bomb(server, reader, writer, target) -> bool:
        headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
        writer.write(head(200, [*headers, ("Content-Length", str(len(bomb)))]) + bomb)
        await writer.drain()
        return True

    with raw_server(send_bomb) as server, anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN, base_url=server.url, **CLIENT_OPTIONS, retry=None, max_response_size=LIMIT
        ) as client:
            with pytest.raises(ResponseTooLargeError) as info:
                await client.get_journey_actiontarget("bomb")
            assert_too_large(info.value, LIMIT)
            assert (await client.get_journey_actiontarget("ok")).id == "ok"


async def test_an_endless_gzip_stream_stops_after_about_the_limit():
    """An endless gzip body (1 KiB chunks each inflating to 1 MiB) stops after a few chunks."""
    stream = ChunkStream(endless_gzip(MIB))
    handler = streaming(stream, **{"Content-Encoding": "gzip"})
    limit = 4 * MIB
    with anyio.fail_after(GUARD):
        async with mock_client(handler, max_response_size=limit) as client:
            with pytest.raises(ResponseTooLargeError) as info:
                await client.get_journey_actiontarget("bomb")
    assert_too_large(info.value, limit)
    assert stream.pulled <= limit // MIB + 2


async def test_a_gzip_bomb_in_one_read_costs_about_the_limit_in_memory():
    """A 50 KB gzip bomb in one network read must not cost ~50x max_response_size of memory.

    `read_bounded` promises "an endless or huge body costs at most `limit` bytes of memory";
    a bomb that arrives in one read (httpcore reads up to 64 KiB, which inflates to ~64 MiB)
    is the hard case for a reader that only checks sizes after httpx decoded a chunk.
    """
    bomb = gzip_bomb()
    handler = streaming(
        ChunkStream([bomb]), **{"Content-Encoding": "gzip", "Content-Length": str(len(bomb))}
    )
    with anyio.fail_after(GUARD):
        async with mock_client(handler) as client:
            tracemalloc.start()
            try:
                with pytest.raises(ResponseTooLargeError):
                    await client.get_journey_actiontarget("bomb")
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
    # Generous: 8x the limit plus 8 MiB of slack for everything else.
    assert peak < 8 * LIMIT + 8 * MIB, f"peak {peak / MIB:.1f} MiB for a {LIMIT / MIB:g} MiB limit"


async def test_a_gzip_body_under_the_limit_still_decodes():
    """A gzip-compressed 2xx body whose inflated size is under the limit decodes normally."""
    body = json.dumps({"id": "zipped", "name": "z" * 300_000}).encode()
    packed = gzip.compress(body)
    handler = streaming(
        ChunkStream(pieces(packed, 4096)),
        **{"Content-Encoding": "gzip", "Content-Length": str(len(packed))},
    )
    with anyio.fail_after(GUARD):
        async with mock_client(handler) as client:
            target = await client.get_journey_actiontarget("zipped")
    assert target.id == "zipped"
    assert len(target.name) == 300_000


# ---------------------------------------------------------------------------------------------
# Content-Length: refused before the body is read


async def test_a_content_length_over_the_limit_is_refused_without_reading():
    """A 2xx announcing 10 MiB (limit 1 MiB) is refused before a single chunk is pulled."""
    stream = ChunkStream(zeros(10 * MIB))
    handler = streaming(stream, **{"Content-Length": str(10 * MIB)})
    with anyio.fail_after(GUARD):
        async with mock_client(handler) as client:
            with pytest.raises(ResponseTooLargeError) as info:
                await client.get_journey_actiontarget("big")
    assert_too_large(info.value, LIMIT)
    assert stream.pulled == 0
    assert stream.closed


async def test_a_huge_content_length_on_loopback_fails_at_once_not_at_the_timeout():
    """On loopback, a 200 announcing 10 GiB then trickling fails fast, well before the timeout."""

    async def announce_huge(server, reader, writer, target) -> bool:
        writer.write(head(200, [("Content-Length", str(10 * 1024 * MIB))]))
        await writer.drain()
        for _ in range(200):
            await asyncio.sleep(0.1)
            writer.write(b"0" * 1024)
            await writer.drain()
        return False

    with raw_server(announce_huge) as server, anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN,
            base_url=server.url,
            **CLIENT_OPTIONS,
            timeout=8.0,
            retry=None,
            max_response_size=LIMIT,
        ) as client:
            started = time.monotonic()
            with pytest.raises(ResponseTooLargeError) as info:
                await client.get_journey_actiontarget("big")
            elapsed = time.monotonic() - started
            assert_too_large(info.value, LIMIT)
            assert elapsed < 4.0, f"took {elapsed:.1f} s: the body was read, not refused"
            assert (await client.get_journey_actiontarget("ok")).id == "ok"


# ---------------------------------------------------------------------------------------------
# Error statuses keep a bounded prefix of their body


@pytest.mark.parametrize(
    ("status", "error"), [(404, NotFoundError), (500, ServerError)], ids=["404", "500"]
)
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
async def test_an_error_status_with_a_10_mib_body_keeps_64_kib(status, error, declared):
    """404/500 with a 10 MiB body: the ApiError subclass, .text at most 64 KiB, body not drained."""
    stream = ChunkStream(zeros(10 * MIB))
    headers = {"Content-Length": str(10 * MIB)} if declared else {}
    handler = streaming(stream, status, **headers)
    with anyio.fail_after(GUARD):
        async with mock_client(handler) as client:
            with pytest.raises(error) as info:
                await client.get_journey_actiontarget("missing")
    assert not isinstance(info.value, ResponseTooLargeError)
    assert info.value.status == status
    assert 0 < len(info.value.text) <= 65536
    assert stream.pulled <= max_chunks(64 * KIB)
    assert stream.closed


async def test_an_error_status_with_a_gzip_bomb_keeps_64_kib():
    """A 500 whose gzip body inflates to 50 MiB is a ServerError with at most 64 KiB of text."""
    bomb = gzip_bomb()
    handler = streaming(
        ChunkStream(pieces(bomb, 1024)),
        500,
        **{"Content-Encoding": "gzip", "Content-Length": str(len(bomb))},
    )
    with anyio.fail_after(GUARD):
        async with mock_client(handler) as client:
            with pytest.raises(ServerError) as info:
                await client.get_journey_actiontarget("missing")
    assert len(info.value.text) <= 65536


async def test_an_error_status_with_a_10_mib_body_on_loopback():
    """On loopback, a 404 with a 10 MiB body is NotFoundError with <= 64 KiB; client still works."""

    async def big_404(server, reader, writer, target) -> bool:
        writer.write(head(404, [("Content-Length", str(10 * MIB))]))
        for chunk in zeros(10 * MIB):
            writer.write(chunk)
            await writer.drain()
        return True

    with raw_server(big_404) as server, anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN,
            base_url=server.url,
            **CLIENT_OPTIONS,
            timeout=5.0,
            retry=None,
            max_response_size=LIMIT,
        ) as client:
            with pytest.raises(NotFoundError) as info:
                await client.get_journey_actiontarget("missing")
            assert len(info.value.text) <= 65536
            assert (await client.get_journey_actiontarget("ok")).id == "ok"


# ---------------------------------------------------------------------------------------------
# Time: a body that trickles forever ends at the attempt deadline


@pytest.mark.parametrize(
    "timeout", [0.5, httpx.Timeout(10.0, read=0.5)], ids=["0.5", "Timeout(10,read=0.5)"]
)
async def test_an_endless_trickle_ends_at_the_attempt_deadline(timeout):  # noqa: ASYNC109
    """A tiny chunk every 50 ms forever, timeout read 0.5 s: RequestTimeoutError within seconds."""
    stream = ChunkStream(zeros(None, 16), interval=0.05)
    handler = streaming(stream)
    with anyio.fail_after(GUARD):
        async with mock_client(handler, timeout=timeout) as client:
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError) as info:
                await client.get_journey_actiontarget("slow")
            elapsed = time.monotonic() - started
    assert isinstance(info.value, TimeoutError)
    assert isinstance(info.value, TransportError)
    assert not isinstance(info.value, ResponseTooLargeError)
    assert 0.3 <= elapsed < 0.5 + 1.5, f"took {elapsed:.2f} s"
    assert stream.pulled >= 2  # it really was trickling, not silent
    assert len(handler.requests) == 1


async def test_an_endless_trickle_is_retried_per_policy_within_the_budget():
    """With RetryPolicy(max_attempts=2), a trickling body costs two attempts of ~0.5 s each."""
    handler = Recorder(
        lambda request: httpx.Response(200, stream=ChunkStream(zeros(None, 16), interval=0.05))
    )
    policy = RetryPolicy(max_attempts=2, backoff_base=0.0)
    with anyio.fail_after(GUARD):
        async with mock_client(handler, timeout=0.5, retry=policy) as client:
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError) as info:
                await client.get_journey_actiontarget("slow")
            elapsed = time.monotonic() - started
    assert len(handler.requests) == 2
    assert "2 attempts" in str(info.value)
    assert elapsed < 1.0 + 1.5, f"took {elapsed:.2f} s"


async def test_an_endless_trickle_on_loopback_ends_at_the_attempt_deadline():
    """A raw server sending headers then a byte every 50 ms forever: RequestTimeoutError fast."""

    async def trickle_forever(server, reader, writer, target) -> bool:
        writer.write(
            head(200, [("Content-Type", "application/json"), ("Content-Length", "100000")])
        )
        await writer.drain()
        for _ in range(2000):  # 100 s: far longer than any test guard
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.05)
        return False

    with raw_server(trickle_forever) as server, anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN,
            base_url=server.url,
            **CLIENT_OPTIONS,
            timeout=0.5,
            retry=None,
            max_response_size=LIMIT,
        ) as client:
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError) as info:
                await client.get_journey_actiontarget("slow")
            elapsed = time.monotonic() - started
            assert isinstance(info.value, TimeoutError)
            assert 0.3 <= elapsed < 0.5 + 1.5, f"took {elapsed:.2f} s"
            assert server.requests == ["/api/v2/journey/actiontargets/slow"]
            with anyio.fail_after(5):
                assert (await client.get_journey_actiontarget("ok")).id == "ok"


async def test_a_chunked_endless_trickle_on_loopback_ends_at_the_attempt_deadline():
    """Same with Transfer-Encoding: chunked (no length at all): RequestTimeoutError fast."""

    async def chunked_forever(server, reader, writer, target) -> bool:
        writer.write(head(200, [("Transfer-Encoding", "chunked")]))
        await writer.drain()
        for _ in range(2000):
            writer.write(b"1\r\n \r\n")
            await writer.drain()
            await asyncio.sleep(0.05)
        return False

    with raw_server(chunked_forever) as server, anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN,
            base_url=server.url,
            **CLIENT_OPTIONS,
            timeout=0.5,
            retry=None,
            max_response_size=LIMIT,
        ) as client:
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError):
                await client.get_journey_actiontargets()
            elapsed = time.monotonic() - started
            assert elapsed < 0.5 + 1.5, f"took {elapsed:.2f} s"
            with anyio.fail_after(5):
                assert (await client.get_journey_actiontarget("ok")).id == "ok"


# ---------------------------------------------------------------------------------------------
# Not retried


@pytest.mark.parametrize("kind", ["endless", "content-length", "gzip-bomb"])
async def test_response_too_large_is_not_retried(kind):
    """ResponseTooLargeError from a 2xx with RetryPolicy(max_attempts=4): exactly one request."""

    def make(request: httpx.Request) -> httpx.Response:
        if kind == "endless":
            return httpx.Response(200, stream=ChunkStream(zeros(None)))
        if kind == "content-length":
            return httpx.Response(
                200, headers={"Content-Length": str(10 * MIB)}, stream=ChunkStream(zeros(None))
            )
        bomb = gzip_bomb()
        return httpx.Response(
            200,
            headers={"Content-Encoding": "gzip", "Content-Length": str(len(bomb))},
            stream=ChunkStream(pieces(bomb, 1024)),
        )

    handler = Recorder(make)
    policy = RetryPolicy(max_attempts=4, backoff_base=0.0, retry_timeouts=True)
    with anyio.fail_after(GUARD):
        async with mock_client(handler, retry=policy) as client:
            with pytest.raises(ResponseTooLargeError) as info:
                await client.get_journey_actiontarget("big")
    assert_too_large(info.value, LIMIT)
    assert len(handler.requests) == 1


async def test_response_too_large_on_loopback_is_not_retried_and_leaves_the_client_usable():
    """On loopback, an endless 2xx (chunked) is refused once, not retried; the next call works."""

    async def endless(server, reader, writer, target) -> bool:
        writer.write(head(200, [("Transfer-Encoding", "chunked")]))
        chunk = b"%x\r\n" % CHUNK + b"0" * CHUNK + b"\r\n"
        for _ in range(100_000):
            writer.write(chunk)
            await writer.drain()
        return False

    with raw_server(endless) as server, anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN,
            base_url=server.url,
            **CLIENT_OPTIONS,
            timeout=5.0,
            retry=RetryPolicy(max_attempts=4, backoff_base=0.0),
            max_response_size=LIMIT,
        ) as client:
            with pytest.raises(ResponseTooLargeError):
                await client.get_journey_actiontarget("big")
            assert server.requests == ["/api/v2/journey/actiontargets/big"]
            with anyio.fail_after(5):
                assert (await client.get_journey_actiontarget("ok")).id == "ok"


# ---------------------------------------------------------------------------------------------
# Stopping early closes what it opened


def abandoned_generators(caught: list[warnings.WarningMessage]) -> list[str]:
    return [
        str(w.message)
        for w in caught
        if issubclass(w.category, ResourceWarning)
        and re.search(ABANDONED_GENERATOR, str(w.message))
    ]


@pytest.mark.parametrize("status", [200, 404], ids=["too-large-2xx", "truncated-404"])
async def test_stopping_a_body_early_leaves_no_async_generator_to_the_garbage_collector(status):
    """A body cut short (2xx over the limit, 404 over 64 KiB) closes every async generator it
    started: none is garbage collected unexhausted (trio warns about each one that is)."""

    async def endless(server, reader, writer, target) -> bool:
        writer.write(head(status, [("Transfer-Encoding", "chunked")]))
        chunk = b"%x\r\n" % CHUNK + b"0" * CHUNK + b"\r\n"
        for _ in range(100_000):
            writer.write(chunk)
            await writer.drain()
        return False

    with raw_server(endless) as server, anyio.fail_after(GUARD):
        async with JourneyClient(
            TOKEN,
            base_url=server.url,
            **CLIENT_OPTIONS,
            timeout=5.0,
            retry=None,
            max_response_size=LIMIT,
        ) as client:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                with pytest.raises((ResponseTooLargeError, NotFoundError)):
                    await client.get_journey_actiontarget("big")
                gc.collect()
                await anyio.sleep(0.05)  # let trio run its finalizers
                gc.collect()
    leaked = abandoned_generators(caught)
    assert leaked == [], "\n".join(leaked)
