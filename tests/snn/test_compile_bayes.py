"""The Bayesian decoder compiled onto the chip: grid cells, lateral prior, WTA readout.

Continuity prior, MAP, 20 × 20 velocity grid, 3 minutes of calibration, 30 s held out. Figures
with the seed below: float median error 0.186, compiled 0.203 (1.09 ×).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from neurolink.decode import BayesianDecoder
from neurolink.snn import compile_decoder
from tests.snn._compile_data import BIN_STEPS, ChipReaching, chip_reaching

CAL_BINS, TEST_BINS = 9000, 1500


@pytest.fixture(scope="module")
def data() -> ChipReaching:
    return chip_reaching(240.0, seed=0)


def test_compiled_bayes_median_error_within_12_of_float(data: ChipReaching) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dec = BayesianDecoder(prior="continuity", estimate="map", grid_shape=20).fit(
            data.bins[:CAL_BINS], data.vel[:CAL_BINS]
        )
    held = slice(CAL_BINS, CAL_BINS + TEST_BINS)
    steps = data.steps[CAL_BINS * BIN_STEPS : (CAL_BINS + TEST_BINS) * BIN_STEPS]
    err_float = np.median(np.linalg.norm(dec.predict(data.bins[held]) - data.vel[held], axis=1))
    compiled = compile_decoder(dec)
    assert compiled.neurons == 400
    decoded = compiled.at_bin_ends(compiled.run(steps))
    err_chip = np.median(np.linalg.norm(decoded - data.vel[held], axis=1))
    print(f"\nmedian velocity error: float {err_float:.3f}, compiled {err_chip:.3f}")
    assert err_chip <= 1.2 * err_float
    # the readout is a grid cell: every output is a cell centre
    centres = dec.grid.points()
    assert np.all(np.min(np.abs(decoded[:, None, :] - centres[None]).sum(axis=2), axis=1) < 1e-12)
    # chip ≡ fixed on the first steps
    np.testing.assert_array_equal(
        compiled.run_spikes(steps[:200], "chip"), compiled.run_spikes(steps[:200], "fixed")
    )
