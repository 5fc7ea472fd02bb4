"""Golden spikes of the detectors, frozen before the detection speed work (issue 15).

Writes ``detect_golden.npz`` beside this file: for each case below, the spikes found by the
offline path (:func:`neurolink.dsp.detect_spikes`) and by the streaming path (a
:class:`~neurolink.dsp.StreamingFilter` and a detector fed 1 ms blocks), which must agree (this
script checks it), stored once as ``<case>/sample_index``, ``<case>/channel`` and
``<case>/amplitude``, plus ``<case>/noise`` (the detector's noise per channel at the end, float64)
and ``<case>/input_sha256`` (a fingerprint of the raw input, so a changed recording or simulator
is told apart from a changed detector). ``tests/dsp/test_detect_golden.py`` checks that the code
reproduces them bit for bit. Regenerate only on purpose (a deliberate change of the detection
rule), never to make a speed change pass::

    .venv/bin/python tests/dsp/data/make_detect_golden.py

Cases: the two locust tetrode trials of ``../shared/data`` (15 kHz, 4 ch; the settings of
``tests/dsp/test_detect_locust.py``), one of them also with positive-and-negative peaks and one
streamed with a NaN stretch and a gap; the simulated cortex (:mod:`neurolink.sim`, seed 0, 3 s) on
its 96-channel Utah array with the library defaults (``neurolink.dsp.defaults``) and on a 96-site
dense shank (20 µm pitch) where ``locally_exclusive`` has neighbours to exclude.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np

from neurolink.dsp import StreamingFilter, design_sos, detect_spikes, make_detector
from neurolink.dsp.defaults import SPIKE_BAND_HZ, SPIKE_FILTER_ORDER
from neurolink.sim import CortexConfig, CortexSimulator, probe_positions

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "detect_golden.npz"
SHARED_DATA = HERE.parents[2].parent / "shared" / "data"
LOCUST_FS = 15_000.0
SIM_FS = 30_000.0
SIM_SECONDS = 3.0
TETRODE = np.array([[0.0, 0.0], [0.0, 25.0], [25.0, 0.0], [25.0, 25.0]])  # µm
METHODS = ("by_channel", "locally_exclusive")


@dataclass(frozen=True)
class Case:
    """One recording and one detector setting.

    Attributes
    ----------
    name : str
        Key prefix in the npz.
    recording : str
        Key of :data:`RECORDINGS`.
    method : str
    radius_um : float
    params : dict
        Filter and detector keywords of :func:`detect_spikes` (``band``, ``filter_order``,
        ``threshold``, ``sign``...).
    faults : bool
        Streaming only: NaN samples and a gap are put into the stream (no offline twin).
    """

    name: str
    recording: str
    method: str
    radius_um: float
    params: dict = field(default_factory=dict)
    faults: bool = False


def _locust(trial: str) -> Callable[[], tuple[np.ndarray, float, np.ndarray]]:
    def load() -> tuple[np.ndarray, float, np.ndarray]:
        raw = np.fromfile(SHARED_DATA / f"locust_trial_{trial}.raw", dtype="<i2").reshape(-1, 4)
        return raw, LOCUST_FS, TETRODE

    return load


def _velocity(t: np.ndarray) -> np.ndarray:
    speed = 0.5 + 0.5 * np.sin(0.9 * t)
    return np.column_stack([speed * np.cos(1.3 * t), speed * np.sin(1.3 * t)])


def _sim(dense: bool) -> Callable[[], tuple[np.ndarray, float, np.ndarray]]:
    def load() -> tuple[np.ndarray, float, np.ndarray]:
        if dense:
            cfg = CortexConfig(positions=probe_positions(96), n_units=24)
        else:
            cfg = CortexConfig()
        sim = CortexSimulator(cfg, seed=0)
        data, _ = sim.generate(int(SIM_SECONDS * SIM_FS), _velocity)
        pos = sim.config.electrode_positions
        return data, SIM_FS, (pos[:, [0, 2]] if dense else pos[:, :2])

    return load


_LOCUST = {"band": (300.0, 5000.0), "filter_order": 3, "threshold": 5.0, "sign": "neg"}
_SIM = {"band": SPIKE_BAND_HZ, "filter_order": SPIKE_FILTER_ORDER}

#: Recordings by name: each returns ``(raw, fs, positions)``, raw samples (n_samples,
#: n_channels), the rate (Hz) and the contact positions (µm, shape (n_channels, 2)).
RECORDINGS: dict[str, Callable[[], tuple[np.ndarray, float, np.ndarray]]] = {
    "locust01": _locust("01"),
    "locust02": _locust("02"),
    "sim_utah": _sim(dense=False),
    "sim_dense": _sim(dense=True),
}

CASES: tuple[Case, ...] = (
    *(Case(f"locust01_{m}", "locust01", m, 50.0, _LOCUST) for m in METHODS),
    *(Case(f"locust02_{m}", "locust02", m, 50.0, _LOCUST) for m in METHODS),
    *(
        Case(f"locust01_both_{m}", "locust01", m, 50.0, {**_LOCUST, "sign": "both"})
        for m in METHODS
    ),
    *(Case(f"locust01_faults_{m}", "locust01", m, 50.0, _LOCUST, faults=True) for m in METHODS),
    *(Case(f"sim_utah_{m}", "sim_utah", m, 100.0, _SIM) for m in METHODS),
    *(Case(f"sim_dense_{m}", "sim_dense", m, 50.0, _SIM) for m in METHODS),
)

#: Faults of the ``faults`` cases (as fractions of the recording): NaN rows, then a gap.
NAN_SPAN = (0.30, 0.301)
GAP_SPAN = (0.60, 0.61)


def fingerprint(raw: np.ndarray) -> str:
    """SHA-256 of the raw samples (dtype, shape and bytes)."""
    h = hashlib.sha256(f"{raw.dtype.str}{raw.shape}".encode())
    h.update(np.ascontiguousarray(raw).tobytes())
    return h.hexdigest()


def _detector_kwargs(case: Case, positions: np.ndarray) -> dict:
    kw = {k: v for k, v in case.params.items() if k not in ("band", "filter_order")}
    if case.method == "locally_exclusive":
        kw.update(positions=positions, radius_um=case.radius_um)
    return kw


def run_offline(
    case: Case, raw: np.ndarray, fs: float, positions: np.ndarray, block_size: int = 4096
) -> np.ndarray:
    """Spikes of :func:`detect_spikes` on the whole recording (its default block size)."""
    return detect_spikes(
        raw,
        fs,
        band=case.params["band"],
        filter_order=case.params["filter_order"],
        method=case.method,
        block_size=block_size,
        **_detector_kwargs(case, positions),
    )


def run_streaming(
    case: Case, raw: np.ndarray, fs: float, positions: np.ndarray, block: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Spikes and final noise of a filter and a detector fed ``block``-sample blocks (1 ms)."""
    n, c = raw.shape
    size = round(fs * 1e-3) if block is None else block
    sos = design_sos("bandpass", fs, band=case.params["band"], order=case.params["filter_order"])
    filt = StreamingFilter(sos, c)
    det = make_detector(case.method, c, fs, **_detector_kwargs(case, positions))
    nan0, nan1 = (round(f * n) for f in NAN_SPAN)
    gap0, gap1 = (round(f * n / size) * size for f in GAP_SPAN)  # on block boundaries
    buf = np.empty((size, c), np.float32)
    out = []
    for i in range(0, n, size):
        if case.faults and gap0 <= i < gap1:
            continue  # the gap's samples never reach the filter nor the detector
        x = raw[i : i + size].astype(np.float32)
        if case.faults:
            x[max(nan0 - i, 0) : max(nan1 - i, 0)] = np.nan
        y = filt.step(x, out=buf[: len(x)])
        out.append(det.step(y, start_index=i))
    return np.concatenate(out), det.noise


def main() -> None:
    """Run every case and write the golden file."""
    arrays: dict[str, np.ndarray] = {}
    loaded: dict[str, tuple[np.ndarray, float, np.ndarray]] = {}
    for case in CASES:  # cases of one recording follow each other
        if case.recording not in loaded:
            loaded.clear()
            loaded[case.recording] = RECORDINGS[case.recording]()
        raw, fs, pos = loaded[case.recording]
        stream, noise = run_streaming(case, raw, fs, pos)
        if not case.faults:
            offline = run_offline(case, raw, fs, pos)
            np.testing.assert_array_equal(offline, stream, err_msg=case.name)
        assert len(stream) > 100, (case.name, len(stream))
        for f in ("sample_index", "channel", "amplitude"):
            arrays[f"{case.name}/{f}"] = stream[f]
        arrays[f"{case.name}/noise"] = noise
        arrays[f"{case.name}/input_sha256"] = np.array(fingerprint(raw))
        print(f"{case.name:28s} {len(stream):6d} spikes")
    np.savez_compressed(GOLDEN, **arrays)
    print(f"wrote {GOLDEN} ({GOLDEN.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
