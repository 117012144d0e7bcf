"""Fixtures for the command-line tests: a fake Journey API on 127.0.0.1 and an in-process runner
of `journey_async._cli.main` that captures its exit code, stdout and stderr."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from journey_async._cli import main
from journey_async.testing import FakeJourneyApi

TOKEN = "fake-token"


@dataclass
class Run:
    """What one `main([...])` call gave: exit code, stdout, stderr."""

    code: int
    out: str
    err: str


CliRunner = Callable[..., Run]


@pytest.fixture
def api() -> FakeJourneyApi:
    """A small deterministic fake: several pages of targets and of session assignments."""
    return FakeJourneyApi(
        seed=7,
        action_targets=230,
        sessions=3,
        assignments_per_session=450,
        customers=3,
        assignments_per_customer=40,
        external_contacts=3,
        assignments_per_contact=30,
    )


@pytest.fixture
def base_url(api: FakeJourneyApi) -> Iterator[str]:
    """The fake served from a background thread on a free 127.0.0.1 port."""
    with api.serve_in_thread() as url:
        assert url.startswith("http://127.0.0.1:")
        yield url


@pytest.fixture
def cli(base_url: str, capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """Run `main()` in-process with `--base-url URL --token fake-token` before the command."""

    def run(*args: str, token: str | None = TOKEN, base: str | None = None) -> Run:
        options = ["--base-url", base or base_url]
        if token is not None:
            options += ["--token", token]
        try:
            code = main([*options, *args])
        except SystemExit as exc:  # argparse errors
            code = exc.code if isinstance(exc.code, int) else 2
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
