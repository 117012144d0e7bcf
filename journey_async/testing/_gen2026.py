"""Generated configuration of today's API: segments, action templates, action maps and journey
views, each a pure function of the seed and its index (the same seed, the same objects).

Links between them are real: action map `i` uses action template `i % templates` (and its media
type) and is triggered by existing segments; segment ids are the ids the 2020 assignments name.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ._util import EPOCH, iso, mix, shared_uuid, uuid

__all__ = [
    "MEDIA_TYPES",
    "action_map",
    "action_media",
    "action_template",
    "segment",
    "segment_id",
    "segment_scope",
    "view",
]

MEDIA_TYPES = (
    "webMessagingOffer",
    "contentOffer",
    "integrationAction",
    "architectFlow",
    "openAction",
)
_SESSION_SEGMENTS = (  # name, visit attribute, values
    ("Mobile visitors", "device.category", ["mobile"]),
    ("Chrome users", "browser.family", ["Chrome"]),
    ("Visitors from Ireland", "geolocation.countryName", ["Ireland"]),
    ("Search referrals", "referrer.medium", ["search"]),
    ("Newsletter campaign", "mktCampaign.source", ["newsletter"]),
    ("Tablet visitors", "device.category", ["tablet"]),
    ("Paid traffic", "referrer.medium", ["paid"]),
    ("Spring sale campaign", "mktCampaign.name", ["spring-sale"]),
)
_CUSTOMER_SEGMENTS = (  # name, page paths
    ("Pricing page viewers", ["/pricing"]),
    ("Cart abandoners", ["/cart"]),
    ("Checkout starters", ["/checkout"]),
    ("Support seekers", ["/help", "/support"]),
    ("Docs readers", ["/docs"]),
    ("Account holders", ["/account"]),
    ("Careers browsers", ["/careers"]),
    ("Returning customers", ["/orders"]),
)
_COLORS = ("#008000", "#1f77b4", "#ff7f0e", "#d62728", "#9467bd", "#8c564b", "#e377c2")
_TEMPLATE_NAMES = {
    "webMessagingOffer": "Chat offer",
    "contentOffer": "Content offer",
    "integrationAction": "CRM update",
    "architectFlow": "Callback flow",
    "openAction": "SMS follow-up",
}
_PAGES = ("/pricing", "/checkout", "/cart", "/help", "/products", "/docs")
_USERS = ("ana", "ben", "chloe", "dev")


def _dates(h: int) -> tuple[str, str]:
    created = EPOCH - timedelta(days=90) + timedelta(minutes=h % 120_000)
    return iso(created), iso(created + timedelta(hours=h % 500))


def segment_id(seed: int, index: int) -> str:
    return shared_uuid(seed, 9, index)  # as in the 2020 assignments


def segment_scope(index: int) -> str:
    return "Session" if index % 2 == 0 else "Customer"


def segment(seed: int, index: int) -> dict[str, Any]:
    h = mix(seed, 40, index)
    ident = segment_id(seed, index)
    created, modified = _dates(h)
    scope = segment_scope(index)
    suffix = f" ({index // 16 + 1})" if index >= 16 else ""
    context: list[dict[str, Any]] = []
    journey: list[dict[str, Any]] = []
    if scope == "Session":
        name, key, values = _SESSION_SEGMENTS[index // 2 % len(_SESSION_SEGMENTS)]
        criteria = {"key": key, "values": values, "shouldIgnoreCase": True, "operator": "equal"}
        context.append({"criteria": [{**criteria, "entityType": "visit"}]})
        description = f"Sessions where {key} is {values[0]}"
    else:
        name, paths = _CUSTOMER_SEGMENTS[index // 2 % len(_CUSTOMER_SEGMENTS)]
        count = 1 + h % 3
        criteria = {"key": "page.url", "values": paths, "shouldIgnoreCase": True}
        journey.append(
            {
                "criteria": [{**criteria, "operator": "containsAny"}],
                "count": count,
                "streamType": "Web",
                "sessionType": "web",
                "eventName": "page_viewed",
            }
        )
        description = f"Customers who viewed {' or '.join(paths)} {count} time(s)"
    item: dict[str, Any] = {
        "id": ident,
        "isActive": h % 5 != 4,
        "displayName": name + suffix,
        "version": 1 + h % 5,
        "description": description,
        "color": _COLORS[h % len(_COLORS)],
        "scope": scope,
        "shouldDisplayToAgent": h % 3 != 0,
        "context": {"patterns": context},
        "journey": {"patterns": journey},
        "assignmentExpirationDays": (7, 14, 30, 60, 90)[h % 5],
        "selfUri": f"/api/v2/journey/segments/{ident}",
        "createdDate": created,
        "modifiedDate": modified,
    }
    if h % 11 == 0:
        item["externalSegment"] = {
            "id": f"aep-{h % 100_000:05d}",
            "name": f"AEP audience {index + 1}",
            "source": "AdobeExperiencePlatform",
        }
    return item


def _style(color: str) -> dict[str, Any]:
    return {"color": color, "font": "Arial", "fontSize": "14px", "textAlign": "Left"}


def action_template(seed: int, index: int) -> dict[str, Any]:
    h = mix(seed, 41, index)
    ident = uuid(seed, 12, index)
    media = MEDIA_TYPES[index % len(MEDIA_TYPES)]
    created, modified = _dates(h)
    item: dict[str, Any] = {
        "id": ident,
        "name": f"{_TEMPLATE_NAMES[media]} {index // len(MEDIA_TYPES) + 1}",
        "description": f"Generated {media} template",
        "version": 1 + h % 3,
        "mediaType": media,
        "state": "Inactive" if h % 5 == 4 else "Active",
        "selfUri": f"/api/v2/journey/actiontemplates/{ident}",
        "createdDate": created,
        "modifiedDate": modified,
    }
    if media == "contentOffer":
        item["contentOffer"] = {
            "imageUrl": f"https://cdn.example.com/offers/{index}.png",
            "displayMode": ("Modal", "Overlay", "Toast")[h % 3],
            "layoutMode": ("TextOnly", "ImageOnly", "LeftText", "RightText", "TopText")[h % 5],
            "title": "A little something",
            "headline": f"{10 + h % 30}% off today",
            "body": "Use the code at checkout.",
            "callToAction": {
                "text": "Shop now",
                "url": f"https://www.example.com/offers/{index}",
                "target": ("Blank", "Self")[h % 2],
            },
            "style": {
                "position": {"bottom": "20px", "right": "20px"},
                "offer": {"padding": "16px", "color": "#1a1a1a", "backgroundColor": "#ffffff"},
                "closeButton": {"color": "#666666", "opacity": 0.8},
                "ctaButton": {
                    **_style("#ffffff"),
                    "textAlign": "Center",
                    "backgroundColor": "#0b5fff",
                },
                "title": _style("#1a1a1a"),
                "headline": _style("#0b5fff"),
                "body": _style("#333333"),
            },
            "imageAltText": "An offer",
        }
    return item


def action_media(index: int, templates: int) -> str:
    """The media type of action map `index`: its action template's."""
    return MEDIA_TYPES[index % templates % len(MEDIA_TYPES)] if templates else MEDIA_TYPES[0]


