"""Shared benchmark plumbing: the loopback server process, medians, RSS, Markdown tables."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).resolve().parent

BASELINE_ENV = "JOURNEY_BENCH_BASELINE"
"""Set in a measuring child's environment: the directory whose `journey_async` it imports."""

if os.environ.get(BASELINE_ENV):  # a baseline case: its package comes before the working tree's
    sys.path.insert(0, os.environ[BASELINE_ENV])

C = TypeVar("C")
R = TypeVar("R")


@contextlib.contextmanager
def loopback_server(*args: str) -> Iterator[str]:
    """Start `benchmarks/loopback.py` in its own process; yield its base URL; stop it after."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "loopback.py"), "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("port "):
            raise RuntimeError(f"loopback server did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


SERVERS = ("loopback", "nginx")
"""What `--server` accepts: `loopback.py` (Python, every feature) or nginx (fast, static)."""


@contextlib.contextmanager
def bench_server(kind: str, *, items: int = 1000) -> Iterator[str]:
    """`loopback_server("--items", items)` or `nginx_server.nginx_server(items=items)`."""
    if kind == "nginx":
        from nginx_server import nginx_server

        with nginx_server(items=items) as base:
            yield base
    else:
        with loopback_server("--items", str(items)) as base:
            yield base


def server_label(kind: str) -> str:
    if kind == "nginx":
        from nginx_server import nginx_version

        return f"{nginx_version()} (benchmarks/nginx_server.py, one process)"
    return "the Python loopback server (benchmarks/loopback.py)"


def server_stats(base_url: str, *, reset: bool = False) -> dict[str, object]:
    """Read (or reset) the loopback server's counters."""
    if reset:
        request = urllib.request.Request(base_url + "/stats", method="POST")
        with urllib.request.urlopen(request, timeout=5):
            return {}
    with urllib.request.urlopen(base_url + "/stats", timeout=5) as response:
        data: dict[str, object] = json.loads(response.read())
        return data


def run_child(module_args: Sequence[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Run one measurement in a fresh interpreter (own RSS, no warm caches) and parse its JSON."""
    out = subprocess.run(
        [sys.executable, *module_args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    """Current resident set size of this process, in MiB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    return (
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}"
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines.extend("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines)


def interleaved(runs: int, cases: Sequence[C], measure: Callable[[C], R]) -> list[list[R]]:
    """`runs` rounds measuring every case once, so slow spells of a shared machine fall on all
    cases alike; returns each case's results, in the order of `cases`."""
    results: list[list[R]] = [[] for _ in cases]
    for _ in range(runs):
        for index, case in enumerate(cases):
            results[index].append(measure(case))
    return results


def bench_parser(doc: str | None) -> argparse.ArgumentParser:
    """A benchmark's parser, with the hidden flags of its measuring child processes."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n")[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client", default="journey_async", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", default="", help=argparse.SUPPRESS)
    return parser


def add_baseline_option(parser: argparse.ArgumentParser) -> None:
    """`--baseline DIR` (repeatable): also measure the `journey_async` package found in DIR.

    Make one with `git archive REF journey_async | tar -x -C DIR`; its cases are labelled
    `@ DIR's name` and run in the same rounds as the working tree's, so a change is measured
    before and after in one interleaved run.
    """
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        action="append",
        default=[],
        help="a directory holding another journey_async package, measured next to this one",
    )


def baseline_label(label: str, directory: str) -> str:
    """A baseline case's label: the working tree's, `@` the directory's name."""
    return f"{label} @ {Path(directory).name}"


def baseline_env(directory: str | None) -> dict[str, str] | None:
    """The environment of a baseline case's child process (None: the working tree)."""
    return {BASELINE_ENV: str(Path(directory).resolve())} if directory else None


def add_server_option(parser: argparse.ArgumentParser) -> None:
    """`--server loopback|nginx`, for the benchmarks that can run against either."""
    parser.add_argument(
        "--server",
        choices=SERVERS,
        default="loopback",
        help="the server to measure against (nginx: see benchmarks/nginx_server.py)",
    )
