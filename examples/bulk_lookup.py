"""Look up many sessions concurrently, keeping going when some ids do not exist.

python examples/bulk_lookup.py
"""

from __future__ import annotations

import time

import anyio
from _common import client_and_fake

from journey_async import NotFoundError


async def main() -> None:
    """`client.map` in input order with each failure in its place, then `map_unordered` in
    completion order over a lazy iterator (what a million ids from a file or a database need)."""
    async with client_and_fake(sessions=500) as (client, api):
        ids = [*api.session_ids, "no-such-session-1", "no-such-session-2"]
        started = time.perf_counter()
        results = await client.map(
            client.get_journey_session, ids, concurrency=32, return_exceptions=True
        )
        elapsed = time.perf_counter() - started
        found = [r for r in results if not isinstance(r, BaseException)]
        missing = [i for i, r in zip(ids, results, strict=True) if isinstance(r, NotFoundError)]
        others = [
            r for r in results if isinstance(r, BaseException) and not isinstance(r, NotFoundError)
        ]
        print(f"{len(found)} sessions in {elapsed:.2f} s; not found: {missing}")
        if others:  # anything but a 404 (a 403 on a real org, say): show the first
            print(f"{len(others)} other failures, the first: {others[0]!r}")

        # Completion order, with lazy input: fine for millions of ids.
        segmented = 0
        async with client.map_unordered(
            client.get_journey_session, iter(api.session_ids[:100]), concurrency=16
        ) as stream:
            async for _session_id, session in stream:
                segmented += bool(session.segment_assignments)
        print(f"{segmented} of the first 100 sessions were assigned a segment")


if __name__ == "__main__":
    anyio.run(main)
