"""Retry policy, `Retry-After` parsing, the client-wide rate-limit gate, and their middleware.

All eight Journey operations are idempotent in effect (reads, a query POST, a PATCH that sets
fields, a POST that sets assignment state), so the policy applies to every one of them.
"""

from __future__ import annotations

import collections
import logging
import math
import random
import re
import time
from datetime import timezone

import anyio
import attrs
import httpx

from ._checks import check_int, is_finite_number
from ._types import ATTEMPTS, DEADLINE, IDEMPOTENT, TEMPLATE, Clock, Handler, Middleware, Sleep

__all__ = [
    "RetryPolicy",
    "RateLimitGate",
    "parse_retry_after",
    "retry_middleware",
    "classify_transport_error",
]

logger = logging.getLogger("journey_async")


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not is_finite_number(value) or value < 0:
        msg = f"RetryPolicy.{attribute.name} must be a finite number >= 0, got {value!r}"
        raise ValueError(msg)


def _attempts(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    check_int("RetryPolicy.max_attempts (the first try counts)", value, minimum=1)


@attrs.frozen
class RetryPolicy:
    """When and how long to retry a failed call.

    Args:
        max_attempts: tries in all, the first included (4: three retries ride out a typical
            gateway blip without hiding an outage).
        backoff_base, backoff_max: full-jitter backoff, attempt n (1-based) waits
            `uniform(0, min(backoff_max, backoff_base * 2 ** (n - 1)))` seconds.
        max_retry_after: a `Retry-After` longer than this is not waited for: the error is raised
            at once with `.retry_after` set (120 s; Genesys SDKs give up at 180 s).
        default_retry_after: the wait after a 429 without `Retry-After` (3 s, as Genesys's own
            SDKs use).
        budget: seconds for the whole call, retries and sleeps included, checked before each
            sleep (60 s).
        retry_statuses: statuses that are retried (429 and the gateway errors 502/503/504; a
            500 is usually a bug that a retry does not fix).
        retry_timeouts: also retry read/write timeouts and responses dropped mid-way, where the
            request may have reached the server. Connection failures where nothing was sent are
            always retried.

    The operations that create something on each call (`post_journey_segments`,
    `post_journey_actionmaps`, `post_journey_actiontemplates`,
    `post_analytics_journeys_aggregates_jobs`) are never re-sent once they may have reached
    the server: for them only connection failures and 429/503 answers are retried.
    """

    max_attempts: int = attrs.field(default=4, validator=_attempts)
    backoff_base: float = attrs.field(default=0.5, validator=_positive)
    backoff_max: float = attrs.field(default=20.0, validator=_positive)
    max_retry_after: float = attrs.field(default=120.0, validator=_positive)
    default_retry_after: float = attrs.field(default=3.0, validator=_positive)
    budget: float = attrs.field(default=60.0, validator=_positive)
    retry_statuses: frozenset[int] = attrs.field(
        default=frozenset({429, 502, 503, 504}), converter=frozenset
    )
    retry_timeouts: bool = True

    def backoff(self, attempt: int) -> float:
        """The full-jitter wait after failed attempt `attempt` (1-based)."""
        exponent = min(attempt - 1, 60)  # 2**60 s is already past any cap; avoids overflow
        return random.uniform(0.0, min(self.backoff_max, self.backoff_base * 2.0**exponent))


_SECONDS = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?")
"""delta-seconds (RFC 9110 says digits; fractions and a sign are tolerated, a sign clamped)."""


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta seconds (possibly fractional) or an
    HTTP date. None when absent or unparsable; never negative; `inf` when too large to represent.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if _SECONDS.fullmatch(value):
        # delta-seconds may have any number of digits: one too large for a float becomes
        # `inf`, a wait longer than any cap (so the error says "too long"), not "no header".
        return max(0.0, float(value))
    import email.utils  # only HTTP dates need it; most servers send seconds

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


class RateLimitGate:
    """The client's one view of the server's rate limit, shared by all its requests.

    * A 429 with `Retry-After` closes the gate: every new attempt of the client waits until the
      time has passed, so N concurrent tasks cause about one round of 429s, not N.
    * The first 429 of a round also estimates a pace (given at least 20 successes to judge by),
      applied once a second 429 of the round confirms that the rate ran out.
      Over the recent past (since the previous
      round, at most `_HORIZON` seconds) the server let `ok` requests through, and it refills
      while we pause, so `ok / (window + retry_after)` estimates the rate it allows; after the
      pause, attempts are spaced at 95% of that. Each success then shortens the spacing a little
      (about 5% per 100 successes), so the pace climbs back toward the real limit, and a later
      429 lowers it again, at most halving it per round. A `Retry-After` counts at most the
      cap (`max_retry_after`) in that estimate, so an absurd header cannot set an absurd pace.
    * A 429 that is not about rate does not set a pace. When the rate runs out, a token bucket
      answers 429 to everything until it refills; if instead the requests that were in flight
      with the 429 keep succeeding (at least 3, and twice as many as the 429s), the round's pace
      change is undone and only its pause stands. Sporadic 429s from a flaky gateway then cost
      their `Retry-After` and nothing more.

    Waiters form one FIFO queue and only its head sleeps: when it goes it hands the head to the
    next one, which then waits its own interval. A waiter that is cancelled (or times out)
    leaves the queue at once and, if it was the head, hands over first, so a dead waiter never
    holds a place or a pacing slot. Without 429s, `wait()` costs a clock read and never yields.
    """

    _SAFETY = 0.95  # pace just under the estimated server rate
    _PROBE = 0.9995  # per success, the interval shrinks by this factor (about 5% per 100)
    _HORIZON = 2.0  # seconds of success history an estimate looks at
    _MIN_SAMPLE = 20  # fewer successes than this say nothing about a rate: pause, do not pace

    def __init__(self, clock: Clock, sleep: Sleep, cap: float) -> None:
        self._clock = clock
        self._sleep = sleep
        self._cap = cap
        self._until = 0.0
        self._interval = 0.0  # seconds between attempts while pacing; 0: no pacing
        self._last_start = -math.inf  # when the last paced attempt went
        self._queue: collections.deque[anyio.Event] = collections.deque()
        self._round_start: float | None = None
        self._successes: collections.deque[float] = collections.deque()
        self._pace_before_round: float | None = None  # to undo a round that was not a rate
        self._candidate: float | None = None  # a round's pace, until a second 429 confirms it
        self._round_ok = 0  # successes, and 429s, that came back during the current pause
        self._round_limited = 0
        self.rounds: int = 0
        """How many distinct rate-limit rounds (first 429 after the gate opened) were seen."""

    @property
    def pace(self) -> float | None:
        """The current pace in requests per second, or None when not pacing."""
        return 1.0 / self._interval if self._interval else None

    @property
    def waiting(self) -> int:
        """Attempts queued at the gate now."""
        return len(self._queue)

    def remaining(self) -> float:
        """Seconds until the gate opens (0 when open)."""
        return max(0.0, self._until - self._clock())

    def expected_wait(self) -> float:
        """About how long an attempt arriving now would wait (pause, pacing and queue)."""
        now = self._clock()
        start = max(now, self._until, self._last_start + self._interval)
        return start - now + len(self._queue) * self._interval

    def pause_for(self, seconds: float) -> None:
        """Close the gate for `seconds` (capped), never shortening an existing pause."""
        self._until = max(self._until, self._clock() + min(seconds, self._cap))

    def set_pace(self, rate: float | None) -> None:
        """Space attempts at `rate` per second from now on (None: stop pacing)."""
        self._interval = 1.0 / rate if rate else 0.0

    def record_success(self) -> None:
        """A response that was not a 429: remember when, and probe a slightly faster pace."""
        now = self._clock()
        successes = self._successes
        successes.append(now)
        horizon = now - self._HORIZON
        while successes[0] < horizon:
            successes.popleft()
        if self._pace_before_round is not None and now < self._until:
            # Requests that were in flight when the 429 came back keep succeeding: the server
            # still lets requests through, so that 429 was not the rate running out (a token
            # bucket answers 429 to everything until it refills; a race lets one or two
            # through). Keep the pause, undo the pace.
            self._round_ok += 1
            if self._round_ok >= 3 and self._round_ok > 2 * self._round_limited:
                self._interval = self._pace_before_round
                self._pace_before_round = None
        if self._interval:
            self._interval *= self._PROBE

    def record_rate_limited(self, retry_after: float) -> None:
        """A 429 with `Retry-After`: close the gate and, once per round, re-estimate the pace.

        The estimate of a round's first 429 is applied only when a second 429 of the same round
        confirms it: a rate that has run out answers 429 to every request in flight, while a
        lone 429 among successes (a flaky gateway) is no rate, and pacing on it would ratchet
        the pace down, each round estimating from the throughput the last one slowed.
        """
        now = self._clock()
        retry_after = min(max(retry_after, 0.0), self._cap)
        if now >= self._until:  # the first 429 of a new round
            self.rounds += 1
            successes = self._successes
            since = max(
                self._round_start or 0.0,
                now - self._HORIZON,
                successes[0] if successes else now,  # not before traffic began
            )
            ok = sum(1 for moment in successes if moment >= since)
            window = now - since + retry_after
            self._pace_before_round = self._interval
            self._candidate = None
            self._round_ok = 0
            self._round_limited = 0
            if ok >= self._MIN_SAMPLE and window > 0:
                interval = window / (ok * self._SAFETY)
                if self._interval:
                    interval = min(interval, self._interval * 2)  # at most halve the pace
                # Never speed up on a 429: keep the slower of the two paces.
                self._candidate = max(self._interval, interval)
            self._round_start = now
        elif self._candidate is not None and self._pace_before_round is not None:
            self._interval = self._candidate  # confirmed by a second 429 of the round
            self._candidate = None
        self._round_limited += 1
        self.pause_for(retry_after)

    def observe(self, response: httpx.Response) -> None:
        """Feed one response to the gate: a 429 with `Retry-After` closes it, others count."""
        if response.status_code == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after is not None:
                self.record_rate_limited(retry_after)
        else:
            self.record_success()

    def try_pass(self) -> bool:
        """Let an attempt through now if nobody queues and neither pause nor pace holds it."""
        if self._queue:
            return False
        now = self._clock()
        if now < self._until:
            return False
        if self._interval:
            if now < self._last_start + self._interval:
                return False
            self._last_start = now
        return True

    async def wait(self) -> None:
        """Wait until the gate is open and, when pacing, for this attempt's turn."""
        if self.try_pass():
            return
        turn = anyio.Event()
        queue = self._queue
        queue.append(turn)
        try:
            if queue[0] is not turn:
                await turn.wait()  # set when this waiter becomes the head
            while True:
                now = self._clock()
                start = max(self._until, self._last_start + self._interval)
                if start <= now:
                    break
                await self._sleep(start - now)  # a new 429 meanwhile: loop and wait again
            if self._interval:
                self._last_start = self._clock()
        finally:
            if queue and queue[0] is turn:
                queue.popleft()
                if queue:
                    queue[0].set()  # the next waiter is the head now
            else:
                queue.remove(turn)


_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_MAYBE_SENT = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


_NOT_ACTED_ON = frozenset({429, 503})
"""Statuses that say the server did not act on the request (rate limited, unavailable)."""


def classify_transport_error(exc: httpx.TransportError) -> str | None:
    """`"unsent"` (safe to retry always), `"maybe-sent"` (retry when `retry_timeouts`), or None."""
    if isinstance(exc, _NEVER_SENT):
        return "unsent"
    if isinstance(exc, _MAYBE_SENT):
        return "maybe-sent"
    return None


def retry_middleware(
    policy: RetryPolicy, clock: Clock, sleep: Sleep, gate: RateLimitGate | None = None
) -> Middleware:
    """Middleware that retries per `policy`; returns the last response (the client raises the
    error for it) or re-raises the last transport error.

    The call's deadline (`budget` seconds from its start, set by the client in the request's
    extensions) bounds every sleep here: a wait that would end past it is not started. With a
    `gate`, a retry sleeps at least until the gate opens, so one 429 costs one sleep (not a
    sleep here and the leftover at the gate). The attempt number is written to the request's
    extensions for error messages.
    """

    async def retry_mw(request: httpx.Request, call_next: Handler) -> httpx.Response:
        extensions = request.extensions
        deadline = extensions.get(DEADLINE)
        if deadline is None:
            deadline = clock() + policy.budget
        # A request that creates something is re-sent only when it cannot have been acted on.
        idempotent = extensions.get(IDEMPOTENT, True)
        attempt = 1
        while True:
            extensions[ATTEMPTS] = attempt
            try:
                response = await call_next(request)
            except httpx.TransportError as exc:
                kind = classify_transport_error(exc)
                if kind is None or (
                    kind == "maybe-sent" and not (policy.retry_timeouts and idempotent)
                ):
                    raise
                wait = policy.backoff(attempt)
                if gate is not None:
                    wait = max(wait, gate.remaining())
                reason = type(exc).__name__
                correlation_id = None
                # A wait that ends at the deadline leaves no time for an attempt: not begun.
                if attempt >= policy.max_attempts or clock() + wait >= deadline:
                    _log_give_up(request, attempt, reason)
                    raise
            else:
                status = response.status_code
                if status not in policy.retry_statuses or (
                    not idempotent and status not in _NOT_ACTED_ON
                ):
                    return response
                header = response.headers.get("retry-after")
                retry_after = parse_retry_after(header)
                if retry_after is not None:
                    wait = retry_after
                elif status == 429:
                    wait = policy.default_retry_after
                else:
                    wait = policy.backoff(attempt)
                if gate is not None:
                    wait = max(wait, gate.remaining())
                reason = f"status {status}"
                correlation_id = response.headers.get("inin-correlation-id")
                if (
                    attempt >= policy.max_attempts
                    or wait > policy.max_retry_after
                    or clock() + wait >= deadline
                ):
                    _log_give_up(request, attempt, reason)
                    return response
                await response.aclose()
            logger.info(
                "retrying %s %s: attempt %d failed (%s); waiting %.3f s (correlation id %s)",
                request.method,
                _template(request),
                attempt,
                reason,
                wait,
                correlation_id,
            )
            await sleep(wait)
            attempt += 1

    return retry_mw


def _template(request: httpx.Request) -> str:
    template = request.extensions.get(TEMPLATE)
    return template if isinstance(template, str) else request.url.path


def _log_give_up(request: httpx.Request, attempt: int, reason: str) -> None:
    if attempt > 1:
        logger.warning(
            "giving up on %s %s after %d attempts (%s)",
            request.method,
            _template(request),
            attempt,
            reason,
        )
