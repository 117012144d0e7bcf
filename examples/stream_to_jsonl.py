"""Stream every segment assignment of a session into a JSON Lines file, page by page.

Memory stays flat however many assignments there are: each page is written and dropped.

    python examples/stream_to_jsonl.py [SESSION_ID] [OUTPUT]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import anyio
from _common import client_and_fake

from journey_async.models import SegmentAssignment


def as_json(assignment: SegmentAssignment) -> dict[str, object]:
    return {
        "id": assignment.id,
        "state": str(assignment.state) if assignment.state else None,
        "segment": assignment.segment.id if assignment.segment else None,
        "assigned": assignment.date_assigned.isoformat() if assignment.date_assigned else None,
    }


async def main() -> None:
    async with client_and_fake(sessions=1, assignments_per_session=5_000) as (client, api):
        session_id = sys.argv[1] if len(sys.argv) > 1 else api.session_ids[0]
        output = (
            Path(sys.argv[2])
            if len(sys.argv) > 2
            else Path(tempfile.gettempdir()) / "segments.jsonl"
        )
        count = 0
        pager = client.iter_journey_session_segments(session_id, page_size=200)
        with output.open("w", encoding="utf-8") as file:
            async with pager:  # leaving early would cancel the page being prefetched
                async for page in pager.pages():
                    for assignment in page.entities or []:
                        file.write(json.dumps(as_json(assignment)) + "\n")
                        count += 1
        print(f"wrote {count} assignments of session {session_id} to {output}")
        print(f"resume later with after={pager.next_cursor!r} (None: the listing is complete)")


if __name__ == "__main__":
    anyio.run(main)
