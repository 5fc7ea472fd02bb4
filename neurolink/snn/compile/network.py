"""The compiled decoder: a network of the chip's arithmetic, its input rule and its readout.

:class:`CompiledDecoder` holds the :class:`~neurolink.snn.spec.NetworkSpec` and runs it on any
backend: ``fixed`` (the host fast path), ``chip`` (the emulator, loaded at run time by name) or
``float`` (the same network in float64). Input: spike counts per channel and chip step (one
axon per channel; extra spikes in a step wait for the next steps, see
:mod:`neurolink.snn.compile.spikes`). Output: the decoded variable after every step.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from neurolink.snn.backends import make_backend
from neurolink.snn.backends.chip import ChipBackend, network_dict
from neurolink.snn.compile.errors import DoesNotFitError
from neurolink.snn.compile.readout import LinearReadout, WTAReadout
from neurolink.snn.compile.spikes import SpikeBacklog
from neurolink.snn.errors import ResourceError
from neurolink.snn.profiles import get_profile
from neurolink.snn.spec import NetworkSpec

__all__ = ["CompiledDecoder"]

Readout = LinearReadout | WTAReadout


class CompiledDecoder:
    """A fitted decoder compiled into a spiking network of a chip profile.

    Parameters
    ----------
    decoder : Decoder
        The float decoder it was compiled from (the reference for :meth:`agreement`).
    spec : NetworkSpec
        Input port ``"spikes"`` (one axon per channel), the populations, a spike probe on the
        population that the readout reads.
    readout : LinearReadout or WTAReadout
    dt_ms : float
        Chip step (ms).
    bin_steps : int
        Chip steps per bin of the float decoder.
    weight_errors : dict of str to float
        Relative quantization error of each connection's increments.
    fits : dict
        Figures of the fit (estimated errors, time constants, …).

    Notes
    -----
    The ``fixed`` network used by :meth:`step` is built and its kernels are compiled at
    construction (:meth:`warm_up`), so the first :meth:`step` does not compile anything.
    """

    def __init__(
        self,
        decoder: Any,
        spec: NetworkSpec,
        readout: Readout,
        dt_ms: float,
        bin_steps: int,
        weight_errors: dict[str, float],
        fits: dict[str, Any],
    ) -> None:
        self.decoder = decoder
        self.spec = spec
        self.readout = readout
        self.dt_ms = float(dt_ms)
        self.bin_steps = int(bin_steps)
        self.weight_errors = dict(weight_errors)
        self.fits = dict(fits)
        self.n_channels = spec.size_of("spikes")
        self._backlog = SpikeBacklog(self.n_channels)
        self._net = make_backend("fixed", spec)
        self.warm_up()

    @property
    def n_dims(self) -> int:
        """Columns of the output."""
        return self.readout.n_dims

    @property
    def neurons(self) -> int:
        return sum(p.n for p in self.spec.populations)

    # --- online -----------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Compile the ``fixed`` kernels and the readout path once, then reset."""
        self._net.step({"spikes": np.zeros(self.n_channels, dtype=bool)})
        self._net.run(2, {"spikes": np.zeros((2, self.n_channels), dtype=bool)})
        self.readout.step(np.zeros(self.spec.size_of(self.readout.population), dtype=bool))
        self.reset()

    def reset(self) -> None:
        """Back to the initial state (network, backlog, readout)."""
        self._net.reset()
        self._backlog.reset()
        self.readout.reset()

    def step(self, spikes_t: ArrayLike) -> np.ndarray:
        """One chip step on ``fixed``.

        Parameters
        ----------
        spikes_t : array_like of int, shape (n_channels,)
            Spikes detected on each channel during this step (counts ≥ 0).

        Returns
        -------
        numpy.ndarray of float64, shape (n_dims,)
            The decoded variable after this step.
        """
        out = self._net.step({"spikes": self._backlog.step(spikes_t)})
        return self.readout.step(out[self.readout.population])

    # --- batch ------------------------------------------------------------------------------
    def raster(self, spikes: ArrayLike) -> np.ndarray:
        """Counts per step (T, n_channels) → the binary raster sent to the axons (backlog rule)."""
        return SpikeBacklog(self.n_channels).run(spikes)

    def run_spikes(self, spikes: ArrayLike, backend: str = "fixed") -> np.ndarray:
        """Spikes of the read population on ``backend``, bool (T, n_neurons), from reset."""
        raster = self.raster(spikes)
        net = make_backend(backend, self.spec)
        key = f"{self.readout.population}.spikes"
        return np.asarray(net.run(raster.shape[0], {"spikes": raster})[key], dtype=bool)

    def run(self, spikes: ArrayLike, backend: str = "fixed") -> np.ndarray:
        """Decode a whole recording from the initial state (the online state is untouched).

        Parameters
        ----------
        spikes : array_like of int, shape (T_steps, n_channels)
            Spikes detected per channel and chip step.
        backend : {"fixed", "chip", "float"}

        Returns
        -------
        numpy.ndarray of float64, shape (T_steps, n_dims)
            Row t: the decoded variable after step t + 1.
        """
        readout = self.readout
        saved = readout._c.copy() if isinstance(readout, WTAReadout) else readout._y.copy()
        readout.reset()
        out = readout.run(self.run_spikes(spikes, backend))
        if isinstance(readout, WTAReadout):
            readout._c[:] = saved
        else:
            readout._y[:] = saved
        return out

    # --- comparison with the float decoder ----------------------------------------------------
    def bin_counts(self, spikes: ArrayLike) -> np.ndarray:
        """Counts per bin of the float decoder (n_bins, n_channels) from counts per step."""
        s = np.asarray(spikes)
        n = s.shape[0] // self.bin_steps
        return s[: n * self.bin_steps].reshape(n, self.bin_steps, -1).sum(axis=1)

    def float_reference(self, spikes: ArrayLike) -> np.ndarray:
        """The float decoder on the same spikes, binned: (n_bins, n_dims)."""
        return np.asarray(self.decoder.predict(self.bin_counts(spikes)), dtype=np.float64)

    def at_bin_ends(self, decoded: np.ndarray) -> np.ndarray:
        """Rows of a per-step output at the last step of every bin: (n_bins, n_dims)."""
        n = decoded.shape[0] // self.bin_steps
        return decoded[np.arange(1, n + 1) * self.bin_steps - 1]

    def agreement(self, spikes: ArrayLike, decoded: np.ndarray | None = None) -> dict[str, Any]:
        """How close the compiled output is to the float decoder's, at the ends of the bins.

        Returns
        -------
        dict
            ``r2_vs_float`` (mean over dimensions of 1 − SSE/SST, the float output as truth),
            ``nrmse_vs_float`` (rms difference / sd of the float output, mean over dimensions)
            and ``bins``.
        """
        ref = self.float_reference(spikes)
        out = self.at_bin_ends(self.run(spikes) if decoded is None else decoded)[: ref.shape[0]]
        err = out - ref
        sd = ref.std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        sst = np.sum((ref - ref.mean(axis=0)) ** 2, axis=0)
        r2 = 1.0 - np.sum(err**2, axis=0) / np.where(sst > 0, sst, 1.0)
        return {
            "r2_vs_float": float(r2.mean()),
            "nrmse_vs_float": float(np.mean(np.sqrt(np.mean(err**2, axis=0)) / sd)),
            "bins": int(ref.shape[0]),
        }

    # --- cost on the chip ---------------------------------------------------------------------
    def chip_cost(self, spikes: ArrayLike | None = None, steps: int = 200) -> dict[str, Any]:
        """Map the network with the chip's mapper and run ``steps`` steps on the emulator.

        The emulator (``firmware_sim``) is loaded by name at run time, as the ``chip`` backend
        loads it (the library never imports it statically).

        Returns
        -------
        dict
            ``cores``, ``energy_uj_per_s`` (µJ per second of decoding), ``time_us_per_step``
            (the chip's estimate: slowest core plus barrier), ``counters`` (summed over the run).

        Raises
        ------
        DoesNotFitError
            The chip's mapper refuses the network.
        """
        fw = ChipBackend.emulator()
        chip = fw.Chip()
        try:
            placement = chip.load(network_dict(self.spec))
        except fw.MappingError as e:
            raise DoesNotFitError(f"the compiled network does not fit the chip: {e}") from e
        T = int(steps)
        raster = np.zeros((T, self.n_channels), dtype=bool)
        if spikes is not None:
            given = self.raster(spikes)[:T]
            raster[: given.shape[0]] = given
        if T:
            chip.set_inputs("spikes", raster.astype(np.uint8))
            chip.step(T)
        run = chip.read_counters()["run"]
        seconds = T * self.dt_ms / 1000.0
        return {
            "cores": int(placement.cores_used),
            "energy_uj_per_s": float(run["energy_j"]) / seconds * 1e6 if T else 0.0,
            "time_us_per_step": float(run["time_s"]) / T * 1e6 if T else 0.0,
            "counters": dict(run),
        }

    # --- report -------------------------------------------------------------------------------
    def synapses(self) -> int:
        """Stored synapses with a non-zero weight."""
        return int(sum(np.count_nonzero(c.values()) for c in self.spec.connections))

    def report(self, spikes: ArrayLike | None = None, cost_steps: int = 200) -> dict[str, Any]:
        """Size, fit, quantization, cost and agreement of the compiled network.

        Parameters
        ----------
        spikes : array_like of int, shape (T_steps, n_channels), optional
            Data to measure the cost (its first ``cost_steps`` steps) and the agreement with the
            float decoder (all of it) on. Without it, the cost is measured on silent input and
            the agreement is left out.
        cost_steps : int
            Steps run on the emulator for the energy and time figures.

        Returns
        -------
        dict
            ``neurons``, ``synapses``, ``cores``, ``fits`` (bool: the profile's budgets and the
            chip's mapper accept it), ``weight_error`` (largest relative error of a
            connection's increments) and ``weight_errors`` (per connection), ``fit`` (figures of
            the solve), ``energy_uj_per_s``, ``time_us_per_step``, ``fixed_us_per_step``
            (host time of ``fixed``), and with ``spikes`` ``r2_vs_float``, ``nrmse_vs_float``,
            ``bins``.
        """
        out: dict[str, Any] = {
            "neurons": self.neurons,
            "synapses": self.synapses(),
            "weight_error": max(self.weight_errors.values(), default=0.0),
            "weight_errors": dict(self.weight_errors),
            "fit": dict(self.fits),
        }
        try:
            get_profile(self.spec.profile).check_fits(self.spec)
            cost = self.chip_cost(spikes, cost_steps)
            out |= {"fits": True, **{k: cost[k] for k in ("cores", "energy_uj_per_s")}}
            out["time_us_per_step"] = cost["time_us_per_step"]
        except ResourceError as e:
            out |= {"fits": False, "cores": None, "energy_uj_per_s": None,
                    "time_us_per_step": None, "why_not": str(e)}  # fmt: skip
        if spikes is not None:
            s = np.asarray(spikes)
            raster = self.raster(s)
            self._net.reset()  # the warm fixed network: kernel time only, no load or JIT
            t0 = time.perf_counter()
            self._net.run(raster.shape[0], {"spikes": raster})
            out["fixed_us_per_step"] = (time.perf_counter() - t0) / max(s.shape[0], 1) * 1e6
            self.reset()
            decoded = self.run(s)
            out |= self.agreement(s, decoded)
        return out
