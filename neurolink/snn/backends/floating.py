"""``float`` backend: the profile's dynamics in float64, for measuring quantization error.

No weight truncation (weights × 2**weight_exp exactly), no rounding of decays, no wrap of u and
no clip of v. Accepts real-valued specs (the quantizer's ideal network). Per-step numpy code:
correct and simple, not fast.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from neurolink.snn.backends.host import HostBackend
from neurolink.snn.enums import BackendKind
from neurolink.snn.spec import DenseConnection

__all__ = ["FloatBackend"]


class FloatBackend(HostBackend):
    """Float64 reference backend (supports every feature of the spec).

    Parameters
    ----------
    spec : NetworkSpec, optional
        Loaded at once if given.
    """

    kind = BackendKind.FLOAT
    not_supported = frozenset()
    state_dtype = np.float64

    def _compile(self) -> None:
        assert self.spec is not None and self.profile is not None
        self._conns: list[tuple[slice, slice, np.ndarray | sp.csr_matrix, int]] = []
        for c in self.spec.connections:
            src, dst = self.source_slice(c.source), self.pop_slices[c.target]
            scale = self.profile.float_weight_scale(c.weight_exp)
            if isinstance(c, DenseConnection):
                w = np.asarray(c.weights, dtype=np.float64) * scale  # (n_post, n_pre)
            else:
                shape = (dst.stop - dst.start, src.stop - src.start)
                w = sp.csr_matrix(
                    (np.asarray(c.w, dtype=np.float64) * scale, (c.post, c.pre)), shape=shape
                )
            self._conns.append((src, dst, w, c.synapse))
        self.params = self.profile.float_params(self.neuron_params)
        self._spikes_f = np.zeros(self.n_in + self.n, dtype=np.float64)

    def _step_kernel(self) -> None:
        assert self.profile is not None
        s = self._spikes_f
        s[: self.n_in] = self._src[: self.n_in]
        spikes = self.profile.float_step(self.state, self.params, s, self.n_in, self._conns)
        self._src[self.n_in :] = spikes

    def _run_kernel(
        self,
        raster: np.ndarray,
        spk_keys: list[tuple[str, str]],
        rec_keys: list[tuple[str, str, int]],
    ) -> tuple[np.ndarray, np.ndarray]:
        T = raster.shape[0]
        spk_sl = [self.pop_slices[p] for _, p in spk_keys]
        rec_sl = [(r, self.pop_slices[p]) for _, p, r in rec_keys]
        n_spk = sum(s.stop - s.start for s in spk_sl)
        n_rec = sum(s.stop - s.start for _, s in rec_sl)
        out_spk = np.zeros((T, n_spk), dtype=self.profile.spike_dtype)  # type: ignore[union-attr]
        out_rec = np.zeros((T, n_rec), dtype=np.float64)
        for t in range(T):
            self._src[: self.n_in] = raster[t]
            self._step_kernel()
            if spk_sl:
                out_spk[t] = np.concatenate([self._src[self.n_in :][s] for s in spk_sl])
            if rec_sl:
                out_rec[t] = np.concatenate([self.state[r, s] for r, s in rec_sl])
        return out_spk, out_rec
