"""``fixed`` backend: the host fast path, bit-exact with the chip (numba integer kernels).

Weights are truncated once at load by the profile; state and scratch arrays are preallocated;
``step()`` makes exactly one compiled call (the profile's ``fixed_step``) and ``run(T)`` one call
for all T steps (``fixed_run``). The kernels release the GIL (``nogil=True``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from neurolink.snn.backends.host import HostBackend
from neurolink.snn.enums import BackendKind, Feature
from neurolink.snn.errors import NotSupportedError, SpecError
from neurolink.snn.spec import DenseConnection
from neurolink.snn.synapses import PackedSynapses, SynapseBlock, pack

__all__ = ["FixedBackend"]


class FixedBackend(HostBackend):
    """Integer backend (numba); reproduces the profile's chip arithmetic bit for bit.

    Parameters
    ----------
    spec : NetworkSpec, optional
        Loaded at once if given.

    Notes
    -----
    Not supported: real-valued parameters (quantize the network first).
    """

    kind = BackendKind.FIXED
    not_supported = frozenset({Feature.REAL_VALUED})
    state_dtype = np.int64

    def _compile(self) -> None:
        assert self.spec is not None and self.profile is not None
        try:
            self.spec.validate(integer=True)
        except SpecError as e:
            raise NotSupportedError(
                f"fixed backend does not support {Feature.REAL_VALUED.value} parameters: {e}"
            ) from e
        blocks = []
        for c in self.spec.connections:
            src, dst = self.source_slice(c.source), self.pop_slices[c.target]
            mode = c.resolved_sign_mode
            common = dict(
                src0=src.start,
                n_pre=src.stop - src.start,
                dst0=dst.start,
                n_post=dst.stop - dst.start,
                weight_exp=c.weight_exp,
                synapse=c.synapse,
            )
            if isinstance(c, DenseConnection):
                w = self.profile.truncate_weights(np.asarray(c.weights), c.num_weight_bits, mode)
                blocks.append(SynapseBlock(**common, dense_w=w))
            else:
                w = self.profile.truncate_weights(np.asarray(c.w), c.num_weight_bits, mode)
                pre, post = np.asarray(c.pre), np.asarray(c.post)
                blocks.append(SynapseBlock(**common, pre=pre, post=post, w=w))
        self.synapses: PackedSynapses = pack(blocks, self.profile.weight_dtype)
        self.params = np.ascontiguousarray(self.profile.fixed_params(self.neuron_params))

    def _bind(self) -> None:
        """Pre-build the kernel's argument tuple (state arrays are replaced by reset/set_state)."""
        s = self.synapses
        self._args = (self._src, self.n_in, self.state, self.params, s.conn, s.w_dense)
        self._args += (s.indptr, s.post, s.w_sparse, s.acc)
        assert self.profile is not None
        self._kernel = self.profile.fixed_step

    def reset(self) -> None:
        super().reset()
        self._bind()

    def set_state(self, state: Mapping[str, ArrayLike]) -> None:
        super().set_state(state)
        self.state = np.ascontiguousarray(self.state, dtype=np.int64)
        self._bind()

    def _step_kernel(self) -> None:
        self._kernel(*self._args)

    def _run_kernel(
        self,
        raster: np.ndarray,
        spk_keys: list[tuple[str, str]],
        rec_keys: list[tuple[str, str, int]],
    ) -> tuple[np.ndarray, np.ndarray]:
        assert self.profile is not None
        spk_idx = np.concatenate(
            [np.arange(self.pop_slices[p].start, self.pop_slices[p].stop) for _, p in spk_keys]
            or [np.zeros(0, dtype=np.int64)]
        ).astype(np.int64)
        rec_idx = np.concatenate(
            [np.arange(self.pop_slices[p].start, self.pop_slices[p].stop) for _, p, _ in rec_keys]
            or [np.zeros(0, dtype=np.int64)]
        ).astype(np.int64)
        rec_row = np.concatenate(
            [np.full(self.spec.size_of(p), r) for _, p, r in rec_keys]  # type: ignore[union-attr]
            or [np.zeros(0, dtype=np.int64)]
        ).astype(np.int64)
        T = raster.shape[0]
        out_spk = np.zeros((T, spk_idx.size), dtype=self.profile.spike_dtype)
        out_rec = np.zeros((T, rec_idx.size), dtype=np.int64)
        s = self.synapses
        self.profile.fixed_run(
            raster,
            self._src,
            self.state,
            self.params,
            s.conn,
            s.w_dense,
            s.indptr,
            s.post,
            s.w_sparse,
            s.acc,
            spk_idx,
            rec_row,
            rec_idx,
            out_spk,
            out_rec,
        )
        return out_spk, out_rec
