"""Genesys Cloud regions: domain names, AWS-style region names, and the hosts they give."""

from __future__ import annotations

__all__ = ["REGIONS", "api_base_url", "login_base_url", "resolve_region"]

REGIONS: dict[str, str] = {
    "us-east-1": "mypurecloud.com",
    "eu-west-1": "mypurecloud.ie",
    "ap-southeast-2": "mypurecloud.com.au",
    "ap-northeast-1": "mypurecloud.jp",
    "eu-central-1": "mypurecloud.de",
    "us-west-2": "usw2.pure.cloud",
    "ca-central-1": "cac1.pure.cloud",
    "ap-northeast-2": "apne2.pure.cloud",
    "eu-west-2": "euw2.pure.cloud",
    "ap-south-1": "aps1.pure.cloud",
    "us-east-2": "use2.us-gov-pure.cloud",
    "sa-east-1": "sae1.pure.cloud",
    "me-central-1": "mec1.pure.cloud",
    "ap-northeast-3": "apne3.pure.cloud",
    "eu-central-2": "euc2.pure.cloud",
    "mx-central-1": "mxc1.pure.cloud",
    "ap-southeast-1": "apse1.pure.cloud",
    "eusc-de-east-1": "edee1.eusc-pure.cloud",
}
"""AWS-style region name -> Genesys Cloud domain, for the 18 public regions."""

_DOMAINS = frozenset(REGIONS.values())


def resolve_region(region: str) -> str:
    """Return the Genesys Cloud domain for a domain or AWS-style region name.

    Accepts `mypurecloud.ie`, `eu-west-1`, `eu_west_1` (the SDK enum spelling) and, leniently,
    `api.mypurecloud.ie` or `https://api.mypurecloud.ie`. Anything else is a `ValueError` that
    lists the valid names.
    """
    name = region.strip().lower()
    for prefix in ("https://", "http://"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    name = name.rstrip("/")
    for host_prefix in ("api.", "login."):
        if name.startswith(host_prefix) and name[len(host_prefix) :] in _DOMAINS:
            name = name[len(host_prefix) :]
    if name in _DOMAINS:
        return name
    aws = name.replace("_", "-")
    if aws in REGIONS:
        return REGIONS[aws]
    valid = ", ".join(f"{aws} ({domain})" for aws, domain in REGIONS.items())
    msg = f"unknown Genesys Cloud region {region!r}; use a domain or AWS region name: {valid}"
    raise ValueError(msg)


def api_base_url(region: str) -> str:
    """`https://api.{domain}` for a region."""
    return f"https://api.{resolve_region(region)}"


def login_base_url(region: str) -> str:
    """`https://login.{domain}` for a region (where `/oauth/token` lives)."""
    return f"https://login.{resolve_region(region)}"
