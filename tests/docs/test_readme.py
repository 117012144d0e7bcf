"""Every ```python block of README.md runs, in order, against the in-process fake API.

The convention, also stated in the README above its first example ("Examples below use `client`
from the first snippet..."):

* Each block runs on its own, in a fresh namespace that holds what the README lets its examples
  use without defining it: `client` (an open `JourneyClient` on `FakeJourneyApi().transport()`,
  with a `base_url`), ids standing for the reader's own (`target_id`, `target_ids`, `session_id`,
  `session_ids`, `contact_id`, `customer_id`, `segment_id`, all the fake's), `token` (a bearer
  token the fake accepts), and also `api` (the fake) and `anyio`.
* A block with top-level `await`, `async with` or `async for` runs as the body of a coroutine
  (compiled with `ast.PyCF_ALLOW_TOP_LEVEL_AWAIT`, as `python -m asyncio` does) on asyncio. A
  block without is a whole program and runs as a script, outside any event loop (it calls
  `anyio.run(main)` itself and builds its own client; `client` is not provided there).
* Snippets stay natural (real credentials, `region=...`, `from_env()`, a proxy) and still reach
  only the fake: for the run, `journey_async.JourneyClient` is a subclass whose requests go to
  the fake's in-process transport whatever `region` or `base_url` say (the fake ignores the
  host, so the token request to `login.{domain}` reaches its `/oauth/token` too). An
  `http_client` passed in keeps its own settings but gets the fake as its transport (its proxy
  mounts dropped), unless it already talks to a fake. The fake accepts the README's example
  credentials (`my-client-id` / `my-client-secret`) and tokens; `GENESYSCLOUD_*` variables are
  set for `from_env()`. httpx's network transport is disabled: a block that tries to reach the
  network fails.
* Blocks that are not meant to run use another fence (```sh, ```text); `test_fences` below
  checks that every fence names one of the known languages, so no block escapes by accident.
"""

from __future__ import annotations

import ast
import inspect
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import anyio
import httpx
import pytest

import journey_async
from journey_async import JourneyClient
from journey_async.testing import FakeJourneyApi

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"

CLIENT_ID = "my-client-id"
CLIENT_SECRET = "my-client-secret"
TOKEN = "my-token"
BASE_URL = "https://api.fake.invalid"
"""Never resolved: every request goes to the fake's in-process transport."""

LANGUAGES = {"python", "sh", "text"}
"""The fences the README may use; only `python` blocks run."""


class Block(NamedTuple):
    language: str
    code: str
    line: int
    """The README line of the block's first code line (1-based)."""


def fenced_blocks(text: str) -> list[Block]:
    """The README's fenced code blocks, in order (fences of three backticks, not nested)."""
    blocks: list[Block] = []
    language: str | None = None
    start = 0
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if language is None:
            if line.startswith("```"):
                language, start, lines = line[3:].strip(), number + 1, []
        elif line.rstrip() == "```":
            blocks.append(Block(language, "\n".join(lines) + "\n", start))
            language = None
        else:
            lines.append(line)
    assert language is None, f"README.md: the fence opened before line {start} is never closed"
    return blocks


def python_blocks() -> list[Block]:
    return [b for b in fenced_blocks(README.read_text("utf-8")) if b.language == "python"]


def make_fake() -> FakeJourneyApi:
    """The fake every block talks to: enough data for pages, limits and size limits."""
    return FakeJourneyApi(
        seed=11,
        action_targets=40,
        sessions=3,
        assignments_per_session=1_000,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        tokens=("fake-token", TOKEN),
    )


def wired_client_class(api: FakeJourneyApi) -> type[JourneyClient]:
    """`JourneyClient`, with every request going to `api` (see the module docstring)."""
    fake_transport = type(api.transport())

    class WiredJourneyClient(JourneyClient):
        def __init__(self, token_provider: Any, **kwargs: Any) -> None:
            http = kwargs.get("http_client")
            if http is None:
                kwargs["transport"] = api.transport()
            elif not isinstance(http._transport, fake_transport):
                http._mounts = {}  # proxies (given or from the environment) would go first
                http._transport = api.transport()
            super().__init__(token_provider, **kwargs)

    WiredJourneyClient.__name__ = WiredJourneyClient.__qualname__ = "JourneyClient"
    return WiredJourneyClient


def namespace(api: FakeJourneyApi) -> dict[str, Any]:
    """What a block may use without defining it (the README's convention)."""
    return {
        "__name__": "__readme__",
        "api": api,
        "anyio": anyio,
        "token": TOKEN,
        "target_id": api.action_target_ids[0],
        "target_ids": list(api.action_target_ids),
        "session_id": api.session_ids[0],
        "session_ids": list(api.session_ids),
        "contact_id": api.external_contact_ids[0],
        "customer_id": api.customer_ids[0][1],
        "segment_id": "segment-sales-chat",
    }


async def _no_network(self: Any, request: httpx.Request) -> httpx.Response:
    msg = f"a README block tried to reach the network: {request.method} {request.url}"
    raise AssertionError(msg)


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeJourneyApi]:
    """The fake, `JourneyClient` wired to it, the environment for `from_env()`, no network,
    and the logging configuration restored afterwards."""
    api = make_fake()
    monkeypatch.setattr(journey_async, "JourneyClient", wired_client_class(api))
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", _no_network)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("GENESYSCLOUD_REGION", "mypurecloud.ie")
    logger, root = logging.getLogger("journey_async"), logging.getLogger()
    level, root_level, root_handlers = logger.level, root.level, list(root.handlers)
    try:
        yield api
    finally:
        logger.setLevel(level)
        root.setLevel(root_level)
        root.handlers[:] = root_handlers


def run_block(block: Block, api: FakeJourneyApi) -> None:
    """Run one block by the README's convention (see the module docstring)."""
    source = "\n" * (block.line - 1) + block.code  # tracebacks show README.md's line numbers
    code = compile(source, str(README), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    scope = namespace(api)
    if not code.co_flags & inspect.CO_COROUTINE:
        exec(code, scope)
        return

    async def main() -> None:
        async with JourneyClient(TOKEN, base_url=BASE_URL, transport=api.transport()) as client:
            scope["client"] = client
            await eval(code, scope)

    anyio.run(main)


BLOCKS = python_blocks()


@pytest.mark.parametrize("block", BLOCKS, ids=[f"README.md:{b.line}" for b in BLOCKS])
def test_python_block_runs(block: Block, sandbox: FakeJourneyApi) -> None:
    """The README's python block runs to the end against the fake, as its convention says."""
    run_block(block, sandbox)


def test_python_blocks_are_found() -> None:
    """The README has a python block for each task it shows, and the first is a whole program."""
    assert len(BLOCKS) >= 12
    first = compile(BLOCKS[0].code, "first", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    assert not first.co_flags & inspect.CO_COROUTINE
    assert "anyio.run(main)" in BLOCKS[0].code


def test_fences() -> None:
    """Every fence names a known language: a block meant to run cannot hide behind a typo."""
    languages = {b.language for b in fenced_blocks(README.read_text("utf-8"))}
    assert languages <= LANGUAGES, f"unknown fences: {sorted(languages - LANGUAGES)}"


def test_convention_is_stated() -> None:
    """The README tells readers what its examples assume, in the words this harness implements."""
    text = re.sub(r"\s+", " ", README.read_text("utf-8"))
    assert "Examples below use `client` from the first snippet" in text
    for name in ("target_id", "session_id", "contact_id", "customer_id", "segment_id", "token"):
        assert f"`{name}`" in text
