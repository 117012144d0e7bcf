"""Unit tests of the retry building blocks: `parse_retry_after`, `RetryPolicy`, `RateLimitGate`."""

from __future__ import annotations

import email.utils
import math
import random

import attrs
import pytest

from journey_async import RetryPolicy
from journey_async._retry import parse_retry_after

NOW = email.utils.parsedate_to_datetime("Sun, 06 Nov 1994 08:49:37 GMT").timestamp()
"""A pinned wall-clock time, so HTTP-date values give exact waits."""


# ---------------------------------------------------------------------------------------------
# parse_retry_after


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("3", 3.0, id="integer-seconds"),
        pytest.param("0", 0.0, id="zero"),
        pytest.param("0.5", 0.5, id="fractional"),
        pytest.param("  2  ", 2.0, id="surrounding-whitespace"),
        pytest.param("120", 120.0, id="large-seconds"),
        pytest.param("Sun, 06 Nov 1994 08:50:07 GMT", 30.0, id="imf-fixdate-future"),
        pytest.param("Sunday, 06-Nov-94 08:50:07 GMT", 30.0, id="rfc850-date"),
        pytest.param("Sun Nov  6 08:50:07 1994", 30.0, id="asctime-date"),
        pytest.param("Sun, 06 Nov 1994 03:50:07 -0500", 30.0, id="numeric-offset-date"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 GMT", 0.0, id="date-equal-to-now"),
        pytest.param("Sun, 06 Nov 1994 08:40:00 GMT", 0.0, id="date-in-the-past"),
        pytest.param("Thu, 01 Jan 1970 00:00:00 GMT", 0.0, id="epoch-date"),
        pytest.param("-5", 0.0, id="negative-clamped"),
        pytest.param("soon", None, id="garbage-word"),
        pytest.param("0x10", None, id="hex-garbage"),
        pytest.param("3 seconds", None, id="number-with-unit"),
        pytest.param("", None, id="empty"),
        pytest.param("   ", None, id="blank"),
        pytest.param(None, None, id="absent"),
        pytest.param("inf", None, id="inf"),
        pytest.param("-inf", None, id="minus-inf"),
        pytest.param("nan", None, id="nan"),
        pytest.param("1e400", None, id="overflows-to-inf"),
    ],
)
def test_parse_retry_after_table(value: str | None, expected: float | None):
    """Each Retry-After form parses to the documented number of seconds, or None."""
    result = parse_retry_after(value, now=NOW)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)
        assert result >= 0.0


@pytest.mark.parametrize("value", ["3", "0.5", "Sun, 06 Nov 1994 08:50:07 GMT", "-5", "garbage"])
def test_parse_retry_after_never_negative_nor_non_finite(value: str):
    """Whatever the header, the result is None or a finite number of seconds >= 0."""
    result = parse_retry_after(value, now=NOW)
    assert result is None or (math.isfinite(result) and result >= 0.0)


def test_parse_retry_after_date_uses_wall_clock_without_now():
    """Without `now`, an HTTP date is measured against the current wall-clock time."""
    import time

    future = email.utils.formatdate(time.time() + 100, usegmt=True)
    result = parse_retry_after(future)
    assert result is not None
    assert 95.0 <= result <= 100.0


# ---------------------------------------------------------------------------------------------
# RetryPolicy


def test_retry_policy_defaults_match_the_contract():
    """RetryPolicy() has exactly the defaults API.md documents."""
    policy = RetryPolicy()
    assert policy.max_attempts == 4
    assert policy.backoff_base == 0.5
    assert policy.backoff_max == 20.0
    assert policy.max_retry_after == 120.0
    assert policy.default_retry_after == 3.0
    assert policy.budget == 60.0
    assert policy.retry_statuses == frozenset({429, 502, 503, 504})
    assert isinstance(policy.retry_statuses, frozenset)
    assert policy.retry_timeouts is True


def test_retry_policy_is_a_frozen_attrs_class():
    """RetryPolicy is an attrs class whose fields cannot be reassigned."""
    policy = RetryPolicy()
    assert attrs.has(RetryPolicy)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        policy.max_attempts = 10  # type: ignore[misc]
    assert policy.max_attempts == 4


def test_retry_policy_is_hashable_and_compares_by_value():
    """Two policies with the same fields are equal and hash alike (a value object)."""
    assert RetryPolicy(max_attempts=2) == RetryPolicy(max_attempts=2)
    assert hash(RetryPolicy()) == hash(RetryPolicy())
    assert RetryPolicy(max_attempts=2) != RetryPolicy(max_attempts=3)


