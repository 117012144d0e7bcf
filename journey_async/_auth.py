"""Token providers (static, callable, OAuth client credentials) and the auth middleware.

No token or secret ever appears in a `repr`, an exception message or a log line.
"""

from __future__ import annotations

import base64
import copy
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx

from ._checks import check_int, check_seconds
from ._exceptions import REDACTED, AuthenticationError, DecodeError, redact_request, scrub
from ._regions import login_base_url
from ._status import make_status_error
from ._tokencache import TokenCache, cache_key
from ._types import DEADLINE, Clock, Handler, Middleware, TokenProvider, TokenSource
from ._urls import redact_url

__all__ = [
    "StaticToken",
    "CallableToken",
    "ClientCredentials",
    "as_token_provider",
    "Auth",
    "auth_middleware",
    "TokenRequestSender",
    "REPLAY_TOKEN",
]

TokenRequestSender = Callable[[str, dict[str, str], bytes], Awaitable[httpx.Response]]
"""How a client lends its HTTP stack to a token provider: `send(url, headers, body)`."""


def _check_token(token: object, source: str) -> str:
    """A token must be a non-empty header-safe string; say so without showing it."""
    if not isinstance(token, str):
        msg = f"{source} returned {type(token).__name__}, expected the access token as a str"
        raise TypeError(msg)
    if not token.strip() or any(ch in token for ch in "\r\n\x00"):
        msg = f"{source} returned an empty or malformed access token"
        raise ValueError(msg)
    return token


class StaticToken:
    """A fixed access token. `invalidate` does nothing, so a 401 raises `AuthenticationError`."""

    def __init__(self, token: str) -> None:
        self._token = _check_token(token, "StaticToken")

    def __repr__(self) -> str:
        return f"StaticToken({REDACTED})"

    async def get_token(self) -> str:
        """Return the token."""
        return self._token

    async def invalidate(self, token: str) -> None:
        """Nothing to refresh: the same token will be offered again, and the call fails."""


class CallableToken:
    """Adapts a plain `async () -> str` callable to `TokenProvider`.

    The callable is asked again after a 401; if it returns a different token the request is
    replayed once with it.
    """

    def __init__(self, fn: Callable[[], Awaitable[str]]) -> None:
        self._fn = fn

    def __repr__(self) -> str:
        return f"CallableToken({getattr(self._fn, '__qualname__', type(self._fn).__name__)})"

    async def get_token(self) -> str:
        """Await the callable."""
        return _check_token(await self._fn(), "the token callable")

    async def invalidate(self, token: str) -> None:
        """Nothing cached here: the callable decides what the next token is."""


