"""Every script in examples/ run as a user runs it: a subprocess with no credentials (so on the
in-process fake or mock, never the network) and deprecation warnings made errors, since users
copy the examples and they must only use today's API. Its output must say what it did.

`web_app.py` has its own tests (`test_web_app.py`, the script included)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from journey_async.testing import FakeJourneyApi

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

TESTED_ELSEWHERE = {"web_app.py"}

EXPECTED: dict[str, list[str]] = {
    "bulk_lookup.py": [
        r"^500 sessions in [\d.]+ s; not found: \['no-such-session-1', 'no-such-session-2'\]$",
        r"^\d+ of the first 100 sessions were assigned a segment$",
    ],
    "custom_token_provider.py": [
        r"^segment '.+' \(one vault read: 1\)$",
        r"^segment '.+' \(after a 401, the provider was asked again: 2 reads\)$",
    ],
    "quickstart.py": [
        r"^streamed 1000 events in \d+ ms; last: e-000999$",
        r"^looked up 200 sessions; first: s-0 \(web\)$",
        r"^a missing session raises NotFoundError: .*404 not\.found",
        r"^assigned seg-1 to contact-1 \(0 items not processed\)$",
        r"^\{'journeySegmentId': 'seg-1'\}: nJourneySessions = 42$",
    ],
    "stream_to_jsonl.py": [
        r"^wrote 5000 events of session [0-9a-f-]{36} to ",
        r"^by type: \{'WebEvent': \d+",
        r"^resume later with after=None ",
    ],
    "todays_api.py": [
        r"^1\. the journey of contact [0-9a-f-]{36}$",
        r"^   session [0-9a-f-]{36} \((web|app)\): \{",
        r"^3\. segment definitions$",
        r"^   created and renamed [0-9a-f-]{36}: Example: loyal$",
        r"^   \{'journeySegmentId': '[^']+'\}: 7 day\(s\) of data$",
    ],
    "web_handler.py": [
        r"^200 \{'id': '[0-9a-f-]{36}', 'type': 'web', 'events': 40, 'segments': \[",
        r"^404 \{'error': 'no such session', 'correlation_id': '[0-9a-f-]{36}'\}$",
    ],
}


def scripts() -> list[str]:
    """The examples CI runs: every examples/*.py but the shared modules (`_*.py`)."""
    return sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def run_example(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run examples/`name` with no credentials in its environment (so never a real org)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GENESYSCLOUD_") and k != "JOURNEY_BASE_URL"
    }
    return subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
        check=False,
    )


def test_every_example_is_tested():
    assert set(scripts()) == set(EXPECTED) | TESTED_ELSEWHERE


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_on_todays_api(name: str, tmp_path: Path):
    """Exit 0, nothing on stderr (no warning, no traceback), and the lines that say it worked."""
    args: tuple[str, ...] = ()
    if name == "stream_to_jsonl.py":  # write into the test's directory, not the shared /tmp
        args = (FakeJourneyApi(seed=7, sessions=1).session_ids[0], str(tmp_path / "out.jsonl"))
    done = run_example(name, *args)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    for pattern in EXPECTED[name]:
        assert any(re.search(pattern, line) for line in lines), (pattern, done.stdout)
    assert "other failures" not in done.stdout


def test_stream_to_jsonl_writes_every_event_as_the_apis_json(tmp_path: Path):
    """One JSON object per line, in the API's camelCase form, all of the session asked for."""
    session_id = FakeJourneyApi(seed=7, sessions=1).session_ids[0]
    output = tmp_path / "events.jsonl"
    done = run_example("stream_to_jsonl.py", session_id, str(output))
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len(events) == 5000
    assert len({e["id"] for e in events}) == 5000
    assert all(e["session"]["id"] == session_id for e in events)
    assert all(e["eventType"].startswith("com.genesys.journey.") for e in events)
    assert f"to {output}" in done.stdout
