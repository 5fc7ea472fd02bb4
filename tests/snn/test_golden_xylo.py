"""Conformance: every Xylo golden vector (XyloSim, Rockpool 3.1.0) reproduced exactly.

``neurolink.snn.golden.run(config, backend, profile="xylo")`` must return exactly the keys of
the file's ``expected`` and match every array at every step, on every conformance backend.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from neurolink.snn import golden
from neurolink.snn.golden_xylo import config_from_spec, raster_of, spec_from_config

_GOLDEN_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "golden" / "xylo"
GOLDEN_NAMES = sorted(p.name for p in _GOLDEN_DIR.glob("*.json"))


def test_xylo_golden_files_are_present(shared_data: Path) -> None:
    found = sorted(p.name for p in (shared_data / "golden" / "xylo").glob("*.json"))
    assert len(found) == 8, found
    assert found == GOLDEN_NAMES


def _first_mismatch(expected: np.ndarray, got: np.ndarray) -> str:
    rows, cols = np.nonzero(expected != got)
    k, i = int(rows[0]), int(cols[0])
    return f"step {k}, neuron {i}: expected {expected[k, i]}, got {got[k, i]}"


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_xylo_golden_vector_reproduced_exactly(
    shared_data: Path, conformance_backend: str, name: str
) -> None:
    data = json.loads((shared_data / "golden" / "xylo" / name).read_text())
    out = golden.run(data["config"], conformance_backend, profile="xylo")
    assert set(out) == set(data["expected"])
    for key, want in data["expected"].items():
        expected = np.asarray(want, dtype=np.int64)
        got = np.asarray(out[key]).astype(np.int64)
        assert got.shape == expected.shape, f"{name} {key}: shape {got.shape}"
        assert np.array_equal(got, expected), f"{name} {key}: {_first_mismatch(expected, got)}"


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_xylo_config_round_trips_through_the_spec(shared_data: Path, name: str) -> None:
    config = json.loads((shared_data / "golden" / "xylo" / name).read_text())["config"]
    back = config_from_spec(spec_from_config(config), raster_of(config))
    assert back == config


def test_unknown_golden_profile_is_refused() -> None:
    with pytest.raises(Exception, match="profile must be 'loihi' or 'xylo', got 'truenorth'"):
        golden.run({}, "fixed", profile="truenorth")
