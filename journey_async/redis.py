"""Rate limits and tokens shared by a fleet of processes and machines, in Redis.

`pip install 'journey-async[redis]'` (redis-py's asyncio client; asyncio only):

```python
from journey_async import ClientCredentials, JourneyClient
from journey_async.redis import RedisRateLimit, RedisTokenCache

redis_url = "redis://127.0.0.1:6379/0"
credentials = ClientCredentials(client_id, secret, token_cache=RedisTokenCache(redis_url))
limit = RedisRateLimit(redis_url, rate=300, per=60.0)
async with JourneyClient(credentials, rate_limit=limit) as client:
    ...
```

* `RedisRateLimit`: Genesys's limit per token (300 requests a minute by default) kept for the
  whole fleet: GCRA in one atomic script with the Redis server's clock; a 429 with
  `Retry-After` pauses every process using that token.
* `RedisTokenCache`: the fleet shares `ClientCredentials` tokens: one grant at a time, each
  token fetched once, compare-and-delete on `invalidate`. It stores access tokens (never the
  client secret): protect Redis with an ACL user limited to the key prefix, and TLS
  (`rediss://`).

If Redis does not answer, requests go on with the in-process gate and token cache; each Redis
object logs one WARNING per outage and uses Redis again once it answers.
"""

from __future__ import annotations


def _require_redis() -> None:
    """Fail with the extra's name, not a bare `No module named 'redis'`."""
    try:
        import redis.asyncio  # noqa: F401 - the modules below use it
    except ImportError as exc:  # pragma: no cover - the test extra installs redis
        msg = (
            "journey_async.redis needs redis-py (>= 5): install the extra with "
            "`pip install 'journey-async[redis]'`"
        )
        raise ImportError(msg) from exc


_require_redis()

from ._redis_limit import RedisRateLimit  # noqa: E402 - after the check above
from ._redis_tokens import RedisTokenCache  # noqa: E402

__all__ = ["RedisRateLimit", "RedisTokenCache"]

for _cls in (RedisRateLimit, RedisTokenCache):
    _cls.__module__ = "journey_async.redis"
del _cls
