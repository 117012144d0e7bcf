"""Segments, action maps, action templates and journey views: page-number listings with their
filters, get, create, patch and delete, with request bodies checked against the 2026 schemas."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from . import _gen2026 as gen
from ._schema import check_body
from ._util import (
    ApiError,
    Query,
    bool_param,
    enum_param,
    int_param,
    json_body,
    list_param,
    not_found,
    now_iso,
    number_page,
    uuid,
)

__all__ = ["Config2026", "Store"]

_STATES = ("Active", "Inactive", "Deleted")
_READ_ONLY = frozenset({"id", "selfUri", "createdDate", "modifiedDate", "version"})


class Store:
    """One kind of configuration object: the generated ones, then those created, by id."""

    def __init__(
        self,
        name: str,
        path: str,
        generated: list[dict[str, Any]],
        *,
        sortable: tuple[str, ...],
        queryable: tuple[str, ...],
    ) -> None:
        self.name = name
        self.path = path
        self.generated = generated
        """The objects as generated (sessions and events quote these, whatever happens later)."""
        self.items = {item["id"]: copy.deepcopy(item) for item in generated}
        self.sortable = sortable
        self.queryable = queryable
        self.created = 0

    @property
    def ids(self) -> list[str]:
        return [item["id"] for item in self.generated]

    def get(self, ident: str) -> dict[str, Any]:
        item = self.items.get(ident)
        if item is None:
            raise not_found(ident, self.name)
        return item

    def listing(
        self,
        query: Query,
        keep: Callable[[dict[str, Any]], bool] | None = None,
        *,
        ids_param: str | None = None,
        params: tuple[str, ...] = (),
        show: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A page of the objects `keep` accepts (`sortBy`, `queryFields`+`queryValue`, paging),
        or exactly the objects of `ids_param` (then neither sorting nor querying applies)."""
        if ids_param is not None and (wanted := list_param(query, ids_param, maximum=100)):
            clash = [
                p for p in ("sortBy", "queryFields", "queryValue", "filterField") if p in query
            ]
            if clash:
                msg = f"{ids_param} cannot be combined with {', '.join(clash)}"
                raise ApiError(400, "bad.request", msg)
            found = [self.items[i] for i in dict.fromkeys(wanted) if i in self.items]
            found = [show(item) if show else item for item in found]
            extra = f"&{ids_param}=" + ",".join(quote(i, safe="") for i in wanted)
            return number_page(self.path, found, 1, max(1, len(found)), len(found), extra)
        number = int_param(query, "pageNumber", 1, minimum=1)
        size = int_param(query, "pageSize", 25, minimum=1)
        items = [item for item in self.items.values() if keep is None or keep(item)]
        fields = list_param(query, "queryFields")
        value = query.get("queryValue", [None])[0]
        if (fields is None) != (value is None):
            msg = "queryFields and queryValue must be sent together"
            raise ApiError(400, "bad.request", msg)
        if fields is not None and value is not None:
            for field in fields:
                _allowed(field, self.queryable, "queryFields")
            needle = value.lower()
            items = [i for i in items if any(needle in str(i.get(f, "")).lower() for f in fields)]
        if "sortBy" in query:
            for key in reversed([k for k in query["sortBy"][0].split(",") if k]):
                name = key.removeprefix("-")
                _allowed(name, self.sortable, "sortBy")
                items.sort(key=lambda i: _sort_key(i.get(name)), reverse=key.startswith("-"))
        first = (number - 1) * size
        shown = items[first : first + size]
        extra = "".join(
            f"&{name}={quote(given, safe=',')}"
            for name in ("sortBy", "queryFields", "queryValue", *params)
            for given in query.get(name, ())
        )
        entities = [show(item) for item in shown] if show else shown
        return number_page(self.path, entities, number, size, len(items), extra)

    def add(self, item: dict[str, Any], seed: int, kind: int) -> dict[str, Any]:
        self.created += 1
        ident = uuid(seed, kind, 1_000_000 + self.created)
        now = now_iso()
        item = {
            "id": ident,
            **item,
            "selfUri": f"{self.path}/{ident}",
            "createdDate": now,
            "modifiedDate": now,
        }
        self.items[ident] = item
        return item

    def patch(self, ident: str, data: dict[str, Any]) -> dict[str, Any]:
        item = self.get(ident)
        version = data.get("version")
        if version is not None and version != item.get("version"):
            raise ApiError(
                409,
                "conflict",
                f"{self.name} {ident} is at version {item.get('version')}, not {version}",
            )
        item.update({k: v for k, v in data.items() if v is not None and k not in _READ_ONLY})
        item["version"] = item.get("version", 1) + 1
        item["modifiedDate"] = now_iso()
        return item