def action_map(seed: int, index: int, segments: int, templates: int) -> dict[str, Any]:
    h = mix(seed, 42, index)
    ident = uuid(seed, 13, index)
    created, modified = _dates(h)
    page = _PAGES[h % len(_PAGES)]
    action: dict[str, Any] = {"mediaType": action_media(index, templates)}
    if templates:
        template_id = uuid(seed, 12, index % templates)
        action["actionTemplate"] = {
            "id": template_id,
            "selfUri": f"/api/v2/journey/actiontemplates/{template_id}",
        }
    flow_id = uuid(seed, 43, h % 5)
    flow = {"id": flow_id, "selfUri": f"/api/v2/flows/{flow_id}"}
    if action["mediaType"] == "webMessagingOffer":
        action["webMessagingOfferFields"] = {
            "offerText": "Need a hand? Chat with us.",
            "architectFlow": flow,
        }
    elif action["mediaType"] == "architectFlow":
        mapping = {
            "name": "customerId",
            "attributeType": "String",
            "mappingType": "Lookup",
            "value": "customer.id",
        }
        action["architectFlowFields"] = {"architectFlow": flow, "flowRequestMappings": [mapping]}
    elif action["mediaType"] == "openAction":
        open_id = uuid(seed, 44, h % 3)
        action["openActionFields"] = {
            "openAction": {
                "id": open_id,
                "name": "Send SMS",
                "selfUri": f"/api/v2/integrations/actions/{open_id}",
            },
            "configurationFields": {"message": "Thanks for visiting"},
        }
    item: dict[str, Any] = {
        "id": ident,
        "version": 1 + h % 4,
        "isActive": h % 4 != 3,
        "displayName": f"Offer on {page} {index + 1}",
        "triggerWithSegments": sorted({segment_id(seed, (h >> s) % segments) for s in (8, 16)})
        if segments
        else [],
        "pageUrlConditions": [{"values": [page], "operator": "containsAny"}],
        "activation": {"type": "immediate"} if h % 3 else {"type": "delay", "delayInSeconds": 30},
        "weight": 1 + h % 10,
        "action": action,
        "ignoreFrequencyCap": h % 7 == 0,
        "selfUri": f"/api/v2/journey/actionmaps/{ident}",
        "createdDate": created,
        "modifiedDate": modified,
        "startDate": created,
    }
    if h % 6 == 0:
        item["triggerWithEventConditions"] = [
            {
                "key": "page.url",
                "values": [page],
                "operator": "containsAny",
                "streamType": "Web",
                "sessionType": "web",
                "eventName": "page_viewed",
            }
        ]
    if h % 5 == 0:
        item["actionMapScheduleGroups"] = {"actionMapScheduleGroup": {"id": uuid(seed, 45, h % 3)}}
    if h % 8 == 0:
        item["endDate"] = iso(EPOCH + timedelta(days=365))
    return item


