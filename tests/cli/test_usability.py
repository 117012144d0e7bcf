"""The command line for the people who use it: a PATCH must change something, the service level
has a unit and a range, every option says what it does, tables stream in constant memory,
`--limit` sizes the pages, and bad values are refused in the user's words."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from test_cli import CliRunner, child_env, fake_get, read_stdout_until, table

from journey_async import JourneyClient, _cli, _cli_output
from journey_async._cli import main
from journey_async._serde import decode_data
from journey_async.models import SegmentAssignment
from journey_async.testing import FakeJourneyApi

TOKEN = "fake-token"
REPO = Path(__file__).resolve().parents[2]


def usage_error(run: Any) -> str:
    """The `error:` line of an argparse or CLI usage error (exit 2), with no traceback."""
    assert run.code == 2, (run.code, run.out, run.err)
    assert "Traceback" not in run.err
    assert run.out == ""
    lines = [line for line in run.err.splitlines() if ": error: " in line]
    assert len(lines) == 1, run.err
    return lines[0]


# ---------------------------------------------------------------------------------------------
# actiontargets patch: something to change, a service level with a unit and a range


def test_patch_without_fields_is_a_usage_error(cli: CliRunner, api: FakeJourneyApi):
    """`actiontargets patch ID` alone sent `{}` and exited 0; now exit 2 naming the fields."""
    run = cli("actiontargets", "patch", api.action_target_ids[0])
    line = usage_error(run)
    assert line.startswith("journey-async: error: actiontargets patch needs something to change")
    for option in ("--name", "--percentage", "--duration-ms", "--short-abandon-threshold"):
        assert option in line
    assert "--body" in line
    assert api.stats.requests == 0


def test_patch_without_fields_fails_before_credentials(capsys: pytest.CaptureFixture[str]):
    """The empty PATCH is refused before the credentials are even looked at."""
    code = main(["actiontargets", "patch", "some-id"])
    err = capsys.readouterr().err
    assert code == 2
    assert "needs something to change" in err and "GENESYSCLOUD" not in err


def test_patch_body_and_field_options_do_not_mix(
    cli: CliRunner, api: FakeJourneyApi, tmp_path: Path
):
    """`--body` with `--name` used to drop `--name` silently; now it is refused."""
    body = tmp_path / "patch.json"
    body.write_text(json.dumps({"name": "From the file"}))
    run = cli(
        "actiontargets", "patch", api.action_target_ids[0], "--body", str(body), "--name", "x"
    )
    line = usage_error(run)
    assert "--body cannot be combined with --name" in line
    assert api.stats.requests == 0


@pytest.mark.parametrize(
    ("given", "fraction", "shown"),
    [("0.8", 0.8, "80%"), ("80%", 0.8, "80%"), ("12.5%", 0.125, "12.5%"), ("1", 1.0, "100%")],
)
def test_percentage_is_a_fraction_or_a_percent(
    cli: CliRunner, api: FakeJourneyApi, base_url: str, given: str, fraction: float, shown: str
):
    """`--percentage` is the API's fraction (0.8) or a percent (80%); the table shows percent."""
    target_id = api.action_target_ids[2]
    run = cli("actiontargets", "patch", target_id, "--percentage", given, "--duration-ms", "20000")
    assert run.code == 0, run.err
    stored = fake_get(base_url, f"/api/v2/journey/actiontargets/{target_id}")
    assert stored["serviceLevel"] == {"percentage": fraction, "durationMs": 20000}
    _, rows = table(run.out)
    assert rows[0][-1] == f"{shown} in 20 s"


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("80", "for 80 percent write 0.8 or 80%"),
        ("2", "for 2 percent write 0.02 or 2%"),
        ("1.5", "for 1.5 percent write 0.015 or 1.5%"),
        ("150%", ""),
        ("-0.1", ""),
        ("-5%", ""),
        ("abc", ""),
        ("nan", ""),
        ("inf", ""),
        ("", ""),
    ],
)
def test_percentage_out_of_range_is_refused(
    cli: CliRunner, api: FakeJourneyApi, value: str, hint: str
):
    """80 and 2 (accepted before, shown as 8000% and 200%) are refused with a hint; no request."""
    run = cli("actiontargets", "patch", api.action_target_ids[0], f"--percentage={value}")
    line = usage_error(run)
    assert line.endswith(
        "error: --percentage must be a fraction from 0 to 1 or a percentage from 0% to 100% "
        f"(got {value}{'; ' + hint if hint else ''})"
    ), line
    assert api.stats.requests == 0


