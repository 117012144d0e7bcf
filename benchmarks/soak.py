"""Soak test: many mixed calls at high concurrency against the fake API with injected faults.

    python benchmarks/soak.py --calls 20000 --concurrency 64

The fake (`FakeJourneyApi.serve_in_thread()`, 127.0.0.1 only) injects about 2% faults: 503s,
429s with a fractional `Retry-After`, dropped connections and malformed bodies. The mix is
single action targets, action-target pages, session segment pages, short segment streams,
aggregate queries and segment-assignment POSTs. The run stops after `--time-limit` seconds
(120) whatever happens.

Reports calls/s, outcomes by class (success and each exception class), peak RSS, and the open
file descriptors at the start and at the end (after the client is closed); they must match.
Exits 1 when they do not, or when a call ends in an undocumented exception class.

`run_soak()` is also used in-process by `tests/faults/test_soak.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import attrs

from journey_async import JourneyClient, RetryPolicy
from journey_async.errors import (
    DecodeError,
    JourneyError,
    PaginationError,
    RateLimitError,
    ServerError,
    TransportError,
)
from journey_async.testing import FakeJourneyApi

INJECTED = {
    "server_error_every": 150,  # 503
    "rate_limit_every": 160,  # 429, Retry-After 0.05
    "drop_every": 200,  # connection closed without an answer
    "malformed_every": 250,  # 200 with half a JSON body
}
"""About 2.2% of requests fail on purpose."""

EXPECTED_FAILURES = (DecodeError, ServerError, RateLimitError, TransportError)
"""What the injected faults may end in once retries are exhausted (malformed bodies are not
retried, so DecodeError is the common one)."""

AGGREGATE_QUERY = {
    "interval": "2020-11-01T00:00:00Z/2020-11-02T00:00:00Z",
    "metrics": ["nDistinctJourneySessions"],
    "granularity": "PT6H",
}


@attrs.define
class SoakResult:
    calls: int
    completed: int
    seconds: float
    outcomes: Counter[str]
    unexpected: list[str]
    fds_start: int
    fds_end: int
    pool_queued_end: int
    peak_rss_mib: float
    server_requests: int
    server_dropped: int
    server_by_status: dict[int, int]
    assigns_missing: int
    timed_out: bool
    gate_rounds: int = 0
    gate_pace: float | None = None

    @property
    def rate(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def table(self) -> str:
        rows = [
            ("calls requested", f"{self.calls:,}"),
            ("calls completed", f"{self.completed:,}"),
            ("wall time", f"{self.seconds:.2f} s"),
            ("calls/s", f"{self.rate:,.0f}"),
        ]
        for name, count in sorted(self.outcomes.items(), key=lambda kv: (-kv[1], kv[0])):
            rows.append(
                (f"outcome: {name}", f"{count:,} ({100 * count / max(1, self.completed):.2f}%)")
            )
        rows += [
            ("undocumented errors", str(len(self.unexpected))),
            ("server requests (retries included)", f"{self.server_requests:,}"),
            ("server dropped connections", str(self.server_dropped)),
            (
                "server statuses",
                ", ".join(f"{k}: {v:,}" for k, v in sorted(self.server_by_status.items())),
            ),
            ("successful assigns missing on the server", str(self.assigns_missing)),
            ("peak RSS", f"{self.peak_rss_mib:.1f} MiB"),
            ("open fds start / end", f"{self.fds_start} / {self.fds_end}"),
            ("pool queue at the end", str(self.pool_queued_end)),
            ("stopped by the time limit", "yes" if self.timed_out else "no"),
            ("rate-limit rounds seen by the client", str(self.gate_rounds)),
            (
                "client pace at the end (req/s)",
                f"{self.gate_pace:.0f}" if self.gate_pace else "not pacing",
            ),
        ]
        width = max(len(k) for k, _ in rows)
        lines = [f"| {'metric':<{width}} | value |", f"|{'-' * (width + 2)}|-------|"]
        lines += [f"| {k:<{width}} | {v} |" for k, v in rows]
        return "\n".join(lines)


@attrs.define
class _ServerView:
    """What the soak needs from the fake, wherever it runs."""

    url: str
    snapshot: Callable[[], dict[str, Any]]
    """requests, dropped, by_status, segment_updates."""


def _make_api(faults: dict[str, int], retry_after: float) -> FakeJourneyApi:
    api = FakeJourneyApi(action_targets=40, sessions=8, assignments_per_session=60)
    for name, every in faults.items():
        setattr(api.faults, name, every)
    api.faults.retry_after = retry_after
    return api


def _snapshot(api: FakeJourneyApi) -> dict[str, Any]:
    stats = api.stats
    return {
        "requests": stats.requests,
        "dropped": stats.dropped,
        "by_status": {str(k): v for k, v in stats.by_status.items()},
        "segment_updates": api.segment_updates,
    }


@contextlib.contextmanager
def _thread_server(api: FakeJourneyApi) -> Iterator[_ServerView]:
    with api.serve_in_thread("127.0.0.1") as url:
        yield _ServerView(url, lambda: _snapshot(api))


@contextlib.contextmanager
def _process_server(faults: dict[str, int], retry_after: float) -> Iterator[_ServerView]:
    """The fake in a child process (`soak.py --serve`): the client gets this process's CPU."""
    spec = json.dumps({"faults": faults, "retry_after": retry_after})
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", spec],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout
    try:
        line = stdout.readline().strip()
        if not line.startswith("port "):
            raise RuntimeError(f"the fake did not start: {line!r}")

        def snapshot() -> dict[str, Any]:
            stdin.write("stats\n")
            stdin.flush()
            data: dict[str, Any] = json.loads(stdout.readline())
            return data

        yield _ServerView(f"http://127.0.0.1:{int(line.split()[1])}", snapshot)
    finally:
        stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        stdout.close()


