"""Detection output is frozen: the code reproduces ``data/detect_golden.npz`` bit for bit.

The golden spikes (sample index, channel, amplitude) and final noise levels were written by
``data/make_detect_golden.py`` from the code as it was before the detection speed work of issue 15
(locust tetrode trials of ``../shared/data`` and the simulated cortex, both methods). Any speed
change must leave them unchanged, on the offline path (:func:`neurolink.dsp.detect_spikes`, at its
default block size and in one block) and on the streaming path (1 ms blocks, and odd sizes).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
GOLDEN_PATH = HERE / "data" / "detect_golden.npz"


def _load_maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_detect_golden", HERE / "data" / "make_detect_golden.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


MAKER = _load_maker()
CASES = {c.name: c for c in MAKER.CASES}


@pytest.fixture(scope="module")
def golden() -> dict[str, np.ndarray]:
    with np.load(GOLDEN_PATH) as z:
        return {k: z[k] for k in z.files}


_RECORDINGS: dict[str, tuple[np.ndarray, float, np.ndarray]] = {}


def recording(
    case_name: str, golden: dict[str, np.ndarray], shared_data: Path
) -> tuple[np.ndarray, float, np.ndarray]:
    """Load a case's recording (kept for the cases that follow; one at a time), checked to be
    the input the golden spikes were found in."""
    name = CASES[case_name].recording
    if name not in _RECORDINGS:
        _RECORDINGS.clear()
        _RECORDINGS[name] = MAKER.RECORDINGS[name]()
    raw = _RECORDINGS[name][0]
    if MAKER.fingerprint(raw) != str(golden[f"{case_name}/input_sha256"]):
        pytest.fail(
            f"{case_name}: the input recording changed (simulator or data file), not the "
            "detector; regenerate tests/dsp/data/detect_golden.npz with the detection code of "
            "the commit that wrote it"
        )
    return _RECORDINGS[name]


def check(case_name: str, spikes: np.ndarray, golden: dict[str, np.ndarray], how: str) -> None:
    """Spikes equal the golden ones in every field, bit for bit (float32 amplitudes included)."""
    n = len(golden[f"{case_name}/sample_index"])
    assert len(spikes) == n, f"{case_name} ({how}): {len(spikes)} spikes, golden {n}"
    for f in ("sample_index", "channel", "amplitude"):
        want = golden[f"{case_name}/{f}"]
        assert spikes[f].dtype == want.dtype, (case_name, how, f)
        np.testing.assert_array_equal(spikes[f], want, err_msg=f"{case_name} ({how}): {f}")
    assert np.all(spikes["unit"] == -1)


def test_golden_file_covers_every_case(golden: dict[str, np.ndarray]) -> None:
    for name in CASES:
        assert len(golden[f"{name}/sample_index"]) > 100, name
    # the locally exclusive method removes duplicates on the dense shank: the cases differ
    assert len(golden["sim_dense_locally_exclusive/sample_index"]) < 0.5 * len(
        golden["sim_dense_by_channel/sample_index"]
    )


@pytest.mark.parametrize("case_name", list(CASES))
def test_streaming_reproduces_golden(
    case_name: str, golden: dict[str, np.ndarray], shared_data: Path
) -> None:
    case = CASES[case_name]
    raw, fs, pos = recording(case_name, golden, shared_data)
    spikes, noise = MAKER.run_streaming(case, raw, fs, pos)
    check(case_name, spikes, golden, "streaming, 1 ms blocks")
    np.testing.assert_array_equal(noise, golden[f"{case_name}/noise"])
    if not case.faults:
        odd, _ = MAKER.run_streaming(case, raw, fs, pos, block=1237)
        check(case_name, odd, golden, "streaming, 1237-sample blocks")


@pytest.mark.parametrize("case_name", [n for n, c in CASES.items() if not c.faults])
def test_offline_reproduces_golden(
    case_name: str, golden: dict[str, np.ndarray], shared_data: Path
) -> None:
    case = CASES[case_name]
    raw, fs, pos = recording(case_name, golden, shared_data)
    check(case_name, MAKER.run_offline(case, raw, fs, pos), golden, "offline")
    whole = MAKER.run_offline(case, raw, fs, pos, block_size=len(raw))
    check(case_name, whole, golden, "offline, one block")
