"""The visitor side of generated sessions and events: browsers, devices, places, pages, apps.

A session's hash `h` fixes who visited (browser, device, place, referrer, app); an event's
hash `he` fixes what happened. Events repeat their session's browser and device.
"""

from __future__ import annotations

from typing import Any

from ._util import shared_uuid

__all__ = ["app_event", "outcome_event", "session_profile", "web_action_event", "web_event"]

_BROWSERS = (("Chrome", "118.0"), ("Firefox", "119.0"), ("Safari", "17.1"), ("Edge", "118.0"))
_DEVICES = (  # category, type, mobile, os, version, width, height
    ("desktop", "Computer", False, "Windows", "10", 1920, 1080),
    ("desktop", "Computer", False, "Mac OS X", "10.15.7", 2560, 1440),
    ("mobile", "Mobile", True, "Android", "14", 412, 915),
    ("mobile", "Mobile", True, "iOS", "17.1", 390, 844),
    ("tablet", "Tablet", True, "iOS", "17.1", 820, 1180),
)
_PLACES = (  # country, name, locality, region, region name, lat, lon, time zone, postcode
    ("IE", "Ireland", "Galway", "C", "Connacht", 53.27, -9.05, "Europe/Dublin", "H91"),
    ("US", "United States", "Raleigh", "NC", "North Carolina", 35.78, -78.64, "America/New_York",
     "27601"),
    ("GB", "United Kingdom", "Leeds", "ENG", "England", 53.8, -1.55, "Europe/London", "LS1"),
    ("DE", "Germany", "Munich", "BY", "Bavaria", 48.14, 11.58, "Europe/Berlin", "80331"),
    ("AU", "Australia", "Brisbane", "QLD", "Queensland", -27.47, 153.03, "Australia/Brisbane",
     "4000"),
)  # fmt: skip
_PAGES = (
    ("/", "Home"),
    ("/pricing", "Pricing"),
    ("/products/widgets", "Widgets"),
    ("/cart", "Your cart"),
    ("/checkout", "Checkout"),
    ("/help/returns", "Returns"),
    ("/docs/getting-started", "Getting started"),
)
_REFERRERS = (  # url, medium, name
    ("https://www.google.com/search", "search", "Google"),
    ("https://www.facebook.com/", "social", "Facebook"),
    ("https://mail.example.net/inbox", "email", "Webmail"),
    ("https://ads.example.org/click", "paid", "Ad network"),
    ("https://www.example.com/", "internal", "Example"),
)
_WEB_NAMES = ("page_viewed",) * 6 + ("click", "form_submitted", "search", "video_played")
_APP_NAMES = ("screen_viewed",) * 5 + ("app_opened", "button_tapped", "purchase_completed")
_SCREENS = ("Home", "Catalogue", "Basket", "Checkout", "Settings", "Order history")
_ACTION_STATES = ("offered", "accepted", "rejected", "timedout", "ignored", "engaged", "qualified")
_OUTCOMES = ("Purchase completed", "Lead captured", "Demo booked", "Newsletter signup")
_SEARCHES = ("blue widgets", "returns policy", "gift card", "delivery times")
_APP = {
    "name": "Example Shop",
    "namespace": "com.example.shop",
    "version": "3.2.1",
    "buildNumber": "321",
}


def _browser(h: int) -> dict[str, Any]:
    family, version = _BROWSERS[h % len(_BROWSERS)]
    return {
        "family": family,
        "version": version,
        "lang": "en-us",
        "viewHeight": 700 + h % 300,
        "viewWidth": 1000 + h % 900,
        "featuresFlash": False,
        "featuresJava": False,
        "featuresPdf": True,
        "featuresWebrtc": family != "Safari",
    }


def _device(h: int, kind: str) -> dict[str, Any]:
    choices = _DEVICES[2:4] if kind == "app" else _DEVICES
    category, type_, mobile, os_family, os_version, width, height = choices[(h >> 4) % len(choices)]
    return {
        "category": category,
        "type": type_,
        "isMobile": mobile,
        "screenHeight": height,
        "screenWidth": width,
        "screenDensity": 3 if mobile else 1,
        "osFamily": os_family,
        "osVersion": os_version,
    }


def _user_agent(h: int) -> str:
    family, version = _BROWSERS[h % len(_BROWSERS)]
    return f"Mozilla/5.0 ({_DEVICES[(h >> 4) % len(_DEVICES)][3]}) {family}/{version}"


def _geolocation(h: int) -> dict[str, Any]:
    country, name, locality, region, region_name, lat, lon, zone, code = _PLACES[(h >> 8) % 5]
    return {
        "country": country,
        "countryName": name,
        "latitude": lat,
        "longitude": lon,
        "locality": locality,
        "postalCode": code,
        "region": region,
        "regionName": region_name,
        "source": "IP",
        "timezone": zone,
    }


def _page(n: int) -> dict[str, Any]:
    path, title = _PAGES[n % len(_PAGES)]
    return {
        "url": f"https://www.example.com{path}",
        "title": title,
        "domain": "example.com",
        "hostname": "www.example.com",
        "pathname": path,
        "lang": "en",
        "breadcrumb": ["Home", *([title] if path != "/" else [])],
    }


