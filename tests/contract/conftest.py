"""Fixtures of the contract tests: Stoplight Prism mocking the Journey OpenAPI file on loopback.

`prism mock --errors` answers a request that breaks the spec (path, query, headers, security,
body) with an error status and an `sl-violations` header, so every request the client sends is
checked by a tool this project did not write. `scripts/prism.sh` installs Prism into `.prism/`;
without node or Prism the tests skip, saying why. The spec is the project's copy in `spec/`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "journey-2020.json"
SPEC_2026 = ROOT / "spec" / "journey-2026.json"
STARTUP_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@pytest.fixture(scope="session")
def openapi_path() -> Path:
    """The OpenAPI file Prism serves: the project's copy in `spec/`."""
    return SPEC


@pytest.fixture(scope="session")
def prism_url(openapi_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `prism mock --errors` on a free loopback port; yield its base URL; stop it."""
    with _prism(openapi_path, tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="session")
def prism_url_2026(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Prism mocking today's API (`spec/journey-2026.json`, the 29 operations of SDK 269)."""
    with _prism(SPEC_2026, tmp_path_factory) as url:
        yield url


@contextlib.contextmanager
def _prism(spec: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run `prism mock --errors` on `spec` on a free loopback port; yield its base URL."""
    if shutil.which("node") is None:
        pytest.skip("contract tests: node is not on PATH (Prism needs it)")
    prism = Path(os.environ.get("PRISM_BIN", ROOT / ".prism" / "node_modules" / ".bin" / "prism"))
    if not prism.is_file():
        pytest.skip(f"contract tests: Prism is not installed at {prism} (run scripts/prism.sh)")

    port = _free_port()
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(prism), "mock", "--errors", "-h", HOST, "-p", str(port), str(spec)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"Prism exited with {proc.returncode} at startup:\n{_log_tail(log)}")
            try:
                httpx.get(url + "/", timeout=1.0)  # any HTTP answer (a 404) means it is up
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"Prism did not answer within {STARTUP_TIMEOUT:g} s:\n{_log_tail(log)}"
                    )
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
