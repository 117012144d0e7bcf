"""Where `ClientCredentials` may share its tokens: the `TokenCache` protocol and its keys.

A cache (`journey_async.redis.RedisTokenCache`) lets every process of a fleet use the tokens one
of them was granted, instead of each making its own grant. The cache holds access tokens only,
under a key derived from a hash of the login URL and the client id (so one cache serves several
OAuth clients and regions without mixing them); the client secret never leaves the process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Protocol

__all__ = ["TokenCache", "Grant", "cache_key"]

Grant = Callable[[], Awaitable[tuple[str, float]]]
"""Makes one token request: `(access token, seconds it may be used)`."""


class TokenCache(Protocol):
    """A token store shared by several `ClientCredentials` (processes, machines)."""

    async def fetch(self, key: str, grant: Grant) -> tuple[str, float]:
        """The cached token under `key` and its seconds left; or, when there is none, make
        one grant (one at a time for all users of the cache), store its token and return it.
        """
        ...

    async def invalidate(self, key: str, token: str) -> None:
        """Delete the token under `key` if it is still `token` (compare-and-delete)."""
        ...


def cache_key(login_url: str, client_id: str, member: int) -> str:
    """The cache key of one token of a client's pool: a SHA-256 of login URL and client id."""
    digest = hashlib.sha256(f"{login_url}\n{client_id}".encode()).hexdigest()[:32]
    return f"{digest}:{member}"
