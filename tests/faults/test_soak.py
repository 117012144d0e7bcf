"""A shortened soak (`benchmarks/soak.py`) in-process: 2,000 mixed calls at concurrency 32
against the fake on 127.0.0.1 with about 2% injected faults, 5% of the calls under the caller's
own 1-30 ms timeout, 3% cancelled from outside, `map` batches with per-item timeouts and segment
streams broken out of or cancelled mid-way."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import anyio
import pytest

pytestmark = pytest.mark.anyio

SOAK_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "soak.py"


@pytest.fixture
def anyio_backend() -> str:
    """The soak's fake runs in an asyncio thread; the client side runs on asyncio too (which
    also lets the soak cancel with `asyncio.timeout` and `Task.cancel()`)."""
    return "asyncio"


def load_soak() -> ModuleType:
    spec = importlib.util.spec_from_file_location("journey_soak", SOAK_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["journey_soak"] = module  # attrs resolves annotations through sys.modules
    spec.loader.exec_module(module)
    return module


async def test_short_soak_ends_every_call_in_a_documented_way():
    """2,000 faulty, timed-out and cancelled calls: each ends in one documented outcome, no
    result is lost, and fds, tasks, the pool, the slots and RSS come back."""
    soak = load_soak()
    with anyio.fail_after(50):
        result = await soak.run_soak(2_000, 32, time_limit=40.0, in_process=True)
    report = result.table()
    assert result.problems() == [], report

    # Every call accounted for, exactly once.
    assert not result.timed_out, report
    assert result.completed == 2_000
    assert sum(result.outcomes.values()) == 2_000
    assert sum(sum(counts.values()) for counts in result.by_mode.values()) == 2_000
    assert result.unaccounted == 0
    assert result.cut_by_time_limit == 0

    # Only documented outcomes: the injected faults' classes, the caller's own timeouts and
    # cancellations; nothing lost.
    assert result.unexpected == [], result.tracebacks
    assert result.lost == []
    assert result.lost_count == 0
    assert result.assigns_missing == 0
    injected = {"DecodeError", "ServerError", "RateLimitError", "TransportError"}
    caller = {soak.OWN_TIMEOUT, soak.CANCELLED}
    assert set(result.outcomes) <= {"success"} | injected | caller, report
    assert result.outcomes[soak.OWN_TIMEOUT] >= 1
    assert result.outcomes[soak.CANCELLED] >= 1
    assert set(result.map_items) <= {"success", soak.OWN_TIMEOUT} | injected, report

    # Own timeouts only where the caller set one, cancellations only where it cancelled (or a
    # stream's consumer did).
    for mode, counts in result.by_mode.items():
        if mode not in (soak.ANYIO_TIMEOUT, soak.ASYNCIO_TIMEOUT):
            assert counts[soak.OWN_TIMEOUT] == 0, (mode, counts)
    plain = result.by_mode[soak.PLAIN]
    assert plain[soak.CANCELLED] <= result.streams["cancelled mid-stream"]
    # Every way of timing out and cancelling was exercised.
    for mode in soak.MODES:
        assert sum(result.by_mode.get(mode, {}).values()) >= 1, (mode, report)
    assert result.by_mode[soak.ANYIO_TIMEOUT][soak.OWN_TIMEOUT] >= 1
    assert result.by_mode[soak.ASYNCIO_TIMEOUT][soak.OWN_TIMEOUT] >= 1
    assert result.by_mode[soak.SCOPE_CANCEL][soak.CANCELLED] >= 1
    assert result.by_mode[soak.TASK_CANCEL][soak.CANCELLED] >= 1
    assert result.map_batches["map"] >= 1 and result.map_batches["map_unordered"] >= 1
    assert result.map_items[soak.OWN_TIMEOUT] >= 1
    assert result.map_items["success"] >= 1
    for kind in ("read to the end", "broken out of early", "cancelled mid-stream"):
        assert result.streams[kind] >= 1, (kind, report)

    # Retries absorb 503s, 429s and drops; malformed bodies are not retried, so the calls left
    # alone by their callers nearly all succeed.
    assert plain["success"] >= (sum(plain.values()) - plain[soak.CANCELLED]) * 0.97, report
    assert result.outcomes["DecodeError"] >= 1
    statuses = result.server_by_status
    assert set(statuses) <= {200, 204, 429, 503}
    assert statuses.get(429, 0) >= 1
    assert statuses.get(503, 0) >= 1
    assert result.server_dropped >= 1

    # Back to where it started once the client is closed (the fake's sockets included).
    assert result.fds_end == result.fds_start
    assert result.pool_queued_end == 0
    assert result.pool_states_end["CONNECTING"] == 0
    assert result.pool_states_end["ACTIVE"] == 0
    assert result.slots_in_use_end == 0
    assert result.slots_waiting_end == 0
    assert result.gate_waiting_end == 0
    assert result.tasks_end == result.tasks_start
    assert result.loop_errors == []
    assert result.rss_baseline_mib is not None
    assert result.rss_growth_mib is not None
    assert result.rss_growth_mib < soak.RSS_GROWTH_LIMIT_MIB, report
