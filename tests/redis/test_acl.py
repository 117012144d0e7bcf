"""The README's `ACL SETUSER` line is enough: a Redis user made with it (keys under the prefix,
only the commands named) runs the rate limit and the token cache without one refusal."""

from __future__ import annotations

import asyncio
import re
import shlex
from pathlib import Path

from _fleet import process
from _redis_server import RedisServer
from redis.asyncio import Redis

from journey_async._redis_limit import HOLD
from journey_async.redis import RedisRateLimit, RedisTokenCache
from journey_async.testing import FakeJourneyApi

README = Path(__file__).resolve().parents[2] / "README.md"


def acl_line() -> list[str]:
    """The README's ACL SETUSER command, as words."""
    found = re.search(r"^ACL SETUSER .*?(?=\n```)", README.read_text(), re.S | re.M)
    assert found, "the README shows no ACL SETUSER line"
    return shlex.split(found.group(0).replace("\n", " "))


async def test_the_readme_acl_user_runs_the_limit_and_the_cache(
    own_redis_server: RedisServer,
) -> None:
    """With the README's user: turns (one by one and fetched ahead, handed back), a 429's
    pause, a shared grant and a compare-and-delete, and no outage noticed by either object."""
    admin = Redis.from_url(own_redis_server.url)
    words = acl_line()
    await admin.execute_command(*words)
    password = next(word[1:] for word in words if word.startswith(">"))
    await admin.aclose()
    url = own_redis_server.url.replace("redis://", f"redis://{words[2]}:{password}@")
    api = FakeJourneyApi()
    target = api.action_target_ids[0]
    limit = RedisRateLimit(url, rate=1e6, per=1.0)
    async with process(api, url, rate_limit=limit) as (client, credentials):
        for _ in range(40):  # quick sequential calls: turns fetched ahead too
            await client.get_journey_actiontarget(target)
        await limit.pause("some-token-key", 0.01)
        await credentials.invalidate(await credentials.get_token())
        await asyncio.sleep(2 * HOLD)  # the turns still held expire: handed back next call
        await client.get_journey_actiontarget(target)
        cache = credentials.token_cache
    assert isinstance(cache, RedisTokenCache)
    assert (limit.outages, cache.outages) == (0, 0)
    assert api.stats.grants == 2
    await limit.aclose()
