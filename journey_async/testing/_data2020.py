"""The 2020 operations: action targets (also served as today's), and the four segment-assignment
operations by session, customer and external contact that the live API has since retired."""

from __future__ import annotations

import json
import zlib
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from ._util import (
    EPOCH,
    ApiError,
    Query,
    decode_cursor,
    encode_cursor,
    enum_param,
    expect,
    int_param,
    iso,
    json_object,
    mix,
    now_iso,
    number_page,
    shared_uuid,
    uuid,
)

__all__ = ["MEDIA", "Journey2020"]

MEDIA = ("webchat", "call", "callback", "email", "messaging", "social", "generic")
_TARGETS = "/api/v2/journey/actiontargets"


class Journey2020:
    """The 2020 data (generated from the seed) and the answers of its operations."""

    def __init__(
        self,
        seed: int,
        action_targets: int,
        sessions: int,
        assignments_per_session: int,
        customers: int,
        assignments_per_customer: int,
        external_contacts: int,
        assignments_per_contact: int,
    ) -> None:
        self.seed = seed
        self.action_target_ids = [uuid(seed, 1, i) for i in range(action_targets)]
        self.targets: dict[str, dict[str, Any]] = {
            target_id: self._make_target(i, target_id)
            for i, target_id in enumerate(self.action_target_ids)
        }
        self.session_ids = [uuid(seed, 2, i) for i in range(sessions)]
        self.sessions = {
            sid: (i, assignments_per_session) for i, sid in enumerate(self.session_ids)
        }
        self.customer_ids = [("cookie", uuid(seed, 3, i)) for i in range(customers)]
        self.customers = {
            key: (i, assignments_per_customer) for i, key in enumerate(self.customer_ids)
        }
        self.external_contact_ids = [uuid(seed, 4, i) for i in range(external_contacts)]
        self.contacts = {
            cid: (i, assignments_per_contact) for i, cid in enumerate(self.external_contact_ids)
        }
        self.segment_updates: dict[str, dict[str, str]] = {}

    # -- data -------------------------------------------------------------------------------

    def _make_target(self, index: int, target_id: str) -> dict[str, Any]:
        h = mix(self.seed, 11, index)
        created = EPOCH + timedelta(minutes=h % 50_000)
        return {
            "id": target_id,
            "name": f"Action target {index + 1}",
            "userData": [{"key": "team", "value": f"team-{h % 7}"}],
            "supportedMediaTypes": [MEDIA[h % 3], MEDIA[3 + h % 4]],
            "state": ("active", "active", "inactive")[h % 3],
            "description": f"Generated target {index + 1}",
            "serviceLevel": {"percentage": round(0.5 + (h % 50) / 100, 2), "durationMs": 20_000},
            "shortAbandonThreshold": 5 + h % 20,
            "selfUri": f"{_TARGETS}/{target_id}",
            "createdDate": iso(created),
            "modifiedDate": iso(created + timedelta(hours=h % 240)),
        }

    def assignment(self, kind: int, owner: int, k: int, owner_id: str) -> dict[str, Any]:
        """The k-th generated assignment of an owner (session 2, customer 3 or contact 4)."""
        seed = self.seed
        h = mix(seed, kind, owner, k)
        scope = "Customer" if k % 3 == 2 else "Session"
        assigned = EPOCH + timedelta(seconds=k * 37 + h % 1000)
        segment_id = shared_uuid(seed, 9, h % 40)
        contact_id = owner_id if kind == 4 else shared_uuid(seed, 4, h % 1000)
        item: dict[str, Any] = {
            "id": uuid(seed, kind, owner, k),
            "state": "Unassigned" if k % 5 == 4 else "Assigned",
            "dateAssigned": iso(assigned),
            "dateModified": iso(assigned + timedelta(seconds=h % 600)),
            "segment": {
                "id": segment_id,
                "scope": scope,
                "version": 1 + h % 4,
                "selfUri": f"/api/v2/journey/segments/{segment_id}",
            },
            "customerId": shared_uuid(seed, 3, owner if kind == 3 else h % 1000),
            "customerIdType": "cookie",
            "externalContact": {
                "id": contact_id,
                "selfUri": f"/api/v2/externalcontacts/contacts/{contact_id}",
            },
        }
        if item["state"] == "Unassigned":
            item["dateUnassigned"] = iso(assigned + timedelta(hours=1))
        if scope == "Session":
            session_id = owner_id if kind == 2 else shared_uuid(seed, 2, h % 1000)
            item["session"] = {
                "id": session_id,
                "type": "web",
                "selfUri": f"/api/v2/journey/sessions/{session_id}",
            }
        return item

    # -- routes -----------------------------------------------------------------------------

    def route(
        self, method: str, s: list[str], query: Query, body: bytes, page_size: int
    ) -> tuple[str, Any] | None:
        """Answer a 2020 route (`s`: the path's segments), or None when it is not one."""
        rest = s[3:]
        if rest == ["actiontargets"] and method == "GET":
            return "get_journey_actiontargets", self.list_targets(query)
        if len(rest) == 2 and rest[0] == "actiontargets":
            if method == "GET":
                return "get_journey_actiontarget", self.target(rest[1])
            if method == "PATCH":
                return "patch_journey_actiontarget", self._patch_target(rest[1], body)
        if len(rest) == 3 and rest[0::2] == ["sessions", "segments"] and method == "GET":
            owner = self.sessions.get(rest[1])
            if owner is None:
                raise ApiError(404, "not.found", f"Session {rest[1]} not found")
            page = self._segments(2, owner, rest[1], query, _path(s), page_size)
            return "get_journey_session_segments", page
        if len(rest) == 3 and rest[0] == "externalcontacts" and rest[2] == "segments":
            owner = self.contacts.get(rest[1])
            if owner is None:
                raise ApiError(404, "not.found", f"External contact {rest[1]} not found")
            if method == "GET":
                page = self._segments(4, owner, rest[1], query, _path(s), page_size)
                return "get_journey_externalcontact_segments", page
            if method == "POST":
                self._update_segments(rest[1], body)
                return "post_journey_externalcontact_segments", None
        if len(rest) == 4 and rest[0::3] == ["customers", "segments"] and method == "GET":
            owner = self.customers.get((rest[1], rest[2]))
            if owner is None:
                raise ApiError(404, "not.found", f"Customer {rest[1]}/{rest[2]} not found")
            page = self._segments(3, owner, rest[2], query, _path(s), page_size)
            return "get_journey_customer_customer_id_segments", page
        return None

    def target(self, target_id: str) -> dict[str, Any]:
        target = self.targets.get(target_id)
        if target is None:
            raise ApiError(404, "not.found", f"Action target {target_id} not found")
        return target

    def list_targets(self, query: Query) -> dict[str, Any]:
        number = int_param(query, "pageNumber", 1, minimum=1)
        size = int_param(query, "pageSize", 25, minimum=1)
        first = (number - 1) * size
        ids = self.action_target_ids[first : first + size]
        total = len(self.action_target_ids)
        return number_page(_TARGETS, [self.targets[i] for i in ids], number, size, total)

    def _patch_target(self, target_id: str, body: bytes) -> dict[str, Any]:
        target = self.target(target_id)
        data = json_object(body)
        if "name" in data:
            expect(isinstance(data["name"], str) and data["name"], "name", "a non-empty string")
            target["name"] = data["name"]
        if "serviceLevel" in data:
            level = data["serviceLevel"]
            expect(isinstance(level, dict), "serviceLevel", "an object")
            unknown = sorted(set(level) - {"percentage", "durationMs"})
            expect(not unknown, f"serviceLevel.{','.join(unknown)}", "no such field")
            pct = level.get("percentage")
            if pct is not None:
                expect(
                    isinstance(pct, int | float) and not isinstance(pct, bool) and 0 <= pct <= 1,
                    "serviceLevel.percentage",
                    "a number between 0 and 1",
                )
            duration = level.get("durationMs")
            if duration is not None:
                expect(_whole(duration), "serviceLevel.durationMs", "an integer >= 0")
            target["serviceLevel"] = {**target["serviceLevel"], **level}
        if "shortAbandonThreshold" in data:
            value = data["shortAbandonThreshold"]
            expect(_whole(value), "shortAbandonThreshold", "an integer >= 0")
            target["shortAbandonThreshold"] = value
        target["modifiedDate"] = now_iso()
        return target

    def _segments(
        self, kind: int, owner: tuple[int, int], owner_id: str, query: Query, path: str, dps: int
    ) -> dict[str, Any]:
        size = int_param(query, "pageSize", dps, minimum=1, maximum=200)
        scope = enum_param(query, "segmentScope", ("Session", "Customer"))
        state = enum_param(query, "assignmentState", ("Assigned", "Unassigned"))
        offset = decode_cursor(query["after"][0]) if "after" in query else 0
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
            page["nextUri"] = f"{path}?pageSize={size}{filters}&after={encode_cursor(position)}"
        return page

    def _updated(self, contact_id: str, update: tuple[str, str]) -> dict[str, Any]:
        segment_id, state = update
        now = now_iso()
        return {
            "id": uuid(self.seed, 5, zlib.crc32(f"{contact_id}/{segment_id}".encode())),
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
            raise ApiError(400, "bad.request", "A request body is required")
        try:
            data = json.loads(body)
        except ValueError:
            raise ApiError(400, "bad.request", "The request body is not valid JSON") from None
        expect(isinstance(data, list), "body", "an array of segment assignment updates")
        changes = {}
        for index, item in enumerate(data):
            expect(isinstance(item, dict), f"[{index}]", "an object")
            segment_id = item.get("segmentId")
            expect(isinstance(segment_id, str) and segment_id, f"[{index}].segmentId", "a string")
            state = item.get("state")
            expect(state in ("Assigned", "Unassigned"), f"[{index}].state", "Assigned|Unassigned")
            changes[segment_id] = state
        self.segment_updates.setdefault(contact_id, {}).update(changes)


def _path(s: list[str]) -> str:
    return "/" + "/".join(quote(p, safe="") for p in s)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
