"""Look up many action targets concurrently, keeping going when some ids do not exist.

python examples/bulk_lookup.py
"""

from __future__ import annotations

import time

import anyio
from _common import client_and_fake

from journey_async import NotFoundError


async def main() -> None:
    async with client_and_fake(action_targets=500) as (client, api):
        ids = [*api.action_target_ids, "no-such-target-1", "no-such-target-2"]
        started = time.perf_counter()
        results = await client.map(
            client.get_journey_actiontarget, ids, concurrency=32, return_exceptions=True
        )
        elapsed = time.perf_counter() - started
        found = [r for r in results if not isinstance(r, Exception)]
        missing = [i for i, r in zip(ids, results, strict=True) if isinstance(r, NotFoundError)]
        print(f"{len(found)} targets in {elapsed:.2f} s; not found: {missing}")

        # Completion order, with lazy input: fine for millions of ids.
        active = 0
        async with client.map_unordered(
            client.get_journey_actiontarget, iter(api.action_target_ids[:100]), concurrency=16
        ) as stream:
            async for _target_id, target in stream:
                active += target.state == "active"
        print(f"{active} of the first 100 targets are active")


if __name__ == "__main__":
    anyio.run(main)
