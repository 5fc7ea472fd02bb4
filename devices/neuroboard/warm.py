"""Warm the chip's compiled kernels before the board answers anyone.

firmware_sim's inner loops are numba kernels, compiled (or read from numba's cache) at their
first call: a fraction of a second warm, seconds cold. A board that did that at its first
NEURO_STEP would stall the host's closed loop then, so ``python -m devices.neuroboard`` runs a
small network through every kernel — neuron update, dense and sparse synapses, routing between
cores, host input — before it opens its port (so before it can answer HELLO).
"""

from __future__ import annotations

import numpy as np

from firmware_sim import LOIHI, Chip

__all__ = ["WARM_NETWORK", "warm_chip"]

WARM_NETWORK: dict = {
    "populations": [
        {"name": "a", "size": 12, "du": 1024, "dv": 256, "vth": 10, "bias_mant": 3},
        {"name": "b", "size": 5, "du": 4095, "dv": 0, "vth": 20},
    ],
    "inputs": [{"name": "in", "size": 4}],
    "connections": [
        {"pre": "in", "post": "a", "weights": np.full((12, 4), 120).tolist()},
        {"pre": "a", "post": "b", "synapses": [[i, i % 5, 60 - 10 * (i % 3)] for i in range(12)]},
        {"pre": "b", "post": "a", "weights": np.full((12, 5), -40).tolist()},
    ],
}
"""Two populations on several small cores: dense excitatory and inhibitory, sparse mixed."""


def warm_chip(steps: int = 8) -> int:
    """Load :data:`WARM_NETWORK` on a throw-away chip of 8-neuron cores and run it.

    Returns
    -------
    int
        Spikes it produced (so the work cannot be skipped; > 0 for this network).
    """
    chip = Chip(LOIHI.resized(n_cores=8, neurons_per_core=8, synapse_bits_per_core=1 << 16))
    chip.load(WARM_NETWORK)
    chip.probe("a", "v")
    chip.set_inputs("in", np.ones((steps, 4), dtype=np.uint8))
    spikes = chip.step(steps)
    chip.read_state("a")
    chip.read_counters()
    chip.reset()
    return int(sum(int(r.sum()) for r in spikes.values()))
