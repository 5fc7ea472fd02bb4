"""Make what examples/eeg_wta.toml plays and loads, from real EEG. Research use only.

    python examples/make_eeg_playback.py              # writes examples/generated/
    python examples/make_eeg_playback.py --evaluate   # and prints held-out figures of the loop

The recording is ``../shared/data/eeg_motor_imagery_64ch.edf`` (64-channel scalp EEG, 128 Hz,
cues ``T1`` ×10 and ``T2`` ×9 with ``T0`` rest between them; a run of the PhysioNet motor
movement/imagery set, inferred). BrainFlow's ``PLAYBACK_FILE_BOARD`` plays a file in the format
of a *master board*; no BrainFlow board records 64 channels at 128 Hz, so the data take the
format of the synthetic board: its 16 EEG channels (Fz, C3, Cz, C4, Pz, PO7, Oz, PO8, F5, F7,
F3, F1, F2, F4, F6, F8 — all in the recording) resampled to its 250 Hz (polyphase, 125/64).
Written into ``generated/``:

- ``eeg_mi_playback.csv``: the BrainFlow file, cues in the marker row (1 = T1, 2 = T2); sample
  k of a playback is line k of the file;
- ``eeg_mi_250hz.npz``: the same samples with every annotation as a marker, which
  ``calibrate_eeg_wta.toml`` reads;
- ``eeg_mi_model.npz``: the model, written by the calibration of ``calibrate_eeg_wta.toml``
  (what ``neurolink calibrate examples/calibrate_eeg_wta.toml`` does), which this script runs.

The model is fitted on the very run that eeg_wta.toml plays, so the example's decisions agree
with the cues *in sample*. ``--evaluate`` gives the honest figure: every trial decided by the
example's own graph (classify → wta → discrete, built from eeg_wta.toml) with a model fitted,
as the calibration config says, on the other 18 trials.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import scipy.signal
import scipy.stats
from brainflow.board_shim import BoardShim

from neurolink.decode import EEGClassDecoder, cut_epochs
from neurolink.loop.calibration.run import calibrate
from neurolink.loop.core.build import build_graph
from neurolink.loop.core.tick import Tick
from neurolink.loop.session.config import Config, parse_config
from neurolink.streams.boards import resolve_board
from neurolink.streams.brainflow_file import write_brainflow_file
from neurolink.streams.files import read_recording

HERE = Path(__file__).resolve().parent
EDF = HERE.parent.parent / "shared" / "data" / "eeg_motor_imagery_64ch.edf"
GENERATED = "generated"  # under the root folder (this one): the configs' relative paths
PLAYBACK = "eeg_mi_playback.csv"
SAMPLES = "eeg_mi_250hz.npz"
MODEL = "eeg_mi_model.npz"
EXAMPLE = HERE / "eeg_wta.toml"
CALIBRATION = HERE / "calibrate_eeg_wta.toml"

BOARD = "synthetic"  # the master board whose format the data take
CUES = {"T1": 1.0, "T2": 2.0}  # cue label -> value in the BrainFlow marker row
CUE_S = 5.125  # a cue lasts until the next T0 (s)
T0_EPOCH = 1_600_000_000.0  # Unix time of the file's first sample (any positive time)


@dataclass(frozen=True)
class BoardEEG:
    """The recording in the master board's format.

    Attributes
    ----------
    data : numpy.ndarray of float64, shape (n_samples, n_channels)
        µV, at :attr:`fs`.
    fs : float
        The board's rate (Hz).
    channels : tuple of str
        The board's EEG labels.
    marker_s : numpy.ndarray of float64, shape (n_markers,)
        Onset of every annotation (s from the first sample).
    marker_labels : numpy.ndarray of str, shape (n_markers,)
        ``"T0"``, ``"T1"`` or ``"T2"``.
    """

    data: np.ndarray
    fs: float
    channels: tuple[str, ...]
    marker_s: np.ndarray
    marker_labels: np.ndarray

    @property
    def labels(self) -> np.ndarray:
        """The cue of every trial (``"T1"``/``"T2"``), shape (n_cues,)."""
        return self.marker_labels[np.isin(self.marker_labels, list(CUES))]

    @property
    def onsets(self) -> np.ndarray:
        """Sample index of every cue, int64, shape (n_cues,)."""
        s = self.marker_s[np.isin(self.marker_labels, list(CUES))]
        return np.round(s * self.fs).astype(np.int64)

    def cue_at(self, index: int) -> str:
        """The cue in force at sample ``index`` (``"rest"`` outside every cue)."""
        onsets = self.onsets
        k = int(np.searchsorted(onsets, index, side="right")) - 1
        if k >= 0 and index < onsets[k] + round(CUE_S * self.fs):
            return str(self.labels[k])
        return "rest"


def board_eeg(edf: Path = EDF, board: str = BOARD) -> BoardEEG:
    """Read the EDF and put it in ``board``'s format (its EEG channels, its rate).

    Raises
    ------
    ValueError
        A board channel that the recording does not have.
    """
    rec = read_recording(edf)
    descr = BoardShim.get_board_descr(resolve_board(board))
    names = [n.strip() for n in descr["eeg_names"].split(",")]
    have = {c.strip(".").lower(): i for i, c in enumerate(rec.channels)}  # "Fz.." -> "fz"
    missing = [n for n in names if n.lower() not in have]
    if missing:
        raise ValueError(f"{edf.name} has no channel {', '.join(missing)} of board {board!r}")
    fs = float(descr["sampling_rate"])
    a, b = round(fs * 1000), round(rec.rate * 1000)
    up, down = a // np.gcd(a, b), b // np.gcd(a, b)  # 250/128 Hz: 125/64
    data = scipy.signal.resample_poly(
        rec.data[:, [have[n.lower()] for n in names]].astype(np.float64), up, down, axis=0
    )
    m = rec.markers
    return BoardEEG(data, fs, tuple(names), m["timestamp"].copy(), m["label"].astype(str))


def playback_rows(eeg: BoardEEG, board: str = BOARD) -> np.ndarray:
    """Every row of ``board``'s format, shape (num_rows, n_samples): EEG in µV, the package
    counter, Unix time stamps at the board's rate, and the cues in the marker row."""
    descr = BoardShim.get_board_descr(resolve_board(board))
    n = eeg.data.shape[0]
    rows = np.zeros((int(descr["num_rows"]), n))
    rows[descr["eeg_channels"]] = eeg.data.T
    rows[descr["package_num_channel"]] = np.arange(n) % 256
    rows[descr["timestamp_channel"]] = T0_EPOCH + np.arange(n) / eeg.fs
    rows[descr["marker_channel"], eeg.onsets] = [CUES[c] for c in eeg.labels]
    return rows


