"""The rate-limit gate: pauses, pacing estimated from 429 rounds, and waits, on one fake clock.

`Clock` is the only clock of these tests: calling it reads the time, `sleep` records the wait
and advances the time instead of waiting. (Waiter queues under cancellation are tested in
`tests/adversarial/test_gate_waiters.py`, in virtual time.)
"""

from __future__ import annotations

import pytest

from journey_async._retry import RateLimitGate

pytestmark = pytest.mark.anyio


class Clock:
    """A fake monotonic clock; `sleep` records each wait and advances the clock by it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def test_gate_starts_open():
    """A new gate has nothing remaining."""
    t = Clock()
    gate = RateLimitGate(t, t.sleep, cap=120.0)
    assert gate.remaining() == 0.0


def test_gate_pause_counts_down_with_the_clock():
    """pause_for(5) leaves 5 s remaining, which the clock then counts down to 0."""
    t = Clock()
    gate = RateLimitGate(t, t.sleep, cap=120.0)
    gate.pause_for(5.0)
    assert gate.remaining() == pytest.approx(5.0)
    t.now += 2.0
    assert gate.remaining() == pytest.approx(3.0)
    t.now += 10.0
    assert gate.remaining() == 0.0


def test_gate_pause_never_shortens_an_existing_pause():
    """A shorter pause after a longer one keeps the longer deadline; a longer one extends it."""
    t = Clock()
    gate = RateLimitGate(t, t.sleep, cap=120.0)
    gate.pause_for(10.0)
    gate.pause_for(1.0)
    assert gate.remaining() == pytest.approx(10.0)
    gate.pause_for(30.0)
    assert gate.remaining() == pytest.approx(30.0)


def test_gate_pause_is_capped():
    """A pause longer than the cap is cut to the cap."""
    t = Clock()
    gate = RateLimitGate(t, t.sleep, cap=120.0)
    gate.pause_for(10_000.0)
    assert gate.remaining() == pytest.approx(120.0)


async def test_gate_wait_sleeps_the_remaining_time_once():
    """wait() on a closed gate sleeps exactly the remaining time, then the gate is open."""
    t = Clock()
    gate = RateLimitGate(t, t.sleep, cap=120.0)
    gate.pause_for(4.0)
    t.now += 1.5
    await gate.wait()
    assert t.waits == [pytest.approx(2.5)]
    assert gate.remaining() == 0.0


async def test_gate_wait_does_not_sleep_when_open():
    """wait() on an open (or expired) gate does not sleep at all."""
    t = Clock()
    gate = RateLimitGate(t, t.sleep, cap=120.0)
    await gate.wait()
    gate.pause_for(1.0)
    t.now += 1.0
    await gate.wait()
    assert t.waits == []


def test_a_storm_of_429s_without_successes_sets_no_pace():
    """429s with nothing getting through in between pause the client but set no pace."""
    clock = Clock()
    gate = RateLimitGate(clock, clock.sleep, cap=120)
    for _ in range(5):
        gate.record_rate_limited(1.0)
        clock.now += 1.0
    assert gate.pace is None
    assert gate.rounds == 5


def test_a_burst_then_429_sets_a_pace_near_the_server_rate():
    """100 successes in 0.05 s, then 429 with Retry-After 1: the pace is 95% of about 95/s."""
    clock = Clock()
    gate = RateLimitGate(clock, clock.sleep, cap=120)
    for _ in range(100):
        gate.record_success()
        clock.now += 0.0005
    gate.record_rate_limited(1.0)
    assert gate.pace is None  # a lone 429 only pauses
    gate.record_rate_limited(1.0)  # another request in flight gets 429 too: a rate ran out
    assert gate.pace is not None
    assert 85 < gate.pace < 95
    assert gate.remaining() == pytest.approx(1.0)


def test_too_few_successes_set_no_pace():
    """Fewer than 20 successes say nothing about a rate: a 429 then only pauses."""
    clock = Clock()
    gate = RateLimitGate(clock, clock.sleep, cap=120)
    for _ in range(5):
        gate.record_success()
    gate.record_rate_limited(0.2)
    assert gate.pace is None


def test_a_429_round_at_most_halves_the_pace():
    """However few successes came through, one round lowers the pace to no less than half."""
    clock = Clock()
    gate = RateLimitGate(clock, clock.sleep, cap=120)
    for _ in range(100):
        gate.record_success()
        clock.now += 0.001
    gate.record_rate_limited(1.0)
    gate.record_rate_limited(1.0)
    first = gate.pace
    assert first is not None
    clock.now += 10.0
    for _ in range(20):
        gate.record_success()
        clock.now += 0.001
    clock.now += 0.5
    gate.record_rate_limited(30.0)
    gate.record_rate_limited(30.0)
    assert gate.pace is not None
    assert gate.pace >= first / 2 * 0.99


def test_successes_probe_a_faster_pace():
    """Each success while pacing shortens the interval a little: 100 of them, about 5%."""
    clock = Clock()
    gate = RateLimitGate(clock, clock.sleep, cap=120)
    for _ in range(100):
        gate.record_success()
        clock.now += 0.001
    gate.record_rate_limited(1.0)
    gate.record_rate_limited(1.0)
    before = gate.pace
    assert before is not None
    clock.now += 1.0  # after the pause
    for _ in range(100):
        gate.record_success()
    assert gate.pace == pytest.approx(before / 0.9995**100)


def paced_gate(clock: Clock) -> RateLimitGate:
    """A gate that has just started a round: 100 quick successes, then two 429s (~90/s)."""
    gate = RateLimitGate(clock, clock.sleep, cap=120)
    for _ in range(100):
        gate.record_success()
        clock.now += 0.0005
    gate.record_rate_limited(1.0)
    gate.record_rate_limited(1.0)
    return gate


def test_successes_during_the_pause_undo_the_pace_of_a_lone_429():
    """A 429 while other in-flight requests keep succeeding is not a rate limit: pause, no pace."""
    clock = Clock()
    gate = paced_gate(clock)
    assert gate.pace is not None
    for _ in range(5):  # the other requests that were in flight come back fine
        gate.record_success()
    assert gate.pace is None
    assert gate.remaining() == pytest.approx(1.0)  # the pause itself stands


def test_a_few_racing_successes_among_many_429s_keep_the_pace():
    """When most in-flight requests get 429 too, one or two successes do not undo the pace."""
    clock = Clock()
    gate = paced_gate(clock)
    for _ in range(6):
        gate.record_rate_limited(1.0)
    gate.record_success()
    gate.record_success()
    assert gate.pace is not None


async def test_paced_attempts_are_spaced_by_the_interval():
    """While pacing, consecutive attempts wait for consecutive slots one interval apart."""
    clock = Clock()
    gate = RateLimitGate(clock, clock.sleep, cap=120)
    for _ in range(100):
        gate.record_success()
        clock.now += 0.0005
    gate.record_rate_limited(1.0)
    gate.record_rate_limited(1.0)
    interval = 1 / gate.pace  # type: ignore[operator]
    await gate.wait()  # waits out the pause
    assert clock.waits == [pytest.approx(1.0)]
    await gate.wait()
    await gate.wait()
    assert clock.waits[1:] == [pytest.approx(interval), pytest.approx(interval)]


def test_a_lone_429_among_successes_never_ratchets_the_pace_down():
    """Sporadic single 429s (a flaky gateway) pause each time but never set or lower a pace."""
    clock = Clock()
    gate = RateLimitGate(clock, clock.sleep, cap=120)
    for _ in range(50):  # 50 rounds: 160 successes, then one 429 with a short Retry-After
        for _ in range(160):
            gate.record_success()
            clock.now += 0.002
        gate.record_rate_limited(0.05)
        clock.now += 0.05
    assert gate.pace is None
    assert gate.rounds == 50
