"""The Xylo profile: the chip's sizes as data, the widths of every register, the decay rule.

Xylo Audio 2 (SynSense ``syns61201``) as XyloSim implements it (Rockpool 3.1.0, xylosim 0.1.3;
``../shared/data/golden/xylo/README.md``): int8 weights, one left shift per weight matrix,
int16 saturating currents and membranes, bit-shift decay with the at-least-one rule, two
synapses per hidden neuron, up to 31 spikes per hidden neuron and step.

Published sources of the sizes
------------------------------
[R31] Rockpool 3.1, ``rockpool/devices/xylo/syns61201/xylo_mapper.py``: "Xylo only supports up
      to 16 input channels", "... up to 8 output channels", ``max_hidden_neurons=1000``
      ("matching Xylo hardware"); XyloSim's default module shape (16, 1000, 8).
The fan-in of a hidden synapse is every input channel plus every hidden neuron (the three
matrices are dense in XyloSim). Xylo publishes no per-operation energy figures; none are used.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numba

from firmware_sim.bits import Overflow, Width, fit_scalar

# --------------------------------------------------------------------------------------------
# Registers and parameters (applied by firmware_sim.bits.fit_scalar)
# --------------------------------------------------------------------------------------------

#: i_syn, i_syn2, i_syn_out, v_mem, v_mem_out: int16, saturating at both ends.
STATE = Width("state", -(1 << 15), (1 << 15) - 1, Overflow.SATURATE)
#: The same register where XyloSim lets it wrap (−D(v) and the threshold subtraction).
STATE_WRAP = Width("state", -(1 << 15), (1 << 15) - 1, Overflow.WRAP_ONCE)
WEIGHT = Width("weight", -128, 127)  # int8
SHIFT = Width("weight_shift", 0, 7)  # w << 7 still fits int16
DASH = Width("dash", 0, 15)  # 4-bit decay shift
THRESHOLD = Width("threshold", -(1 << 15), (1 << 15) - 1)  # int16
BIAS = Width("bias", -(1 << 15), (1 << 15) - 1)  # int16
INPUT = Width("input", 0, 255)  # events per channel and step XyloSim accepts
INPUT_USED = 15  # only min(count, 15) events are applied
MAX_SPIKES = 31  # a hidden neuron's count per step (own spikes and alias counts)

_LO, _HI = STATE.lo, STATE.hi
_SAT, _WRAP = int(STATE.overflow), int(STATE_WRAP.overflow)


@numba.njit(cache=True)
def sat16(x: int) -> int:
    """Clamp to int16 (every addition to a current, ``dv`` and ``v``)."""
    return fit_scalar(x, _LO, _HI, _SAT)


@numba.njit(cache=True)
def wrap16(x: int) -> int:
    """int16 two's-complement wrap, one step of 65536 (enough for a difference of int16s)."""
    return fit_scalar(x, _LO, _HI, _WRAP)


@numba.njit(cache=True)
def decay_amount(x: int, dash: int) -> int:
    """``D(x, d)``: ``x >> d`` (floor), or 1 when ``x > 0`` and that shift is 0."""
    d = x >> dash
    if d == 0 and x > 0:
        d = 1  # a positive state always falls by at least one
    return d


# --------------------------------------------------------------------------------------------
# Sizes (data)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class XyloLimits:
    """Sizes of a Xylo core ([R31]).

    Attributes
    ----------
    input_channels : int
        Input channels (16).
    hidden_neurons : int
        Hidden neurons (1,000).
    output_neurons : int
        Output neurons (8).
    synapses_per_neuron : int
        Synaptic currents per hidden neuron (2); output neurons have one.
    """

    input_channels: int = 16
    hidden_neurons: int = 1000
    output_neurons: int = 8
    synapses_per_neuron: int = 2


@dataclass(frozen=True)
class XyloProfile:
    """The Xylo chip as data: its sizes (the arithmetic is this module and xylo_core)."""

    name: str = "xylo"
    limits: XyloLimits = XyloLimits()

    def resized(self, **sizes: int) -> XyloProfile:
        """A copy with some :class:`XyloLimits` fields changed (tests, other Xylo cores)."""
        for key, val in sizes.items():
            if key not in XyloLimits.__dataclass_fields__:
                raise ValueError(f"unknown Xylo size {key!r}")
            if int(val) < 1:
                raise ValueError(f"Xylo size {key} = {val} must be >= 1")
        return replace(self, limits=replace(self.limits, **{k: int(v) for k, v in sizes.items()}))


XYLO = XyloProfile()

__all__ = [
    "BIAS",
    "DASH",
    "INPUT",
    "INPUT_USED",
    "MAX_SPIKES",
    "SHIFT",
    "STATE",
    "THRESHOLD",
    "WEIGHT",
    "XYLO",
    "XyloLimits",
    "XyloProfile",
    "decay_amount",
    "sat16",
    "wrap16",
]
