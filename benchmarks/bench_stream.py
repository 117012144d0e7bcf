"""Streaming: every segment assignment of a session, pages of 200, from a loopback server.

Each case runs in a fresh interpreter, so its memory figures are its own:

* items/s and peak RSS above the client's idle RSS (after imports and client set-up), for
  100,000 and 1,000,000 items, against a bare `httpx.AsyncClient` + `json.loads` loop that only
  builds dicts, and (100,000 items, when the `bench` extra is installed) the official SDK's
  `ApiClient` on the same listing; journey_async runs with the standard library's parser
  (`JOURNEY_ASYNC_JSON=stdlib`, the default install), with the `orjson` extra, and with both
  the `orjson` and `aiohttp` extras (`transport="aiohttp"`);
* prefetch: a consumer that spends 2 ms per page (awaiting, as a database write would) against a
  server that takes 5 ms per page, with `prefetch=1` (default) and `prefetch=0`.

    python benchmarks/bench_stream.py [--runs 5] [--quick]
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _util import (  # noqa: E402
    bench_parser,
    current_rss_mib,
    interleaved,
    loopback_server,
    machine,
    median,
    peak_rss_mib,
    run_child,
    table,
)

SESSION = "5d6e7f80-91a2-4b3c-8d4e-f5a6b7c8d9e0"


def _outcome(count: int, items: int, elapsed: float, idle: float) -> dict:
    """One streaming run's figures, after checking every item arrived."""
    assert count == items, count
    return {
        "seconds": elapsed,
        "items_per_s": count / elapsed,
        "idle": idle,
        "peak": peak_rss_mib(),
    }


async def stream_pages(
    base_url: str,
    items: int,
    prefetch: int,
    work_ms: float,
    listing: str,
    transport: str | None = None,
) -> dict:
    """Stream a listing through journey_async's pager: session segments or action targets."""
    import anyio

    from journey_async import JourneyClient

    async with JourneyClient("bench-token", base_url=base_url, transport=transport) as client:
        idle = current_rss_mib()
        count = 0
        started = time.perf_counter()
        if listing == "segments":
            pager = client.iter_journey_session_segments(SESSION, page_size=200, prefetch=prefetch)
        else:
            pager = client.iter_journey_actiontargets(page_size=100, prefetch=prefetch)
        async with pager:
            async for page in pager.pages():
                count += len(page.entities or [])
                if work_ms:
                    await anyio.sleep(work_ms / 1000)
        return _outcome(count, items, time.perf_counter() - started, idle)


async def stream_journey(base_url: str, items: int, prefetch: int, work_ms: float) -> dict:
    return await stream_pages(base_url, items, prefetch, work_ms, "segments")


async def stream_journey_aiohttp(base_url: str, items: int, prefetch: int, work_ms: float) -> dict:
    return await stream_pages(base_url, items, prefetch, work_ms, "segments", "aiohttp")


async def stream_targets(base_url: str, items: int, prefetch: int, work_ms: float) -> dict:
    return await stream_pages(base_url, items, prefetch, work_ms, "targets")


async def stream_httpx(base_url: str, items: int, prefetch: int, work_ms: float) -> dict:
    import anyio
    import httpx

    async with httpx.AsyncClient(base_url=base_url) as client:
        idle = current_rss_mib()
        count = 0
        started = time.perf_counter()
        url = f"/api/v2/journey/sessions/{SESSION}/segments?pageSize=200"
        while url:
            response = await client.get(url, headers={"Authorization": "Bearer bench-token"})
            page = json.loads(response.content)
            count += len(page["entities"])
            url = page.get("nextUri")
            if work_ms:
                await anyio.sleep(work_ms / 1000)
        return _outcome(count, items, time.perf_counter() - started, idle)


async def stream_sdk(base_url: str, items: int, prefetch: int, work_ms: float) -> dict:
    """The official SDK's own machinery on the same listing, following the `after` cursor.

    SDK 269 no longer has the session-segments operation, so this calls its `ApiClient.call_api`
    with the path, query and `SegmentAssignmentListing` response type its generated method
    passed: the same urllib3 request and the same deserializer. Synchronous, as the SDK is.
    Its `SegmentAssignmentListing` has lost `nextUri`, so the cursor is read from the raw body
    it keeps in `last_response` (a regular-expression search, microseconds a page).
    """
    import re
    import warnings
    from urllib.parse import parse_qs, urlsplit

    warnings.simplefilter("ignore")
    import PureCloudPlatformClientV2 as sdk

    api_client = sdk.ApiClient(host=base_url)
    api_client.access_token = "bench-token"
    idle = current_rss_mib()
    count = 0
    started = time.perf_counter()
    after = None
    while True:
        query = {"pageSize": 200, **({"after": after} if after else {})}
        page = api_client.call_api(
            "/api/v2/journey/sessions/{sessionId}/segments",
            "GET",
            path_params={"sessionId": SESSION},
            query_params=query,
            header_params={"Accept": "application/json"},
            response_type="SegmentAssignmentListing",
            auth_settings=["PureCloud OAuth"],
        )
        count += len(page.entities or [])
        raw = api_client.last_response.data
        found = re.search(
            r'"nextUri"\s*:\s*"([^"]*)"', raw if isinstance(raw, str) else raw.decode()
        )
        if not found:
            break
        after = parse_qs(urlsplit(found.group(1)).query)["after"][0]
    return _outcome(count, items, time.perf_counter() - started, idle)