def _allowed(name: str, names: tuple[str, ...], param: str) -> None:
    if name not in names:
        msg = f"Invalid value for {param}: {name!r} is not one of {', '.join(names)}"
        raise ApiError(400, "bad.request", msg)


def _sort_key(value: Any) -> tuple[bool, Any]:
    return (value is None, str(value).lower() if isinstance(value, str) else value)


def _path_value(item: dict[str, Any], path: str) -> Any:
    value: Any = item
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _matches(value: Any, wanted: str) -> bool:
    if isinstance(value, list):
        return any(_matches(v, wanted) for v in value)
    if isinstance(value, bool):
        return wanted.lower() == str(value).lower()
    return value is not None and str(value) == wanted


def _body(body: bytes, schema: str) -> dict[str, Any]:
    """The checked body (an absent one is `{}`) with only the fields the schema names."""
    data = json_body(body)
    return check_body({} if data is None else data, schema)  # type: ignore[no-any-return]


class Config2026:
    """The four configuration stores of one fake, and the answers of their operations."""

    def __init__(self, seed: int, segments: int, templates: int, maps: int, views: int) -> None:
        self.seed = seed
        self.segments = Store(
            "Segment",
            "/api/v2/journey/segments",
            [gen.segment(seed, i) for i in range(segments)],
            sortable=(
                "id", "displayName", "version", "description", "color", "scope", "isActive",
                "shouldDisplayToAgent", "assignmentExpirationDays", "createdDate", "modifiedDate",
            ),
            queryable=("displayName", "description"),
        )  # fmt: skip
        self.templates = Store(
            "Action template",
            "/api/v2/journey/actiontemplates",
            [gen.action_template(seed, i) for i in range(templates)],
            sortable=(
                "id", "name", "description", "version", "mediaType", "state", "createdDate",
                "modifiedDate",
            ),
            queryable=("name", "description"),
        )  # fmt: skip
        self.maps = Store(
            "Action map",
            "/api/v2/journey/actionmaps",
            [gen.action_map(seed, i, segments, templates) for i in range(maps)],
            sortable=(
                "id", "displayName", "version", "isActive", "weight", "ignoreFrequencyCap",
                "createdDate", "modifiedDate", "startDate", "endDate",
            ),
            queryable=("displayName",),
        )  # fmt: skip
        self.views = Store(
            "Journey view",
            "/api/v2/journey/views",
            [gen.view(seed, i) for i in range(views)],
            sortable=(),
            queryable=(),
        )
        self.session_segments = [
            s["id"] for s in self.segments.generated if s["scope"] == "Session"
        ]
        """The generated session-scoped segments: what sessions get assigned."""
        self.customer_segments = [
            s["id"] for s in self.segments.generated if s["scope"] == "Customer"
        ]

    # -- listings ---------------------------------------------------------------------------

    def list_segments(self, query: Query) -> dict[str, Any]:
        active = bool_param(query, "isActive")
        keep = None if active is None else (lambda item: item["isActive"] is active)
        return self.segments.listing(query, keep, ids_param="segmentIds", params=("isActive",))

    def list_action_maps(self, query: Query) -> dict[str, Any]:
        field = query.get("filterField", [None])[0]
        value = query.get("filterValue", [None])[0]
        if (field is None) != (value is None):
            msg = "filterField and filterValue must be sent together"
            raise ApiError(400, "bad.request", msg)
        keep = None
        if field is not None and value is not None:
            _allowed(field, _MAP_FILTERS, "filterField")
            keep = lambda item: _matches(_path_value(item, field), value)  # noqa: E731
        return self.maps.listing(
            query, keep, ids_param="actionMapIds", params=("filterField", "filterValue")
        )

    def list_action_templates(self, query: Query) -> dict[str, Any]:
        media = enum_param(query, "mediaType", ("webchat", *gen.MEDIA_TYPES))
        state = enum_param(query, "state", _STATES)

        def keep(item: dict[str, Any]) -> bool:
            if media is not None and item["mediaType"] != media:
                return False
            return bool(item["state"] == state if state else item["state"] != "Deleted")

        return self.templates.listing(query, keep, params=("mediaType", "state"))

    def list_views(self, query: Query) -> dict[str, Any]:
        ids = list_param(query, "id", maximum=100)
        expand = enum_param(query, "expand", ("charts",))
        text = query.get("nameOrCreatedBy", [""])[0].lower()

        def keep(item: dict[str, Any]) -> bool:
            if ids is not None and item["id"] not in ids:
                return False
            creator = item.get("createdBy") or {}
            names = (item.get("name", ""), creator.get("emailAddress", ""), creator.get("id", ""))
            return not text or any(text in str(n).lower() for n in names)

        def show(item: dict[str, Any]) -> dict[str, Any]:
            return item if expand else {k: v for k, v in item.items() if k != "charts"}

        return self.views.listing(
            query, keep, params=("nameOrCreatedBy", "expand", "id"), show=show
        )

    # -- writes -----------------------------------------------------------------------------

    def create_segment(self, body: bytes) -> dict[str, Any]:
        data = _body(body, "JourneySegmentRequest")
        journey = _journey(data.get("journey"))
        item = {
            "isActive": data.get("isActive", True),
            "displayName": data["displayName"],
            "version": 1,
            "color": data.get("color") or "#008000",
            "scope": "Customer" if journey["patterns"] else "Session",
            "shouldDisplayToAgent": data.get("shouldDisplayToAgent", False),
            "context": _context(data.get("context")),
            "journey": journey,
        }
        for name in ("description", "assignmentExpirationDays"):
            if data.get(name) is not None:
                item[name] = data[name]
        if data.get("externalSegment") is not None:
            item["externalSegment"] = {"source": "Custom", **data["externalSegment"]}
        return self.segments.add(item, self.seed, 9)

    def patch_segment(self, ident: str, body: bytes) -> dict[str, Any]:
        self.segments.get(ident)
        data = _body(body, "PatchSegment")
        if data.get("context") is not None:
            data["context"] = _context(data["context"])
        if data.get("journey") is not None:
            data["journey"] = _journey(data["journey"])
        if data.get("externalSegment") is not None:
            old = self.segments.items[ident].get("externalSegment")
            fresh = {"id": f"ext-{ident[:8]}", "source": "Custom"}
            data["externalSegment"] = {**(old or fresh), **data["externalSegment"]}
        return self.segments.patch(ident, data)

    def create_action_map(self, body: bytes) -> dict[str, Any]:
        data = _body(body, "ActionMap")
        item = {"version": 1, "isActive": True, "triggerWithSegments": [], "pageUrlConditions": []}
        item.update({k: v for k, v in data.items() if v is not None and k not in _READ_ONLY})
        _link_template(item)
        return self.maps.add(item, self.seed, 13)

    def patch_action_map(self, ident: str, body: bytes) -> dict[str, Any]:
        self.maps.get(ident)
        data = _body(body, "PatchActionMap")
        item = self.maps.patch(ident, data)
        _link_template(item)
        return item

    def create_action_template(self, body: bytes) -> dict[str, Any]:
        data = _body(body, "ActionTemplate")
        item = {"version": 1}
        item.update({k: v for k, v in data.items() if v is not None and k not in _READ_ONLY})
        return self.templates.add(item, self.seed, 12)

    def patch_action_template(self, ident: str, body: bytes) -> dict[str, Any]:
        old = self.templates.get(ident)
        data = _body(body, "PatchActionTemplate")
        if data.get("contentOffer") is not None:
            offer = _merge(old.get("contentOffer") or {}, data["contentOffer"])
            offer.setdefault("displayMode", "Modal")
            offer.setdefault("layoutMode", "TextOnly")
            if "callToAction" in offer:
                offer["callToAction"].setdefault("url", "")
            data["contentOffer"] = offer
        return self.templates.patch(ident, data)

    def delete_action_template(self, ident: str, query: Query) -> None:
        item = self.templates.get(ident)
        if bool_param(query, "hardDelete"):
            del self.templates.items[ident]
        else:
            item["state"] = "Deleted"
            item["modifiedDate"] = now_iso()


