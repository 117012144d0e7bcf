"""Bulk lookups: 2,000 `get_journey_actiontarget` calls against a loopback server.

Compared, each in its own process, median of several runs:

* `journey_async` `client.map(..., concurrency=32)` (default client: at most 8 requests handed to
  httpx at once, the rest queue in the client);
* a bare `httpx.AsyncClient` loop with 32 workers and `json.loads` (dicts, no models);
* the same bare loop with 8 workers (what httpx does at its best);
* the official SDK `PureCloudPlatformClientV2` calling the same endpoint sequentially and from
  a pool of 32 threads, when it is installed (`pip install -e '.[bench]'`);
* with the `aiohttp` extra: journey_async with `transport="aiohttp"` and a bare aiohttp loop
  with 32 workers.

The server is `loopback.py` (Python) or, with `--server nginx`, nginx serving the same bodies
(`nginx_server.py`): against the Python server the fastest clients wait on the server.
Each case imports its modules before its clock starts (`IMPORTS`); the clock then covers the
client's construction, its first call (journey_async builds its models there) and the 2,000
lookups. The CPU column is the process's CPU time (user and system, all threads) over the same
span, divided by the lookups: the issue's "client CPU per request".

    python benchmarks/bench_bulk.py [--runs 5] [--lookups 2000] [--server loopback|nginx]
        [--baseline DIR ...]  # also the journey_async package in each DIR, interleaved
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _util import (  # noqa: E402
    add_baseline_option,
    add_server_option,
    baseline_env,
    baseline_label,
    bench_parser,
    bench_server,
    interleaved,
    machine,
    median,
    run_child,
    server_label,
    table,
)

TOKEN = "bench-token"


async def run_journey(
    base_url: str, ids: list[str], concurrency: int, transport: str | None = None
) -> int:
    from journey_async import JourneyClient

    async with JourneyClient(TOKEN, base_url=base_url, transport=transport) as client:
        results = await client.map(client.get_journey_actiontarget, ids, concurrency=concurrency)
    return len(results)


async def run_httpx(base_url: str, ids: list[str], concurrency: int) -> int:
    import anyio
    import httpx

    results: list[object] = []
    pending = iter(ids)
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=base_url, limits=limits) as client:

        async def worker() -> None:
            for target_id in pending:
                response = await client.get(
                    f"/api/v2/journey/actiontargets/{target_id}", headers=headers
                )
                response.raise_for_status()
                results.append(json.loads(response.content))

        async with anyio.create_task_group() as tg:
            for _ in range(concurrency):
                tg.start_soon(worker)
    return len(results)


async def run_journey_aiohttp(base_url: str, ids: list[str], concurrency: int) -> int:
    return await run_journey(base_url, ids, concurrency, transport="aiohttp")


async def run_aiohttp(base_url: str, ids: list[str], concurrency: int) -> int:
    import aiohttp
    import anyio

    results: list[object] = []
    pending = iter(ids)
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    connector = aiohttp.TCPConnector(limit=100)
    async with aiohttp.ClientSession(base_url, connector=connector) as session:

        async def worker() -> None:
            for target_id in pending:
                async with session.get(
                    f"/api/v2/journey/actiontargets/{target_id}", headers=headers
                ) as response:
                    response.raise_for_status()
                    results.append(json.loads(await response.read()))

        async with anyio.create_task_group() as tg:
            for _ in range(concurrency):
                tg.start_soon(worker)
    return len(results)


def run_sdk(base_url: str, ids: list[str], concurrency: int) -> int:
    import warnings
    from concurrent.futures import ThreadPoolExecutor

    warnings.simplefilter("ignore")  # get_journey_actiontarget is deprecated in the SDK
    import PureCloudPlatformClientV2 as sdk

    api_client = sdk.ApiClient(host=base_url)
    api_client.access_token = TOKEN
    api = sdk.JourneyApi(api_client)
    if concurrency <= 1:
        return len([api.get_journey_actiontarget(i) for i in ids])
    with ThreadPoolExecutor(concurrency) as pool:
        return len(list(pool.map(api.get_journey_actiontarget, ids)))


IMPORTS = {
    "sdk": ("PureCloudPlatformClientV2",),
    "journey_async": ("journey_async", "anyio"),
    "journey_async_aiohttp": ("journey_async", "anyio", "aiohttp"),
    "httpx": ("httpx", "anyio"),
    "aiohttp": ("aiohttp", "anyio"),
}
"""What each case imports before its clock starts: import time is its own measurement
(`bench_latency.py`'s import row; the SDK takes over 2 s), not part of the lookups. What a
client loads lazily on its first call (journey_async's generated models) stays in."""


def child(args: argparse.Namespace) -> None:
    import importlib
    import warnings

    ids = [f"t-{i}" for i in range(args.lookups)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SDK's own deprecation noise at import
        for module in IMPORTS[args.client]:
            importlib.import_module(module)
    started = time.perf_counter()
    cpu_started = time.process_time()  # the whole process: the SDK's threads count too
    if args.client == "sdk":
        done = run_sdk(args.base_url, ids, args.concurrency)
    else:
        import anyio

        fn = {
            "journey_async": run_journey,
            "journey_async_aiohttp": run_journey_aiohttp,
            "httpx": run_httpx,
            "aiohttp": run_aiohttp,
        }[args.client]
        done = anyio.run(fn, args.base_url, ids, args.concurrency)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    assert done == args.lookups
    print(json.dumps({"seconds": elapsed, "cpu": cpu}))


def installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def sdk_installed() -> bool:
    return installed("PureCloudPlatformClientV2")


def main(args: argparse.Namespace) -> None:
    cases = [
        ("journey_async map, concurrency 32", "journey_async", 32),
        ("httpx + json.loads, 32 workers", "httpx", 32),
        ("httpx + json.loads, 8 workers", "httpx", 8),
    ]
    if installed("aiohttp"):
        cases += [
            ("journey_async map, transport='aiohttp'", "journey_async_aiohttp", 32),
            ("bare aiohttp + json.loads, 32 workers", "aiohttp", 32),
        ]
    if sdk_installed():
        cases += [
            ("official SDK, sequential", "sdk", 1),
            ("official SDK, 32 threads", "sdk", 32),
        ]
    dirs = {}  # label -> baseline directory: the same journey_async cases, another package
    for directory in args.baseline:
        for label, client, concurrency in list(cases):
            if client.startswith("journey_async") and "@" not in label:
                dirs[baseline_label(label, directory)] = directory
                cases.append((baseline_label(label, directory), client, concurrency))
    with bench_server(args.server, items=1000) as base:

        def measure(case: tuple[str, str, int]) -> dict[str, float]:
            label, client, concurrency = case
            return run_child(
                [
                    str(Path(__file__)),
                    "--child",
                    "--client",
                    client,
                    "--base-url",
                    base,
                    "--lookups",
                    str(args.lookups),
                    "--concurrency",
                    str(concurrency),
                ],
                env=baseline_env(dirs.get(label)),
            )

        timings = interleaved(args.runs, cases, measure)
    seconds = {
        label: [run["seconds"] for run in runs]
        for (label, _, _), runs in zip(cases, timings, strict=True)
    }
    cpu_per_request = {
        label: median([run["cpu"] for run in runs]) / args.lookups
        for (label, _, _), runs in zip(cases, timings, strict=True)
    }
    rates = {label: args.lookups / median(values) for label, values in seconds.items()}
    ours = rates[cases[0][0]]
    # Each row's speed as a multiple of the two references of the table.
    references = [
        (label, head)
        for label, head in [
            ("official SDK, sequential", "speed vs SDK sequential"),
            ("bare aiohttp + json.loads, 32 workers", "speed vs bare aiohttp"),
        ]
        if label in rates
    ]
    headers = ["client", "seconds", "req/s", "CPU us/request", "journey_async is"]
    headers += [head for _, head in references]
    rows = [
        [
            label,
            f"{args.lookups / rate:.2f}",
            f"{rate:,.0f}",
            f"{cpu_per_request[label] * 1e6:.0f}",
            f"{ours / rate:.2f}x",
        ]
        + [f"{rate / rates[ref]:.2f}x" for ref, _ in references]
        for label, rate in rates.items()
    ]
    print(
        f"{machine()}; {args.lookups:,} GETs against {server_label(args.server)}; median of "
        f"{args.runs} runs, each in its own process, cases interleaved"
    )
    if not sdk_installed():
        print("(official SDK not installed: pip install -e '.[bench]' to compare with it)")
    print()
    print(table(headers, rows))


if __name__ == "__main__":
    parser = bench_parser(__doc__)
    add_server_option(parser)
    add_baseline_option(parser)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments)
    else:
        main(arguments)
