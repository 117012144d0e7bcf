"""The fake's rate limits: Genesys's fixed window per token and per client, a token bucket,
and the 429 they answer with (Genesys's `ErrorBody` and `Retry-After`)."""

from __future__ import annotations

import json
import math
import time

from ._server import Reply

__all__ = ["FixedWindows", "TokenBucket", "limit_reply"]


def limit_reply(retry_after: str, correlation_id: str) -> Reply:
    """Genesys's 429: `too.many.requests.retry.after`, "Retry the request in [N] seconds"."""
    body = {
        "message": f"Rate limit exceeded the maximum. Retry the request in [{retry_after}] seconds",
        "code": "too.many.requests.retry.after",
        "status": 429,
        "messageParams": {},
        "contextId": correlation_id,
        "details": [],
        "errors": [],
    }
    return 429, [("Retry-After", retry_after)], json.dumps(body).encode()


class FixedWindows:
    """Requests counted per key in fixed windows (Genesys counts per token per minute)."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, int]] = {}  # key -> (window number, requests)

    def count(self, key: str, limit: int, window: float) -> int:
        """Count one request of `key` in its window: 0 if within `limit`; over it, the whole
        seconds until the window ends (at least 1, as Genesys's `Retry-After`), not counted."""
        now = time.monotonic()
        number = int(now // window)
        seen, count = self._windows.get(key, (number, 0))
        if seen != number:
            count = 0
        if count >= limit:
            return max(1, math.ceil((number + 1) * window - now))
        self._windows[key] = (number, count + 1)
        return 0


class TokenBucket:
    """One bucket of `rate` tokens a second holding at most `burst` (`faults.rate_limit`)."""

    def __init__(self) -> None:
        self._state: tuple[float, float] | None = None  # (tokens, stamp)

    def take(self, rate: float, burst: float) -> float:
        """Take a token: 0 when there was one, else the seconds until there will be."""
        now = time.monotonic()
        tokens, stamp = self._state or (burst, now)
        tokens = min(burst, tokens + (now - stamp) * rate)
        if tokens >= 1:
            self._state = (tokens - 1, now)
            return 0.0
        self._state = (tokens, now)
        return (1 - tokens) / rate