def test_retry_policy_converts_retry_statuses_to_frozenset():
    """A list of statuses is stored as a frozenset."""
    policy = RetryPolicy(retry_statuses=[429, 503])  # type: ignore[arg-type]
    assert policy.retry_statuses == frozenset({429, 503})
    assert isinstance(policy.retry_statuses, frozenset)


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"max_attempts": 0}, id="max_attempts-zero"),
        pytest.param({"max_attempts": -1}, id="max_attempts-negative"),
        pytest.param({"max_attempts": 1.5}, id="max_attempts-float"),
        pytest.param({"max_attempts": True}, id="max_attempts-bool"),
        pytest.param({"max_attempts": "4"}, id="max_attempts-str"),
        pytest.param({"backoff_base": -0.1}, id="backoff_base-negative"),
        pytest.param({"backoff_base": "0.5"}, id="backoff_base-str"),
        pytest.param({"backoff_max": -1}, id="backoff_max-negative"),
        pytest.param({"max_retry_after": -1}, id="max_retry_after-negative"),
        pytest.param({"default_retry_after": -3}, id="default_retry_after-negative"),
        pytest.param({"budget": -60}, id="budget-negative"),
        pytest.param({"budget": None}, id="budget-none"),
        pytest.param({"backoff_max": False}, id="backoff_max-bool"),
    ],
)
def test_retry_policy_rejects_bad_values(kwargs: dict[str, object]):
    """Out-of-range or mistyped fields raise ValueError naming the field."""
    (name,) = kwargs
    with pytest.raises(ValueError, match=name):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name", ["backoff_base", "backoff_max", "max_retry_after", "default_retry_after", "budget"]
)
def test_retry_policy_rejects_nan(name: str):
    """NaN is not a number of seconds: every float field rejects it with ValueError."""
    with pytest.raises(ValueError, match=name):
        RetryPolicy(**{name: float("nan")})  # type: ignore[arg-type]


def test_retry_policy_accepts_boundary_values():
    """One attempt and zero-second waits are valid (retries effectively off, no waiting)."""
    policy = RetryPolicy(max_attempts=1, backoff_base=0, backoff_max=0, budget=0)
    assert policy.max_attempts == 1
    assert policy.backoff(1) == 0.0


# ---------------------------------------------------------------------------------------------
# backoff


EXPECTED_CAPS = {
    1: 0.5,
    2: 1.0,
    3: 2.0,
    4: 4.0,
    5: 8.0,
    6: 16.0,
    7: 20.0,
    8: 20.0,
    9: 20.0,
    10: 20.0,
}


@pytest.mark.parametrize(("attempt", "cap"), sorted(EXPECTED_CAPS.items()))
def test_backoff_draws_full_jitter_between_zero_and_the_cap(
    attempt: int, cap: float, monkeypatch: pytest.MonkeyPatch
):
    """backoff(n) draws uniform(0, min(backoff_max, backoff_base * 2 ** (n - 1)))."""
    calls: list[tuple[float, float]] = []

    def fake_uniform(low: float, high: float) -> float:
        calls.append((low, high))
        return high

    monkeypatch.setattr(random, "uniform", fake_uniform)
    assert RetryPolicy().backoff(attempt) == pytest.approx(cap)
    assert calls == [(0.0, pytest.approx(cap))]


@pytest.mark.parametrize("attempt", range(1, 11))
def test_backoff_samples_stay_within_bounds(attempt: int):
    """Real random draws of backoff(n) all fall inside [0, cap(n)] and are not all equal."""
    random.seed(attempt)
    policy = RetryPolicy()
    samples = [policy.backoff(attempt) for _ in range(200)]
    cap = EXPECTED_CAPS[attempt]
    assert all(0.0 <= s <= cap for s in samples)
    assert len(set(samples)) > 1  # jittered, not a fixed delay


def test_backoff_uses_custom_base_and_max(monkeypatch: pytest.MonkeyPatch):
    """backoff honours a custom base and cap."""
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    policy = RetryPolicy(backoff_base=1.0, backoff_max=5.0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]


@pytest.mark.parametrize("attempt", [64, 1024, 10_000])
def test_backoff_does_not_overflow_at_huge_attempts(attempt: int, monkeypatch: pytest.MonkeyPatch):
    """A huge attempt number gives a finite wait capped at backoff_max, not OverflowError."""
    policy = RetryPolicy()
    value = policy.backoff(attempt)
    assert 0.0 <= value <= policy.backoff_max
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    assert policy.backoff(attempt) == policy.backoff_max
