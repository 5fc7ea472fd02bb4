"""``chip`` backend: the chip emulator (``firmware_sim``) run in this process.

Import rule (DESIGN §1): neurolink library code never imports ``firmware_sim``; the emulator is
the independent reference. This adapter therefore names the emulator's module as a string and
loads it with importlib only when a run is asked for.

For now the adapter speaks the emulator's golden-vector entry point,
``firmware_sim.golden.run(config: dict) -> {"spikes", "u", "v"}`` (arrays T × n_out), so it runs
single-population networks (one input port → one dense connection → one population).

TODO(chip API): once firmware_sim exposes its full Chip API (cores, AER routing, per-step
stepping and state access), map whole specs onto it here and shrink ``not_supported``:
step(), get_state()/set_state(), continuing runs, several populations and ports, sparse and
recurrent connections. The lead wires this.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from neurolink.snn.backends.base import StepInputs, check_supported, features_of
from neurolink.snn.enums import BackendKind, Feature, Variable
from neurolink.snn.errors import BackendUnavailableError, NotSupportedError, SpecError
from neurolink.snn.golden import config_from_spec
from neurolink.snn.profiles import get_profile
from neurolink.snn.spec import NetworkSpec

__all__ = ["EMULATOR_MODULE", "ChipBackend"]

#: Module of the emulator's golden entry point, imported by name at run time.
EMULATOR_MODULE = "firmware_sim.golden"


class ChipBackend:
    """Adapter to the in-process chip emulator (golden-style networks only, for now).

    Parameters
    ----------
    spec : NetworkSpec, optional
        Loaded at once if given.
    """

    kind = BackendKind.CHIP
    not_supported = frozenset(
        {
            Feature.STEP,
            Feature.STATE,
            Feature.CONTINUE_RUN,
            Feature.MULTI_POPULATION,
            Feature.MULTI_PORT,
            Feature.SPARSE,
            Feature.RECURRENT,
            Feature.REAL_VALUED,
        }
    )

    def __init__(self, spec: NetworkSpec | None = None) -> None:
        self.spec: NetworkSpec | None = None
        self._ran = False
        if spec is not None:
            self.load(spec)

    def load(self, spec: NetworkSpec) -> None:
        check_supported(self, features_of(spec))
        try:
            spec.validate(integer=True)
            config_from_spec(spec, np.zeros((0, sum(p.n for p in spec.inputs))))
        except SpecError as e:
            raise NotSupportedError(f"chip backend (golden adapter): {e}") from e
        get_profile(spec.profile).check_fits(spec)
        self.spec = spec
        self._ran = False

    @staticmethod
    def emulator() -> ModuleType:
        """Import the emulator module by name (never at neurolink import time)."""
        try:
            return importlib.import_module(EMULATOR_MODULE)
        except ImportError as e:
            raise BackendUnavailableError(
                f"chip backend: cannot import {EMULATOR_MODULE} ({e}); the chip emulator is "
                f"not installed or not wired yet"
            ) from e

    def run(
        self, T: int, inputs: Mapping[str, ArrayLike] | ArrayLike | None = None
    ) -> dict[str, np.ndarray]:
        if self.spec is None:
            raise RuntimeError("chip backend: call load(spec) first")
        if self._ran:
            check_supported(self, Feature.CONTINUE_RUN)
        port = self.spec.inputs[0]
        raster = np.zeros((int(T), port.n), dtype=np.uint8)
        if inputs is not None:
            arr = inputs.get(port.name) if isinstance(inputs, Mapping) else inputs
            extra = set(inputs) - {port.name} if isinstance(inputs, Mapping) else set()
            if extra:
                raise SpecError(f"unknown input port(s) {sorted(extra)}; ports: [{port.name!r}]")
            if arr is not None:
                if np.shape(arr) != raster.shape:
                    raise SpecError(
                        f"input port {port.name!r}: expected a raster of shape {raster.shape}, "
                        f"got {np.shape(arr)}"
                    )
                raster[:] = np.asarray(arr)
        result = self.emulator().run(config_from_spec(self.spec, raster))
        self._ran = True
        return self._probes(result, raster.shape[0])

    def _probes(self, result: Mapping[str, Any], T: int) -> dict[str, np.ndarray]:
        assert self.spec is not None
        n = self.spec.populations[0].n
        arrays = {}
        for v in Variable:
            a = np.asarray(result[v.value]).reshape(T, n)
            arrays[v] = a.astype(bool) if v is Variable.SPIKES else a.astype(np.int64)
        return {p.key: arrays[Variable(p.variable)].copy() for p in self.spec.probes}

    def reset(self) -> None:
        self._ran = False

    def step(self, inputs: StepInputs | None = None) -> dict[str, np.ndarray]:
        check_supported(self, Feature.STEP)
        raise AssertionError("unreachable")  # pragma: no cover

    def get_state(self) -> dict[str, np.ndarray]:
        check_supported(self, Feature.STATE)
        raise AssertionError("unreachable")  # pragma: no cover

    def set_state(self, state: Mapping[str, ArrayLike]) -> None:
        check_supported(self, Feature.STATE)
        raise AssertionError("unreachable")  # pragma: no cover