def _serve_forever(spec: str) -> int:
    """Child side of `_process_server`: serve; answer `stats` lines on stdin; exit at EOF."""
    config = json.loads(spec)
    api = _make_api(config["faults"], config["retry_after"])

    async def main() -> None:
        loop = asyncio.get_running_loop()
        async with api.serve("127.0.0.1", 0) as url:
            print(f"port {url.rsplit(':', 1)[1]}", flush=True)
            while await loop.run_in_executor(None, sys.stdin.readline):
                print(json.dumps(_snapshot(api)), flush=True)

    asyncio.run(main())
    return 0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _pool_queue(client: JourneyClient) -> int:
    pool = client._http._transport._pool  # type: ignore[attr-defined]
    return len(pool._requests)


async def _settle_fds(target: int, seconds: float = 3.0) -> int:
    """In-process, the server's sockets count too: give its thread time to close them."""
    deadline = time.monotonic() + seconds
    count = open_fds()
    while count != target and time.monotonic() < deadline:
        await anyio.sleep(0.05)
        count = open_fds()
    return count


def _operations(client: JourneyClient, api: FakeJourneyApi) -> list[Callable[[int], Any]]:
    targets = api.action_target_ids
    sessions = api.session_ids
    contacts = api.external_contact_ids

    async def get_target(i: int) -> Any:
        return await client.get_journey_actiontarget(targets[i % len(targets)])

    async def list_targets(i: int) -> Any:
        return await client.get_journey_actiontargets(page_number=1 + i % 4, page_size=10)

    async def segment_page(i: int) -> Any:
        return await client.get_journey_session_segments(sessions[i % len(sessions)], page_size=25)

    async def segment_stream(i: int) -> Any:
        pager = client.iter_journey_session_segments(
            sessions[i % len(sessions)], page_size=20, limit=50
        )
        async with pager:
            return [item.id async for item in pager]

    async def aggregates(i: int) -> Any:
        return await client.post_analytics_journeys_aggregates_query(AGGREGATE_QUERY)

    async def assign(i: int) -> Any:
        contact = contacts[i % len(contacts)]
        await client.post_journey_externalcontact_segments(
            contact, body=[{"segmentId": f"soak-{i}", "state": "Assigned"}]
        )
        return (contact, f"soak-{i}")

    # Weights: 3 single gets, 2 listing pages, 2 segment pages, 1 stream, 1 aggregate, 1 assign.
    return [
        get_target,
        get_target,
        get_target,
        list_targets,
        list_targets,
        segment_page,
        segment_page,
        segment_stream,
        aggregates,
        assign,
    ]


