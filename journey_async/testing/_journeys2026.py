"""External contacts, their sessions, the sessions' events and the contacts' segment
assignments, all generated lazily: a contact may have a million sessions and a session a
million events at no cost, and every id leads back to what generated it.

The links hold both ways: contact `j` owns the 2020 sessions `j, j + C, j + 2C, ...` (C
contacts) and then `sessions_per_contact` generated ones, each naming the contact; contacts
`1, 4, 7, ...` absorbed a merged contact whose sessions and assignments `includeMerged` adds;
an event names its session, and a session's segment-assignment events name the segments of
its `segmentAssignments`, which are also the contact's session-scoped assignments.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple
from urllib.parse import quote

from . import _profiles as profiles
from ._config2026 import Config2026
from ._gen2026 import action_media
from ._schema import check_body
from ._util import (
    EPOCH,
    ApiError,
    Query,
    bool_param,
    decode_cursor,
    encode_cursor,
    int_param,
    iso,
    json_body,
    mix,
    not_found,
    packed_uuid,
    shared_uuid,
    unpack_uuid,
    uuid,
)

__all__ = ["EVENT_TYPES", "Journeys2026", "SessionRef"]

EVENT_TYPES = {
    f"com.genesys.journey.{name[0].upper()}{name[1:]}": name
    for name in (
        "webEvent",
        "appEvent",
        "webActionEvent",
        "segmentAssignmentEvent",
        "outcomeAchievedEvent",
    )
}
_TYPE_NAMES = {name: full for full, name in EVENT_TYPES.items()}
_CONTACTS = "/api/v2/externalcontacts/contacts"
_SESSIONS = "/api/v2/journey/sessions"
_KIND = 16  # of packed session ids


class SessionRef(NamedTuple):
    """A session and where it comes from: `key` is `(0, i, 0)` for 2020 session `i`, or
    `(1, 2 * j + merged, k)` for the k-th generated session of contact `j` (or of the contact
    merged into `j`); `contact` is `j` (None for a 2020 session when there are no contacts)."""

    id: str
    key: tuple[int, int, int]
    contact: int | None
    merged: bool


class Journeys2026:
    """Contacts, sessions, events and assignments of one fake (see the module docstring)."""

    def __init__(
        self,
        seed: int,
        config: Config2026,
        contact_ids: list[str],
        old_sessions: list[str],
        sessions_per_contact: int,
        events_per_session: int,
    ) -> None:
        self.seed = seed
        self.config = config
        self.contact_ids = contact_ids
        self.contacts = {cid: j for j, cid in enumerate(contact_ids)}
        self.old_sessions = old_sessions
        self.old_index = {sid: i for i, sid in enumerate(old_sessions)}
        self.per_contact = sessions_per_contact
        self.events = events_per_session
        self.merged = {j: uuid(seed, 15, j) for j in range(1, len(contact_ids), 3)}
        self.updates: dict[str, dict[str, datetime | None]] = {}
        """POSTed assignments: contact id -> segment id -> date assigned (None: unassigned)."""
        self._map_count = len(config.maps.generated)

    # -- contacts and their sessions --------------------------------------------------------

    def contact(self, contact_id: str) -> int:
        j = self.contacts.get(contact_id)
        if j is None:
            raise not_found(contact_id, "External contact")
        return j

    def _own(self, j: int, merged: bool) -> tuple[int, int]:
        """(2020 sessions, generated sessions) of contact `j` or of its merged contact."""
        if merged:
            return 0, (self.per_contact + 1) // 2
        old = len(range(j, len(self.old_sessions), len(self.contact_ids)))
        return old, self.per_contact

    def session_at(self, j: int, merged: bool, position: int) -> SessionRef:
        old, _ = self._own(j, merged)
        if position < old:
            i = j + position * len(self.contact_ids)
            return SessionRef(self.old_sessions[i], (0, i, 0), j, False)
        k = position - old
        sid = packed_uuid(self.seed, _KIND, 2 * j + merged, k)
        return SessionRef(sid, (1, 2 * j + merged, k), j, merged)

    def contact_sessions(self, j: int, include_merged: bool) -> Iterator[SessionRef]:
        for merged in (False, True) if include_merged and j in self.merged else (False,):
            old, new = self._own(j, merged)
            for position in range(old + new):
                yield self.session_at(j, merged, position)

    def find_session(self, session_id: str) -> SessionRef:
        i = self.old_index.get(session_id)
        if i is not None:
            contacts = len(self.contact_ids)
            return SessionRef(session_id, (0, i, 0), i % contacts if contacts else None, False)
        found = unpack_uuid(self.seed, _KIND, session_id)
        if found is not None:
            j, merged = found[0] // 2, found[0] % 2 == 1
            exists = j < len(self.contact_ids) and (not merged or j in self.merged)
            if exists and found[1] < (own := self._own(j, merged))[1]:
                return self.session_at(j, merged, own[0] + found[1])
        raise not_found(session_id, "Session")

    def contact_ref(self, ref: SessionRef) -> str | None:
        if ref.contact is None:
            return None
        return self.merged[ref.contact] if ref.merged else self.contact_ids[ref.contact]

    # -- sessions and events ----------------------------------------------------------------

    def _core(self, ref: SessionRef) -> tuple[int, str, datetime]:
        h = mix(self.seed, 50, *ref.key)
        kind = "app" if ref.key[0] and h % 4 == 3 else "web"
        return h, kind, EPOCH + timedelta(minutes=h % 400_000)

    def _customer(self, ref: SessionRef, h: int) -> str:
        """The cookie id: contact `j`'s is 2020 customer `j`'s (merged contacts have others)."""
        if ref.contact is None:
            return shared_uuid(self.seed, 3, h % 1000)
        return shared_uuid(self.seed, 3, ref.contact + 1000 * ref.merged)

    def session_segments(self, ref: SessionRef) -> list[tuple[str, datetime]]:
        """The session-scoped segments the session was assigned, with when."""
        h, _, created = self._core(ref)
        pool = self.config.session_segments
        if not pool:
            return []
        picked = dict.fromkeys(pool[(h >> s) % len(pool)] for s in (8, 24)[: h % 3])
        return [(sid, created + timedelta(minutes=n + 1)) for n, sid in enumerate(picked)]

    def _types(self, ref: SessionRef, kind: str) -> frozenset[str]:
        types = {"outcomeAchievedEvent", "webEvent" if kind == "web" else "appEvent"}
        if kind == "web" and self._map_count:
            types.add("webActionEvent")
        if self.session_segments(ref):
            types.add("segmentAssignmentEvent")
        return frozenset(types)

    def _event_type(self, he: int, kind: str, types: frozenset[str]) -> str:
        roll = he % 100
        if kind == "web":
            name = "webEvent" if roll < 70 else "webActionEvent" if roll < 85 else "x"
        else:
            name = "appEvent" if roll < 80 else "x"
        if name == "x":
            name = "segmentAssignmentEvent" if roll < 94 else "outcomeAchievedEvent"
        return name if name in types else "webEvent" if kind == "web" else "appEvent"

    def session(self, ref: SessionRef) -> dict[str, Any]:
        h, kind, created = self._core(ref)
        types = self._types(ref, kind)
        last = self._event(ref, h, kind, types, max(0, self.events - 1), None)
        ended = created + timedelta(seconds=25 * self.events + 1800)
        segments = [
            {"segment": _segment_ref(sid), "assignedDate": iso(when)}
            for sid, when in self.session_segments(ref)
        ]
        item: dict[str, Any] = {
            "id": ref.id,
            "type": kind,
            "customerId": self._customer(ref, h),
            "customerIdType": "cookie",
            "shortId": f"{h % 10**6:06d}",
            "segmentAssignments": segments,
            **profiles.session_profile(h, kind),
            "durationInSeconds": 25 * self.events,
            "eventCount": self.events,
            "lastEvent": {
                "id": last["id"],
                "eventName": _event_name(last),
                "createdDate": last["createdDate"],
            },
            "authenticated": h % 3 == 0,
            "selfUri": f"{_SESSIONS}/{ref.id}",
            "createdDate": iso(created),
            "endedDate": iso(ended),
        }
        item["pageviewCount" if kind == "web" else "screenviewCount"] = self.events * 3 // 5
        contact = self.contact_ref(ref)
        if contact is not None:
            item["externalContact"] = {"id": contact, "selfUri": f"{_CONTACTS}/{contact}"}
        return item

    def _event(
        self,
        ref: SessionRef,
        h: int,
        kind: str,
        types: frozenset[str],
        k: int,
        wanted: frozenset[str] | None,
    ) -> dict[str, Any]:
        """The k-th event of a session; with `wanted`, only its type (`{}` if not wanted)."""
        he = mix(self.seed, 51, *ref.key, k)
        name = self._event_type(he, kind, types)
        if wanted is not None and name not in wanted:
            return {}
        created = EPOCH + timedelta(minutes=h % 400_000, seconds=25 * k + he % 20)
        event: dict[str, Any] = {
            "id": uuid(self.seed, 53, *ref.key, k),
            "correlationId": uuid(self.seed, 54, *ref.key, k // 4),
            "customerId": self._customer(ref, h),
            "customerIdType": "cookie",
            "session": {"id": ref.id, "type": kind, "selfUri": f"{_SESSIONS}/{ref.id}"},
            "eventType": _TYPE_NAMES[name],
            "createdDate": iso(created),
        }
        if name == "webEvent":
            event[name] = profiles.web_event(h, he, k, ref.contact)
        elif name == "appEvent":
            event[name] = profiles.app_event(h, he)
        elif name == "webActionEvent":
            index = he % self._map_count
            action_map = self.config.maps.generated[index]
            templates = len(self.config.templates.generated)
            event[name] = profiles.web_action_event(
                h,
                he,
                uuid(self.seed, 52, *ref.key, k),
                action_map,
                action_media(index, templates),
                iso(created),
            )
        elif name == "segmentAssignmentEvent":
            segments = self.session_segments(ref)
            event[name] = {"segment": _segment_ref(segments[(he >> 8) % len(segments)][0])}
        else:
            event[name] = profiles.outcome_event(h, he, kind, self.seed)
        return event

    def events_page(self, ref: SessionRef, query: Query, page_size: int) -> dict[str, Any]:
        size = int_param(query, "pageSize", page_size, minimum=1, maximum=200)
        offset = decode_cursor(query["after"][0]) if "after" in query else 0
        wanted: frozenset[str] | None = None
        extra = ""
        if "eventType" in query:
            names = [n for n in query["eventType"][0].split(",") if n]
            unknown = [n for n in names if n not in EVENT_TYPES]
            if unknown or not names:
                msg = f"Invalid value for eventType: must be among {', '.join(EVENT_TYPES)}"
                raise ApiError(400, "bad.request", msg)
            wanted = frozenset(EVENT_TYPES[n] for n in names)
            extra = f"&eventType={quote(','.join(names), safe=',')}"
        h, kind, _ = self._core(ref)
        types = self._types(ref, kind)
        entities: list[dict[str, Any]] = []
        position = offset
        if wanted is None or wanted & types:
            while position < self.events and len(entities) < size:
                event = self._event(ref, h, kind, types, position, wanted)
                position += 1
                if event:
                    entities.append(event)
        else:
            position = self.events
        return _cursor_page(
            f"{_SESSIONS}/{quote(ref.id, safe='')}/events",
            size,
            extra,
            query,
            entities,
            position,
            self.events,
        )

    def sessions_page(self, j: int, query: Query, page_size: int) -> dict[str, Any]:
        size = int_param(query, "pageSize", page_size, minimum=1, maximum=200)
        merged = bool(bool_param(query, "includeMerged")) and j in self.merged
        offset = decode_cursor(query["after"][0]) if "after" in query else 0
        own = sum(self._own(j, False))
        total = own + (sum(self._own(j, True)) if merged else 0)
        entities: list[dict[str, Any]] = []
        position = offset
        while position < total and len(entities) < size:
            ref = (
                self.session_at(j, False, position)
                if position < own
                else self.session_at(j, True, position - own)
            )
            entities.append(self.session(ref))
            position += 1
        extra = "&includeMerged=true" if merged else ""
        path = f"{_CONTACTS}/{quote(self.contact_ids[j], safe='')}/journey/sessions"
        return _cursor_page(path, size, extra, query, entities, position, total)

    # -- a contact's segment assignments ----------------------------------------------------

    def assignments(self, j: int, query: Query) -> dict[str, Any]:
        limit = int_param(query, "limit", 25, minimum=1, maximum=500)
        merged = bool(bool_param(query, "includeMerged"))
        entities: list[dict[str, Any]] = []
        for item in self._assignments(j, False):
            entities.append(item)
            if len(entities) == limit:
                return {"entities": entities}
        if merged and j in self.merged:
            for item in self._assignments(j, True):
                entities.append(item)
                if len(entities) == limit:
                    break
        return {"entities": entities}

    def _assignment(
        self, contact: str, segment_id: str, when: datetime, session: SessionRef | None
    ) -> dict[str, Any] | None:
        segment = self.config.segments.items.get(segment_id)
        if segment is None:
            return None
        days = segment.get("assignmentExpirationDays") or 30
        item: dict[str, Any] = {
            "dateAssigned": iso(when),
            "dateForUnassignment": iso(when + timedelta(days=days)),
            "segment": _segment_ref(segment_id),
            "externalContact": {"id": contact, "selfUri": f"{_CONTACTS}/{contact}"},
        }
        if session is not None:
            kind = self._core(session)[1]
            item["session"] = {
                "id": session.id,
                "type": kind,
                "selfUri": f"{_SESSIONS}/{session.id}",
            }
        return item

    def _assignments(self, j: int, merged: bool) -> Iterator[dict[str, Any]]:
        contact = self.merged[j] if merged else self.contact_ids[j]
        updates = self.updates.get(contact, {})
        for n, segment_id in enumerate(self.config.customer_segments):
            h = mix(self.seed, 55, j, merged, n)
            if h % 3 == 0 and segment_id not in updates:
                when = EPOCH + timedelta(minutes=h % 200_000)
                if (item := self._assignment(contact, segment_id, when, None)) is not None:
                    yield item
        for segment_id, assigned in updates.items():
            if assigned is not None and (
                item := self._assignment(contact, segment_id, assigned, None)
            ):
                yield item
        if not any(s in self.config.segments.items for s in self.config.session_segments):
            return
        old, new = self._own(j, merged)
        for position in range(old + new):
            ref = self.session_at(j, merged, position)
            for segment_id, when in self.session_segments(ref):
                unassigned = segment_id in updates and updates[segment_id] is None
                if not unassigned and (item := self._assignment(contact, segment_id, when, ref)):
                    yield item

    def update(self, j: int, body: bytes) -> dict[str, Any]:
        data = json_body(body)
        data = check_body({} if data is None else data, "UpdateSegmentAssignmentRequest")
        updates = self.updates.setdefault(self.contact_ids[j], {})
        unprocessed: dict[str, Any] = {"count": 0}
        now = datetime.now(timezone.utc)
        for action in ("assign", "unassign"):
            missed = []
            for segment in (data.get(action) or {}).get("segments", []):
                if segment["id"] not in self.config.segments.items:
                    missed.append({"id": segment["id"]})
                else:
                    updates[segment["id"]] = now if action == "assign" else None
            if missed:
                unprocessed[action] = {"segments": missed}
                unprocessed["count"] += len(missed)
        return {"unprocessedItems": unprocessed}


def _segment_ref(segment_id: str) -> dict[str, str]:
    return {"id": segment_id, "selfUri": f"/api/v2/journey/segments/{segment_id}"}


def _event_name(event: dict[str, Any]) -> str:
    for name in ("webEvent", "appEvent"):
        if name in event:
            return str(event[name]["eventName"])
    if "webActionEvent" in event:
        return f"web_action_{event['webActionEvent']['action']['state']}"
    return "segment_assigned" if "segmentAssignmentEvent" in event else "outcome_achieved"


def _cursor_page(
    path: str, size: int, extra: str, query: Query, entities: list[Any], position: int, total: int
) -> dict[str, Any]:
    after = f"&after={quote(query['after'][0], safe='')}" if "after" in query else ""
    page: dict[str, Any] = {
        "entities": entities,
        "selfUri": f"{path}?pageSize={size}{extra}{after}",
    }
    if position < total:
        page["nextUri"] = f"{path}?pageSize={size}{extra}&after={encode_cursor(position)}"
    return page
