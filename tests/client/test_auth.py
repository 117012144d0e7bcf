"""Token providers and the auth middleware: StaticToken, async callables, ClientCredentials."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx

from journey_async import (
    AuthenticationError,
    ClientCredentials,
    JourneyClient,
    JourneyError,
    RetryPolicy,
    StaticToken,
    TransportError,
)

if TYPE_CHECKING:
    from conftest import SleepRecorder

pytestmark = pytest.mark.anyio

BASE_URL = "https://api.test.invalid"  # as in conftest.py
PATH = "/api/v2/journey/actiontargets/t1"
CLIENT_ID = "client-id-7c1e"
SECRET = "s3cr3t-value-9d2b"
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
BASIC_B64 = BASIC.removeprefix("Basic ")


class FakeGenesys:
    """A fake login host plus API: issues tokens `tok-1`, `tok-2`... and checks them.

    Counts token requests and API requests; the API answers 401 for unknown or revoked tokens.
    `token_override` can replace token-endpoint answers (a list, served first, in order).
    """

    def __init__(
        self, *, expires_in: int = 3600, api_yields: bool = False, stagger: bool = False
    ) -> None:
        self.expires_in = expires_in
        self.api_yields = api_yields
        self.stagger = stagger
        """Answer request n after 1 + n % 8 scheduler turns, so responses trickle in."""
        self.token_requests: list[httpx.Request] = []
        self.api_requests: list[httpx.Request] = []
        self.api_auth: list[str | None] = []
        """The Authorization header of each API request as it was sent (requests are reused)."""
        self.issued: list[str] = []
        self.revoked: set[str] = set()
        self.token_override: list[httpx.Response | Exception] = []
        self.api_401s = 0

    @property
    def token_count(self) -> int:
        return len(self.token_requests)

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            return await self.token(request)
        return await self.api(request)

    async def token(self, request: httpx.Request) -> httpx.Response:
        self.token_requests.append(request)
        await anyio.lowlevel.checkpoint()  # concurrent callers pile up behind the lock
        if self.token_override:
            item = self.token_override.pop(0)
            if isinstance(item, Exception):
                raise type(item)(str(item), request=request)  # type: ignore[call-arg]
            return item
        if request.method != "POST" or request.headers.get("Authorization") != BASIC:
            return httpx.Response(401, json={"error": "invalid_client", "description": "bad"})
        token = f"tok-{len(self.issued) + 1}"
        self.issued.append(token)
        return httpx.Response(
            200,
            json={"access_token": token, "token_type": "bearer", "expires_in": self.expires_in},
        )

    async def api(self, request: httpx.Request) -> httpx.Response:
        self.api_requests.append(request)
        self.api_auth.append(request.headers.get("Authorization"))
        if self.api_yields:
            turns = 1 + len(self.api_requests) % 8 if self.stagger else 1
            for _ in range(turns):
                await anyio.lowlevel.checkpoint()  # keep many requests in flight at once
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        if not auth.startswith("Bearer ") or token not in self.issued or token in self.revoked:
            self.api_401s += 1
            return httpx.Response(
                401, json={"status": 401, "code": "bad.credentials", "message": "Invalid login"}
            )
        return httpx.Response(200, json={"id": "t1"})


@asynccontextmanager
async def client_over(
    handler: Callable[[httpx.Request], Any],
    provider: Any,
    sleeper: SleepRecorder,
    **kwargs: Any,
) -> AsyncIterator[JourneyClient]:
    """A JourneyClient whose HTTP goes to `handler` through a MockTransport, with fake sleeps."""
    kwargs.setdefault("base_url", BASE_URL)
    kwargs.setdefault("retry", RetryPolicy())
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http,
        JourneyClient(
            provider, http_client=http, sleep=sleeper, clock=sleeper.clock, **kwargs
        ) as client,
    ):
        yield client


def assert_no_secrets(*texts: str) -> None:
    """None of the texts contains the secret, its Basic encoding, or an issued token."""
    for text in texts:
        assert SECRET not in text
        assert BASIC_B64 not in text
        assert "tok-1" not in text and "tok-2" not in text


def error_texts(exc: BaseException) -> list[str]:
    texts = [str(exc), repr(exc)]
    request = getattr(exc, "request", None)
    if request is not None:
        texts.extend(f"{k}: {v}" for k, v in request.headers.items())
    return texts


# ---------------------------------------------------------------------------------------------
# StaticToken


async def test_static_token_sends_bearer_header(router: respx.Router, sleeper: SleepRecorder):
    """A StaticToken is sent as `Authorization: Bearer <token>`."""
    route = router.get(PATH).respond(200, json={"id": "t1"})
    async with client_over(router.async_handler, StaticToken("static-abc"), sleeper) as client:
        await client.get_journey_actiontarget("t1")
    assert route.calls.last.request.headers["Authorization"] == "Bearer static-abc"


async def test_plain_string_is_a_static_token(router: respx.Router, sleeper: SleepRecorder):
    """A str token_provider behaves as StaticToken."""
    route = router.get(PATH).respond(200, json={"id": "t1"})
    async with client_over(router.async_handler, "plain-abc", sleeper) as client:
        assert isinstance(client.token_provider, StaticToken)
        await client.get_journey_actiontarget("t1")
    assert route.calls.last.request.headers["Authorization"] == "Bearer plain-abc"


async def test_static_token_401_raises_after_exactly_one_request(
    router: respx.Router, sleeper: SleepRecorder
):
    """A 401 with a StaticToken raises AuthenticationError after one request, no retry."""
    route = router.get(PATH).respond(
        401, json={"status": 401, "code": "bad.credentials", "message": "Invalid login"}
    )
    async with client_over(router.async_handler, StaticToken("static-abc"), sleeper) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.get_journey_actiontarget("t1")
    assert route.call_count == 1
    assert sleeper.waits == []
    assert info.value.status == 401
    assert info.value.code == "bad.credentials"
    for text in error_texts(info.value):
        assert "static-abc" not in text


def test_static_token_repr_hides_the_token():
    """repr(StaticToken) does not show the token."""
    assert "static-abc" not in repr(StaticToken("static-abc"))
    assert "static-abc" not in str(StaticToken("static-abc"))


# ---------------------------------------------------------------------------------------------
# Plain async callables


async def test_callable_provider_is_called_per_request(
    router: respx.Router, sleeper: SleepRecorder
):
    """A plain async callable is awaited for every request and its token is sent."""
    calls = 0

    async def provider() -> str:
        nonlocal calls
        calls += 1
        return f"cb-{calls}"

    route = router.get(PATH).respond(200, json={"id": "t1"})
    async with client_over(router.async_handler, provider, sleeper) as client:
        for _ in range(3):
            await client.get_journey_actiontarget("t1")
    assert calls == 3
    sent = [c.request.headers["Authorization"] for c in route.calls]
    assert sent == ["Bearer cb-1", "Bearer cb-2", "Bearer cb-3"]


async def test_callable_401_then_new_token_is_replayed_once(
    router: respx.Router, sleeper: SleepRecorder
):
    """After a 401 the callable is asked again; a different token replays the request once."""
    tokens = iter(["old-token", "new-token"])

    async def provider() -> str:
        return next(tokens)

    sent: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer new-token":
            return httpx.Response(200, json={"id": "t1"})
        return httpx.Response(401)

    route = router.get(PATH).mock(side_effect=server)
    async with client_over(router.async_handler, provider, sleeper) as client:
        target = await client.get_journey_actiontarget("t1")
    assert target.id == "t1"
    assert route.call_count == 2
    assert sent == ["Bearer old-token", "Bearer new-token"]
    assert sleeper.waits == []  # a replay, not a retry


async def test_callable_returning_same_token_after_401_raises(
    router: respx.Router, sleeper: SleepRecorder
):
    """If the callable gives the same token after a 401, AuthenticationError is raised."""
    calls = 0

    async def provider() -> str:
        nonlocal calls
        calls += 1
        return "same-token"

    route = router.get(PATH).respond(401)
    async with client_over(router.async_handler, provider, sleeper) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.get_journey_actiontarget("t1")
    assert route.call_count == 1
    assert calls == 2
    assert "same-token" not in str(info.value)


async def test_second_401_after_replay_raises(router: respx.Router, sleeper: SleepRecorder):
    """A 401 for the replayed request too raises AuthenticationError: one replay only."""
    tokens = iter(["a-token", "b-token", "c-token"])

    async def provider() -> str:
        return next(tokens)

    route = router.get(PATH).respond(401)
    async with client_over(router.async_handler, provider, sleeper) as client:
        with pytest.raises(AuthenticationError):
            await client.get_journey_actiontarget("t1")
    assert route.call_count == 2


# ---------------------------------------------------------------------------------------------
# ClientCredentials: the token request


async def test_client_credentials_token_request_shape(sleeper: SleepRecorder):
    """The token request is a POST with Basic id:secret, form grant_type and form content type."""
    fake = FakeGenesys()
    provider = ClientCredentials(CLIENT_ID, SECRET)
    async with client_over(fake, provider, sleeper) as client:
        await client.get_journey_actiontarget("t1")
    (request,) = fake.token_requests
    assert request.method == "POST"
    assert str(request.url) == "https://login.test.invalid/oauth/token"
    assert request.headers["Authorization"] == BASIC
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {"grant_type": ["client_credentials"]}
    assert fake.api_auth[0] == "Bearer tok-1"


@pytest.mark.parametrize(
    ("kwargs", "base_url", "expected"),
    [
        pytest.param({}, "https://fake.test.invalid", "https://fake.test.invalid", id="no-api"),
        pytest.param({}, "https://api.x.example", "https://login.x.example", id="api-to-login"),
        pytest.param(
            {}, "https://api.x.example:8443/", "https://login.x.example:8443", id="port-kept"
        ),
        pytest.param(
            {"region": "mypurecloud.ie"},
            "https://api.x.example",
            "https://login.mypurecloud.ie",
            id="explicit-region",
        ),
        pytest.param(
            {"region": "eu-central-1"},
            "https://api.x.example",
            "https://login.mypurecloud.de",
            id="explicit-aws-region",
        ),
        pytest.param(
            {"login_url": "https://gw.example/login/"},
            "https://api.x.example",
            "https://gw.example/login",
            id="login-url-override",
        ),
    ],
)
async def test_login_url_derivation(
    sleeper: SleepRecorder, kwargs: dict[str, str], base_url: str, expected: str
):
    """The token URL follows region/login_url, else the base_url with `//api.` -> `//login.`."""
    fake = FakeGenesys()
    provider = ClientCredentials(CLIENT_ID, SECRET, **kwargs)  # type: ignore[arg-type]
    async with client_over(fake, provider, sleeper, base_url=base_url) as client:
        await client.get_journey_actiontarget("t1")
    assert provider.login_url == expected
    assert str(fake.token_requests[0].url) == expected + "/oauth/token"


async def test_login_url_follows_client_region(sleeper: SleepRecorder):
    """Without base_url, the login host is login.{domain} of the client's region."""
    fake = FakeGenesys()
    provider = ClientCredentials(CLIENT_ID, SECRET)
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(fake)) as http,
        JourneyClient(
            provider, region="eu-west-1", http_client=http, sleep=sleeper, clock=sleeper.clock
        ) as client,
    ):
        await client.get_journey_actiontarget("t1")
    assert str(fake.token_requests[0].url) == "https://login.mypurecloud.ie/oauth/token"
    assert str(fake.api_requests[0].url).startswith("https://api.mypurecloud.ie/")


