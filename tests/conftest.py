"""Shared fixtures: a respx router mounted as the client's transport, a recording sleep, and the
anyio backends (asyncio, plus trio) for tests that must pass on both."""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import respx

from journey_async import JourneyClient, RetryPolicy

SPEC_DIR = Path(__file__).resolve().parents[1] / "spec"
"""The project's own copies of the OpenAPI files (`spec/README.md`): tests read only these."""

BASE_URL = "https://api.test.invalid"
"""Never resolved: requests go to a MockTransport, never to the network."""

TOKEN = "test-token-3f9a"


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    """Coroutine tests not marked `anyio` run on asyncio through pytest-asyncio (strict mode).

    Tests marked `anyio` run through anyio on both backends (`anyio_backend` below); in
    pytest-asyncio's auto mode they would all have run on asyncio, trio included.
    """
    inner = getattr(getattr(obj, "hypothesis", None), "inner_test", obj)  # @given wraps it
    if not (collector.istestfunction(obj, name) and inspect.iscoroutinefunction(inner)):
        return
    marks = [m.name for m in getattr(obj, "pytestmark", [])]
    if collector.get_closest_marker("anyio") is None and "anyio" not in marks:
        pytest.mark.asyncio(obj)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run `@pytest.mark.anyio` tests on asyncio and on trio."""
    return str(request.param)


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GENESYSCLOUD_* variable of the machine leaks into a test."""
    for name in list(os.environ):
        if name.startswith("GENESYSCLOUD_"):
            monkeypatch.delenv(name)


class SleepRecorder:
    """A fake `Sleep`: records each wait and advances a fake monotonic clock instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.now = 1000.0

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def sleeper() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def router() -> Iterator[respx.Router]:
    """A respx router for BASE_URL; a request no route matches fails the test."""
    yield respx.Router(base_url=BASE_URL, assert_all_mocked=True, assert_all_called=False)


@pytest_asyncio.fixture
async def client(router: respx.Router, sleeper: SleepRecorder) -> AsyncIterator[JourneyClient]:
    """A client whose HTTP goes to `router` through a MockTransport, with instant sleeps."""
    http = httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler))
    async with JourneyClient(
        TOKEN,
        base_url=BASE_URL,
        http_client=http,
        retry=RetryPolicy(),
        sleep=sleeper,
        clock=sleeper.clock,
    ) as c:
        yield c
    await http.aclose()


def load_openapi(era: str = "2020") -> dict[str, Any]:
    """The OpenAPI document of one API era (`"2020"` or `"2026"`), from `spec/`."""
    data: dict[str, Any] = json.loads((SPEC_DIR / f"journey-{era}.json").read_text("utf-8"))
    return data


@pytest.fixture(scope="session")
def openapi() -> dict[str, Any]:
    """The 2020 OpenAPI document (the eight operations), parsed once per session."""
    return load_openapi("2020")


@pytest.fixture(scope="session")
def openapi_2026() -> dict[str, Any]:
    """Today's OpenAPI document (the 29 operations of SDK 269), parsed once per session."""
    return load_openapi("2026")
