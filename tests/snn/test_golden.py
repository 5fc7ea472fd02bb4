"""Conformance: every golden vector (Lava 0.10 bit-accurate LIF) reproduced exactly.

Each backend in CONFORMANCE_BACKENDS must match ``expected`` spikes, u and v at every step.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

# Names are listed at collection; the files are read through the ``shared_data`` fixture.
_GOLDEN_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "golden" / "loihi"
GOLDEN_NAMES = sorted(p.name for p in _GOLDEN_DIR.glob("*.json"))


def test_golden_files_are_present(shared_data: Path) -> None:
    found = sorted(p.name for p in (shared_data / "golden" / "loihi").glob("*.json"))
    assert found, "no golden vectors under shared/data/golden/loihi"
    assert found == GOLDEN_NAMES


def _first_mismatch(expected: np.ndarray, got: np.ndarray) -> str:
    rows, cols = np.nonzero(expected != got)
    k, i = int(rows[0]), int(cols[0])
    return f"step {k + 1}, neuron {i}: expected {expected[k, i]}, got {got[k, i]}"


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_golden_vector_reproduced_exactly(
    shared_data: Path, run_golden, conformance_backend: str, name: str
) -> None:
    data = json.loads((shared_data / "golden" / "loihi" / name).read_text())
    out = run_golden(data["config"], conformance_backend)
    for var in ("spikes", "u", "v"):
        expected = np.asarray(data["expected"][var], dtype=np.int64)
        got = np.asarray(out[var]).astype(np.int64)
        assert got.shape == expected.shape, f"{name} {var}: shape {got.shape}"
        assert np.array_equal(got, expected), f"{name} {var}: {_first_mismatch(expected, got)}"