def test_region_and_login_url_together_is_an_error():
    """Passing both region and login_url to ClientCredentials is a ValueError."""
    with pytest.raises(ValueError, match="region or login_url"):
        ClientCredentials(CLIENT_ID, SECRET, region="mypurecloud.ie", login_url="https://x")


# ---------------------------------------------------------------------------------------------
# ClientCredentials: caching and concurrency


async def test_200_concurrent_calls_make_one_token_request(sleeper: SleepRecorder):
    """200 concurrent calls with a cold provider cause exactly one token request."""
    fake = FakeGenesys(api_yields=True)
    provider = ClientCredentials(CLIENT_ID, SECRET)
    done = 0

    async def one(client: JourneyClient) -> None:
        nonlocal done
        await client.get_journey_actiontarget("t1")
        done += 1

    async with client_over(fake, provider, sleeper) as client, anyio.create_task_group() as tg:
        for _ in range(200):
            tg.start_soon(one, client)
    assert done == 200
    assert fake.token_count == 1
    assert len(fake.api_requests) == 200
    assert set(fake.api_auth) == {"Bearer tok-1"}


async def test_token_cached_until_expires_in_minus_refresh_margin(sleeper: SleepRecorder):
    """The token is reused until expires_in - refresh_margin on the injected clock, then renewed."""
    fake = FakeGenesys(expires_in=3600)
    now = [5000.0]
    provider = ClientCredentials(CLIENT_ID, SECRET, refresh_margin=60.0, clock=lambda: now[0])
    async with client_over(fake, provider, sleeper) as client:
        await client.get_journey_actiontarget("t1")
        assert fake.token_count == 1
        now[0] += 3539.0
        await client.get_journey_actiontarget("t1")
        assert fake.token_count == 1
        now[0] += 1.0  # exactly expires_in - refresh_margin after the request began
        await client.get_journey_actiontarget("t1")
        assert fake.token_count == 2
        await client.get_journey_actiontarget("t1")
        assert fake.token_count == 2
    auths = fake.api_auth
    assert auths == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2", "Bearer tok-2"]


