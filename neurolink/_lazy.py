"""Package attributes imported on first use (PEP 562 module ``__getattr__``).

A package that re-exports its submodules' public names imports every submodule when any one of
them is imported; with :func:`lazy_exports` the names are looked up when first used instead, so
that ``import neurolink.models.point_process`` (the simulated subject's process) does not bring
scipy.integrate, scipy.signal and networkx with it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, namespace: dict[str, Any], exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for a package whose public names live in submodules.

    Parameters
    ----------
    package : str
        The package's name (for the error message).
    namespace : dict
        The package's ``globals()``: a name is stored there once imported.
    exports : mapping of str to str
        Public name → the module that defines it.
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
