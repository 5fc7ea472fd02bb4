"""What a chip profile is: the arithmetic of one chip, behind one interface.

A profile owns everything that is specific to a chip's numbers — parameter ranges, state bit
widths and what happens when a state leaves its width, weight truncation, the integer neuron and
synapse kernels, the same dynamics in float64, and the chip's resources and energy figures.
Backends own everything else (layout, inputs, probes, state handling) and take a profile.

Adding a chip (e.g. a 16-bit chip with saturating bit-shift decay) means one more file in this
package: a :class:`Profile` subclass plus its kernels, registered in ``profiles/__init__.py``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from neurolink.snn.enums import SignMode
from neurolink.snn.errors import ResourceError

if TYPE_CHECKING:
    from neurolink.snn.spec import NetworkSpec

__all__ = ["Overflow", "Profile", "Resources", "StateWidth"]


class Overflow(IntEnum):
    """What the hardware does when a state leaves its bit width (an int, so numba folds it)."""

    WRAP_ONCE = 0  # one two's-complement wrap step: x > 2**(b−1) → x − 2**b; x ≤ −2**(b−1) → +2**b
    SATURATE = 1  # clip to the symmetric range ±(2**(b−1) − 1)
    SATURATE_FULL = 2  # clip to the full two's-complement range −2**(b−1)..2**(b−1) − 1


@dataclass(frozen=True)
class StateWidth:
    """Bit width of a signed state variable and its overflow rule.

    Parameters
    ----------
    bits : int
        Width in bits, sign included.
    overflow : Overflow
        Rule applied when an update leaves the range.
    """

    bits: int
    overflow: Overflow

    @property
    def lo(self) -> int:
        """Smallest value the state can hold after its overflow rule."""
        half = 1 << (self.bits - 1)
        if self.overflow is Overflow.SATURATE_FULL:
            return -half
        return -half + 1  # wrap: −2**(b−1) maps to +2**(b−1); saturate: symmetric

    @property
    def hi(self) -> int:
        """Largest value the state can hold after its overflow rule."""
        half = 1 << (self.bits - 1)
        return half if self.overflow is Overflow.WRAP_ONCE else half - 1


@dataclass(frozen=True)
class Resources:
    """Per-chip resources used to refuse networks that cannot fit.

    Parameters
    ----------
    cores : int
        Neuromorphic cores per chip.
    neurons_per_core : int
        Neuron compartments per core.
    synapse_memory_bits_per_core : int
        Synaptic memory per core, in bits.
    source : str
        Where the figures were published.
    """

    cores: int
    neurons_per_core: int
    synapse_memory_bits_per_core: int
    source: str


class Profile(ABC):
    """The arithmetic of one chip.

    Class attributes declare the data (ranges, widths, resources); methods and kernel attributes
    implement the maths. Kernels are numba dispatchers so that the fixed backend makes exactly
    one compiled call per step.
    """

    name: ClassVar[str]
    #: Integer range (inclusive) of each neuron parameter and initial state.
    neuron_ranges: ClassVar[Mapping[str, tuple[int, int]]]
    #: Integer range (inclusive) of each connection parameter (``weights`` is per synapse).
    connection_ranges: ClassVar[Mapping[str, tuple[int, int]]]
    #: Ranges that differ for real-valued (ideal, unquantized) parameters.
    real_ranges: ClassVar[Mapping[str, tuple[float, float]]]
    #: Parameters that are shift amounts and must be integers even in a real-valued network.
    shift_params: ClassVar[frozenset[str]]
    #: Rows of the state array, in order (the last one is the pending synaptic input ``a``).
    state_vars: ClassVar[tuple[str, ...]]
    #: dtype of stored (truncated) weights in the fixed backend.
    weight_dtype: ClassVar[type[np.integer]]
    #: Gain from synaptic input ``a`` to ``u`` and from ``vth`` to the compared ``v``.
    activation_gain: ClassVar[int]
    threshold_gain: ClassVar[int]
    resources: ClassVar[Resources]
    #: Energy per operation in picojoules, with the source in ``energy_source``.
    energy_pj: ClassVar[Mapping[str, float]]
    energy_source: ClassVar[str]
    #: Rows of ``float_params`` that hold the LIF view: ``keep_u``, ``keep_v`` (retention per
    #: step), ``bias`` (added to v) and ``vth`` (compared with v); used by NIR export.
    float_rows: ClassVar[Mapping[str, int]]
    #: Largest magnitude the currents and membrane may reach (the quantizer's headroom).
    state_limit: ClassVar[int]
    #: Synaptic currents per neuron (``u``, then ``u2``); a connection picks one by ``synapse``.
    synapses: ClassVar[int] = 1
    #: Largest number of events one input axon may carry in one step (1: binary spikes).
    max_input_count: ClassVar[int] = 1
    #: dtype of recorded spikes: bool for binary spikes, uint8 for spike counts.
    spike_dtype: ClassVar[type] = np.bool_

    # --- numba kernels (set by subclasses to njit dispatchers) -------------------------------
    #: ``fixed_step(src, n_in, state, params, conn, w_dense, indptr, post, w_sparse, acc)``
    fixed_step: Callable[..., None]
    #: ``fixed_run(raster, src, state, params, conn, w_dense, indptr, post, w_sparse, acc,
    #: spk_idx, rec_row, rec_idx, out_spk, out_rec)``
    fixed_run: Callable[..., None]

    # --- weights --------------------------------------------------------------------------------
    @abstractmethod
    def truncate_weights(
        self, weights: np.ndarray, num_weight_bits: int, sign_mode: SignMode
    ) -> np.ndarray:
        """Weights as the synapse memory stores them (int64, same shape as ``weights``)."""

    @abstractmethod
    def weight_grid(self, num_weight_bits: int, sign_mode: SignMode) -> tuple[int, int, int]:
        """``(quantum, lo, hi)``: stored weights are the multiples of ``quantum`` in lo..hi."""

    @abstractmethod
    def float_weight_scale(self, weight_exp: int) -> float:
        """Factor applied to summed weights in the float tier (no truncation, no floor)."""

    # --- neurons --------------------------------------------------------------------------------
    @abstractmethod
    def fixed_params(self, p: Mapping[str, np.ndarray]) -> np.ndarray:
        """Per-neuron kernel constants, int64, shape (n_params, n_neurons)."""

    @abstractmethod
    def float_params(self, p: Mapping[str, np.ndarray]) -> np.ndarray:
        """Per-neuron float constants, float64, shape (n_params, n_neurons)."""

    @abstractmethod
    def initial_state(self, p: Mapping[str, np.ndarray], dtype: type) -> np.ndarray:
        """State array, shape (len(state_vars), n_neurons), from the initial values."""

    @abstractmethod
    def float_neuron_update(self, state: np.ndarray, params: np.ndarray) -> np.ndarray:
        """Advance float neurons one step in place; return spikes, bool (n_neurons,)."""

    @abstractmethod
    def quantize_decay(self, param: str, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Decay code for a per-step retention factor ``keep`` = exp(−dt/τ).

        Returns ``(codes, ideal)``: integer codes within range and the real code that would
        give ``keep`` exactly.
        """

    # --- one float step -------------------------------------------------------------------------
    def float_step(
        self,
        state: np.ndarray,
        params: np.ndarray,
        src: np.ndarray,
        n_in: int,
        conns: Sequence[tuple[slice, slice, np.ndarray, int]],
    ) -> np.ndarray:
        """Advance the float tier one step; return the neurons' spikes of this step.

        The default is the Loihi order: neurons consume the pending input (the last state
        row, summed in the previous step), then this step's spikes are summed into it (one
        step of synaptic delay on every connection). Profiles with another order override it.

        Parameters
        ----------
        state : numpy.ndarray, float64, shape (len(state_vars), n)
        params : numpy.ndarray, float64, shape (n_params, n)
        src : numpy.ndarray, float64, shape (n_in + n,)
            This step's input spikes in ``src[:n_in]``; the method writes the neuron part.
        n_in : int
        conns : sequence of (source slice, target slice, weights (n_post, n_pre), synapse)
            Weights already scaled by ``float_weight_scale``.

        Returns
        -------
        numpy.ndarray, shape (n,)
            Spikes (bool) or spike counts of this step.
        """
        spikes = self.float_neuron_update(state, params)
        src[n_in:] = spikes
        a = state[-1]  # pending input for the next step
        a[:] = 0.0
        for src_sl, dst, w, _syn in conns:
            a[dst] += w @ src[src_sl]
        return spikes

    # --- shared behaviour -----------------------------------------------------------------------
    def check_structure(self, spec: NetworkSpec) -> None:
        """Refuse a network whose structure the chip cannot express (SpecError); default none."""
        return None

    def range_of(self, param: str, real: bool = False) -> tuple[float, float]:
        """Allowed (inclusive) range of a neuron or connection parameter."""
        if real and param in self.real_ranges:
            return self.real_ranges[param]
        if param in self.neuron_ranges:
            return self.neuron_ranges[param]
        return self.connection_ranges[param]

    def check_fits(self, spec: NetworkSpec) -> None:
        """Refuse a network that cannot fit the chip (necessary conditions only).

        Raises
        ------
        ResourceError
            Naming the resource that overflowed, what was needed and what the chip has.
        """
        r = self.resources
        n_neurons = sum(p.n for p in spec.populations)
        if n_neurons > r.cores * r.neurons_per_core:
            big = sorted(spec.populations, key=lambda p: -p.n)[:3]
            raise ResourceError(
                f"{self.name}: {n_neurons} neurons exceed {r.cores} cores × "
                f"{r.neurons_per_core} neurons per core = {r.cores * r.neurons_per_core} "
                f"(largest populations: {', '.join(f'{p.name!r} {p.n}' for p in big)})"
            )
        need = {c.name: c.n_synapses(spec) * c.num_weight_bits for c in spec.connections}
        bits, have = sum(need.values()), r.cores * r.synapse_memory_bits_per_core
        if bits > have:
            big = sorted(need, key=lambda k: -need[k])[:3]
            raise ResourceError(
                f"{self.name}: synaptic weights need {bits} bits, more than the chip's "
                f"{have} bits of synaptic memory ({r.cores} cores; largest connections: "
                f"{', '.join(f'{k!r} {need[k]} bits' for k in big)})"
            )