async def test_expired_token_with_concurrent_callers_makes_one_new_request(
    sleeper: SleepRecorder,
):
    """When the cached token expires, 20 concurrent callers make one new token request."""
    fake = FakeGenesys(expires_in=600, api_yields=True)
    now = [0.0]
    provider = ClientCredentials(CLIENT_ID, SECRET, clock=lambda: now[0])
    async with client_over(fake, provider, sleeper) as client:
        await client.get_journey_actiontarget("t1")
        now[0] += 10_000.0
        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(client.get_journey_actiontarget, "t1")
    assert fake.token_count == 2
    assert fake.api_auth[1:] == ["Bearer tok-2"] * 20


# ---------------------------------------------------------------------------------------------
# ClientCredentials: revocation and 401 bursts


async def test_revoked_token_is_refreshed_once_and_the_call_succeeds(sleeper: SleepRecorder):
    """A 401 for a revoked cached token causes one refresh and a successful replay."""
    fake = FakeGenesys()
    provider = ClientCredentials(CLIENT_ID, SECRET)
    async with client_over(fake, provider, sleeper) as client:
        await client.get_journey_actiontarget("t1")
        fake.revoked.add("tok-1")
        target = await client.get_journey_actiontarget("t1")
    assert target.id == "t1"
    assert fake.token_count == 2
    assert fake.api_401s == 1
    assert fake.api_auth == [
        "Bearer tok-1",
        "Bearer tok-1",
        "Bearer tok-2",
    ]
    assert sleeper.waits == []


