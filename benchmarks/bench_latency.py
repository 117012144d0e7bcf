"""Per-request overhead and start-up: 500 sequential GETs, and `import` as a whole process.

* W3: 500 sequential `get_journey_actiontarget` calls against the loopback server, p50 and mean
  per call, against a bare `httpx.AsyncClient` + `json.loads` loop and the official SDK (when
  installed); each client in its own process, median over runs.
* Import: wall time of `python -c "import X"` minus `python -c "pass"`, best of 7.

    python benchmarks/bench_latency.py [--runs 5] [--calls 500]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _util import (  # noqa: E402
    bench_parser,
    interleaved,
    loopback_server,
    machine,
    median,
    run_child,
    table,
)

TOKEN = "bench-token"


async def journey_calls(base_url: str, calls: int) -> list[float]:
    from journey_async import JourneyClient

    async with JourneyClient(TOKEN, base_url=base_url) as client:
        for i in range(20):  # warm the connection and the decoders
            await client.get_journey_actiontarget(f"w-{i}")
        times = []
        for i in range(calls):
            started = time.perf_counter()
            await client.get_journey_actiontarget(f"t-{i}")
            times.append(time.perf_counter() - started)
    return times


async def httpx_calls(base_url: str, calls: int) -> list[float]:
    import httpx

    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    async with httpx.AsyncClient(base_url=base_url) as client:
        for i in range(20):
            await client.get(f"/api/v2/journey/actiontargets/w-{i}", headers=headers)
        times = []
        for i in range(calls):
            started = time.perf_counter()
            response = await client.get(f"/api/v2/journey/actiontargets/t-{i}", headers=headers)
            json.loads(response.content)
            times.append(time.perf_counter() - started)
    return times


def sdk_calls(base_url: str, calls: int) -> list[float]:
    import warnings

    warnings.simplefilter("ignore")
    import PureCloudPlatformClientV2 as sdk

    api_client = sdk.ApiClient(host=base_url)
    api_client.access_token = TOKEN
    api = sdk.JourneyApi(api_client)
    for i in range(20):
        api.get_journey_actiontarget(f"w-{i}")
    times = []
    for i in range(calls):
        started = time.perf_counter()
        api.get_journey_actiontarget(f"t-{i}")
        times.append(time.perf_counter() - started)
    return times


def child(args: argparse.Namespace) -> None:
    if args.client == "sdk":
        times = sdk_calls(args.base_url, args.calls)
    else:
        import anyio

        fn = journey_calls if args.client == "journey_async" else httpx_calls
        times = anyio.run(fn, args.base_url, args.calls)
    print(json.dumps({"p50": statistics.median(times), "mean": statistics.fmean(times)}))


def import_ms(module: str) -> float:
    def wall(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - started

    base = min(wall("pass") for _ in range(7))
    return (min(wall(f"import {module}") for _ in range(7)) - base) * 1000


def sdk_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("PureCloudPlatformClientV2") is not None


def main(args: argparse.Namespace) -> None:
    clients = [("httpx + json.loads", "httpx"), ("journey_async", "journey_async")]
    if sdk_installed():
        clients.append(("official SDK", "sdk"))
    rows = []
    with loopback_server("--items", "1000") as base:

        def measure(client: tuple[str, str]) -> dict[str, float]:
            return run_child(
                [
                    str(Path(__file__)),
                    "--child",
                    "--client",
                    client[1],
                    "--base-url",
                    base,
                    "--calls",
                    str(args.calls),
                ]
            )

        per_client = interleaved(args.runs, clients, measure)
        results = {
            label: (median([r["p50"] for r in rs]), median([r["mean"] for r in rs]))
            for (label, _), rs in zip(clients, per_client, strict=True)
        }
    floor = results["httpx + json.loads"][0]
    for label, (p50, mean) in results.items():
        rows.append([label, f"{p50 * 1e6:.0f}", f"{mean * 1e6:.0f}", f"{p50 / floor:.2f}x"])
    print(
        f"{machine()}; {args.calls} sequential GETs; median of {args.runs} runs, "
        "clients interleaved\n"
    )
    print(table(["client", "p50 us", "mean us", "p50 vs httpx"], rows))

    modules = ["journey_async", "httpx"]
    if sdk_installed():
        modules.append("PureCloudPlatformClientV2")
    print("\nImport, whole process, best of 7 (minus a bare interpreter)\n")
    print(table(["module", "ms"], [[m, f"{import_ms(m):.0f}"] for m in modules]))


if __name__ == "__main__":
    parser = bench_parser(__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=500)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments)
    else:
        main(arguments)
