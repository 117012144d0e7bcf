"""`FakeJourneyApi`: an in-memory Journey API with the real wire format, for tests and demos.

It serves the Journey operations of both eras and `POST /oauth/token`: the eight of 2020
(`_data2020`) and the 29 of today (SDK 269: `_routes2026`, with sessions, events, segments,
action maps, action templates, journey views and asynchronous aggregates jobs), with the
wire format of the references (cursor `nextUri` carrying `after`, page-number listings with
`pageCount`, the `cursor` field of job results, ErrorBody errors with `inin-correlation-id`,
429 with `Retry-After`, the Basic-auth token grant). It checks what the real server checks
(the bearer token, page sizes, enum values, body shapes against the schemas) and answers like
it. Data is generated from a seed: the same seed gives the same ids and payloads, and
assignments, sessions and events are computed on demand, so there can be millions of them
without using memory. Today's data is only built when a route of today's API is first used.

The same handler runs in-process (`api.transport()`, an httpx transport: no sockets) and on a
loopback port (`api.serve()`, `api.serve_in_thread()`, or `python -m journey_async.testing
serve`); `api.asgi` is an ASGI app for uvicorn or hypercorn.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import math
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import anyio
import attrs
import httpx

from . import _app
from ._analytics import aggregate
from ._data2020 import Journey2020
from ._limits import FixedWindows, TokenBucket, limit_reply
from ._routes2026 import Api2026
from ._server import Reply, serve, serve_in_thread
from ._util import ApiError, json_object, mix, uuid

__all__ = ["FakeJourneyApi", "FakeFaults", "FakeStats"]

_JSON = [("Content-Type", "application/json")]
_STATUS = {"post_analytics_journeys_aggregates_jobs": 202}
"""Routes that succeed with another status than 200 (204: those that answer no body)."""
_SERVER_ERRORS = {500: "internal.server.error", 502: "bad.gateway", 503: "service.unavailable"}


@attrs.define
class FakeFaults:
    """Fault switches; change them at any time (`api.faults.latency = 0.05`).

    Counters count API requests (not token requests), starting at 1.
    """

    rate_limit_every: int = 0
    """Every Nth request answers 429 with `Retry-After` (0: never)."""
    retry_after: float = 1.0
    """The `Retry-After` of injected 429s and of the token bucket's whole-second answers."""
    rate_limit: tuple[float, float] | None = None
    """A token bucket `(requests per second, burst)`: 429 with `Retry-After` when empty."""
    server_error_every: int = 0
    """Every Nth request answers `server_error_status` (0: never)."""
    server_error_status: int = 503
    malformed_every: int = 0
    """Every Nth successful answer has its JSON body cut in half (0: never)."""
    drop_every: int = 0
    """Every Nth request is dropped without an answer (0: never)."""
    latency: float = 0.0
    """Seconds to wait before answering each request."""
    fail_next: list[int] = attrs.field(factory=list)
    """Statuses to answer, in order, to the next requests (a storm: `[429] * 20`)."""
    job_failure: str | None = None
    """While set, aggregates jobs that finish end `FAILED` with this `errorMessage`."""
    token_rate_limit: tuple[int, float] | None = None
    """Genesys's limit per access token (`token.rate.per.minute`, 300 a minute by default):
    `(requests, window seconds)`, counted in fixed windows per bearer token. A request over it
    answers 429 `too.many.requests.retry.after` with "Retry the request in [N] seconds" and
    `Retry-After: N`, N the whole seconds until the token's window ends (at least 1).
    `(300, 60.0)` is Genesys's default; tests use short windows."""
    grant_rate_limit: tuple[int, float] | None = None
    """The grant limit per OAuth client: `(grants, window seconds)` in fixed windows; a token
    request over it answers 429 with the same body and `Retry-After`."""


@attrs.define
class FakeStats:
    """What the fake has seen; `api.stats` is replaced by a fresh one on `reset_stats()`."""

    requests: int = 0
    token_requests: int = 0
    grants: int = 0
    """Tokens issued (token requests answered 200)."""
    by_status: Counter[int] = attrs.field(factory=Counter)
    by_route: Counter[str] = attrs.field(factory=Counter)
    rate_limited: int = 0
    dropped: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    by_token: Counter[str] = attrs.field(factory=Counter)
    """Authorized API requests per bearer token (the fake's own tokens, not secrets)."""


