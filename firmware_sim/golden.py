"""Run a golden-vector config (``../shared/data/golden/loihi/*.json``) on the emulated chip.

A golden ``config`` holds one population of ``n_out`` neurons fed by ``n_in`` input axons
through one dense connection: ``input`` (T x n_in raster), ``weights`` (n_out x n_in),
``weight_exp``, ``num_weight_bits``, ``sign_mode`` (null or absent: inferred), ``du``, ``dv``,
``vth``, ``bias_mant``, ``bias_exp`` (each an int or one per neuron), and optionally ``u0``,
``v0`` (initial state) and ``num_steps``. Input row ``k`` is sent at step ``k + 1``; row ``k``
of each result is the state after step ``k + 1``, as in the files' ``expected``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from firmware_sim.chip import Chip
from firmware_sim.profile_loihi import LOIHI, LoihiProfile

_KNOWN = {"input", "weights", "weight_exp", "num_weight_bits", "sign_mode", "du", "dv", "vth"}
_KNOWN |= {"bias_mant", "bias_exp", "u0", "v0", "num_steps"}


def network_from_golden(config: Mapping) -> dict:
    """The network description (plain dict) equivalent to a golden config.

    Population ``"out"``, input port ``"in"``, connection ``"in->out"``.
    """
    unknown = sorted(set(config) - _KNOWN)
    if unknown:
        raise ValueError(f"golden config: unknown key(s) {unknown}")
    weights = np.asarray(config["weights"], dtype=np.int64)
    n_out, n_in = weights.shape
    pop = {"name": "out", "size": int(n_out)}
    for key in ("du", "dv", "vth", "bias_mant", "bias_exp"):
        pop[key] = config[key]
    for key, ours in (("u0", "u_init"), ("v0", "v_init")):
        if config.get(key) is not None:
            pop[ours] = config[key]
    conn = {
        "pre": "in",
        "post": "out",
        "weights": weights.tolist(),
        "weight_exp": config["weight_exp"],
        "num_weight_bits": config["num_weight_bits"],
        "sign_mode": config.get("sign_mode"),
    }
    return {
        "populations": [pop],
        "inputs": [{"name": "in", "size": int(n_in)}],
        "connections": [conn],
    }


def run(config: Mapping, profile: LoihiProfile = LOIHI) -> dict[str, np.ndarray]:
    """Run a golden config on a :class:`~firmware_sim.chip.Chip`.

    Parameters
    ----------
    config : Mapping
        The ``config`` object of a golden file.
    profile : LoihiProfile
        Chip to run on (default: a full Loihi).

    Returns
    -------
    dict
        ``spikes``, ``u``, ``v``: ndarray of int64, shape (T, n_out); T = ``num_steps`` if
        given, else the number of input rows (rows past the raster send no input).
    """
    raster = np.asarray(config["input"], dtype=np.int64)
    n_steps = int(config.get("num_steps", raster.shape[0]))
    chip = Chip(profile)
    chip.load(network_from_golden(config))
    chip.probe("out", "u")
    chip.probe("out", "v")
    chip.set_inputs("in", raster[:n_steps])
    spikes = chip.step(n_steps)["out"].astype(np.int64)
    return {"spikes": spikes, "u": chip.read_probe("out", "u"), "v": chip.read_probe("out", "v")}
