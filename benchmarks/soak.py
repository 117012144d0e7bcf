"""Soak test: many mixed calls at high concurrency against the fake API, with injected faults and
callers that time out, cancel and walk away.

    python benchmarks/soak.py --calls 20000 --concurrency 64

The fake (`FakeJourneyApi.serve_in_thread()`, 127.0.0.1 only) injects about 2% faults: 503s,
429s with a fractional `Retry-After`, dropped connections and malformed bodies. The mix is
single action targets, action-target pages, session segment pages, segment streams, aggregate
queries, segment-assignment POSTs and `map` batches, sent through two clients in turn: one with
the default 8 in-flight slots (calls queue for a slot), one without slots and with a quarter as
many connections as callers (calls queue in httpcore's pool). On top of the server's faults the
callers misbehave on purpose:

* 5% of calls run under the caller's own short timeout (1-30 ms): `anyio.fail_after`, or
  `asyncio.timeout` (half of them, on asyncio);
* 3% are cancelled from outside after 0-30 ms: a cancel scope that another task cancels, or
  `Task.cancel()` of the asyncio task running the call (half of them, on asyncio);
* `map` batches (one call in 20; 8 lookups, through `map` or `map_unordered`, both with
  `return_exceptions=True`) in which 2 items run under their own 1-30 ms timeout;
* segment streams (one call in 10) read to their limit, broken out of early, or cancelled by
  their consumer mid-stream.

Every call must end in exactly one outcome: its value, a documented `JourneyError` subclass of
the injected kinds, the caller's own `TimeoutError`, or cancelled. A call that returns without
its value, a `map` result with a hole, a wrong length or a `None`, a stream with items missing or
repeated, and a successful assignment POST the server never saw are counted as lost. The first
10% of the calls (at least 200) warm up; the RSS measured after them is the baseline the end is
compared with.

Reports calls/s, outcomes by class and by what the caller did, lost results, RSS (start, warm
baseline, peak, end), open file descriptors at the start and at the end (after the client is
closed), and what is left in httpcore's pool, in the client's in-flight slots and at its
rate-limit gate once the calls are done. The run stops after `--time-limit` seconds (120)
whatever happens; the calls it cuts are reported, and one that had been running for more than
30 s by then (the calls' retry budget is 20 s) is a hang. Exits 1 on an undocumented error, a lost
result, an asyncio cancellation a call swallowed (the caller's `asyncio.timeout` or `Task.cancel()`
fired mid-call and the call returned or raised something else), a hang, a leaked fd, task, pool
request or connection, an event-loop error, or RSS more than 30 MiB over the warm baseline.

`run_soak()` is also used in-process by `tests/faults/test_soak.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

import anyio
import attrs
import sniffio

from journey_async import JourneyClient, RetryPolicy
from journey_async.errors import (
    DecodeError,
    JourneyError,
    PaginationError,
    RateLimitError,
    ServerError,
    TransportError,
)
from journey_async.models import (
    ActionTarget,
    ActionTargetListing,
    JourneyAggregateQueryResponse,
    SegmentAssignmentListing,
)
from journey_async.testing import FakeJourneyApi

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

INJECTED = {
    "server_error_every": 150,  # 503
    "rate_limit_every": 160,  # 429, Retry-After 0.05
    "drop_every": 200,  # connection closed without an answer
    "malformed_every": 250,  # 200 with half a JSON body
}
"""About 2.2% of requests fail on purpose."""

EXPECTED_FAILURES = (DecodeError, ServerError, RateLimitError, TransportError)
"""What the injected faults may end in once retries are exhausted (malformed bodies are not
retried, so DecodeError is the common one). TransportError includes RequestTimeoutError."""

TIMEOUT_SHARE = 0.05
"""Calls run under the caller's own timeout."""
CANCEL_SHARE = 0.03
"""Calls cancelled from outside mid-way."""
CALLER_TIMEOUT = (0.001, 0.030)
"""Seconds: the range of the callers' own timeouts (calls and map items)."""
CANCEL_DELAY = (0.0, 0.030)
"""Seconds: the range of the delay before an outside cancellation."""
MAP_ITEMS = 8
MAP_TIMED_ITEMS = 2
STREAM_LIMIT = 50
STREAM_PAGE = 20
RSS_GROWTH_LIMIT_MIB = 30.0
"""RSS at the end may exceed the warm baseline by this much before the run fails."""
BUDGET = 20.0
"""The calls' retry budget (`RetryPolicy.budget`): no call may take much longer."""
HANG_AFTER = BUDGET + 10.0
"""A call still running this many seconds after it started is hung (the budget bounds every
wait; 10 s more cover the shielded closes and a loaded machine)."""

SUCCESS = "success"
OWN_TIMEOUT = "TimeoutError (the caller's own)"
CANCELLED = "cancelled"
LOST = "lost"

PLAIN = "plain"
ANYIO_TIMEOUT = "anyio.fail_after"
ASYNCIO_TIMEOUT = "asyncio.timeout"
SCOPE_CANCEL = "cancel scope, from another task"
TASK_CANCEL = "Task.cancel(), from a timer"
MODES = (PLAIN, ANYIO_TIMEOUT, ASYNCIO_TIMEOUT, SCOPE_CANCEL, TASK_CANCEL)
_TIMEOUTS = (ANYIO_TIMEOUT, ASYNCIO_TIMEOUT)
_EDGE_TRIGGERED = (ASYNCIO_TIMEOUT, TASK_CANCEL)