def test_table_shows_the_service_level_as_percent(
    cli: CliRunner, api: FakeJourneyApi, base_url: str
):
    """`get` as a table shows the stored fraction as a percent and the duration in seconds."""
    target_id = api.action_target_ids[9]
    stored = fake_get(base_url, f"/api/v2/journey/actiontargets/{target_id}")["serviceLevel"]
    run = cli("actiontargets", "get", target_id)
    assert run.code == 0, run.err
    _, rows = table(run.out)
    percent = f"{round(stored['percentage'] * 100, 2):g}%"
    assert rows[0][-1] == f"{percent} in {stored['durationMs'] / 1000:g} s"


def test_service_level_cell():
    """The cell for each mix of fields the API may send."""
    level = _cli_output.ServiceLevel
    assert _cli_output._service_level(None) is None
    assert _cli_output._service_level(level()) is None
    assert _cli_output._service_level(level(percentage=0.855, duration_ms=1500)) == "85.5% in 1.5 s"
    assert _cli_output._service_level(level(percentage=0.9)) == "90%"
    assert _cli_output._service_level(level(duration_ms=30_000)) == "in 30 s"
    assert _cli_output._service_level(level(percentage=0.57, duration_ms=0)) == "57% in 0 s"


def test_name_must_not_be_empty(cli: CliRunner, api: FakeJourneyApi):
    """`--name ""` is refused before sending (the API would answer 400)."""
    line = usage_error(cli("actiontargets", "patch", api.action_target_ids[0], "--name="))
    assert line.endswith("error: --name must not be empty")


# ---------------------------------------------------------------------------------------------
# Messages in the user's words, for every numeric option


WHOLE_0 = "must be a whole number of 0 or more"
WHOLE_1 = "must be a whole number of 1 or more"
SEGMENTS = ("segments", "session", "s-1")
LIST = ("actiontargets", "list")
PATCH = ("actiontargets", "patch", "t-1")


@pytest.mark.parametrize(
    ("command", "option", "value", "message"),
    [
        (SEGMENTS, "--limit", "-1", WHOLE_0),
        (SEGMENTS, "--limit", "ten", WHOLE_0),
        (SEGMENTS, "--limit", "2.5", WHOLE_0),
        (SEGMENTS, "--page-size", "0", "must be a whole number from 1 to 200"),
        (SEGMENTS, "--page-size", "500", "must be a whole number from 1 to 200"),
        (SEGMENTS, "--page-size", "big", "must be a whole number from 1 to 200"),
        (LIST, "--limit", "-3", WHOLE_0),
        (LIST, "--page-size", "0", WHOLE_1),
        (LIST, "--page-size", "1e3", WHOLE_1),
        (LIST, "--page-size", "3000000000", "must be at most 2,147,483,647"),
        (PATCH, "--duration-ms", "-1", WHOLE_0),
        (PATCH, "--duration-ms", "1.5", WHOLE_0),
        (PATCH, "--short-abandon-threshold", "-2", WHOLE_0),
        (PATCH, "--short-abandon-threshold", "x", WHOLE_0),
        (PATCH, "--short-abandon-threshold", "9999999999", "must be at most 2,147,483,647"),
        (("demo",), "--assignments", "0", WHOLE_1),
        (("demo",), "--targets", "-5", WHOLE_1),
        (("demo",), "--targets", "many", WHOLE_1),
    ],
)
def test_bad_numbers_are_refused_in_words(
    cli: CliRunner,
    api: FakeJourneyApi,
    command: tuple[str, ...],
    option: str,
    value: str,
    message: str,
):
    """Each numeric option names itself, the rule and the value; never Python's words."""
    run = cli(*command, f"{option}={value}")
    line = usage_error(run)
    words = command[:2] if command[0] in ("actiontargets", "segments") else command[:1]
    prog = " ".join(("journey-async", *words))
    assert line == f"{prog}: error: {option} {message} (got {value})"
    for python_words in ("int", "None", "float", "invalid", ">="):
        assert python_words not in line.split(": error: ", 1)[1], line
    assert api.stats.requests == 0


def test_negative_limit_as_a_separate_word(cli: CliRunner, api: FakeJourneyApi):
    """`--limit -1` (two words) reaches the check too, not argparse's `expected one argument`."""
    line = usage_error(cli("segments", "session", "s-1", "--limit", "-1"))
    assert line.endswith("error: --limit must be a whole number of 0 or more (got -1)")


