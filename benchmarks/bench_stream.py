"""Streaming: every segment assignment of a session, pages of 200, from a loopback server.

Each case runs in a fresh interpreter, so its memory figures are its own:

* items/s and peak RSS above the client's idle RSS (after imports and client set-up), for
  100,000 and 1,000,000 items, against a bare `httpx.AsyncClient` + `json.loads` loop that only
  builds dicts;
* prefetch: a consumer that spends 2 ms per page (awaiting, as a database write would) against a
  server that takes 5 ms per page, with `prefetch=1` (default) and `prefetch=0`.

    python benchmarks/bench_stream.py [--runs 3] [--quick]
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
    current_rss_mib,
    loopback_server,
    machine,
    median,
    peak_rss_mib,
    run_child,
    table,
)

SESSION = "5d6e7f80-91a2-4b3c-8d4e-f5a6b7c8d9e0"


async def stream_pages(
    base_url: str, items: int, prefetch: int, work_ms: float, listing: str
) -> dict:
    """Stream a listing through journey_async's pager: session segments or action targets."""
    import anyio

    from journey_async import JourneyClient

    async with JourneyClient("bench-token", base_url=base_url) as client:
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
        elapsed = time.perf_counter() - started
    assert count == items, count
    return {
        "seconds": elapsed,
        "items_per_s": count / elapsed,
        "idle": idle,
        "peak": peak_rss_mib(),
    }


async def stream_journey(base_url: str, items: int, prefetch: int, work_ms: float) -> dict:
    return await stream_pages(base_url, items, prefetch, work_ms, "segments")


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
        elapsed = time.perf_counter() - started
    assert count == items, count
    return {
        "seconds": elapsed,
        "items_per_s": count / elapsed,
        "idle": idle,
        "peak": peak_rss_mib(),
    }


def child(args: argparse.Namespace) -> None:
    import anyio

    fn = {
        "journey_async": stream_journey,
        "targets": stream_targets,
        "httpx": stream_httpx,
    }[args.client]
    result = anyio.run(fn, args.base_url, args.items, args.prefetch, args.work_ms)
    print(json.dumps(result))


def case(base_url: str, client: str, items: int, prefetch: int = 1, work_ms: float = 0) -> dict:
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
        ]
    )


def main(args: argparse.Namespace) -> None:
    runs = args.runs
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    rows = []
    for items in sizes:
        with loopback_server("--items", str(items)) as base:
            for client in ("httpx + json.loads (dicts)", "journey_async"):
                name = "httpx" if client.startswith("httpx") else "journey_async"
                results = [case(base, name, items) for _ in range(runs)]
                rows.append(
                    [
                        client,
                        f"{items:,}",
                        f"{median([r['items_per_s'] for r in results]):,.0f}",
                        f"{median([r['idle'] for r in results]):.1f}",
                        f"{median([r['peak'] for r in results]):.1f}",
                        f"{median([r['peak'] - r['idle'] for r in results]):.1f}",
                    ]
                )
    print(f"{machine()}; pages of 200; median of {runs} runs, each in its own process\n")
    print(
        table(
            ["client", "items", "items/s", "idle RSS MiB", "peak RSS MiB", "peak - idle MiB"],
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="skip the 1,000,000-item case")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client", default="journey_async", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--items", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--prefetch", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--work-ms", type=float, default=0.0, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments)
    else:
        main(arguments)
