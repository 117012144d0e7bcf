"""A custom token provider: tokens from your own secret store, refreshed when the API says 401.

Any object with `async get_token()` and `async invalidate(token)` works (the `TokenProvider`
protocol); a plain `async () -> str` function works too.

    python examples/custom_token_provider.py
"""

from __future__ import annotations

import anyio
import httpx

from journey_async import JourneyClient, TokenProvider
from journey_async.testing import FakeJourneyApi


class VaultTokens:
    """Reads the token from a (pretend) vault; forgets it only if it is the one that failed."""

    def __init__(self, vault: dict[str, str]) -> None:
        self._vault = vault
        self._cached: str | None = None
        self._lock = anyio.Lock()
        self.reads = 0

    async def get_token(self) -> str:
        """The cached token, read from the vault when there is none (the client calls this
        before each request, so it must be cheap)."""
        async with self._lock:  # one vault read for any number of concurrent callers
            if self._cached is None:
                self.reads += 1
                self._cached = self._vault["journey-token"]
            return self._cached

    async def invalidate(self, token: str) -> None:
        """The API refused `token` (401): drop it, unless another caller already replaced it."""
        if self._cached == token:
            self._cached = None


async def main() -> None:
    """Two segment lookups with a token rotation between them: the 401 in between makes the
    client invalidate the old token and ask the provider again, which reads the vault anew."""
    api = FakeJourneyApi(seed=3)
    vault = {"journey-token": "fake-token"}
    tokens = VaultTokens(vault)
    assert isinstance(tokens, TokenProvider)
    async with (
        httpx.AsyncClient(transport=api.transport()) as http,
        JourneyClient(tokens, base_url="https://api.fake.invalid", http_client=http) as client,
    ):
        first = await client.get_journey_segment(api.segment_ids[0])
        print(f"segment {first.display_name!r} (one vault read: {tokens.reads})")

        # The token is rotated: the old one is revoked and the vault holds a new one.
        api.revoke_tokens()
        api.add_token("rotated-token")
        vault["journey-token"] = "rotated-token"
        second = await client.get_journey_segment(api.segment_ids[1])
        print(
            f"segment {second.display_name!r} (after a 401, the provider was asked again: "
            f"{tokens.reads} reads)"
        )


if __name__ == "__main__":
    anyio.run(main)