# ---------------------------------------------------------------------------------------------
# Every option says what it does


def subcommands(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Every command path of the parser: (), ("demo",), ("actiontargets", "list"), ..."""
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from subcommands(sub, (*prefix, name))


def entries_without_help(text: str) -> list[str]:
    """The options and positionals in a `--help` text that have no help after them."""
    lines = text.splitlines()
    missing = []
    section = None
    for i, line in enumerate(lines):
        if re.fullmatch(r"\S.*:", line):
            section = line
            continue
        if section not in ("options:", "optional arguments:", "positional arguments:"):
            continue
        entry = re.fullmatch(r"  (\S.*?)(?:\s{2,}(\S.*))?", line)
        if entry is None or entry[2]:
            continue
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if re.match(r" {6,}\S", following):  # the help starts on the next line
            continue
        missing.append(entry[1])
    return missing


def test_help_parser_finds_an_option_without_help():
    """The check above does catch an option without help (and accepts wrapped help)."""
    parser = argparse.ArgumentParser(prog="x")
    parser.add_argument("--quiet-one")
    parser.add_argument("--a-very-long-option-name-indeed", help="wrapped onto the next line")
    parser.add_argument("thing")
    assert entries_without_help(parser.format_help()) == ["thing", "--quiet-one QUIET_ONE"]


COMMANDS = list(subcommands(_cli.build_parser()))


def test_every_subcommand_is_listed():
    """The walk over the parser finds every command (so the help test covers them all)."""
    assert set(COMMANDS) == {
        (),
        ("demo",),
        ("segments",),
        *(("segments", action) for action in ("list", "get", "create", "patch", "delete")),
        *(("segments", kind) for kind in ("session", "customer", "externalcontact")),
        ("contact",),
        ("session",),
        ("actiontargets",),
        ("actiontargets", "list"),
        ("actiontargets", "get"),
        ("actiontargets", "patch"),
        ("aggregates",),
        ("assign",),
    }


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "journey-async")
def test_every_option_has_help(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]):
    """`--help` of every (sub)command: each option and positional argument has a help text."""
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert "--help" in text
    assert entries_without_help(text) == []


# ---------------------------------------------------------------------------------------------
# --limit sizes the pages


def run_in_process(
    api: FakeJourneyApi, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, list[httpx.URL]]:
    """`run_command` on the in-process fake; returns the exit code, stdout and the URLs asked."""
    urls: list[httpx.URL] = []

    async def record(request: httpx.Request) -> None:
        urls.append(request.url)

    async def run() -> int:
        args = _cli.build_parser().parse_args(argv)
        async with (
            httpx.AsyncClient(transport=api.transport(), event_hooks={"request": [record]}) as h,
            JourneyClient(TOKEN, base_url="https://api.fake.invalid", http_client=h) as client,
        ):
            return await _cli.run_command(args, client)

    code = anyio.run(run)
    return code, capsys.readouterr().out, urls


@pytest.mark.parametrize(
    ("options", "sizes"),
    [
        (["--limit", "3"], ["3"]),
        (["--limit", "250"], ["200", "200"]),
        (["--limit", "450"], ["200", "200", "200"]),
        (["--page-size", "7", "--limit", "3"], ["7"]),
        ([], ["200", "200", "200"]),
    ],
)
def test_segments_limit_sizes_the_page(
    capsys: pytest.CaptureFixture[str], options: list[str], sizes: list[str]
):
    """`--limit 3` asks for a page of 3, not 200; an explicit `--page-size` wins."""
    api = FakeJourneyApi(seed=3, sessions=1, assignments_per_session=450)
    argv = ["segments", "session", api.session_ids[0], "--jsonl", *options]
    code, out, urls = run_in_process(api, argv, capsys)
    assert code == 0
    assert [url.params["pageSize"] for url in urls] == sizes
    limit = int(options[options.index("--limit") + 1]) if "--limit" in options else 450
    assert len(out.splitlines()) == min(limit, 450)


@pytest.mark.parametrize(
    ("options", "sizes"),
    [(["--limit", "3"], ["3"]), (["--limit", "150"], ["100", "100"]), ([], ["100"] * 3)],
)
def test_actiontargets_limit_sizes_the_page(
    capsys: pytest.CaptureFixture[str], options: list[str], sizes: list[str]
):
    """The same for `actiontargets list` (default page 100)."""
    api = FakeJourneyApi(seed=3, action_targets=230)
    code, _, urls = run_in_process(api, ["actiontargets", "list", "--jsonl", *options], capsys)
    assert code == 0
    assert [url.params["pageSize"] for url in urls] == sizes


def test_limit_zero_sends_nothing(capsys: pytest.CaptureFixture[str]):
    """`--limit 0` prints an empty table (its header) and makes no request."""
    api = FakeJourneyApi(seed=3, sessions=1)
    code, out, urls = run_in_process(
        api, ["segments", "session", api.session_ids[0], "--limit", "0"], capsys
    )
    assert code == 0
    assert urls == []
    headers, rows = table(out)
    assert headers[0] == "id" and rows == []


# ---------------------------------------------------------------------------------------------
# Tables stream: fixed widths, rows as they come, flat memory


def test_table_has_fixed_widths_and_cuts_long_cells(
    cli: CliRunner, api: FakeJourneyApi, base_url: str
):
    """Columns keep the widths of their definition; a long name is cut with an ellipsis."""
    target_id = api.action_target_ids[1]
    long_name = "A very long action target name that goes on and on " * 3
    run = cli("actiontargets", "patch", target_id, "--name", long_name)
    assert run.code == 0, run.err
    _, rule, row = run.out.splitlines()
    widths = [len(dashes) for dashes in rule.split("  ")]
    assert widths == [max(len(name), width) for name, _, width in _cli_output.TARGET_COLUMNS]
    name_cell = row[widths[0] + 2 : widths[0] + 2 + widths[1]]
    assert name_cell == long_name[: widths[1] - 1] + "\u2026"
    assert row[: widths[0]] == target_id
    assert fake_get(base_url, f"/api/v2/journey/actiontargets/{target_id}")["name"] == long_name


def test_fit_counts_wide_characters_and_removes_line_breaks():
    """Cells are measured in terminal columns (CJK counts 2) and stay on one line."""
    assert _cli_output._fit("abc", 5) == "abc  "
    assert _cli_output._fit("abcdef", 5) == "abcd\u2026"
    assert _cli_output._fit("東京東京", 5) == "東京\u2026"  # 4 columns + the ellipsis
    assert _cli_output._fit("東京東京", 6, "...") == "東..." + " "
    assert _cli_output._fit("Éq", 2) == "Éq"
    assert _cli_output._cell("line one\nline two\ttab") == "line one line two tab"
    assert _cli_output._cell(["call", "email"]) == "call,email"


class BlockingFake(FakeJourneyApi):
    """A fake whose second and later pages wait until `release` is set."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.release = threading.Event()  # set from the test's thread
        self.waiting = threading.Event()

    async def handle(self, method: str, target: str, headers: Any, body: bytes) -> Any:
        if "after=" in target:
            self.waiting.set()
            await anyio.to_thread.run_sync(self.release.wait, abandon_on_cancel=True)
        return await super().handle(method, target, headers, body)


def test_table_rows_are_written_before_the_stream_ends():
    """A real process on a pipe: the first page's rows arrive while page 2 is still pending."""
    api = BlockingFake(seed=4, sessions=1, assignments_per_session=450)
    session_id = api.session_ids[0]
    env = child_env()
    env.pop("PYTHONUNBUFFERED", None)  # stdout on a pipe is block-buffered, as for users
    with api.serve_in_thread() as url:
        command = [sys.executable, "-m", "journey_async", "--base-url", url, "--token", TOKEN]
        with subprocess.Popen(
            [*command, "segments", "session", session_id],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=REPO,
        ) as process:
            try:
                first, seen = read_stdout_until(
                    process, lambda out: out.count(b"\n") >= 2 + 200, timeout=20
                )
                assert seen, f"no first page within 20 s: {first[-300:]!r}"
                assert api.waiting.wait(10)  # page 2 was asked for and is held back
                assert process.poll() is None  # so the stream has not ended
                api.release.set()
                rest, err = process.communicate(timeout=20)
            finally:
                api.release.set()
                if process.poll() is None:
                    process.kill()
                    process.wait()
    assert process.returncode == 0, err
    lines = (first + rest).decode().splitlines()
    assert len(lines) == 2 + 450
    expected = [api.assignment(2, 0, k, session_id)["id"] for k in range(450)]
    assert [line.split()[0] for line in lines[2:]] == expected


def test_ctrl_c_keeps_the_rows_already_printed(
    cli: CliRunner, api: FakeJourneyApi, monkeypatch: pytest.MonkeyPatch
):
    """In table mode too, Ctrl-C exits 130 with the rows so far on stdout (none were, before)."""
    real_add = _cli_output.Output.add

    def add(self: Any, item: object) -> None:
        if self.count == 3:
            raise KeyboardInterrupt
        real_add(self, item)

    monkeypatch.setattr(_cli_output.Output, "add", add)
    run = cli("segments", "session", api.session_ids[0])
    assert run.code == 130
    headers, rows = table(run.out)
    assert headers == ["id", "state", "segment", "scope", "assigned", "session"]
    assert len(rows) == 3


class NullWriter(io.TextIOBase):
    """A text stream that counts what it is given and keeps none of it."""

    def __init__(self) -> None:
        self.chars = 0
        self.lines = 0
        self.flushes = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        self.lines += text.count("\n")
        return len(text)

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        self.flushes += 1


def test_table_memory_is_flat_for_50000_rows(api: FakeJourneyApi):
    """50,000 rows through the table: the peak of new allocations stays under 1 MB.

    Before, the table kept every row until the end (about 45 MB of Python objects for 50,000
    segment rows, 84 MB of RSS for the whole command).
    """
    items = [
        decode_data(api.assignment(2, 0, k, api.session_ids[0]), SegmentAssignment)
        for k in range(50)
    ]
    out = NullWriter()
    output = _cli_output.Output("table", _cli_output.SEGMENT_COLUMNS, stdout=out)
    tracemalloc.start()
    try:
        for n in range(50_000):
            output.add(items[n % 50])
            if n % 200 == 199:
                output.flush()
        output.finish()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.lines == 2 + 50_000
    assert output.items == []
    assert peak < 1_000_000, f"peak {peak:,} bytes"


def test_table_is_flushed_per_page_and_by_time(monkeypatch: pytest.MonkeyPatch):
    """Within a long page, rows are flushed at least every FLUSH_SECONDS."""
    api = FakeJourneyApi(seed=1)
    item = decode_data(api.assignment(2, 0, 0, "s"), SegmentAssignment)
    out = NullWriter()
    clock = [100.0]
    monkeypatch.setattr(_cli_output.time, "perf_counter", lambda: clock[0])
    output = _cli_output.Output("table", _cli_output.SEGMENT_COLUMNS, stdout=out)
    output.add(item)
    assert out.flushes == 0
    clock[0] += _cli_output.FLUSH_SECONDS
    output.add(item)
    assert out.flushes == 1


def test_progress_is_off_when_rows_go_to_the_terminal(monkeypatch: pytest.MonkeyPatch):
    """Rows streamed to a terminal are the progress: no `\\rN items` mixed into them."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)

    class Terminal(NullWriter):
        def isatty(self) -> bool:
            return True

    columns = _cli_output.SEGMENT_COLUMNS
    assert not _cli_output.Output("table", columns, stdout=Terminal()).progress_enabled
    assert not _cli_output.Output("jsonl", columns, stdout=Terminal()).progress_enabled
    assert _cli_output.Output("json", columns, stdout=Terminal()).progress_enabled
    assert _cli_output.Output("table", columns, stdout=NullWriter()).progress_enabled


def test_ellipsis_falls_back_on_a_legacy_encoding():
    """Where stdout cannot encode `…` (ASCII), cut cells end with `...`."""
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert _cli_output._ellipsis_for(stream) == "..."
    assert _cli_output._ellipsis_for(io.TextIOWrapper(io.BytesIO(), encoding="utf-8")) == "\u2026"


@pytest.mark.skipif(not os.path.exists("/bin/bash"), reason="needs bash for the pipeline")
def test_table_when_piped_to_head_is_quiet(api: FakeJourneyApi, base_url: str):
    """`journey-async segments ... | head -3`: three lines, exit 0, nothing on stderr."""
    command = [sys.executable, "-m", "journey_async", "--base-url", base_url, "--token", TOKEN]
    env = child_env()
    env.pop("PYTHONUNBUFFERED", None)
    started = time.monotonic()
    head = subprocess.run(
        f"{' '.join(command)} segments session {api.session_ids[0]} | head -3; "
        'echo "status ${PIPESTATUS[0]}" >&2',
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=30,
        check=False,
    )
    assert time.monotonic() - started < 30
    assert len(head.stdout.splitlines()) == 3
    assert head.stderr.strip() == "status 0", head.stderr
