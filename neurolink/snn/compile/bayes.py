"""The Bayesian population decoder as grid cells that accumulate evidence, with a WTA readout.

The float decoder, per bin of τ seconds (counts ``c``, tuning ``r_u(x)`` in Hz on the cells)::

    log p(x | c) = Σ_u c_u log r_u(x) − τ Σ_u r_u(x) + log prior(x) + const

One neuron per grid cell g. Its current ``u_g`` is the leaky sum of that expression over the
recent spikes, in ``K`` state units per nat (``K = 2**12``):

* input, channel (unit) u → cell g: increment ``K (log r_ug − m_u)`` per spike, with ``m_u`` the
  mean of ``log r_ug`` over the cells (the same for every cell: it does not move the argmax and
  it centres the weights on the weight grid);
* the decay of ``u`` keeps ``a = 1 − dt/τ_e`` per step, so ``u`` sums the spikes of about the
  last ``τ_e = dt/(1 − a)`` steps (default a quarter of the decoder's bin τ): a sliding window
  instead of a fixed bin, shorter because it lags by ``τ_e`` where a bin lags by τ/2;
* bias (added to ``v`` every step): ``−K τ_e (Σ_u r_ug − mean_g)`` — the expected-count term
  over the same window, centred over cells — plus ``K log occupancy`` for the occupancy prior,
  plus the threshold ``θ = vth << 6``;
* ``dv = 4095``: ``v`` keeps nothing of itself (1/4096), so ``v = u + bias`` and a cell spikes
  in a step when its log posterior (centred over cells) is above 0;
* prior, lateral g' → g: ``−(1 − a) K min(Σ_i (x_gi − x_g'i)² / 2σ_i², clip)`` per spike of g',
  minus a global inhibition ``(1 − a) K ι``; the self-connection is 0. A cell that spikes every
  step puts the continuity prior ``−d²/2σ²`` (in nats) around itself into every other cell's
  ``u``, as the two-step decoder centres its Gaussian prior on the previous estimate; the
  recursive prior is mapped the same way with its random-walk σ (the log of a blurred
  concentrated posterior is that Gaussian). ``ι`` makes the cells compete (a soft WTA).

Readout (:class:`~neurolink.snn.compile.readout.WTAReadout`): spikes of each cell low-passed
over a few steps, the centre of the cell with the most = the MAP.
"""

from __future__ import annotations

import numpy as np

from neurolink.snn.compile.errors import NotCompilableError, TooFewNeuronsError
from neurolink.snn.compile.fit import check_cores
from neurolink.snn.compile.network import CompiledDecoder
from neurolink.snn.compile.rates import bias_code
from neurolink.snn.compile.readout import WTAReadout
from neurolink.snn.compile.weights import quantize_increments
from neurolink.snn.profiles import get_profile
from neurolink.snn.spec import DenseConnection, InputPort, NetworkSpec, Population, Probe

__all__ = ["compile_bayes"]

NAT = float(1 << 12)  # K: state units per nat of log probability


def _prior_sigma(decoder) -> np.ndarray | None:
    prior = str(decoder.prior)
    if prior == "continuity":
        return np.asarray(decoder.continuity_sigma_, dtype=np.float64)
    if prior == "recursive":
        return np.asarray(decoder.transition_sigma_, dtype=np.float64)
    return None


