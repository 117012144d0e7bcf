"""`FakeJourneyApi`: an in-memory Journey API with the real wire format, for tests and demos.

It serves the eight Journey operations and `POST /oauth/token` with the wire format of the
reference (cursor `nextUri` carrying `after`, page-number listings with `pageCount`, ErrorBody
errors with `inin-correlation-id`, 429 with `Retry-After`, the Basic-auth token grant), checks
what the real server checks (the bearer token, page sizes, enum values, body shapes), and
answers like it. Data is generated from a seed: the same seed gives the same ids and payloads,
and assignments are computed on demand, so a session can hold millions without using memory.

The same handler runs in-process (`api.transport()`, an httpx transport: no sockets) and on a
loopback port (`api.serve()`, `api.serve_in_thread()`, or `python -m journey_async.testing
serve`); `api.asgi` is an ASGI app for uvicorn or hypercorn.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import json
import math
import re
import time
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import anyio
import attrs
import httpx

from .._models import JourneyDimension, JourneyMetric
from ._server import Reply, serve, serve_in_thread

__all__ = ["FakeJourneyApi", "FakeFaults", "FakeStats"]

_EPOCH = datetime(2020, 11, 1)  # naive: generated times are UTC
_METRICS = frozenset(m.value for m in JourneyMetric)
_DIMENSIONS = frozenset(d.value for d in JourneyDimension)
_MEDIA = ("webchat", "call", "callback", "email", "messaging", "social", "generic")
_INTERVAL_RE = re.compile(r"^([^/]+)/([^/]+)$")
_PERIOD_RE = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")
_JSON = [("Content-Type", "application/json")]


def _iso(moment: datetime) -> str:
    """`2020-11-02T14:21:07.512Z` (the API's form); naive datetimes are UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"


def _mix(*parts: int) -> int:
    """A cheap deterministic 64-bit hash of integers (splitmix64 steps)."""
    value = 0x9E3779B97F4A7C15
    for part in parts:
        value = (value ^ (part & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        value ^= value >> 31
    return value


def _uuid(*parts: int) -> str:
    """A deterministic version-4 UUID string from integers."""
    text = f"{_mix(*parts):016x}{_mix(*parts, 0x5EED):016x}"
    variant = "89ab"[int(text[16], 16) & 3]
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-{variant}{text[17:20]}-{text[20:]}"


_shared_uuid = functools.lru_cache(maxsize=8192)(_uuid)
"""`_uuid` for ids drawn from small sets (segments, customers, contacts), computed once."""


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


@attrs.define
class FakeStats:
    """What the fake has seen; `api.stats` is replaced by a fresh one on `reset_stats()`."""

    requests: int = 0
    token_requests: int = 0
    by_status: Counter[int] = attrs.field(factory=Counter)
    by_route: Counter[str] = attrs.field(factory=Counter)
    rate_limited: int = 0
    dropped: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0


class _Error(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


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
        default_page_size: the segment listings' page size when none is asked for.
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
    ) -> None:
        self.seed = seed
        self.faults = FakeFaults()
        self.stats = FakeStats()
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        self.require_auth = require_auth
        self.default_page_size = default_page_size
        self._static_tokens = set(tokens)
        self._issued: dict[str, float] = {}  # token -> monotonic expiry
        self._counter = 0
        self._bucket: tuple[float, float] | None = None  # (tokens, stamp)

        self.action_target_ids = [_uuid(seed, 1, i) for i in range(action_targets)]
        self._targets: dict[str, dict[str, Any]] = {
            target_id: self._make_target(i, target_id)
            for i, target_id in enumerate(self.action_target_ids)
        }
        self.session_ids = [_uuid(seed, 2, i) for i in range(sessions)]
        self._sessions = {
            sid: (i, assignments_per_session) for i, sid in enumerate(self.session_ids)
        }
        self.customer_ids = [("cookie", _uuid(seed, 3, i)) for i in range(customers)]
        self._customers = {
            key: (i, assignments_per_customer) for i, key in enumerate(self.customer_ids)
        }
        self.external_contact_ids = [_uuid(seed, 4, i) for i in range(external_contacts)]
        self._contacts = {
            cid: (i, assignments_per_contact) for i, cid in enumerate(self.external_contact_ids)
        }
        self.segment_updates: dict[str, dict[str, str]] = {}
        """What `post_journey_externalcontact_segments` set: contact id -> segment id -> state."""

    # -- data -------------------------------------------------------------------------------

    def _make_target(self, index: int, target_id: str) -> dict[str, Any]:
        h = _mix(self.seed, 11, index)
        created = _EPOCH + timedelta(minutes=h % 50_000)
        return {
            "id": target_id,
            "name": f"Action target {index + 1}",
            "userData": [{"key": "team", "value": f"team-{h % 7}"}],
            "supportedMediaTypes": [_MEDIA[h % 3], _MEDIA[3 + h % 4]],
            "state": ("active", "active", "inactive")[h % 3],
            "description": f"Generated target {index + 1}",
            "serviceLevel": {"percentage": round(0.5 + (h % 50) / 100, 2), "durationMs": 20_000},
            "shortAbandonThreshold": 5 + h % 20,
            "selfUri": f"/api/v2/journey/actiontargets/{target_id}",
            "createdDate": _iso(created),
            "modifiedDate": _iso(created + timedelta(hours=h % 240)),
        }

    def assignment(self, kind: int, owner: int, k: int, owner_id: str) -> dict[str, Any]:
        """The k-th generated assignment of an owner (session, customer or contact)."""
        h = _mix(self.seed, kind, owner, k)
        scope = "Customer" if k % 3 == 2 else "Session"
        assigned = _EPOCH + timedelta(seconds=k * 37 + h % 1000)
        segment_id = _shared_uuid(self.seed, 9, h % 40)
        item: dict[str, Any] = {
            "id": _uuid(self.seed, kind, owner, k),
            "state": "Unassigned" if k % 5 == 4 else "Assigned",
            "dateAssigned": _iso(assigned),
            "dateModified": _iso(assigned + timedelta(seconds=h % 600)),
            "segment": {
                "id": segment_id,
                "scope": scope,
                "version": 1 + h % 4,
                "selfUri": f"/api/v2/journey/segments/{segment_id}",
            },
            "customerId": _shared_uuid(self.seed, 3, owner if kind == 3 else h % 1000),
            "customerIdType": "cookie",
            "externalContact": {
                "id": owner_id if kind == 4 else _shared_uuid(self.seed, 4, h % 1000),
                "selfUri": "/api/v2/externalcontacts/contacts/"
                + (owner_id if kind == 4 else _shared_uuid(self.seed, 4, h % 1000)),
            },
        }
        if item["state"] == "Unassigned":
            item["dateUnassigned"] = _iso(assigned + timedelta(hours=1))
        if scope == "Session":
            session_id = owner_id if kind == 2 else _shared_uuid(self.seed, 2, h % 1000)
            item["session"] = {
                "id": session_id,
                "type": "web",
                "selfUri": f"/api/v2/journey/sessions/{session_id}",
            }
        return item

    # -- the handler ------------------------------------------------------------------------

    async def handle(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> Reply | None:
        """Answer one request (`target` is the raw path and query). None: drop the connection."""
        self._counter += 1
        correlation_id = _uuid(self.seed, 99, self._counter)
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
    ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        url = urlsplit(target)
        segments = [unquote(s) for s in url.path.split("/")[1:]]
        query = parse_qs(url.query, keep_blank_values=True)
        header = {name.lower(): value for name, value in headers}
        if url.path == "/oauth/token":
            self.stats.token_requests += 1
            if self.faults.latency:
                await anyio.sleep(self.faults.latency)
            return self._token(method, header, body)
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
            self._authorize(header)
            route, payload = self._route(method, segments, query, body)
            stats.by_route[route] += 1
        except _Error as exc:
            return self._error(exc, correlation_id)
        if payload is None:
            return 204, [], b""
        content = json.dumps(payload, separators=(",", ":")).encode()
        if faults.malformed_every and number % faults.malformed_every == 0:
            content = content[: len(content) // 2]
        return 200, [], content

    def _injected(
        self, number: int, correlation_id: str
    ) -> tuple[int, list[tuple[str, str]], bytes] | None:
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
            wait = self._take_token(*faults.rate_limit)
            if wait > 0:
                return self._limit(str(max(1, math.ceil(wait))), correlation_id)
        if status is None:
            return None
        if status == 429:
            return self._limit(header, correlation_id)
        code = {500: "internal.server.error", 502: "bad.gateway", 503: "service.unavailable"}
        raise _Error(status, code.get(status, "server.error"), "Injected failure")

    def _limit(
        self, retry_after: str, correlation_id: str
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        body = {
            "message": "Rate limit exceeded the maximum. Retry the request in "
            f"[{retry_after}] seconds",
            "code": "too.many.requests.retry.after",
            "status": 429,
            "messageParams": {},
            "contextId": correlation_id,
            "details": [],
            "errors": [],
        }
        return 429, [("Retry-After", retry_after)], json.dumps(body).encode()

    def _take_token(self, rate: float, burst: float) -> float:
        now = time.monotonic()
        tokens, stamp = self._bucket or (burst, now)
        tokens = min(burst, tokens + (now - stamp) * rate)
        if tokens >= 1:
            self._bucket = (tokens - 1, now)
            return 0.0
        self._bucket = (tokens, now)
        return (1 - tokens) / rate

    def _error(self, exc: _Error, correlation_id: str) -> tuple[int, list[tuple[str, str]], bytes]:
        body = {
            "message": exc.message,
            "code": exc.code,
            "status": exc.status,
            "messageParams": {},
            "contextId": correlation_id,
            "details": exc.extra.get("details", []),
            "errors": [],
        }
        return exc.status, [], json.dumps(body).encode()

    # -- auth -------------------------------------------------------------------------------

    def _authorize(self, header: Mapping[str, str]) -> None:
        if not self.require_auth:
            return
        value = header.get("authorization", "")
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _Error(401, "authentication.required", "No authentication bearer token specified")
        if token in self._static_tokens:
            return
        expiry = self._issued.get(token)
        if expiry is None:
            raise _Error(401, "bad.credentials", "Invalid login credentials.")
        if time.monotonic() >= expiry:
            raise _Error(401, "credentials.expired", "The access token has expired.")

    def _token(
        self, method: str, header: Mapping[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        def oauth_error(
            status: int, error: str, description: str
        ) -> tuple[int, list[tuple[str, str]], bytes]:
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
        token = f"fake-access-{_mix(self.seed, 77, self._counter):016x}"
        self._issued[token] = time.monotonic() + self.token_ttl
        payload = {"access_token": token, "token_type": "bearer", "expires_in": self.token_ttl}
        return 200, [], json.dumps(payload).encode()

    def revoke_tokens(self) -> None:
        """Revoke every token issued so far (and the static ones): the next calls get 401."""
        self._issued.clear()
        self._static_tokens.clear()

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

    # -- routes -----------------------------------------------------------------------------

    def _route(
        self, method: str, s: list[str], query: dict[str, list[str]], body: bytes
    ) -> tuple[str, Any]:
        if s[:3] == ["api", "v2", "journey"]:
            rest = s[3:]
            if rest == ["actiontargets"] and method == "GET":
                return "get_journey_actiontargets", self._list_targets(query)
            if len(rest) == 2 and rest[0] == "actiontargets":
                if method == "GET":
                    return "get_journey_actiontarget", self._target(rest[1])
                if method == "PATCH":
                    return "patch_journey_actiontarget", self._patch_target(rest[1], body)
            path = "/" + "/".join(quote(p, safe="") for p in s)
            if len(rest) == 3 and rest[0::2] == ["sessions", "segments"] and method == "GET":
                owner = self._sessions.get(rest[1])
                if owner is None:
                    raise _Error(404, "not.found", f"Session {rest[1]} not found")
                page = self._segments(2, owner, rest[1], query, path)
                return "get_journey_session_segments", page
            if len(rest) == 3 and rest[0] == "externalcontacts" and rest[2] == "segments":
                owner = self._contacts.get(rest[1])
                if owner is None:
                    raise _Error(404, "not.found", f"External contact {rest[1]} not found")
                if method == "GET":
                    page = self._segments(4, owner, rest[1], query, path)
                    return "get_journey_externalcontact_segments", page
                if method == "POST":
                    self._update_segments(rest[1], body)
                    return "post_journey_externalcontact_segments", None
            if len(rest) == 4 and rest[0::3] == ["customers", "segments"] and method == "GET":
                owner = self._customers.get((rest[1], rest[2]))
                if owner is None:
                    raise _Error(404, "not.found", f"Customer {rest[1]}/{rest[2]} not found")
                page = self._segments(3, owner, rest[2], query, path)
                return "get_journey_customer_customer_id_segments", page
        if s == ["api", "v2", "analytics", "journeys", "aggregates", "query"] and method == "POST":
            return "post_analytics_journeys_aggregates_query", self._aggregates(body)
        raise _Error(404, "not.found", "The requested resource was not found.")

    def _target(self, target_id: str) -> dict[str, Any]:
        target = self._targets.get(target_id)
        if target is None:
            raise _Error(404, "not.found", f"Action target {target_id} not found")
        return target

    def _list_targets(self, query: dict[str, list[str]]) -> dict[str, Any]:
        number = _int_param(query, "pageNumber", 1, minimum=1)
        size = _int_param(query, "pageSize", 25, minimum=1)
        total = len(self.action_target_ids)
        count = max(1, -(-total // size))
        first = (number - 1) * size
        ids = self.action_target_ids[first : first + size]
        base = "/api/v2/journey/actiontargets"
        page: dict[str, Any] = {
            "entities": [self._targets[i] for i in ids],
            "pageSize": size,
            "pageNumber": number,
            "total": total,
            "firstUri": f"{base}?pageSize={size}&pageNumber=1",
            "selfUri": f"{base}?pageSize={size}&pageNumber={number}",
            "lastUri": f"{base}?pageSize={size}&pageNumber={count}",
            "pageCount": count,
        }
        if number < count:
            page["nextUri"] = f"{base}?pageSize={size}&pageNumber={number + 1}"
        if number > 1:
            page["previousUri"] = f"{base}?pageSize={size}&pageNumber={number - 1}"
        return page

    def _patch_target(self, target_id: str, body: bytes) -> dict[str, Any]:
        target = self._target(target_id)
        data = _json_object(body)
        if "name" in data:
            _expect(isinstance(data["name"], str) and data["name"], "name", "a non-empty string")
            target["name"] = data["name"]
        if "serviceLevel" in data:
            level = data["serviceLevel"]
            _expect(isinstance(level, dict), "serviceLevel", "an object")
            unknown = sorted(set(level) - {"percentage", "durationMs"})
            _expect(not unknown, f"serviceLevel.{','.join(unknown)}", "no such field")
            pct = level.get("percentage")
            if pct is not None:
                _expect(
                    isinstance(pct, int | float) and not isinstance(pct, bool) and 0 <= pct <= 1,
                    "serviceLevel.percentage",
                    "a number between 0 and 1",
                )
            duration = level.get("durationMs")
            if duration is not None:
                _expect(
                    isinstance(duration, int) and not isinstance(duration, bool) and duration >= 0,
                    "serviceLevel.durationMs",
                    "an integer >= 0",
                )
            target["serviceLevel"] = {**target["serviceLevel"], **level}
        if "shortAbandonThreshold" in data:
            value = data["shortAbandonThreshold"]
            _expect(
                isinstance(value, int) and not isinstance(value, bool) and value >= 0,
                "shortAbandonThreshold",
                "an integer >= 0",
            )
            target["shortAbandonThreshold"] = value
        target["modifiedDate"] = _iso(datetime.now(timezone.utc))
        return target

    def _segments(
        self,
        kind: int,
        owner: tuple[int, int],
        owner_id: str,
        query: dict[str, list[str]],
        path: str,
    ) -> dict[str, Any]:
        size = _int_param(query, "pageSize", self.default_page_size, minimum=1, maximum=200)
        scope = _enum_param(query, "segmentScope", ("Session", "Customer"))
        state = _enum_param(query, "assignmentState", ("Assigned", "Unassigned"))
        offset = _decode_cursor(query["after"][0]) if "after" in query else 0
        index, count = owner
        updates = self.segment_updates.get(owner_id, {}) if kind == 4 else {}
        total = count + len(updates)
        entities: list[dict[str, Any]] = []
        position = offset
        while position < total and len(entities) < size:
            if position < count:
                item = self.assignment(kind, index, position, owner_id)
            else:
                item = self._updated(owner_id, list(updates.items())[position - count])
            position += 1
            if scope is not None and item["segment"]["scope"] != scope:
                continue
            if state is not None and item["state"] != state:
                continue
            entities.append(item)
        filters = "".join(
            f"&{name}={value}"
            for name, value in (("segmentScope", scope), ("assignmentState", state))
            if value is not None
        )
        page: dict[str, Any] = {
            "entities": entities,
            "selfUri": f"{path}?pageSize={size}{filters}"
            + (f"&after={query['after'][0]}" if "after" in query else ""),
        }
        if position < total:
            page["nextUri"] = f"{path}?pageSize={size}{filters}&after={_encode_cursor(position)}"
        return page

    def _updated(self, contact_id: str, update: tuple[str, str]) -> dict[str, Any]:
        segment_id, state = update
        now = _iso(datetime.now(timezone.utc))
        return {
            "id": _uuid(self.seed, 5, zlib.crc32(f"{contact_id}/{segment_id}".encode())),
            "state": state,
            "dateAssigned": now,
            "dateModified": now,
            "segment": {"id": segment_id, "scope": "Customer", "version": 1},
            "externalContact": {
                "id": contact_id,
                "selfUri": f"/api/v2/externalcontacts/contacts/{contact_id}",
            },
        }

    def _update_segments(self, contact_id: str, body: bytes) -> None:
        if not body:
            raise _Error(400, "bad.request", "A request body is required")
        try:
            data = json.loads(body)
        except ValueError:
            raise _Error(400, "bad.request", "The request body is not valid JSON") from None
        _expect(isinstance(data, list), "body", "an array of segment assignment updates")
        changes = {}
        for index, item in enumerate(data):
            _expect(isinstance(item, dict), f"[{index}]", "an object")
            segment_id = item.get("segmentId")
            _expect(isinstance(segment_id, str) and segment_id, f"[{index}].segmentId", "a string")
            state = item.get("state")
            _expect(state in ("Assigned", "Unassigned"), f"[{index}].state", "Assigned|Unassigned")
            changes[segment_id] = state
        self.segment_updates.setdefault(contact_id, {}).update(changes)

    def _aggregates(self, body: bytes) -> dict[str, Any]:
        query = _json_object(body)
        interval = query.get("interval")
        if not isinstance(interval, str) or (match := _INTERVAL_RE.match(interval)) is None:
            raise _Error(400, "bad.request", f"Invalid interval {interval!r}: expected start/end")
        try:
            start, end = (_utc(match.group(i)) for i in (1, 2))
        except ValueError:
            raise _Error(400, "bad.request", f"Invalid interval {interval!r}") from None
        _expect(start < end, "interval", "a start before its end")
        metrics = query.get("metrics")
        if not isinstance(metrics, list) or not metrics:
            raise _Error(
                400, "bad.request", "Invalid value for metrics: expected a non-empty array"
            )
        for metric in metrics:
            _expect(_known(metric, _METRICS), "metrics", f"known metric names, not {metric!r}")
        group_by = query.get("groupBy") or []
        _expect(isinstance(group_by, list), "groupBy", "an array")
        for dimension in group_by:
            _expect(
                _known(dimension, _DIMENSIONS), "groupBy", f"known dimensions, not {dimension!r}"
            )
        if "filter" in query:
            _check_filter(query["filter"])
        views = query.get("views") or []
        _expect(isinstance(views, list), "views", "an array")
        for view in views:
            _expect(isinstance(view, dict), "views", "objects")
            _expect(_known(view.get("target"), _METRICS), "views.target", "a known metric")
            _expect(isinstance(view.get("name"), str), "views.name", "a string")
            _expect(view.get("function") == "rangeBound", "views.function", "rangeBound")
        step = _period(query.get("granularity"), end - start)
        buckets: list[tuple[datetime, datetime]] = []
        moment = start
        while moment < end and len(buckets) < 1000:
            buckets.append((moment, min(end, moment + step)))
            moment += step
        groups: list[dict[str, str]] = [{}]
        if group_by:
            groups = [{dim: f"{dim}-{g}" for dim in group_by} for g in range(3)]
        results = []
        for g, group in enumerate(groups):
            data = []
            for b, (low, high) in enumerate(buckets):
                h = _mix(self.seed, 31, g, b)
                entry: dict[str, Any] = {
                    "interval": f"{_iso(low)}/{_iso(high)}",
                    "metrics": [
                        {"metric": m, "stats": {"count": _mix(h, i) % 500}}
                        for i, m in enumerate(metrics)
                    ],
                }
                if views:
                    entry["views"] = [
                        {"name": v["name"], "stats": {"count": _mix(h, 7, i) % 100}}
                        for i, v in enumerate(views)
                    ]
                data.append(entry)
            container: dict[str, Any] = {"data": data}
            if group:
                container["group"] = group
            results.append(container)
        return {"results": results}

    # -- ways to use it ---------------------------------------------------------------------

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport answering in-process (no sockets): `http_client=httpx.AsyncClient(
        transport=api.transport())`, or `JourneyClient(..., http_client=...)`."""
        return _FakeTransport(self)

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
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        target = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        reply = await self.handle(scope["method"], target, headers, body)
        if reply is None:
            msg = "dropped connection (injected fault)"
            raise ConnectionAbortedError(msg)
        status, reply_headers, content = reply
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.lower().encode(), v.encode()) for k, v in reply_headers],
            }
        )
        await send({"type": "http.response.body", "body": content})


class _FakeTransport(httpx.AsyncBaseTransport):
    def __init__(self, api: FakeJourneyApi) -> None:
        self._api = api

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        reply = await self._api.handle(
            request.method,
            request.url.raw_path.decode("ascii"),
            list(request.headers.items()),
            body,
        )
        if reply is None:
            msg = "Server disconnected without sending a response (injected fault)."
            raise httpx.RemoteProtocolError(msg, request=request)
        status, headers, content = reply
        return httpx.Response(status, headers=headers, content=content, request=request)


# -- request checks ------------------------------------------------------------------------


def _expect(ok: object, field: str, expected: str) -> None:
    if not ok:
        raise _Error(
            400,
            "bad.request",
            f"Invalid value for {field}: expected {expected}",
            details=[{"errorCode": "invalid.value", "fieldName": field}],
        )


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body) if body else None
    except ValueError:
        raise _Error(400, "bad.request", "The request body is not valid JSON") from None
    _expect(isinstance(data, dict), "body", "a JSON object")
    return data  # type: ignore[return-value]


def _int_param(
    query: dict[str, list[str]],
    name: str,
    default: int,
    *,
    minimum: int,
    maximum: int | None = None,
) -> int:
    if name not in query:
        return default
    raw = query[name][0]
    if not (raw.isascii() and raw.isdecimal()):
        raise _Error(400, "bad.request", f"Invalid value for {name}: {raw!r} is not a number")
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        limit = f"between {minimum} and {maximum}" if maximum else f"at least {minimum}"
        raise _Error(400, "bad.request", f"Invalid value for {name}: must be {limit}")
    return value


def _enum_param(query: dict[str, list[str]], name: str, allowed: tuple[str, ...]) -> str | None:
    if name not in query:
        return None
    value = query[name][0]
    if value not in allowed:
        raise _Error(400, "bad.request", f"Invalid value for {name}: must be one of {allowed}")
    return value


def _encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"o:{position}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind != "o" or not (number.isascii() and number.isdecimal()):
            raise ValueError(text)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _Error(400, "bad.request", f"Invalid cursor {cursor!r}") from None


def _known(value: object, names: frozenset[str]) -> bool:
    return isinstance(value, str) and value in names


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _period(granularity: object, span: timedelta) -> timedelta:
    if granularity is None:
        return span
    match = _PERIOD_RE.match(granularity) if isinstance(granularity, str) else None
    if match is None or not any(match.groups()):
        raise _Error(400, "bad.request", f"Invalid granularity {granularity!r}: expected P1D, PT1H")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    step = timedelta(days=days, hours=hours, minutes=minutes)
    _expect(step > timedelta(0), "granularity", "a positive period")
    return step


def _check_filter(node: object, depth: int = 0) -> None:
    if not isinstance(node, dict):
        raise _Error(400, "bad.request", "Invalid value for filter: expected an object")
    _expect(node.get("type") in ("and", "or"), "filter.type", "and|or")
    predicates = node.get("predicates") or []
    _expect(isinstance(predicates, list), "filter.predicates", "an array")
    for predicate in predicates:
        _expect(isinstance(predicate, dict), "filter.predicates", "objects")
        dimension = predicate.get("dimension")
        if dimension is not None:
            _expect(
                _known(dimension, _DIMENSIONS), "filter.predicates.dimension", "a known dimension"
            )
        operator = predicate.get("operator")
        if operator is not None:
            _expect(
                operator in ("matches", "exists", "notExists"),
                "filter.predicates.operator",
                "matches|exists|notExists",
            )
    clauses = node.get("clauses") or []
    _expect(isinstance(clauses, list), "filter.clauses", "an array")
    _expect(depth == 0 or not clauses, "filter.clauses", "at most two levels")
    for clause in clauses:
        _check_filter(clause, depth + 1)
