"""The client's configuration: defaults and their reasons, option checks, transports, the loop.

Everything `JourneyClient.__init__` needs to turn its arguments into an httpx client and a send
path, kept out of the client so that it holds only the lifecycle and the operations.
"""

from __future__ import annotations

import asyncio
import urllib.request
from typing import Final, Generic, TypeVar

import httpx
import sniffio

from ._checks import check_seconds, is_finite_number

__all__ = [
    "Default",
    "DEFAULT_TIMEOUT",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_RESPONSE_SIZE",
    "DEFAULT_MAX_IN_FLIGHT",
    "TIMEOUT_DEFAULT",
    "MAX_CONNECTIONS_DEFAULT",
    "check_timeout",
    "attempt_timeout",
    "make_transport",
    "current_loop",
]

D = TypeVar("D")


class Default(Generic[D]):
    """A parameter's default, told apart from the same value passed explicitly.

    Its repr is the value's, so `help(JourneyClient)` shows `timeout=30.0`; `http_client`
    plus an explicit `timeout=30.0` is still an error, as httpx's `UseClientDefault` does it.
    """

    __slots__ = ("value",)

    value: D

    def __init__(self, value: D) -> None:
        self.value = value

    def __repr__(self) -> str:
        return repr(self.value)


DEFAULT_TIMEOUT: Final = 30.0
"""Seconds for connect, read, write and pool waits, and for each attempt as a whole. The
official SDK has no timeout at all, so a hung connection hangs the caller forever; 30 s is far
above the API's normal latency."""

DEFAULT_MAX_CONNECTIONS: Final = 100
"""httpx pool size (the official SDK pools 4). Bulk helpers bound their own concurrency."""

TIMEOUT_DEFAULT: Final = Default(DEFAULT_TIMEOUT)
MAX_CONNECTIONS_DEFAULT: Final = Default(DEFAULT_MAX_CONNECTIONS)

DEFAULT_MAX_RESPONSE_SIZE: Final = 64 * 1024 * 1024
"""The largest response body accepted (bytes, after decompression): hundreds of times the
largest real page (a full 200-item page, benchmarks/RESULTS.md W4), and small enough that a
hostile or broken server cannot exhaust a worker's memory."""

DEFAULT_MAX_IN_FLIGHT: Final = 8
"""Requests handed to httpx at once; more callers queue in the client. httpx's pool gets slower
per request as the requests it juggles grow (its bookkeeping scans them all), and 8 is where
throughput peaked on loopback (figures: benchmarks/RESULTS.md, "in-flight cap"). Eight in flight
at a 100 ms round trip still allow 80 req/s, above Genesys's usual per-token limits; raise it
for slow links with a generous limit."""


def check_timeout(value: object) -> httpx.Timeout:
    if isinstance(value, httpx.Timeout):
        for name in ("connect", "read", "write", "pool"):
            part = getattr(value, name)
            if part is not None:
                check_seconds(f"timeout.{name}", part)
        return value
    if value is None:
        return httpx.Timeout(None)
    if not is_finite_number(value) or value <= 0:  # type: ignore[operator]
        msg = (
            "timeout must be a finite number of seconds > 0, an httpx.Timeout or None, "
            f"got {value!r}"
        )
        raise ValueError(msg)
    return httpx.Timeout(float(value))  # type: ignore[arg-type]


def attempt_timeout(timeout: httpx.Timeout) -> float | None:
    """How long one attempt may take as a whole, its body included: the read timeout.

    httpx's timeouts bound each network operation; a body that trickles in a byte at a time
    satisfies every one of them for ever. So the whole attempt gets a deadline too: with a
    plain `timeout=30.0` (all four equal), each attempt ends within 30 s.
    """
    return timeout.read


def make_transport(
    transport: str | httpx.AsyncBaseTransport | None, limits: httpx.Limits
) -> httpx.AsyncBaseTransport | None:
    """The transport for a client-owned httpx.AsyncClient.

    None: `PinnedTransport` (httpcore's HTTP/1.1 connections without its pool's bookkeeping),
    or httpx's own transport when the environment names a proxy (`HTTPS_PROXY`, `ALL_PROXY`,
    ...), which httpx honours only with its own transport;
    "httpx": httpx's own transport and pool (returned as None: httpx's default); "aiohttp":
    `AiohttpTransport`; a transport object: itself.
    """
    if transport is None:
        if environment_proxies():
            # httpx mounts the proxies of the environment only on its own transport
            return None
        from ._pinned import PinnedTransport

        return PinnedTransport(limits)
    if transport == "httpx":
        return None
    if isinstance(transport, httpx.AsyncBaseTransport):
        return transport
    if transport == "aiohttp":
        try:
            from ._aiohttp import AiohttpTransport
        except ImportError:
            msg = (
                "transport='aiohttp' needs the aiohttp extra: pip install 'journey-async[aiohttp]'"
            )
            raise ValueError(msg) from None
        return AiohttpTransport(limits)
    msg = (
        "transport must be None, 'httpx', 'aiohttp' or an httpx.AsyncBaseTransport, "
        f"got {transport!r}"
    )
    raise ValueError(msg)


def environment_proxies() -> bool:
    """Whether the environment names a proxy (`HTTP(S)_PROXY`, `ALL_PROXY`, any case), as
    httpx reads them (through `urllib.request.getproxies`)."""
    proxies = urllib.request.getproxies()
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


def current_loop() -> object:
    """The running event loop (asyncio) or run (trio): what a client's resources belong to."""
    if sniffio.thread_local.name is None and sniffio.current_async_library_cvar.get() is None:
        # What `sniffio.current_async_library()` would call asyncio, without its search for
        # the current task (a Python call on 3.11, made on every request).
        loop = asyncio._get_running_loop()
        if loop is not None:
            return loop
    library = sniffio.current_async_library()
    if library == "asyncio":
        return asyncio.get_running_loop()
    if library == "trio":
        import trio

        return trio.lowlevel.current_root_task()
    return library
