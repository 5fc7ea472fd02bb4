"""Small builders of network dicts for the firmware_sim tests."""

from __future__ import annotations

import numpy as np

from firmware_sim import Chip
from firmware_sim.profile_loihi import LOIHI, LoihiProfile

BIG_VTH = 131071  # largest threshold mantissa: vth << 6 = 8388544


def population(name: str, size: int, **fields: object) -> dict:
    """A population dict with du = dv = 0 and the largest threshold unless given."""
    pop: dict = {"name": name, "size": size, "du": 0, "dv": 0, "vth": BIG_VTH}
    pop.update(fields)
    return pop


def one_input_net(weights: list[list[int]], pop_fields: dict, **conn: object) -> dict:
    """Input port ``in`` -> population ``out`` through one dense connection."""
    w = np.asarray(weights)
    c = {"pre": "in", "post": "out", "weights": w.tolist()}
    c.update(conn)
    return {
        "populations": [population("out", w.shape[0], **pop_fields)],
        "inputs": [{"name": "in", "size": w.shape[1]}],
        "connections": [c],
    }


def run(
    net: dict, inputs: dict[str, np.ndarray], n_steps: int, profile: LoihiProfile = LOIHI
) -> tuple[Chip, dict[str, np.ndarray]]:
    """Load ``net``, probe u and v of every population, feed ``inputs``, run ``n_steps``.

    Returns the chip and a dict ``{pop: spikes, pop + ".u": u, pop + ".v": v}`` (T x n).
    """
    chip = Chip(profile)
    chip.load(net)
    for pop in net["populations"]:
        chip.probe(pop["name"], "u")
        chip.probe(pop["name"], "v")
    for port, raster in inputs.items():
        chip.set_inputs(port, raster)
    out: dict[str, np.ndarray] = dict(chip.step(n_steps))
    for pop in net["populations"]:
        out[pop["name"] + ".u"] = chip.read_probe(pop["name"], "u")
        out[pop["name"] + ".v"] = chip.read_probe(pop["name"], "v")
    return chip, out
