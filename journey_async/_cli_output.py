"""Output of the command line: a table streamed row by row with fixed widths, JSON, JSON lines.

Cells are cut to their column's width with an ellipsis (wide characters count twice), rows are
written as pages arrive and flushed at least every `FLUSH_SECONDS`, so a long listing costs
constant memory and shows its first rows at once.
"""

from __future__ import annotations

import json
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any, TextIO

from ._wire import unstructure
from .models import (
    JourneyAggregateQueryResponse,
    JourneyAsyncAggregateQueryResponse,
    ServiceLevel,
)

__all__ = [
    "Output",
    "Column",
    "FLUSH_SECONDS",
    "SEGMENT_COLUMNS",
    "TARGET_COLUMNS",
    "render_table",
    "aggregate_rows",
]


def _plain(model: object) -> Any:
    """A model as the API's camelCase JSON data (None fields left out)."""
    return unstructure(model)


Column = tuple[str, Callable[[Any], object], int]
"""A table column: header, how to get the cell from an item, and its width in characters."""

FLUSH_SECONDS = 0.25
"""Table and JSON-lines output is flushed after each page and at least this often."""


class Output:
    """Writes items as a table, one JSON document, or JSON lines; progress to stderr.

    The table and JSON lines are streamed: each item is written when it arrives (the table has
    fixed column widths, so it needs no look at later rows), and flushed after each page and at
    least every `FLUSH_SECONDS`, so memory stays flat however long the stream, rows show up as
    pages arrive, and what was printed before a Ctrl-C or an error stays printed. `--json` is
    one document, so it is written at the end.
    """

    def __init__(
        self,
        fmt: str,
        columns: Sequence[Column],
        *,
        single: bool = False,
        stdout: TextIO | None = None,
    ) -> None:
        self.fmt = fmt
        self.single = single
        self.columns = columns
        self.items: list[Any] = []
        self.count = 0
        self.started = time.perf_counter()
        self._last_progress = 0.0
        self._last_flush = self.started
        self._header_written = False
        self.stdout: TextIO = sys.stdout if stdout is None else stdout
        self.widths = [max(_width(name), width) for name, _, width in columns]
        self.ellipsis = _ellipsis_for(self.stdout)
        # Progress (`\rN items`) would be mixed into rows streamed to the same terminal: there
        # the rows themselves show the progress.
        self.progress_enabled = sys.stderr.isatty() and (fmt == "json" or not _isatty(self.stdout))

    def add(self, item: object) -> None:
        self.count += 1
        if self.fmt == "jsonl":
            self.stdout.write(json.dumps(_plain(item), ensure_ascii=False) + "\n")
        elif self.fmt == "json":
            self.items.append(_plain(item))
        else:
            if not self._header_written:
                self._write_header()
            cells = [_cell(get(item)) for _, get, _ in self.columns]
            self.stdout.write(self._line(cells))
        self.progress()
        if self.fmt != "json":
            now = time.perf_counter()
            if now - self._last_flush >= FLUSH_SECONDS:
                self.flush(now)

    def flush(self, now: float | None = None) -> None:
        """Push what was written so far to the reader (called after each page)."""
        self._last_flush = time.perf_counter() if now is None else now
        self.stdout.flush()

    def _write_header(self) -> None:
        self._header_written = True
        self.stdout.write(self._line([name for name, _, _ in self.columns]))
        self.stdout.write("  ".join("-" * width for width in self.widths) + "\n")

    def _line(self, cells: Sequence[str]) -> str:
        fitted = [_fit(c, w, self.ellipsis) for c, w in zip(cells, self.widths, strict=True)]
        return "  ".join(fitted).rstrip() + "\n"

    def progress(self, force: bool = False) -> None:
        if not self.progress_enabled:
            return
        now = time.perf_counter()
        if force or now - self._last_progress > 0.2:
            self._last_progress = now
            rate = self.count / max(now - self.started, 1e-9)
            sys.stderr.write(f"\r{self.count:,} items ({rate:,.0f}/s)")
            sys.stderr.flush()

    def finish(self) -> None:
        if self.progress_enabled:
            self.progress(force=True)
            sys.stderr.write("\n")
        if self.fmt == "json":
            document = self.items[0] if self.single and len(self.items) == 1 else self.items
            json.dump(document, self.stdout, ensure_ascii=False, indent=2)
            self.stdout.write("\n")
        elif self.fmt == "table" and not self._header_written:
            self._write_header()  # no rows: still say what the columns would have been
        self.stdout.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _ellipsis_for(stream: TextIO) -> str:
    """`…` where the output can encode it, `...` where it cannot (a legacy code page)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        "\u2026".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return "..."
    return "\u2026"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def _cell(value: object) -> str:
    """The text of a table cell, on one line (control characters become spaces)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(_cell(v) for v in value)
    text = str(value)
    return _CONTROL.sub(" ", text) if not text.isprintable() else text


