"""Argument checks shared by the client, its policies and helpers: bad input is a ValueError
before any request, with a message that names the parameter and what it got."""

from __future__ import annotations

import math

__all__ = ["is_finite_number", "check_seconds", "check_int"]


def is_finite_number(value: object) -> bool:
    """An int or float (not a bool) that is neither NaN nor infinite."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_seconds(name: str, value: object, *, allow_zero: bool = False) -> float:
    """A finite number of seconds, > 0 (or >= 0 with `allow_zero`), as a float."""
    if not is_finite_number(value) or value < 0 or (value == 0 and not allow_zero):  # type: ignore[operator]
        bound = ">= 0" if allow_zero else "> 0"
        msg = f"{name} must be a finite number of seconds {bound}, got {value!r}"
        raise ValueError(msg)
    return float(value)  # type: ignore[arg-type]


def check_int(name: str, value: object, *, minimum: int) -> int:
    """An int (not a bool) >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        msg = f"{name} must be a whole number >= {minimum}, got {value!r}"
        raise ValueError(msg)
    return value
