"""Stream every event of a session into a JSON Lines file, page by page.

Memory stays flat however many events there are: each page is written and dropped. Each line
is the event as the API's own JSON (`to_jsonable`: camelCase, ISO 8601, unset fields left out).

    python examples/stream_to_jsonl.py [SESSION_ID] [OUTPUT]
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

import anyio
from _common import client_and_fake

from journey_async import to_jsonable


async def main() -> None:
    """Write the session's events (the fake's first session, or SESSION_ID) to OUTPUT (a file
    in the temporary directory by default), then say how many of each type, and where to
    resume."""
    async with client_and_fake(sessions=1, events_per_session=5_000) as (client, api):
        session_id = sys.argv[1] if len(sys.argv) > 1 else api.session_ids[0]
        output = (
            Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.gettempdir()) / "events.jsonl"
        )
        kinds: Counter[str] = Counter()
        pager = client.iter_journey_session_events(session_id, page_size=200)
        with output.open("w", encoding="utf-8") as file:
            async with pager:  # leaving early would cancel the page being prefetched
                async for page in pager.pages():
                    for event in page.entities or []:
                        file.write(json.dumps(to_jsonable(event), ensure_ascii=False) + "\n")
                        kinds[(event.event_type or "?").rsplit(".", 1)[-1]] += 1
        print(f"wrote {kinds.total()} events of session {session_id} to {output}")
        print(f"by type: {dict(kinds.most_common())}")
        print(f"resume later with after={pager.next_cursor!r} (None: the listing is complete)")


if __name__ == "__main__":
    anyio.run(main)