_MAP_FILTERS = (
    "displayName", "version", "isActive", "weight", "ignoreFrequencyCap", "triggerWithSegments",
    "action.mediaType", "action.actionTemplate.id", "activation.type",
)  # fmt: skip


def _criteria(item: dict[str, Any], entity: bool) -> dict[str, Any]:
    done = {
        "key": "",
        "values": [],
        "shouldIgnoreCase": False,
        "operator": "equal",
        **{k: v for k, v in item.items() if v is not None},
    }
    if entity:
        done.setdefault("entityType", "visit")
    return done


def _context(context: dict[str, Any] | None) -> dict[str, Any]:
    patterns = (context or {}).get("patterns") or []
    return {
        "patterns": [
            {"criteria": [_criteria(c, True) for c in p.get("criteria") or []]} for p in patterns
        ]
    }


def _journey(journey: dict[str, Any] | None) -> dict[str, Any]:
    patterns = (journey or {}).get("patterns") or []
    done = []
    for pattern in patterns:
        item = {"count": 1, "streamType": "Web", "sessionType": "web"}
        item.update({k: v for k, v in pattern.items() if v is not None and k != "criteria"})
        item["criteria"] = [_criteria(c, False) for c in pattern.get("criteria") or []]
        done.append(item)
    return {"patterns": done}


def _link_template(item: dict[str, Any]) -> None:
    template = (item.get("action") or {}).get("actionTemplate")
    if template and template.get("id"):
        template["selfUri"] = f"/api/v2/journey/actiontemplates/{template['id']}"


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        elif value is not None:
            merged[key] = value
    return merged
