"""Helpers of the fleet tests: one `JourneyClient` per simulated process, on the fake API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx

from journey_async import ClientCredentials, JourneyClient, RetryPolicy
from journey_async._ratelimit import TokenLimiter
from journey_async.redis import RedisRateLimit, RedisTokenCache
from journey_async.testing import FakeJourneyApi

SECRET = "fake-client-secret"


@contextlib.asynccontextmanager
async def process(
    api: FakeJourneyApi,
    redis_url: str | None,
    *,
    rate: float | None = None,
    per: float = 1.0,
    pool_size: int = 1,
    rate_limit: TokenLimiter | None = None,
    token_cache: RedisTokenCache | None = None,
) -> AsyncIterator[tuple[JourneyClient, ClientCredentials]]:
    """What one worker process of a fleet would build: its own credentials, cache, limit."""
    cache = RedisTokenCache(redis_url) if redis_url else None
    credentials = ClientCredentials(
        api.client_id, SECRET, token_cache=token_cache or cache, pool_size=pool_size
    )
    limit = rate_limit
    own_limit = None
    if limit is None and rate is not None and redis_url:
        limit = own_limit = RedisRateLimit(redis_url, rate=rate, per=per)
    http = httpx.AsyncClient(transport=api.transport())
    client = JourneyClient(
        credentials,
        base_url="https://api.fake.invalid",
        http_client=http,
        rate_limit=limit,
        retry=RetryPolicy(budget=30.0),
    )
    try:
        async with client:
            yield client, credentials
    finally:
        await http.aclose()
        if cache is not None:
            await cache.aclose()
        if own_limit is not None:
            await own_limit.aclose()
