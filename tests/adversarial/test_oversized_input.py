"""Oversized or malformed input is refused before anything is sent.

Servers and proxies cap the request line (nginx's default `large_client_header_buffers` is 8k):
past the cap a request is answered 414 or 400, or the connection is dropped, after a round trip
and often after retries, with an error that names neither the parameter nor the limit. So:

* an id or an `after` cursor that makes the request target (path and query, as sent, that is
  percent-encoded) longer than 8,192 characters is a `ValueError` naming the limit, and no
  request reaches the transport;
* a `nextUri` longer than that in a page is a `PaginationError` (the server's fault, not the
  caller's), raised once the items of that page have been handed out;
* CR or LF in `base_url` (header injection, a mangled configuration value) is a `ValueError`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import respx

from journey_async import JourneyClient
from journey_async.errors import PaginationError

pytestmark = pytest.mark.anyio

TOKEN = "test-token-3f9a"
LIMIT = r"8,?192"  # the limit, as a message may write it
SESSION_PATH = "/api/v2/journey/sessions/s1/segments"

Call = Callable[[JourneyClient, str], Awaitable[Any]]

ID_OPERATIONS: dict[str, Call] = {
    "get_journey_actiontarget": lambda c, id_: c.get_journey_actiontarget(id_),
    "patch_journey_actiontarget": lambda c, id_: c.patch_journey_actiontarget(
        id_, body={"name": "x"}
    ),
    "get_journey_session_segments": lambda c, id_: c.get_journey_session_segments(id_),
    "get_journey_externalcontact_segments": lambda c, id_: c.get_journey_externalcontact_segments(
        id_
    ),
    "get_journey_customer_customer_id_segments": lambda c, id_: (
        c.get_journey_customer_customer_id_segments("cookie", id_)
    ),
    "post_journey_externalcontact_segments": lambda c, id_: c.post_journey_externalcontact_segments(
        id_, body=[{"segmentId": "s1", "state": "Assigned"}]
    ),
}


def segment(n: int) -> dict[str, Any]:
    return {"id": f"a{n}", "state": "Assigned"}


@pytest.mark.parametrize("call", ID_OPERATIONS.values(), ids=ID_OPERATIONS.keys())
async def test_a_10000_character_id_is_a_value_error_before_sending(
    router: respx.Router, client: JourneyClient, call: Call
):
    """An id of 10,000 characters is a ValueError naming the 8,192 limit; nothing is sent."""
    route = router.route().respond(200, json={})

    with pytest.raises(ValueError, match=LIMIT):
        await call(client, "x" * 10_000)

    assert not route.called


async def test_an_id_that_grows_past_the_limit_when_encoded_is_refused(
    router: respx.Router, client: JourneyClient
):
    """3,000 slashes fit raw but not as `%2F` x 3,000 on the wire: ValueError, nothing sent."""
    route = router.route().respond(200, json={})

    with pytest.raises(ValueError, match=LIMIT):
        await client.get_journey_actiontarget("/" * 3_000)

    assert not route.called


async def test_an_id_within_the_limit_is_sent(router: respx.Router, client: JourneyClient):
    """An id of 8,000 characters makes a target under 8,192 and is sent as usual."""
    long_id = "x" * 8_000
    route = router.get(f"/api/v2/journey/actiontargets/{long_id}").respond(
        200, json={"id": long_id}
    )

    target = await client.get_journey_actiontarget(long_id)

    assert target.id == long_id
    assert route.call_count == 1


async def test_a_10000_character_after_cursor_is_a_value_error_before_sending(
    router: respx.Router, client: JourneyClient
):
    """`after` of 10,000 characters is a ValueError naming the limit; nothing is sent."""
    route = router.route().respond(200, json={"entities": []})

    with pytest.raises(ValueError, match=LIMIT):
        await client.get_journey_session_segments("s1", after="c" * 10_000)

    assert not route.called


async def test_a_pager_resumed_from_a_10000_character_cursor_is_refused(
    router: respx.Router, client: JourneyClient
):
    """`iter_...(after=<10,000 characters>)` raises ValueError naming the limit; nothing is sent."""
    route = router.route().respond(200, json={"entities": []})

    with pytest.raises(ValueError, match=LIMIT):
        async with client.iter_journey_session_segments("s1", after="c" * 10_000) as pager:
            async for _ in pager:
                pass

    assert not route.called


async def test_a_next_uri_over_the_limit_is_a_pagination_error(
    router: respx.Router, client: JourneyClient
):
    """A page whose nextUri is 9,000+ characters: its items, then PaginationError; one request."""
    next_uri = f"{SESSION_PATH}?pageSize=2&after=" + "c" * 9_000
    route = router.get(SESSION_PATH).mock(
        side_effect=[
            httpx.Response(200, json={"entities": [segment(1), segment(2)], "nextUri": next_uri}),
            httpx.Response(200, json={"entities": [segment(3)]}),
        ]
    )
    seen: list[str | None] = []

    with pytest.raises(PaginationError, match=LIMIT):
        async for assignment in client.iter_journey_session_segments("s1", page_size=2):
            seen.append(assignment.id)

    assert seen == ["a1", "a2"]
    assert route.call_count == 1


@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.test.invalid\r\nX-Injected: 1",
        "https://api.test.invalid/\n",
        "https://api.test.invalid\r",
        "https://api.test.invalid/prefix\r\nHost: evil.invalid",
    ],
    ids=["crlf-after-host", "lf-at-end", "cr-at-end", "crlf-in-path"],
)
def test_cr_or_lf_in_base_url_is_a_value_error(base_url: str):
    """A base_url containing CR or LF is a ValueError at construction."""
    with pytest.raises(ValueError, match="base_url"):
        JourneyClient(TOKEN, base_url=base_url)