def write_samples(eeg: BoardEEG, path: Path) -> Path:
    """The samples and annotations as a recording the ``file`` source reads (``.npz``)."""
    np.savez(
        path,
        data=eeg.data.astype(np.float32),
        rate=eeg.fs,
        channels=np.array(eeg.channels),
        unit="microvolts",
        marker_onsets=eeg.marker_s,
        marker_labels=eeg.marker_labels,
    )
    return path


def make_data(root: Path = HERE, edf: Path = EDF) -> BoardEEG:
    """Write the playback file and the samples into ``root/generated``; return the data."""
    out = root / GENERATED
    out.mkdir(parents=True, exist_ok=True)
    eeg = board_eeg(edf)
    write_brainflow_file(out / PLAYBACK, playback_rows(eeg), BOARD)
    write_samples(eeg, out / SAMPLES)
    return eeg


def _config(path: Path, root: Path) -> Config:
    """Config file ``path`` with its relative paths resolved against ``root``."""
    return parse_config(path.read_text(encoding="utf-8"), str(path), base_dir=root)


def calibration_config(root: Path = HERE) -> Config:
    """calibrate_eeg_wta.toml, reading and writing under ``root/generated``."""
    return _config(CALIBRATION, root)


def example_config(root: Path = HERE) -> Config:
    """eeg_wta.toml with its model and its playback file under ``root/generated`` (the playback
    path made absolute, so that any working directory works)."""
    cfg = _config(EXAMPLE, root)
    file = str((root / GENERATED / PLAYBACK).resolve())
    return dataclasses.replace(cfg, source=dataclasses.replace(cfg.source, file=file))


def calibrate_model(
    root: Path = HERE, permutations: int | None = None, status_out: TextIO | None = None
) -> Any:
    """Run the calibration of calibrate_eeg_wta.toml (writes ``root/generated/`` MODEL);
    returns its :class:`~neurolink.loop.calibration.result.CalibrationResult`."""
    return calibrate(calibration_config(root), permutations=permutations, status_out=status_out)


