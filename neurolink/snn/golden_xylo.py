"""Golden-vector harness for the Xylo profile: XyloSim ``config`` ⇄ NetworkSpec, and run.

The format is ``../shared/data/golden/xylo/README.md``: the keyword arguments of Rockpool's
``XyloSim.from_specification`` plus ``input`` (T × n_in event counts) and ``num_steps``. The
spec has input port ``"in"``, populations ``"hidden"`` (max_spikes 31) and ``"output"``
(max_spikes 1), and connections ``in_hidden`` / ``in_hidden2`` (synapse 0 / 1),
``rec`` / ``rec2`` and ``hidden_output``. Row k of every result is the state at the end of step k.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from neurolink.snn.enums import BackendKind
from neurolink.snn.errors import SpecError
from neurolink.snn.spec import DenseConnection, InputPort, NetworkSpec, Population, Probe

__all__ = ["EXPECTED_PROBES", "PORT", "config_from_spec", "raster_of", "run", "spec_from_config"]

PORT, HIDDEN, OUTPUT = "in", "hidden", "output"
#: Key of each ``expected`` array → (population, probed variable).
EXPECTED_PROBES = {
    "spikes": (HIDDEN, "spikes"),
    "spikes_out": (OUTPUT, "spikes"),
    "v_mem": (HIDDEN, "v"),
    "i_syn": (HIDDEN, "u"),
    "i_syn2": (HIDDEN, "u2"),
    "v_mem_out": (OUTPUT, "v"),
    "i_syn_out": (OUTPUT, "u"),
}


def _n_syn(config: Mapping[str, Any]) -> int:
    return int(np.shape(config["weights_in"])[2])


def spec_from_config(config: Mapping[str, Any]) -> NetworkSpec:
    """The Xylo network that a golden ``config`` describes, probing every ``expected`` key."""
    try:
        w_in = np.asarray(config["weights_in"], dtype=np.int64)  # (n_in, n_hidden, n_syn)
        w_rec = np.asarray(config["weights_rec"], dtype=np.int64)  # (n_hidden, n_hidden, n_syn)
        w_out = np.asarray(config["weights_out"], dtype=np.int64)  # (n_hidden, n_out)
        if w_in.ndim != 3 or w_rec.ndim != 3 or w_out.ndim != 2:
            raise SpecError("xylo golden config: weights_in/_rec must be 3-D, weights_out 2-D")
        n_in, n_hidden, n_syn = w_in.shape
        alias = [(-1 if not a else int(a[0])) for a in config["aliases"]]
        hidden = Population(
            HIDDEN,
            n_hidden,
            du=config["dash_syn"],
            du2=config["dash_syn_2"] if n_syn == 2 else 0,
            dv=config["dash_mem"],
            vth=config["threshold"],
            bias_mant=config["bias"],
            alias=alias,
            max_spikes=31,
        )
        output = Population(
            OUTPUT,
            w_out.shape[1],
            du=config["dash_syn_out"],
            dv=config["dash_mem_out"],
            vth=config["threshold_out"],
            bias_mant=config["bias_out"],
        )
        conns = []
        for s in range(n_syn):
            sfx = "" if s == 0 else str(s + 1)
            conns.append(DenseConnection(f"in_hidden{sfx}", PORT, HIDDEN, w_in[:, :, s].T,
                                         config["weight_shift_in"], synapse=s))  # fmt: skip
            conns.append(DenseConnection(f"rec{sfx}", HIDDEN, HIDDEN, w_rec[:, :, s].T,
                                         config["weight_shift_rec"], synapse=s))  # fmt: skip
        conns.append(DenseConnection("hidden_output", HIDDEN, OUTPUT, w_out.T,
                                     config["weight_shift_out"]))  # fmt: skip
    except KeyError as e:
        raise SpecError(f"xylo golden config: missing key {e}") from None
    keys = [k for k in EXPECTED_PROBES if k != "i_syn2" or n_syn == 2]
    probes = [Probe(*EXPECTED_PROBES[k], name=k) for k in keys]
    return NetworkSpec([hidden, output], conns, [InputPort(PORT, n_in)], probes, profile="xylo")


def config_from_spec(spec: NetworkSpec, raster: np.ndarray) -> dict[str, Any]:
    """Golden ``config`` of a spec in the layout of :func:`spec_from_config` and a raster."""
    pops = {p.name: p for p in spec.populations}
    conns = {c.name: c for c in spec.connections}
    if set(pops) != {HIDDEN, OUTPUT} or spec.port_names != (PORT,):
        raise SpecError("xylo golden format: ports ('in',), populations 'hidden' and 'output'")
    h, o = pops[HIDDEN], pops[OUTPUT]
    n_syn = 2 if "in_hidden2" in conns else 1
    ints = lambda a: np.asarray(a).astype(np.int64).tolist()  # noqa: E731
    w_in = np.stack(
        [np.asarray(conns[n].weights).T for n in ("in_hidden", "in_hidden2")[:n_syn]], 2
    )
    w_rec = np.stack([np.asarray(conns[n].weights).T for n in ("rec", "rec2")[:n_syn]], 2)
    config: dict[str, Any] = {
        "input": ints(raster),
        "num_steps": len(raster),
        "weights_in": ints(w_in),
        "weights_rec": ints(w_rec),
        "weights_out": ints(np.asarray(conns["hidden_output"].weights).T),
        "weight_shift_in": conns["in_hidden"].weight_exp,
        "weight_shift_rec": conns["rec"].weight_exp,
        "weight_shift_out": conns["hidden_output"].weight_exp,
        "dash_syn": ints(h.du),
        "dash_mem": ints(h.dv),
        "dash_syn_out": ints(o.du),
        "dash_mem_out": ints(o.dv),
        "threshold": ints(h.vth),
        "threshold_out": ints(o.vth),
        "bias": ints(h.bias_mant),
        "bias_out": ints(o.bias_mant),
        "aliases": [[] if a < 0 else [int(a)] for a in np.asarray(h.alias)],
    }
    if n_syn == 2:
        config["dash_syn_2"] = ints(h.du2)
    return config


def raster_of(config: Mapping[str, Any]) -> np.ndarray:
    """Input counts (T × n_in, int64), T = ``num_steps`` (zero rows past the given input)."""
    inp = np.asarray(config["input"], dtype=np.int64)
    n_in = int(np.shape(config["weights_in"])[0])
    inp = inp.reshape(-1, n_in)
    T = int(config.get("num_steps", inp.shape[0]))
    raster = np.zeros((T, n_in), dtype=np.int64)
    raster[: min(T, inp.shape[0])] = inp[:T]
    return raster


def run(config: Mapping[str, Any], backend: BackendKind | str = "fixed") -> dict[str, np.ndarray]:
    """Run a Xylo golden ``config`` on ``backend``; the keys of the file's ``expected``.

    Returns
    -------
    dict of str to numpy.ndarray, each int64 of shape (T, n)
        ``spikes``, ``spikes_out``, ``v_mem``, ``i_syn``, (``i_syn2`` when n_syn = 2),
        ``v_mem_out``, ``i_syn_out``; row k = end of step k.
    """
    from neurolink.snn.backends import make_backend  # the registry imports the spec modules

    spec = spec_from_config(config)
    raster = raster_of(config)
    out = make_backend(backend, spec).run(raster.shape[0], {PORT: raster})
    return {k: np.asarray(v).astype(np.int64) for k, v in out.items()}
