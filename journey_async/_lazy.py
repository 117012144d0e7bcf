"""The lazy loading of the generated models: each class defined on its first use.

`_generated/models.py` holds a builder function per model (`_build_<Name>`) and `_REFS`, the
models each one's annotations name; `lazy_module` gives it the module `__getattr__` and
`__dir__` that run those builders. Written here once, not emitted into the generated file.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_module"]


def lazy_module(
    namespace: dict[str, Any], refs: Mapping[str, tuple[str, ...]]
) -> tuple[Callable[[str], type], Callable[[], list[str]]]:
    """`(__getattr__, __dir__)` for the module whose globals are `namespace`."""
    lock = threading.RLock()
    names = frozenset(namespace["__all__"])
    module = namespace["__name__"]

    def __getattr__(name: str) -> type:
        """Define model `name` on first use, with every model its annotations reach, so that
        the annotations resolve in the module's globals (`typing.get_type_hints`, `_wire`).

        The builders run in a copy of the globals, and the new classes are published together
        once all are built: another thread never sees a class whose references are missing.
        """
        if name not in names:
            msg = f"module {module!r} has no attribute {name!r}"
            raise AttributeError(msg)
        with lock:
            if name not in namespace:
                staging = dict(namespace)
                built: list[str] = []
                todo = [name]
                while todo:
                    model = todo.pop()
                    if model not in staging:
                        types.FunctionType(namespace[f"_build_{model}"].__code__, staging)()
                        built.append(model)
                        todo.extend(refs.get(model, ()))
                namespace.update({model: staging[model] for model in built})
        cls: type = namespace[name]
        return cls

    def __dir__() -> list[str]:
        return sorted(n for n in set(namespace) | names if not n.startswith("_build_"))

    return __getattr__, __dir__
