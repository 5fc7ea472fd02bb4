"""Spiking networks of LIF and Izhikevich populations with sparse, event-driven synapses.

Neurons (``n`` in all, numbered population by population) receive an external drive plus a
current-based exponential synaptic input ``i_syn`` (``τ_syn di/dt = −i``; a presynaptic spike adds
the synapse's weight one step later). Synapses are :class:`SparseConnectivity` blocks between
populations, merged into one CSR table; only the rows of neurons that spiked are touched, so the
cost per step is ``O(n + spikes × out-degree)``. The loop over steps runs in a numba kernel
(``_spiking_kernel.run``) that releases the GIL.

:class:`LIFPopulation` is the grid-stepped float LIF of a network; the continuous-time LIF with
interpolated spike times is :class:`neurolink.models.dynamics.LIF`, and the chips' integer LIFs
are :mod:`neurolink.snn.profiles`' (see :mod:`neurolink.models.dynamics.lif` for how the
three differ). The CSR table here holds float weights
(:mod:`neurolink.models.networks.sparse`).

Units: time in ms; LIF potentials in mV, drive and weights in nA (``r_m`` in MΩ, so
``r_m · I`` is in mV); Izhikevich in its dimensionless units (``v`` ≈ mV, input ≈ pA-like).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.dynamics.params import (
    ModelError,
    as_float_array,
    check_nonnegative,
    check_positive,
)
from neurolink.models.integrators import IntegrationError
from neurolink.models.networks import _spiking_kernel as kernel
from neurolink.models.networks.sparse import SparseConnectivity

__all__ = ["IzhikevichPopulation", "LIFPopulation", "SpikingNetwork", "SpikingResult"]


@dataclass(frozen=True)
class LIFPopulation:
    """Leaky integrate-and-fire neurons ``τ_m dV/dt = −(V − V_rest) + r_m I``.

    A neuron spikes when ``V >= v_th``, is set to ``v_reset`` and held there for ``t_ref``.
    With ``V_reset = V_rest`` and a constant ``I`` its rate is
    ``1 / (t_ref + τ_m ln(r_m I / (r_m I − (v_th − v_rest))))``.

    Parameters
    ----------
    size : int
        Number of neurons.
    name : str
        Population name (unique in a network).
    tau_m : float
        Membrane time constant (ms), > 0.
    v_rest, v_reset, v_th : float
        Resting, reset and threshold potentials (mV), ``v_reset < v_th``.
    t_ref : float
        Absolute refractory period (ms), >= 0; rounded to whole steps.
    r_m : float
        Membrane resistance (MΩ): input ``I`` in nA gives ``r_m I`` in mV.
    """

    size: int
    name: str = "lif"
    tau_m: float = 20.0
    v_rest: float = -65.0
    v_reset: float = -65.0
    v_th: float = -50.0
    t_ref: float = 2.0
    r_m: float = 10.0

    def __post_init__(self) -> None:
        _check_size(self.name, self.size)
        check_positive(self.name, "tau_m", self.tau_m, "ms")
        check_nonnegative(self.name, "t_ref", self.t_ref, "ms")
        check_positive(self.name, "r_m", self.r_m, "MΩ")
        if not self.v_reset < self.v_th:
            raise ModelError(f"{self.name}: need v_reset < v_th, got {self.v_reset}, {self.v_th}")

    def _params(self, dt: float) -> tuple[int, list[float], float, float]:
        par = [
            np.exp(-dt / self.tau_m),
            self.v_rest,
            self.v_reset,
            self.v_th,
            float(round(self.t_ref / dt)),
            self.r_m,
        ]
        return kernel.LIF, par, self.v_rest, 0.0


@dataclass(frozen=True)
class IzhikevichPopulation:
    """Izhikevich neurons ``v' = 0.04v² + 5v + 140 − u + I``, ``u' = a(bv − u)``.

    At ``v >= v_peak``: ``v ← c``, ``u ← u + d``. Defaults are regular spiking; they start at
    ``v = c``, ``u = b c``. Integrated by forward Euler, so keep ``dt`` ≲ 0.5 ms.

    Parameters
    ----------
    size : int
        Number of neurons.
    name : str
        Population name (unique in a network).
    a, b, c, d : float
        Recovery rate (1/ms), sensitivity, reset potential (mV), reset jump of ``u``.
    v_peak : float
        Spike cut-off (mV).
    """

    size: int
    name: str = "izhikevich"
    a: float = 0.02
    b: float = 0.2
    c: float = -65.0
    d: float = 8.0
    v_peak: float = 30.0

    def __post_init__(self) -> None:
        _check_size(self.name, self.size)
        check_positive(self.name, "a", self.a, "1/ms")
        if not self.c < self.v_peak:
            raise ModelError(f"{self.name}: need c < v_peak, got {self.c}, {self.v_peak}")

    def _params(self, dt: float) -> tuple[int, list[float], float, float]:
        del dt
        par = [self.a, self.b, self.c, self.d, self.v_peak, 0.0]
        return kernel.IZHIKEVICH, par, self.c, self.b * self.c


Population = LIFPopulation | IzhikevichPopulation


@dataclass(frozen=True)
class SpikingResult:
    """Spikes of a :class:`SpikingNetwork` run.

    Parameters
    ----------
    times : numpy.ndarray, float64, shape (n_spikes,)
        Spike times (ms): the end of the step in which the threshold was reached. Sorted.
    neurons : numpy.ndarray, int32, shape (n_spikes,)
        Neuron of each spike (global index).
    n_neurons : int
        Number of neurons in the network.
    duration, dt : float
        Simulated time and step (ms).
    populations : mapping of str to slice
        Global index range of each population.
    """

    times: np.ndarray
    neurons: np.ndarray
    n_neurons: int
    duration: float
    dt: float
    populations: Mapping[str, slice] = field(default_factory=dict)

    def _range(self, population: str | None) -> slice:
        if population is None:
            return slice(0, self.n_neurons)
        try:
            return self.populations[population]
        except KeyError:
            raise ModelError(
                f"no population {population!r} (has {tuple(self.populations)})"
            ) from None

    def spike_trains(self, population: str | None = None) -> list[np.ndarray]:
        """Sorted spike times (ms) per neuron of ``population`` (all neurons if None)."""
        sl = self._range(population)
        order = np.argsort(self.neurons, kind="stable")
        bounds = np.searchsorted(self.neurons[order], np.arange(sl.start, sl.stop + 1))
        return [self.times[order[bounds[k] : bounds[k + 1]]] for k in range(sl.stop - sl.start)]

    def rates(
        self, population: str | None = None, t_from: float = 0.0, t_to: float | None = None
    ) -> np.ndarray:
        """Firing rate (Hz) per neuron over ``[t_from, t_to)`` ms, shape (n_population,)."""
        sl = self._range(population)
        t_to = self.duration if t_to is None else t_to
        if not t_to > t_from:
            raise ModelError(f"rates: need t_to > t_from, got [{t_from}, {t_to})")
        keep = (self.times >= t_from) & (self.times < t_to)
        counts = np.bincount(self.neurons[keep], minlength=self.n_neurons)[sl]
        return counts / ((t_to - t_from) * 1e-3)


class SpikingNetwork:
    """LIF/Izhikevich populations joined by sparse current-based exponential synapses.

    Parameters
    ----------
    populations : sequence of LIFPopulation or IzhikevichPopulation
        The neurons, numbered in this order.
    tau_syn : float
        Synaptic time constant (ms), > 0.

    Examples
    --------
    >>> net = SpikingNetwork([LIFPopulation(800, "exc"), LIFPopulation(200, "inh")])
    >>> net.connect("exc", "inh", SparseConnectivity.random(800, 200, 0.1, 0.05, rng=1))
    >>> result = net.simulate(duration=100.0, dt=0.1, drive={"exc": 2.0, "inh": 1.0})
    """

    def __init__(self, populations: Sequence[Population], tau_syn: float = 5.0) -> None:
        if not populations:
            raise ModelError("SpikingNetwork: need at least one population")
        names = [p.name for p in populations]
        if len(set(names)) != len(names):
            raise ModelError(f"SpikingNetwork: population names must be unique, got {names}")
        self.populations = tuple(populations)
        self.tau_syn = check_positive("SpikingNetwork", "tau_syn", tau_syn, "ms")
        starts = np.concatenate([[0], np.cumsum([p.size for p in populations])])
        self.slices = {
            p.name: slice(int(starts[k]), int(starts[k + 1])) for k, p in enumerate(populations)
        }
        self.n_neurons = int(starts[-1])
        # The synapses, stored once: (first pre neuron, first post neuron, table) per
        # connect() in order; connectivity() replaces them by the merged table alone.
        self._blocks: list[tuple[int, int, SparseConnectivity]] = []

    def connect(self, pre: str, post: str, connectivity: SparseConnectivity) -> None:
        """Add synapses from population ``pre`` to ``post`` (local indices in ``connectivity``).

        The table is kept as it is (not copied) until :meth:`connectivity` or :meth:`simulate`
        merges all tables into one, which the network then keeps instead.
        """
        for name in (pre, post):
            if name not in self.slices:
                raise ModelError(f"connect: no population {name!r} (has {tuple(self.slices)})")
        n_pre = self.slices[pre].stop - self.slices[pre].start
        n_post = self.slices[post].stop - self.slices[post].start
        if (connectivity.n_pre, connectivity.n_post) != (n_pre, n_post):
            raise ModelError(
                f"connect {pre}→{post}: connectivity is {connectivity.n_pre}→"
                f"{connectivity.n_post} neurons but the populations have {n_pre}→{n_post}"
            )
        self._blocks.append((self.slices[pre].start, self.slices[post].start, connectivity))

    def connectivity(self) -> SparseConnectivity:
        """All synapses in global neuron indices, merged into one CSR table.

        Rows are sorted by postsynaptic neuron; repeated pairs keep the order in which they were
        connected. The network keeps this table in place of the ones given to :meth:`connect`
        (a single table connecting a single population is used as it is).
        """
        merged = SparseConnectivity._combine(self._blocks, self.n_neurons, self.n_neurons)
        self._blocks = [(0, 0, merged)]
        return merged

    def simulate(
        self, duration: float, dt: float, drive: ArrayLike | Mapping[str, ArrayLike] = 0.0
    ) -> SpikingResult:
        """Run from the resting state for ``duration`` ms in steps of ``dt`` ms.

        Parameters
        ----------
        duration, dt : float
            Simulated time and step (ms), > 0.
        drive : float, array_like or mapping of str to array_like
            External input (nA for LIF, model units for Izhikevich): a scalar for all, an array
            of shape (n_neurons,) or (n_steps, n_neurons), or per population name a scalar,
            (size,) or (n_steps, size) array (missing populations get 0).

        Returns
        -------
        SpikingResult

        Raises
        ------
        IntegrationError
            A membrane potential became NaN/infinite: names the step, time and neuron.
        """
        check_positive("SpikingNetwork.simulate", "duration", duration, "ms")
        check_positive("SpikingNetwork.simulate", "dt", dt, "ms")
        n_steps = round(duration / dt)
        if n_steps < 1:
            raise ModelError(f"simulate: duration {duration} ms is shorter than dt {dt} ms")
        drv = self._drive(drive, n_steps)
        kind, par, v, u = self._neurons(dt)
        i_syn = np.zeros(self.n_neurons)
        ref = np.zeros(self.n_neurons, np.int64)
        conn = self.connectivity()
        capacity = max(4 * self.n_neurons, 1 << 16)
        out_step = np.empty(capacity, np.int64)
        out_idx = np.empty(capacity, np.int32)
        n_out, step = 0, 0
        while True:
            n_out, step, status, bad = kernel.run(
                step,
                n_steps,
                dt,
                kind,
                par,
                v,
                u,
                i_syn,
                ref,
                drv,
                np.exp(-dt / self.tau_syn),
                conn.indptr,
                conn.indices,
                conn.weights,
                out_step,
                out_idx,
                n_out,
            )
            if status == kernel.DONE:
                break
            if status == kernel.DIVERGED:
                self._diverged(step, dt, bad, v[bad], u[bad])
            capacity *= 2
            out_step = np.concatenate([out_step, np.empty(capacity - out_step.size, np.int64)])
            out_idx = np.concatenate([out_idx, np.empty(capacity - out_idx.size, np.int32)])
        return SpikingResult(
            (out_step[:n_out] + 1) * dt,
            out_idx[:n_out].copy(),
            self.n_neurons,
            n_steps * dt,
            dt,
            dict(self.slices),
        )

    def _neurons(self, dt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Model kind (n,), kernel parameters (n, N_PAR) and initial ``v``, ``u`` (n,)."""
        kind = np.empty(self.n_neurons, np.int64)
        par = np.empty((self.n_neurons, kernel.N_PAR))
        v, u = np.empty(self.n_neurons), np.empty(self.n_neurons)
        for pop in self.populations:
            sl = self.slices[pop.name]
            kind[sl], par_row, v[sl], u[sl] = pop._params(dt)
            par[sl] = par_row
        return kind, par, v, u

    def _drive(self, drive: ArrayLike | Mapping[str, ArrayLike], n_steps: int) -> np.ndarray:
        """The drive as a C-contiguous array of shape (1 or n_steps, n_neurons)."""
        if not isinstance(drive, Mapping):
            arr = as_float_array("simulate", "drive", drive)
            if arr.ndim == 0:
                return np.full((1, self.n_neurons), float(arr))
            return self._rows(arr, self.n_neurons, n_steps, "drive")
        unknown = set(drive) - set(self.slices)
        if unknown:
            raise ModelError(f"simulate: drive for unknown populations {sorted(unknown)}")
        parts = {}
        for name, value in drive.items():
            arr = as_float_array("simulate", f"drive[{name!r}]", value)
            size = self.slices[name].stop - self.slices[name].start
            parts[name] = arr if arr.ndim == 0 else self._rows(arr, size, n_steps, name)
        varying = any(a.ndim == 2 and a.shape[0] > 1 for a in parts.values())
        out = np.zeros((n_steps if varying else 1, self.n_neurons))
        for name, arr in parts.items():
            out[:, self.slices[name]] = arr
        return out

    @staticmethod
    def _rows(arr: np.ndarray, size: int, n_steps: int, what: str) -> np.ndarray:
        if arr.shape == (size,):
            return np.ascontiguousarray(arr[None, :])
        if arr.shape == (n_steps, size):
            return np.ascontiguousarray(arr)
        raise ModelError(
            f"simulate: {what} must be a scalar or have shape ({size},) or ({n_steps}, {size}), "
            f"got {arr.shape}"
        )

    def _diverged(self, step: int, dt: float, neuron: int, v: float, u: float) -> None:
        pop = next(
            p
            for p in self.populations
            if self.slices[p.name].start <= neuron < self.slices[p.name].stop
        )
        var, value = ("v", v) if not np.isfinite(v) else ("u", u)
        raise IntegrationError(
            f"SpikingNetwork: {var} of neuron {neuron} (population {pop.name!r}) became "
            f"{value} at step {step} (t = {(step + 1) * dt:g} ms, dt = {dt:g} ms): reduce dt "
            "or the synaptic weights",
            step=step,
            time=(step + 1) * dt,
            variable=var,
            unit=neuron,
            value=float(value),
        )


def _check_size(name: str, size: int) -> None:
    if not isinstance(size, int | np.integer) or size < 1:
        raise ModelError(f"{name}: size must be a positive integer, got {size!r}")
