"""A shortened soak (`benchmarks/soak.py`) in-process: 2,000 mixed calls at concurrency 32
against the fake on 127.0.0.1 with about 2% injected faults."""

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
    """The soak's fake runs in an asyncio thread; the client side runs on asyncio too."""
    return "asyncio"


def load_soak() -> ModuleType:
    spec = importlib.util.spec_from_file_location("journey_soak", SOAK_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["journey_soak"] = module  # attrs resolves annotations through sys.modules
    spec.loader.exec_module(module)
    return module


async def test_short_soak_ends_every_call_in_a_documented_way():
    """2,000 faulty calls: injected failure kinds only, no lost assign, fds and pool restored."""
    soak = load_soak()
    with anyio.fail_after(40):
        result = await soak.run_soak(2_000, 32, time_limit=30.0, in_process=True)
    assert not result.timed_out
    assert result.completed == 2_000
    assert sum(result.outcomes.values()) == 2_000
    assert result.unexpected == []
    allowed = {"success", "DecodeError", "ServerError", "RateLimitError", "TransportError"}
    assert set(result.outcomes) <= allowed
    # Retries absorb 503s, 429s and drops; malformed bodies are not retried, so most calls
    # succeed and failures stay within the injected share.
    assert result.outcomes["success"] >= 2_000 * 0.97
    assert result.outcomes["DecodeError"] >= 1
    statuses = result.server_by_status
    assert set(statuses) <= {200, 204, 429, 503}
    assert statuses.get(429, 0) >= 1
    assert statuses.get(503, 0) >= 1
    assert result.server_dropped >= 1
    assert result.assigns_missing == 0
    assert result.fds_end == result.fds_start
    assert result.pool_queued_end == 0
