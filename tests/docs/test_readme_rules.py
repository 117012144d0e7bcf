"""README.md holds up where it is read and where it is acted on.

* It is the package's long description on the package index, where a relative link (to a
  repository file, or to a heading: `#performance`) leads nowhere. So it has none: repository
  files are named by path in code font (`benchmarks/RESULTS.md`), and every link is absolute.
* Its Quickstart's test command is the one CI runs: `.ci/run` makes the same venv, installs the
  same extras and runs the same pytest command, coverage floor included.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
CI_RUN = REPO / ".ci" / "run"

DEMO_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/journey-async demo"
TEST_COMMAND = (
    "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && "
    ".venv/bin/pytest --cov --cov-fail-under=90"
)

_FENCED = re.compile(r"^```.*?^```[ \t]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_LINK_TARGETS = (
    re.compile(r"\]\(\s*<?([^)\s>]*)"),  # [text](target), ![alt](target)
    re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]*<?(\S*?)>?(?:\s|$)", re.MULTILINE),  # [ref]: target
    re.compile(r"""\b(?:href|src)\s*=\s*["']?([^"'\s>]*)""", re.IGNORECASE),  # HTML
)
_ABSOLUTE = re.compile(r"^(?:https?://[^/\s]+|mailto:\S+)")


def link_targets(markdown: str) -> list[str]:
    """Every link, image and reference target of a Markdown text, outside code."""
    prose = _CODE_SPAN.sub("", _FENCED.sub("", markdown))
    return [m.group(1) for pattern in _LINK_TARGETS for m in pattern.finditer(prose)]


def relative_links(markdown: str) -> list[str]:
    return [target for target in link_targets(markdown) if not _ABSOLUTE.match(target)]


@pytest.mark.parametrize(
    ("markdown", "relative"),
    [
        ("see [results](benchmarks/RESULTS.md)", ["benchmarks/RESULTS.md"]),
        ("see [Performance](#performance)", ["#performance"]),
        ("![logo](docs/logo.png)", ["docs/logo.png"]),
        ("[ref]: ./CHANGELOG.md", ["./CHANGELOG.md"]),
        ('<a href="LICENSE">license</a>', ["LICENSE"]),
        ("see [httpx](https://www.python-httpx.org/) and <https://pypi.org/>", []),
        ("named by path: `benchmarks/RESULTS.md`, `[x](y)` in code", []),
        ("```python\nx = a[0](b)\n```\n", []),
    ],
)
def test_link_check_finds_relative_links(markdown: str, relative: list[str]) -> None:
    """The check below finds relative links in prose and ignores code."""
    assert relative_links(markdown) == relative


def test_readme_has_no_relative_links() -> None:
    """Every link of the README is absolute, so none breaks on the package index."""
    assert relative_links(README.read_text("utf-8")) == []


def section(markdown: str, title: str) -> str:
    """The text of a `## title` section, up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert match is not None, f"README.md has no '## {title}' section"
    return match.group(1)


def quickstart_commands() -> list[str]:
    quickstart = section(README.read_text("utf-8"), "Quickstart")
    blocks = re.findall(r"^```sh\n(.*?)^```", quickstart, re.M | re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def test_quickstart_commands_are_unchanged() -> None:
    """The Quickstart has exactly the demo command and the test command."""
    assert quickstart_commands() == [DEMO_COMMAND, TEST_COMMAND]


def _ci_lines() -> list[str]:
    lines = (line.strip() for line in CI_RUN.read_text("utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _install_arguments(words: list[str]) -> list[str]:
    """What a `pip install` command installs: its arguments without output options."""
    quiet = {"-q", "--quiet", "--no-input", "--disable-pip-version-check"}
    return [w for w in words[words.index("install") + 1 :] if w not in quiet]


def test_quickstart_test_command_is_what_ci_runs() -> None:
    """`.ci/run` makes the same venv, installs the same thing and runs the same pytest command."""
    make_venv, install, run_tests = (shlex.split(step) for step in TEST_COMMAND.split(" && "))
    ci = _ci_lines()

    ci_tests = [line for line in ci if line.startswith(".venv/bin/pytest")]
    assert ci_tests == [shlex.join(run_tests)]

    ci_venvs = [shlex.split(line) for line in ci if " -m venv " in line]
    assert [words[1:] for words in ci_venvs] == [make_venv[1:]]  # the interpreter may differ

    ci_installs = [
        shlex.split(line) for line in ci if "pip install" in line and "--upgrade pip" not in line
    ]
    assert [_install_arguments(words) for words in ci_installs] == [_install_arguments(install)]

    assert TEST_COMMAND in quickstart_commands()
