"""Backends that execute a :class:`~neurolink.snn.spec.NetworkSpec`, named by :class:`BackendKind`.

=======  ============================================  ==========================================
kind     what                                          not supported
=======  ============================================  ==========================================
float    float64 reference dynamics                    (nothing)
fixed    numba integer kernels, bit-exact              real-valued parameters
chip     ``firmware_sim.Chip`` in-process, loaded by   get_state/set_state, real-valued
         name (DESIGN §1), bit-exact; for a ``xylo``   parameters (reasons: ``chip.py``,
         spec ``firmware_sim.XyloChip``                ``chip_xylo.py``)
=======  ============================================  ==========================================

:func:`not_supported` returns each list; the conformance tests assert that a backend raises
:class:`~neurolink.snn.errors.NotSupportedError` for exactly those features.

Every backend refuses the same inputs, so that fixed ≡ chip on everything either accepts:
input spikes other than 0/1 (:meth:`~neurolink.snn.spec.InputPort.spikes`), a sparse
connection listing one (pre, post) pair twice and raw weights outside −256..255
(:meth:`~neurolink.snn.spec.NetworkSpec.validate`).
"""

from __future__ import annotations

from neurolink.snn.backends.base import Backend, check_supported, features_of
from neurolink.snn.backends.chip import ChipBackend
from neurolink.snn.backends.chip_xylo import XyloChipBackend
from neurolink.snn.backends.fixed import FixedBackend
from neurolink.snn.backends.floating import FloatBackend
from neurolink.snn.enums import BackendKind, Feature
from neurolink.snn.errors import SpecError
from neurolink.snn.profiles import get_profile
from neurolink.snn.spec import NetworkSpec

__all__ = [
    "BACKENDS",
    "CHIP_BACKENDS",
    "Backend",
    "ChipBackend",
    "FixedBackend",
    "FloatBackend",
    "XyloChipBackend",
    "check_supported",
    "features_of",
    "make_backend",
    "not_supported",
]

#: Backend class of each kind.
BACKENDS: dict[BackendKind, type[Backend]] = {
    BackendKind.FLOAT: FloatBackend,
    BackendKind.FIXED: FixedBackend,
    BackendKind.CHIP: ChipBackend,
}


def _kind(kind: BackendKind | str) -> BackendKind:
    try:
        return BackendKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in BackendKind)
        raise SpecError(f"unknown backend {kind!r}; known backends: {known}") from None


#: The chip backend of each profile: ``chip`` runs the emulator of the spec's chip.
CHIP_BACKENDS: dict[str, type[Backend]] = {"loihi": ChipBackend, "xylo": XyloChipBackend}


def make_backend(kind: BackendKind | str, spec: NetworkSpec | None = None) -> Backend:
    """A new backend of ``kind``, with ``spec`` loaded if given.

    ``chip`` picks the emulator of ``spec.profile`` (:data:`CHIP_BACKENDS`; Loihi without a spec).
    """
    k = _kind(kind)
    cls = BACKENDS[k]
    if k is BackendKind.CHIP and spec is not None:
        cls = CHIP_BACKENDS.get(get_profile(spec.profile).name, ChipBackend)
    return cls(spec)  # type: ignore[call-arg]


def not_supported(kind: BackendKind | str) -> frozenset[Feature]:
    """The features that backend ``kind`` refuses with NotSupportedError."""
    return BACKENDS[_kind(kind)].not_supported
