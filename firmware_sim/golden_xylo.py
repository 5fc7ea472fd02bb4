"""Run a Xylo golden config (``../shared/data/golden/xylo/*.json``) on the emulated core.

The ``config`` is XyloSim's configuration plus ``input`` (T x n_in event counts) and
``num_steps``; the result has exactly the keys of the file's ``expected`` (``i_syn2`` only when
the weights have two synapses), row k = the end of step k.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from firmware_sim.profile_xylo import XYLO, XyloProfile
from firmware_sim.xylo_chip import XyloChip


def run(config: Mapping, profile: XyloProfile = XYLO) -> dict[str, np.ndarray]:
    """Run a golden ``config`` on a :class:`~firmware_sim.xylo_chip.XyloChip`.

    Returns
    -------
    dict of str to ndarray of int64, shape (T, n)
    """
    cfg = {k: v for k, v in config.items() if k not in ("input", "num_steps")}
    raster = np.asarray(config["input"], dtype=np.int64)
    n_steps = int(config.get("num_steps", raster.shape[0]))
    chip = XyloChip(profile)
    chip.load(cfg)
    chip.set_inputs(raster[:n_steps])
    rec = chip.step(n_steps)
    if np.shape(config["weights_in"])[2] == 1:
        del rec["i_syn2"]
    return rec
