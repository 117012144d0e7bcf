"""Per-request overhead and start-up: 500 sequential GETs, and `import` as a whole process.

* W3: 500 sequential `get_journey_actiontarget` calls against the loopback server, p50 and mean
  per call, and the client's CPU time per call (its process's CPU time over the timed calls,
  divided by their number), against a bare `httpx.AsyncClient` + `json.loads` loop and the
  official SDK (when installed); with the `aiohttp` extra, also journey_async with
  `transport="aiohttp"` and a bare `aiohttp.ClientSession` loop. Each client in its own
  process, median over runs.
* Import: wall time of `python -c "import X"` minus `python -c "pass"`, best of 7 (not with
  `--server nginx`: it does not depend on the server).

`--server nginx` runs W3 against nginx serving the same bodies (`nginx_server.py`), with one
more row: the floor, a hand-written HTTP/1.1 exchange over `asyncio.Protocol` (`_Exchange`),
what any asyncio client spends per call at the least on this machine (system calls, event-loop
turns, a parse and `json.loads`). Against the Python server its answers would not all carry
`Content-Length`-framed bodies the exchange assumes, so the row is left out there.

    python benchmarks/bench_latency.py [--runs 5] [--calls 500] [--server loopback|nginx]
        [--baseline DIR ...]  # also the journey_async package in each DIR, interleaved
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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

FLOOR = "asyncio.Protocol, hand-written HTTP/1.1 (the floor)"


async def journey_calls(base_url: str, calls: int, transport: str | None = None) -> list[float]:
    from journey_async import JourneyClient

    async with JourneyClient(TOKEN, base_url=base_url, transport=transport) as client:
        for i in range(20):  # warm the connection and the decoders
            await client.get_journey_actiontarget(f"w-{i}")
        mark_cpu()
        times = []
        for i in range(calls):
            started = time.perf_counter()
            await client.get_journey_actiontarget(f"t-{i}")
            times.append(time.perf_counter() - started)
        mark_cpu()
    return times


async def httpx_calls(base_url: str, calls: int) -> list[float]:
    import httpx

    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    async with httpx.AsyncClient(base_url=base_url) as client:
        for i in range(20):
            await client.get(f"/api/v2/journey/actiontargets/w-{i}", headers=headers)
        mark_cpu()
        times = []
        for i in range(calls):
            started = time.perf_counter()
            response = await client.get(f"/api/v2/journey/actiontargets/t-{i}", headers=headers)
            json.loads(response.content)
            times.append(time.perf_counter() - started)
        mark_cpu()
    return times


async def journey_aiohttp_calls(base_url: str, calls: int) -> list[float]:
    return await journey_calls(base_url, calls, transport="aiohttp")


async def aiohttp_calls(base_url: str, calls: int) -> list[float]:
    import aiohttp

    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    async with aiohttp.ClientSession(base_url) as session:
        for i in range(20):
            async with session.get(f"/api/v2/journey/actiontargets/w-{i}", headers=headers) as r:
                await r.read()
        mark_cpu()
        times = []
        for i in range(calls):
            started = time.perf_counter()
            async with session.get(
                f"/api/v2/journey/actiontargets/t-{i}", headers=headers
            ) as response:
                response.raise_for_status()
                json.loads(await response.read())
            times.append(time.perf_counter() - started)
        mark_cpu()
    return times


class _Exchange:
    """One keep-alive HTTP/1.1 connection over `asyncio.Protocol`: the floor of an asyncio
    client (no pool, no timeouts, no limits: not a client anyone should use). Answers must carry
    `Content-Length`, as nginx's do."""

    def __init__(self) -> None:
        import asyncio

        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self._loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0 or self._waiter is None:
            return
        lines = bytes(self._buffer[:end]).split(b"\r\n")
        length = next(
            int(value)
            for name, _, value in (line.partition(b":") for line in lines[1:])
            if name.lower() == b"content-length"
        )
        if len(self._buffer) < end + 4 + length:
            return
        body = bytes(self._buffer[end + 4 : end + 4 + length])
        del self._buffer[: end + 4 + length]
        self._waiter.set_result((int(lines[0][9:12]), body))

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(ConnectionError("closed"))

    def eof_received(self) -> None:
        return None

    def pause_writing(self) -> None:
        return None

    def resume_writing(self) -> None:
        return None

    async def get(self, target: str, host: str) -> tuple[int, bytes]:
        assert self.transport is not None
        self._waiter = self._loop.create_future()
        self.transport.write(
            f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n"
            f"Authorization: Bearer {TOKEN}\r\n\r\n".encode()
        )
        return await self._waiter


async def protocol_calls(base_url: str, calls: int) -> list[float]:
    """The floor: what an asyncio process spends per sequential call with nothing but a
    hand-written HTTP/1.1 exchange (system calls, event-loop turns, the parse, `json.loads`)."""
    import asyncio
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    loop = asyncio.get_running_loop()
    transport, exchange = await loop.create_connection(_Exchange, host, port)
    netloc = f"{host}:{port}"
    try:
        for i in range(20):
            await exchange.get(f"/api/v2/journey/actiontargets/w-{i}", netloc)
        mark_cpu()
        times = []
        for i in range(calls):
            started = time.perf_counter()
            status, body = await exchange.get(f"/api/v2/journey/actiontargets/t-{i}", netloc)
            assert status == 200
            json.loads(body)
            times.append(time.perf_counter() - started)
        mark_cpu()
    finally:
        transport.close()
    return times


