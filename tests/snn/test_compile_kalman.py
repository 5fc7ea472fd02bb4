"""The Kalman filter compiled onto the chip, on the simulated cortex (held-out data).

Calibration: 3 minutes of 20 ms bins; test: the next 30 s, fed to the compiled network as the
spikes of every channel per 1 ms chip step. Figures with the seeds below (1024 neurons): float
R² 0.820, compiled 0.815; normalised rms difference to the float output 0.17.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from neurolink.decode import KalmanDecoder, r2_score
from neurolink.snn import compile_decoder
from neurolink.snn.compile import CompiledDecoder
from tests.snn._compile_data import BIN_STEPS, ChipReaching, chip_reaching

CAL_BINS, TEST_BINS = 9000, 1500


@pytest.fixture(scope="module")
def data() -> ChipReaching:
    return chip_reaching(240.0, seed=0)


@pytest.fixture(scope="module")
def kalman(data: ChipReaching) -> KalmanDecoder:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 36 empty channels
        return KalmanDecoder(kinematics="velocity", steady_state=True).fit(
            data.bins[:CAL_BINS], data.vel[:CAL_BINS]
        )


@pytest.fixture(scope="module")
def compiled(kalman: KalmanDecoder) -> CompiledDecoder:
    return compile_decoder(kalman, max_neurons=1024, seed=0)


def _held_out(data: ChipReaching) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    bins = slice(CAL_BINS, CAL_BINS + TEST_BINS)
    steps = data.steps[CAL_BINS * BIN_STEPS : (CAL_BINS + TEST_BINS) * BIN_STEPS]
    return steps, data.bins[bins], data.vel[bins]


def test_compiled_kalman_r2_within_005_of_float(
    data: ChipReaching, kalman: KalmanDecoder, compiled: CompiledDecoder
) -> None:
    steps, bins, vel = _held_out(data)
    r2_float = float(r2_score(vel, kalman.predict(bins)).mean())
    decoded = compiled.run(steps)
    assert decoded.shape == (steps.shape[0], 2)
    r2_chip = float(r2_score(vel, compiled.at_bin_ends(decoded)).mean())
    print(f"\nheld-out velocity R²: float {r2_float:.3f}, compiled (1024 neurons) {r2_chip:.3f}")
    assert compiled.neurons <= 2048
    assert r2_float > 0.75
    assert r2_chip > r2_float - 0.05
    agree = compiled.agreement(steps, decoded)
    print(f"normalised rms difference to the float output: {agree['nrmse_vs_float']:.3f}")
    assert agree["nrmse_vs_float"] < 0.3
    assert agree["r2_vs_float"] > 0.9


def test_step_by_step_equals_run(data: ChipReaching, compiled: CompiledDecoder) -> None:
    steps = _held_out(data)[0][:400]
    compiled.reset()
    online = np.array([compiled.step(s) for s in steps])
    np.testing.assert_allclose(online, compiled.run(steps), rtol=0, atol=1e-12)


def test_chip_bit_exact_with_fixed_every_step(data: ChipReaching, kalman: KalmanDecoder) -> None:
    small = compile_decoder(kalman, max_neurons=256, seed=1)
    steps = _held_out(data)[0][:300]
    fixed = small.run_spikes(steps, "fixed")
    chip = small.run_spikes(steps, "chip")
    assert fixed.any()
    np.testing.assert_array_equal(chip, fixed)
    np.testing.assert_array_equal(small.run(steps, "chip"), small.run(steps, "fixed"))


def test_report(data: ChipReaching, compiled: CompiledDecoder) -> None:
    steps = _held_out(data)[0][:2000]
    rep = compiled.report(steps, cost_steps=50)
    assert rep["neurons"] == 1024 and rep["fits"] is True
    assert rep["cores"] >= 1024 * (1024 + 96) * 8 // (128 * 1024 * 8)  # synapse memory bound
    assert rep["synapses"] > 1024 * 1024 // 2
    assert 0 < rep["weight_error"] < 0.1
    assert rep["energy_uj_per_s"] > 0 and rep["time_us_per_step"] > 0
    assert {"r2_vs_float", "nrmse_vs_float"} <= set(rep)
