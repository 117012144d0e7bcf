"""The `journey-async` command line: a demo on the built-in fake API, and real commands.

    journey-async demo
    journey-async [--region R | --base-url URL] [--token T] segments session SESSION_ID --jsonl
    journey-async actiontargets list|get ID|patch ID ...
    journey-async aggregates query FILE|-
    journey-async assign CONTACT_ID SEGMENT_ID... [--unassign]

Credentials come from `--token` or the environment (`JourneyClient.from_env`). Output is a table
for people, `--json` (one document) or `--jsonl` (one object per line, streamed as pages arrive)
for machines; progress goes to stderr. An API error prints one line (status, code, message,
correlation id) and exits 1; bad arguments or configuration exit 2; a network failure exits 3;
Ctrl-C exits 130. Never a traceback for those, never a secret.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import anyio
import httpx

from ._client import JourneyClient
from ._exceptions import ApiError, JourneyError, TransportError
from ._models import (
    JourneyAggregateQueryResponse,
    JourneyAggregationQuery,
    PatchActionTarget,
    SegmentAssignmentsUpdate,
    ServiceLevel,
)
from ._retry import RetryPolicy
from ._serde import converter
from ._version import __version__

__all__ = ["main"]

EXIT_API, EXIT_USAGE, EXIT_TRANSPORT, EXIT_INTERRUPTED = 1, 2, 3, 130


# ---------------------------------------------------------------------------------------------
# Output


def _plain(model: object) -> Any:
    """A model as the API's camelCase JSON data (None fields left out)."""
    return converter.unstructure(model)


class Output:
    """Writes items as a table, one JSON document, or JSON lines; progress to stderr."""

    def __init__(
        self,
        fmt: str,
        columns: Sequence[tuple[str, Callable[[Any], object]]],
        *,
        single: bool = False,
    ) -> None:
        self.fmt = fmt
        self.single = single
        self.columns = columns
        self.rows: list[list[str]] = []
        self.items: list[Any] = []
        self.count = 0
        self.started = time.perf_counter()
        self._last_progress = 0.0
        self.stdout: TextIO = sys.stdout
        self.progress_enabled = sys.stderr.isatty()

    def add(self, item: object) -> None:
        self.count += 1
        if self.fmt == "jsonl":
            self.stdout.write(json.dumps(_plain(item), ensure_ascii=False) + "\n")
        elif self.fmt == "json":
            self.items.append(_plain(item))
        else:
            self.rows.append([_cell(get(item)) for _, get in self.columns])
        self.progress()

    def progress(self, force: bool = False) -> None:
        if not self.progress_enabled:
            return
        now = time.perf_counter()
        if force or now - self._last_progress > 0.2:
            self._last_progress = now
            rate = self.count / max(now - self.started, 1e-9)
            sys.stderr.write(f"\r{self.count:,} items ({rate:,.0f}/s)")
            sys.stderr.flush()

    def finish(self) -> None:
        if self.progress_enabled:
            self.progress(force=True)
            sys.stderr.write("\n")
        if self.fmt == "json":
            document = self.items[0] if self.single and len(self.items) == 1 else self.items
            json.dump(document, self.stdout, ensure_ascii=False, indent=2)
            self.stdout.write("\n")
        elif self.fmt == "table":
            self.stdout.write(render_table([name for name, _ in self.columns], self.rows))
        self.stdout.flush()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(_cell(v) for v in value)
    text = str(value)
    return text if len(text) <= 48 else text[:45] + "..."


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned text table."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )
    return "\n".join(lines) + "\n"


