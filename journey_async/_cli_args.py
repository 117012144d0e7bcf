"""Argument types of the command line: whole numbers, percentages, non-empty text, refused in
the user's words (`--limit must be a whole number of 0 or more (got x)`)."""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import NoReturn

__all__ = [
    "INT32_MAX",
    "INT64_MAX",
    "Parser",
    "whole_number",
    "percentage",
    "non_empty",
    "seconds",
]

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


class Parser(argparse.ArgumentParser):
    """argparse, with our value checks' messages led by the option's name.

    argparse says `argument --limit: must be ...`; this says `--limit must be ...`.
    """

    def error(self, message: str) -> NoReturn:
        found = re.fullmatch(r"argument ([^:]+): (must .*)", message, re.DOTALL)
        if found:
            message = f"{found[1].split('/')[-1]} {found[2]}"
        super().error(message)


def whole_number(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse `type`: a whole number within bounds, refused in the user's words."""
    if maximum is None or maximum > 1_000_000:
        bounds = f"of {minimum} or more"
    else:
        bounds = f"from {minimum} to {maximum}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            msg = f"must be a whole number {bounds} (got {text})"
            raise argparse.ArgumentTypeError(msg)
        if maximum is not None and value > maximum:
            if maximum > 1_000_000:
                msg = f"must be at most {maximum:,} (got {text})"
            else:
                msg = f"must be a whole number {bounds} (got {text})"
            raise argparse.ArgumentTypeError(msg)
        return value

    return parse


def percentage(text: str) -> float:
    """An argparse `type` for the service level: a fraction 0..1 (`0.8`) or a percent (`80%`).

    The API's `serviceLevel.percentage` is a fraction between 0 and 1, so that is what a plain
    number means here; `80` is refused rather than guessed (it would be 8000%).
    """
    raw = text.strip()
    is_percent = raw.endswith("%")
    try:
        number = Decimal(raw[:-1] if is_percent else raw)
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    value = float(number / 100 if is_percent else number)
    if math.isnan(value) or not 0 <= value <= 1:
        hint = ""
        if not is_percent and 1 < value <= 100:  # meant as a percent, most likely
            hint = f"; for {raw} percent write {float(number / 100):g} or {raw}%"
        msg = f"must be a fraction from 0 to 1 or a percentage from 0% to 100% (got {text}{hint})"
        raise argparse.ArgumentTypeError(msg)
    return value


def non_empty(text: str) -> str:
    """An argparse `type` refusing an empty (or blank) string."""
    if not text.strip():
        msg = "must not be empty"
        raise argparse.ArgumentTypeError(msg)
    return text


def seconds(text: str) -> float:
    """An argparse `type`: a finite number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        msg = f"must be a number of seconds above 0 (got {text})"
        raise argparse.ArgumentTypeError(msg)
    return value