CPU: list[tuple[float, float]] = []
"""The process's (user, system) CPU times at the start and end of the timed calls."""


def sdk_calls(base_url: str, calls: int) -> list[float]:
    import warnings

    warnings.simplefilter("ignore")
    import PureCloudPlatformClientV2 as sdk

    api_client = sdk.ApiClient(host=base_url)
    api_client.access_token = TOKEN
    api = sdk.JourneyApi(api_client)
    for i in range(20):
        api.get_journey_actiontarget(f"w-{i}")
    mark_cpu()
    times = []
    for i in range(calls):
        started = time.perf_counter()
        api.get_journey_actiontarget(f"t-{i}")
        times.append(time.perf_counter() - started)
    mark_cpu()
    return times


CLIENTS = {
    "journey_async": journey_calls,
    "journey_async_aiohttp": journey_aiohttp_calls,
    "httpx": httpx_calls,
    "aiohttp": aiohttp_calls,
    "protocol": protocol_calls,
}


def child(args: argparse.Namespace) -> None:
    if args.client == "sdk":
        times = sdk_calls(args.base_url, args.calls)
    else:
        import anyio

        times = anyio.run(CLIENTS[args.client], args.base_url, args.calls)
    print(json.dumps(summary(times)))


def summary(times: list[float]) -> dict[str, float]:
    """p50, mean and CPU per call of one run. The CPU time is the process's between the first
    and the last timed call (`mark_cpu` before and after), user and system (kernel) time
    together in `cpu`; it includes the per-call `perf_counter` and `list.append`, as the wall
    times do."""
    user = (CPU[-1][0] - CPU[0][0]) / len(times)
    system = (CPU[-1][1] - CPU[0][1]) / len(times)
    return {
        "p50": statistics.median(times),
        "mean": statistics.fmean(times),
        "cpu": user + system,
        "user": user,
        "system": system,
    }


def mark_cpu() -> None:
    now = resource.getrusage(resource.RUSAGE_SELF)
    CPU.append((now.ru_utime, now.ru_stime))


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


def installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def main(args: argparse.Namespace) -> None:
    clients = [("httpx + json.loads", "httpx"), ("journey_async", "journey_async")]
    if installed("aiohttp"):
        clients += [
            ("journey_async, transport='aiohttp'", "journey_async_aiohttp"),
            ("bare aiohttp + json.loads", "aiohttp"),
        ]
    if sdk_installed():
        clients.append(("official SDK", "sdk"))
    if args.server == "nginx":
        clients.append((FLOOR, "protocol"))
    dirs = {}  # label -> baseline directory: the same journey_async cases, another package
    for directory in args.baseline:
        for label, name in list(clients):
            if name.startswith("journey") and "@" not in label:
                dirs[baseline_label(label, directory)] = directory
                clients.append((baseline_label(label, directory), name))
    with bench_server(args.server, items=1000) as base:

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
                ],
                env=baseline_env(dirs.get(client[0])),
            )

        per_client = interleaved(args.runs, clients, measure)
    results = {
        label: {key: median([r[key] for r in rs]) for key in ("p50", "mean", "cpu")}
        for (label, _), rs in zip(clients, per_client, strict=True)
    }
    floor = results["httpx + json.loads"]["p50"]
    # Speed (1 / p50) as a multiple of the two references; CPU against the SDK's.
    references = [
        (label, head)
        for label, head in [
            ("official SDK", "speed vs SDK"),
            ("bare aiohttp + json.loads", "speed vs bare aiohttp"),
        ]
        if label in results
    ]
    headers = ["client", "p50 us", "mean us", "CPU us/call", "p50 vs httpx"]
    headers += [head for _, head in references]
    if "official SDK" in results:
        headers.append("CPU vs SDK")
    if "bare aiohttp + json.loads" in results:
        headers.append("CPU vs bare aiohttp")
    rows = []
    for label, r in results.items():
        row = [
            label,
            f"{r['p50'] * 1e6:.0f}",
            f"{r['mean'] * 1e6:.0f}",
            f"{r['cpu'] * 1e6:.0f}",
            f"{r['p50'] / floor:.2f}x",
        ]
        row += [f"{results[ref]['p50'] / r['p50']:.2f}x" for ref, _ in references]
        if "official SDK" in results:
            row.append(f"{r['cpu'] / results['official SDK']['cpu']:.2f}x")
        if "bare aiohttp + json.loads" in results:
            row.append(f"{r['cpu'] / results['bare aiohttp + json.loads']['cpu']:.2f}x")
        rows.append(row)
    print(
        f"{machine()}; {args.calls} sequential GETs against {server_label(args.server)}; "
        f"median of {args.runs} runs, clients interleaved\n"
    )
    print(table(headers, rows))
    if args.server != "loopback":
        return

    modules = ["journey_async", "httpx"]
    if sdk_installed():
        modules.append("PureCloudPlatformClientV2")
    print("\nImport, whole process, best of 7 (minus a bare interpreter)\n")
    print(table(["module", "ms"], [[m, f"{import_ms(m):.0f}"] for m in modules]))


if __name__ == "__main__":
    parser = bench_parser(__doc__)
    add_server_option(parser)
    add_baseline_option(parser)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=500)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments)
    else:
        main(arguments)
