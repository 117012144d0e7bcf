"""Where a sequential call's time goes (W3), and what the asyncio send guard costs.

Each against nginx by default (`--server loopback` for the Python server):

* `guard`: W3 (sequential `get_journey_actiontarget`, default transport, asyncio) with the
  send path's cancellation guard (`journey_async._send._guarded`: the exchange runs in a child
  task so that httpcore's pool is shielded from asyncio's native cancellation) and without it
  (the benchmark's child process patches `SendPath._send_once` to await `self._exchange`
  directly: a measurement only, the client is never run like that). Interleaved runs, each in
  a fresh process: p50, mean and the client's CPU time per call; then the same in one process,
  blocks of 50 calls with and without in turn. `--workload w1` measures W1 instead (`map` at
  concurrency 32, 8 requests in flight): seconds, req/s and CPU per call.
* `micro`: the guard's machinery alone, in one process, no network: awaiting
  `_guarded(exchange, request)` against awaiting `exchange(request)` directly, for an exchange
  that returns at once and one that yields to the event loop once (as a real exchange does).
* `server`: what the server itself spends: the CPU time per request of nginx and of
  `loopback.py` (from /proc, Linux) while bare aiohttp and bare httpx make sequential calls,
  and those clients' p50 against each.
* `profile`: cProfile over W3's timed calls in a fresh process (the default client, or
  `--client httpx|aiohttp|journey_async_aiohttp`): the top functions by own time and by
  cumulative time, in microseconds per call, and own time summed by package. cProfile adds a
  fixed cost to every Python call, so read the shares, not the absolute figures; the
  unprofiled p50 of the same process is printed beside them.
* `sample`: the same W3 under py-spy (`pip install py-spy` or `PY_SPY=...`; not a dependency),
  sampling at `--rate` Hz: the user CPU time per call of an unsampled run, spread over the
  functions in proportion to their samples (samples in send(2) and epoll_wait(2) set aside).

    python benchmarks/bench_profile.py guard [--runs 5] [--calls 500] [--server nginx]
    python benchmarks/bench_profile.py guard --workload w1 [--runs 3]   # W1: map, 8 in flight
    python benchmarks/bench_profile.py micro [--loops 20000]
    python benchmarks/bench_profile.py server [--runs 3] [--calls 3000]
    python benchmarks/bench_profile.py profile [--calls 2000] [--top 10] [--client journey_async]
    python benchmarks/bench_profile.py sample [--calls 4000] [--rate 250]   # needs py-spy
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_latency  # noqa: E402
from _util import (  # noqa: E402
    SERVERS,
    add_baseline_option,
    baseline_env,
    bench_server,
    interleaved,
    machine,
    median,
    run_child,
    server_label,
    table,
)


async def _guarded(exchange: Any, request: Any) -> Any:
    """The asyncio send guard as the package had it for a while on 2026-11-28 (the exchange in
    a child task that only anyio-style cancellation reaches). Measured here, it cost about
    25 us a sequential call and a quarter of W1's throughput, and was replaced by
    `journey_async._send.repair_pool`, which costs nothing unless a send fails."""
    import anyio

    scope = anyio.CancelScope()

    async def child() -> Any:
        with scope:
            return await exchange(request)
        raise anyio.get_cancelled_exc_class()

    task = asyncio.get_running_loop().create_task(child())
    try:
        return await asyncio.shield(task)
    except BaseException:
        scope.cancel()
        with anyio.CancelScope(shield=True):
            await asyncio.wait((task,))
        if not task.cancelled():
            task.exception()
        raise


def add_guard() -> None:
    """Patch the send path to run each exchange in the old guard's child task (benchmark only)."""
    from journey_async import _send

    shipped = _send.SendPath._send_once

    def _send_once(self: _send.SendPath, request: Any) -> Any:
        return _guarded(lambda r: shipped(self, r), request)

    _send.SendPath._send_once = _send_once  # type: ignore[method-assign]


# -- guard: W3 with and without the child task ---------------------------------------------------


