"""Every golden vector of the Loihi fixed-point model is reproduced exactly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from firmware_sim import golden


def test_every_golden_file_reproduced_exactly(shared_data: Path) -> None:
    files = sorted((shared_data / "golden" / "loihi").glob("*.json"))
    assert len(files) >= 8, files
    failures = []
    for path in files:
        doc = json.loads(path.read_text())
        got = golden.run(doc["config"])
        for key in ("spikes", "u", "v"):
            want = np.asarray(doc["expected"][key], dtype=np.int64)
            if got[key].shape != want.shape:
                failures.append(f"{path.name} {key}: shape {got[key].shape} != {want.shape}")
            elif not np.array_equal(got[key], want):
                t, n = np.argwhere(got[key] != want)[0]
                failures.append(
                    f"{path.name} {key}[step {t + 1}, neuron {n}]: {got[key][t, n]} != {want[t, n]}"
                )
    assert not failures, "\n".join(failures)


def test_golden_network_dict_is_plain_json(shared_data: Path) -> None:
    doc = json.loads((shared_data / "golden" / "loihi" / "example.json").read_text())
    net = golden.network_from_golden(doc["config"])
    assert json.loads(json.dumps(net)) == net
