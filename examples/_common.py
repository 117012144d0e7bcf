"""Shared by the examples: a client against the fake API, or a real org when configured.

Set GENESYSCLOUD_ACCESS_TOKEN (or GENESYSCLOUD_OAUTHCLIENT_ID and _SECRET) and
GENESYSCLOUD_REGION to run an example against a real Genesys Cloud org instead of the fake.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

import httpx

from journey_async import JourneyClient
from journey_async.testing import FakeJourneyApi


def real_org() -> bool:
    return bool(
        os.environ.get("GENESYSCLOUD_ACCESS_TOKEN") or os.environ.get("GENESYSCLOUD_OAUTHCLIENT_ID")
    )


@contextlib.asynccontextmanager
async def client_and_fake(
    **fake_options: int,
) -> AsyncIterator[tuple[JourneyClient, FakeJourneyApi]]:
    """A JourneyClient on the in-process fake (or the real org), and the fake for its ids."""
    api = FakeJourneyApi(seed=7, **fake_options)
    if real_org():
        async with JourneyClient.from_env() as client:
            yield client, api
        return
    async with (
        httpx.AsyncClient(transport=api.transport()) as http,
        JourneyClient(
            "fake-token", base_url="https://api.fake.invalid", http_client=http
        ) as client,
    ):
        yield client, api
