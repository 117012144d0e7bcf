"""The exceptions of journey_async (also exported from the package itself)."""

from ._exceptions import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DecodeError,
    JourneyError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
)
from ._status import error_class

__all__ = [
    "JourneyError",
    "ApiError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "ServerError",
    "TransportError",
    "DecodeError",
    "PaginationError",
    "error_class",
]
