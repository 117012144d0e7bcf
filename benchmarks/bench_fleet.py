"""Fleets: Genesys's per-token limit shared by processes through Redis (issue #14).

The fake API (`FakeJourneyApi`, served on a loopback port from this process) allows R requests
a second per token, counted in fixed one-second windows, and answers 429 with Genesys's body
and `Retry-After` beyond that. A redis-server is started on a free loopback port (Debian's
`redis-server` must be installed). Measured, median of several runs, each case in fresh
processes:

1. fleet: 4 processes x 8 concurrent callers on one OAuth client, `calls` lookups each:
   with `RedisTokenCache` and `RedisRateLimit(rate=0.97 R, per=1)` (3% headroom: network
   delays move requests across the server's window edges), against the same fleet without
   Redis (today's behaviour), twice: each process with its own grant (N grants, so N tokens
   and N times the per-token capacity: faster, and what the grant limit per client forbids
   as fleets grow), and all processes on one token granted once and handed to them (how a
   fleet avoids N grants today: each process discovers the limit on its own and they
   collect 429s together). Total time from the common start to the last answer, as a ratio
   to the ideal for one token (requests / R); the share of requests answered 429; grants.
2. pool: one process, `ClientCredentials(pool_size=3)` against `pool_size=1`, both with
   `RedisRateLimit(rate=R, per=1)` and 8 concurrent callers: throughput and its ratio (the
   tokens are granted before the clock starts: a grant is a once-a-day cost).
3. cost: sequential lookups on the same fake, far from any limit (a per-token limit of 1e9
   a second), without a rate limit, with `RateLimit` and with `RedisRateLimit`: time per call,
   and the difference, which is what Redis adds to each request (far from the limit, turns
   are fetched ahead while requests travel, up to 16 a script call); beside them the round
   trips alone (a raw asyncio PING to the same Redis, redis-py's PING,
   `RedisRateLimit.acquire` and one call of its script, a turn each), to tell the machine's
   share from the client's.

    python benchmarks/bench_fleet.py [--runs 3] [--rate 50] [--calls 150] [--headroom 0.03]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _util import machine, median, table  # noqa: E402

PROCESSES = 4
CALLERS = 8


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throw-away redis-server on a free loopback port (no persistence); yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    workdir = tempfile.mkdtemp(prefix="bench-fleet-")
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(
        [binary, *args, "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(500):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    break
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def flush(redis_url: str) -> None:
    import redis

    with redis.Redis.from_url(redis_url) as client:
        client.flushall()


# -- the measuring children -------------------------------------------------------------------


async def ready(*redis_objects: Any) -> None:
    """Before the common start, load what the first call would load lazily (the generated
    model classes it decodes, built on first use; anyio's asyncio backend and its locks, about
    50 ms: once per process) and connect to Redis, so the clock measures the fleet at work,
    not imports (a fleet's workers are long-running processes)."""
    import anyio

    from journey_async import models

    assert models.ActionTarget  # builds ActionTarget and the classes it refers to

    async with anyio.create_task_group():
        pass
    anyio.Lock()
    anyio.Event()
    with anyio.move_on_after(1):
        await anyio.sleep(0.001)
    for obj in redis_objects:
        if obj is not None:
            await obj.redis.ping()


async def fleet_worker(config: dict[str, Any]) -> dict[str, float]:
    """One process of the fleet: its own client, waiting for the common start."""
    from journey_async import ClientCredentials, JourneyClient, JourneyError

    cache = limit = None
    if config["redis_url"]:
        from journey_async.redis import RedisRateLimit, RedisTokenCache

        cache = RedisTokenCache(config["redis_url"])
        limit = RedisRateLimit(config["redis_url"], rate=config["rate"], per=1.0)
    credentials = ClientCredentials(
        "fake-client-id", "fake-client-secret", token_cache=cache, pool_size=config["pool"]
    )
    source: Any = config["token"] or credentials  # a token handed over, or the grant
    async with JourneyClient(source, base_url=config["base_url"], rate_limit=limit) as client:
        ids = [config["ids"][n % len(config["ids"])] for n in range(config["calls"])]
        if config["warm"]:
            await credentials.get_tokens()
        await ready(cache, limit)
        await asyncio.sleep(max(0.0, config["start_at"] - time.time()))
        started = time.time()
        results = await client.map(
            client.get_journey_actiontarget, ids, concurrency=CALLERS, return_exceptions=True
        )
        ended = time.time()
    if cache is not None and limit is not None:
        await cache.aclose()
        await limit.aclose()
    failed = sum(isinstance(result, JourneyError) for result in results)
    return {"started": started, "ended": ended, "failed": float(failed)}


async def per_call(fn: Any, calls: int) -> float:
    """Seconds per `await fn()` over `calls` sequential calls."""
    started = time.perf_counter()
    for _ in range(calls):
        await fn()
    return (time.perf_counter() - started) / calls


async def cost_child(config: dict[str, Any]) -> dict[str, list[float]]:
    """Sequential lookups on the fake (loopback) without a rate limit, with `RateLimit` and
    with `RedisRateLimit`, and the round trips alone (a raw asyncio PING to the same Redis,
    redis-py's PING, `acquire`, one script call): blocks of each in turn, so the machine's
    slow spells fall on all of them; seconds per call of every block."""
    from journey_async import JourneyClient, RateLimit
    from journey_async.redis import RedisRateLimit

    redis_limit = RedisRateLimit(config["redis_url"], rate=1e9, per=1.0)
    limits: dict[str, Any] = {
        "none": None,
        "RateLimit": RateLimit(1e9, 1.0),
        "RedisRateLimit": redis_limit,
    }
    host, port = config["redis_url"].split("//")[1].split("/")[0].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))

    async def raw_ping() -> None:
        writer.write(b"PING\r\n")
        await reader.readline()

    target = config["ids"][0]
    clients = {
        name: JourneyClient("fake-token", base_url=config["base_url"], rate_limit=limit)
        for name, limit in limits.items()
    }
    measures: dict[str, Any] = {
        name: (lambda c=client: c.get_journey_actiontarget(target))
        for name, client in clients.items()
    }
    measures["raw_ping"] = raw_ping
    measures["redis_py_ping"] = redis_limit.redis.ping
    measures["acquire"] = lambda: redis_limit.acquire(["k"], None)
    script_keys = [f"{redis_limit.key_prefix}:rate:k"]
    script_args = [*redis_limit._args, -1, 1]
    measures["script"] = lambda: redis_limit._acquire(keys=script_keys, args=script_args)
    out: dict[str, list[float]] = {name: [] for name in measures}
    for fn in measures.values():
        await per_call(fn, 100)  # warm up: connections, the script's SHA
    order = list(measures)
    for turn in range(config["rounds"]):
        shift = turn % len(order)  # each kind comes first in some rounds: no order effects
        for name in order[shift:] + order[:shift]:
            out[name].append(await per_call(measures[name], config["calls"]))
    for client in clients.values():
        await client.aclose()
    writer.close()
    await redis_limit.aclose()
    return out