def compile_bayes(
    decoder,
    profile: str = "loihi",
    max_neurons: int | None = None,
    dt_ms: float = 1.0,
    seed: int = 0,
    *,
    evidence_ms: float | None = None,
    inhibition_nats: float = 1.0,
    prior_clip_nats: float = 8.0,
    readout_tau_ms: float = 5.0,
    num_weight_bits: int = 8,
    vth: int = 1 << 10,
) -> CompiledDecoder:
    """Compile a fitted :class:`~neurolink.decode.BayesianDecoder` (see the module docstring).

    Parameters
    ----------
    decoder : BayesianDecoder
        Fitted, with any prior (uniform, occupancy, continuity, recursive).
    profile, max_neurons, dt_ms, seed
        As :func:`~neurolink.snn.compile.compile_decoder`; ``seed`` is not used (nothing here
        is random).
    evidence_ms : float, optional
        Window ``τ_e`` of the evidence (default a quarter of the decoder's bin: the leaky
        window's mean delay is ``τ_e``, a bin's is half the bin, and the lateral prior carries
        the memory; on the simulated cortex 5 ms gives 1.09 × the float decoder's median error,
        20 ms 1.47 ×).
    inhibition_nats : float
        Global inhibition ``ι`` of a cell that spikes every step onto the others (nats).
    prior_clip_nats : float
        Largest prior penalty (nats) a lateral weight carries, so that the near cells keep
        their resolution on the weight grid.
    readout_tau_ms : float
        Time constant of the readout's spike filter.
    num_weight_bits : int
    vth : int
        Threshold mantissa (the offset that the log posterior is compared with).

    Returns
    -------
    CompiledDecoder
    """
    del seed
    centres = decoder.grid.points()
    n_cells = centres.shape[0]
    if max_neurons is not None and n_cells > max_neurons:
        raise TooFewNeuronsError(
            f"max_neurons = {max_neurons} is too small for the BayesianDecoder's grid of "
            f"{n_cells} cells (one neuron per cell): raise max_neurons to ≥ {n_cells} or refit "
            f"with a smaller grid_shape"
        )
    n_ch = decoder.n_features_in_
    check_cores("the Bayesian grid network", n_cells, lambda n: n + n_ch, num_weight_bits,
                "the decoder's grid_shape (cells)", profile)  # fmt: skip
    bin_ms = float(decoder.bin_s) * 1000.0
    window = bin_ms / 4.0 if evidence_ms is None else float(evidence_ms)
    if not window >= dt_ms:
        raise NotCompilableError(f"evidence_ms = {window} must be ≥ dt_ms = {dt_ms}")
    prof = get_profile(profile)
    du, _ = prof.quantize_decay("du", np.asarray(1.0 - dt_ms / window))
    du = int(du)
    a = 1.0 - (du + 1) / 4096.0
    tau_e_s = dt_ms / (1.0 - a) / 1000.0  # the window the chip realises

    log_r = np.log(decoder.rates_)  # (n_kept, n_cells)
    inc_in = np.zeros((n_cells, n_ch))
    inc_in[:, decoder.units_] = NAT * (log_r - log_r.mean(axis=1, keepdims=True)).T
    w_in = quantize_increments(inc_in, num_weight_bits, profile)

    expected = decoder.rates_.sum(axis=0)
    log_prior = -tau_e_s * (expected - expected.mean())
    if str(decoder.prior) == "occupancy":
        occ = np.log(np.maximum(decoder.occupancy_, 1e-12))
        log_prior = log_prior + np.maximum(occ - occ.max(), -prior_clip_nats)
    theta = vth * prof.threshold_gain
    mant, exp = bias_code(NAT * log_prior + theta)

    sigma = _prior_sigma(decoder)
    lateral = np.full((n_cells, n_cells), inhibition_nats)
    if sigma is not None:
        diff = (centres[:, None, :] - centres[None, :, :]) / sigma
        lateral += np.minimum(0.5 * np.sum(diff**2, axis=2), prior_clip_nats)
    np.fill_diagonal(lateral, 0.0)
    w_lat = quantize_increments(-(1.0 - a) * NAT * lateral, num_weight_bits, profile)

    pop = Population("grid", n_cells, du=du, dv=4095, vth=vth, bias_mant=mant, bias_exp=exp)
    conns = [
        DenseConnection("evidence", "spikes", "grid", weights=w_in.weights,
                        weight_exp=w_in.weight_exp, num_weight_bits=num_weight_bits),
        DenseConnection("prior", "grid", "grid", weights=w_lat.weights,
                        weight_exp=w_lat.weight_exp, num_weight_bits=num_weight_bits),
    ]  # fmt: skip
    spec = NetworkSpec(
        [pop], conns, [InputPort("spikes", n_ch)], [Probe("grid", "spikes")], profile=profile
    )
    readout = WTAReadout("grid", centres, float(np.exp(-dt_ms / readout_tau_ms)))
    bin_steps = bin_ms / dt_ms
    if abs(bin_steps - round(bin_steps)) > 1e-9:
        raise NotCompilableError(
            f"BayesianDecoder: its bin of {bin_ms} ms is not a whole number of dt_ms = {dt_ms} "
            f"steps; choose dt_ms that divides the bin"
        )
    fits = {
        "evidence_window_ms": tau_e_s * 1000.0,
        "prior": str(decoder.prior),
        "prior_sigma": None if sigma is None else sigma.tolist(),
        "cells": n_cells,
    }
    return CompiledDecoder(
        decoder=decoder,
        spec=spec,
        readout=readout,
        dt_ms=dt_ms,
        bin_steps=round(bin_steps),
        weight_errors={"evidence": w_in.error, "prior": w_lat.error},
        fits=fits,
    )