def fold_model(eeg: BoardEEG, keep: np.ndarray, cal: Any) -> EEGClassDecoder:
    """A decoder fitted on the cues ``keep`` (bool mask) as ``cal`` (the
    ``[loop.calibration]`` of calibrate_eeg_wta.toml) says."""
    a, b = (round(s * eeg.fs) for s in cal.epoch)
    X = cut_epochs(eeg.data, eeg.onsets[keep], a, b)
    dec = EEGClassDecoder(
        eeg.fs,
        bands=cal.bands,
        window_s=cal.window_s,
        filter_order=cal.filter_order,
        n_components=cal.n_components or None,
    )
    return dec.fit(X, eeg.labels[keep], channels=eeg.channels)


@dataclass(frozen=True)
class TrialDecision:
    """The first decision of the graph in one cue period (None: no decision)."""

    cue: str
    decided: str | None
    latency_s: float | None


def held_out_decisions(
    eeg: BoardEEG, root: Path = HERE, lead_s: float = 3.0, block: int = 25
) -> list[TrialDecision]:
    """Decide every trial with the example's graph and a model fitted on the other trials.

    The graph of eeg_wta.toml runs by sample index in blocks of ``block`` samples from
    ``lead_s`` before the cue (fresh state) to the end of the cue, its classify node holding
    the fold's model; the trial's decision is the first of its ``wta`` node at or after the cue
    onset.
    """
    cfg = example_config(root)
    cal = calibration_config(root).loop.calibration
    graph = build_graph(cfg.loop, channels=eeg.channels, fs=eeg.fs, limits={}).graph
    (classify,) = graph.of_kind("classify")
    (wta,) = graph.of_kind("wta")
    stage = np.zeros(8)
    tick = Tick(rate=eeg.fs, stream="held-out")
    x = eeg.data.astype(np.float32)
    out = []
    for i, onset in enumerate(eeg.onsets):
        fold = fold_model(eeg, np.arange(eeg.onsets.size) != i, cal)
        classify.decoder = fold  # type: ignore[attr-defined]
        graph.reset()
        wta.decisions.clear()  # type: ignore[attr-defined]
        start = max(0, int(onset) - round(lead_s * eeg.fs))
        stop = min(x.shape[0], int(onset) + round(CUE_S * eeg.fs))
        for a in range(start, stop, block):
            b = min(stop, a + block)
            tick.set(a, b, b / eeg.fs)
            graph.process(x[a:b], tick, stage)
        after = [(s, k) for s, k in wta.decisions if s >= onset]  # type: ignore[attr-defined]
        cue = str(eeg.labels[i])
        if after:
            s, k = after[0]
            out.append(TrialDecision(cue, classify.labels[k], (s - onset) / eeg.fs))  # type: ignore[attr-defined]
        else:
            out.append(TrialDecision(cue, None, None))
    return out


def summarize(trials: list[TrialDecision]) -> str:
    """One line: decided, correct, and the one-sided binomial p-value against 50 %."""
    decided = [t for t in trials if t.decided is not None]
    right = sum(t.decided == t.cue for t in decided)
    p = scipy.stats.binomtest(right, len(decided), 0.5, "greater").pvalue if decided else 1.0
    lat = [t.latency_s for t in decided if t.latency_s is not None]
    return (
        f"held out (model fitted on the other trials): {len(decided)}/{len(trials)} trials "
        f"decided, {right} correct ({right / max(1, len(decided)):.0%}; binomial p = {p:.2f} "
        f"against 50 %), median decision {np.median(lat) if lat else float('nan'):.2f} s "
        "after the cue"
    )


def main(argv: list[str] | None = None) -> int:
    """Command line: write the data, calibrate, optionally evaluate."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edf", type=Path, default=EDF, help="the EEG recording")
    parser.add_argument(
        "--permutations", type=int, default=None, help="label permutations of the calibration"
    )
    parser.add_argument(
        "--evaluate", action="store_true", help="decide each trial held out and print figures"
    )
    args = parser.parse_args(argv)
    eeg = make_data(HERE, args.edf)
    out = HERE / GENERATED
    print(f"playback: {out / PLAYBACK} ({eeg.data.shape[0]} samples, {eeg.fs:g} Hz, {BOARD})")
    print(f"samples:  {out / SAMPLES}")
    print(calibrate_model(HERE, args.permutations, sys.stderr).report())
    if args.evaluate:
        print(summarize(held_out_decisions(eeg)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
