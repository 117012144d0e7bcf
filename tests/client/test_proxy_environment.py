"""Proxies named by the environment (`HTTP_PROXY`, ...) are honoured by the client's own httpx
client, whose default transport would otherwise bypass them: the request reaches the proxy."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from journey_async import JourneyClient
from journey_async._config import environment_proxies

TARGET = {"id": "t-1", "name": "Through the proxy"}


class _Proxy(BaseHTTPRequestHandler):
    """A forward proxy's first step, on 127.0.0.1: record the absolute-form target, answer."""

    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.seen.append(self.path)
        body = json.dumps(TARGET).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in ("HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
    _Proxy.seen = []
    try:
        yield _Proxy.seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


async def test_a_proxy_from_the_environment_carries_the_requests(proxy: list[str]) -> None:
    assert environment_proxies()
    async with JourneyClient("a-token", base_url="http://api.test.invalid", retry=None) as client:
        target = await client.get_journey_actiontarget("t-1")
    assert target.name == "Through the proxy"
    assert proxy == ["http://api.test.invalid/api/v2/journey/actiontargets/t-1"]


def test_no_proxy_in_the_environment_keeps_the_default_transport(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    assert not environment_proxies()
    client = JourneyClient("a-token", base_url="http://api.test.invalid")
    assert type(client._http._transport).__name__ == "PinnedTransport"
