"""What the host backends (``float`` and ``fixed``) share: index spaces, inputs, probes, state.

Index spaces. Neurons of all populations are numbered 0..n−1 in spec order. Sources (what a
connection reads) are numbered 0..n_in+n−1: the axons of every input port first, then every
neuron. One ``src`` vector holds this step's spikes of all sources.

State. An array of shape (len(profile.state_vars), n); on Loihi its last row is the pending
synaptic input ``a`` computed from the previous step's spikes (the one step of synaptic delay),
on Xylo the spike counts of the previous step.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from neurolink.snn.backends.base import StepInputs, check_supported, features_of
from neurolink.snn.enums import BackendKind, Feature, Variable
from neurolink.snn.errors import SpecError
from neurolink.snn.profiles import Profile, get_profile
from neurolink.snn.spec import NEURON_PARAMS, NetworkSpec

__all__ = ["HostBackend"]


class HostBackend(ABC):
    """Shared machinery of the backends that run in this process on the host.

    Subclasses set ``kind``, ``not_supported`` and ``state_dtype`` and implement
    :meth:`_compile`, :meth:`_step_kernel` and :meth:`_run_kernel`.
    """

    kind: BackendKind
    not_supported: frozenset[Feature] = frozenset()
    state_dtype: type = np.int64

    def __init__(self, spec: NetworkSpec | None = None) -> None:
        self.spec: NetworkSpec | None = None
        self.profile: Profile | None = None
        self.t = 0
        if spec is not None:
            self.load(spec)

    # --- loading --------------------------------------------------------------------------------
    def load(self, spec: NetworkSpec) -> None:
        check_supported(self, features_of(spec))
        self.spec, self.profile = spec, get_profile(spec.profile)
        offsets = np.cumsum([0, *[p.n for p in spec.inputs]])
        self.n_in = int(offsets[-1])
        self.port_slices = {
            p.name: slice(int(a), int(b))
            for p, a, b in zip(spec.inputs, offsets[:-1], offsets[1:], strict=True)
        }
        self._ports = {p.name: p for p in spec.inputs}
        offsets = np.cumsum([0, *[p.n for p in spec.populations]])
        self.n = int(offsets[-1])
        self.pop_slices = {
            p.name: slice(int(a), int(b))
            for p, a, b in zip(spec.populations, offsets[:-1], offsets[1:], strict=True)
        }
        self.neuron_params = {
            k: np.concatenate([p.params[k] for p in spec.populations]) for k in NEURON_PARAMS
        }
        self.neuron_params["alias"] = np.concatenate(  # population-local → neuron space
            [np.where(p.alias >= 0, p.alias + s.start, -1) for p, s in
             zip(spec.populations, self.pop_slices.values(), strict=True)]
        )  # fmt: skip
        self._src = np.zeros(self.n_in + self.n, dtype=np.uint8)  # this step's spikes
        self._max_count = self.profile.max_input_count  # 1: binary input spikes
        self._src_pop = {
            name: slice(self.n_in + s.start, self.n_in + s.stop)
            for name, s in self.pop_slices.items()
        }
        self._compile()
        self.reset()

    def source_slice(self, name: str) -> slice:
        """Slice of port or population ``name`` in the source space."""
        if name in self.port_slices:
            return self.port_slices[name]
        return self._src_pop[name]

    def reset(self) -> None:
        self._need_spec()
        assert self.profile is not None
        self.state = self.profile.initial_state(self.neuron_params, self.state_dtype)
        self._src[:] = 0
        self.t = 0

    # --- stepping -------------------------------------------------------------------------------
    def step(self, inputs: StepInputs | None = None) -> dict[str, np.ndarray]:
        self._need_spec()
        src = self._src
        src[: self.n_in] = 0
        if inputs:
            for port, spikes in inputs.items():
                sl = self.port_slices.get(port)
                if sl is None:
                    raise SpecError(f"unknown input port {port!r}; ports: {list(self.port_slices)}")
                src[sl] = self._ports[port].spikes(spikes, max_count=self._max_count)
        self._step_kernel()
        self.t += 1
        dtype = self.profile.spike_dtype  # type: ignore[union-attr]
        return {name: src[sl].astype(dtype) for name, sl in self._src_pop.items()}

    def run(
        self, T: int, inputs: Mapping[str, ArrayLike] | ArrayLike | None = None
    ) -> dict[str, np.ndarray]:
        self._need_spec()
        assert self.spec is not None
        T = int(T)
        if T < 0:
            raise ValueError(f"run: T must be ≥ 0, got {T}")
        raster = self._raster(T, inputs)
        spk_keys, rec_keys = self._probe_plan()
        out_spk, out_rec = self._run_kernel(raster, spk_keys, rec_keys)
        self.t += T
        out: dict[str, np.ndarray] = {}
        col = 0
        for key, pop in spk_keys:
            n = self.spec.size_of(pop)
            out[key] = np.ascontiguousarray(out_spk[:, col : col + n])  # no copy if one probe
            col += n
        col = 0
        for key, pop, _row in rec_keys:
            n = self.spec.size_of(pop)
            out[key] = np.ascontiguousarray(out_rec[:, col : col + n])
            col += n
        return out

    def _raster(self, T: int, inputs: Mapping[str, ArrayLike] | ArrayLike | None) -> np.ndarray:
        raster = np.zeros((T, self.n_in), dtype=np.uint8)
        if inputs is None:
            return raster
        if not isinstance(inputs, Mapping):
            if len(self.port_slices) != 1:
                raise SpecError("run: a plain input array needs exactly one input port")
            inputs = {next(iter(self.port_slices)): inputs}
        for port, spikes in inputs.items():
            sl = self.port_slices.get(port)
            if sl is None:
                raise SpecError(f"unknown input port {port!r}; ports: {list(self.port_slices)}")
            raster[:, sl] = self._ports[port].spikes(spikes, T, self._max_count)  # checked
        return raster

    def _probe_plan(self) -> tuple[list[tuple[str, str]], list[tuple[str, str, int]]]:
        """Spike probes (key, pop) and state probes (key, pop, state row), in spec order."""
        assert self.spec is not None and self.profile is not None
        spk, rec = [], []
        for p in self.spec.probes:
            var = Variable(p.variable)
            if var is Variable.SPIKES:
                spk.append((p.key, p.target))
            else:
                rec.append((p.key, p.target, self.profile.state_vars.index(var.value)))
        return spk, rec

    # --- state ----------------------------------------------------------------------------------
    def get_state(self) -> dict[str, np.ndarray]:
        self._need_spec()
        assert self.profile is not None
        out = {"t": np.asarray(self.t, dtype=np.int64)}
        for name, sl in self.pop_slices.items():
            for row, var in enumerate(self.profile.state_vars):
                out[f"{name}.{var}"] = self.state[row, sl].copy()
        return out

    def set_state(self, state: Mapping[str, ArrayLike]) -> None:
        self._need_spec()
        assert self.profile is not None
        new = self.state.copy()
        for name, sl in self.pop_slices.items():
            for row, var in enumerate(self.profile.state_vars):
                key = f"{name}.{var}"
                if key not in state:
                    raise SpecError(f"set_state: missing {key!r}")
                arr = np.asarray(state[key])
                if arr.shape != (sl.stop - sl.start,):
                    raise SpecError(f"set_state: {key!r} has shape {arr.shape}")
                if self.state_dtype is np.int64 and not np.all(arr == np.round(arr)):
                    raise SpecError(f"set_state: {key!r} must hold integers")
                new[row, sl] = arr
        self.state = new
        self.t = int(np.asarray(state.get("t", self.t)))

    def _need_spec(self) -> None:
        if self.spec is None:
            raise RuntimeError(f"{self.kind.value} backend: call load(spec) first")

    # --- subclass hooks -------------------------------------------------------------------------
    @abstractmethod
    def _compile(self) -> None:
        """Build the backend's synapse data from ``self.spec``."""

    @abstractmethod
    def _step_kernel(self) -> None:
        """One step: ``self._src[:n_in]`` holds the inputs; write neuron spikes after them."""

    @abstractmethod
    def _run_kernel(
        self,
        raster: np.ndarray,
        spk_keys: list[tuple[str, str]],
        rec_keys: list[tuple[str, str, int]],
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run ``raster.shape[0]`` steps; return spikes (bool (T, k)) and states (T, m)."""
