"""The numba kernel of :class:`~neurolink.models.networks.spiking.SpikingNetwork`.

One call advances every neuron step by step until the end, a full spike buffer, or a
non-finite membrane potential. Per step ``s`` (times ``s·dt → (s+1)·dt``):

1. each neuron integrates with input ``drive + i_syn`` held over the step
   (LIF: exact exponential update; Izhikevich: forward Euler) and spikes at ``v >= threshold``;
2. ``i_syn ← i_syn · e^{−dt/τ_syn}``;
3. event-driven delivery: for every neuron ``j`` that spiked in this step, its CSR row adds
   ``weights[k]`` to ``i_syn[indices[k]]`` (one step of synaptic delay).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# Values of the ``kind`` array.
LIF, IZHIKEVICH = 0, 1
# Columns of ``par``: LIF (decay = e^{-dt/τ_m}, v_rest, v_reset, v_th, refractory steps, r_m);
# Izhikevich (a, b, c, d, v_peak, unused).
N_PAR = 6
# Return status.
DONE, FULL, DIVERGED = 0, 1, 2


@njit(nogil=True, cache=True)
def run(
    step0,
    n_steps,
    dt,
    kind,
    par,
    v,
    u,
    i_syn,
    ref,
    drive,
    syn_decay,
    indptr,
    indices,
    weights,
    out_step,
    out_idx,
    n_out,
):  # pragma: no cover - njit
    """Advance from step ``step0`` to ``n_steps``; state arrays are updated in place.

    Returns ``(n_out, step, status, neuron)``: spikes written so far, the next step to run,
    ``DONE``/``FULL``/``DIVERGED``, and the neuron that diverged (−1 otherwise). A full buffer
    is detected before a step starts, so the call can be resumed at ``step`` with a larger one.
    """
    n = v.size
    capacity = out_idx.size
    const_drive = drive.shape[0] == 1
    for s in range(step0, n_steps):
        if n_out + n > capacity:
            return n_out, s, FULL, -1
        row = 0 if const_drive else s
        first = n_out
        for i in range(n):
            inp = drive[row, i] + i_syn[i]
            spiked = False
            if kind[i] == LIF:
                if ref[i] > 0:
                    ref[i] -= 1
                    continue
                v_inf = par[i, 1] + par[i, 5] * inp
                v[i] = v_inf + (v[i] - v_inf) * par[i, 0]
                if v[i] >= par[i, 3]:
                    v[i] = par[i, 2]
                    ref[i] = np.int64(par[i, 4])
                    spiked = True
            else:
                vv = v[i]
                uu = u[i]
                v[i] = vv + dt * (0.04 * vv * vv + 5.0 * vv + 140.0 - uu + inp)
                u[i] = uu + dt * par[i, 0] * (par[i, 1] * vv - uu)
                if v[i] >= par[i, 4]:
                    v[i] = par[i, 2]
                    u[i] += par[i, 3]
                    spiked = True
            if not (math.isfinite(v[i]) and math.isfinite(u[i])):
                return n_out, s, DIVERGED, i
            if spiked:
                out_step[n_out] = s
                out_idx[n_out] = i
                n_out += 1
        for i in range(n):
            i_syn[i] *= syn_decay
        for k in range(first, n_out):
            j = out_idx[k]
            for syn in range(indptr[j], indptr[j + 1]):
                i_syn[indices[syn]] += weights[syn]
    return n_out, n_steps, DONE, -1
