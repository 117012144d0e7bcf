"""`journey_async._direct`: requests built without `build_request` are the same requests, and
sending straight to the transport gives responses and errors that know their request."""

from __future__ import annotations

import httpx
import pytest

from journey_async import JourneyClient
from journey_async._direct import Direct

BASES = ["http://127.0.0.1:8080", "https://api.mypurecloud.ie", "https://u:p@gw.example:8443/pre"]
CASES = [
    ("GET", "/api/v2/journey/actiontargets/t-1", {"Accept": "application/json"}, None),
    ("GET", "/api/v2/x/t%2F1?pageSize=10&after=a%2Bb+c", {"Accept": "a", "User-Agent": "u"}, None),
    ("POST", "/api/v2/x", {"Content-Type": "application/json"}, b'{"a": 1}'),
    ("POST", "/api/v2/x", {}, None),
    ("PATCH", "/api/v2/x/1", {}, b""),
    ("DELETE", "/api/v2/x/1", {}, None),
    ("GET", "/api/v2/not encoded é?x=<>&y=%zz", {}, None),  # parsed the slow way
]


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize(("method", "target", "headers", "content"), CASES)
def test_direct_build_is_build_request(base, method, target, headers, content):
    """Same method, URL (parsed form included), headers in order, body and timeout."""
    http = httpx.AsyncClient(timeout=httpx.Timeout(7.0, connect=3.0))
    direct = Direct(http, base)
    expected = http.build_request(method, base + target, headers=headers, content=content)
    built = direct.build(method, base + target, headers, content)
    assert built.method == expected.method
    assert built.url == expected.url
    assert built.url._uri_reference == expected.url._uri_reference
    assert built.headers.raw == expected.headers.raw
    assert built.content == expected.content
    assert built.extensions == expected.extensions


async def test_direct_send_sets_the_request_on_responses_and_errors():
    """The response knows its request; a transport error raised without one gets it."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/down"):
            raise httpx.ConnectError("refused")
        return httpx.Response(200, json={"id": "a"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    direct = Direct(http, "https://api.test.invalid")
    request = direct.build("GET", "https://api.test.invalid/api/v2/ok", {}, None)
    response = await direct.send(request)
    assert response.request is request
    request = direct.build("GET", "https://api.test.invalid/api/v2/down", {}, None)
    with pytest.raises(httpx.ConnectError) as info:
        await direct.send(request)
    assert info.value.request is request


async def test_a_callers_http_client_keeps_its_own_send():
    """A caller-owned client's event hooks still see every request (no direct send)."""
    seen: list[str] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request.url.path)

    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"id": "a"}))
    http = httpx.AsyncClient(transport=transport, event_hooks={"request": [hook]})
    async with http, JourneyClient("t", base_url="https://api.test.invalid", http_client=http) as c:
        await c.get_journey_actiontarget("a")
    assert seen == ["/api/v2/journey/actiontargets/a"]
