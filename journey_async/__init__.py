"""journey_async: an asyncio client for the Genesys Cloud Journey API.

```python
from journey_async import JourneyClient

async with JourneyClient("my-token", region="mypurecloud.ie") as client:
    target = await client.get_journey_actiontarget("1a2b...")
```
"""

import logging
import typing as _typing

from ._auth import CallableToken, ClientCredentials, StaticToken
from ._bulk import MapUnordered
from ._client import JourneyClient
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
from ._pagination import AsyncPager
from ._ratelimit import RateLimit
from ._regions import REGIONS
from ._retry import RetryPolicy
from ._types import Handler, Middleware, TokenProvider
from ._version import __version__
from ._wire import to_jsonable

if _typing.TYPE_CHECKING:
    from .models import (
        ActionTarget,
        ActionTargetListing,
        AssignmentState,
        JourneyAggregateQueryResponse,
        JourneyAggregationQuery,
        PatchActionTarget,
        SegmentAssignment,
        SegmentAssignmentListing,
        SegmentAssignmentsUpdate,
        SegmentScope,
    )

__all__ = [
    "__version__",
    # client
    "JourneyClient",
    "AsyncPager",
    "MapUnordered",
    "REGIONS",
    # auth
    "TokenProvider",
    "StaticToken",
    "CallableToken",
    "ClientCredentials",
    # retries and middleware
    "RetryPolicy",
    "RateLimit",
    "Middleware",
    "Handler",
    "to_jsonable",
    # errors
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
    # the models used most (all of them are in journey_async.models)
    "ActionTarget",
    "ActionTargetListing",
    "PatchActionTarget",
    "SegmentAssignment",
    "SegmentAssignmentListing",
    "SegmentAssignmentsUpdate",
    "SegmentScope",
    "AssignmentState",
    "JourneyAggregationQuery",
    "JourneyAggregateQueryResponse",
]

_MODELS = frozenset(__all__[__all__.index("ActionTarget") :])


def __getattr__(name: str) -> _typing.Any:
    """The models named here come from `journey_async.models`, which loads them on first use."""
    if name in _MODELS:
        from . import models

        value = getattr(models, name)
        globals()[name] = value
        return value
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


# A library logs, the application decides where to: without logging configured, nothing is
# printed (not even warnings, through logging's last-resort handler).
logging.getLogger("journey_async").addHandler(logging.NullHandler())

# Show `journey_async.JourneyClient` (not `journey_async._client.JourneyClient`) in reprs and
# tracebacks, as httpx does.
for _name in __all__:
    if not _name.startswith("__"):
        _obj = globals().get(_name)
        if hasattr(_obj, "__module__") and isinstance(_obj, type):
            _obj.__module__ = "journey_async"
del _name, _obj
