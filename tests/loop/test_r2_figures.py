"""R² where the intent is constant: none (printed n/a), not 1 − x/1e-32 ≈ −1e31; in the figures
module, the replay's comparison and its text, and the sweep's table."""

from __future__ import annotations

import numpy as np

from neurolink.loop.core.figures import parse_figure_lines, r2_per_dim
from neurolink.loop.replay.compare import decoder_r2
from neurolink.loop.replay.report import format_replay
from neurolink.loop.sweep.run import format_table

T = np.arange(300) * 0.02  # 6 s of 20 ms bins


def test_a_constant_reference_has_no_r2_and_a_varying_one_has_its_value() -> None:
    want = np.column_stack([np.full(300, 0.1), np.sin(T)])
    assert ((want[:, 0] - want[:, 0].mean()) ** 2).sum() > 0  # rounding: not exactly zero
    got = want + np.random.default_rng(1).normal(0, 0.1, want.shape)
    ss_res = ((want[:, 1] - got[:, 1]) ** 2).sum()
    ss_tot = ((want[:, 1] - want[:, 1].mean()) ** 2).sum()
    r2 = r2_per_dim(want, got)
    assert r2[0] is None and np.isclose(r2[1], 1 - ss_res / ss_tot)
    assert r2_per_dim(want[:1], got[:1]) == [None, None]  # one bin: nothing to explain


def test_replay_r2_over_closed_loop_bins_with_a_constant_intent_is_na() -> None:
    intents = (list(T), [(0.1, float(np.sin(x))) for x in T])
    decoded = np.column_stack([0.1 + np.random.default_rng(2).normal(0, 0.01, 300), np.sin(T)])
    r2 = decoder_r2(T + 1e-3, decoded, intents, ("vx", "vy"), t_from=2.0)
    assert r2 == {"vx": None, "vy": 1.0, "mean": 1.0}
    # bins up to t_from (the calibration) are left out: a wrong output there changes nothing
    early = decoded.copy()
    early[T + 1e-3 <= 2.0, 1] = 5.0
    assert decoder_r2(T + 1e-3, early, intents, ("vx", "vy"), t_from=2.0) == r2
    summary = {
        "recording": "x.xdf",
        "data_s": 6.0,
        "samples": 180000,
        "blocks": 6000,
        "wall_s": 1.0,
        "config": "changed",
        "changes": ["a"],
        "complete": True,
        "streams": {},
        "decoder_r2": {"live": r2, "replay": {"vx": None, "vy": None, "mean": None}},
    }
    line = parse_figure_lines(format_replay(summary))["R² decoded vs intent over bins, closed loop"]
    assert line == (
        "live vx n/a (constant intent), live vy 1.000, live mean 1.000, "
        "replay vx n/a (constant intent), replay vy n/a (constant intent), replay mean n/a"
    )
    assert "e+" not in format_replay(summary)


def test_the_sweep_table_prints_na_for_a_missing_r2() -> None:
    table = format_table([{"recording": "a.xdf", "r2": None, "r2_vx": None, "r2_vy": 0.5}])
    assert table.splitlines()[2].split() == ["a.xdf", "n/a", "n/a", "0.5"]
