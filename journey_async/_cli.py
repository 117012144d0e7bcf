"""The `journey-async` command line: a demo on the built-in fake API, and real commands.

    journey-async demo
    journey-async [--region R | --base-url URL] [--token T] segments session SESSION_ID --jsonl
    journey-async actiontargets list|get ID|patch ID ...
    journey-async aggregates query FILE|-
    journey-async assign CONTACT_ID SEGMENT_ID... [--unassign]

Credentials come from `--token` or the environment (`JourneyClient.from_env`). Output is a table
for people (streamed row by row as pages arrive, with fixed column widths; long cells are cut with
an ellipsis), `--json` (one document) or `--jsonl` (one object per line, streamed as pages arrive)
for machines; progress goes to stderr when stdout is not the terminal. `--limit N` asks for pages
of at most N. `actiontargets patch` needs at least one field; `--percentage` is the API's fraction
(0.8) or a percent (80%), checked against 0..1. An API error prints one line (status, code, message,
correlation id) and exits 1; bad arguments or configuration exit 2; a network failure exits 3;
Ctrl-C exits 130. Never a traceback for those, never a secret.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio

from ._cli2026 import TODAY_SEGMENT_ACTIONS, add_segment_actions, add_today_commands, run_today
from ._cli_args import (
    INT32_MAX,
    INT64_MAX,
    Parser,
    non_empty,
    percentage,
    seconds,
    whole_number,
)
from ._cli_demo import demo
from ._cli_output import (
    SEGMENT_COLUMNS,
    TARGET_COLUMNS,
    Output,
    _plain,
    aggregate_rows,
    render_table,
)
from ._client import JourneyClient
from ._exceptions import ApiError, JourneyError, TransportError
from ._version import __version__
from .models import (
    PatchActionTarget,
    SegmentAssignmentsUpdate,
    ServiceLevel,
)

__all__ = ["main"]

EXIT_API, EXIT_USAGE, EXIT_TRANSPORT, EXIT_INTERRUPTED = 1, 2, 3, 130


# ---------------------------------------------------------------------------------------------
# Commands

SEGMENTS_MAX_PAGE_SIZE = 200  # "Maximum of 200" (the API reference); also the default
TARGETS_PAGE_SIZE = 100  # no documented maximum; 100 a request by default
PATCH_FIELDS = ("name", "percentage", "duration_ms", "short_abandon_threshold")
PATCH_OPTIONS = "--name, --percentage, --duration-ms, --short-abandon-threshold"


async def _stream(pager: Any, out: Output) -> None:
    async with pager:
        async for page in pager.pages():
            for item in page.entities or []:
                out.add(item)
            out.flush()
    out.finish()


def _page_size(args: argparse.Namespace, default: int) -> int:
    """`--page-size`, else the default, but no bigger than `--limit` needs."""
    if args.page_size is not None:
        return int(args.page_size)
    if args.limit is not None:
        return max(1, min(int(args.limit), default))
    return default


def check_args(args: argparse.Namespace) -> str | None:
    """What is wrong with arguments that argparse cannot check alone, or None."""
    if args.command == "segments" and args.kind not in TODAY_SEGMENT_ACTIONS:
        wanted = 2 if args.kind == "customer" else 1
        if len(args.ids) != wanted:
            what = "ID_TYPE and CUSTOMER_ID" if wanted == 2 else "exactly one id"
            return f"segments {args.kind} takes {what}"
    elif args.command == "actiontargets" and args.action == "patch":
        given = [name for name in PATCH_FIELDS if getattr(args, name) is not None]
        if args.body and given:
            options = ", ".join("--" + name.replace("_", "-") for name in given)
            return f"--body cannot be combined with {options}: put those fields in the body"
        if not args.body and not given:
            return (
                f"actiontargets patch needs something to change: give {PATCH_OPTIONS} "
                "(any of them), or --body FILE"
            )
    return None


async def run_command(args: argparse.Namespace, client: JourneyClient) -> int:
    """Run one of the real commands against `client`."""
    fmt = args.format
    problem = check_args(args)
    if problem is not None:
        return _usage(problem)
    done = await run_today(args, client, _read_json)
    if done is not None:
        return done
    if args.command == "segments":
        common = {
            "page_size": _page_size(args, SEGMENTS_MAX_PAGE_SIZE),
            "segment_scope": args.scope,
            "assignment_state": args.state,
            "limit": args.limit,
        }
        if args.kind == "session":
            pager = client.iter_journey_session_segments(args.ids[0], **common)
        elif args.kind == "externalcontact":
            pager = client.iter_journey_externalcontact_segments(args.ids[0], **common)
        else:
            pager = client.iter_journey_customer_customer_id_segments(*args.ids, **common)
        await _stream(pager, Output(fmt, SEGMENT_COLUMNS))
    elif args.command == "actiontargets":
        out = Output(fmt, TARGET_COLUMNS, single=args.action != "list")
        if args.action == "list":
            page_size = _page_size(args, TARGETS_PAGE_SIZE)
            await _stream(
                client.iter_journey_actiontargets(page_size=page_size, limit=args.limit), out
            )
        elif args.action == "get":
            out.add(await client.get_journey_actiontarget(args.id))
            out.finish()
        else:
            body: PatchActionTarget | dict[str, Any]
            if args.body:
                body = _read_json(args.body)
            else:
                level = None
                if args.percentage is not None or args.duration_ms is not None:
                    level = ServiceLevel(percentage=args.percentage, duration_ms=args.duration_ms)
                body = PatchActionTarget(
                    name=args.name,
                    service_level=level,
                    short_abandon_threshold=args.short_abandon_threshold,
                )
            out.add(await client.patch_journey_actiontarget(args.id, body=body))
            out.finish()
    elif args.command == "aggregates":
        query = _read_json(args.file)
        result = await client.post_analytics_journeys_aggregates_query(query)
        if fmt == "table":
            sys.stdout.write(
                render_table(["group", "interval", "metric", "value"], aggregate_rows(result))
            )
        else:
            text = json.dumps(
                _plain(result), ensure_ascii=False, indent=None if fmt == "jsonl" else 2
            )
            sys.stdout.write(text + "\n")
    elif args.command == "assign":
        state = "Unassigned" if args.unassign else "Assigned"
        updates = [SegmentAssignmentsUpdate(segment_id, state) for segment_id in args.segment_ids]
        await client.post_journey_externalcontact_segments(args.contact_id, body=updates)
        print(f"{state.lower()} {len(updates)} segment(s) for external contact {args.contact_id}")
    return 0


def _read_json(source: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        data = json.loads(text)
    except OSError as exc:
        msg = f"cannot read {source}: {exc.strerror}"
        raise _UsageError(msg) from None
    except ValueError as exc:
        msg = f"{source} is not valid JSON: {exc}"
        raise _UsageError(msg) from None
    if not isinstance(data, dict):
        msg = f"{source} must hold a JSON object"
        raise _UsageError(msg)
    return data


class _UsageError(Exception):
    pass


def _usage(message: str) -> int:
    print(f"journey-async: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def describe_error(exc: BaseException) -> str:
    """One line for an error: status, code, message, correlation id; never a secret."""
    if isinstance(exc, ApiError):
        parts = [f"{exc.status}"]
        if exc.code:
            parts.append(exc.code)
        line = " ".join(parts) + (f": {exc.message}" if exc.message else "")
        if exc.correlation_id:
            line += f" (correlation id {exc.correlation_id})"
        return line
    return str(exc)


# ---------------------------------------------------------------------------------------------
# The demo


# ---------------------------------------------------------------------------------------------
# Arguments and entry point


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="journey-async",
        description="Genesys Cloud Journey API from the command line (asyncio client).",
        epilog="Exit codes: 0 done, 1 the API answered an error, 2 bad arguments or "
        "configuration, 3 network failure, 130 interrupted (Ctrl-C).",
    )
    parser.add_argument("--version", action="version", version=f"journey-async {__version__}")
    parser.add_argument(
        "--region", help="Genesys Cloud domain or AWS region (default: GENESYSCLOUD_REGION)"
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="API base URL (a proxy, a gateway, the fake API)"
    )
    parser.add_argument(
        "--token", help="a bearer token (default: credentials from the environment)"
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log retries (-v) and requests (-vv)"
    )
    json_help = "print one JSON document (the API's camelCase fields) instead of a table"
    jsonl_help = "print one JSON object per line, as pages arrive, instead of a table"
    formats = parser.add_mutually_exclusive_group()
    formats.add_argument(
        "--json", dest="format", action="store_const", const="json", help=json_help
    )
    formats.add_argument(
        "--jsonl", dest="format", action="store_const", const="jsonl", help=jsonl_help
    )
    parser.set_defaults(format="table")
    commands = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="COMMAND",
        help="what to do (each command has its own --help)",
    )

    demo_cmd = commands.add_parser(
        "demo",
        help="run the main jobs against the built-in fake API",
        description="Stream, bulk-look-up and query against the built-in fake API, in-process.",
    )
    demo_cmd.add_argument(
        "--assignments",
        type=whole_number(1),
        default=300_000,
        metavar="N",
        help="segment assignments to stream (default: 300,000)",
    )
    demo_cmd.add_argument(
        "--targets",
        type=whole_number(1),
        default=2_000,
        metavar="N",
        help="action targets to look up (default: 2,000)",
    )

    def output_options(cmd: argparse.ArgumentParser) -> None:
        group = cmd.add_mutually_exclusive_group()
        # SUPPRESS: an option not given here must not overwrite one given before the command.
        group.add_argument(
            "--json",
            dest="format",
            action="store_const",
            const="json",
            default=argparse.SUPPRESS,
            help=json_help,
        )
        group.add_argument(
            "--jsonl",
            dest="format",
            action="store_const",
            const="jsonl",
            default=argparse.SUPPRESS,
            help=jsonl_help,
        )

    limit_help = "stop after N items; no request is made for more (default: all)"

    segments = commands.add_parser(
        "segments",
        help="segment definitions (list, get, create, patch, delete); the retired 2020 "
        "assignment listings (session, customer, externalcontact)",
        description="Today's segment definitions, or stream the segment assignments of a "
        "session, customer or external contact through the 2020 endpoints (retired from the "
        "live API; for proxies and fakes that serve them).",
    )
    kinds = segments.add_subparsers(
        dest="kind", required=True, metavar="ACTION", help="what to do, or whose assignments"
    )
    add_segment_actions(kinds, output_options, limit_help)
    for kind, whose, ids_help in (
        ("session", "a session", "SESSION_ID"),
        ("customer", "a customer", "ID_TYPE CUSTOMER_ID (e.g. cookie 1234)"),
        ("externalcontact", "an external contact", "CONTACT_ID"),
    ):
        old = kinds.add_parser(
            kind,
            help=f"stream the segment assignments of {whose} (2020 API, retired)",
            description=f"Stream the segment assignments of {whose} (2020 API, retired).",
        )
        old.add_argument("ids", nargs="+", metavar="ID", help=ids_help)
        old.add_argument(
            "--page-size",
            type=whole_number(1, SEGMENTS_MAX_PAGE_SIZE),
            metavar="N",
            help=f"items per request, 1 to {SEGMENTS_MAX_PAGE_SIZE} "
            f"(default: {SEGMENTS_MAX_PAGE_SIZE}, or --limit if smaller)",
        )
        old.add_argument(
            "--scope", choices=("Session", "Customer"), help="only segments of this scope"
        )
        old.add_argument(
            "--state", choices=("Assigned", "Unassigned"), help="only assignments in this state"
        )
        old.add_argument("--limit", type=whole_number(0), metavar="N", help=limit_help)
        output_options(old)
    add_today_commands(commands, output_options, limit_help)

    targets = commands.add_parser(
        "actiontargets",
        help="list, get or patch action targets",
        description="List, get or patch action targets.",
    )
    actions = targets.add_subparsers(
        dest="action", required=True, metavar="ACTION", help="what to do with action targets"
    )
    listing = actions.add_parser(
        "list", help="list every action target (all pages)", description="List action targets."
    )
    listing.add_argument(
        "--page-size",
        type=whole_number(1, INT32_MAX),
        metavar="N",
        help=f"items per request (default: {TARGETS_PAGE_SIZE}, or --limit if smaller)",
    )
    listing.add_argument("--limit", type=whole_number(0), metavar="N", help=limit_help)
    output_options(listing)
    get = actions.add_parser(
        "get", help="show one action target", description="Show one action target."
    )
    get.add_argument("id", help="the action target's id")
    output_options(get)
    patch = actions.add_parser(
        "patch",
        help="change an action target's name, service level or short-abandon threshold",
        description="Change fields of an action target: give at least one of "
        f"{PATCH_OPTIONS}, or the whole PATCH body with --body. The service level is "
        "'PERCENTAGE of offers handled within DURATION_MS'. Prints the target as changed.",
    )
    patch.add_argument("id", help="the action target's id")
    patch.add_argument("--name", type=non_empty, help="new display name")
    patch.add_argument(
        "--percentage",
        type=percentage,
        metavar="P",
        help="service-level goal: share of offers handled within the service-level time, as "
        "a fraction from 0 to 1 (0.8) or a percentage (80%%)",
    )
    patch.add_argument(
        "--duration-ms",
        type=whole_number(0, INT64_MAX),
        metavar="MS",
        help="service-level time target, in milliseconds (20000 for 20 s)",
    )
    patch.add_argument(
        "--short-abandon-threshold",
        type=whole_number(0, INT32_MAX),
        metavar="N",
        help="short-abandon threshold, a whole number of 0 or more",
    )
    patch.add_argument(
        "--body",
        metavar="FILE",
        help="a JSON file with the whole PATCH body (camelCase), or - for stdin; "
        "not combined with the field options",
    )
    output_options(patch)

    aggregates = commands.add_parser(
        "aggregates",
        help="run a journey aggregates query, or an aggregates job",
        description="Run a journey aggregates query (POST /api/v2/analytics/journeys/aggregates"
        "/query), or submit it as an asynchronous job, wait for it and stream its results "
        "(job; --jsonl gives one result container per line).",
    )
    aggregates.add_argument(
        "action", choices=("query", "job"), help="query (at once) or job (asynchronous)"
    )
    aggregates.add_argument("file", help="a JSON file with the query, or - for stdin")
    aggregates.add_argument(
        "--poll-interval",
        type=seconds,
        default=2.0,
        metavar="S",
        help="job: seconds between the first status polls, 1.5x longer each time (default 2)",
    )
    aggregates.add_argument(
        "--timeout",
        type=seconds,
        default=600.0,
        metavar="S",
        help="job: give up (and delete the job) after S seconds (default 600)",
    )
    output_options(aggregates)

    assign = commands.add_parser(
        "assign",
        help="assign (or --unassign) segments of a contact",
        description="Assign segments to an external contact, or unassign them.",
    )
    assign.add_argument("contact_id", metavar="CONTACT_ID", help="the external contact's id")
    assign.add_argument(
        "segment_ids", nargs="+", metavar="SEGMENT_ID", help="the segments to (un)assign"
    )
    assign.add_argument(
        "--unassign", action="store_true", help="set the segments to Unassigned instead"
    )
    return parser


def _make_client(args: argparse.Namespace) -> JourneyClient:
    options: dict[str, Any] = {}
    if args.base_url:
        options["base_url"] = args.base_url
    elif args.region:
        options["region"] = args.region
    if args.token:
        if not args.base_url and not args.region:
            options["region"] = os.environ.get("GENESYSCLOUD_REGION") or "mypurecloud.com"
        return JourneyClient(args.token, **options)
    return JourneyClient.from_env(**options)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `journey-async` and `python -m journey_async`."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "demo":
        problem = check_args(args)
        if problem is not None:
            return _usage(problem)
    if args.verbose:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("journey-async: %(message)s"))
        library_logger = logging.getLogger("journey_async")
        library_logger.addHandler(handler)
        library_logger.setLevel(logging.INFO if args.verbose == 1 else logging.DEBUG)
    try:
        if args.command == "demo":
            return anyio.run(demo, args.assignments, args.targets, sys.stdout)

        async def run() -> int:
            async with _make_client(args) as client:
                return await run_command(args, client)

        return anyio.run(run)
    except KeyboardInterrupt:
        print("\njourney-async: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ApiError as exc:
        print(f"journey-async: error: {describe_error(exc)}", file=sys.stderr)
        return EXIT_API
    except TransportError as exc:
        print(f"journey-async: network error: {exc}", file=sys.stderr)
        return EXIT_TRANSPORT
    except (JourneyError, ValueError, _UsageError) as exc:
        print(f"journey-async: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `journey-async ... | head`
        return 0
