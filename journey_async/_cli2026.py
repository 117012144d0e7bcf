"""Today's commands of the command line (the Journey API of SDK 269).

    journey-async contact sessions|segments CONTACT_ID [--include-merged]
    journey-async session get|events SESSION_ID [--event-type TYPE ...]
    journey-async segments list|get ID|create --body FILE|patch ID --body FILE|delete ID
    journey-async aggregates job FILE|- [--poll-interval S] [--timeout S]

Listings stream as the pages arrive (`--jsonl` for one object per line); `segments create` and
`patch` take the API's camelCase JSON body from a file or stdin.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from ._cli_args import whole_number
from ._cli_output import GUID, Column, Output, _when, aggregate_rows, render_table
from ._client import JourneyClient

__all__ = ["add_today_commands", "add_segment_actions", "run_today", "TODAY_SEGMENT_ACTIONS"]

TODAY_SEGMENT_ACTIONS = ("list", "get", "create", "patch", "delete")
"""`segments` actions of today's API (the 2020 kinds session/customer/externalcontact stream
assignments)."""

EVENT_TYPES = (
    "com.genesys.journey.OutcomeAchievedEvent",
    "com.genesys.journey.SegmentAssignmentEvent",
    "com.genesys.journey.WebActionEvent",
    "com.genesys.journey.WebEvent",
    "com.genesys.journey.AppEvent",
)
WHEN = len("2020-11-01T00:00:00Z")

SESSION_COLUMNS: list[Column] = [
    ("id", lambda s: s.id, GUID),
    ("type", lambda s: s.type, 10),
    ("created", lambda s: _when(s.created_date), WHEN),
    ("ended", lambda s: _when(s.ended_date), WHEN),
    ("last event", lambda s: s.last_event.event_name if s.last_event else None, 24),
]
EVENT_COLUMNS: list[Column] = [
    ("id", lambda e: e.id, GUID),
    ("type", lambda e: (e.event_type or "").rsplit(".", 1)[-1], len("SegmentAssignmentEvent")),
    ("created", lambda e: _when(e.created_date), WHEN),
    ("session", lambda e: e.session.id if e.session else None, GUID),
]
JOURNEY_SEGMENT_COLUMNS: list[Column] = [
    ("id", lambda s: s.id, GUID),
    ("name", lambda s: s.display_name, 32),
    ("active", lambda s: s.is_active, len("active")),
    ("scope", lambda s: s.scope, len("Customer")),
    ("version", lambda s: s.version, len("version")),
]
ASSIGNMENT_COLUMNS: list[Column] = [
    ("segment", lambda a: a.segment.id if a.segment else None, GUID),
    ("assigned", lambda a: _when(a.date_assigned), WHEN),
    ("unassign on", lambda a: _when(a.date_for_unassignment), WHEN),
    ("session", lambda a: a.session.id if a.session else None, GUID),
]


def add_segment_actions(
    actions: Any, output_options: Callable[[argparse.ArgumentParser], None], limit_help: str
) -> None:
    """`segments list|get|create|patch|delete` (today's segment definitions)."""
    listing = actions.add_parser(
        "list", help="list segment definitions (today's API)", description="List segments."
    )
    active = listing.add_mutually_exclusive_group()
    active.add_argument(
        "--active", dest="is_active", action="store_const", const=True, help="active ones only"
    )
    active.add_argument(
        "--inactive", dest="is_active", action="store_const", const=False, help="inactive only"
    )
    listing.add_argument("--limit", type=whole_number(0), metavar="N", help=limit_help)
    output_options(listing)
    get = actions.add_parser("get", help="show one segment", description="Show one segment.")
    get.add_argument("id", help="the segment's id")
    output_options(get)
    create = actions.add_parser(
        "create", help="create a segment", description="Create a segment from a JSON body."
    )
    create.add_argument("--body", required=True, metavar="FILE", help="JSON file, or - (stdin)")
    output_options(create)
    patch = actions.add_parser(
        "patch", help="change a segment", description="Change a segment (JSON body, `version`)."
    )
    patch.add_argument("id", help="the segment's id")
    patch.add_argument("--body", required=True, metavar="FILE", help="JSON file, or - (stdin)")
    output_options(patch)
    delete = actions.add_parser("delete", help="delete a segment", description="Delete one.")
    delete.add_argument("id", help="the segment's id")


def add_today_commands(
    commands: Any, output_options: Callable[[argparse.ArgumentParser], None], limit_help: str
) -> None:
    """`contact ...` and `session ...`."""
    contact = commands.add_parser(
        "contact",
        help="an external contact's sessions or segment assignments (today's API)",
        description="Stream an external contact's sessions, or list its segment assignments.",
    )
    contact.add_argument("what", choices=("sessions", "segments"), help="what to show")
    contact.add_argument("contact_id", metavar="CONTACT_ID", help="the external contact's id")
    contact.add_argument(
        "--include-merged", action="store_true", help="also the contacts merged into this one"
    )
    contact.add_argument(
        "--limit",
        type=whole_number(0),
        metavar="N",
        help=limit_help + "; for segments, at most 500 (the API's default is 25)",
    )
    output_options(contact)

    session = commands.add_parser(
        "session",
        help="a session, or stream its events (today's API)",
        description="Show a session, or stream its events.",
    )
    session.add_argument("what", choices=("get", "events"), help="the session, or its events")
    session.add_argument("session_id", metavar="SESSION_ID", help="the session's id")
    session.add_argument(
        "--event-type",
        action="append",
        choices=EVENT_TYPES,
        metavar="TYPE",
        help="only events of this type (repeatable): " + ", ".join(EVENT_TYPES),
    )
    session.add_argument("--limit", type=whole_number(0), metavar="N", help=limit_help)
    output_options(session)


async def run_today(
    args: argparse.Namespace, client: JourneyClient, read_json: Callable[[str], Any]
) -> int | None:
    """Run one of today's commands; None when `args` is not one of them."""
    fmt = args.format
    command = args.command
    if command == "contact":
        if args.what == "sessions":
            pager = client.iter_externalcontacts_contact_journey_sessions(
                args.contact_id,
                page_size=min(args.limit, 200) if args.limit else 200,
                include_merged=args.include_merged or None,
                limit=args.limit,
            )
            await stream(pager, Output(fmt, SESSION_COLUMNS))
        else:
            out = Output(fmt, ASSIGNMENT_COLUMNS)
            listing = await client.get_externalcontacts_contact_journey_segments(
                args.contact_id, include_merged=args.include_merged or None, limit=args.limit
            )
            for item in listing.entities or []:
                out.add(item)
            out.finish()
    elif command == "session":
        if args.what == "get":
            out = Output(fmt, SESSION_COLUMNS, single=True)
            out.add(await client.get_journey_session(args.session_id))
            out.finish()
        else:
            events = client.iter_journey_session_events(
                args.session_id,
                page_size=min(args.limit, 200) if args.limit else 200,
                event_type=args.event_type,
                limit=args.limit,
            )
            await stream(events, Output(fmt, EVENT_COLUMNS))
    elif command == "segments" and args.kind in TODAY_SEGMENT_ACTIONS:
        await _segments(args, client, read_json)
    elif command == "aggregates" and args.action == "job":
        await _aggregates_job(args, client, read_json)
    else:
        return None
    return 0


async def _segments(
    args: argparse.Namespace, client: JourneyClient, read_json: Callable[[str], Any]
) -> None:
    action = args.kind
    if action == "list":
        pager = client.iter_journey_segments(
            page_size=min(args.limit, 100) if args.limit else 100,
            is_active=args.is_active,
            limit=args.limit,
        )
        await stream(pager, Output(args.format, JOURNEY_SEGMENT_COLUMNS))
        return
    if action == "delete":
        await client.delete_journey_segment(args.id)
        print(f"deleted segment {args.id}")
        return
    out = Output(args.format, JOURNEY_SEGMENT_COLUMNS, single=True)
    if action == "get":
        out.add(await client.get_journey_segment(args.id))
    elif action == "create":
        out.add(await client.post_journey_segments(body=read_json(args.body)))
    else:
        out.add(await client.patch_journey_segment(args.id, body=read_json(args.body)))
    out.finish()


async def _aggregates_job(
    args: argparse.Namespace, client: JourneyClient, read_json: Callable[[str], Any]
) -> None:
    """Submit the job, wait for it, stream its result containers (a table of metric rows)."""
    query = read_json(args.file)
    results = client.analytics_journeys_aggregates_job(
        query, poll_interval=args.poll_interval, timeout=args.timeout
    )
    if args.format == "table":
        rows: list[list[str]] = []
        async with results:
            async for page in results.pages():
                rows.extend(aggregate_rows(page))
        sys.stdout.write(render_table(["group", "interval", "metric", "value"], rows))
        return
    await stream(results, Output(args.format, []), items="results")


async def stream(pager: Any, out: Output, items: str = "entities") -> None:
    """Write every item of `pager`, page by page, flushing after each page."""
    async with pager:
        async for page in pager.pages():
            for item in getattr(page, items) or []:
                out.add(item)
            out.flush()
    out.finish()
