"""`Model`, the base of every model class: what all models can do besides holding fields."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["Model"]


class Model:
    """Base of the API models (attrs classes). It adds methods only, no fields or slots."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """This model as a dict, as the official SDK's `to_dict()`: snake_case attribute names,
        nested models (in lists and dicts too) as dicts, values as Python objects (date-times
        stay `datetime`s, enum members stay members), unset fields as `None`.

        For the API's own JSON form (camelCase, ISO 8601 strings, unset fields left out) use
        `journey_async.to_jsonable(model)`.
        """
        return attrs.asdict(self, recurse=True)  # type: ignore[arg-type]
