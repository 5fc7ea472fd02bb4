"""Warm a decode node's fit before the loop: the kernels a calibration will run, compiled on
synthetic data at start-up instead of inside the engine's fit pause.

A decode node that is not fitted yet will be fitted during the run (the task's calibration):
its decoder's ``fit``, ``predict`` and ``step`` kernels (the Bayesian decoder's likelihood,
blur, prior, normalisation; the Kalman filter's) compile at their first call — seconds with
a cold cache, which paused the loop for as long (7.8 s on a fresh install, 0.14 s warm). This
fits a fresh decoder of the same kind and parameters on synthetic counts (Poisson, tuned to a
smooth 2-D velocity; float64, shapes as the node collects them) and decodes a few bins; the
node's own decoder is not touched. A decoder placed on the chip is compiled too (on the host
``fixed`` backend; the board's compiled network is its emulator's to warm).
"""

from __future__ import annotations

import warnings

import numpy as np

from neurolink.clock import now
from neurolink.decode.validation import clone
from neurolink.loop.nodes.clocked import NEUROBOARD
from neurolink.loop.nodes.decode import DecodeNode

__all__ = ["synthetic_calibration", "warm_decoder"]

#: Bins of the synthetic calibration (about 8 s of 20 ms bins: every kernel sees real sizes).
N_BINS = 400


def synthetic_calibration(
    n_units: int, n_dims: int, n_bins: int = N_BINS, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Counts and labels like a calibration's: units cosine-tuned to a velocity on a circle.

    Returns
    -------
    X : numpy.ndarray of float64, shape (n_bins, n_units)
        Spike counts per bin.
    y : numpy.ndarray of float64, shape (n_bins, n_dims)
        The velocity in force at each bin (in [−1, 1]).
    """
    rng = np.random.default_rng(seed)
    phase = np.linspace(0.0, 6 * np.pi, n_bins)
    y = np.column_stack([np.cos(phase * (1 + 0.3 * d) + d) for d in range(n_dims)])
    pref = rng.normal(size=(n_dims, n_units))
    rate = np.clip(2.0 + 1.5 * (y @ pref), 0.1, None)
    return rng.poisson(rate).astype(np.float64), y


def warm_decoder(node: DecodeNode, seed: int = 0) -> float:
    """Fit, predict and step a fresh copy of the node's decoder on synthetic data.

    Parameters
    ----------
    node : DecodeNode
        A node whose decoder will be fitted during the run.
    seed : int
        Seed of the synthetic data.

    Returns
    -------
    float
        Seconds it took (compiling, or loading the compiled kernels from numba's cache).
    """
    t0 = now()
    X, y = synthetic_calibration(node.n_units, len(node.dims), seed=seed)
    dec = clone(node.decoder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # synthetic data: dropped units and the like
        dec.fit(X, y)
        predict = getattr(dec, "predict", None)
        if predict is not None:
            predict(X[:50])
        row = np.zeros(node.n_units, np.float64)
        for k in range(20):
            row[:] = X[k]
            dec.step(row)
        plan = node.chip
        if plan is not None and plan.on == NEUROBOARD:  # the compiler's kernels only
            from neurolink.snn.compile import compile_decoder

            compile_decoder(dec, max_neurons=plan.max_neurons, dt_ms=plan.dt_ms)
        elif plan is not None:  # compiled and stepped on the host fixed backend
            DecodeNode(node.name, dec, node.dims, node.n_units, chip=plan).compile()
    return now() - t0
