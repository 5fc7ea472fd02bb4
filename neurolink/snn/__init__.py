"""Spiking networks that compute exactly as a neuromorphic chip does.

A :class:`NetworkSpec` (populations, connections, input ports, probes) is executed by a backend:
``float`` (float64 reference), ``fixed`` (numba integer kernels, bit-exact with the chip) or
``chip`` (the emulator). The arithmetic of each chip lives in one profile
(:mod:`neurolink.snn.profiles`): ``loihi`` and ``xylo``.

NIR (:mod:`neurolink.snn.nir`: ``from_nir``, ``to_nir``, ``quantize_nir``) needs the optional
``nir`` package (extra ``[nir]``); those three names are imported on first use, so
``import neurolink.snn`` works without it, and they are in ``__all__`` only when it is installed.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from neurolink.snn.backends import Backend, make_backend, not_supported
from neurolink.snn.enums import BackendKind, Feature, SignMode, Variable
from neurolink.snn.errors import (
    BackendUnavailableError,
    NotSupportedError,
    ResourceError,
    SpecError,
)
from neurolink.snn.profiles import LoihiProfile, Profile, XyloProfile, get_profile
from neurolink.snn.profiles.xylo_layers import XyloResources
from neurolink.snn.spec import (
    DenseConnection,
    InputPort,
    NetworkSpec,
    Population,
    Probe,
    SparseConnection,
)

__all__ = [
    "Backend",
    "BackendKind",
    "BackendUnavailableError",
    "DenseConnection",
    "Feature",
    "InputPort",
    "LoihiProfile",
    "NetworkSpec",
    "NotSupportedError",
    "Population",
    "Probe",
    "Profile",
    "ResourceError",
    "SignMode",
    "SparseConnection",
    "SpecError",
    "Variable",
    "XyloProfile",
    "XyloResources",
    "get_profile",
    "make_backend",
    "not_supported",
]

from neurolink.snn.compile import CompiledDecoder, compile_decoder

__all__ += ["CompiledDecoder", "compile_decoder"]

#: Names of :mod:`neurolink.snn.nir`, imported on first access (the ``nir`` package is optional).
_NIR_NAMES = ("from_nir", "quantize_nir", "to_nir")
if importlib.util.find_spec("nir") is not None:  # `import *` must not fail without the extra
    __all__ += list(_NIR_NAMES)


def __getattr__(name: str) -> Any:
    """``from_nir``, ``to_nir``, ``quantize_nir``: imported from :mod:`neurolink.snn.nir` now.

    Raises
    ------
    ImportError
        The ``nir`` package is not installed (the message names the extra).
    AttributeError
        Any other unknown name.
    """
    if name in _NIR_NAMES:
        return getattr(importlib.import_module("neurolink.snn.nir"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_NIR_NAMES})
