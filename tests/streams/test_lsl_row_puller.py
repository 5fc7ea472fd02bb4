""":class:`RowPuller` reads through liblsl's chunk pull with fixed pointers; a pylsl without the
internals it uses (``StreamInlet.do_pull_chunk``/``obj``, ``lsl_samples_available``) gets the
same rows and stamps through pylsl's public ``pull_chunk``. Real LSL outlets, both paths."""

from __future__ import annotations

import types

import numpy as np
import pytest

from neurolink.clock import now
from neurolink.streams import lsl_inlet
from neurolink.streams.lsl_outlet import BlockOutlet
from neurolink.streams.lsl_source import LSLSource

DEADLINE = 20.0


@pytest.mark.parametrize("path", ["liblsl", "public"])
def test_both_pull_paths_give_every_row_and_stamp(
    path: str, unique_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if path == "public":  # as with a pylsl that lacks the internals
        monkeypatch.setattr(lsl_inlet, "pylsl_lib", types.SimpleNamespace())
    n, rate = 300, 1000.0
    data = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    with BlockOutlet(unique_name, "EEG", ["a", "b", "c"], rate, source_id=unique_name) as out:
        src = LSLSource(source_id=unique_name, assume_unit="uV", chunk_size=0)
        with src:
            assert out.wait_for_consumers(DEADLINE)
            t0 = now()
            for k in range(0, n, 30):  # ten chunks of 30 rows, stamped t0 + i / rate
                out.push(data[k : k + 30], t0 + np.arange(k, k + 30) / rate)
            assert (src._puller._fn is None) == (path == "public")
            rows, stamps, stop = [], [], now() + DEADLINE
            while sum(len(r) for r in rows) < n and now() < stop:
                block = src.read(timeout=0.2)
                if block is not None and block.n_samples:
                    rows.append(block.data.copy())
                    stamps.append(block.timestamps.copy())
    got = np.concatenate(rows)
    np.testing.assert_array_equal(got, data)  # every value, in order
    steps = np.diff(np.concatenate(stamps))
    np.testing.assert_allclose(steps, 1.0 / rate, rtol=1e-6)  # the producer's stamps kept
