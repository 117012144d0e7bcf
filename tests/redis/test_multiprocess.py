"""A real fleet: worker processes on one OAuth client, against the fake API on a loopback
port with Genesys's per-token window, sharing Redis."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from journey_async.testing import FakeJourneyApi

WORKER = Path(__file__).with_name("fleet_worker.py")


def test_worker_processes_share_one_grant_and_one_pace(redis_url: str) -> None:
    """Three processes x 8 callers, paced in Redis at 90% of the fake's per-token window:
    every call succeeds, the fleet makes exactly one grant, and (almost) no call gets 429."""
    api = FakeJourneyApi()
    api.faults.token_rate_limit = (20, 1.0)
    with api.serve_in_thread() as base_url:
        config = {
            "base_url": base_url,
            "redis_url": redis_url,
            "calls": 15,
            "concurrency": 8,
            "rate": 18,
            "per": 1.0,
            "ids": api.action_target_ids[:10],
            "start_at": time.time() + 3.0,  # after every worker has imported and connected
        }
        workers = [
            subprocess.Popen(
                [sys.executable, str(WORKER), json.dumps(config)],
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        outputs = [worker.communicate(timeout=50)[0] for worker in workers]
    results = [json.loads(output.strip().splitlines()[-1]) for output in outputs]
    assert all(worker.returncode == 0 for worker in workers)
    assert [result["ok"] for result in results] == [15, 15, 15]
    assert api.stats.grants == 1
    assert sum(result["grants"] for result in results) == 1
    assert api.stats.rate_limited <= 1  # one unlucky window edge at most, on a busy machine
    assert sum(api.stats.by_token.values()) == 45 + api.stats.rate_limited
