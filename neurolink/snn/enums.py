"""Names shared across the spiking-network package: sign modes, probe variables, backend tiers.

Enums rather than free strings (STYLE 1): a typo fails at the call site, not deep in a kernel.
Every enum here is a ``StrEnum``, so ``SignMode("mixed")`` and ``BackendKind("fixed")`` accept
the plain names used in JSON and configuration files.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["BackendKind", "Feature", "SignMode", "Variable"]


class SignMode(StrEnum):
    """How a connection's synapse memory stores the sign of its weights.

    ``EXCITATORY`` stores magnitudes ≥ 0, ``INHIBITORY`` stores magnitudes and negates them,
    ``MIXED`` spends one of the weight bits on the sign.
    """

    EXCITATORY = "excitatory"
    INHIBITORY = "inhibitory"
    MIXED = "mixed"


class Variable(StrEnum):
    """A neuron variable that a probe can record."""

    SPIKES = "spikes"
    U = "u"  # synaptic current
    V = "v"  # membrane voltage
    U2 = "u2"  # second synaptic current (profiles with two synapses per neuron: xylo)


class BackendKind(StrEnum):
    """The numeric tiers that execute a :class:`~neurolink.snn.spec.NetworkSpec`."""

    FLOAT = "float"  # reference dynamics in float64, for quantization error
    FIXED = "fixed"  # host fast path: numba integer kernels, bit-exact with the chip
    CHIP = "chip"  # the chip emulator (firmware_sim), loaded at runtime by name


class Feature(StrEnum):
    """Capabilities that a backend may lack; see ``Backend.not_supported``."""

    STEP = "step"  # single step() calls (the closed-loop path)
    STATE = "state"  # get_state() / set_state()
    CONTINUE_RUN = "continue_run"  # run() again without reset(), continuing the state
    MULTI_POPULATION = "multi_population"  # more than one population
    MULTI_PORT = "multi_port"  # more than one input port
    SPARSE = "sparse"  # sparse (pre, post, w) connections
    RECURRENT = "recurrent"  # connections whose source is a population
    REAL_VALUED = "real_valued"  # non-integer parameters (the ideal network of the quantizer)
