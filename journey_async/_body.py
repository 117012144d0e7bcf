"""Reading a response body within limits: `max_response_size` while it arrives, gzip and
deflate inflated with a cap per step, error bodies cut to a prefix, abandoned bodies closed."""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import cast

import anyio
import httpx

from ._direct import attach_request
from ._exceptions import ResponseTooLargeError, redact_request
from ._repair import CLOSE_GRACE
from ._urls import redact_url

__all__ = ["ERROR_TEXT_LIMIT", "read_bounded", "plain_url"]

ERROR_TEXT_LIMIT = 64 * 1024
"""Bytes of an error (4xx/5xx) body kept for `ApiError.text`; the rest is not read. Genesys's
error bodies are a few hundred bytes."""


async def read_bounded(response: httpx.Response, limit: int) -> None:
    """Read the body (decompressed) into `response.content`, refusing more than `limit` bytes.

    The limit holds while reading and while inflating: gzip and deflate are inflated here with a
    cap on each step's output, so neither an endless body nor a compression bomb costs more
    than about `limit` bytes of memory (other encodings, such as br, go through httpx's decoder,
    whose output per network read is not capped). An error status keeps at most
    `ERROR_TEXT_LIMIT` bytes (a prefix; the connection is dropped rather than drained). An
    abandoned response is closed, shielded from cancellation for at most `CLOSE_GRACE`
    seconds, and its stream's generators are run to their end, so nothing is left for the
    garbage collector (trio warns about each such generator).
    """
    is_error = response.status_code >= 400
    cap = min(limit, ERROR_TEXT_LIMIT) if is_error else limit
    declared = _raw_header(response, b"content-length")
    encoded = _raw_header(response, b"content-encoding") is not None
    if not is_error and declared and declared.isdigit() and int(declared) > limit and not encoded:
        await _abandon(response, None)
        raise _too_large(response, limit, f"Content-Length says {declared.decode()} bytes")
    if hasattr(response, "_content"):  # built from bytes (a mock transport): already in memory
        await response.aclose()
        if len(response.content) > cap:
            if not is_error:
                raise _too_large(response, limit, "the body kept coming")
            response._content = response.content[:cap]
        return
    decode = _decoder(response) if encoded else _identity
    chunks: list[bytes] = []
    size = 0
    stream = cast(httpx.AsyncByteStream, response.stream)
    response.is_stream_consumed = True  # as `aiter_raw` marks it: a second read is refused
    read_chunk: ReadChunk | None = getattr(stream, "read_chunk", None)
    raw: AsyncGenerator[bytes, None] | None = None
    if read_chunk is None:
        raw = cast(AsyncGenerator[bytes, None], stream.__aiter__())
        read_chunk = _chunk_reader(raw)
    complete = False
    try:
        while data := await read_chunk():
            response._num_bytes_downloaded += len(data)  # as `aiter_raw` counts them
            part = decode(data, cap - size)
            size += len(part)
            if size > cap:
                if not is_error:
                    raise _too_large(response, limit, "the body kept coming")
                chunks.append(part[: len(part) - (size - cap)])
                break
            chunks.append(part)
        else:
            part = decode(b"", cap - size)  # what the decoder still holds
            if size + len(part) > cap and not is_error:
                raise _too_large(response, limit, "the body kept coming")
            chunks.append(part[: cap - size])
            # Read to its end: the connection goes back to its pool. What `response.aclose()`
            # does, without its context manager (an error gets its request below).
            response.is_closed = True
            await stream.aclose()
            complete = True
    except zlib.error as exc:
        msg = f"the {response.headers.get('content-encoding')} body cannot be decoded: {exc}"
        raise httpx.DecodingError(msg, request=response.request) from None
    except httpx.RequestError as exc:
        attach_request(exc, response.request)  # as `aiter_raw` does: the error names its request
        raise
    finally:
        if not complete:
            await _abandon(response, raw)
    response._content = b"".join(chunks)  # what httpx's own `aread()` sets


