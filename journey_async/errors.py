"""The exceptions of journey_async (also exported from the package itself)."""

from ._exceptions import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DecodeError,
    JobError,
    JourneyError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ResponseTooLargeError,
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
    "RequestTimeoutError",
    "ResponseTooLargeError",
    "DecodeError",
    "PaginationError",
    "JobError",
    "error_class",
]