def guard_child(args: argparse.Namespace) -> None:
    import anyio

    if args.variant == "alternate":
        print(json.dumps(anyio.run(alternate_blocks, args.base_url, args.calls)))
        return
    if args.variant == "with":
        add_guard()
    if args.workload == "w1":
        import bench_bulk

        ids = [f"t-{i}" for i in range(args.calls)]
        usage = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        anyio.run(bench_bulk.run_journey, args.base_url, ids, 32)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime)
        print(
            json.dumps(
                {"seconds": elapsed, "per_call": elapsed / args.calls, "cpu": cpu / args.calls}
            )
        )
        return
    times = anyio.run(bench_latency.journey_calls, args.base_url, args.calls)
    print(json.dumps(bench_latency.summary(times)))


async def alternate_blocks(base_url: str, calls: int, block: int = 50) -> dict[str, float]:
    """One client, one connection: blocks of `block` calls with and without the guard in
    turn, `calls` calls each in all; p50 and CPU per call of each, and their differences."""
    import resource

    from journey_async import JourneyClient, _send

    shipped = _send.SendPath._send_once
    add_guard()
    guarded = _send.SendPath._send_once
    times: dict[str, list[float]] = {"with": [], "without": []}
    cpu = {"with": 0.0, "without": 0.0}
    async with JourneyClient(bench_latency.TOKEN, base_url=base_url) as client:
        for i in range(50):
            await client.get_journey_actiontarget(f"w-{i}")
        for round_ in range(2 * max(1, calls // block)):
            variant = ("with", "without")[round_ % 2]
            _send.SendPath._send_once = guarded if variant == "with" else shipped  # type: ignore[method-assign]
            usage = resource.getrusage(resource.RUSAGE_SELF)
            for i in range(block):
                started = time.perf_counter()
                await client.get_journey_actiontarget(f"t-{i}")
                times[variant].append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu[variant] += (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime)
    _send.SendPath._send_once = shipped  # type: ignore[method-assign]
    out = {}
    for variant, values in times.items():
        out[f"{variant}_p50"] = statistics.median(values)
        out[f"{variant}_cpu"] = cpu[variant] / len(values)
    out["p50_cost"] = out["with_p50"] - out["without_p50"]
    out["cpu_cost"] = out["with_cpu"] - out["without_cpu"]
    return out


def guard_main(args: argparse.Namespace) -> None:
    if args.workload == "w1":
        guard_w1(args)
        return
    variants = [
        ("with the old child-task guard", "with"),
        ("as shipped (repair_pool on failure only)", "without"),
    ]
    with bench_server(args.server, items=1000) as base:

        def measure(variant: tuple[str, str]) -> dict[str, float]:
            return run_child(
                [
                    str(Path(__file__)),
                    "guard",
                    "--child",
                    "--variant",
                    variant[1],
                    "--base-url",
                    base,
                    "--calls",
                    str(args.calls),
                ]
            )

        runs = interleaved(args.runs, variants, measure)
        # Across processes the noise can be larger than the guard; in one process, alternating
        # blocks of calls on one connection, it is not.
        alt = [
            run_child(
                [
                    str(Path(__file__)),
                    "guard",
                    "--child",
                    "--variant",
                    "alternate",
                    "--base-url",
                    base,
                    "--calls",
                    str(args.calls),
                ]
            )
            for _ in range(args.runs)
        ]
    keys = ("p50", "mean", "cpu")
    results = {
        label: {key: median([r[key] for r in rs]) for key in keys}
        for (label, _), rs in zip(variants, runs, strict=True)
    }
    # Per-round differences too: both variants of a round ran within seconds of each other.
    paired = {
        key: median([w[key] - wo[key] for w, wo in zip(runs[0], runs[1], strict=True)])
        for key in keys
    }
    print(
        f"{machine()}; journey_async W3, {args.calls} sequential GETs on asyncio against "
        f"{server_label(args.server)}; median of {args.runs} interleaved runs\n"
    )
    rows = [[label, *(f"{r[key] * 1e6:.0f}" for key in keys)] for label, r in results.items()]
    rows.append(
        ["the guard costs (median of per-round differences)"]
        + [f"{paired[key] * 1e6:+.0f}" for key in keys]
    )
    print(table(["send path", "p50 us", "mean us", "CPU us/call"], rows))
    print(
        f"\nThe same in one process: blocks of 50 calls with and without the guard in turn, "
        f"{args.calls} calls each; median of {args.runs} processes\n"
    )
    print(
        table(
            ["send path", "p50 us", "CPU us/call"],
            [
                [
                    label,
                    f"{median([a[f'{v}_p50'] for a in alt]) * 1e6:.0f}",
                    f"{median([a[f'{v}_cpu'] for a in alt]) * 1e6:.0f}",
                ]
                for label, v in variants
            ]
            + [
                [
                    "the guard costs (median of per-process differences)",
                    f"{median([a['p50_cost'] for a in alt]) * 1e6:+.1f}",
                    f"{median([a['cpu_cost'] for a in alt]) * 1e6:+.1f}",
                ]
            ],
        )
    )


def guard_w1(args: argparse.Namespace) -> None:
    """W1 (`map` at concurrency 32: 8 requests in flight) with and without the guard."""
    variants = [
        ("with the old child-task guard", "with"),
        ("as shipped (repair_pool on failure only)", "without"),
    ]
    calls = args.calls if args.calls != 500 else 2000
    with bench_server(args.server, items=1000) as base:

        def measure(variant: tuple[str, str]) -> dict[str, float]:
            child = [str(Path(__file__)), "guard", "--child", "--workload", "w1"]
            return run_child(
                [*child, "--variant", variant[1], "--base-url", base, "--calls", str(calls)]
            )

        runs = interleaved(args.runs, variants, measure)
    keys = ("seconds", "per_call", "cpu")
    results = {
        label: {key: median([r[key] for r in rs]) for key in keys}
        for (label, _), rs in zip(variants, runs, strict=True)
    }
    paired = {
        key: median([w[key] - wo[key] for w, wo in zip(runs[0], runs[1], strict=True)])
        for key in keys
    }
    print(
        f"{machine()}; journey_async W1, {calls:,} lookups with `map` at concurrency 32 on "
        f"asyncio against {server_label(args.server)}; median of {args.runs} interleaved runs\n"
    )
    rows = [
        [
            label,
            f"{r['seconds']:.2f}",
            f"{1 / r['per_call']:,.0f}",
            f"{r['per_call'] * 1e6:.0f}",
            f"{r['cpu'] * 1e6:.0f}",
        ]
        for label, r in results.items()
    ]
    rows.append(
        [
            "the guard costs (median of per-round differences)",
            f"{paired['seconds']:+.2f}",
            "",
            f"{paired['per_call'] * 1e6:+.0f}",
            f"{paired['cpu'] * 1e6:+.0f}",
        ]
    )
    print(table(["send path", "seconds", "req/s", "us per call (wall)", "CPU us/call"], rows))


# -- server: what each server spends per request ---------------------------------------------


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's child processes so far (Linux /proc):
    the server started by `bench_server`."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():  # the parent pid
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def server_main(args: argparse.Namespace) -> None:
    """W3 in this process against each server in turn: p50 and the server's CPU per request."""
    import anyio
    from nginx_server import nginx_binary

    kinds = ["nginx", "loopback"] if nginx_binary() else ["loopback"]
    clients = [("bare aiohttp", "aiohttp"), ("bare httpx", "httpx")]
    rows: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(args.runs):
        for kind in kinds:
            with bench_server(kind, items=1000) as base:
                for label, client in clients:
                    before = children_cpu()
                    times = anyio.run(bench_latency.CLIENTS[client], base, args.calls)
                    cpu = (children_cpu() - before) / (args.calls + 20)
                    rows.setdefault((kind, label), []).append((statistics.median(times), cpu))
    print(
        f"{machine()}; {args.calls:,} sequential GETs per client and server, in one process; "
        f"median of {args.runs} rounds; server CPU from /proc (10 ms ticks)\n"
    )
    print(
        table(
            ["server", "client", "client p50 us", "server CPU us per request"],
            [
                [
                    server_label(kind),
                    label,
                    f"{median([p for p, _ in values]) * 1e6:.0f}",
                    f"{median([c for _, c in values]) * 1e6:.0f}",
                ]
                for (kind, label), values in rows.items()
            ],
        )
    )


# -- micro: the guard's machinery, no network -----------------------------------------------------


async def micro_async(loops: int) -> dict[str, float]:
    """us per await of each way of running an exchange that yields to the loop once."""
    import anyio
    import httpx
    import sniffio

    loop = asyncio.get_running_loop()
    request = httpx.Request("GET", "http://127.0.0.1/x")
    response = httpx.Response(200)

    async def exchange(_: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)  # a real exchange waits for the socket at least once
        return response

    async def at_once(_: httpx.Request) -> httpx.Response:
        return response

    async def scoped() -> httpx.Response:
        with anyio.CancelScope():
            return await exchange(request)

    async def direct() -> object:
        return await exchange(request)

    async def task_only() -> object:
        return await loop.create_task(exchange(request))

    async def task_shield() -> object:
        return await asyncio.shield(loop.create_task(exchange(request)))

    async def task_scope() -> object:
        return await loop.create_task(scoped())

    async def task_scope_shield() -> object:
        return await asyncio.shield(loop.create_task(scoped()))

    async def guarded() -> object:
        return await _guarded(exchange, request)

    async def direct_at_once() -> object:
        return await at_once(request)

    async def guarded_at_once() -> object:
        return await _guarded(at_once, request)

    async def sniff() -> object:
        return sniffio.current_async_library()

    cases = {
        "direct await (as shipped)": direct,
        "child task": task_only,
        "child task + asyncio.shield": task_shield,
        "child task + anyio.CancelScope in it": task_scope,
        "child task + CancelScope + shield": task_scope_shield,
        "the old `_guarded` (all of the above)": guarded,
        "`sniffio.current_async_library()` (the check before it)": sniff,
        "direct await, exchange returns at once": direct_at_once,
        "`_guarded`, exchange returns at once": guarded_at_once,
    }
    results: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(7):  # rounds, interleaved; best of 7
        for label, fn in cases.items():
            started = time.perf_counter()
            for _ in range(loops):
                await fn()
            results[label].append((time.perf_counter() - started) / loops)
    return {label: min(values) for label, values in results.items()}


def micro_main(args: argparse.Namespace) -> None:
    import anyio

    figures = anyio.run(micro_async, args.loops)
    base = figures["direct await (as shipped)"]
    print(
        f"{machine()}; one process, no network, asyncio; an exchange that yields to the event "
        f"loop once, awaited {args.loops:,} times per round, best of 7 interleaved rounds\n"
    )
    rows = []
    for label, seconds in figures.items():
        ref = figures["direct await, exchange returns at once"] if "at once" in label else base
        extra = "" if label.startswith("`sniffio") else f"{(seconds - ref) * 1e6:+.1f}"
        rows.append([label, f"{seconds * 1e6:.1f}", extra])
    print(table(["way of awaiting the exchange", "us per call", "over a direct await"], rows))


# -- profile: cProfile over W3 --------------------------------------------------------------------

PACKAGES = [
    ("/journey_async/", "journey_async"),
    ("/httpx_aiohttp/", "httpx_aiohttp"),
    ("/httpx/", "httpx"),
    ("/httpcore/", "httpcore"),
    ("/h11/", "h11"),
    ("/anyio/", "anyio"),
    ("/sniffio/", "sniffio"),
    ("/aiohttp/", "aiohttp"),
    ("/yarl/", "yarl"),
    ("/multidict/", "multidict"),
]


def package_of(filename: str, function: str) -> str:
    """The package a function's own time is booked to; the standard library by module."""
    for marker, name in PACKAGES:
        if marker in filename:
            return name
    if filename in ("~", "/~"):
        if "_socket.socket" in function or "select.epoll" in function:
            return "socket and epoll (kernel calls)"
        return "builtins and C methods"
    if "bench_profile" in filename or "bench_latency" in filename:
        return "the benchmark loop"
    generated = filename.lstrip("/")
    if generated.startswith("<journey_async"):
        return "journey_async (generated decoders)"
    if generated.startswith("<attrs generated"):
        return "attrs (generated methods)"
    if generated.startswith("<frozen"):
        return "import machinery and abc (frozen)"
    if generated.startswith("<"):
        return "other generated code"
    path = filename.split("/lib/python3", 1)[-1]
    if path is not filename:  # .../lib/python3.11/http/cookiejar.py: drop "X.Y/"
        path = path.split("/", 1)[-1]
    module = path.strip("/").split("/", 1)[0].removesuffix(")").removesuffix(".py")
    return f"{module} (stdlib)"


def short(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    if filename == "~":
        return function.replace("<", "").replace(">", "")
    for marker in ("site-packages/", "/lib/python3", "/work/main/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            if marker == "/lib/python3":
                filename = filename.split("/", 1)[1]
            break
    return f"{filename}:{line} {function}"


async def profiled_calls(client: str, base_url: str, calls: int) -> dict[str, object]:
    """Warm-up and one unprofiled W3 run (its p50), then `calls` calls under cProfile."""
    import cProfile

    fn = bench_latency.CLIENTS[client]
    times = await fn(base_url, 300)
    unprofiled = statistics.median(times)
    profiler = cProfile.Profile()
    # The same loop as bench_latency's, with the profiler on around the timed calls only.
    bench_latency.CPU.clear()
    original = bench_latency.mark_cpu
    bench_latency.mark_cpu = lambda: (  # type: ignore[assignment]
        profiler.disable() if bench_latency.CPU else profiler.enable(),
        bench_latency.CPU.append(time.process_time()),
    )
    try:
        profiled = await fn(base_url, calls)
    finally:
        bench_latency.mark_cpu = original
    profiler.disable()
    return {
        "profiler": profiler,
        "unprofiled_p50": unprofiled,
        "profiled_p50": statistics.median(profiled),
    }


def profile_child(args: argparse.Namespace) -> None:
    import pstats

    import anyio

    if args.variant == "with":
        add_guard()
    out = anyio.run(profiled_calls, args.client, args.base_url, args.calls)
    stats = pstats.Stats(out["profiler"])  # type: ignore[arg-type]
    entries = stats.stats  # type: ignore[attr-defined]
    n = args.calls
    total = sum(tt for (_, _, tt, _, _) in entries.values())
    by_package: dict[str, float] = {}
    for key, (_, _, tt, _, _) in entries.items():
        name = package_of(key[0], key[2])
        by_package[name] = by_package.get(name, 0.0) + tt
    own = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)[: args.top]
    cumulative = sorted(
        (kv for kv in entries.items() if "bench_" not in kv[0][0] and kv[0][2] != "run"),
        key=lambda kv: kv[1][3],
        reverse=True,
    )[: args.top * 3]
    print(
        json.dumps(
            {
                "unprofiled_p50": out["unprofiled_p50"],
                "profiled_p50": out["profiled_p50"],
                "total_per_call": total / n,
                "counts": counts(entries, n),
                "own": [[short(k), v[1] / n, v[2] / n * 1e6] for k, v in own],
                "cumulative": [[short(k), v[1] / n, v[3] / n * 1e6] for k, v in cumulative],
                "packages": sorted(
                    ([name, tt / n * 1e6] for name, tt in by_package.items()),
                    key=lambda item: -item[1],
                ),
            }
        )
    )


COUNTED = {
    "event-loop turns": ("base_events.py", "_run_once"),
    "anyio cancel scopes entered": ("anyio/_backends/_asyncio.py", "__enter__"),
    "anyio checkpoints (cancel_shielded_checkpoint)": ("", "cancel_shielded_checkpoint"),
    "isinstance": ("", "<built-in method builtins.isinstance>"),
}
"""Calls counted per W3 call (exact, unlike times): what each one stands for, and its key."""


def counts(entries: dict[Any, Any], n: int) -> dict[str, float]:
    """Python function calls per W3 call, in all and for the functions in `COUNTED`."""
    found = {"Python function calls, all": sum(v[1] for v in entries.values()) / n}
    for label, (path, name) in COUNTED.items():
        found[label] = sum(v[1] for k, v in entries.items() if k[2] == name and path in k[0]) / n
    return found


def profile_counts(args: argparse.Namespace, base: str) -> None:
    """With `--baseline`: the exact call counts of each package, side by side."""
    packages = [("working tree", None), *((Path(d).name, d) for d in args.baseline)]
    columns = []
    for _, directory in packages:
        result: Any = run_child(
            [
                str(Path(__file__)),
                "profile",
                "--child",
                "--client",
                args.client,
                "--base-url",
                base,
                "--calls",
                str(args.calls),
                "--top",
                "1",
            ],
            env=baseline_env(directory),
        )
        columns.append(result["counts"])
    print(f"\nCalls per W3 call of {args.client} (cProfile counts, exact)\n")
    print(
        table(
            ["per call", *(label for label, _ in packages)],
            [[label, *(f"{column[label]:.1f}" for column in columns)] for label in columns[0]],
        )
    )


def profile_main(args: argparse.Namespace) -> None:
    with bench_server(args.server, items=1000) as base:
        if args.baseline:
            profile_counts(args, base)
        result = run_child(
            [
                str(Path(__file__)),
                "profile",
                "--child",
                "--client",
                args.client,
                "--variant",
                args.variant,
                "--base-url",
                base,
                "--calls",
                str(args.calls),
                "--top",
                str(args.top),
            ]
        )
    res: dict = result  # type: ignore[assignment]
    total = res["total_per_call"] * 1e6
    print(
        f"{machine()}; cProfile of {args.client} W3 ({args.calls:,} sequential GETs, asyncio) "
        f"against {server_label(args.server)}"
        + ("; guard patched out" if args.variant == "without" else "")
        + f"\n\np50 without the profiler {res['unprofiled_p50'] * 1e6:.0f} us, with it "
        f"{res['profiled_p50'] * 1e6:.0f} us; own time under the profiler, all functions: "
        f"{total:.0f} us per call\n"
    )
    print(f"Top {args.top} by own time (us per call, under the profiler)\n")
    print(
        table(
            ["function", "calls per call", "own us", "share"],
            [
                [f"`{name}`", f"{calls:.1f}", f"{us:.1f}", f"{us / total:.1%}"]
                for name, calls, us in res["own"]
            ],
        )
    )
    print(f"\nTop {args.top * 3} by cumulative time (us per call, under the profiler)\n")
    print(
        table(
            ["function", "calls per call", "cumulative us"],
            [[f"`{name}`", f"{calls:.1f}", f"{us:.1f}"] for name, calls, us in res["cumulative"]],
        )
    )
    print("\nOwn time by package (us per call, under the profiler)\n")
    print(
        table(
            ["package", "own us", "share"],
            [[name, f"{us:.1f}", f"{us / total:.1%}"] for name, us in res["packages"]],
        )
    )


# -- sample: py-spy over W3 ----------------------------------------------------------------------

IN_KERNEL = ("_SelectorSocketTransport.write (", "EpollSelector.select (")
"""Leaf frames that stand for a system call: send(2) of the request, epoll_wait(2)."""


def py_spy() -> str | None:
    """py-spy, from $PY_SPY or PATH (`pip install py-spy`: it is not a dependency)."""
    return os.environ.get("PY_SPY") or shutil.which("py-spy")


def w3_child_command(client: str, variant: str, base: str, calls: int) -> list[str]:
    if client == "journey_async":
        return [str(Path(__file__)), "guard", "--child", "--variant", variant]
    return [str(HERE / "bench_latency.py"), "--child", "--client", client]


def sample_main(args: argparse.Namespace) -> None:
    spy = py_spy()
    if spy is None:
        print("(py-spy not found: `pip install py-spy` or set PY_SPY; sampled profile skipped)")
        return
    import re
    import subprocess
    import tempfile

    with bench_server(args.server, items=1000) as base:
        command = w3_child_command(args.client, args.variant, base, args.calls)
        command += ["--base-url", base, "--calls", str(args.calls)]
        plain = run_child(command)  # the same run without the sampler: the time budget
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "samples.txt"
            record = ["record", "-r", str(args.rate), "--idle", "-f", "raw", "-o", str(raw)]
            subprocess.run(
                [spy, *record, "--", sys.executable, *command],
                check=True,
                capture_output=True,
            )
            lines = raw.read_text().splitlines()
    own: dict[str, int] = {}
    cumulative: dict[str, int] = {}
    packages: dict[str, int] = {}
    kernel = total = 0
    for line in lines:
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = stack.split(";")
        # The run's calls only: not the imports, not the interpreter's start and end.
        if "_find_and_load" in stack or not any(
            f.startswith(("child (bench_latency.py", "guard_child (bench_profile.py"))
            for f in frames
        ):
            continue
        total += count
        if frames[-1].startswith(IN_KERNEL):
            kernel += count
            continue
        names = [re.sub(r":\d+\)$", ")", f) for f in frames]
        own[names[-1]] = own.get(names[-1], 0) + count
        for name in set(names):
            cumulative[name] = cumulative.get(name, 0) + count
        leaf = names[-1]
        package = package_of("/" + leaf.rsplit("(", 1)[-1], leaf)
        packages[package] = packages.get(package, 0) + count
    python = total - kernel
    user_us = plain["user"] * 1e6
    per = user_us / python  # us of user CPU per sample not in a system call
    print(
        f"{machine()}; py-spy ({args.rate} Hz, blocking) over {args.client} W3 "
        f"({args.calls:,} sequential GETs, asyncio) against {server_label(args.server)}"
        + ("; guard patched out" if args.variant == "without" else "")
        + "\n"
    )
    print("Budget per call, from the same run without the sampler\n")
    rest = plain["mean"] - plain["user"] - plain["system"]
    print(
        table(
            ["p50 us", "mean us", "user CPU us", "system CPU us", "mean - CPU (waiting) us"],
            [
                [
                    f"{plain['p50'] * 1e6:.0f}",
                    f"{plain['mean'] * 1e6:.0f}",
                    f"{user_us:.0f}",
                    f"{plain['system'] * 1e6:.0f}",
                    f"{rest * 1e6:.0f}",
                ]
            ],
        )
    )
    print(
        f"\n{total:,} samples of the calls; {kernel / total:.0%} in send(2) or epoll_wait(2) "
        "(with the sampler pausing the process, these stretch: read the system CPU above "
        f"instead). The other {python:,} are spread over the user CPU time, {per:.2f} us "
        "each.\n"
    )
    print(f"Top {args.top} by own time (user CPU us per call)\n")
    top_own = sorted(own.items(), key=lambda kv: -kv[1])[: args.top]
    print(
        table(
            ["function", "us", "share of user CPU"],
            [[f"`{name}`", f"{n * per:.1f}", f"{n / python:.1%}"] for name, n in top_own],
        )
    )
    print(f"\nTop {args.top * 3} by cumulative time (user CPU us per call)\n")
    top_cum = sorted(
        ((k, v) for k, v in cumulative.items() if v < 0.95 * python),
        key=lambda kv: -kv[1],
    )[: args.top * 3]
    print(
        table(
            ["function", "us", "share of user CPU"],
            [[f"`{name}`", f"{n * per:.1f}", f"{n / python:.1%}"] for name, n in top_cum],
        )
    )
    print("\nOwn time by package (user CPU us per call)\n")
    print(
        table(
            ["package", "us", "share of user CPU"],
            [
                [name, f"{n * per:.1f}", f"{n / python:.1%}"]
                for name, n in sorted(packages.items(), key=lambda kv: -kv[1])
            ],
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    for mode in ("guard", "micro", "profile", "sample", "server"):
        p = sub.add_parser(mode)
        p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
        p.add_argument("--base-url", default="", help=argparse.SUPPRESS)
        p.add_argument("--server", choices=SERVERS, default="nginx")
        # The old guard is patched in only where asked: by default only in `guard` mode; the
        # profiles measure the package as shipped.
        default_variant = "with" if mode == "guard" else "without"
        p.add_argument(
            "--variant", choices=("with", "without", "alternate"), default=default_variant
        )
        if mode == "guard":
            p.add_argument("--workload", choices=("w3", "w1"), default="w3")
            p.add_argument("--runs", type=int, default=5)
            p.add_argument("--calls", type=int, default=500)
        elif mode == "micro":
            p.add_argument("--loops", type=int, default=20_000)
        elif mode == "server":
            p.add_argument("--runs", type=int, default=3)
            p.add_argument("--calls", type=int, default=3000)
        else:
            p.add_argument("--calls", type=int, default=2000 if mode == "profile" else 4000)
            p.add_argument("--top", type=int, default=10)
            p.add_argument(
                "--client", choices=sorted(bench_latency.CLIENTS), default="journey_async"
            )
            if mode == "profile":
                add_baseline_option(p)
            if mode == "sample":
                p.add_argument("--rate", type=int, default=250, help="samples per second")
    args = parser.parse_args()
    if args.mode == "guard":
        (guard_child if args.child else guard_main)(args)
    elif args.mode == "micro":
        micro_main(args)
    elif args.mode == "sample":
        sample_main(args)
    elif args.mode == "server":
        server_main(args)
    else:
        (profile_child if args.child else profile_main)(args)


if __name__ == "__main__":
    main()
