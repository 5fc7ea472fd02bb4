"""Neural codes: information carried by spike counts, spike timing, firing phase, and populations.

Trials are given as one spike train per trial (1-D arrays of times in ms, relative to the trial
start) with a stimulus label per trial. Each function reduces a trial to a discrete response
and returns the bias-corrected ``I(S; R)`` (bits, :class:`MIResult`):

- rate code: the spike count in ``window``;
- temporal code: the word of spike counts in consecutive ``bin_ms`` bins of ``window``
  (so it includes the rate code);
- phase code: the word of spike counts in ``n_phase_bins`` bins of the phase of an ongoing
  oscillation at each spike (phase of firing, Montemurro et al. 2008);
- population decoding: the confusion matrix of a cross-validated decoder of the stimulus from
  the population's counts (:func:`decoding_information`), a lower bound on ``I(S; R)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.analysis.information import (
    Correction,
    MIResult,
    labels,
    mutual_information,
)
from neurolink.models.dynamics.params import ModelError, as_float_array, check_positive

__all__ = [
    "DecodingResult",
    "decoding_information",
    "phase_code_information",
    "rate_code_information",
    "temporal_code_information",
]


def _trials(trials: Sequence[ArrayLike], stimuli: ArrayLike) -> list[np.ndarray]:
    out = [np.asarray(t, dtype=np.float64).ravel() for t in trials]
    if len(out) != np.asarray(stimuli).shape[0]:
        raise ModelError(f"{len(out)} trials but {np.asarray(stimuli).shape[0]} stimulus labels")
    if any(not np.all(np.isfinite(t)) for t in out):
        raise ModelError("a trial contains NaN or infinite spike times")
    return out


def _window(window: tuple[float, float]) -> tuple[float, float]:
    t0, t1 = (float(w) for w in window)
    if not t1 > t0:
        raise ModelError(f"window must have t1 > t0, got ({t0}, {t1}) ms")
    return t0, t1


def rate_code_information(
    trials: Sequence[ArrayLike],
    stimuli: ArrayLike,
    window: tuple[float, float],
    correction: Correction | str = Correction.PANZERI_TREVES,
) -> MIResult:
    """Information (bits) in the spike count within ``window`` = (t0, t1) ms of each trial."""
    t0, t1 = _window(window)
    counts = [np.count_nonzero((t >= t0) & (t < t1)) for t in _trials(trials, stimuli)]
    return mutual_information(stimuli, np.array(counts), correction)


def temporal_code_information(
    trials: Sequence[ArrayLike],
    stimuli: ArrayLike,
    window: tuple[float, float],
    bin_ms: float,
    correction: Correction | str = Correction.PANZERI_TREVES,
) -> MIResult:
    """Information (bits) in the word of spike counts in ``bin_ms`` bins of ``window``.

    The number of possible words grows exponentially with the number of bins: keep the words
    short relative to the number of trials, or the bias correction cannot keep up.
    """
    t0, t1 = _window(window)
    check_positive("temporal_code_information", "bin_ms", bin_ms, "ms")
    n_bins = max(1, round((t1 - t0) / bin_ms))
    edges = np.linspace(t0, t1, n_bins + 1)
    words = np.array([np.histogram(t, edges)[0] for t in _trials(trials, stimuli)])
    return mutual_information(stimuli, words, correction)


def phase_code_information(
    spike_phases: Sequence[ArrayLike],
    stimuli: ArrayLike,
    n_phase_bins: int = 4,
    correction: Correction | str = Correction.PANZERI_TREVES,
) -> MIResult:
    """Information (bits) in the phases of firing of each trial's spikes.

    Parameters
    ----------
    spike_phases : sequence of array_like
        Per trial, the phase (rad) of the reference oscillation (e.g. the Hilbert phase of the
        LFP) at each spike in the analysed window.
    stimuli : array_like, shape (n_trials,)
        Stimulus labels.
    n_phase_bins : int
        Equal bins of ``[0, 2π)``; the response is the word of counts per phase bin.
    correction : Correction or str
        Bias correction.
    """
    if n_phase_bins < 2:
        raise ModelError(f"phase_code_information: n_phase_bins must be >= 2, got {n_phase_bins}")
    edges = np.linspace(0.0, 2 * np.pi, n_phase_bins + 1)
    words = np.array(
        [np.histogram(np.mod(p, 2 * np.pi), edges)[0] for p in _trials(spike_phases, stimuli)]
    )
    return mutual_information(stimuli, words, correction)


@dataclass(frozen=True)
class DecodingResult:
    """Cross-validated decoding of the stimulus from population responses.

    Parameters
    ----------
    information : MIResult
        ``I(S; Ŝ)`` between true and decoded stimulus (bits, bias-corrected).
    confusion : numpy.ndarray, int64, shape (n_stimuli, n_stimuli)
        ``confusion[true, decoded]`` counts, stimuli in sorted order.
    accuracy : float
        Fraction decoded correctly.
    """

    information: MIResult
    confusion: np.ndarray
    accuracy: float


def decoding_information(
    responses: ArrayLike,
    stimuli: ArrayLike,
    n_folds: int = 5,
    correction: Correction | str = Correction.PANZERI_TREVES,
    rng: int | np.random.Generator | None = 0,
) -> DecodingResult:
    """Information in a population's spike counts, read out by a Poisson naive-Bayes decoder.

    The decoder fits each neuron's mean count per stimulus on ``n_folds − 1`` folds and picks,
    for each held-out trial, the stimulus maximising ``Σ_i n_i ln λ_{s,i} − λ_{s,i}`` (flat
    prior, independent Poisson neurons). Folds are stratified by stimulus.

    Parameters
    ----------
    responses : array_like, shape (n_trials, n_neurons)
        Spike counts (non-negative).
    stimuli : array_like, shape (n_trials,)
        Stimulus labels.
    n_folds : int
        Cross-validation folds (>= 2; each stimulus needs at least ``n_folds`` trials).
    correction : Correction or str
        Bias correction of the MI of the confusion matrix.
    rng : int, Generator or None
        Seed of the fold assignment.
    """
    x = as_float_array("decoding_information", "responses", responses, ndim=2)
    s = labels(stimuli, "stimuli")
    if x.shape[0] != s.size:
        raise ModelError(f"{x.shape[0]} response rows but {s.size} stimulus labels")
    if np.any(x < 0):
        raise ModelError("decoding_information: responses must be non-negative counts")
    n_s = int(s.max()) + 1
    per_stim = np.bincount(s, minlength=n_s)
    if n_folds < 2 or per_stim.min() < n_folds:
        raise ModelError(
            f"decoding_information: need n_folds >= 2 and at least n_folds trials per "
            f"stimulus (fewest: {per_stim.min()}, n_folds = {n_folds})"
        )
    gen = np.random.default_rng(rng)
    fold = np.empty(s.size, dtype=np.int64)
    for k in range(n_s):
        idx = np.flatnonzero(s == k)
        fold[gen.permutation(idx)] = np.arange(idx.size) % n_folds
    decoded = np.empty(s.size, dtype=np.int64)
    for f in range(n_folds):
        train, test = fold != f, fold == f
        means = np.array([x[train & (s == k)].mean(axis=0) for k in range(n_s)])
        lam = np.maximum(means, 1e-3)  # a silent neuron must not veto a stimulus
        loglik = x[test] @ np.log(lam).T - lam.sum(axis=1)[None, :]
        decoded[test] = np.argmax(loglik, axis=1)
    confusion = np.zeros((n_s, n_s), dtype=np.int64)
    np.add.at(confusion, (s, decoded), 1)
    info = mutual_information(s, decoded, correction)
    return DecodingResult(info, confusion, float(np.mean(decoded == s)))
