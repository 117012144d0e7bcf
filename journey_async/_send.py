"""The send path: everything between an operation and the wire, built once per client.

    retry -> admission (gate, slot, attempt deadline) -> auth -> user middleware... -> send

* retry (`_retry.py`) repeats failed attempts within the call's budget.
* admission waits at the rate-limit gate, takes one of `max_in_flight` slots, and runs the rest
  of the attempt under one deadline: the attempt timeout or what is left of the call's budget.
  Every wait is bounded by the budget, so a call ends in time whatever it queued for.
* auth (`_auth.py`) sets `Authorization` only now, after the slot and gate waits, so no
  request leaves with a token that went stale while it queued.
* send hands the request to httpx, reads the body up to `max_response_size` while it arrives
  (after decompression), and repairs httpcore's pool when a send or read fails or is
  cancelled (`repair_pool`).

With `rate_limit=` (a `TokenLimiter`: `RateLimit`, `RedisRateLimit`) admission is per token
instead: the token (of a pool: every token) is chosen first, the limiter gives a turn on it (the
pool's earliest), then the slot is taken; a 429 with `Retry-After` pauses that token in the
limiter, and the client-wide gate stays open. The turn comes before the slot so that callers of
a paused token hold no slot the pool's other tokens could use.

Without user middleware the same steps run as plain calls (`_attempt`: the auth steps of
`_auth.Auth`, then admission, then stamp and send), with no middleware object per step; with
it, each step is a layer of the chain and the user's layers run innermost, after the stamp.

Token requests take their own short path (retry -> send): no slot, no gate, no auth, no user
middleware. Errors leave this module as `journey_async` errors with the method, the URL, the
attempts and the time taken.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Sequence

import anyio
import httpx

from ._auth import REPLAY_TOKEN, Auth, StaticToken, auth_middleware
from ._body import ERROR_TEXT_LIMIT, plain_url, read_bounded
from ._direct import Direct
from ._exceptions import (
    RateLimitError,
    RequestTimeoutError,
    TransportError,
    redact_request,
)
from ._ratelimit import RateLimited as _RateLimited
from ._ratelimit import TokenLimiter, token_key
from ._repair import repair_pool
from ._retry import RateLimitGate, RetryPolicy, parse_retry_after, retry_middleware
from ._slots import Slots
from ._types import ATTEMPTS, DEADLINE, TEMPLATE, Clock, Handler, Middleware, Sleep, TokenProvider
from ._within import ATTEMPT_LENGTH

__all__ = ["SendPath", "ERROR_TEXT_LIMIT", "read_bounded", "repair_pool", "chain"]

logger = logging.getLogger("journey_async")


class SendPath:
    """The chain of one client, its in-flight slots and its rate-limit gate."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        provider: TokenProvider,
        retry: RetryPolicy | None,
        middleware: Sequence[Middleware],
        max_in_flight: int | None,
        attempt_timeout: float | None,
        max_response_size: int,
        clock: Clock,
        sleep: Sleep,
        rate_limit: TokenLimiter | None = None,
        direct: Direct | None = None,
    ) -> None:
        self.http = http
        self.direct = direct
        self.retry = retry
        self.slots = Slots(max_in_flight) if max_in_flight is not None else None
        self.attempt_timeout = attempt_timeout
        self.pool_timeout = http.timeout.pool
        self.max_response_size = max_response_size
        self._clock = clock
        cap = retry.max_retry_after if retry is not None else 120.0
        self.gate = RateLimitGate(clock, sleep, cap)
        self._cap = cap
        self.limiter = rate_limit
        self._provider = provider
        self._turn = 0
        self._cached = getattr(provider, "has_valid_token", None)
        if isinstance(provider, StaticToken):
            self._cached = _always

        layers: list[Middleware] = []
        if retry is not None:
            # With a limiter, pauses are per token and kept there: the client-wide gate stays
            # open, so the retry layer does not consult it.
            gate = self.gate if rate_limit is None else None
            layers.append(retry_middleware(retry, clock, sleep, gate))
        self._admission = self._admit if rate_limit is None else self._admit_per_token
        self._auth = Auth(provider, clock)
        # User middleware may move the rest of an attempt to another task, out of the
        # attempt's cancel scope: only without it may the transport rely on that scope.
        self._layered = bool(middleware)
        if middleware:
            refresh, stamp = auth_middleware(provider, clock)
            layers += [refresh, self._admission, stamp, *middleware]
            self._call = chain(layers, self._send_logged)
        else:
            # No user middleware: the same steps, without a middleware object per step.
            self._call = chain(layers, self._attempt)
        token_layers: list[Middleware] = []
        if retry is not None:
            token_layers.append(retry_middleware(retry, clock, sleep))
        token_layers.append(self._attempt_deadline)
        self._token_call = chain(token_layers, self._send_logged)

    # -- entry points ---------------------------------------------------------------------------

    async def send(self, request: httpx.Request) -> httpx.Response:
        """Send one operation's request through the whole chain; any status is returned."""
        started = self._clock()
        if self.retry is not None:
            request.extensions[DEADLINE] = started + self.retry.budget
        try:
            return await self._call(request)
        except httpx.HTTPError as exc:
            raise _transport_error(exc, request, self._clock() - started) from exc
        except _RateLimited as exc:
            raise _gate_error(request, exc) from None

    async def send_token(self, url: str, headers: dict[str, str], body: bytes) -> httpx.Response:
        """Send a token request: retry and send only (no slot, gate, auth or user middleware)."""
        request = self.build_request("POST", url, headers, body)
        request.extensions[TEMPLATE] = "/oauth/token"
        started = self._clock()
        try:
            return await self._token_call(request)
        except httpx.HTTPError as exc:
            raise _transport_error(exc, request, self._clock() - started) from exc

    # -- one attempt without user middleware ----------------------------------------------------

    async def _attempt(self, request: httpx.Request) -> httpx.Response:
        """What the refresh, admission and stamp layers do, as plain calls (`Auth`'s steps).

        The grant wait comes before admission, the stamp inside it (after the slot and gate
        waits, within the attempt's deadline), and a 401 with a fresh token is replayed once.
        """
        auth = self._auth
        if auth.needs_grant():
            await auth.wait_for_grant(request)
        response = await self._admission(request, self._stamp_and_send)
        if response.status_code == 401 and await auth.replays(request, response):
            response = await self._admission(request, self._stamp_and_send)
        return response

    async def _stamp_and_send(self, request: httpx.Request) -> httpx.Response:
        """The innermost step of an attempt: `Authorization` set, then the send."""
        await self._auth.stamp(request)
        if logger.isEnabledFor(logging.DEBUG):
            return await self._send_logged(request)
        return await self._send_once(request)

    # -- admission ------------------------------------------------------------------------------

    async def _admit(self, request: httpx.Request, call_next: Handler) -> httpx.Response:
        """Gate, then slot, then the rest of the attempt under the attempt's deadline.

        The gate comes first, so callers held back by a rate-limit pause hold no slot (and a
        pause longer than the budget is a `RateLimitError` at once, not a slot timeout). A
        429 that closes the gate while a caller queues for a slot is seen again inside it.
        """
        deadline = request.extensions.get(DEADLINE)
        gate = self.gate
        if not gate.try_pass():
            await self._wait_at_gate(gate, deadline)
        response = await self._in_slot(request, call_next, deadline, gate)
        gate.observe(response)
        return response

    async def _admit_per_token(self, request: httpx.Request, call_next: Handler) -> httpx.Response:
        """Admission with a limiter: token, then the limiter's turn on it, then the slot.

        The token is chosen here (from a pool: the one whose turn comes first) and handed to
        the stamp layer, so the turn and the `Authorization` header name the same token. A
        replay after a 401 keeps the token the auth layer chose. A turn further away than the
        call's budget is refused at once (`RateLimitError`), as the gate's pause is.
        """
        limiter = self.limiter
        assert limiter is not None
        extensions = request.extensions
        deadline = extensions.get(DEADLINE)
        chosen = extensions.get(REPLAY_TOKEN)
        tokens = [chosen] if chosen is not None else await self._tokens(deadline)
        if len(tokens) > 1:
            # Rotate the pool, so that tokens whose turns come equally soon (far from the
            # limit: all of them now) take turns instead of the first one taking every call.
            self._turn = shift = (self._turn + 1) % len(tokens)
            tokens = tokens[shift:] + tokens[:shift]
        keys = [token_key(token) for token in tokens]
        max_wait = None if deadline is None else deadline - self._clock()
        index = await limiter.acquire(keys, max_wait)
        extensions[REPLAY_TOKEN] = tokens[index]
        try:
            response = await self._in_slot(request, call_next, deadline, None)
        finally:
            extensions.pop(REPLAY_TOKEN, None)  # the stamp layer took it, unless it never ran
        if response.status_code == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after is not None:
                await limiter.pause(keys[index], min(retry_after, self._cap))
        return response

    async def _tokens(self, deadline: float | None) -> list[str]:
        """The provider's tokens (a pool's, or its one), fetched within the call's deadline."""
        provider = self._provider
        get_tokens = getattr(provider, "get_tokens", None)
        if self._cached is not None and self._cached():  # no wait to bound: no cancel scope
            cached: list[str] = await get_tokens() if get_tokens is not None else []
            return cached or [await provider.get_token()]
        with anyio.move_on_after(None if deadline is None else deadline - self._clock()):
            tokens: list[str] = await get_tokens() if get_tokens is not None else []
            return tokens or [await provider.get_token()]
        msg = "no access token came within the call's retry budget"
        raise httpx.PoolTimeout(msg)

    async def _attempt_deadline(self, request: httpx.Request, call_next: Handler) -> httpx.Response:
        """Admission for token requests: no slot, no gate, only the attempt's deadline."""
        return await self._within_deadline(request, call_next, request.extensions.get(DEADLINE))

    async def _within_deadline(
        self, request: httpx.Request, call_next: Handler, deadline: float | None
    ) -> httpx.Response:
        """The rest of the attempt, cut at the attempt timeout or the call's deadline."""
        limit, by_budget = self._attempt_limit(request, deadline)
        if limit is None:
            return await call_next(request)
        with anyio.move_on_after(limit):
            return await self._noted(request, call_next, limit)
        raise _attempt_timeout(request, limit, by_budget)

    async def _in_slot(
        self,
        request: httpx.Request,
        call_next: Handler,
        deadline: float | None,
        gate: RateLimitGate | None,
    ) -> httpx.Response:
        """The attempt in an in-flight slot: taken at once when one is free, else queued for.
        With a `gate`, a pause that began since this caller passed it is waited out first."""
        slots = self.slots
        if slots is not None and not slots.try_acquire():
            return await self._queued(request, call_next, deadline, slots, gate)
        try:
            if gate is not None and gate.remaining():
                await self._wait_at_gate(gate, deadline)
            return await self._within_deadline(request, call_next, deadline)
        finally:
            if slots is not None:
                slots.release()

    async def _queued(
        self,
        request: httpx.Request,
        call_next: Handler,
        deadline: float | None,
        slots: Slots,
        gate: RateLimitGate | None,
    ) -> httpx.Response:
        """Queue for an in-flight slot (at most the pool timeout or what is left of the
        budget), then the rest of the attempt as `_within_deadline` runs it.

        One cancel scope serves both: once the slot is held its deadline moves to the
        attempt's, so a queued request opens one scope, not two (on asyncio a scope costs
        tens of microseconds, and with more concurrent callers than slots, as `asyncio.gather`
        over many ids makes, most requests queue). With a `gate`, a pause that began while
        this caller queued is waited out between the two.
        """
        wait = self.pool_timeout
        if deadline is not None:
            left = deadline - self._clock()
            wait = left if wait is None else min(wait, left)
        held = False
        limit: float | None = None
        by_budget = False
        with anyio.move_on_after(wait) as scope:
            await slots.acquire()
            held = True
            try:
                scope.deadline = math.inf
                if gate is not None and gate.remaining():
                    await self._wait_at_gate(gate, deadline)
                limit, by_budget = self._attempt_limit(request, deadline)
                if limit is None:
                    return await call_next(request)
                scope.deadline = anyio.current_time() + limit
                return await self._noted(request, call_next, limit)
            finally:
                slots.release()
        if not held:
            msg = (
                f"no in-flight slot came free within {max(wait or 0.0, 0.0):.3g} s "
                f"({slots.total} requests in flight, {slots.waiting} more queued)"
            )
            raise httpx.PoolTimeout(msg)
        assert limit is not None  # the scope was cut after the attempt began
        raise _attempt_timeout(request, limit, by_budget)

    def _attempt_limit(
        self, request: httpx.Request, deadline: float | None
    ) -> tuple[float | None, bool]:
        """How long the attempt may take from now (None: unbounded), and whether the call's
        budget, not the attempt timeout, sets it; no time left is a `PoolTimeout` now."""
        limit = self.attempt_timeout
        by_budget = False
        if deadline is not None:
            left = deadline - self._clock()
            if limit is None or left < limit:
                limit, by_budget = left, True
        if limit is not None and limit <= 0:
            msg = "the call's retry budget ran out before this attempt could be sent"
            raise httpx.PoolTimeout(msg, request=request)
        return limit, by_budget

    async def _noted(
        self, request: httpx.Request, call_next: Handler, limit: float
    ) -> httpx.Response:
        """`call_next(request)` inside the attempt's scope of `limit` seconds, the scope's
        length noted for the transport (which may then leave out per-read timeouts that can
        never fire first), unless user middleware may move the work out of the scope."""
        if self._layered:
            return await call_next(request)
        request.extensions[ATTEMPT_LENGTH] = limit
        try:
            return await call_next(request)
        finally:
            request.extensions.pop(ATTEMPT_LENGTH, None)

    async def _wait_at_gate(self, gate: RateLimitGate, deadline: float | None) -> None:
        """Wait at the gate; a wait that cannot end before the call's deadline is not begun."""
        if deadline is None:
            await gate.wait()
            return
        left = deadline - self._clock()
        expected = gate.expected_wait()
        if expected > left:
            raise _RateLimited(expected, left)
        with anyio.move_on_after(left) as scope:
            await gate.wait()
        if scope.cancelled_caught:
            raise _RateLimited(gate.expected_wait(), 0.0)

    # -- the wire -------------------------------------------------------------------------------

    async def _send_logged(self, request: httpx.Request) -> httpx.Response:
        """The innermost handler: one send with its body read, one DEBUG line."""
        if not logger.isEnabledFor(logging.DEBUG):
            return await self._send_once(request)
        started = time.perf_counter()
        try:
            response = await self._send_once(request)
        except (httpx.HTTPError, TransportError) as exc:
            logger.debug(
                "%s %s failed after %.1f ms: %s",
                request.method,
                log_target(request),
                (time.perf_counter() - started) * 1000,
                type(exc).__name__,
            )
            raise
        logger.debug(
            "%s %s -> %d in %.1f ms (correlation id %s)",
            request.method,
            log_target(request),
            response.status_code,
            (time.perf_counter() - started) * 1000,
            response.headers.get("inin-correlation-id"),
        )
        return response

    def build_request(
        self, method: str, url: str, headers: dict[str, str], content: bytes | None
    ) -> httpx.Request:
        """The request for `url`: built directly for a client-owned httpx client (`_direct`)."""
        if self.direct is not None:
            return self.direct.build(method, url, headers, content)
        return self.http.build_request(method, url, headers=headers, content=content)

    async def _send_once(self, request: httpx.Request) -> httpx.Response:
        """One request and its whole body, within `max_response_size`.

        A send or read that ends in an exception (a cancellation above all) leaves httpcore's
        pool repaired: see `repair_pool`.
        """
        http = self.http
        try:
            if self.direct is not None:
                response = await self.direct.send(request)
            else:
                response = await http.send(request, stream=True)
        except BaseException:
            await repair_pool(http, request.url, None)
            raise
        try:
            await read_bounded(response, self.max_response_size)
        except BaseException:
            await repair_pool(http, request.url, response)
            raise
        return response