def _char_width(char: str) -> int:
    """Terminal columns of one character: 0 for combining marks, 2 for wide (CJK) ones."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(_char_width(c) for c in text)


def _fit(text: str, width: int, ellipsis: str = "\u2026") -> str:
    """`text` padded to `width` columns, or cut to fit with an ellipsis at the end."""
    used = _width(text)
    if used <= width:
        return text + " " * (width - used)
    room = width - len(ellipsis)
    if text.isascii():
        return text[:room] + ellipsis
    kept: list[str] = []
    used = 0
    for char in text:
        char_width = _char_width(char)
        if used + char_width > room:
            break
        kept.append(char)
        used += char_width
    return "".join(kept) + ellipsis + " " * (room - used)


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned text table, sized to its rows (for short, complete results)."""
    widths = [_width(h) for h in headers]
    for row in rows:
        widths = [max(w, _width(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(_fit(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(
        "  ".join(_fit(c, w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )
    return "\n".join(lines) + "\n"


def _when(value: object) -> object:
    """A date-time as ISO 8601 in UTC to the second (20 columns, whatever its precision)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


GUID = 36  # the width of the API's ids
SEGMENT_COLUMNS: list[Column] = [
    ("id", lambda a: a.id, GUID),
    ("state", lambda a: a.state, len("Unassigned")),
    ("segment", lambda a: a.segment.id if a.segment else None, GUID),
    ("scope", lambda a: a.segment.scope if a.segment else None, len("Customer")),
    ("assigned", lambda a: _when(a.date_assigned), len("2020-11-01T00:00:00Z")),
    ("session", lambda a: a.session.id if a.session else None, GUID),
]
TARGET_COLUMNS: list[Column] = [
    ("id", lambda t: t.id, GUID),
    ("name", lambda t: t.name, 32),
    ("state", lambda t: t.state, len("inactive")),
    ("media", lambda t: t.supported_media_types, 24),
    ("service level", lambda t: _service_level(t.service_level), len("99.5% in 20.5 s")),
]


def _service_level(level: ServiceLevel | None) -> str | None:
    """`85% in 20 s`: the API's `percentage` is a fraction (0.85), `durationMs` milliseconds."""
    if level is None or (level.percentage is None and level.duration_ms is None):
        return None
    share = "" if level.percentage is None else f"{round(level.percentage * 100, 2):g}%"
    if level.duration_ms is None:
        return share
    return f"{share} in {level.duration_ms / 1000:g} s".lstrip()


def aggregate_rows(
    result: JourneyAggregateQueryResponse | JourneyAsyncAggregateQueryResponse,
) -> list[list[str]]:
    """Rows of group, interval, metric and value (a count, else a sum) of aggregates results."""
    rows = []
    for container in result.results or []:
        group = ",".join(f"{k}={v}" for k, v in (container.group or {}).items())
        for bucket in container.data or []:
            for metric in bucket.metrics or []:
                stats = metric.stats
                value = (
                    None if stats is None else stats.count if stats.count is not None else stats.sum
                )
                rows.append(
                    [_cell(group), bucket.interval or "", metric.metric or "", _cell(value)]
                )
    return rows
