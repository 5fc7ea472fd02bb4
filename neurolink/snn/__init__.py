"""Spiking networks that compute exactly as a neuromorphic chip does.

A :class:`NetworkSpec` (populations, connections, input ports, probes) is executed by a backend:
``float`` (float64 reference), ``fixed`` (numba integer kernels, bit-exact with the chip) or
``chip`` (the emulator). The arithmetic of each chip lives in one profile
(:mod:`neurolink.snn.profiles`).
"""

from __future__ import annotations

from neurolink.snn.backends import Backend, make_backend, not_supported
from neurolink.snn.enums import BackendKind, Feature, SignMode, Variable
from neurolink.snn.errors import (
    BackendUnavailableError,
    NotSupportedError,
    ResourceError,
    SpecError,
)
from neurolink.snn.profiles import Profile, get_profile
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
    "get_profile",
    "make_backend",
    "not_supported",
]
from neurolink.snn.compile import CompiledDecoder, compile_decoder

__all__ += ["CompiledDecoder", "compile_decoder"]
