"""The small spiking networks the loop runs, as :class:`~neurolink.snn.NetworkSpec` (Loihi).

Arithmetic of the Loihi profile (DESIGN.md §3), used below. With ``du = 4095`` the current keeps
nothing from one step to the next (factor ``4096 − (du + 1) = 0``): ``u = a << 6``, the synaptic
input of the step, where ``a = Σ w`` over the inputs that spiked one step earlier (shifted by
``weight_exp``). The voltage integrates it, ``v ← v · (4096 − dv) / 4096 + u``, and a neuron
fires when ``v > vth << 6``, after which ``v = 0``. So ``m`` input spikes of weight ``w`` fire a
neuron without leak (``dv = 0``) exactly when ``m · w > vth``: ``vth = m · w − 1`` fires on the
m-th spike.
"""

from __future__ import annotations

import math

import numpy as np

from neurolink.snn.spec import DenseConnection, InputPort, NetworkSpec, Population

__all__ = ["CURRENT_ONLY", "burst_spec", "decay_code", "relay_spec", "wta_spec"]

CURRENT_ONLY = 4095
"""``du`` code for a current that lasts one step (decay factor 4096 − (4095 + 1) = 0)."""

_W_MAX = 255  # largest excitatory weight (8 bits)


def decay_code(tau_steps: float) -> int:
    """The ``dv`` code of a leak with time constant ``tau_steps`` steps.

    ``v`` is multiplied by ``(4096 − dv) / 4096 = exp(−1/τ)`` each step, so
    ``dv = round(4096 · (1 − exp(−1/τ)))``; 0 for τ = ∞.

    Parameters
    ----------
    tau_steps : float
        Time constant in steps (> 0; ``math.inf`` for no leak).

    Returns
    -------
    int
        0..4095.
    """
    if not tau_steps > 0:
        raise ValueError(f"the leak time constant must be > 0 steps, got {tau_steps!r}")
    return min(4095, round(4096 * (1.0 - math.exp(-1.0 / tau_steps))))


def relay_spec(n_values: int) -> NetworkSpec:
    """A one-to-one spiking relay of ``2·n_values`` channels (signed values: + then −).

    Every relay neuron has one input axon of weight 255 and ``vth = 100``: an input spike gives
    ``v = 255 << 6 = 16320 > 100 << 6 = 6400``, so the neuron fires once per input spike, one
    step later, and with ``dv = 4095`` nothing is left for the next step.

    Parameters
    ----------
    n_values : int
        Signed values relayed (2 channels each).

    Returns
    -------
    NetworkSpec
        Port ``in`` (2n axons), population ``relay`` (2n neurons).
    """
    n = 2 * int(n_values)
    pop = Population("relay", n, du=CURRENT_ONLY, dv=4095, vth=100)
    conn = DenseConnection("in_relay", "in", "relay", weights=_W_MAX * np.eye(n, dtype=np.int64))
    return NetworkSpec([pop], [conn], [InputPort("in", n)])


def burst_spec(n_channels: int, n_coincident: int, leak_steps: float) -> NetworkSpec:
    """One leaky integrate-and-fire neuron listening to every channel: a burst detector.

    Weight 8 per input, ``vth = 8 · n_coincident − 1``: without leak it fires on the
    ``n_coincident``-th input spike; the leak (time constant ``leak_steps``) forgets spikes
    that are spread out in time.

    Parameters
    ----------
    n_channels : int
        Input axons (one per recording channel).
    n_coincident : int
        Spikes needed (1..16383).
    leak_steps : float
        Membrane time constant in steps.

    Returns
    -------
    NetworkSpec
        Port ``in``, population ``burst`` (1 neuron).
    """
    w = 8
    if not 1 <= n_coincident <= 131071 // w:
        raise ValueError(f"n_coincident must be 1..{131071 // w}, got {n_coincident}")
    pop = Population(
        "burst", 1, du=CURRENT_ONLY, dv=decay_code(leak_steps), vth=w * int(n_coincident) - 1
    )
    conn = DenseConnection(
        "in_burst", "in", "burst", weights=np.full((1, n_channels), w, dtype=np.int64)
    )
    return NetworkSpec([pop], [conn], [InputPort("in", int(n_channels))])


def wta_spec(n_classes: int, evidence_spikes: int, leak: int = 0) -> NetworkSpec:
    """Winner-take-all evidence accumulators, one per class, with mutual inhibition.

    Input weight 64 and ``vth = 64 · evidence_spikes − 1``: an integrator fires on its
    ``evidence_spikes``-th input spike (without leak). Its spike reaches every other
    integrator one step later with weight −255 << 6 (``weight_exp = 6``): a drop of
    ``16320 << 6`` in ``v`` that wipes out any evidence short of the threshold.

    Parameters
    ----------
    n_classes : int
        Number of classes (≥ 2).
    evidence_spikes : int
        Input spikes an integrator needs (1..2047).
    leak : int
        ``dv`` decay code of the integrators (0: perfect integration).

    Returns
    -------
    NetworkSpec
        Port ``in`` (one axon per class), population ``wta``.
    """
    k = int(n_classes)
    w = 64
    if k < 2:
        raise ValueError(f"a winner-take-all needs at least 2 classes, got {k}")
    if not 1 <= evidence_spikes <= 131071 // w:
        raise ValueError(f"evidence_spikes must be 1..{131071 // w}, got {evidence_spikes}")
    pop = Population("wta", k, du=CURRENT_ONLY, dv=int(leak), vth=w * int(evidence_spikes) - 1)
    excite = DenseConnection("in_wta", "in", "wta", weights=w * np.eye(k, dtype=np.int64))
    inhibit = DenseConnection(
        "wta_wta", "wta", "wta", weight_exp=6, weights=-_W_MAX * (1 - np.eye(k, dtype=np.int64))
    )
    return NetworkSpec([pop], [excite, inhibit], [InputPort("in", k)])
