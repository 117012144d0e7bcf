"""`RateLimit` (in-process pacing per token) through a client, on asyncio and on trio."""

from __future__ import annotations

import httpx
import pytest

from journey_async import ClientCredentials, JourneyClient, RateLimit, RateLimitError, RetryPolicy
from journey_async._ratelimit import token_key
from journey_async.testing import FakeJourneyApi


@pytest.mark.anyio
async def test_rate_limit_paces_and_pauses_per_token() -> None:
    """Calls under a RateLimit succeed; a 429 pauses only its token, and a pause longer than
    the call's budget is a RateLimitError at once."""
    api = FakeJourneyApi()
    limit = RateLimit(1000, 1.0)
    credentials = ClientCredentials("fake-client-id", "fake-client-secret", pool_size=2)
    async with (
        httpx.AsyncClient(transport=api.transport()) as http,
        JourneyClient(
            credentials,
            base_url="https://api.fake.invalid",
            http_client=http,
            rate_limit=limit,
            retry=RetryPolicy(budget=5.0),
        ) as client,
    ):
        target = api.action_target_ids[0]
        results = await client.map(client.get_journey_actiontarget, [target] * 6, concurrency=3)
        assert len(results) == 6
        tokens = await credentials.get_tokens()
        await limit.pause(token_key(tokens[0]), 60.0)
        await limit.pause(token_key(tokens[1]), 60.0)
        with pytest.raises(RateLimitError) as caught:
            await client.get_journey_actiontarget(target)
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > 50
    assert api.stats.grants == 2
    assert sorted(api.stats.by_token.values()) == [3, 3]


def test_rate_limit_is_checked_by_the_client() -> None:
    """Anything but a limiter given as `rate_limit` is a TypeError naming the options."""
    with pytest.raises(TypeError, match="RedisRateLimit"):
        JourneyClient("token", rate_limit=300)  # type: ignore[arg-type]