def _iso(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


SEGMENT_COLUMNS: list[tuple[str, Callable[[Any], object]]] = [
    ("id", lambda a: a.id),
    ("state", lambda a: a.state),
    ("segment", lambda a: a.segment.id if a.segment else None),
    ("scope", lambda a: a.segment.scope if a.segment else None),
    ("assigned", lambda a: _iso(a.date_assigned)),
    ("session", lambda a: a.session.id if a.session else None),
]
TARGET_COLUMNS: list[tuple[str, Callable[[Any], object]]] = [
    ("id", lambda t: t.id),
    ("name", lambda t: t.name),
    ("state", lambda t: t.state),
    ("media", lambda t: t.supported_media_types),
    ("service level", lambda t: _service_level(t.service_level)),
]


def _service_level(level: ServiceLevel | None) -> str | None:
    if level is None or level.percentage is None:
        return None
    return f"{level.percentage:.0%} in {(level.duration_ms or 0) / 1000:g} s"


def aggregate_rows(result: JourneyAggregateQueryResponse) -> list[list[str]]:
    rows = []
    for container in result.results or []:
        group = ",".join(f"{k}={v}" for k, v in (container.group or {}).items())
        for bucket in container.data or []:
            for metric in bucket.metrics or []:
                stats = metric.stats
                value = (
                    None if stats is None else stats.count if stats.count is not None else stats.sum
                )
                rows.append([group, bucket.interval or "", metric.metric or "", _cell(value)])
    return rows


# ---------------------------------------------------------------------------------------------
# Commands


async def _stream(pager: Any, out: Output) -> None:
    async with pager:
        async for item in pager:
            out.add(item)
    out.finish()


async def run_command(args: argparse.Namespace, client: JourneyClient) -> int:
    """Run one of the real commands against `client`."""
    fmt = args.format
    if args.command == "segments":
        common = {
            "page_size": args.page_size,
            "segment_scope": args.scope,
            "assignment_state": args.state,
            "limit": args.limit,
        }
        wanted = 2 if args.kind == "customer" else 1
        if len(args.ids) != wanted:
            what = "ID_TYPE and CUSTOMER_ID" if wanted == 2 else "exactly one id"
            return _usage(f"segments {args.kind} takes {what}")
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
            await _stream(
                client.iter_journey_actiontargets(page_size=args.page_size, limit=args.limit), out
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


class _Counter:
    """Middleware counting attempts, so the demo can report retries."""

    def __init__(self) -> None:
        self.attempts = 0

    async def __call__(self, request: httpx.Request, call_next: Any) -> httpx.Response:
        self.attempts += 1
        response: httpx.Response = await call_next(request)
        return response


async def demo(assignments: int, targets: int, out: TextIO) -> int:
    """Stream, bulk-look-up and query against the fake API in-process, then summarize."""
    from .testing import FakeJourneyApi

    api = FakeJourneyApi(
        seed=2020,
        action_targets=targets,
        sessions=1,
        assignments_per_session=assignments,
    )
    # A rate limit, as every org has: a token bucket answering 429 with Retry-After when empty.
    api.faults.rate_limit = (600.0, 600.0)
    counter = _Counter()
    tty = sys.stderr.isatty()
    rows: list[list[str]] = []
    calls = 0
    async with (
        httpx.AsyncClient(transport=api.transport()) as http,
        JourneyClient(
            "fake-token",
            base_url="https://api.fake.invalid",
            http_client=http,
            middleware=[counter],
            retry=RetryPolicy(max_attempts=6),
        ) as client,
    ):
        session_id = api.session_ids[0]
        print(
            f"journey-async {__version__} demo: the built-in fake Journey API, in-process", file=out
        )
        print(f"1. streaming every segment assignment of session {session_id}", file=out)
        started = time.perf_counter()
        count = 0
        last = 0.0
        pager = client.iter_journey_session_segments(session_id, page_size=200)
        async with pager:
            async for page in pager.pages():
                calls += 1
                count += len(page.entities or [])
                now = time.perf_counter()
                if now - last > 0.1:
                    last = now
                    _bar(count, assignments, now - started, tty, out)
        elapsed = time.perf_counter() - started
        _bar(count, assignments, elapsed, tty, out, done=True)
        rows.append(
            ["stream session segments", f"{count:,}", f"{elapsed:.2f}", f"{count / elapsed:,.0f}"]
        )

        print(f"2. looking up {targets:,} action targets, 32 at a time", file=out)
        started = time.perf_counter()
        found = await client.map(
            client.get_journey_actiontarget,
            api.action_target_ids,
            concurrency=32,
            return_exceptions=True,
        )
        elapsed = time.perf_counter() - started
        calls += len(found)
        errors = sum(isinstance(item, Exception) for item in found)
        rows.append(
            [
                "bulk get_journey_actiontarget",
                f"{len(found):,}",
                f"{elapsed:.2f}",
                f"{len(found) / elapsed:,.0f}",
            ]
        )

        print("3. running a journey aggregates query (7 days, by day, by segment)", file=out)
        started = time.perf_counter()
        result = await client.post_analytics_journeys_aggregates_query(
            JourneyAggregationQuery(
                "2020-11-01T00:00:00.000Z/2020-11-08T00:00:00.000Z",
                ["nJourneySessions", "nJourneySegmentsAssigned"],
                granularity="P1D",
                group_by=["journeySegmentId"],
            )
        )
        elapsed = time.perf_counter() - started
        calls += 1
        buckets = sum(len(c.data or []) for c in result.results or [])
        rows.append(["aggregates query", f"{buckets} buckets", f"{elapsed:.2f}", "-"])

    stats = api.stats
    print(file=out)
    out.write(render_table(["job", "items", "seconds", "items/s"], rows))
    print(file=out)
    summary = [
        ["requests sent", f"{counter.attempts:,}"],
        ["calls made", f"{calls:,}"],
        ["retries", f"{counter.attempts - calls:,}"],
        ["429s absorbed", f"{stats.rate_limited:,}"],
        ["calls that failed", f"{errors:,}"],
    ]
    out.write(render_table(["summary", "value"], summary))
    return 0


def _bar(
    count: int, total: int, elapsed: float, tty: bool, out: TextIO, done: bool = False
) -> None:
    rate = count / max(elapsed, 1e-9)
    filled = int(30 * count / max(total, 1))
    line = (
        f"   [{'#' * filled}{'.' * (30 - filled)}] {count:,}/{total:,} items, {rate:,.0f} items/s"
    )
    if tty:
        sys.stderr.write("\r" + line + ("\n" if done else ""))
        sys.stderr.flush()
    elif done:
        print(line, file=out)


# ---------------------------------------------------------------------------------------------
# Arguments and entry point


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="journey-async",
        description="Genesys Cloud Journey API from the command line (asyncio client).",
    )
    parser.add_argument("--version", action="version", version=f"journey-async {__version__}")
    parser.add_argument("--region", help="domain or AWS region (default: GENESYSCLOUD_REGION)")
    parser.add_argument("--base-url", help="API base URL (a proxy, a gateway, the fake API)")
    parser.add_argument(
        "--token", help="a bearer token (default: credentials from the environment)"
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log retries (-v) and requests (-vv)"
    )
    formats = parser.add_mutually_exclusive_group()
    formats.add_argument("--json", dest="format", action="store_const", const="json")
    formats.add_argument("--jsonl", dest="format", action="store_const", const="jsonl")
    parser.set_defaults(format="table")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo_cmd = commands.add_parser("demo", help="run the main jobs against the built-in fake API")
    demo_cmd.add_argument("--assignments", type=int, default=300_000)
    demo_cmd.add_argument("--targets", type=int, default=2_000)

    def output_options(cmd: argparse.ArgumentParser) -> None:
        group = cmd.add_mutually_exclusive_group()
        # SUPPRESS: an option not given here must not overwrite one given before the command.
        group.add_argument(
            "--json", dest="format", action="store_const", const="json", default=argparse.SUPPRESS
        )
        group.add_argument(
            "--jsonl", dest="format", action="store_const", const="jsonl", default=argparse.SUPPRESS
        )

    segments = commands.add_parser("segments", help="stream segment assignments (all pages)")
    segments.add_argument("kind", choices=("session", "customer", "externalcontact"))
    segments.add_argument(
        "ids", nargs="+", metavar="ID", help="SESSION_ID | ID_TYPE CUSTOMER_ID | CONTACT_ID"
    )
    segments.add_argument("--page-size", type=int, default=200)
    segments.add_argument("--scope", choices=("Session", "Customer"))
    segments.add_argument("--state", choices=("Assigned", "Unassigned"))
    segments.add_argument("--limit", type=int)
    output_options(segments)

    targets = commands.add_parser("actiontargets", help="list, get or patch action targets")
    actions = targets.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list")
    listing.add_argument("--page-size", type=int, default=100)
    listing.add_argument("--limit", type=int)
    output_options(listing)
    get = actions.add_parser("get")
    get.add_argument("id")
    output_options(get)
    patch = actions.add_parser("patch")
    patch.add_argument("id")
    patch.add_argument("--name")
    patch.add_argument("--percentage", type=float)
    patch.add_argument("--duration-ms", type=int)
    patch.add_argument("--short-abandon-threshold", type=int)
    patch.add_argument("--body", help="a JSON file with the PATCH body, or - for stdin")
    output_options(patch)

    aggregates = commands.add_parser("aggregates", help="run a journey aggregates query")
    aggregates.add_argument("action", choices=("query",))
    aggregates.add_argument("file", help="a JSON file with the query, or - for stdin")
    output_options(aggregates)

    assign = commands.add_parser("assign", help="assign (or --unassign) segments of a contact")
    assign.add_argument("contact_id")
    assign.add_argument("segment_ids", nargs="+", metavar="SEGMENT_ID")
    assign.add_argument("--unassign", action="store_true")
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