# -- errors -------------------------------------------------------------------------------------


def _transport_error(
    exc: httpx.HTTPError, request: httpx.Request, elapsed: float
) -> TransportError:
    """A `TransportError` (or `RequestTimeoutError`) naming the method, the URL, the attempts,
    the time they took and the cause; the httpx error keeps only a redacted request."""
    with contextlib.suppress(RuntimeError):  # RuntimeError: raised before a request existed
        exc.request = redact_request(exc.request)
    attempts = request.extensions.get(ATTEMPTS, 1)
    detail = str(exc) or type(exc).__name__
    msg = (
        f"{request.method} {plain_url(request.url)}: {type(exc).__name__}: {detail} "
        f"({attempts} attempt{'s' if attempts != 1 else ''} in {elapsed:.1f} s)"
    )
    cls = RequestTimeoutError if isinstance(exc, httpx.TimeoutException) else TransportError
    return cls(msg, request=redact_request(request))


def _attempt_timeout(request: httpx.Request, limit: float, by_budget: bool) -> httpx.ReadTimeout:
    """The attempt's scope ended before its response was whole."""
    msg = (
        "the call's retry budget ran out while waiting for the response"
        if by_budget
        else f"no complete response within {limit:g} s (the attempt timeout)"
    )
    return httpx.ReadTimeout(msg, request=request)