async def test_burst_of_401s_for_one_token_causes_one_refresh(sleeper: SleepRecorder):
    """20 concurrent 401s for the same old token, some arriving after the refresh, cause one.

    No in-flight cap, so all 20 leave with the old token (with the default cap of 8, requests
    that queued for a slot would already carry the new one)."""
    fake = FakeGenesys(api_yields=True, stagger=True)
    provider = ClientCredentials(CLIENT_ID, SECRET)
    async with client_over(fake, provider, sleeper, max_in_flight=None) as client:
        await client.get_journey_actiontarget("t1")
        fake.revoked.add("tok-1")
        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(client.get_journey_actiontarget, "t1")
    assert fake.api_401s == 20
    assert fake.token_count == 2
    assert fake.api_auth[1:21] == ["Bearer tok-1"] * 20
    assert fake.api_auth[21:] == ["Bearer tok-2"] * 20


async def test_401_after_refresh_raises_authentication_error(sleeper: SleepRecorder):
    """If the fresh token is rejected too, AuthenticationError is raised (no loop)."""
    fake = FakeGenesys()
    provider = ClientCredentials(CLIENT_ID, SECRET)

    async def reject_all(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            return await fake.token(request)
        fake.api_requests.append(request)
        return httpx.Response(401)

    async with client_over(reject_all, provider, sleeper) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.get_journey_actiontarget("t1")
    assert len(fake.api_requests) == 2
    assert fake.token_count == 2
    for text in error_texts(info.value):
        assert_no_secrets(text)


# ---------------------------------------------------------------------------------------------
# ClientCredentials: failures at the token endpoint


async def test_bad_secret_raises_authentication_error_with_description(sleeper: SleepRecorder):
    """A refused grant raises AuthenticationError with the server's description, not the secret."""
    fake = FakeGenesys()
    fake.token_override = [
        httpx.Response(401, json={"error": "invalid_client", "description": "client not found"})
    ]
    provider = ClientCredentials(CLIENT_ID, SECRET)
    async with client_over(fake, provider, sleeper) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.get_journey_actiontarget("t1")
    assert "client not found" in str(info.value)
    assert info.value.status == 401
    assert info.value.code == "invalid_client"
    assert fake.token_count == 1
    assert fake.api_requests == []
    assert sleeper.waits == []
    for text in error_texts(info.value):
        assert_no_secrets(text)


async def test_rejected_grant_400_with_error_description(sleeper: SleepRecorder):
    """A 400 grant error with `error_description` also raises AuthenticationError carrying it."""
    fake = FakeGenesys()
    fake.token_override = [
        httpx.Response(
            400, json={"error": "invalid_grant", "error_description": "grant type not allowed"}
        )
    ]
    provider = ClientCredentials(CLIENT_ID, SECRET)
    async with client_over(fake, provider, sleeper) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.get_journey_actiontarget("t1")
    assert "grant type not allowed" in str(info.value)
    assert info.value.status == 400


async def test_concurrent_callers_share_one_refused_grant(sleeper: SleepRecorder):
    """20 concurrent callers with a bad secret all fail, after one token request."""
    fake = FakeGenesys()
    refused = {"error": "invalid_client", "description": "client not found"}
    fake.token_override = [httpx.Response(401, json=refused) for _ in range(20)]
    provider = ClientCredentials(CLIENT_ID, SECRET)
    failures: list[BaseException] = []

    async def one(client: JourneyClient) -> None:
        try:
            await client.get_journey_actiontarget("t1")
        except AuthenticationError as exc:
            failures.append(exc)

    async with client_over(fake, provider, sleeper) as client, anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(one, client)
    assert len(failures) == 20
    assert fake.token_count == 1


async def test_token_endpoint_429_is_retried(sleeper: SleepRecorder):
    """A 429 from the token endpoint is retried per the client's policy, then the call succeeds."""
    fake = FakeGenesys()
    fake.token_override = [httpx.Response(429, headers={"Retry-After": "2"})]
    provider = ClientCredentials(CLIENT_ID, SECRET)
    async with client_over(fake, provider, sleeper) as client:
        target = await client.get_journey_actiontarget("t1")
    assert target.id == "t1"
    assert fake.token_count == 2
    assert sleeper.waits == [2.0]
    assert fake.api_auth[0] == "Bearer tok-1"


async def test_token_endpoint_503_is_retried(sleeper: SleepRecorder):
    """A 503 from the token endpoint is retried with backoff."""
    fake = FakeGenesys()
    fake.token_override = [httpx.Response(503)]
    provider = ClientCredentials(CLIENT_ID, SECRET)
    async with client_over(fake, provider, sleeper) as client:
        await client.get_journey_actiontarget("t1")
    assert fake.token_count == 2
    assert len(sleeper.waits) == 1


async def test_token_endpoint_network_failure_raises_transport_error(sleeper: SleepRecorder):
    """A connection failure at the token endpoint (every attempt) raises TransportError."""
    fake = FakeGenesys()
    fake.token_override = [httpx.ConnectError("connection refused") for _ in range(10)]
    provider = ClientCredentials(CLIENT_ID, SECRET)
    async with client_over(fake, provider, sleeper) as client:
        with pytest.raises(TransportError) as info:
            await client.get_journey_actiontarget("t1")
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert fake.token_count == 4  # the client's max_attempts, not more
    assert fake.api_requests == []
    for text in error_texts(info.value):
        assert_no_secrets(text)


async def test_token_endpoint_network_failure_without_retry(sleeper: SleepRecorder):
    """With retry=None a token-endpoint connection failure is a TransportError after one try."""
    fake = FakeGenesys()
    fake.token_override = [httpx.ConnectError("connection refused")]
    provider = ClientCredentials(CLIENT_ID, SECRET)
    async with client_over(fake, provider, sleeper, retry=None) as client:
        with pytest.raises(TransportError):
            await client.get_journey_actiontarget("t1")
    assert fake.token_count == 1


async def test_provider_recovers_after_a_failed_token_request(sleeper: SleepRecorder):
    """A failed token request is not cached: the next call fetches a token and succeeds."""
    fake = FakeGenesys()
    fake.token_override = [
        httpx.Response(401, json={"error": "invalid_client", "description": "try later"})
    ]
    provider = ClientCredentials(CLIENT_ID, SECRET)
    async with client_over(fake, provider, sleeper) as client:
        with pytest.raises(AuthenticationError):
            await client.get_journey_actiontarget("t1")
        target = await client.get_journey_actiontarget("t1")
    assert target.id == "t1"
    assert fake.token_count == 2


# ---------------------------------------------------------------------------------------------
# Middleware, secrecy, from_env


async def test_user_middleware_does_not_see_token_requests(sleeper: SleepRecorder):
    """User middleware sees API attempts with Authorization set, never the token endpoint."""
    fake = FakeGenesys()
    seen: list[tuple[str, str | None]] = []

    async def spy(request: httpx.Request, call_next):
        seen.append((request.url.path, request.headers.get("Authorization")))
        return await call_next(request)

    provider = ClientCredentials(CLIENT_ID, SECRET)
    async with client_over(fake, provider, sleeper, middleware=[spy]) as client:
        await client.get_journey_actiontarget("t1")
        fake.revoked.add("tok-1")
        await client.get_journey_actiontarget("t1")
    assert fake.token_count == 2
    assert seen == [(PATH, "Bearer tok-1"), (PATH, "Bearer tok-1"), (PATH, "Bearer tok-2")]


def test_client_credentials_repr_hides_the_secret():
    """repr(ClientCredentials) shows the client id but never the secret or its Basic form."""
    provider = ClientCredentials(CLIENT_ID, SECRET, region="mypurecloud.ie")
    text = repr(provider)
    assert CLIENT_ID in text
    assert_no_secrets(text, str(provider))


async def test_repr_never_shows_a_cached_token(sleeper: SleepRecorder):
    """After fetching a token, neither the provider's nor the client's repr shows it."""
    fake = FakeGenesys()
    provider = ClientCredentials(CLIENT_ID, SECRET)
    async with client_over(fake, provider, sleeper) as client:
        await client.get_journey_actiontarget("t1")
        assert_no_secrets(repr(provider), repr(client))


async def test_logs_never_contain_secret_or_token(
    sleeper: SleepRecorder, caplog: pytest.LogCaptureFixture
):
    """At DEBUG, logs of token requests, retries and refreshes contain no secret or token."""
    caplog.set_level(logging.DEBUG)
    fake = FakeGenesys()
    fake.token_override = [httpx.Response(503, headers={"Retry-After": "1"})]
    provider = ClientCredentials(CLIENT_ID, SECRET)
    async with client_over(fake, provider, sleeper) as client:
        await client.get_journey_actiontarget("t1")
        fake.revoked.add("tok-1")
        await client.get_journey_actiontarget("t1")
    assert fake.token_count == 3
    assert [r for r in caplog.records if r.name == "journey_async"]
    assert_no_secrets(caplog.text)
    assert "Bearer" not in caplog.text and "Basic" not in caplog.text


async def test_error_from_api_after_auth_hides_token(sleeper: SleepRecorder):
    """An API error raised with a ClientCredentials token shows neither token nor secret."""
    fake = FakeGenesys()

    async def forbidden(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            return await fake.token(request)
        return httpx.Response(403, json={"message": "missing permission"})

    provider = ClientCredentials(CLIENT_ID, SECRET)
    async with client_over(forbidden, provider, sleeper) as client:
        with pytest.raises(JourneyError) as info:
            await client.get_journey_actiontarget("t1")
    assert "missing permission" in str(info.value)
    for text in error_texts(info.value):
        assert_no_secrets(text)


async def test_from_env_builds_client_credentials(monkeypatch: pytest.MonkeyPatch):
    """from_env with GENESYSCLOUD_OAUTHCLIENT_ID/SECRET builds a ClientCredentials provider."""
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET)
    monkeypatch.setenv("GENESYSCLOUD_REGION", "eu-west-1")
    async with JourneyClient.from_env() as client:
        provider = client.token_provider
        assert isinstance(provider, ClientCredentials)
        assert provider.client_id == CLIENT_ID
        assert client.base_url == "https://api.mypurecloud.ie"
        assert provider.login_url == "https://login.mypurecloud.ie"
        assert_no_secrets(repr(provider), repr(client))


async def test_from_env_default_region(monkeypatch: pytest.MonkeyPatch):
    """Without GENESYSCLOUD_REGION, from_env uses mypurecloud.com."""
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", SECRET)
    async with JourneyClient.from_env() as client:
        assert isinstance(client.token_provider, ClientCredentials)
        assert client.base_url == "https://api.mypurecloud.com"
        assert client.token_provider.login_url == "https://login.mypurecloud.com"


def test_from_env_missing_secret_names_the_variable(monkeypatch: pytest.MonkeyPatch):
    """A missing secret is a ValueError naming GENESYSCLOUD_OAUTHCLIENT_SECRET."""
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", CLIENT_ID)
    with pytest.raises(ValueError, match="GENESYSCLOUD_OAUTHCLIENT_SECRET"):
        JourneyClient.from_env()
