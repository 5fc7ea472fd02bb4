"""The emulated Xylo core: every golden file, hand-derived arithmetic, refusals.

Hand-derived cases state the working in comments (README "Arithmetic" of golden/xylo).
"""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import numpy as np
import pytest

from firmware_sim import XYLO, MappingError, NetworkError, XyloChip, golden_xylo, xylo_chip


def test_every_xylo_golden_file_reproduced_exactly(shared_data: Path) -> None:
    files = sorted((shared_data / "golden" / "xylo").glob("*.json"))
    assert len(files) == 8, files
    failures = []
    for path in files:
        doc = json.loads(path.read_text())
        got = golden_xylo.run(doc["config"])
        assert set(got) == set(doc["expected"]), path.name
        for key, want in doc["expected"].items():
            want = np.asarray(want, dtype=np.int64)
            if got[key].shape != want.shape or not np.array_equal(got[key], want):
                failures.append(f"{path.name} {key}")
    assert not failures, failures


def one_neuron(**over: object) -> dict:
    """1 input channel → 1 hidden neuron (1 synapse) → 1 output; no decay, huge thresholds."""
    cfg: dict = {
        "weights_in": [[[1]]], "weights_rec": [[[0]]], "weights_out": [[0]],
        "weight_shift_in": 0, "weight_shift_rec": 0, "weight_shift_out": 0,
        "dash_syn": [15], "dash_mem": [15], "threshold": [32767], "bias": [0], "aliases": [[]],
        "dash_syn_out": [15], "dash_mem_out": [15], "threshold_out": [32767], "bias_out": [0],
    }  # fmt: skip
    cfg.update(over)
    return cfg


def run(cfg: dict, events: list[list[int]]) -> dict[str, np.ndarray]:
    chip = XyloChip()
    chip.load(cfg)
    chip.set_inputs(np.asarray(events))
    return chip.step(len(events))


@pytest.mark.parametrize(
    ("kick", "dash", "trace"),
    [
        # 100, d = 4: 100 − (100 >> 4 = 6) = 94; 94 − 5 = 89; 89 − 5 = 84
        (100, 4, [94, 89, 84]),
        # 5, d = 4: 5 >> 4 = 0 → at least 1: 4, 3, 2, 1, 0, 0
        (5, 4, [4, 3, 2, 1, 0, 0]),
        # −17, d = 4: −17 >> 4 = −2 (floor): −15; −15 >> 4 = −1: −14; then −13
        (-17, 4, [-15, -14, -13]),
        # −1: −1 >> d = −1 for every d: 0 in one step
        (-1, 9, [0, 0]),
        # d = 0 clears the state in one step: 77 − 77 = 0
        (77, 0, [0, 0]),
    ],
)
def test_decay_rule_hand_derived(kick: int, dash: int, trace: list[int]) -> None:
    cfg = one_neuron(weights_in=[[[kick]]], dash_syn=[dash])
    events = [[1]] + [[0]] * (len(trace) - 1)
    assert run(cfg, events)["i_syn"][:, 0].tolist() == trace


def test_channel_order_saturation_hand_derived() -> None:
    # i_syn starts at −15360 (step 0: channel 1 once: −120 << 7 = −15360, d = 15 → −15360 −
    # (−15360 >> 15 = −1) = −15359). Step 1: channel 0 adds 15 × (127 << 7 = 16256):
    # −15359 + 16256 = 897, then 17153, then 32767 (clamped) ...; channel 1 then adds −15360:
    # 32767 − 15360 = 17407; decay (d = 15): 17407 − 1 = 17406. Summing first would give
    # −15359 + 15·16256 − 15360 = 213121 → 32767 → 32766.
    cfg = one_neuron(weights_in=[[[127]], [[-120]]], weight_shift_in=7, dash_syn=[15])
    out = run(cfg, [[0, 1], [15, 1]])
    assert out["i_syn"][:, 0].tolist() == [-15359, 17406]


def test_multi_spike_subtracts_threshold_and_caps_at_31() -> None:
    # bias 1000 per step, threshold 300, dash_mem 15 (−D(v) = −1 when v > 0... v = 0 at start):
    # step 0: dv = 0 + 1000 → v = 1000 → 3 spikes, v = 1000 − 900 = 100
    # step 1: −D(100, 15) = −1, dv = 999 → v = 1099 → 3 spikes, v = 199
    cfg = one_neuron(bias=[1000], threshold=[300], weights_in=[[[0]]])
    out = run(cfg, [[0], [0]])
    assert out["spikes"][:, 0].tolist() == [3, 3] and out["v_mem"][:, 0].tolist() == [100, 199]
    # threshold 1: 32767 bias would give 32767 spikes; the cap is 31 and the rest stays in v
    cfg = one_neuron(bias=[32767], threshold=[1], weights_in=[[[0]]])
    out = run(cfg, [[0]])
    assert out["spikes"][0, 0] == 31 and out["v_mem"][0, 0] == 32767 - 31


def test_bad_configs_are_refused_naming_the_key() -> None:
    chip = XyloChip()
    with pytest.raises(NetworkError, match=r"weights_in\[0, 0, 0\] = 128 outside \[-128, 127\]"):
        chip.load(one_neuron(weights_in=[[[128]]]))
    with pytest.raises(NetworkError, match=r"dash_syn\[0\] = 16 outside \[0, 15\]"):
        chip.load(one_neuron(dash_syn=[16]))
    with pytest.raises(NetworkError, match=r"aliases\[0\] = \[0\] must name another"):
        chip.load(one_neuron(aliases=[[0]]))
    with pytest.raises(NetworkError, match="unknown key"):
        chip.load(one_neuron(du=[1]))
    with pytest.raises(MappingError, match="2 hidden neurons > 1 on the chip"):
        XyloChip(XYLO.resized(hidden_neurons=1)).load(
            one_neuron(
                weights_in=[[[1], [1]]],
                weights_rec=[[[0]] * 2] * 2,
                weights_out=[[0], [0]],
                dash_syn=[1, 1],
                dash_mem=[1, 1],
                threshold=[1, 1],
                bias=[0, 0],
                aliases=[[], []],
            )
        )
    chip.load(one_neuron())
    with pytest.raises(ValueError, match=r"event counts must be integers 0\.\.255"):
        chip.set_inputs([256])


def test_docstring_example_runs() -> None:
    assert doctest.testmod(xylo_chip).failed == 0
