"""The generated models are built on first use: a class with the models it refers to, only.

`journey_async._generated.models` defines its enums on import and each model class the first
time the module's `__getattr__` is asked for it; these tests run in a fresh interpreter where
what is already built matters.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
import threading
import typing

import attrs
import pytest

import journey_async._generated.models as generated
from journey_async import models


def _fresh(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip()


def test_a_first_model_builds_only_what_its_annotations_reach() -> None:
    out = _fresh(
        """
        import attrs
        import journey_async._generated.models as g
        from journey_async import models

        def built():
            return sorted(n for n, v in vars(g).items() if isinstance(v, type) and attrs.has(v))

        before = built()
        models.ActionTarget
        print(before, built())
        """
    )
    assert out == "[] ['ActionTarget', 'KeyValue', 'ServiceLevel']"


def test_a_cycle_is_built_together_and_resolves() -> None:
    out = _fresh(
        """
        import typing
        from journey_async import models

        hints = typing.get_type_hints(models.ErrorBody)
        print(hints["errors"])
        """
    )
    assert out == "list[journey_async._generated.models.ErrorBody] | None"


def test_every_model_is_a_module_global_with_its_plain_name() -> None:
    for name in models.__all__:
        cls = getattr(models, name)
        assert cls is getattr(generated, name) is vars(generated)[name]
        assert cls.__module__ == "journey_async._generated.models"
        assert cls.__qualname__ == name
        if attrs.has(cls):
            typing.get_type_hints(cls)
            attrs.resolve_types(cls)


def test_models_pickle_and_import_by_name() -> None:
    from journey_async._generated.models import ActionTarget, ServiceLevel

    value = ActionTarget(id="x", service_level=ServiceLevel(percentage=0.8))
    assert pickle.loads(pickle.dumps(value)) == value


def test_dir_lists_the_models_not_the_builders() -> None:
    names = dir(generated)
    assert set(generated.__all__) <= set(names)
    assert not [n for n in names if n.startswith("_build_")]
    assert set(models.__all__) <= set(dir(models))


def test_an_unknown_name_is_an_attribute_error() -> None:
    name = "NoSuchModel"
    for module in (generated, models):
        with pytest.raises(AttributeError, match=name):
            getattr(module, name)


def test_threads_asking_at_once_get_one_class() -> None:
    out = _fresh(
        """
        import threading
        import typing
        import journey_async._generated.models as g

        barrier = threading.Barrier(8)
        seen = []

        def worker():
            barrier.wait()
            cls = g.Session
            typing.get_type_hints(cls)
            seen.append(cls)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(len(seen), len({id(c) for c in seen}))
        """
    )
    assert out == "8 1"


def test_threads_in_this_process_too() -> None:
    results: list[type] = []

    def worker() -> None:
        results.append(models.JourneyAggregationQuery)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
