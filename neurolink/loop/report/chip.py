"""Decoder-on-chip figure: the chip's decoded output against the host decoder in shadow.

With ``decode.on = "fixed"`` (or ``"neuroboard"``) and ``shadow``, the recording holds the
chip's output (``decoded``, one value per block in which the chip stepped) and the host float
decoder's (``decoded_host``, one value per bin). Each host value is paired with the chip's
latest value at or before its time stamp (both carry the time of the block's newest sample).
Top: both over time, per dimension (closed loop only: the host stream starts at the fit).
Bottom: their difference per dimension, with its RMS.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from neurolink.loop.report._plot import MissingData, new_figure
from neurolink.loop.report.stats import ReportStats
from neurolink.loop.report.streams import DECODED, DECODED_HOST, ReportStreams

__all__ = ["FILENAME", "chip_figure", "paired"]

#: File name of the figure in the report folder.
FILENAME = "decoder_on_chip.png"


def paired(rs: ReportStreams) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """Host values, the chip's value in force at each, their times and the dimension labels.

    Returns
    -------
    t : numpy.ndarray of float64, shape (n,)
        Time stamps of the host values (s, host clock).
    host, chip : numpy.ndarray of float64, shape (n, n_dims)
    dims : tuple of str

    Raises
    ------
    MissingData
        Without both streams (with samples, the same channels).
    """
    host, chip = rs.decoded_host, rs.decoded
    if host is None or not len(host):
        raise MissingData(f"no {DECODED_HOST!r} stream (the decoder ran on the host)")
    if chip is None or not len(chip):
        raise MissingData(f"no {DECODED!r} stream with samples")
    if tuple(chip.channels) != tuple(host.channels):
        raise MissingData(f"{DECODED!r} and {DECODED_HOST!r} have different channels")
    t = np.asarray(host.timestamps, np.float64)
    k = np.searchsorted(np.asarray(chip.timestamps, np.float64), t, side="right") - 1
    ok = k >= 0
    h = np.asarray(host.data, np.float64)[ok]
    c = np.asarray(chip.data, np.float64)[k[ok]]
    return t[ok], h, c, tuple(host.channels)


def chip_figure(rs: ReportStreams, stats: ReportStats) -> Figure:
    """Chip vs host decoded output over the closed loop, and the per-dimension error.

    Raises
    ------
    MissingData
        Without a ``decoded_host`` stream (decoder on the host) or a ``decoded`` stream.
    """
    t, host, chip, dims = paired(rs)
    n = len(dims)
    fig = new_figure(12, 1.8 + 2.2 * n)
    axes = fig.subplots(2 * n, 1, sharex=True, squeeze=False)[:, 0]
    x = t - rs.t0
    for i, dim in enumerate(dims):
        ax = axes[2 * i]
        ax.plot(x, host[:, i], lw=0.9, color="0.4", label="host (float, shadow)")
        ax.plot(x, chip[:, i], lw=0.9, color="C3", label="chip (integer network)")
        ax.set_ylabel(dim)
        ax.set_title(f"{dim}: decoded per bin, closed loop", fontsize="medium", loc="left")
        ax.legend(loc="upper right", fontsize="small")
        err = chip[:, i] - host[:, i]
        rms = float(np.sqrt(np.mean(err**2))) if err.size else float("nan")
        ax = axes[2 * i + 1]
        ax.plot(x, err, lw=0.8, color="C0")
        ax.axhline(0.0, color="0.6", lw=0.6)
        ax.set_ylabel(f"{dim} chip − host")
        ax.set_title(
            f"{dim}: difference per bin (RMS {rms:.3g} over {err.size} bins)",
            fontsize="medium",
            loc="left",
        )
    axes[-1].set_xlabel("time (s)")
    return fig
