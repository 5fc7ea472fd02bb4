"""Spike-train statistics: rates, ISI variability, count variability, synchrony, spectra.

A spike train is a 1-D array of spike times in ms (sorted here if needed); a population is a
sequence of them. Rates and frequencies are in Hz. Reference values: a Poisson process has
``CV = 1`` and ``F = 1``; a perfectly regular train ``CV = 0``; identical trains have
synchrony ``χ = 1`` and ``N`` independent ones ``χ ≈ 1/√N``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.dynamics.params import ModelError, check_positive

__all__ = [
    "binned_counts",
    "fano_factor",
    "firing_rates",
    "golomb_synchrony",
    "isi_cv",
    "population_spectrum",
    "spike_train_spectrum",
]


def _trains(trains: Sequence[ArrayLike]) -> list[np.ndarray]:
    if isinstance(trains, np.ndarray) and trains.ndim == 1 and trains.dtype != object:
        raise ModelError("expected a sequence of spike trains (one array per neuron), got one")
    out = []
    for k, t in enumerate(trains):
        arr = np.asarray(t, dtype=np.float64)
        if arr.ndim != 1:
            raise ModelError(f"spike train {k} must be 1-D, got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ModelError(f"spike train {k} contains NaN or infinite times")
        out.append(np.sort(arr))
    if not out:
        raise ModelError("no spike trains given")
    return out


def _span(t_start: float, t_stop: float) -> float:
    if not t_stop > t_start:
        raise ModelError(f"need t_stop > t_start, got [{t_start}, {t_stop}) ms")
    return t_stop - t_start


def firing_rates(trains: Sequence[ArrayLike], t_start: float, t_stop: float) -> np.ndarray:
    """Mean rate (Hz) of each train over ``[t_start, t_stop)`` ms, shape (n_trains,)."""
    span = _span(t_start, t_stop)
    return np.array([np.count_nonzero((t >= t_start) & (t < t_stop)) for t in _trains(trains)]) / (
        span * 1e-3
    )


def isi_cv(trains: Sequence[ArrayLike]) -> np.ndarray:
    """Coefficient of variation ``std(ISI) / mean(ISI)`` per train, shape (n_trains,).

    NaN for trains with fewer than 3 spikes (fewer than 2 intervals).
    """
    out = []
    for t in _trains(trains):
        isi = np.diff(t)
        out.append(float(np.std(isi, ddof=1) / np.mean(isi)) if isi.size >= 2 else np.nan)
    return np.array(out)


def binned_counts(
    trains: Sequence[ArrayLike], t_start: float, t_stop: float, bin_ms: float
) -> np.ndarray:
    """Spike counts in consecutive bins of ``bin_ms`` from ``t_start`` (a last partial bin is
    dropped), int64, shape (n_trains, n_bins)."""
    span = _span(t_start, t_stop)
    check_positive("binned_counts", "bin_ms", bin_ms, "ms")
    n_bins = int(np.floor(span / bin_ms + 1e-9))
    if n_bins < 1:
        raise ModelError(f"binned_counts: bin {bin_ms} ms is longer than the span {span} ms")
    edges = t_start + bin_ms * np.arange(n_bins + 1)
    return np.array([np.histogram(t, edges)[0] for t in _trains(trains)], dtype=np.int64)


def fano_factor(
    trains: Sequence[ArrayLike], t_start: float, t_stop: float, window_ms: float
) -> np.ndarray:
    """Fano factor ``var(N) / mean(N)`` of the counts in consecutive windows, per train.

    Shape (n_trains,); NaN for a train without spikes or with fewer than 2 windows.
    """
    counts = binned_counts(trains, t_start, t_stop, window_ms)
    if counts.shape[1] < 2:
        return np.full(counts.shape[0], np.nan)
    mean = counts.mean(axis=1)
    var = counts.var(axis=1, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(mean > 0, var / np.where(mean > 0, mean, 1.0), np.nan)


def golomb_synchrony(
    trains: Sequence[ArrayLike],
    t_start: float,
    t_stop: float,
    dt: float = 1.0,
    tau: float = 5.0,
) -> float:
    """Golomb–Rinzel synchrony ``χ = √(σ²_pop / ⟨σ²_i⟩)``.

    Each train is filtered with a causal exponential kernel (time constant ``tau`` ms) sampled
    every ``dt`` ms; ``σ²_i`` is the temporal variance of trace ``i`` and ``σ²_pop`` that of the
    population mean trace. ``χ = 1`` for identical trains, ``≈ 1/√N`` for independent ones.
    Silent trains are left out; NaN when fewer than 2 trains spike.
    """
    check_positive("golomb_synchrony", "tau", tau, "ms")
    check_positive("golomb_synchrony", "dt", dt, "ms")
    counts = binned_counts(trains, t_start, t_stop, dt).astype(np.float64)
    counts = counts[counts.sum(axis=1) > 0]
    if counts.shape[0] < 2:
        return float("nan")
    decay = np.exp(-dt / tau)
    from scipy import signal  # scipy.signal costs ~0.6 s to import: only where it is used

    traces = signal.lfilter([1.0], [1.0, -decay], counts, axis=1)
    var_i = traces.var(axis=1)
    var_pop = traces.mean(axis=0).var()
    return float(np.sqrt(var_pop / var_i.mean()))


def spike_train_spectrum(
    trains: Sequence[ArrayLike],
    t_start: float,
    t_stop: float,
    bin_ms: float = 1.0,
    segment_ms: float = 1000.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Welch power spectral density of each binned spike train.

    The train is the rate signal ``counts / bin`` (Hz) sampled at ``1000 / bin_ms`` Hz, mean
    removed; the one-sided PSD of a Poisson train of rate ``ν`` is flat at ``2ν`` (Hz²/Hz).

    Parameters
    ----------
    trains : sequence of array_like
        Spike times (ms).
    t_start, t_stop : float
        Analysed span (ms).
    bin_ms : float
        Bin width (ms); the Nyquist frequency is ``500 / bin_ms`` Hz.
    segment_ms : float
        Welch segment length (ms); the frequency resolution is ``1000 / segment_ms`` Hz.

    Returns
    -------
    freqs : numpy.ndarray, shape (n_freqs,)
        Frequencies (Hz).
    psd : numpy.ndarray, shape (n_trains, n_freqs)
        Power spectral density (Hz²/Hz).
    """
    counts = binned_counts(trains, t_start, t_stop, bin_ms)
    check_positive("spike_train_spectrum", "segment_ms", segment_ms, "ms")
    fs = 1000.0 / bin_ms
    nperseg = min(counts.shape[1], max(8, round(segment_ms / bin_ms)))
    from scipy import signal

    return signal.welch(counts / (bin_ms * 1e-3), fs=fs, nperseg=nperseg, axis=-1)


def population_spectrum(
    trains: Sequence[ArrayLike],
    t_start: float,
    t_stop: float,
    bin_ms: float = 1.0,
    segment_ms: float = 1000.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Welch PSD of the population-averaged rate (Hz), e.g. to find a network oscillation.

    Returns ``(freqs, psd)`` with shapes (n_freqs,) and (n_freqs,); see
    :func:`spike_train_spectrum` for the parameters.
    """
    counts = binned_counts(trains, t_start, t_stop, bin_ms)
    check_positive("population_spectrum", "segment_ms", segment_ms, "ms")
    rate = counts.mean(axis=0) / (bin_ms * 1e-3)
    nperseg = min(rate.size, max(8, round(segment_ms / bin_ms)))
    from scipy import signal

    return signal.welch(rate, fs=1000.0 / bin_ms, nperseg=nperseg)
