"""The Loihi profile: per-core resources and cost figures as data, and the integer arithmetic.

Everything the emulator knows about the chip lives here: the bit width and overflow rule of
every state and parameter (applied by the one helper, :func:`firmware_sim.bits.fit_scalar`),
the weight truncation done once at load, the ``weight_exp`` shift of the dendritic sum, and
the CUBA LIF neuron update of DESIGN.md §3 (Lava 0.10 ``PyLifModelBitAcc`` fed by
``PyDenseModelBitAcc``). All arithmetic is integer; intermediates are ``int64``.

Published sources of the resource and cost figures
--------------------------------------------------
[D18] M. Davies et al., "Loihi: A Neuromorphic Manycore Processor with On-Chip Learning",
      IEEE Micro 38(1):82-99, 2018.
      * p. 86: 128 neuromorphic cores per chip; 1,024 compartments per core.
      * p. 89, mapping constraints: <= 1,024 neurons per core (1); <= 128 KB of synaptic
        fan-in state per core (2); <= 4,096 core-to-core fan-out edges per core (3);
        <= 4,096 input axons (distribution lists) per core (4).
      * Table 2 ("pre-silicon performance and energy measurements", SDF and SPICE
        simulation at 0.75 V): synaptic spike op 23.6 pJ (min) / 3.5 ns (max); neuron update
        81 pJ active / 52 pJ inactive, 8.4 ns active / 5.3 ns inactive; within-tile spike
        1.7 pJ; tile hop 3.0 pJ (E-W) / 4.0 pJ (N-S); mesh-wide barrier sync 113-465 ns for
        1-32 tiles. (Synaptic update with STDP, 120 pJ / 6.1 ns, is not used: no learning.)
      Note: figures quoted elsewhere as "52 pJ active / 21 pJ inactive" do not match the
      table as transcribed by several independent readers; we use 81 / 52 pJ.

Approximate or assumed (not stated in [D18]):
      * 4 cores per tile and an 8 x 4 tile mesh (inferred from "1-32 tiles"; not stated).
      * Synapse memory cost per synapse: ``num_weight_bits`` for a dense connection,
        ``num_weight_bits + ceil(log2(neurons_per_core))`` (weight + target index) for a sparse
        one. The real formats are compressed lists with headers; this is a budget model.
      * "Active" neuron update: a neuron with any non-zero u, v, input or bias before the
        update; an all-zero neuron counts as inactive ([D18] does not define the terms).
      * Table 2 energies are a minimum for synaptic ops and times a maximum; the estimates
        are order-of-magnitude figures, not measurements of this emulator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import Enum

import numba
import numpy as np

from firmware_sim.bits import Overflow, Width, fit_scalar
from firmware_sim.bits import check_range as check_range  # re-exported: one import site
from firmware_sim.bits import fit as fit

# --------------------------------------------------------------------------------------------
# Bit widths (the overflow helper is firmware_sim.bits.fit_scalar)
# --------------------------------------------------------------------------------------------

STATE_BITS = 24  # u and v are 24-bit signed registers
_HALF = 1 << (STATE_BITS - 1)  # 2**23

#: u: 24-bit signed, wraps by one step of 2**24; +2**23 itself is kept, -2**23 is not.
U = Width("u", -_HALF + 1, _HALF, Overflow.WRAP_ONCE)
#: v: 24-bit signed, saturates symmetrically at +-(2**23 - 1).
V = Width("v", -_HALF + 1, _HALF - 1, Overflow.SATURATE)
DU = Width("du", 0, 4095)  # 12-bit unsigned current decay
DV = Width("dv", 0, 4095)  # 12-bit unsigned voltage decay
VTH = Width("vth", 0, (1 << 17) - 1)  # 17-bit unsigned threshold mantissa
BIAS_MANT = Width("bias_mant", -(1 << 12), (1 << 12) - 1)  # 13-bit signed
BIAS_EXP = Width("bias_exp", 0, 7)  # 3-bit unsigned
WEIGHT = Width("weight", -256, 255)  # 9-bit signed synaptic weight
WEIGHT_EXP = Width("weight_exp", -8, 7)  # signed weight exponent
NUM_WEIGHT_BITS = Width("num_weight_bits", 1, 8)

DECAY_SHIFT = 12  # decays are fractions of 2**12 = 4096
DECAY_UNITY = 1 << DECAY_SHIFT
DS_OFFSET = 1  # added to du: du = 0 still decays u by 1/4096
DM_OFFSET = 0  # added to dv
ACT_SHIFT = 6  # synaptic input is MSB-aligned into u by << 6
VTH_SHIFT = 6  # threshold mantissa is MSB-aligned by << 6


# plain ints for the kernel (numba freezes module globals as constants)
_U_LO, _U_HI, _U_RULE = U.lo, U.hi, int(U.overflow)
_V_LO, _V_HI, _V_RULE = V.lo, V.hi, int(V.overflow)


# --------------------------------------------------------------------------------------------
# Synapses: truncation at load and the weight_exp shift of the dendritic sum
# --------------------------------------------------------------------------------------------


class SignMode(Enum):
    """Weight sign mode of a connection (Lava's ``SignMode``)."""

    EXCITATORY = "excitatory"
    INHIBITORY = "inhibitory"
    MIXED = "mixed"


def infer_sign_mode(weights: np.ndarray) -> SignMode:
    """All >= 0: excitatory; else all <= 0: inhibitory; else mixed (all-zero: excitatory)."""
    if weights.size == 0 or int(weights.min()) >= 0:
        return SignMode.EXCITATORY
    if int(weights.max()) <= 0:
        return SignMode.INHIBITORY
    return SignMode.MIXED


def truncate_weights(weights: np.ndarray, sign_mode: SignMode, num_weight_bits: int) -> np.ndarray:
    """Weights as the synapse memory stores them (done once, at load).

    Parameters
    ----------
    weights : ndarray of int, any shape
        Raw weights in -256..255.
    sign_mode : SignMode
    num_weight_bits : int
        1..8.

    Returns
    -------
    ndarray of int16, same shape
        Inhibitory weights are negated, clipped to ``[-256*mixed, 255]``, floored to a
        multiple of ``2**(8 - num_weight_bits + mixed)`` and negated back. With 8 bits in
        mixed mode the least bit is dropped: 3 -> 2, -3 -> -4.
    """
    mixed = 1 if sign_mode is SignMode.MIXED else 0
    w = np.asarray(weights, dtype=np.int64)
    if sign_mode is SignMode.INHIBITORY:
        w = -w
    w = np.clip(w, -256 * mixed, 255)
    t = 8 - num_weight_bits + mixed
    w = (w >> t) << t  # arithmetic >> floors, << restores the scale: keeps the top bits
    if sign_mode is SignMode.INHIBITORY:
        w = -w
    return w.astype(np.int16)  # 9-bit signed fits int16


def scale_dendritic_sum(acc: np.ndarray, weight_exp: int) -> np.ndarray:
    """Apply a connection's ``weight_exp`` to its summed weights (no saturation).

    Parameters
    ----------
    acc : ndarray of int64, shape (n_post,)
        Sum of stored weights of the pre neurons that spiked this step.
    weight_exp : int
        -8..7.

    Returns
    -------
    ndarray of int64, shape (n_post,)
    """
    if weight_exp > 0:
        return acc << weight_exp  # scale up by 2**weight_exp
    return acc >> -weight_exp  # arithmetic: floors negative sums (e.g. -3 >> 1 = -2)


# --------------------------------------------------------------------------------------------
# The neuron: CUBA LIF, one step
# --------------------------------------------------------------------------------------------


@dataclass
class NeuronParams:
    """Per-neuron constants, precomputed once at load.

    Attributes
    ----------
    decay_u : ndarray of int64, shape (n,)
        ``4096 - (du + DS_OFFSET)``, multiplier of u (units of 1/4096).
    decay_v : ndarray of int64, shape (n,)
        ``4096 - (dv + DM_OFFSET)``, multiplier of v.
    bias : ndarray of int64, shape (n,)
        ``bias_mant << bias_exp``, added to v each step.
    vth_scaled : ndarray of int64, shape (n,)
        ``vth << VTH_SHIFT``, the threshold in v units.
    """

    decay_u: np.ndarray
    decay_v: np.ndarray
    bias: np.ndarray
    vth_scaled: np.ndarray

    @classmethod
    def from_fields(
        cls,
        du: np.ndarray,
        dv: np.ndarray,
        vth: np.ndarray,
        bias_mant: np.ndarray,
        bias_exp: np.ndarray,
    ) -> NeuronParams:
        """Precompute from validated per-neuron fields (each shape (n,), int)."""
        i64 = np.int64
        return cls(
            decay_u=DECAY_UNITY - (du.astype(i64) + DS_OFFSET),
            decay_v=DECAY_UNITY - (dv.astype(i64) + DM_OFFSET),
            bias=bias_mant.astype(i64) << bias_exp.astype(i64),  # bias_mant * 2**bias_exp
            vth_scaled=vth.astype(i64) << VTH_SHIFT,  # MSB-align the 17-bit mantissa
        )


@numba.njit(cache=True)
def _decay(x: int, factor: int) -> int:
    """``x * factor / 4096`` rounded toward zero (int64 product, >> 12 on the magnitude)."""
    y = x * factor  # |x| <= 2**25 in practice, factor <= 2**12: fits int64
    if y >= 0:
        return y >> DECAY_SHIFT  # / 4096, floor = toward zero for y >= 0
    return -((-y) >> DECAY_SHIFT)  # shift the magnitude: toward zero, not floor


@numba.njit(cache=True)
def _lif_kernel(
    u: np.ndarray,
    v: np.ndarray,
    a: np.ndarray,
    decay_u: np.ndarray,
    decay_v: np.ndarray,
    bias: np.ndarray,
    vth_scaled: np.ndarray,
    spikes: np.ndarray,
) -> None:
    for i in range(u.size):
        x = _decay(u[i], decay_u[i]) + (a[i] << ACT_SHIFT)  # input MSB-aligned by << 6
        u[i] = fit_scalar(x, _U_LO, _U_HI, _U_RULE)  # one wrap step at 2**23
        y = _decay(v[i], decay_v[i]) + u[i] + bias[i]
        y = fit_scalar(y, _V_LO, _V_HI, _V_RULE)  # saturate at +-(2**23 - 1)
        spikes[i] = y > vth_scaled[i]  # strict: v == vth << 6 does not spike
        v[i] = 0 if spikes[i] else y  # reset v only; u is not reset, no refractory period


def lif_step(u: np.ndarray, v: np.ndarray, a: np.ndarray, p: NeuronParams) -> np.ndarray:
    """One CUBA LIF update, in place on ``u`` and ``v`` (DESIGN.md §3, in this order).

    Per neuron: ``u = wrap(decay(u, 4096 - (du + 1)) + (a << 6))``;
    ``v = clip(decay(v, 4096 - dv) + u + bias)``; spike if ``v > vth << 6``; then ``v = 0``
    where it spiked. ``decay(x, f) = sign(x * f) * (|x * f| >> 12)``.

    Parameters
    ----------
    u : ndarray of int64, shape (n,)
        Synaptic current, width :data:`U`; updated in place.
    v : ndarray of int64, shape (n,)
        Membrane voltage, width :data:`V`; updated in place.
    a : ndarray of int64, shape (n,)
        Synaptic input of this step (the previous step's dendritic sum).
    p : NeuronParams
        Per-neuron constants, shape (n,) each.

    Returns
    -------
    ndarray of bool, shape (n,)
        Spikes.
    """
    spikes = np.empty(u.size, dtype=np.bool_)
    _lif_kernel(u, v, a, p.decay_u, p.decay_v, p.bias, p.vth_scaled, spikes)
    return spikes


# --------------------------------------------------------------------------------------------
# Resources and costs (data)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoreLimits:
    """Chip size and per-core resources ([D18] p. 86 and p. 89 unless marked).

    Attributes
    ----------
    n_cores : int
        Neuromorphic cores on the chip (128).
    neurons_per_core : int
        Compartments per core (1,024).
    synapse_bits_per_core : int
        Synaptic memory per core, bits (128 KB = 1,048,576 bits).
    axons_in_per_core : int
        Input axons (distribution lists) per core (4,096).
    axons_out_per_core : int
        Core-to-core fan-out edges per core (4,096).
    cores_per_tile : int
        Cores sharing one router (4; inferred, not stated).
    mesh_width_tiles : int
        Tiles per mesh row (8; assumed 8 x 4 layout, not stated).
    """

    n_cores: int = 128
    neurons_per_core: int = 1024
    synapse_bits_per_core: int = 128 * 1024 * 8
    axons_in_per_core: int = 4096
    axons_out_per_core: int = 4096
    cores_per_tile: int = 4
    mesh_width_tiles: int = 8

    @property
    def index_bits(self) -> int:
        """Bits to address one neuron of a core (10 for 1,024), for sparse synapses."""
        return max(1, math.ceil(math.log2(self.neurons_per_core)))


@dataclass(frozen=True)
class CostFigures:
    """Per-operation energy (J) and time (s), [D18] Table 2 at 0.75 V (simulated)."""

    synop_energy_j: float = 23.6e-12  # per synaptic spike op (a minimum)
    neuron_active_energy_j: float = 81e-12
    neuron_inactive_energy_j: float = 52e-12
    spike_in_tile_energy_j: float = 1.7e-12  # per packet delivered within a tile
    hop_ew_energy_j: float = 3.0e-12  # per tile hop east-west
    hop_ns_energy_j: float = 4.0e-12  # per tile hop north-south
    synop_time_s: float = 3.5e-9  # per synaptic spike op (a maximum)
    neuron_active_time_s: float = 8.4e-9
    neuron_inactive_time_s: float = 5.3e-9
    barrier_time_1_tile_s: float = 113e-9  # mesh-wide barrier, 1 tile ...
    barrier_time_32_tiles_s: float = 465e-9  # ... to 32 tiles; linear in between (assumed)

    def barrier_time_s(self, n_tiles: int) -> float:
        """Barrier time for ``n_tiles`` tiles, linear through [D18]'s two end points."""
        slope = (self.barrier_time_32_tiles_s - self.barrier_time_1_tile_s) / 31
        return self.barrier_time_1_tile_s + slope * (max(n_tiles, 1) - 1)


@dataclass(frozen=True)
class LoihiProfile:
    """The Loihi chip as data: limits and cost figures (the arithmetic is this module)."""

    name: str = "loihi"
    limits: CoreLimits = field(default_factory=CoreLimits)
    costs: CostFigures = field(default_factory=CostFigures)

    def resized(
        self,
        n_cores: int | None = None,
        neurons_per_core: int | None = None,
        synapse_bits_per_core: int | None = None,
        axons_in_per_core: int | None = None,
        axons_out_per_core: int | None = None,
    ) -> LoihiProfile:
        """A copy with some chip limits changed (for tests, benchmarks, other chip sizes).

        Parameters
        ----------
        n_cores, neurons_per_core, synapse_bits_per_core, axons_in_per_core, axons_out_per_core
            New values of the :class:`CoreLimits` fields of the same names; ``None`` keeps one.
        """
        given = {
            "n_cores": n_cores,
            "neurons_per_core": neurons_per_core,
            "synapse_bits_per_core": synapse_bits_per_core,
            "axons_in_per_core": axons_in_per_core,
            "axons_out_per_core": axons_out_per_core,
        }
        changed = {k: int(val) for k, val in given.items() if val is not None}
        for key, val in changed.items():
            if val < 1:
                raise ValueError(f"chip limit {key} = {val} must be >= 1")
        return replace(self, limits=replace(self.limits, **changed))


LOIHI = LoihiProfile()