class ClientCredentials:
    """OAuth client-credentials grant against `https://login.{domain}/oauth/token`.

    Sends HTTP Basic (`client_id:client_secret`) and `grant_type=client_credentials`, caches the
    token on a monotonic clock until `expires_in - refresh_margin`, and makes exactly one token
    request however many tasks ask at once (an anyio lock, so asyncio and trio both work).

    Without `region` or `login_url` it follows the client it is given to: that client's region,
    or its `base_url` with `//api.` replaced by `//login.` (as the Genesys SDKs derive it; a
    base URL without `api.`, such as a local fake, is used as it is). Token requests go through
    that client's HTTP stack and retry policy; user middleware does not see them.

    Fleets (`journey_async.redis`): with `token_cache` (a `RedisTokenCache`) the token is
    shared by every process using that cache, keyed by a hash of login URL and client id: the
    fleet makes one grant at a time and each token is fetched once; `invalidate` is
    compare-and-delete there too. The secret is never stored. `pool_size=N` keeps N tokens of
    the client and spreads requests over them (round-robin; with the client's `rate_limit`,
    the token whose turn comes first), each with its own rate limit, as Genesys's Terraform
    provider does for bulk work; a 401 drops only the token that failed. Grants of one
    provider are made one at a time.

    Raises (from `get_token`): `AuthenticationError` with the server's description when the
    grant is refused, `TransportError` when the login host cannot be reached.

    .. versionchanged:: 0.2 `token_cache` and `pool_size`.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        region: str | None = None,
        login_url: str | None = None,
        refresh_margin: float = 60.0,
        token_cache: TokenCache | None = None,
        pool_size: int = 1,
        clock: Clock = time.monotonic,
    ) -> None:
        if not isinstance(client_id, str) or not client_id:
            msg = "ClientCredentials needs a non-empty client_id"
            raise ValueError(msg)
        if not isinstance(client_secret, str) or not client_secret:
            msg = "ClientCredentials needs a non-empty client_secret"
            raise ValueError(msg)
        if region is not None and login_url is not None:
            msg = "pass region or login_url to ClientCredentials, not both"
            raise ValueError(msg)
        check_seconds("refresh_margin", refresh_margin, allow_zero=True)
        self.client_id = client_id
        self._basic = "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode(
            "ascii"
        )
        self._login_url = _login_base(login_url) if login_url else None
        if region is not None:
            self._login_url = login_base_url(region)
        self.refresh_margin: float = float(refresh_margin)
        self._clock = clock
        self._sender: TokenRequestSender | None = None
        self._lock: anyio.Lock | None = None
        self.pool_size: int = check_int("pool_size", pool_size, minimum=1)
        self._members = [_Member(index) for index in range(pool_size)]
        self._turn = 0
        self.token_cache: TokenCache | None = token_cache
        self.token_requests: int = 0
        """How many token requests this provider has sent (for tests and metrics)."""

    def __repr__(self) -> str:
        where = redact_url(self._login_url) if self._login_url else "(the client's login host)"
        return (
            f"ClientCredentials(client_id={self.client_id!r}, client_secret={REDACTED}, "
            f"login_url={where!r})"
        )

    @property
    def login_url(self) -> str | None:
        """The login base URL (`https://login.{domain}`), once known."""
        return self._login_url

    def bind(self, sender: TokenRequestSender, api_base_url: str) -> None:
        """Called by `JourneyClient`: lend its HTTP stack, and its host if none was given."""
        self._sender = sender
        if self._login_url is None:
            self._login_url = api_base_url.replace("//api.", "//login.", 1).rstrip("/")

    async def get_token(self) -> str:
        """Return the cached token, or fetch a new one (one request for all concurrent callers).

        The caller that holds the lock makes the request. If it is cancelled (its own timeout,
        a task group's cancel) the next waiter takes over and makes the request itself: one
        caller's cancellation never fails another. If the request fails, every caller that
        was already waiting gets its own copy of that error, without a further request.
        With `pool_size` > 1 the pool's tokens take turns.
        """
        members = self._members
        member = members[0]
        if len(members) > 1:
            member = members[self._turn % len(members)]
            self._turn += 1
        token = member.token
        if token is not None and self._clock() < member.expires_at:
            return token
        return await self._refresh(member)

    async def get_tokens(self) -> list[str]:
        """Every token of the pool (`pool_size` of them), fetching those missing or stale.

        The client's per-token admission (`rate_limit=`) chooses among them.
        """
        now = self._clock()
        tokens = []
        for member in self._members:
            token = member.token
            if token is None or now >= member.expires_at:
                token = await self._refresh(member)
            tokens.append(token)
        return tokens

    async def _refresh(self, member: _Member) -> str:
        """Fetch a token for one member of the pool, single-flight (see `get_token`)."""
        if self._lock is None:
            self._lock = anyio.Lock()
        generation = member.generation
        async with self._lock:
            token = member.token
            if token is not None and self._clock() < member.expires_at:
                return token
            failure = member.failure
            if member.generation != generation and failure is not None:
                # Someone tried while we queued and failed: share the failure rather than
                # sending one more doomed request per waiting task.
                raise _own_copy(failure)
            member.generation += 1
            member.failure = None  # a cancelled attempt leaves None: the next waiter retries
            try:
                return await self._fetch(member)
            except Exception as exc:
                member.failure = exc
                raise

    def has_valid_token(self) -> bool:
        """Whether `get_token()` would answer from the cache, without a token request."""
        now = self._clock()
        return all(m.token is not None and now < m.expires_at for m in self._members)

    async def invalidate(self, token: str) -> None:
        """Drop the cached token if it is `token` (compare-and-invalidate); in a shared
        `token_cache`, delete it only if it is still `token` there (compare-and-delete)."""
        for member in self._members:
            if member.token is not None and member.token == token:
                member.token = None
                member.expires_at = 0.0
                if self.token_cache is not None and self._login_url is not None:
                    key = cache_key(self._login_url, self.client_id, member.index)
                    await self.token_cache.invalidate(key, token)

    async def _fetch(self, member: _Member) -> str:
        if self._sender is None or self._login_url is None:
            msg = "ClientCredentials must be given to a JourneyClient before use"
            raise RuntimeError(msg)
        started = self._clock()
        if self.token_cache is None:
            token, usable = await self._grant()
        else:
            key = cache_key(self._login_url, self.client_id, member.index)
            token, usable = await self.token_cache.fetch(key, self._grant)
            token = _check_token(token, "the token cache")
        member.token = token
        member.expires_at = started + usable
        return token

    async def _grant(self) -> tuple[str, float]:
        """One token request: the token and the seconds it may be used (its lifetime less
        the refresh margin, counted from when the request was sent)."""
        assert self._sender is not None and self._login_url is not None
        url = self._login_url + "/oauth/token"
        self.token_requests += 1
        response = await self._sender(
            url,
            {
                "Authorization": self._basic,
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            b"grant_type=client_credentials",
        )
        status = response.status_code
        text = response.text
        if status != 200:
            raise _token_error(response, url, text)
        try:
            data: Any = json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than Python recurses
            data = None
        access_token = data.get("access_token") if isinstance(data, dict) else None
        lifetime = data.get("expires_in", 3600) if isinstance(data, dict) else None
        if (
            not isinstance(access_token, str)
            or isinstance(lifetime, bool)
            or not isinstance(lifetime, int | float)
        ):
            msg = f"POST {url}: the token response is not the expected JSON"
            raise DecodeError(msg, path="$", raw="[token response withheld]")
        token = _check_token(access_token, "the token endpoint")
        expires_in = max(0.0, float(lifetime))  # a negative lifetime: use it once, then refresh
        margin = min(self.refresh_margin, expires_in / 2)
        return token, expires_in - margin


class _Member:
    """One token of a `ClientCredentials` pool, with its single-flight bookkeeping."""

    __slots__ = ("expires_at", "failure", "generation", "index", "token")

    def __init__(self, index: int) -> None:
        self.index = index
        self.token: str | None = None
        self.expires_at = 0.0
        self.generation = 0
        self.failure: Exception | None = None


def _token_error(response: httpx.Response, url: str, text: str) -> Exception:
    """Map a failed token response to an error carrying the server's description."""
    description = None
    code = None
    try:
        data = json.loads(text)
        if isinstance(data, dict):
            code = data.get("error") if isinstance(data.get("error"), str) else None
            for key in ("description", "error_description", "message"):
                if isinstance(data.get(key), str) and data[key]:
                    description = data[key]
                    break
    except (ValueError, RecursionError):
        pass
    text = scrub(text, response.request)
    if response.status_code in (400, 401):
        # OAuth answers every refused grant with 400 or 401, readable body or not.
        detail = description or code or " ".join(text.split())[:300] or response.reason_phrase
        detail = scrub(detail, response.request)
        reason = f"{code}: {detail}" if code and code != detail else detail
        msg = f"POST {url} -> {response.status_code}: token request refused: {reason}"
        return AuthenticationError(
            msg,
            status=response.status_code,
            request=redact_request(response.request),
            code=code,
            message=detail,
            correlation_id=response.headers.get("inin-correlation-id"),
            text=text,
        )
    return make_status_error(response, context=f"POST {url}")


def _login_base(login_url: str) -> str:
    """The login base URL from `login_url`, given with or without the `/oauth/token` path."""
    if not isinstance(login_url, str):
        msg = f"login_url must be a str, got {type(login_url).__name__}"
        raise ValueError(msg)
    if any(ord(ch) < 33 for ch in login_url):
        shown = redact_url(login_url)
        msg = f"login_url must be a URL without spaces or control characters, got {shown!r}"
        raise ValueError(msg)
    base = login_url.rstrip("/")
    if base.endswith("/oauth/token"):
        base = base[: -len("/oauth/token")]
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"login_url must be an absolute http(s) URL, got {redact_url(login_url)!r}"
        raise ValueError(msg)
    return base


def _own_copy(exc: Exception) -> Exception:
    """A copy of a shared failure for one waiter: its own object and traceback, the same
    cause (so tracebacks do not grow with every waiter that re-raises it)."""
    try:
        fresh = copy.copy(exc)
    except Exception:  # an exception type that cannot be rebuilt: share it after all
        return exc
    fresh.__cause__ = exc.__cause__
    fresh.__suppress_context__ = True
    return fresh


def as_token_provider(source: TokenSource) -> TokenProvider:
    """Normalize what the client accepts: a provider, an async callable, or a token string."""
    if isinstance(source, str):
        return StaticToken(source)
    if isinstance(source, TokenProvider):
        return source
    if callable(source):
        return CallableToken(source)
    msg = (
        "token_provider must be a TokenProvider, an async callable returning a token, or a str; "
        f"got {type(source).__name__}"
    )
    raise TypeError(msg)


class Auth:
    """The auth steps of every call, written once: the middleware layers (`auth_middleware`)
    and the send path's flat path (`_send.SendPath` without user middleware) both use them.

    `stamp` runs inside admission, right before the request leaves: it asks the provider for
    the token and sets `Authorization: Bearer ...`, so a request that queued for a slot or at
    the rate-limit gate never leaves with a token that expired meanwhile.

    Before admission, when a `ClientCredentials` provider has no valid token (`needs_grant`),
    the call waits for the grant first (`wait_for_grant`, within the call's deadline), so all
    the callers of a burst share one grant, or its one failure, before any of them queues for
    a slot. On a 401, `replays` calls `provider.invalidate(token)`; if `get_token()` then gives
    a different token, the request is to be sent once more (a replay, not a retry attempt) and
    `stamp` sets the new token. A second 401, or the same token again, is returned as is and
    becomes `AuthenticationError`.
    """

    __slots__ = ("_checked", "_clock", "_has_valid_token", "_header", "_provider")

    def __init__(self, provider: TokenProvider, clock: Clock) -> None:
        self._provider = provider
        self._clock = clock
        self._checked = ""  # the last token that passed _check_token: most calls reuse it
        self._header = (b"", b"", b"")  # its `Authorization` header, as httpx.Headers keeps it
        self._has_valid_token: Callable[[], bool] | None = getattr(
            provider, "has_valid_token", None
        )

    def needs_grant(self) -> bool:
        """True when the provider has no valid token and the call must wait for a grant."""
        has_valid_token = self._has_valid_token
        return has_valid_token is not None and not has_valid_token()

    async def wait_for_grant(self, request: httpx.Request) -> None:
        """Join (or make) the provider's token request, within the call's deadline."""
        await _wait_for_grant(self._provider, request, self._clock)

    async def stamp(self, request: httpx.Request) -> None:
        """Set `Authorization` from the replay's token, or the provider's current one."""
        token = request.extensions.pop(_REPLAY_TOKEN, None) or await self._provider.get_token()
        if token is not self._checked:
            self._checked = _check_token(token, "the token provider")
            self._header = (b"Authorization", b"authorization", b"Bearer " + token.encode())
        items = request.headers._list
        for _, lowered, _ in items:
            if lowered == b"authorization":  # a replay: set in the rejected token's place
                request.headers["Authorization"] = "Bearer " + token
                return
        # What `headers["Authorization"] = "Bearer " + token` appends, built once per token.
        items.append(self._header)

    async def replays(self, request: httpx.Request, response: httpx.Response) -> bool:
        """After a 401: True (the response closed, the fresh token noted for `stamp`) when the
        provider gives a token other than the rejected one; False to return the 401."""
        provider = self._provider
        token = request.headers.get("Authorization", "").partition(" ")[2]
        await provider.invalidate(token)
        fresh = _check_token(await provider.get_token(), "the token provider")
        if fresh == token:
            return False
        await response.aclose()
        request.extensions[_REPLAY_TOKEN] = fresh  # the provider is asked once per refresh
        return True


def auth_middleware(provider: TokenProvider, clock: Clock) -> tuple[Middleware, Middleware]:
    """The two auth layers of a call, `(refresh, stamp)`, for a chain with user middleware:
    `refresh` (grant wait, 401 replay) outside admission, `stamp` inside it (see `Auth`)."""
    auth = Auth(provider, clock)

    async def stamp_mw(request: httpx.Request, call_next: Handler) -> httpx.Response:
        await auth.stamp(request)
        return await call_next(request)

    async def refresh_mw(request: httpx.Request, call_next: Handler) -> httpx.Response:
        if auth.needs_grant():
            await auth.wait_for_grant(request)
        response = await call_next(request)
        if response.status_code == 401 and await auth.replays(request, response):
            return await call_next(request)
        return response

    return refresh_mw, stamp_mw


REPLAY_TOKEN = _REPLAY_TOKEN = "journey_async.replay_token"
"""The token the next attempt must carry: set by a replay after a 401, and by per-token
admission (`rate_limit=`), which chooses the token before the stamp layer runs."""


async def _wait_for_grant(provider: TokenProvider, request: httpx.Request, clock: Clock) -> None:
    """Join (or make) the provider's token request, bounded by the call's deadline."""
    deadline = request.extensions.get(DEADLINE)
    if deadline is None:
        await provider.get_token()
        return
    with anyio.move_on_after(deadline - clock()) as scope:
        await provider.get_token()
    if scope.cancelled_caught:
        msg = "no access token came within the call's retry budget"
        raise httpx.PoolTimeout(msg, request=request)
