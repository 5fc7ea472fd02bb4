"""Golden-vector harness: run a golden JSON ``config`` on any backend.

The golden format (``../shared/data/golden/loihi/*.json``) describes one population fed by one
dense connection from one input port: ``input`` (T × n_in raster), ``weights`` (n_out × n_in),
``weight_exp``, ``num_weight_bits``, ``sign_mode`` (null or absent = infer), ``du``, ``dv``,
``vth``, ``bias_mant``, ``bias_exp`` (scalars or per neuron), optional ``u0``, ``v0`` and
``num_steps``. Row k of the raster is sent at step k + 1; row k of the result is the state after
step k + 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from neurolink.snn.enums import BackendKind, Variable
from neurolink.snn.errors import SpecError
from neurolink.snn.spec import DenseConnection, InputPort, NetworkSpec, Population, Probe

__all__ = [
    "GOLDEN_CONNECTION",
    "GOLDEN_POPULATION",
    "GOLDEN_PORT",
    "config_from_spec",
    "raster_of",
    "run",
    "spec_from_config",
]

GOLDEN_PORT, GOLDEN_POPULATION, GOLDEN_CONNECTION = "in", "out", "in_out"
_NEURON_KEYS = ("du", "dv", "vth", "bias_mant", "bias_exp")
_GOLDEN_VARS = (Variable.SPIKES, Variable.U, Variable.V)  # what a Loihi golden file records


def spec_from_config(config: Mapping[str, Any], profile: str = "loihi") -> NetworkSpec:
    """The single-population network that a golden ``config`` describes.

    Probes ``out.spikes``, ``out.u`` and ``out.v``; the input port is ``"in"``.
    """
    try:
        weights = np.asarray(config["weights"])
        if weights.ndim != 2:
            raise SpecError(f"golden config: weights must be 2-D, got shape {weights.shape}")
        n_out, n_in = weights.shape
        pop = Population(
            GOLDEN_POPULATION,
            n_out,
            **{k: config[k] for k in _NEURON_KEYS},
            u0=config.get("u0", 0),
            v0=config.get("v0", 0),
        )
        conn = DenseConnection(
            GOLDEN_CONNECTION,
            GOLDEN_PORT,
            GOLDEN_POPULATION,
            weights,
            weight_exp=config["weight_exp"],
            num_weight_bits=config["num_weight_bits"],
            sign_mode=config.get("sign_mode"),
        )
    except KeyError as e:
        raise SpecError(f"golden config: missing key {e}") from None
    probes = [Probe(GOLDEN_POPULATION, v) for v in _GOLDEN_VARS]
    return NetworkSpec([pop], [conn], [InputPort(GOLDEN_PORT, n_in)], probes, profile=profile)


def config_from_spec(spec: NetworkSpec, raster: np.ndarray) -> dict[str, Any]:
    """Golden ``config`` for a single-population spec and an input raster (T × n_in).

    Raises
    ------
    SpecError
        If the spec is not one port → one dense connection → one population.
    """
    conns = spec.connections
    if (
        len(spec.populations) != 1
        or len(spec.inputs) != 1
        or len(conns) != 1
        or not isinstance(conns[0], DenseConnection)
        or conns[0].source != spec.inputs[0].name
    ):
        raise SpecError(
            "golden format holds exactly one input port → one dense connection → one population"
        )
    pop, c = spec.populations[0], conns[0]

    def plain(a: np.ndarray) -> Any:
        return a.flat[0].item() if np.all(a == a.flat[0]) else a.tolist()

    config: dict[str, Any] = {
        "input": np.asarray(raster).astype(int).tolist(),
        "weights": np.asarray(c.weights).tolist(),
        "weight_exp": c.weight_exp,
        "num_weight_bits": c.num_weight_bits,
        "sign_mode": None if c.sign_mode is None else c.resolved_sign_mode.value,
    }
    config |= {k: plain(pop.params[k]) for k in _NEURON_KEYS}
    config |= {"u0": plain(pop.u0), "v0": plain(pop.v0), "num_steps": len(raster)}  # type: ignore[arg-type]
    return config


def raster_of(config: Mapping[str, Any]) -> np.ndarray:
    """Input raster (T × n_in, uint8), zero-padded or cut to ``num_steps`` if given."""
    inp = np.asarray(config["input"], dtype=np.uint8)
    n_in = np.shape(config["weights"])[1]
    inp = inp.reshape(-1, n_in)
    T = int(config.get("num_steps", inp.shape[0]))
    raster = np.zeros((T, n_in), dtype=np.uint8)
    raster[: min(T, inp.shape[0])] = inp[:T]
    return raster


def run(
    config: Mapping[str, Any], backend: BackendKind | str = "fixed", profile: str = "loihi"
) -> dict[str, np.ndarray]:
    """Run a golden ``config`` on ``backend``.

    Parameters
    ----------
    config : mapping
        The ``config`` object of a golden file.
    backend : BackendKind or str
        ``"float"``, ``"fixed"`` or ``"chip"``.
    profile : str
        ``"loihi"`` (``golden/loihi``) or ``"xylo"`` (``golden/xylo``, see
        :mod:`neurolink.snn.golden_xylo`).

    Returns
    -------
    dict of str to numpy.ndarray
        Loihi: ``spikes`` (bool), ``u``, ``v``, each (T, n_out), row k the state after step
        k + 1. Xylo: the keys of the file's ``expected``, int64, row k the end of step k.
    """
    from neurolink.snn.backends import make_backend  # the registry imports this module

    if profile == "xylo":
        from neurolink.snn import golden_xylo

        return golden_xylo.run(config, backend)
    if profile != "loihi":
        raise SpecError(f"golden.run: profile must be 'loihi' or 'xylo', got {profile!r}")

    spec = spec_from_config(config)
    raster = raster_of(config)
    out = make_backend(backend, spec).run(raster.shape[0], {GOLDEN_PORT: raster})
    return {v.value: out[f"{GOLDEN_POPULATION}.{v.value}"] for v in _GOLDEN_VARS}