AGGREGATE_QUERY = {
    "interval": "2020-11-01T00:00:00Z/2020-11-02T00:00:00Z",
    "metrics": ["nDistinctJourneySessions"],
    "granularity": "PT6H",
}

_asyncio_timeout: Callable[[float], Any] | None = getattr(asyncio, "timeout", None)  # 3.11+


class _Lost(Exception):
    """A call came back without its value, or with a wrong one."""


class _CancelledInside:
    """What an operation returns when its own consumer cancelled it (a stream cut mid-way)."""


CANCELLED_INSIDE = _CancelledInside()


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
    clients: str = ""
    """How the clients were configured."""
    lost: list[str] = attrs.field(factory=list)
    """One line per lost result (calls and map items)."""
    unaccounted: int = 0
    """Calls started that recorded no outcome (and were not cut by the time limit)."""
    cut_by_time_limit: int = 0
    oldest_cut: tuple[float, str] | None = None
    """The call that had run longest when the time limit cut the run: seconds, what it was."""
    by_mode: dict[str, Counter[str]] = attrs.field(factory=dict)
    overshoot_ms: dict[str, list[float]] = attrs.field(factory=dict)
    """Per mode: milliseconds from the caller's deadline or cancel to the call's return."""
    not_honoured: Counter[str] = attrs.field(factory=Counter)
    """Per mode: the timeout or cancel fired while the call ran, and it ended otherwise. With
    anyio's level-triggered cancellation that happens when it fires after the call's last
    checkpoint; an asyncio cancellation (`asyncio.timeout`, `Task.cancel()`) is thrown into the
    call's coroutine once, so there it means the call swallowed it (see `swallowed`)."""
    map_batches: Counter[str] = attrs.field(factory=Counter)
    map_items: Counter[str] = attrs.field(factory=Counter)
    streams: Counter[str] = attrs.field(factory=Counter)
    tracebacks: list[str] = attrs.field(factory=list)
    rss_start_mib: float = 0.0
    rss_baseline_mib: float | None = None
    rss_end_mib: float = 0.0
    pool_states_end: Counter[str] = attrs.field(factory=Counter)
    slots_in_use_end: int = 0
    slots_waiting_end: int = 0
    gate_waiting_end: int = 0
    tasks_start: int | None = None
    tasks_end: int | None = None
    loop_errors: list[str] = attrs.field(factory=list)

    @property
    def rate(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    @property
    def lost_count(self) -> int:
        return len(self.lost) + self.unaccounted + self.assigns_missing

    @property
    def swallowed(self) -> int:
        """asyncio cancellations (caller's `asyncio.timeout`, `Task.cancel()`) that a call
        caught and did not re-raise: it returned, or raised something else, instead."""
        return sum(self.not_honoured[mode] for mode in _EDGE_TRIGGERED)

    @property
    def pool_stuck_end(self) -> int:
        """Connections that are connecting or mid-request although no call is running."""
        return sum(self.pool_states_end[s] for s in ("CONNECTING", "ACTIVE", "NEW"))

    @property
    def rss_growth_mib(self) -> float | None:
        if self.rss_baseline_mib is None:
            return None
        return self.rss_end_mib - self.rss_baseline_mib

    def problems(self) -> list[str]:
        """Why the run fails (empty: it passes)."""
        found = []
        if self.oldest_cut is not None and self.oldest_cut[0] > HANG_AFTER:
            seconds, what = self.oldest_cut
            found.append(f"a call hung: {what} was still running after {seconds:.1f} s")
        if self.unexpected:
            found.append(f"{len(self.unexpected)} undocumented error(s)")
        if self.lost_count:
            found.append(f"{self.lost_count} lost result(s)")
        if self.swallowed:
            found.append(f"{self.swallowed} asyncio cancellation(s) swallowed")
        if self.fds_end != self.fds_start:
            found.append(f"open fds {self.fds_start} at the start, {self.fds_end} at the end")
        if self.pool_queued_end:
            found.append(f"{self.pool_queued_end} request(s) left queued in httpcore's pool")
        if self.pool_stuck_end:
            found.append(f"connections stuck in the pool: {dict(self.pool_states_end)}")
        if self.slots_in_use_end or self.slots_waiting_end or self.gate_waiting_end:
            found.append(
                f"in-flight slots held {self.slots_in_use_end}, waiting "
                f"{self.slots_waiting_end}, at the gate {self.gate_waiting_end} once idle"
            )
        if self.tasks_start is not None and self.tasks_end != self.tasks_start:
            found.append(f"asyncio tasks {self.tasks_start} at the start, {self.tasks_end} at end")
        if self.loop_errors:
            found.append(f"{len(self.loop_errors)} event-loop error(s)")
        growth = self.rss_growth_mib
        if growth is not None and growth > RSS_GROWTH_LIMIT_MIB:
            found.append(f"RSS grew {growth:.1f} MiB over the warm baseline")
        return found

    def table(self) -> str:
        done = max(1, self.completed)
        rows = [
            ("calls requested", f"{self.calls:,}"),
            ("calls completed", f"{self.completed:,}"),
            ("wall time", f"{self.seconds:.2f} s"),
            ("calls/s", f"{self.rate:,.0f}"),
        ]
        if self.clients:
            rows.append(("clients (turns of 20 calls)", self.clients))
        for name, count in sorted(self.outcomes.items(), key=lambda kv: (-kv[1], kv[0])):
            rows.append((f"outcome: {name}", f"{count:,} ({100 * count / done:.2f}%)"))
        for mode in MODES[1:]:
            counts = self.by_mode.get(mode)
            if not counts:
                continue
            ends = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items(), key=_by_count))
            rows.append((f"caller: {mode}", f"{sum(counts.values()):,} calls: {ends}"))
            late = self.overshoot_ms.get(mode)
            if late:
                rows.append(
                    (
                        "  back after the " + ("deadline" if mode in _TIMEOUTS else "cancel"),
                        _spread(late),
                    )
                )
            if mode in _EDGE_TRIGGERED:
                rows.append(("  fired mid-call, swallowed", str(self.not_honoured[mode])))
            elif self.not_honoured[mode]:
                rows.append(("  fired mid-call, no checkpoint after", str(self.not_honoured[mode])))
        if self.map_batches:
            batches = ", ".join(f"{k} {v:,}" for k, v in sorted(self.map_batches.items()))
            items = ", ".join(
                f"{k} {v:,}" for k, v in sorted(self.map_items.items(), key=_by_count)
            )
            rows.append(("map batches returned", batches))
            rows.append(("map items (2 of 8 with a timeout)", items))
        if self.streams:
            kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(self.streams.items(), key=_by_count))
            rows.append(("segment streams", kinds))
        rows += [
            ("undocumented errors", str(len(self.unexpected))),
            ("lost results", str(self.lost_count)),
            ("  successful assigns missing on the server", str(self.assigns_missing)),
            ("calls cut by the time limit", str(self.cut_by_time_limit)),
            (
                "  the oldest of them had run",
                "-"
                if self.oldest_cut is None
                else f"{self.oldest_cut[0]:.1f} s ({self.oldest_cut[1]})",
            ),
            ("server requests (retries included)", f"{self.server_requests:,}"),
            ("server dropped connections", str(self.server_dropped)),
            (
                "server statuses",
                ", ".join(f"{k}: {v:,}" for k, v in sorted(self.server_by_status.items())),
            ),
            (
                "RSS start / warm baseline / peak / end",
                f"{self.rss_start_mib:.1f} / "
                + ("-" if self.rss_baseline_mib is None else f"{self.rss_baseline_mib:.1f}")
                + f" / {self.peak_rss_mib:.1f} / {self.rss_end_mib:.1f} MiB",
            ),
            (
                "RSS end minus warm baseline",
                "-" if self.rss_growth_mib is None else f"{self.rss_growth_mib:+.1f} MiB",
            ),
            ("open fds start / end", f"{self.fds_start} / {self.fds_end}"),
            ("pool queue at the end", str(self.pool_queued_end)),
            (
                "pool connections at the end",
                ", ".join(f"{k} {v}" for k, v in sorted(self.pool_states_end.items())) or "none",
            ),
            (
                "connections CONNECTING / ACTIVE at the end",
                f"{self._stuck('CONNECTING')} / {self._stuck('ACTIVE')}",
            ),
            (
                "in-flight slots held / waiting, gate waiting at the end",
                f"{self.slots_in_use_end} / {self.slots_waiting_end}, {self.gate_waiting_end}",
            ),
            (
                "asyncio tasks start / end",
                "-" if self.tasks_start is None else f"{self.tasks_start} / {self.tasks_end}",
            ),
            ("event-loop errors", str(len(self.loop_errors))),
            ("stopped by the time limit", "yes" if self.timed_out else "no"),
            ("rate-limit rounds seen by the clients", str(self.gate_rounds)),
            (
                "clients' pace at the end (req/s)",
                f"{self.gate_pace:.0f}" if self.gate_pace else "not pacing",
            ),
        ]
        width = max(len(k) for k, _ in rows)
        lines = [f"| {'metric':<{width}} | value |", f"|{'-' * (width + 2)}|-------|"]
        lines += [f"| {k:<{width}} | {v} |" for k, v in rows]
        return "\n".join(lines)

    def _stuck(self, state: str) -> int:
        return self.pool_states_end[state]


