"""The few private parts of httpx and httpcore the fast paths rely on, checked as they are.

`_direct`, `_pinned`, `_within`, `_auth`, `_aiohttp` and `_body` skip work httpx would repeat
on every request by using what httpx and httpcore keep internally. Their own tests prove the
behaviour on the installed versions; these say which internal failed when a new httpx or
httpcore moves one, so a version bump fails here, by name, before it reaches users.
"""

from __future__ import annotations

import httpcore
import httpx
from httpcore._async.http11 import AsyncHTTP11Connection
from httpcore._backends.anyio import AnyIOStream

from journey_async._direct import prebuilt_headers


def test_headers_keep_a_list_of_name_lowered_name_value() -> None:
    """`httpx.Headers._list`: `(name, lowercased name, value)` as bytes, in order; a copy
    of a `Headers` copies it, so prebuilt headers reach the request unchanged."""
    headers = httpx.Headers({"X-One": "1", "Accept": "application/json"})
    assert headers._list == [
        (b"X-One", b"x-one", b"1"),
        (b"Accept", b"accept", b"application/json"),
    ]
    prebuilt = prebuilt_headers([(b"X-Two", b"x-two", b"2")])
    request = httpx.Request("GET", "https://api.invalid/", headers=prebuilt)
    assert request.headers["x-two"] == "2"
    assert request.headers.raw[-1] == (b"X-Two", b"2")


def test_request_and_response_keep_their_read_body_in_content() -> None:
    """`Request._content` / `Response._content` are what `.read()` sets and `.content` reads."""
    request = httpx.Request("POST", "https://api.invalid/", content=b"{}")
    request.read()
    assert request._content == b"{}"
    response = httpx.Response(200, content=b"[]")
    assert response._content == b"[]"


def test_httpcore_connection_and_stream_internals() -> None:
    """httpcore's HTTP/1.1 connection keeps its stream in `_network_stream` and a
    `_state_lock`; its anyio stream keeps the anyio byte stream in `_stream`."""
    inner = object()
    stream = AnyIOStream(inner)  # type: ignore[arg-type]
    assert stream._stream is inner
    connection = AsyncHTTP11Connection(httpcore.Origin(b"http", b"127.0.0.1", 80), stream)
    assert connection._network_stream is stream
    assert hasattr(connection, "_state_lock")
