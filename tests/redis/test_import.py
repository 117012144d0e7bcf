"""`journey_async` never imports redis; `journey_async.redis` names the extra when it is missing."""

from __future__ import annotations

import subprocess
import sys


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_the_package_does_not_import_redis() -> None:
    """Importing journey_async (and building a client with RateLimit) leaves redis unloaded."""
    done = run(
        "import sys, journey_async\n"
        "journey_async.JourneyClient('t', rate_limit=journey_async.RateLimit(300, 60.0))\n"
        "print('redis' in sys.modules)"
    )
    assert done.stdout.strip() == "False", done.stderr


def test_missing_redis_names_the_extra() -> None:
    """Without redis-py, importing journey_async.redis is an ImportError naming the extra."""
    done = run("import sys\nsys.modules['redis'] = None\nimport journey_async.redis")
    assert done.returncode != 0
    assert "pip install 'journey-async[redis]'" in done.stderr
