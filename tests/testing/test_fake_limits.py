"""The fake's Genesys limits: a fixed window per bearer token and a grant limit per client,
answered with Genesys's 429 body and `Retry-After`."""

from __future__ import annotations

import json

import httpx

from journey_async.testing import FakeJourneyApi

BASE = "https://api.fake.invalid"


async def get(http: httpx.AsyncClient, api: FakeJourneyApi, token: str) -> httpx.Response:
    return await http.get(
        f"{BASE}/api/v2/journey/actiontargets/{api.action_target_ids[0]}",
        headers={"Authorization": f"Bearer {token}"},
    )


async def grant(http: httpx.AsyncClient) -> httpx.Response:
    return await http.post(
        f"{BASE}/oauth/token",
        auth=("fake-client-id", "fake-client-secret"),
        data={"grant_type": "client_credentials"},
    )


async def test_token_window_answers_genesys_429_per_token() -> None:
    """Beyond N requests in a token's window: 429 with Genesys's body and whole-second
    Retry-After; another token has a window of its own."""
    api = FakeJourneyApi(tokens=("token-a", "token-b"))
    api.faults.token_rate_limit = (3, 60.0)
    async with httpx.AsyncClient(transport=api.transport()) as http:
        statuses = [(await get(http, api, "token-a")).status_code for _ in range(3)]
        limited = await get(http, api, "token-a")
        other = await get(http, api, "token-b")
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    retry_after = limited.headers["Retry-After"]
    assert retry_after.isdigit()
    assert 1 <= int(retry_after) <= 60
    body = json.loads(limited.content)
    assert body["code"] == "too.many.requests.retry.after"
    assert body["status"] == 429
    assert body["message"] == (
        f"Rate limit exceeded the maximum. Retry the request in [{retry_after}] seconds"
    )
    assert other.status_code == 200
    assert api.stats.rate_limited == 1
    assert api.stats.by_token == {"token-a": 4, "token-b": 1}


async def test_grant_limit_per_client_and_grant_counter() -> None:
    """Beyond N grants in a window the token endpoint answers 429; `stats.grants` counts
    the tokens issued."""
    api = FakeJourneyApi()
    api.faults.grant_rate_limit = (2, 60.0)
    async with httpx.AsyncClient(transport=api.transport()) as http:
        answers = [await grant(http) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[2].headers["Retry-After"].isdigit()
    assert api.stats.grants == 2
    assert api.stats.token_requests == 3


async def test_revoke_token_revokes_only_that_one() -> None:
    """`revoke_token` makes one token's calls 401 and leaves the others alone."""
    api = FakeJourneyApi(tokens=("token-a", "token-b"))
    api.revoke_token("token-a")
    async with httpx.AsyncClient(transport=api.transport()) as http:
        assert (await get(http, api, "token-a")).status_code == 401
        assert (await get(http, api, "token-b")).status_code == 200