class FakeJourneyApi:
    """An in-memory fake of the Journey API (see the module docstring).

    Args:
        seed: makes the generated ids and payloads deterministic.
        action_targets: how many action targets exist.
        sessions, assignments_per_session: sessions and the segment assignments of each.
        customers, assignments_per_customer: customers (cookie ids) and their assignments.
        external_contacts, assignments_per_contact: likewise for external contacts.
        client_id, client_secret: what `POST /oauth/token` accepts (HTTP Basic).
        tokens: bearer tokens accepted as they are, besides those the token endpoint issues.
        token_ttl: `expires_in` of issued tokens, in seconds.
        require_auth: False accepts requests without a valid bearer token.
        default_page_size: the cursor listings' page size when none is asked for.
        segments, action_maps, action_templates, views: how many of each are generated
            (today's API; segment ids are those the 2020 assignments name).
        sessions_per_contact: generated sessions of each external contact, after the
            2020 sessions it owns (session `i` belongs to contact `i % external_contacts`).
        events_per_session: events of each session (today's `.../events`).
        job_polls, job_seconds: an aggregates job answers QUEUED then PENDING to its first
            `job_polls` status requests and until `job_seconds` have passed; 0 and 0.0
            (the defaults): FULFILLED at the first.

    The generated ids are in `action_target_ids`, `session_ids`, `customer_ids`,
    `external_contact_ids` and (today's API) `segment_ids`, `action_map_ids`,
    `action_template_ids`, `view_ids`; `merged_contact_ids` and `contact_session_ids()` tell
    which contacts absorbed another and which sessions a contact has.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        action_targets: int = 50,
        sessions: int = 10,
        assignments_per_session: int = 60,
        customers: int = 10,
        assignments_per_customer: int = 40,
        external_contacts: int = 10,
        assignments_per_contact: int = 30,
        client_id: str = "fake-client-id",
        client_secret: str = "fake-client-secret",
        tokens: tuple[str, ...] = ("fake-token",),
        token_ttl: int = 86400,
        require_auth: bool = True,
        default_page_size: int = 25,
        segments: int = 40,
        action_maps: int = 30,
        action_templates: int = 12,
        views: int = 8,
        sessions_per_contact: int = 3,
        events_per_session: int = 40,
        job_polls: int = 0,
        job_seconds: float = 0.0,
    ) -> None:
        self.seed: int = seed
        self.faults: FakeFaults = FakeFaults()
        self.stats: FakeStats = FakeStats()
        self.client_id: str = client_id
        self.client_secret: str = client_secret
        self.token_ttl: int = token_ttl
        self.require_auth: bool = require_auth
        self.default_page_size: int = default_page_size
        self._static_tokens = set(tokens)
        self._issued: dict[str, float] = {}  # token -> monotonic expiry
        self._counter = 0
        self._bucket = TokenBucket()
        self._windows = FixedWindows()

        data = Journey2020(
            seed,
            action_targets,
            sessions,
            assignments_per_session,
            customers,
            assignments_per_customer,
            external_contacts,
            assignments_per_contact,
        )
        self._v2020 = data
        self.action_target_ids: list[str] = data.action_target_ids
        self.session_ids: list[str] = data.session_ids
        self.customer_ids: list[tuple[str, str]] = data.customer_ids
        self.external_contact_ids: list[str] = data.external_contact_ids
        self.segment_updates: dict[str, dict[str, str]] = data.segment_updates
        """What `post_journey_externalcontact_segments` set: contact id -> segment id -> state."""
        self._today: dict[str, Any] = {
            "segments": segments,
            "action_maps": action_maps,
            "action_templates": action_templates,
            "views": views,
            "sessions_per_contact": sessions_per_contact,
            "events_per_session": events_per_session,
            "job_polls": job_polls,
            "job_seconds": job_seconds,
        }
        self._v2026: Api2026 | None = None

    # -- data -------------------------------------------------------------------------------

    def assignment(self, kind: int, owner: int, k: int, owner_id: str) -> dict[str, Any]:
        """The k-th generated 2020 assignment of an owner (session, customer or contact)."""
        return self._v2020.assignment(kind, owner, k, owner_id)

    def _api2026(self) -> Api2026:
        """Today's data (segments, action maps, templates, views, sessions, events, jobs)."""
        if self._v2026 is None:
            self._v2026 = Api2026(
                self.seed,
                contact_ids=self.external_contact_ids,
                old_sessions=self.session_ids,
                **self._today,
            )
        return self._v2026

    @property
    def segment_ids(self) -> list[str]:
        """The generated segments (today's API; some may since have been deleted)."""
        return self._api2026().config.segments.ids

    @property
    def action_map_ids(self) -> list[str]:
        return self._api2026().config.maps.ids

    @property
    def action_template_ids(self) -> list[str]:
        return self._api2026().config.templates.ids

    @property
    def view_ids(self) -> list[str]:
        return self._api2026().config.views.ids

    @property
    def merged_contact_ids(self) -> dict[str, str]:
        """External contact id -> the id of the contact merged into it (`includeMerged`)."""
        journeys = self._api2026().journeys
        return {self.external_contact_ids[j]: merged for j, merged in journeys.merged.items()}

    def contact_session_ids(self, contact_id: str, *, include_merged: bool = False) -> list[str]:
        """The ids of an external contact's sessions, in the order its listing gives them."""
        journeys = self._api2026().journeys
        j = journeys.contacts.get(contact_id)
        if j is None:
            raise KeyError(contact_id)
        return [ref.id for ref in journeys.contact_sessions(j, include_merged)]

    def expire_jobs(self) -> None:
        """Make every aggregates job EXPIRED (its results are gone)."""
        self._api2026().jobs.expire()

    # -- the handler ------------------------------------------------------------------------

    async def handle(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> Reply | None:
        """Answer one request (`target` is the raw path and query). None: drop the connection."""
        self._counter += 1
        correlation_id = uuid(self.seed, 99, self._counter)
        stats = self.stats
        stats.in_flight += 1
        stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
        try:
            reply = await self._handle(method, target, headers, body, correlation_id)
        finally:
            stats.in_flight -= 1
        if reply is None:
            stats.dropped += 1
            return None
        status, extra, content = reply
        stats.by_status[status] += 1
        if status == 429:
            stats.rate_limited += 1
        return status, [*_JSON, ("inin-correlation-id", correlation_id), *extra], content

    async def _handle(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        correlation_id: str,
    ) -> Reply | None:
        url = urlsplit(target)
        segments = [unquote(s) for s in url.path.split("/")[1:]]
        query = parse_qs(url.query, keep_blank_values=True)
        header = {name.lower(): value for name, value in headers}
        if url.path == "/oauth/token":
            self.stats.token_requests += 1
            if self.faults.latency:
                await anyio.sleep(self.faults.latency)
            grant_limit = self.faults.grant_rate_limit
            if grant_limit is not None:
                wait = self._windows.count("\x00grants", *grant_limit)
                if wait:
                    return limit_reply(str(wait), correlation_id)
            reply = self._token(method, header, body)
            if reply[0] == 200:
                self.stats.grants += 1
            return reply
        stats = self.stats
        stats.requests += 1
        number = stats.requests
        faults = self.faults
        if faults.latency:
            await anyio.sleep(faults.latency)
        if faults.drop_every and number % faults.drop_every == 0:
            return None
        try:
            injected = self._injected(number, correlation_id)
            if injected is not None:
                return injected
            token = self._authorize(header)
            stats.by_token[token] += 1
            if faults.token_rate_limit is not None:
                wait = self._windows.count(token, *faults.token_rate_limit)
                if wait:
                    return limit_reply(str(wait), correlation_id)
            route, payload = self._route(method, segments, query, body)
            stats.by_route[route] += 1
        except ApiError as exc:
            return self._error(exc, correlation_id)
        if payload is None:
            return 204, [], b""
        content = json.dumps(payload, separators=(",", ":")).encode()
        if faults.malformed_every and number % faults.malformed_every == 0:
            content = content[: len(content) // 2]
        return _STATUS.get(route, 200), [], content

    def _route(
        self, method: str, s: list[str], query: dict[str, list[str]], body: bytes
    ) -> tuple[str, Any]:
        if s[:3] == ["api", "v2", "journey"]:
            answer = self._v2020.route(method, s, query, body, self.default_page_size)
            if answer is not None:
                return answer
        if s == ["api", "v2", "analytics", "journeys", "aggregates", "query"] and method == "POST":
            results = aggregate(self.seed, json_object(body))
            return "post_analytics_journeys_aggregates_query", {"results": results}
        if s[:2] == ["api", "v2"]:
            failure = self.faults.job_failure
            answer = self._api2026().route(method, s, query, body, self.default_page_size, failure)
            if answer is not None:
                return answer
        raise ApiError(404, "not.found", "The requested resource was not found.")

    def _injected(self, number: int, correlation_id: str) -> Reply | None:
        faults = self.faults
        retry_after = faults.retry_after
        header = str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)
        status = None
        if faults.fail_next:
            status = faults.fail_next.pop(0)
        elif faults.rate_limit_every and number % faults.rate_limit_every == 0:
            status = 429
        elif faults.server_error_every and number % faults.server_error_every == 0:
            status = faults.server_error_status
        elif faults.rate_limit is not None:
            wait = self._bucket.take(*faults.rate_limit)
            if wait > 0:
                return limit_reply(str(max(1, math.ceil(wait))), correlation_id)
        if status is None:
            return None
        if status == 429:
            return limit_reply(header, correlation_id)
        raise ApiError(status, _SERVER_ERRORS.get(status, "server.error"), "Injected failure")

    def _error(self, exc: ApiError, correlation_id: str) -> Reply:
        body = {
            "message": exc.message,
            "code": exc.code,
            "status": exc.status,
            "messageParams": {},
            "contextId": correlation_id,
            "details": exc.extra.get("details", []),
            "errors": [],
        }
        if "entityId" in exc.extra:
            body["entityId"] = exc.extra["entityId"]
        return exc.status, [], json.dumps(body).encode()

    # -- auth -------------------------------------------------------------------------------

    def _authorize(self, header: Mapping[str, str]) -> str:
        """The request's bearer token, checked (unless `require_auth` is off)."""
        value = header.get("authorization", "")
        scheme, _, token = value.partition(" ")
        if not self.require_auth:
            return token
        if scheme.lower() != "bearer" or not token:
            raise ApiError(
                401, "authentication.required", "No authentication bearer token specified"
            )
        if token in self._static_tokens:
            return token
        expiry = self._issued.get(token)
        if expiry is None:
            raise ApiError(401, "bad.credentials", "Invalid login credentials.")
        if time.monotonic() >= expiry:
            raise ApiError(401, "credentials.expired", "The access token has expired.")
        return token

    def _token(self, method: str, header: Mapping[str, str], body: bytes) -> Reply:
        def oauth_error(status: int, error: str, description: str) -> Reply:
            payload = {"error": error, "description": description, "error_description": description}
            return status, [], json.dumps(payload).encode()

        if method != "POST":
            return oauth_error(400, "invalid_request", "use POST")
        form = parse_qs(body.decode("latin-1"))
        if form.get("grant_type") != ["client_credentials"]:
            return oauth_error(400, "unsupported_grant_type", "grant type not supported")
        scheme, _, encoded = header.get("authorization", "").partition(" ")
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        client_id, _, secret = decoded.partition(":")
        if scheme.lower() != "basic" or client_id != self.client_id:
            return oauth_error(401, "invalid_client", "client not found")
        if secret != self.client_secret:
            return oauth_error(401, "invalid_client", "authentication failed")
        self._counter += 1
        token = f"fake-access-{mix(self.seed, 77, self._counter):016x}"
        self._issued[token] = time.monotonic() + self.token_ttl
        payload = {"access_token": token, "token_type": "bearer", "expires_in": self.token_ttl}
        return 200, [], json.dumps(payload).encode()

    def revoke_tokens(self) -> None:
        """Revoke every token issued so far (and the static ones): the next calls get 401."""
        self._issued.clear()
        self._static_tokens.clear()

    def revoke_token(self, token: str) -> None:
        """Revoke one token (issued or static): its next calls get 401."""
        self._issued.pop(token, None)
        self._static_tokens.discard(token)

    def expire_tokens(self) -> None:
        """Make every issued token expire now."""
        now = time.monotonic()
        self._issued = dict.fromkeys(self._issued, now)

    def add_token(self, token: str) -> None:
        """Accept `token` as a bearer token from now on."""
        self._static_tokens.add(token)

    def reset_stats(self) -> FakeStats:
        """Start counting afresh; returns the counts so far."""
        old, self.stats = self.stats, FakeStats()
        return old

    # -- ways to use it ---------------------------------------------------------------------

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport answering in-process (no sockets): `http_client=httpx.AsyncClient(
        transport=api.transport())`, or `JourneyClient(..., http_client=...)`."""
        return _app.FakeTransport(self.handle)

    @contextlib.asynccontextmanager
    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
        """Serve on a loopback port (asyncio) while the block runs; yields the base URL."""
        async with serve(self.handle, host, port) as url:
            yield url

    @contextlib.contextmanager
    def serve_in_thread(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve from a background thread with its own event loop; yields the base URL."""
        with serve_in_thread(self.handle, host, port) as url:
            yield url

    async def asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """An ASGI 3 application of the fake (for uvicorn, hypercorn, or httpx.ASGITransport)."""
        await _app.asgi(self.handle, scope, receive, send)