_STEPS = ("Viewed pricing", "Started chat", "Added to cart", "Purchased")


def view(seed: int, index: int) -> dict[str, Any]:
    """A journey view (with its `charts`; listings drop them unless `expand=charts`)."""
    h = mix(seed, 46, index)
    ident = uuid(seed, 14, index)
    created, modified = _dates(h)
    version = 1 + h % 3
    user = _USERS[h % len(_USERS)]
    user_id = shared_uuid(seed, 47, h % len(_USERS))
    person = {
        "id": user_id,
        "emailAddress": f"{user}@example.com",
        "selfUri": f"/api/v2/users/{user_id}",
    }
    steps = 2 + h % 3
    ids = [uuid(seed, 48, index, e) for e in range(steps)]
    elements = []
    for e, element_id in enumerate(ids):
        element: dict[str, Any] = {
            "id": element_id,
            "name": _STEPS[e],
            "attributes": {
                "type": "Event",
                "id": "page_viewed" if e == 0 else f"step_{e}",
                "source": "Web",
            },
            "displayAttributes": {"x": 200 * e, "y": 100, "col": e},
            "filter": {
                "type": "And",
                "predicates": [
                    {
                        "dimension": "page.url",
                        "values": [_PAGES[e]],
                        "operator": "Matches",
                        "noValue": False,
                    }
                ],
            },
            "followedBy": [],
        }
        if e + 1 < steps:
            element["followedBy"] = [
                {
                    "id": ids[e + 1],
                    "constraintWithin": {"unit": "Days", "value": 7},
                    "eventCountType": "All",
                }
            ]
        elements.append(element)
    charts = []
    for c in range(1 + h % 2):
        chart_id = uuid(seed, 49, index, c)
        charts.append(
            {
                "id": chart_id,
                "name": ("Customers per day", "Conversion by device")[c],
                "version": version,
                "rank": c,
                "groupByTime": "Day",
                "groupByAttributes": [{"elementId": ids[0], "attribute": "device.category"}]
                if c
                else [],
                "metrics": [
                    {
                        "id": uuid(seed, 50, index, c),
                        "elementId": ids[-1],
                        "aggregate": "CustomerCount",
                        "displayLabel": "Customers",
                    }
                ],
                "displayAttributes": {
                    "type": ("Column", "Bar")[c],
                    "groupByTitle": "Day",
                    "metricsTitle": "Customers",
                    "showLegend": True,
                },
                "groupByMax": 10,
                "selfUri": f"/api/v2/journey/views/{ident}/versions/{version}/charts/{chart_id}",
            }
        )
    item: dict[str, Any] = {
        "id": ident,
        "name": f"Funnel {index + 1}: {' to '.join(_STEPS[:steps])}",
        "description": "A generated journey view",
        "version": version,
        "createdBy": person,
        "modifiedBy": person,
        "elements": elements,
        "charts": charts,
        "dateCreated": created,
        "dateModified": modified,
        "selfUri": f"/api/v2/journey/views/{ident}",
    }
    if index % 2:
        item["duration"] = "P7D"
    else:
        item["interval"] = "2020-10-01T00:00:00.000Z/2020-11-01T00:00:00.000Z"
    return item