def child(kind: str, config: dict[str, Any]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, "--child", kind, json.dumps(config)],
        stdout=subprocess.PIPE,
        text=True,
    )


def result(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = proc.communicate(timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"a measuring child failed ({proc.returncode})")
    data: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return data


# -- the measurements ---------------------------------------------------------------------------


def grant(base_url: str) -> str:
    """One token from the fake's token endpoint (the shared-token fleet's single grant)."""
    import httpx

    response = httpx.post(
        base_url + "/oauth/token",
        auth=("fake-client-id", "fake-client-secret"),
        data={"grant_type": "client_credentials"},
    )
    token: str = response.json()["access_token"]
    return token


def run_fleet(
    api: Any,
    base_url: str,
    redis_url: str | None,
    *,
    processes: int,
    pool: int,
    calls: int,
    rate: float,
    warm: bool = False,
    shared_token: bool = False,
) -> dict[str, float]:
    """Start `processes` workers, let them begin together, and read the fake's counters."""
    if redis_url:
        flush(redis_url)
    api.reset_stats()
    token = grant(base_url) if shared_token else None
    start_at = time.time() + 2.5 + 0.3 * processes  # after every worker imported and connected
    config = {
        "base_url": base_url,
        "redis_url": redis_url,
        "rate": rate,
        "token": token,
        "calls": calls,
        "pool": pool,
        "warm": warm,
        "ids": api.action_target_ids[:20],
        "start_at": start_at,
    }
    procs = [child("fleet", config) for _ in range(processes)]
    results = [result(proc) for proc in procs]
    stats = api.stats
    return {
        "seconds": max(r["ended"] for r in results) - min(r["started"] for r in results),
        "requests": float(stats.requests),
        "limited": float(stats.rate_limited),
        "grants": float(stats.grants),
        "failed": sum(r["failed"] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=int, default=50, help="the fake's requests/s per token")
    parser.add_argument("--headroom", type=float, default=0.03, help="RedisRateLimit's margin")
    parser.add_argument("--calls", type=int, default=150, help="lookups per fleet process")
    parser.add_argument("--pool-calls", type=int, default=300)
    parser.add_argument("--cost-calls", type=int, default=300, help="sequential calls a block")
    parser.add_argument("--only", choices=("fleet", "pool", "cost"), help="one measurement")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, config = args.child[0], json.loads(args.child[1])
        run = fleet_worker if kind == "fleet" else cost_child
        print(json.dumps(asyncio.run(run(config))))
        return

    from journey_async.testing import FakeJourneyApi

    api = FakeJourneyApi(action_targets=20)
    api.faults.token_rate_limit = (args.rate, 1.0)
    rate = args.rate
    paced = rate * (1 - args.headroom)
    print(f"# Fleets: per-token limit {rate} requests/s (fixed 1 s windows), {machine()}\n")
    fleet: dict[str, list[dict[str, float]]] = {"redis": [], "own": [], "shared": []}
    pools: dict[int, list[dict[str, float]]] = {1: [], 3: []}
    costs: dict[str, list[float]] = {}
    with redis_server() as redis_url, api.serve_in_thread() as base_url:
        for _ in range(args.runs):
            for mode in fleet if args.only in (None, "fleet") else ():
                fleet[mode].append(
                    run_fleet(
                        api,
                        base_url,
                        redis_url if mode == "redis" else None,
                        processes=PROCESSES,
                        pool=1,
                        calls=args.calls,
                        rate=paced,
                        shared_token=mode == "shared",
                    )
                )
            for pool in pools if args.only in (None, "pool") else ():
                pools[pool].append(
                    run_fleet(
                        api,
                        base_url,
                        redis_url,
                        processes=1,
                        pool=pool,
                        calls=args.pool_calls,
                        rate=paced,
                        warm=True,
                    )
                )
        if args.only in (None, "cost"):
            api.faults.token_rate_limit = None  # far from any limit
            config = {
                "redis_url": redis_url,
                "base_url": base_url,
                "ids": api.action_target_ids[:1],
                "calls": args.cost_calls,
                "rounds": 4 * args.runs,
            }
            for name, values in result(child("cost", config)).items():
                costs[name] = values  # type: ignore[assignment]
    report(args, fleet, pools, costs, paced)


def report(
    args: argparse.Namespace,
    fleet: dict[str, list[dict[str, float]]],
    pools: dict[int, list[dict[str, float]]],
    costs: dict[str, list[float]],
    paced: float,
) -> None:
    """Print the tables measured (medians) and every fleet run's numbers."""
    if fleet["redis"]:
        report_fleet(args, fleet, paced)
    if pools[1]:
        report_pools(args, pools)
    if costs:
        report_costs(args, costs)


def report_fleet(
    args: argparse.Namespace, fleet: dict[str, list[dict[str, float]]], paced: float
) -> None:
    total = PROCESSES * args.calls
    ideal = total / args.rate
    labels = {
        "redis": f"RedisTokenCache + RedisRateLimit(rate={paced:g})",
        "own": "no Redis: a grant per process (today)",
        "shared": "no Redis: one token handed to all (today)",
    }
    rows = []
    for mode, label in labels.items():
        runs = fleet[mode]
        seconds = median([r["seconds"] for r in runs])
        rows.append(
            [
                label,
                total,
                f"{seconds:.2f}",
                f"{seconds / ideal:.3f}",
                f"{100 * median([r['limited'] / r['requests'] for r in runs]):.2f}%",
                "/".join(f"{r['grants']:.0f}" for r in runs),
                f"{sum(r['failed'] for r in runs):.0f}",
            ]
        )
    print(f"## {PROCESSES} processes x {CALLERS} callers, one client (ideal {ideal:.2f} s)\n")
    headers = ["fleet", "requests", "median s", "x ideal", "429 share", "grants", "failed"]
    print(table(headers, rows))
    print(f"\n{args.runs} runs, medians. Each fleet run (seconds / 429s):")
    for mode, runs in fleet.items():
        results = ", ".join(f"{r['seconds']:.2f}/{r['limited']:.0f}" for r in runs)
        print(f"- {labels[mode]}: {results}")


def report_pools(args: argparse.Namespace, pools: dict[int, list[dict[str, float]]]) -> None:
    throughput = {p: median([args.pool_calls / r["seconds"] for r in pools[p]]) for p in pools}
    print(f"\n## pool_size in one process ({args.pool_calls} lookups, {CALLERS} callers)\n")
    rows = [
        [
            p,
            f"{throughput[p]:.1f}",
            f"{throughput[p] / throughput[1]:.2f}",
            "/".join(f"{r['limited']:.0f}" for r in pools[p]),
        ]
        for p in pools
    ]
    print(table(["pool_size", "median req/s", "ratio to pool_size=1", "429s per run"], rows))


def report_costs(args: argparse.Namespace, costs: dict[str, list[float]]) -> None:
    base = median(costs["none"])
    print(
        f"\n## Cost per request far from the limit (blocks of {args.cost_calls} sequential "
        f"calls, each kind in turn, {4 * args.runs} rounds, the fake on loopback)\n"
    )
    names = {
        "none": "lookup, rate_limit=None",
        "RateLimit": "lookup, RateLimit (in memory)",
        "RedisRateLimit": "lookup, RedisRateLimit",
        "raw_ping": "alone: a raw asyncio round trip to Redis (PING)",
        "redis_py_ping": "alone: redis-py PING",
        "acquire": "alone: RedisRateLimit.acquire (turns fetched ahead, 16 a call)",
        "script": "alone: one call of its script (EVALSHA), a turn each",
    }
    rows = [
        [
            names[name],
            f"{median(values) * 1e6:.0f}",
            f"{(median(values) - base) * 1e6:+.0f}"
            if name in ("RateLimit", "RedisRateLimit")
            else "",
        ]
        for name, values in costs.items()
    ]
    print(table(["sequential, far from the limit", "median us", "added per lookup"], rows))


if __name__ == "__main__":
    main()
