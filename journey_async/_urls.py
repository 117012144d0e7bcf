"""URL helpers shared by the client and the token provider."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["redact_url"]


def redact_url(url: str) -> str:
    """`url` with any password in its userinfo replaced by `[redacted]`, for reprs and messages."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "[unparsable URL]"
    if password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:[redacted]@{host}"))
