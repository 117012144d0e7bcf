"""`JourneyClient`: the eight Journey operations as coroutines, plus pagers and bulk helpers.

A call goes through one chain of middleware, built once per client:

    retry -> auth -> user middleware... -> log + send

where "send" takes one of `max_in_flight` slots, waits on the client's rate-limit gate, and
calls httpx. User middleware sees every attempt with its `Authorization` header set, and retries
see the response after auth has had its chance to refresh a token. Token requests of
`ClientCredentials` take a shorter chain (retry -> log + send) and bypass the gate.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import anyio
import httpx

from . import models as _models
from ._auth import ClientCredentials, StaticToken, as_token_provider
from ._bulk_client import BulkCalls
from ._checks import check_int
from ._config import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_IN_FLIGHT,
    DEFAULT_MAX_RESPONSE_SIZE,
    DEFAULT_TIMEOUT,
    MAX_CONNECTIONS_DEFAULT,
    TIMEOUT_DEFAULT,
    Default,
    attempt_timeout,
    check_timeout,
    current_loop,
    make_transport,
)
from ._direct import Direct
from ._exceptions import DecodeError, scrub_error
from ._limits import MAX_URL_LENGTH
from ._operations import Operation, Prepared, prepare, warn_deprecated
from ._ops2020 import Operations2020
from ._ops2026 import Operations2026
from ._pagination import AsyncPager, Listing
from ._ratelimit import TokenLimiter, check_rate_limit
from ._regions import api_base_url
from ._retry import RateLimitGate, RetryPolicy
from ._send import SendPath
from ._serde import decode
from ._status import make_status_error
from ._types import IDEMPOTENT, TEMPLATE, Clock, Middleware, Sleep, TokenSource
from ._urls import redact_url
from ._version import __version__

__all__ = [
    "JourneyClient",
    "DEFAULT_TIMEOUT",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_RESPONSE_SIZE",
]

logger = logging.getLogger("journey_async")

T = TypeVar("T")
R = TypeVar("R")
D = TypeVar("D")
P = TypeVar("P", bound=Listing)


class JourneyClient(BulkCalls, Operations2026, Operations2020):
    """Async client for the Genesys Cloud Journey API.

    ```python
    async with JourneyClient(token_provider=StaticToken("..."), region="mypurecloud.ie") as client:
        target = await client.get_journey_actiontarget("1a2b...")
    ```

    Args:
        token_provider: a `TokenProvider` (`StaticToken`, `ClientCredentials`, your own), a plain
            `async () -> str` callable, or a token `str`.
        region: a Genesys Cloud domain (`mypurecloud.ie`) or AWS region name (`eu-west-1`);
            the API is `https://api.{domain}`.
        base_url: overrides `region` (proxies, gateways, the fake API in tests).
        retry: the `RetryPolicy`; None turns every kind of retry off.
        timeout: seconds (or an `httpx.Timeout`) for each network operation, and for each
            attempt as a whole, its body included (an httpx.Timeout's `read` value); default
            30 s. The whole call, retries and waits included, is bounded by the retry
            policy's `budget`.
        middleware: `async def mw(request, call_next) -> response` callables, outermost first;
            they run inside retry and auth and see every attempt.
        http_client: a caller-owned `httpx.AsyncClient`, used and never closed; its timeouts
            and limits are the caller's, so passing `timeout`, `max_connections` or `transport`
            as well is a `ValueError`.
        transport: None (httpcore's HTTP/1.1 connections, one per request in flight, without
            httpcore's pool: `journey_async._pinned`), `"httpx"` (httpx's own transport and
            pool), `"aiohttp"` (aiohttp, the `aiohttp` extra: the fastest, see
            benchmarks/RESULTS.md; asyncio only), or any `httpx.AsyncBaseTransport` (a mock, the
            fake API's `api.transport()`).
        max_connections: httpx pool size; default 100.
        user_agent: appended to `journey-async/<version>`.
        max_in_flight: requests handed to httpx at once (default 8, see
            `DEFAULT_MAX_IN_FLIGHT`, and never more than `max_connections`); further calls
            wait their turn in the client. None: no cap.
        max_response_size: the largest body accepted, in bytes after decompression (default
            64 MiB, see `DEFAULT_MAX_RESPONSE_SIZE`); enforced while reading, so a larger one
            costs no more memory than this and fails with `ResponseTooLargeError`. Error
            bodies keep at most their first 64 KiB.
        rate_limit: None (the default) keeps the client-wide gate, which reacts to 429s;
            `RateLimit(rate, per)` also paces this process per token before the server
            answers 429; `journey_async.redis.RedisRateLimit` paces a whole fleet per token.
            With a rate limit, pauses and pacing are per token (see `ClientCredentials`'s
            `pool_size`). The client never closes it (several clients may share one).
        sleep, clock: injectable for tests (default `anyio.sleep`, `time.monotonic`).
    """

    def __init__(
        self,
        token_provider: TokenSource,
        *,
        region: str = "mypurecloud.com",
        base_url: str | None = None,
        retry: RetryPolicy | None = RetryPolicy(),  # noqa: B008 - frozen, so one shared default is safe
        timeout: float | httpx.Timeout | Default[float] | None = TIMEOUT_DEFAULT,
        middleware: Sequence[Middleware] = (),
        http_client: httpx.AsyncClient | None = None,
        transport: str | httpx.AsyncBaseTransport | None = None,
        max_connections: int | Default[int] = MAX_CONNECTIONS_DEFAULT,
        user_agent: str | None = None,
        max_in_flight: int | None = DEFAULT_MAX_IN_FLIGHT,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        rate_limit: TokenLimiter | None = None,
        sleep: Sleep | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._provider = as_token_provider(token_provider)
        if base_url is not None:
            if not isinstance(base_url, str) or any(ord(ch) < 33 for ch in base_url):
                msg = (
                    "base_url must be a URL without spaces, line breaks or control characters, "
                    f"got {redact_url(str(base_url))!r}"
                )
                raise ValueError(msg)
            url = httpx.URL(base_url)
            if url.scheme not in ("http", "https") or not url.host:
                msg = f"base_url must be an absolute http(s) URL, got {redact_url(base_url)!r}"
                raise ValueError(msg)
            self._base_url = base_url.rstrip("/")
        else:
            self._base_url = api_base_url(region)
        self._base = httpx.URL(self._base_url)
        if retry is not None and not isinstance(retry, RetryPolicy):
            msg = f"retry must be a RetryPolicy or None, got {type(retry).__name__}"
            raise TypeError(msg)
        self.retry = retry
        for mw in middleware:
            if not callable(mw):
                msg = f"middleware items must be callables, got {type(mw).__name__}"
                raise TypeError(msg)

        if http_client is not None:
            if (
                not isinstance(timeout, Default)
                or not isinstance(max_connections, Default)
                or transport is not None
            ):
                msg = (
                    "timeout, max_connections and transport belong to the http_client you "
                    "passed; set them on it instead"
                )
                raise ValueError(msg)
            self._http = http_client
            self._owns_http = False
        else:
            if isinstance(max_connections, Default):
                max_connections = max_connections.value
            if isinstance(timeout, Default):
                timeout = timeout.value
            limit = check_int("max_connections", max_connections, minimum=1)
            limits = httpx.Limits(max_connections=limit, max_keepalive_connections=limit)
            self._http = httpx.AsyncClient(
                timeout=check_timeout(timeout),
                limits=limits,
                follow_redirects=False,
                transport=make_transport(transport, limits),
            )
            self._owns_http = True

        agent = f"journey-async/{__version__}"
        if user_agent:
            if any(ch in user_agent for ch in "\r\n\x00"):
                msg = "user_agent must not contain line breaks"
                raise ValueError(msg)
            agent = f"{agent} {user_agent}"
        self._headers = {"Accept": "application/json", "User-Agent": agent}
        self._json_headers = {**self._headers, "Content-Type": "application/json"}
        self._closed = False
        self._loop: object | None = None
        if max_in_flight is not None:
            check_int("max_in_flight", max_in_flight, minimum=1)
            if self._owns_http:
                # More in flight than connections would queue inside httpcore's pool, whose
                # bookkeeping is slow and where a cancelled waiter can strand a connection.
                max_in_flight = min(max_in_flight, limit)
        self._max_in_flight = max_in_flight
        check_int("max_response_size", max_response_size, minimum=1)

        self._clock: Clock = clock or time.monotonic
        self._sleep: Sleep = sleep or anyio.sleep
        self._path = SendPath(
            self._http,
            provider=self._provider,
            retry=retry,
            middleware=middleware,
            max_in_flight=max_in_flight,
            attempt_timeout=attempt_timeout(self._http.timeout),
            max_response_size=max_response_size,
            clock=self._clock,
            sleep=self._sleep,
            direct=Direct(self._http, self._base_url) if self._owns_http else None,
            rate_limit=check_rate_limit(rate_limit),
        )
        self.rate_limit: TokenLimiter | None = rate_limit
        self.rate_limit_gate: RateLimitGate = self._path.gate
        self._in_flight = self._path.slots
        bind = getattr(self._provider, "bind", None)
        if isinstance(self._provider, ClientCredentials) and bind is not None:
            bind(self._send_token_request, self._base_url)

    # -- lifecycle ------------------------------------------------------------------------------

    @classmethod
    def from_env(cls, *, environ: Mapping[str, str] | None = None, **kwargs: Any) -> JourneyClient:
        """Build a client from the variables Genesys's CLI and Terraform provider use.

        `GENESYSCLOUD_ACCESS_TOKEN` (a static token) wins when set; otherwise
        `GENESYSCLOUD_OAUTHCLIENT_ID` and `GENESYSCLOUD_OAUTHCLIENT_SECRET` give
        `ClientCredentials`. `GENESYSCLOUD_REGION` (domain or AWS name) sets the region,
        default `mypurecloud.com`; a `region=` or `base_url=` keyword wins over it. Other
        keywords go to the constructor. Missing credentials are a `ValueError` naming the
        variables.
        """
        env = os.environ if environ is None else environ
        if "region" not in kwargs and "base_url" not in kwargs:
            kwargs["region"] = env.get("GENESYSCLOUD_REGION") or "mypurecloud.com"
        token = env.get("GENESYSCLOUD_ACCESS_TOKEN")
        client_id = env.get("GENESYSCLOUD_OAUTHCLIENT_ID")
        secret = env.get("GENESYSCLOUD_OAUTHCLIENT_SECRET")
        provider: StaticToken | ClientCredentials
        if token:
            provider = StaticToken(token)
        elif client_id and secret:
            provider = ClientCredentials(client_id, secret)
        else:
            missing = [
                name
                for name, value in (
                    ("GENESYSCLOUD_OAUTHCLIENT_ID", client_id),
                    ("GENESYSCLOUD_OAUTHCLIENT_SECRET", secret),
                )
                if not value
            ]
            msg = (
                f"no Genesys Cloud credentials in the environment: set {' and '.join(missing)} "
                "(OAuth client credentials) or GENESYSCLOUD_ACCESS_TOKEN"
            )
            raise ValueError(msg)
        return cls(provider, **kwargs)

    @property
    def base_url(self) -> str:
        """The API base URL, `https://api.{domain}` or the `base_url` given."""
        return self._base_url

    @property
    def token_provider(self) -> Any:
        """The token provider in use."""
        return self._provider

    @property
    def is_closed(self) -> bool:
        """True after `aclose()`."""
        return self._closed

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<JourneyClient {redact_url(self._base_url)} {state}>"

    async def __aenter__(self) -> JourneyClient:
        self._ensure_open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close what the client owns (not a caller's `http_client`). Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._owns_http:
            await self._http.aclose()

    def _ensure_open(self) -> None:
        """A closed client, or one used from a second event loop, fails now and clearly."""
        if self._closed:
            msg = "this JourneyClient is closed; create a new one"
            raise RuntimeError(msg)
        loop = current_loop()
        if loop is not self._loop:
            if self._loop is not None:
                msg = (
                    "this JourneyClient is bound to the event loop it was first used in and "
                    "cannot be used from another event loop or thread (its connections, locks "
                    "and queues belong to that loop); create one client per event loop"
                )
                raise RuntimeError(msg)
            self._loop = loop

    # -- sending --------------------------------------------------------------------------------

    async def _send_token_request(
        self, url: str, headers: dict[str, str], body: bytes
    ) -> httpx.Response:
        """Send a token request through this client's stack (no auth, no user middleware)."""
        self._ensure_open()
        return await self._path.send_token(url, headers, body)

    async def _request(self, op: Operation, prepared: Prepared, target: str) -> httpx.Response:
        """Send one operation through the middleware chain; a non-2xx answer is raised."""
        self._ensure_open()
        if len(target) > MAX_URL_LENGTH:
            msg = (
                f"{op.method} {op.template}: the request URL would be {len(target):,} "
                f"characters long, over the {MAX_URL_LENGTH:,} that servers and proxies accept; "
                "check the ids and cursor passed"
            )
            raise ValueError(msg)
        content = prepared.content
        request = self._path.build_request(
            op.method,
            self._base_url + target,
            self._json_headers if content is not None else self._headers,
            content,
        )
        request.extensions[TEMPLATE] = op.template
        if not op.idempotent:
            request.extensions[IDEMPOTENT] = False
        response = await self._path.send(request)
        if not 200 <= response.status_code < 300:
            raise make_status_error(response, context=f"{op.method} {prepared.path}")
        return response

    async def _call(
        self, op: Operation, prepared: Prepared, model: type[T], target: str | None = None
    ) -> T:
        """Send a prepared operation and decode its 2xx body into `model`."""
        response = await self._request(
            op, prepared, prepared.target() if target is None else target
        )
        try:
            return decode(response.content, model, context=f"{op.method} {prepared.path}")
        except DecodeError as exc:
            scrub_error(exc, response.request)  # a server may echo the token in the body
            raise

    def _prepare(self, op: Operation, values: Mapping[str, Any], body: object = None) -> Prepared:
        """Check one call of `op` (a deprecated one warns, once, at the user's call)."""
        if op.deprecated is not None:
            # this frame, _run or the pager factory, the operation's method, the user's line
            warn_deprecated(op, 4)
        return prepare(op, values, body_types(op), body)

    async def _run(self, op: Operation, model: type[T], /, body: object = None, **values: Any) -> T:
        """Check the arguments of one call of `op`, send it and decode the result."""
        return await self._call(op, self._prepare(op, values, body), model)

    async def _run_no_result(self, op: Operation, /, body: object = None, **values: Any) -> None:
        """Check one call of `op` and send it; a 2xx answer has nothing to decode."""
        prepared = self._prepare(op, values, body)
        response = await self._request(op, prepared, prepared.target())
        del response

    def _cursor_pager(
        self,
        op: Operation,
        model: type[P],
        values: dict[str, Any],
        limit: int | None,
        prefetch: bool,
    ) -> AsyncPager[Any, P]:
        """A pager over a listing with the `after` cursor in `nextUri`; arguments checked once."""
        prepared = self._prepare(op, values)

        async def fetch(cursor: str | None) -> P:
            return await self._call(op, prepared, model, prepared.target("after", cursor))

        return AsyncPager.by_cursor(
            fetch,
            base_url=self._base,
            after=values.get("after"),
            limit=limit,
            depth=1 if prefetch else 0,
        )

    def _page_number_pager(
        self,
        op: Operation,
        model: type[P],
        values: dict[str, Any],
        limit: int | None,
        depth: int,
    ) -> AsyncPager[Any, P]:
        """A pager over a page-number listing; arguments checked once."""
        prepared = self._prepare(op, values)

        async def fetch(number: int) -> P:
            return await self._call(op, prepared, model, prepared.target("pageNumber", str(number)))

        return AsyncPager.by_page_number(
            fetch, start=values["page_number"], limit=limit, depth=depth
        )

    def _cursor_field_pager(
        self,
        op: Operation,
        model: type[T],
        values: dict[str, Any],
        limit: int | None,
        prefetch: bool,
    ) -> AsyncPager[Any, T]:
        """A pager over a listing that returns its next `cursor` as a field."""
        prepared = self._prepare(op, values)

        async def fetch(cursor: str | None) -> T:
            return await self._call(op, prepared, model, prepared.target("cursor", cursor))

        return AsyncPager.by_cursor_field(
            fetch, cursor=values.get("cursor"), limit=limit, depth=1 if prefetch else 0
        )

    def _one_page_pager(
        self, op: Operation, model: type[P], values: dict[str, Any], limit: int | None
    ) -> AsyncPager[Any, P]:
        """A pager over one response of a listing asked for by ids (no paging)."""
        prepared = self._prepare(op, values)

        async def fetch() -> P:
            return await self._call(op, prepared, model)

        return AsyncPager.one_page(fetch, limit=limit)

    def _body_types(self, op: Operation) -> tuple[type, ...]:
        return body_types(op)


@functools.cache
def body_types(op: Operation) -> tuple[type, ...]:
    """The model class(es) an operation's body may be (besides a dict)."""
    if op.body is None:
        return ()
    name = op.body.removeprefix("list[").removesuffix("]")
    return (getattr(_models, name),)
