"""Rate limits: 1,000 lookups at concurrency 50 against a server allowing 100 requests/s.

The loopback server enforces a token bucket (100/s, burst 100) and answers 429 with
`Retry-After` in whole seconds when it is empty, as Genesys does. The ideal is 10 s. Compared:

* `journey_async`: the default client (rate-limit gate with pacing, retries);
* `journey_async, no gate`: the same client with the gate switched off, so each task only
  honours the Retry-After of its own 429s;

    python benchmarks/bench_ratelimit.py [--runs 3] [--lookups 1000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _util import loopback_server, machine, median, server_stats, table

from journey_async import JourneyClient, JourneyError


async def one_run(base_url: str, lookups: int, concurrency: int, gate: bool) -> dict[str, float]:
    async with JourneyClient("bench-token", base_url=base_url) as client:
        if not gate:

            async def open_gate() -> None:
                return None

            client.rate_limit_gate.wait = open_gate  # type: ignore[method-assign]
            client.rate_limit_gate.observe = lambda response: None  # type: ignore[method-assign]
        ids = [f"t-{i}" for i in range(lookups)]
        started = time.perf_counter()
        results = await client.map(
            client.get_journey_actiontarget, ids, concurrency=concurrency, return_exceptions=True
        )
        elapsed = time.perf_counter() - started
    errors = sum(isinstance(r, JourneyError) for r in results)
    stats = server_stats(base_url)
    sent = float(stats["requests"])  # type: ignore[arg-type]
    limited = float(stats["rate_limited"])  # type: ignore[arg-type]
    return {"seconds": elapsed, "sent": sent, "limited": limited, "errors": float(errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rate", type=float, default=100.0)
    args = parser.parse_args()
    ideal = args.lookups / args.rate

    rows = []
    for label, gate in (("journey_async", True), ("journey_async, no gate", False)):
        runs = []
        for _ in range(args.runs):
            with loopback_server("--rate", str(args.rate), "--burst", str(args.rate)) as base:
                runs.append(anyio.run(one_run, base, args.lookups, args.concurrency, gate))
        seconds = median([r["seconds"] for r in runs])
        sent = median([r["sent"] for r in runs])
        limited = median([r["limited"] for r in runs])
        errors = median([r["errors"] for r in runs])
        rows.append(
            [
                label,
                f"{seconds:.2f}",
                f"{seconds / ideal:.2f}x",
                f"{sent:.0f}",
                f"{limited:.0f} ({limited / sent:.1%})",
                f"{errors:.0f}",
            ]
        )
    print(
        f"{machine()}; {args.lookups} lookups, concurrency {args.concurrency}, "
        f"server {args.rate:.0f} req/s (burst {args.rate:.0f}); median of {args.runs} runs\n"
    )
    print(
        table(
            ["client", "seconds", "vs ideal", "requests sent", "answered 429", "failed calls"],
            rows,
        )
    )


if __name__ == "__main__":
    main()
