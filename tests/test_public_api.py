"""Every module's ``__all__`` names things that exist, and every public module has one."""

import importlib
import pkgutil

import pytest

import unmask

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(unmask.__path__, "unmask.") if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_all_is_declared_and_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if name.endswith("__init__") or module.__file__.endswith("__init__.py"):
        exported = exported or []
    assert exported is not None, f"{name} has no __all__"
    for attribute in exported:
        assert hasattr(module, attribute), f"{name}.__all__ names missing {attribute}"
