"""One worker process of the multi-process fleet test (run as a script, not collected).

`python fleet_worker.py '<json>'` with `base_url`, `redis_url`, `calls`, `concurrency`, `rate`,
`per` and `start_at` (a `time.time()` at which all workers begin). Prints one JSON line:
`{"ok": n, "failed": n, "grants": n}`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from journey_async import ClientCredentials, JourneyClient, JourneyError, RetryPolicy
from journey_async.redis import RedisRateLimit, RedisTokenCache


async def main(config: dict[str, object]) -> dict[str, int]:
    redis_url = str(config["redis_url"])
    cache = RedisTokenCache(redis_url)
    limit = RedisRateLimit(redis_url, rate=float(config["rate"]), per=float(config["per"]))
    credentials = ClientCredentials("fake-client-id", "fake-client-secret", token_cache=cache)
    ok = failed = 0
    async with JourneyClient(
        credentials,
        base_url=str(config["base_url"]),
        rate_limit=limit,
        retry=RetryPolicy(budget=60.0),
    ) as client:
        ids = [str(i) for i in config["ids"]]  # type: ignore[attr-defined]
        await asyncio.sleep(max(0.0, float(config["start_at"]) - time.time()))
        results = await client.map(
            client.get_journey_actiontarget,
            [ids[n % len(ids)] for n in range(int(config["calls"]))],
            concurrency=int(config["concurrency"]),
            return_exceptions=True,
        )
    for result in results:
        if isinstance(result, JourneyError):
            failed += 1
        else:
            ok += 1
    await cache.aclose()
    await limit.aclose()
    return {"ok": ok, "failed": failed, "grants": credentials.token_requests}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))))