def _by_count(kv: tuple[str, int]) -> tuple[int, str]:
    return -kv[1], kv[0]


def _spread(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"median {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms"


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


# -- what is measured ---------------------------------------------------------------------------


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_mib() -> float:
    """The resident set size now (Linux), in MiB."""
    with open("/proc/self/statm") as statm:
        resident = int(statm.read().split()[1])
    return resident * os.sysconf("SC_PAGE_SIZE") / 2**20


def _pool(client: JourneyClient) -> Any:
    """httpcore's pool (transport="httpx") or the default `PinnedTransport` itself."""
    transport = client._http._transport
    return getattr(transport, "_pool", transport)


def _pool_queue(client: JourneyClient) -> int:
    pool = _pool(client)
    return int(pool.in_use) if hasattr(pool, "in_use") else len(pool._requests)


_STATE = re.compile(r"\b(CONNECTING|CONNECTION FAILED|NEW|ACTIVE|IDLE|CLOSED)\b")


def _pool_states(client: JourneyClient) -> Counter[str]:
    """httpcore's connections by state, read from their repr (`<AsyncHTTPConnection [...]>`,
    `<AsyncHTTP11Connection [...]>`)."""
    states: Counter[str] = Counter()
    for connection in _pool(client).connections:
        match = _STATE.search(repr(connection))
        states[match.group(1) if match else repr(connection)] += 1
    return states


async def _settle_fds(target: int, seconds: float = 3.0) -> int:
    """In-process, the server's sockets count too: give its thread time to close them."""
    deadline = time.monotonic() + seconds
    count = open_fds()
    while count != target and time.monotonic() < deadline:
        await anyio.sleep(0.05)
        count = open_fds()
    return count


def _on_asyncio() -> bool:
    return sniffio.current_async_library() == "asyncio"


def _task_count() -> int | None:
    return len(asyncio.all_tasks()) if _on_asyncio() else None


async def _settle_tasks(target: int | None, seconds: float = 2.0) -> int | None:
    """Tasks that were cancelled need a few loop turns to finish."""
    deadline = time.monotonic() + seconds
    count = _task_count()
    while count != target and time.monotonic() < deadline:
        await anyio.sleep(0.02)
        count = _task_count()
    return count


@contextlib.contextmanager
def _loop_errors(errors: list[str]) -> Iterator[None]:
    """Count what reaches asyncio's exception handler ("Task exception was never retrieved",
    "Task was destroyed but it is pending", callbacks that raised) while the soak runs."""
    if not _on_asyncio():
        yield
        return
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        errors.append(f"{context.get('message')}: {context.get('exception')!r}")
        loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    try:
        yield
    finally:
        gc.collect()  # pending tasks dropped without a reference report here, not later
        loop.set_exception_handler(previous)


# -- the callers ---------------------------------------------------------------------------------


def _expect(ok: bool, what: str) -> None:
    if not ok:
        raise _Lost(what)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


@attrs.define
class _Cancel:
    """An outside cancellation of one call: when it fired (None: not yet), and whether the call
    was over by then."""

    done: bool = False
    fired: float | None = None


class _Soak:
    """The calls, the ways callers run them, and the tally."""

    def __init__(
        self,
        clients: list[JourneyClient],
        api: FakeJourneyApi,
        *,
        seed: int,
        timeouts: float,
        cancels: float,
    ) -> None:
        self.clients = clients
        self.rng = random.Random(seed)
        self.timeouts = timeouts
        self.cancels = cancels
        self.asyncio = _on_asyncio()
        self.targets = api.action_target_ids
        self.sessions = api.session_ids
        self.contacts = api.external_contact_ids
        # Weights out of 20: 5 gets, 4 listing pages, 4 segment pages, 2 streams, 2 aggregates,
        # 2 assigns, 1 map batch.
        self.ops: list[Callable[[int], Awaitable[Any]]] = [
            *[self.get_target] * 5,
            *[self.list_targets] * 4,
            *[self.segment_page] * 4,
            *[self.segment_stream] * 2,
            *[self.aggregates] * 2,
            *[self.assign] * 2,
            self.map_batch,
        ]
        self.limit_scope: anyio.CancelScope | None = None
        self.side: TaskGroup | None = None
        self.started = 0
        self.completed = 0
        self.cut = 0
        self.oldest_cut: tuple[float, str] | None = None
        self.running: dict[int, tuple[float, str]] = {}
        self.outcomes: Counter[str] = Counter()
        self.by_mode: dict[str, Counter[str]] = {mode: Counter() for mode in MODES}
        self.overshoot: dict[str, list[float]] = {mode: [] for mode in MODES[1:]}
        self.not_honoured: Counter[str] = Counter()
        self.unexpected: list[str] = []
        self.tracebacks: list[str] = []
        self.lost: list[str] = []
        self.assigned: list[tuple[str, str]] = []
        self.map_batches: Counter[str] = Counter()
        self.map_items: Counter[str] = Counter()
        self.streams: Counter[str] = Counter()

    def _client(self, i: int) -> JourneyClient:
        """The clients take turns, 20 calls (one of each operation) at a time."""
        return self.clients[(i // len(self.ops)) % len(self.clients)]

    # -- operations: each checks what it got back ----------------------------------------------

    async def get_target(self, i: int) -> ActionTarget:
        target_id = self.targets[i % len(self.targets)]
        target = await self._client(i).get_journey_actiontarget(target_id)
        _expect(
            isinstance(target, ActionTarget) and target.id == target_id,
            f"get_journey_actiontarget({target_id}) returned {_short(target)}",
        )
        return target

    async def list_targets(self, i: int) -> ActionTargetListing:
        page = await self._client(i).get_journey_actiontargets(page_number=1 + i % 4, page_size=10)
        _expect(
            isinstance(page, ActionTargetListing) and len(page.entities or ()) == 10,
            f"get_journey_actiontargets returned {_short(page)}",
        )
        return page

    async def segment_page(self, i: int) -> SegmentAssignmentListing:
        session = self.sessions[i % len(self.sessions)]
        page = await self._client(i).get_journey_session_segments(session, page_size=25)
        _expect(
            isinstance(page, SegmentAssignmentListing) and len(page.entities or ()) == 25,
            f"get_journey_session_segments returned {_short(page)}",
        )
        return page

    async def segment_stream(self, i: int) -> Any:
        """Read to the limit (40%), break out early (30%), or cancel mid-stream (30%)."""
        session = self.sessions[i % len(self.sessions)]
        pager = self._client(i).iter_journey_session_segments(
            session, page_size=STREAM_PAGE, limit=STREAM_LIMIT
        )
        ids: list[str | None] = []
        roll = self.rng.random()
        stop = self.rng.randint(1, STREAM_LIMIT - 1)
        if roll < 0.4:
            async with pager:
                ids = [item.id async for item in pager]
            _expect_stream(ids, STREAM_LIMIT, "read to the end")
            self.streams["read to the end"] += 1
            return ids
        if roll < 0.7:
            async with contextlib.aclosing(pager):
                async for item in pager:
                    ids.append(item.id)
                    if len(ids) == stop:
                        break
            _expect_stream(ids, stop, "broken out of")
            self.streams["broken out of early"] += 1
            return ids
        with anyio.CancelScope() as scope:
            async with pager:
                async for item in pager:
                    ids.append(item.id)
                    if len(ids) == stop:
                        scope.cancel()  # lands at the next fetch, with a prefetch in flight
        if not scope.cancelled_caught:  # the rest came without a checkpoint
            _expect_stream(ids, STREAM_LIMIT, "cancelled after its last page")
            self.streams["cancelled after its last fetch"] += 1
            return ids
        _expect(
            stop <= len(ids) <= STREAM_LIMIT and len(set(ids)) == len(ids) and None not in ids,
            f"a stream cancelled after {stop} items handed out {len(ids)} ({len(set(ids))} "
            "distinct)",
        )
        self.streams["cancelled mid-stream"] += 1
        return CANCELLED_INSIDE

    async def aggregates(self, i: int) -> JourneyAggregateQueryResponse:
        answer = await self._client(i).post_analytics_journeys_aggregates_query(AGGREGATE_QUERY)
        _expect(
            isinstance(answer, JourneyAggregateQueryResponse) and answer.results is not None,
            f"post_analytics_journeys_aggregates_query returned {_short(answer)}",
        )
        return answer

    async def assign(self, i: int) -> tuple[str, str]:
        contact = self.contacts[i % len(self.contacts)]
        await self._client(i).post_journey_externalcontact_segments(
            contact, body=[{"segmentId": f"soak-{i}", "state": "Assigned"}]
        )
        self.assigned.append((contact, f"soak-{i}"))  # checked on the server at the end
        return contact, f"soak-{i}"

    async def map_batch(self, i: int) -> list[Any]:
        """8 lookups through `map` or `map_unordered`; 2 of them under their own timeout."""
        client = self._client(i)
        ids = [self.targets[(i + k) % len(self.targets)] for k in range(MAP_ITEMS)]
        timed = set(self.rng.sample(range(MAP_ITEMS), MAP_TIMED_ITEMS))
        limits = [
            self.rng.uniform(*CALLER_TIMEOUT) if k in timed else None for k in range(MAP_ITEMS)
        ]

        async def one(k: int) -> ActionTarget:
            limit = limits[k]
            if limit is None:
                return await client.get_journey_actiontarget(ids[k])
            with anyio.fail_after(limit):
                return await client.get_journey_actiontarget(ids[k])

        items = list(range(MAP_ITEMS))
        if self.rng.random() < 0.5:
            how = "map"
            results = await client.map(one, items, concurrency=4, return_exceptions=True)
            _expect(
                isinstance(results, list) and len(results) == MAP_ITEMS,
                f"map over {MAP_ITEMS} items returned {_short(results)}",
            )
        else:
            how = "map_unordered"
            pairs: list[tuple[int, Any]] = []
            async with client.map_unordered(
                one, items, concurrency=4, return_exceptions=True
            ) as stream:
                async for pair in stream:
                    pairs.append(pair)
            got = sorted(k for k, _ in pairs)
            _expect(got == items, f"map_unordered over {items} gave results for {got}")
            results = [result for _, result in sorted(pairs, key=lambda pair: pair[0])]
        tally: Counter[str] = Counter()
        for k, result in enumerate(results):
            tally[self._item_outcome(how, ids[k], limits[k], result)] += 1
        self.map_items.update(tally)  # only batches that returned
        self.map_batches[how] += 1
        return results

    def _item_outcome(self, how: str, target_id: str, limit: float | None, result: Any) -> str:
        if isinstance(result, ActionTarget) and result.id == target_id:
            return SUCCESS
        if isinstance(result, JourneyError):
            self._check_documented(result, f"{how} item")
            return type(result).__name__
        if isinstance(result, TimeoutError) and limit is not None:
            return OWN_TIMEOUT
        if isinstance(result, BaseException):
            self._record_unexpected(result, f"{how} item (timeout {limit})")
            return type(result).__name__
        self.lost.append(f"{how} item {target_id}: {_short(result)} in place of its result")
        return LOST

    # -- how callers run them -------------------------------------------------------------------

    def _pick_mode(self) -> str:
        roll = self.rng.random()
        if roll < self.timeouts:
            if self.asyncio and _asyncio_timeout is not None and self.rng.random() < 0.5:
                return ASYNCIO_TIMEOUT
            return ANYIO_TIMEOUT
        if roll < self.timeouts + self.cancels:
            return TASK_CANCEL if self.asyncio and self.rng.random() < 0.5 else SCOPE_CANCEL
        return PLAIN

    def _stopping(self) -> bool:
        return self.limit_scope is not None and self.limit_scope.cancel_called

    def _done(self, mode: str, result: Any, fired: bool) -> str:
        """The call returned: its value, or a stream its consumer cancelled."""
        if fired:
            self.not_honoured[mode] += 1
        return CANCELLED if result is CANCELLED_INSIDE else SUCCESS

    async def call(self, i: int) -> str:
        """Run call `i` the way a randomly chosen caller would; return its one outcome."""
        op = self.ops[i % len(self.ops)]
        mode = self._pick_mode()
        self.running[i] = (time.monotonic(), f"call {i}, {op.__name__}, {mode}")
        try:
            outcome = await self._run(mode, op, i)
        except JourneyError as exc:
            outcome = type(exc).__name__
            self._check_documented(exc, f"{op.__name__} ({mode})")
        except _Lost as exc:
            outcome = LOST
            self.lost.append(f"{op.__name__} ({mode}): {exc}")
        except anyio.get_cancelled_exc_class() as exc:
            if self._stopping():
                raise
            # Nobody asked for this one: a cancellation that escaped its scope.
            outcome = "stray cancellation"
            self._record_unexpected(exc, f"{op.__name__} ({mode})")
        except Exception as exc:
            outcome = type(exc).__name__
            self._record_unexpected(exc, f"{op.__name__} ({mode})")
        self._check_task(op.__name__, mode)
        self.by_mode[mode][outcome] += 1
        return outcome

    async def _run(self, mode: str, op: Callable[[int], Awaitable[Any]], i: int) -> str:
        if mode == PLAIN:
            return self._done(mode, await op(i), False)
        if mode == ANYIO_TIMEOUT:
            return await self._under_anyio_timeout(op, i)
        if mode == ASYNCIO_TIMEOUT:
            return await self._under_asyncio_timeout(op, i)
        if mode == SCOPE_CANCEL:
            return await self._cancelled_by_task(op, i)
        return await self._cancelled_by_timer(op, i)

    async def _under_anyio_timeout(self, op: Callable[[int], Awaitable[Any]], i: int) -> str:
        limit = self.rng.uniform(*CALLER_TIMEOUT)
        deadline = time.monotonic() + limit
        scope: anyio.CancelScope | None = None
        try:
            with anyio.fail_after(limit) as scope:
                result = await op(i)
        except TimeoutError as exc:
            if isinstance(exc, JourneyError) or scope is None or not scope.cancelled_caught:
                self._note(ANYIO_TIMEOUT, scope is not None and scope.cancel_called)
                raise
            self.overshoot[ANYIO_TIMEOUT].append(1000 * (time.monotonic() - deadline))
            return OWN_TIMEOUT
        except Exception:
            self._note(ANYIO_TIMEOUT, scope is not None and scope.cancel_called)
            raise
        return self._done(ANYIO_TIMEOUT, result, scope.cancel_called)

    async def _under_asyncio_timeout(self, op: Callable[[int], Awaitable[Any]], i: int) -> str:
        assert _asyncio_timeout is not None
        limit = self.rng.uniform(*CALLER_TIMEOUT)
        deadline = time.monotonic() + limit
        timer: Any = None
        try:
            async with _asyncio_timeout(limit) as timer:
                result = await op(i)
        except TimeoutError as exc:
            if isinstance(exc, JourneyError) or timer is None or not timer.expired():
                self._note(ASYNCIO_TIMEOUT, timer is not None and timer.expired())
                raise
            self.overshoot[ASYNCIO_TIMEOUT].append(1000 * (time.monotonic() - deadline))
            return OWN_TIMEOUT
        except Exception:
            self._note(ASYNCIO_TIMEOUT, timer is not None and timer.expired())
            raise
        return self._done(ASYNCIO_TIMEOUT, result, timer.expired())

    async def _cancelled_by_task(self, op: Callable[[int], Awaitable[Any]], i: int) -> str:
        """A cancel scope around the call, cancelled by another task after 0-30 ms."""
        assert self.side is not None
        state = _Cancel()
        scope = anyio.CancelScope()
        self.side.start_soon(_cancel_later, scope, self.rng.uniform(*CANCEL_DELAY), state)
        try:
            with scope:
                result = await op(i)
        except Exception:
            self._note(SCOPE_CANCEL, state.fired is not None)
            raise
        finally:
            state.done = True
        if scope.cancelled_caught:
            assert state.fired is not None
            self.overshoot[SCOPE_CANCEL].append(1000 * (time.monotonic() - state.fired))
            return CANCELLED
        return self._done(SCOPE_CANCEL, result, state.fired is not None)

    async def _cancelled_by_timer(self, op: Callable[[int], Awaitable[Any]], i: int) -> str:
        """The call in its own asyncio task, which a timer cancels (`Task.cancel()`) after
        0-30 ms: what `asyncio.wait_for`, `TaskGroup` and application code do."""
        loop = asyncio.get_running_loop()
        task: asyncio.Task[Any] = loop.create_task(_coroutine(op, i))
        requested: list[float] = []

        def cancel() -> None:
            if task.cancel():
                requested.append(time.monotonic())

        handle = loop.call_later(self.rng.uniform(*CANCEL_DELAY), cancel)
        try:
            result = await task
        except asyncio.CancelledError:
            me = asyncio.current_task()
            if task.cancelled() and requested and not _cancelling(me):
                self.overshoot[TASK_CANCEL].append(1000 * (time.monotonic() - requested[0]))
                return CANCELLED
            raise
        except Exception:
            self._note(TASK_CANCEL, bool(requested))
            raise
        finally:
            handle.cancel()
        return self._done(TASK_CANCEL, result, bool(requested))

    # -- bookkeeping ----------------------------------------------------------------------------

    def _note(self, mode: str, fired: bool) -> None:
        if fired:
            self.not_honoured[mode] += 1

    def _check_documented(self, exc: JourneyError, where: str) -> None:
        if not isinstance(exc, EXPECTED_FAILURES) or isinstance(exc, PaginationError):
            self._record_unexpected(exc, where)

    def _record_unexpected(self, exc: BaseException, where: str) -> None:
        self.unexpected.append(f"{where}: {type(exc).__name__}: {exc}")
        if len(self.tracebacks) < 5:
            self.tracebacks.append(f"{where}:\n" + "".join(traceback.format_exception(exc)))

    def _check_task(self, op: str, mode: str) -> None:
        """On asyncio, a call must not leave a cancellation request pending on its caller's
        task (a swallowed `Task.cancel()`): the caller's next await would be cancelled."""
        if not self.asyncio or self._stopping():
            return
        task = asyncio.current_task()
        pending = _cancelling(task)
        if task is not None and pending:
            self.unexpected.append(
                f"{op} ({mode}): left {pending} cancellation request(s) pending on the task"
            )
            uncancel = getattr(task, "uncancel")  # noqa: B009 - Python 3.11+, as cancelling()
            while _cancelling(task):
                uncancel()  # so the rest of the run is not disturbed

    async def phase(self, first: int, last: int, concurrency: int) -> None:
        """Calls `first` to `last - 1`, `concurrency` at once."""
        numbers = iter(range(first, last))

        async def worker() -> None:
            for i in numbers:
                self.started += 1
                outcome = None
                try:
                    outcome = await self.call(i)
                finally:
                    since, what = self.running.pop(i)
                    if outcome is None:  # cut by the time limit (or a BaseException)
                        self.cut += 1
                        age = time.monotonic() - since
                        if self.oldest_cut is None or age > self.oldest_cut[0]:
                            self.oldest_cut = (age, what)
                self.outcomes[outcome] += 1
                self.completed += 1

        async with anyio.create_task_group() as side:
            self.side = side
            async with anyio.create_task_group() as workers:
                for _ in range(min(concurrency, last - first)):
                    workers.start_soon(worker)


def _pooled_connections(concurrency: int) -> int:
    return max(2, concurrency // 4)


async def _coroutine(op: Callable[[int], Awaitable[Any]], i: int) -> Any:
    """`op(i)` as a coroutine (what `create_task` takes)."""
    return await op(i)


def _cancelling(task: asyncio.Task[Any] | None) -> int:
    """`task.cancelling()`: cancellation requests pending on `task` (0 before Python 3.11)."""
    count = getattr(task, "cancelling", None)
    return int(count()) if count is not None else 0


def _expect_stream(ids: list[str | None], expected: int, how: str) -> None:
    _expect(
        len(ids) == expected and len(set(ids)) == expected and None not in ids,
        f"a stream {how} handed out {len(ids)} items ({len(set(ids))} distinct), "
        f"expected {expected}",
    )


async def _cancel_later(scope: anyio.CancelScope, delay: float, state: _Cancel) -> None:
    await anyio.sleep(delay)
    if not state.done:
        state.fired = time.monotonic()
        scope.cancel()


# -- the run ------------------------------------------------------------------------------------


async def run_soak(
    calls: int = 20_000,
    concurrency: int = 64,
    *,
    time_limit: float = 120.0,
    retry_after: float = 0.05,
    faults: dict[str, int] | None = None,
    in_process: bool = True,
    timeouts: float = TIMEOUT_SHARE,
    cancels: float = CANCEL_SHARE,
    seed: int = 0,
) -> SoakResult:
    """Run the soak in the current event loop and return what happened.

    `in_process=True` serves the fake from a thread of this process (its sockets count in the
    fd figures); False runs it in a child process. `timeouts` and `cancels` are the shares of
    calls run under the caller's own timeout and cancelled from outside.
    """
    chosen = faults if faults is not None else INJECTED
    gc.collect()
    rss_start = rss_mib()
    # Only ids are read on this side: the same seed gives the child the same data.
    api = _make_api(chosen, retry_after)
    server = _thread_server(api) if in_process else _process_server(chosen, retry_after)
    loop_errors: list[str] = []
    rss_baseline: float | None = None
    warmup = min(calls, max(200, calls // 10))
    with server as view, _loop_errors(loop_errors):
        url = view.url
        fds_start = open_fds()
        tasks_start = _task_count()
        started = time.perf_counter()
        retry = RetryPolicy(backoff_base=0.05, backoff_max=0.5, budget=BUDGET)
        # Half the calls queue for the client's in-flight slots (the default, 8), the other
        # half in httpcore's pool (no slots, fewer connections than callers).
        slotted = JourneyClient(
            "fake-token", base_url=url, timeout=10.0, retry=retry, max_connections=concurrency
        )
        pooled = JourneyClient(
            "fake-token",
            base_url=url,
            timeout=10.0,
            retry=retry,
            max_connections=_pooled_connections(concurrency),
            max_in_flight=None,
        )
        clients = [slotted, pooled]
        soak = _Soak(clients, api, seed=seed, timeouts=timeouts, cancels=cancels)
        try:
            with anyio.move_on_after(time_limit) as scope:
                soak.limit_scope = scope
                await soak.phase(0, warmup, concurrency)
                gc.collect()
                rss_baseline = rss_mib()
                await soak.phase(warmup, calls, concurrency)
            seconds = time.perf_counter() - started
            # Idle now: nothing may be left queued, connecting or mid-request.
            pool_queued = sum(_pool_queue(client) for client in clients)
            pool_states = sum((_pool_states(client) for client in clients), Counter[str]())
            slots = slotted._path.slots
            described = (
                f"{slots.total if slots else 'no'} in-flight slots and {concurrency} connections"
                f"; no slots and {_pooled_connections(concurrency)} connections"
            )
            gates = [client.rate_limit_gate for client in clients]
        finally:
            for client in clients:
                await client.aclose()
        fds_end = await _settle_fds(fds_start)
        tasks_end = await _settle_tasks(tasks_start)
        gc.collect()
        rss_end = rss_mib()
        stats = view.snapshot()
        updates = stats["segment_updates"]
        missing = sum(
            1
            for contact, segment in soak.assigned
            if updates.get(contact, {}).get(segment) != "Assigned"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return SoakResult(
        calls=calls,
        completed=soak.completed,
        seconds=seconds,
        outcomes=soak.outcomes,
        unexpected=soak.unexpected,
        fds_start=fds_start,
        fds_end=fds_end,
        pool_queued_end=pool_queued,
        peak_rss_mib=peak,
        server_requests=stats["requests"],
        server_dropped=stats["dropped"],
        server_by_status={int(k): v for k, v in stats["by_status"].items()},
        assigns_missing=missing,
        timed_out=scope.cancelled_caught,
        clients=described,
        gate_rounds=sum(gate.rounds for gate in gates),
        gate_pace=max((gate.pace for gate in gates if gate.pace), default=None),
        lost=soak.lost,
        unaccounted=soak.started - soak.completed - soak.cut,
        cut_by_time_limit=soak.cut,
        oldest_cut=soak.oldest_cut,
        by_mode={mode: counts for mode, counts in soak.by_mode.items() if counts},
        overshoot_ms={mode: values for mode, values in soak.overshoot.items() if values},
        not_honoured=soak.not_honoured,
        map_batches=soak.map_batches,
        map_items=soak.map_items,
        streams=soak.streams,
        tracebacks=soak.tracebacks,
        rss_start_mib=rss_start,
        rss_baseline_mib=rss_baseline,
        rss_end_mib=rss_end,
        pool_states_end=pool_states,
        slots_in_use_end=slots.in_use if slots is not None else 0,
        slots_waiting_end=slots.waiting if slots is not None else 0,
        gate_waiting_end=sum(gate.waiting for gate in gates),
        tasks_start=tasks_start,
        tasks_end=tasks_end,
        loop_errors=loop_errors,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds (default 120)")
    parser.add_argument(
        "--timeouts",
        type=float,
        default=TIMEOUT_SHARE,
        help=f"share of calls under a 1-30 ms caller timeout (default {TIMEOUT_SHARE})",
    )
    parser.add_argument(
        "--cancels",
        type=float,
        default=CANCEL_SHARE,
        help=f"share of calls cancelled from outside after 0-30 ms (default {CANCEL_SHARE})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the callers' choices")
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
    if args.timeouts < 0 or args.cancels < 0 or args.timeouts + args.cancels > 1:
        parser.error("--timeouts and --cancels must be >= 0 and add up to at most 1")
    result = anyio.run(
        lambda: run_soak(
            args.calls,
            args.concurrency,
            time_limit=args.time_limit,
            in_process=args.in_process,
            timeouts=args.timeouts,
            cancels=args.cancels,
            seed=args.seed,
        )
    )
    print(
        f"## Soak: {args.calls:,} calls at concurrency {args.concurrency} "
        f"(faults: {', '.join(f'{k}={v}' for k, v in INJECTED.items())}, retry_after=0.05; "
        f"caller timeouts {args.timeouts:.0%}, outside cancels {args.cancels:.0%}; "
        f"fake {'in a thread' if args.in_process else 'in a child process'})\n"
    )
    print(result.table())
    for line in result.unexpected[:10]:
        print(f"undocumented: {line}", file=sys.stderr)
    for line in result.lost[:10]:
        print(f"lost: {line}", file=sys.stderr)
    for line in result.loop_errors[:10]:
        print(f"event loop: {line}", file=sys.stderr)
    for text in result.tracebacks[:3]:
        print(text, file=sys.stderr)
    if result.timed_out:
        oldest = result.oldest_cut
        print(
            f"note: stopped by the time limit after {result.completed:,} of {result.calls:,} "
            f"calls; {result.cut_by_time_limit} were cut"
            + (f", the oldest after {oldest[0]:.1f} s ({oldest[1]})" if oldest else ""),
            file=sys.stderr,
        )
    problems = result.problems()
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