async def run_soak(
    calls: int = 20_000,
    concurrency: int = 64,
    *,
    time_limit: float = 120.0,
    retry_after: float = 0.05,
    faults: dict[str, int] | None = None,
    in_process: bool = True,
) -> SoakResult:
    """Run the soak in the current event loop and return what happened.

    `in_process=True` serves the fake from a thread of this process (its sockets count in the
    fd figures); False runs it in a child process.
    """
    chosen = faults if faults is not None else INJECTED
    # Only ids are read on this side: the same seed gives the child the same data.
    api = _make_api(chosen, retry_after)
    server = _thread_server(api) if in_process else _process_server(chosen, retry_after)
    outcomes: Counter[str] = Counter()
    unexpected: list[str] = []
    assigned: list[tuple[str, str]] = []
    completed = 0
    next_call = 0
    with server as view:
        url = view.url
        fds_start = open_fds()
        started = time.perf_counter()
        client = JourneyClient(
            "fake-token",
            base_url=url,
            timeout=10.0,
            retry=RetryPolicy(backoff_base=0.05, backoff_max=0.5, budget=20.0),
            max_connections=concurrency,
        )
        ops = _operations(client, api)

        async def worker() -> None:
            nonlocal completed, next_call
            while next_call < calls:  # bounded: each pass takes one of `calls` numbers
                i = next_call
                next_call += 1
                try:
                    result = await ops[i % len(ops)](i)
                except JourneyError as exc:
                    outcomes[type(exc).__name__] += 1
                    if not isinstance(exc, EXPECTED_FAILURES) or isinstance(exc, PaginationError):
                        unexpected.append(f"{type(exc).__name__}: {exc}")
                except Exception as exc:  # anything outside the documented tree
                    outcomes[type(exc).__name__] += 1
                    unexpected.append(f"{type(exc).__name__}: {exc}")
                else:
                    outcomes["success"] += 1
                    if isinstance(result, tuple):
                        assigned.append(result)
                completed += 1

        try:
            with anyio.move_on_after(time_limit) as scope:
                async with anyio.create_task_group() as tg:
                    for _ in range(concurrency):
                        tg.start_soon(worker)
            seconds = time.perf_counter() - started
            pool_queued = _pool_queue(client)
            gate = client.rate_limit_gate
        finally:
            await client.aclose()
        fds_end = await _settle_fds(fds_start)
        stats = view.snapshot()
        updates = stats["segment_updates"]
        missing = sum(
            1
            for contact, segment in assigned
            if updates.get(contact, {}).get(segment) != "Assigned"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return SoakResult(
        calls=calls,
        completed=completed,
        seconds=seconds,
        outcomes=outcomes,
        unexpected=unexpected,
        fds_start=fds_start,
        fds_end=fds_end,
        pool_queued_end=pool_queued,
        peak_rss_mib=peak,
        server_requests=stats["requests"],
        server_dropped=stats["dropped"],
        server_by_status={int(k): v for k, v in stats["by_status"].items()},
        assigns_missing=missing,
        timed_out=scope.cancelled_caught,
        gate_rounds=gate.rounds,
        gate_pace=gate.pace,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds (default 120)")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="serve the fake from a thread of this process (default: a child process)",
    )
    parser.add_argument("--serve", metavar="SPEC", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return _serve_forever(args.serve)
    if args.calls < 1 or args.concurrency < 1 or args.time_limit <= 0:
        parser.error("--calls and --concurrency must be >= 1, --time-limit > 0")
    result = anyio.run(
        lambda: run_soak(
            args.calls, args.concurrency, time_limit=args.time_limit, in_process=args.in_process
        )
    )
    print(
        f"## Soak: {args.calls:,} calls at concurrency {args.concurrency} "
        f"(faults: {', '.join(f'{k}={v}' for k, v in INJECTED.items())}, retry_after=0.05; "
        f"fake {'in a thread' if args.in_process else 'in a child process'})\n"
    )
    print(result.table())
    for line in result.unexpected[:10]:
        print(f"undocumented: {line}", file=sys.stderr)
    ok = (
        result.fds_start == result.fds_end
        and not result.unexpected
        and result.pool_queued_end == 0
        and result.assigns_missing == 0
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