def child(args: argparse.Namespace) -> None:
    import anyio

    fn = {
        "journey_async": stream_journey,
        "targets": stream_targets,
        "httpx": stream_httpx,
        "sdk": stream_sdk,
        "journey_async_aiohttp": stream_journey_aiohttp,
    }[args.client]
    result = anyio.run(fn, args.base_url, args.items, args.prefetch, args.work_ms)
    print(json.dumps(result))


def case(
    base_url: str,
    client: str,
    items: int,
    prefetch: int = 1,
    work_ms: float = 0,
    env: dict[str, str] | None = None,
) -> dict:
    return run_child(
        [
            str(Path(__file__)),
            "--child",
            "--client",
            client,
            "--base-url",
            base_url,
            "--items",
            str(items),
            "--prefetch",
            str(prefetch),
            "--work-ms",
            str(work_ms),
        ],
        env=env,
    )


STDLIB = {"JOURNEY_ASYNC_JSON": "stdlib"}


def stream_clients(items: int) -> list[tuple[str, str, dict[str, str] | None]]:
    """(label, child client, environment) of each streaming case, baselines first."""
    clients: list[tuple[str, str, dict[str, str] | None]] = [
        ("httpx + json.loads (dicts only)", "httpx", None),
        ("journey_async, default install (stdlib json)", "journey_async", STDLIB),
    ]
    if importlib.util.find_spec("orjson") is not None:
        clients.append(("journey_async + `orjson` extra", "journey_async", {}))
        if importlib.util.find_spec("aiohttp") is not None:
            clients.append(
                (
                    'journey_async + `orjson` + `transport="aiohttp"`',
                    "journey_async_aiohttp",
                    {},
                )
            )
    if importlib.util.find_spec("PureCloudPlatformClientV2") is not None and items <= 100_000:
        clients.append(("official SDK (ApiClient.call_api)", "sdk", None))
    return clients


def stream_case(base_url: str, items: int, client: tuple[str, str, dict[str, str] | None]) -> dict:
    """One streaming run of `client` (a `stream_clients` entry) in a fresh process."""
    _, name, env = client
    return case(base_url, name, items, env=env)


def main(args: argparse.Namespace) -> None:
    runs = args.runs
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    rows = []
    for items in sizes:
        clients = stream_clients(items)
        with loopback_server("--items", str(items)) as base:
            per_client = interleaved(runs, clients, functools.partial(stream_case, base, items))
        results = {label: rs for (label, _, _), rs in zip(clients, per_client, strict=True)}
        floor = median([r["items_per_s"] for r in results[clients[0][0]]])
        sdk = results.get("official SDK (ApiClient.call_api)")
        sdk_rate = median([r["items_per_s"] for r in sdk]) if sdk else None
        for label, _, _ in clients:
            rate = median([r["items_per_s"] for r in results[label]])
            rows.append(
                [
                    label,
                    f"{items:,}",
                    f"{rate:,.0f}",
                    f"{rate / floor:.2f}x",
                    f"{rate / sdk_rate:.1f}x" if sdk_rate else "-",
                    f"{median([r['idle'] for r in results[label]]):.1f}",
                    f"{median([r['peak'] for r in results[label]]):.1f}",
                    f"{median([r['peak'] - r['idle'] for r in results[label]]):.1f}",
                ]
            )
    print(f"{machine()}; pages of 200; medians, each run in its own process, clients interleaved\n")
    print(
        table(
            [
                "client",
                "items",
                "items/s",
                "vs httpx dicts",
                "vs SDK",
                "idle RSS MiB",
                "peak RSS MiB",
                "peak - idle MiB",
            ],
            rows,
        )
    )

    items = 20_000
    rows = []
    with loopback_server("--items", str(items), "--latency", "5") as base:
        for label, client in (
            ("segments (cursor), pages of 200", "journey_async"),
            ("action targets (page numbers), pages of 100", "targets"),
        ):
            timings = {}
            for prefetch in (0, 1):
                results = [
                    case(base, client, items, prefetch=prefetch, work_ms=2) for _ in range(runs)
                ]
                timings[prefetch] = median([r["seconds"] for r in results])
            for prefetch in (0, 1):
                rows.append(
                    [
                        label,
                        f"prefetch={prefetch}",
                        f"{timings[prefetch]:.2f}",
                        f"{items / timings[prefetch]:,.0f}",
                        f"{timings[0] / timings[prefetch]:.2f}x",
                    ]
                )
    print(
        f"\nPrefetch: {items:,} items, server 5 ms per page, consumer 2 ms per page "
        "(awaited); page-number listings fetch up to page_concurrency=4 pages ahead\n"
    )
    print(table(["listing", "pager", "seconds", "items/s", "speed-up"], rows))


if __name__ == "__main__":
    parser = bench_parser(__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per client")
    parser.add_argument("--quick", action="store_true", help="skip the 1,000,000-item case")
    parser.add_argument("--items", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--prefetch", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--work-ms", type=float, default=0.0, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments)
    else:
        main(arguments)
