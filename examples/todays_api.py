"""Today's Journey API (SDK 269): a contact's journey, segment definitions, an aggregates job.

    python examples/todays_api.py [CONTACT_ID]

1. every session of an external contact, and the events of each, streamed page by page;
2. the contact's segment assignments (one unpaged answer);
3. the segment definitions: list the active ones, create one, rename it, delete it;
4. an asynchronous aggregates query: submitted, awaited and streamed in one call.

Runs against the built-in fake; set the GENESYSCLOUD_* variables (see `_common.py`) to run it
against a real org (step 3 then really creates, renames and deletes a segment).
"""

from __future__ import annotations

import sys
from collections import Counter

import anyio
from _common import client_and_fake

from journey_async.models import JourneySegmentRequest, PatchSegment

QUERY = {
    "interval": "2026-11-01T00:00:00.000Z/2026-11-08T00:00:00.000Z",
    "metrics": ["nJourneySessions"],
    "groupBy": ["journeySegmentId"],
    "granularity": "P1D",
}


async def main() -> None:
    async with client_and_fake() as (client, api):
        contact_id = sys.argv[1] if len(sys.argv) > 1 else api.external_contact_ids[0]

        print(f"1. the journey of contact {contact_id}")
        async for session in client.iter_externalcontacts_contact_journey_sessions(contact_id):
            assert session.id is not None
            kinds: Counter[str] = Counter()
            async for event in client.iter_journey_session_events(session.id, page_size=200):
                kinds[(event.event_type or "?").rsplit(".", 1)[-1]] += 1
            print(f"   session {session.id} ({session.type}): {dict(kinds)}")

        print("2. its segment assignments")
        listing = await client.get_externalcontacts_contact_journey_segments(contact_id, limit=100)
        for assignment in listing.entities or []:
            segment = assignment.segment.id if assignment.segment else None
            print(f"   segment {segment} assigned {assignment.date_assigned}")

        print("3. segment definitions")
        active = [s async for s in client.iter_journey_segments(is_active=True)]
        print(f"   {len(active)} active segments")
        created = await client.post_journey_segments(
            body=JourneySegmentRequest("Example: returning buyers", is_active=False)
        )
        assert created.id is not None and created.version is not None
        renamed = await client.patch_journey_segment(
            created.id, body=PatchSegment(version=created.version, display_name="Example: loyal")
        )
        print(f"   created and renamed {renamed.id}: {renamed.display_name}")
        await client.delete_journey_segment(created.id)
        print("   deleted it again")

        print("4. an aggregates job")
        async with client.analytics_journeys_aggregates_job(QUERY, poll_interval=0.5) as results:
            async for container in results:
                days = len(container.data or [])
                print(f"   {container.group}: {days} day(s) of data")


if __name__ == "__main__":
    anyio.run(main)
