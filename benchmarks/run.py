"""Run every benchmark and print one Markdown report; also write it as JSON for comparisons.

    python benchmarks/run.py [--quick] [--only TEXT] [--json benchmarks/results/latest.json]

Each benchmark script starts its own loopback server (`benchmarks/loopback.py`, a separate
process) and runs every client in a process of its own, taking medians over several runs, with
the baselines (bare httpx, the official SDK when installed) measured in the same run. When
nginx is installed, W1 and W3 run a second time against it (`benchmarks/nginx_server.py`, the
same answers from a server much faster than the clients), reported separately, with the cost
of the send path's asyncio cancellation guard and what each server spends per request; without
nginx those sections say they were skipped. The report is what `benchmarks/RESULTS.md`
records. `--quick` runs fewer repetitions and skips the 1,000,000-item stream (a smoke run, not
a measurement); `--only` runs the sections whose title or script contains TEXT (`--only
nginx`).
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from nginx_server import SKIP_MESSAGE, nginx_binary  # noqa: E402

REDIS_SKIP = "SKIPPED: redis-server is not installed (Debian: apt-get install redis-server)"

BENCHMARKS = [
    ("W1 bulk: 2,000 lookups at concurrency 32", "bench_bulk.py", ["--runs", "5"], ["--runs", "1"]),
    ("W2 stream and prefetch", "bench_stream.py", ["--runs", "3"], ["--runs", "1", "--quick"]),
    (
        "W3 per-request latency, and import time",
        "bench_latency.py",
        ["--runs", "5"],
        ["--runs", "1"],
    ),
    ("W4 decode one 200-item page", "bench_decode.py", [], ["--runs", "3", "--loops", "100"]),
    (
        "Today's API: decode 200 events, stream 100,000 events",
        "bench_events.py",
        [],
        ["--runs", "3", "--loops", "10", "--events", "20000", "--stream-runs", "1"],
    ),
    (
        "W1 bulk against nginx",
        "bench_bulk.py",
        ["--runs", "5", "--server", "nginx"],
        ["--runs", "1", "--server", "nginx"],
    ),
    (
        "W3 per-request latency and CPU against nginx",
        "bench_latency.py",
        ["--runs", "5", "--server", "nginx"],
        ["--runs", "1", "--server", "nginx"],
    ),
    (
        "W3 cost of the asyncio send guard, against nginx",
        "bench_profile.py",
        ["guard", "--runs", "5", "--server", "nginx"],
        ["guard", "--runs", "1", "--server", "nginx"],
    ),
    (
        "W1 cost of the asyncio send guard, against nginx",
        "bench_profile.py",
        ["guard", "--workload", "w1", "--runs", "3", "--server", "nginx"],
        ["guard", "--workload", "w1", "--runs", "1", "--server", "nginx"],
    ),
    (
        "Server CPU per request: nginx and the Python loopback server",
        "bench_profile.py",
        ["server"],
        ["server", "--runs", "1", "--calls", "1000"],
    ),
    (
        "The asyncio send guard's machinery, no network",
        "bench_profile.py",
        ["micro"],
        ["micro", "--loops", "2000"],
    ),
    (
        "Rate limits: 1,000 lookups against 100 req/s",
        "bench_ratelimit.py",
        ["--runs", "3"],
        ["--runs", "1"],
    ),
    (
        "Fleets: 4 processes on one client, with and without Redis (needs redis-server)",
        "bench_fleet.py",
        ["--runs", "3"],
        ["--runs", "1", "--calls", "50", "--pool-calls", "150", "--cost-calls", "100"],
    ),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="", help="the sections whose title or script has this")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "latest.json")
    args = parser.parse_args()

    report: dict[str, object] = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "sections": {},
    }
    sections: dict[str, str] = {}
    for title, script, full, quick in BENCHMARKS:
        if args.only and args.only.lower() not in f"{title} {script}".lower():
            continue
        if "nginx" in full and nginx_binary() is None:  # `--server nginx`
            sections[title] = SKIP_MESSAGE
            print(f"## {title}\n\n{SKIP_MESSAGE}\n", flush=True)
            continue
        if script == "bench_fleet.py" and shutil.which("redis-server") is None:
            sections[title] = REDIS_SKIP
            print(f"## {title}\n\n{REDIS_SKIP}\n", flush=True)
            continue
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, str(HERE / script), *(quick if args.quick else full)],
            capture_output=True,
            text=True,
            check=False,
        )
        took = time.perf_counter() - started
        text = out.stdout.strip() if out.returncode == 0 else f"FAILED:\n{out.stderr.strip()}"
        sections[title] = text
        print(f"## {title}\n\n{text}\n\n({script}, {took:.0f} s)\n", flush=True)
    report["sections"] = sections
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"(written to {args.json})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