def _visit(h: int) -> dict[str, Any]:
    """What a session and its web events share."""
    return {
        "userAgentString": _user_agent(h),
        "browser": _browser(h),
        "device": _device(h, "web"),
        "geolocation": _geolocation(h),
        "ipAddress": f"203.0.113.{h % 250 + 1}",
        "ipOrganization": "Example Telecom",
    }


def _referrer(h: int) -> dict[str, Any]:
    url, medium, name = _REFERRERS[(h >> 12) % len(_REFERRERS)]
    host = url.split("/")[2]
    return {
        "url": url,
        "domain": host.removeprefix("www."),
        "hostname": host,
        "pathname": "/" + url.split("/", 3)[3],
        "name": name,
        "medium": medium,
    }


def _campaign(h: int) -> dict[str, Any] | None:
    if h % 4:
        return None
    return {"content": "banner", "medium": "email", "name": "spring-sale", "source": "newsletter"}


def session_profile(h: int, kind: str) -> dict[str, Any]:
    """The visitor fields of a session (web or app)."""
    if kind == "app":
        profile: dict[str, Any] = {
            "device": _device(h, "app"),
            "geolocation": _geolocation(h),
            "ipAddress": f"198.51.100.{h % 250 + 1}",
            "app": _APP,
            "sdkLibrary": {"name": "genesys-journey-sdk", "version": "1.4.0"},
            "networkConnectivity": _network(h),
            "lastScreen": _SCREENS[(h >> 16) % len(_SCREENS)],
        }
    else:
        profile = {
            **_visit(h),
            "lastPage": _page(h >> 16),
            "referrer": _referrer(h),
        }
        if (h >> 20) % 3 == 0:
            profile["searchTerms"] = [_SEARCHES[(h >> 22) % len(_SEARCHES)]]
    campaign = _campaign(h)
    if campaign:
        profile["mktCampaign"] = campaign
    return profile


def _network(h: int) -> dict[str, Any]:
    return {
        "carrier": ("Vodafone", "Three", "Telstra")[h % 3],
        "bluetoothEnabled": h % 2 == 0,
        "cellularEnabled": True,
        "wifiEnabled": h % 5 != 0,
    }


def web_event(h: int, he: int, k: int, contact: int | None) -> dict[str, Any]:
    name = _WEB_NAMES[(he >> 8) % len(_WEB_NAMES)]
    event: dict[str, Any] = {
        "eventName": name,
        "totalEventCount": k + 1,
        "totalPageviewCount": k * 3 // 5 + 1,
        "page": _page(he >> 12),
        **_visit(h),
        "attributes": {},
        "traits": {},
        "authenticated": h % 3 == 0,
    }
    if k == 0:
        event["referrer"] = _referrer(h)
    if name == "search":
        event["searchQuery"] = _SEARCHES[(he >> 16) % len(_SEARCHES)]
    if name == "form_submitted":
        value = f"{(he >> 16) % 200 + 0.99:.2f}"
        event["attributes"] = {"cartValue": {"dataType": "Number", "value": value}}
    if h % 3 == 0 and contact is not None:
        email = f"customer{contact}@example.com"
        event["traits"] = {"email": {"dataType": "String", "value": email}}
    return event


def app_event(h: int, he: int) -> dict[str, Any]:
    return {
        "eventName": _APP_NAMES[(he >> 8) % len(_APP_NAMES)],
        "screenName": _SCREENS[(he >> 12) % len(_SCREENS)],
        "app": _APP,
        "device": _device(h, "app"),
        "geolocation": _geolocation(h),
        "sdkLibrary": {"name": "genesys-journey-sdk", "version": "1.4.0"},
        "networkConnectivity": _network(h),
        "attributes": {},
        "traits": {},
    }


def web_action_event(
    h: int, he: int, action_id: str, action_map: dict[str, Any], media: str, created: str
) -> dict[str, Any]:
    state = _ACTION_STATES[(he >> 8) % len(_ACTION_STATES)]
    event: dict[str, Any] = {
        "action": {
            "id": action_id,
            "state": state,
            "mediaType": media,
            "prompt": "Can we help you?",
            "createdDate": created,
        },
        "actionMap": {
            "id": action_map["id"],
            "selfUri": action_map["selfUri"],
            "version": action_map["version"],
            "displayName": action_map["displayName"],
        },
        **_visit(h),
    }
    if state in ("accepted", "engaged"):
        event["timeToDisposition"] = 1000 + (he >> 12) % 20_000
    return event


def outcome_event(h: int, he: int, kind: str, seed: int) -> dict[str, Any]:
    n = (he >> 8) % len(_OUTCOMES)
    outcome_id = shared_uuid(seed, 20, n)
    event: dict[str, Any] = {
        "outcome": {
            "id": outcome_id,
            "selfUri": f"/api/v2/journey/outcomes/{outcome_id}",
            "displayName": _OUTCOMES[n],
            "version": 1,
        },
    }
    if kind == "web":
        event.update(_visit(h))
        event["visitReferrer"] = _referrer(h)
    else:
        event["device"] = _device(h, "app")
        event["geolocation"] = _geolocation(h)
    return event
