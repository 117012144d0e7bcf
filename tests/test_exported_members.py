"""The public names of `journey_async`, `journey_async.models` and `journey_async.errors`.

`__all__` is sorted by hand into groups (like httpx's), so these tests compare sets: every public
name defined in a module's namespace is exported, and every exported name exists.
"""

from __future__ import annotations

import re
import types
from pathlib import Path

import pytest

import journey_async
import journey_async._generated.models
import journey_async.errors
import journey_async.models

ROOT = Path(journey_async.__file__).resolve().parent.parent

MODULES = [journey_async, journey_async.models, journey_async.errors]


def _public_names(module: types.ModuleType) -> set[str]:
    """Names defined in `module` that are public: no leading underscore, not a submodule."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
def test_all_has_no_duplicates(module: types.ModuleType):
    """`__all__` lists each name once."""
    assert len(module.__all__) == len(set(module.__all__))


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
def test_every_exported_name_exists(module: types.ModuleType):
    """Every name in `__all__` is an attribute of the module (star-imports cannot fail)."""
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
def test_every_public_name_is_exported(module: types.ModuleType):
    """`__all__` is exactly the public names of the namespace (dunder `__version__` aside)."""
    exported = {name for name in module.__all__ if not name.startswith("__")}
    for name in exported:  # the models are bound on first use
        getattr(module, name)
    assert exported == _public_names(module)


def test_package_exports_its_version():
    """`journey_async.__all__` includes `__version__` next to the public names."""
    assert "__version__" in journey_async.__all__


def test_star_import_gives_exactly_all():
    """`from journey_async import *` binds exactly the names of `__all__`."""
    namespace: dict[str, object] = {}
    exec("from journey_async import *", namespace)
    namespace.pop("__builtins__", None)
    assert set(namespace) == set(journey_async.__all__)


def test_models_module_exports_every_model_and_enum():
    """`journey_async.models` exports every model and enum of the generated module, as is."""
    generated = journey_async._generated.models
    assert set(journey_async.models.__all__) == set(generated.__all__) - {"JSON_NAMES"}
    for name in journey_async.models.__all__:
        assert getattr(journey_async.models, name) is getattr(generated, name)


def test_package_reexports_are_the_same_objects():
    """A name exported by both the package and a submodule is one object, not a copy."""
    for module in (journey_async.models, journey_async.errors):
        for name in set(module.__all__) & set(journey_async.__all__):
            assert getattr(journey_async, name) is getattr(module, name), name


def test_every_exception_is_exported_from_the_package():
    """Every exception class of `journey_async.errors` is also exported from the package."""
    classes = {
        name
        for name in journey_async.errors.__all__
        if isinstance(getattr(journey_async.errors, name), type)
    }
    assert classes
    assert classes <= set(journey_async.__all__)


def test_version_is_a_string_matching_the_version_source():
    """`__version__` is a str equal to the version in pyproject's source (`_version.py`)."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = re.search(r"^\[tool\.hatch\.version\]\s*\npath\s*=\s*\"([^\"]+)\"", pyproject, re.M)
    assert section is not None, "pyproject.toml has no [tool.hatch.version] path"
    assert section.group(1) == "journey_async/_version.py"
    source = (ROOT / section.group(1)).read_text(encoding="utf-8")
    declared = re.search(r"^__version__\s*=\s*[\"']([^\"']+)[\"']", source, re.M)
    assert declared is not None
    assert isinstance(journey_async.__version__, str)
    assert journey_async.__version__ == declared.group(1)
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?(?:\.dev\d+)?", journey_async.__version__)


def test_version_is_dynamic_in_pyproject():
    """pyproject.toml takes the version from the source file rather than repeating it."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^dynamic\s*=\s*\[[^\]]*"version"', pyproject, re.M)
    assert not re.search(r"^version\s*=", pyproject, re.M)