ReadChunk = Callable[[], Awaitable[bytes]]
"""`await read_chunk()`: the next raw (still encoded) chunk of a body, `b""` at its end.

A transport's response stream may offer one as its `read_chunk` attribute (aiohttp's does,
`_aiohttp._Body`): the body is then read by awaiting it, with no async generator in between.
Any other stream is read through its own iterator (`_chunk_reader`), not through httpx's
`Response.aiter_raw`, whose re-chunking, flags and error context cost several calls a chunk.
"""


def _chunk_reader(raw: AsyncGenerator[bytes, None]) -> ReadChunk:
    """`ReadChunk` over a stream's iterator; empty chunks skipped, as httpx's chunker does."""
    next_chunk = raw.__anext__

    async def read_chunk() -> bytes:
        try:
            while not (data := await next_chunk()):
                pass
        except StopAsyncIteration:
            return b""
        return data

    return read_chunk


async def _abandon(response: httpx.Response, raw: AsyncGenerator[bytes, None] | None) -> None:
    """Close a response that was not read to its end, and finish its stream's generators."""
    with anyio.move_on_after(CLOSE_GRACE, shield=True):
        await response.aclose()
        if raw is not None:
            # Each nested generator of httpx and httpcore resumes, meets the closed stream and
            # ends with an error: finished, so none is left to the garbage collector.
            with contextlib.suppress(Exception):
                async for _ in raw:
                    pass
            await raw.aclose()


Decode = Callable[[bytes, int], bytes]
"""`decode(data, room)`: the decoded bytes of `data`, at most `room + 1` of them where the
decoder can stop early (one byte more than fits tells the body is too large). `b""` flushes."""


def _raw_header(response: httpx.Response, name: bytes) -> bytes | None:
    """The first value of the header `name` (lowercase), as received; None when absent.

    A look at the list `httpx.Headers` keeps, without the decoding pass over every header
    that its first `get` makes (this runs on every response)."""
    for _, lowered, value in response.headers._list:
        if lowered == name:
            return value
    return None


def _decoder(response: httpx.Response) -> Decode:
    """The bounded decoder for the response's `Content-Encoding`."""
    encodings = [
        value.strip().lower()
        for value in response.headers.get_list("content-encoding", split_commas=True)
        if value.strip().lower() not in ("", "identity")
    ]
    if not encodings:
        return _identity
    if encodings in (["gzip"], ["x-gzip"]):
        return _Inflate(zlib.MAX_WBITS | 16).decode
    if encodings == ["deflate"]:
        return _Inflate(zlib.MAX_WBITS, raw_fallback=True).decode
    httpx_decoder = response._get_content_decoder()  # br, zstd, several: httpx's own decoders

    def decode(data: bytes, room: int) -> bytes:
        return httpx_decoder.decode(data) if data else httpx_decoder.flush()

    return decode


def _identity(data: bytes, room: int) -> bytes:
    return data


class _Inflate:
    """gzip or deflate inflation whose output per step is capped (no compression bombs)."""

    def __init__(self, wbits: int, *, raw_fallback: bool = False) -> None:
        self._z = zlib.decompressobj(wbits)
        self._raw_fallback = raw_fallback  # "deflate" is zlib-wrapped or, from some servers, raw

    def decode(self, data: bytes, room: int) -> bytes:
        if not data:
            return self._z.flush()
        try:
            out = self._z.decompress(data, room + 1)
        except zlib.error:
            if not self._raw_fallback:
                raise
            self._raw_fallback = False
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._z.decompress(data, room + 1)
        self._raw_fallback = False  # the first chunk decided the format
        return out


def _too_large(response: httpx.Response, limit: int, how: str) -> ResponseTooLargeError:
    request = response.request
    msg = (
        f"{request.method} {plain_url(request.url)}: the response body is larger than "
        f"max_response_size ({limit:,} bytes; {how}); not read further"
    )
    return ResponseTooLargeError(msg, request=redact_request(request), limit=limit)


def plain_url(url: httpx.URL) -> str:
    """The URL without its query string (cursors, ids) and without a password."""
    return redact_url(str(url.copy_with(query=None, fragment=None)))
