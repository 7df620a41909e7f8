"""Lazy package exports (PEP 562): a package names where each public name lives, and the module
is imported only when the name is first used, so importing one layer never loads the others.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module ``__getattr__`` and ``__dir__`` for ``exports`` (public name -> module; a name
    mapped to ``f"{package}.{name}"`` is that submodule itself).

    Usage: ``__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())``
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        target = importlib.import_module(module)
        value = target if module == f"{package}.{name}" else getattr(target, name)
        namespace[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