def _gate_error(request: httpx.Request, exc: _RateLimited) -> RateLimitError:
    """The client's own rate-limit pause outlasts the call's budget: a 429 without a request."""
    msg = (
        f"{request.method} {plain_url(request.url)}: not sent: the API's rate limit holds this "
        f"client back for another {exc.wait:.1f} s, past the {max(exc.left, 0.0):.1f} s left "
        "of the call's retry budget"
    )
    return RateLimitError(
        msg,
        status=429,
        request=redact_request(request),
        message="rate limited by the client's gate (after the API answered 429)",
        retry_after=exc.wait,
    )


# -- composition and logging ----------------------------------------------------------------


def _always() -> bool:
    return True


def chain(middleware: Sequence[Middleware], innermost: Handler) -> Handler:
    """Compose middleware (outermost first) around `innermost` into one handler."""
    handler = innermost
    for mw in reversed(middleware):
        handler = _bind(mw, handler)
    return handler


def _bind(mw: Middleware, call_next: Handler) -> Handler:
    # A plain function returning the middleware's coroutine: one frame less per layer than an
    # `async def` wrapper, on every request.
    def handler(request: httpx.Request) -> Awaitable[httpx.Response]:
        return mw(request, call_next)

    return handler


_LOGGED_QUERY = frozenset({"pageSize", "pageNumber", "segmentScope", "assignmentState"})


def log_target(request: httpx.Request) -> str:
    """Path template plus allow-listed query values; everything else reads `[redacted]`."""
    template = request.extensions.get(TEMPLATE) or request.url.path
    if not request.url.query:
        return str(template)
    query = "&".join(
        f"{name}={value if name in _LOGGED_QUERY else '[redacted]'}"
        for name, value in request.url.params.multi_items()
    )
    return f"{template}?{query}"
