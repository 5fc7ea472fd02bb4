"""Connections of a network spec: dense matrices and sparse (pre, post, w) lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from neurolink.snn._fields import check_name, numeric
from neurolink.snn.enums import SignMode
from neurolink.snn.errors import SpecError

if TYPE_CHECKING:
    from neurolink.snn.spec import NetworkSpec

__all__ = ["Connection", "DenseConnection", "SparseConnection"]


class _ConnectionCommon:
    """Fields and behaviour shared by dense and sparse connections."""

    name: str
    source: str
    target: str
    weight_exp: int
    num_weight_bits: int
    sign_mode: SignMode | None
    synapse: int

    def _init_common(self) -> None:
        check_name("connection", self.name)
        for p in ("weight_exp", "num_weight_bits", "synapse"):
            v = getattr(self, p)
            if isinstance(v, bool) or not isinstance(v, int | np.integer):
                raise SpecError(f"connection {self.name!r}: {p} must be an integer, got {v!r}")
            object.__setattr__(self, p, int(v))
        if self.sign_mode is not None:
            try:
                object.__setattr__(self, "sign_mode", SignMode(self.sign_mode))
            except ValueError:
                allowed = ", ".join(m.value for m in SignMode)
                raise SpecError(
                    f"connection {self.name!r}: sign_mode {self.sign_mode!r} is not one of "
                    f"{allowed} (or None to infer)"
                ) from None

    def values(self) -> np.ndarray:
        """All stored weight values, 1-D."""
        raise NotImplementedError

    @property
    def resolved_sign_mode(self) -> SignMode:
        """``sign_mode``, or inferred: all ≥ 0 excitatory, all ≤ 0 inhibitory, else mixed."""
        if self.sign_mode is not None:
            return SignMode(self.sign_mode)
        w = self.values()
        if np.all(w >= 0):
            return SignMode.EXCITATORY
        if np.all(w <= 0):
            return SignMode.INHIBITORY
        return SignMode.MIXED

    def _common_dict(self, kind: str) -> dict[str, Any]:
        mode = None if self.sign_mode is None else SignMode(self.sign_mode).value
        return {
            "kind": kind,
            "name": self.name,
            "source": self.source,
            "target": self.target,
            "weight_exp": self.weight_exp,
            "num_weight_bits": self.num_weight_bits,
            "sign_mode": mode,
        } | ({"synapse": self.synapse} if self.synapse else {})


@dataclass(frozen=True, eq=False)
class DenseConnection(_ConnectionCommon):
    """All-to-all synapses from ``source`` (port or population) to population ``target``.

    Parameters
    ----------
    weights : array_like, shape (n_target, n_source)
        ``weights[post, pre]`` (Loihi: −256..255 before truncation).
    weight_exp : int
        Summed weights are shifted by this (left if > 0, arithmetic right if < 0).
    num_weight_bits : int
        Weight precision, 1..8 bits.
    sign_mode : SignMode, str or None
        None infers it from the weights.
    synapse : int
        Which synaptic current of the target neurons the connection feeds (0 = ``u``,
        1 = ``u2`` on profiles with two synapses per neuron; see ``Profile.synapses``).
    """

    name: str
    source: str
    target: str
    weights: ArrayLike
    weight_exp: int = 0
    num_weight_bits: int = 8
    sign_mode: SignMode | str | None = None
    synapse: int = 0

    def __post_init__(self) -> None:
        self._init_common()
        w = numeric(f"connection {self.name!r}", "weights", self.weights, None)
        if w.ndim != 2:
            raise SpecError(f"connection {self.name!r}: weights must be 2-D (n_post, n_pre)")
        object.__setattr__(self, "weights", w)

    def values(self) -> np.ndarray:
        return np.asarray(self.weights).ravel()

    def n_synapses(self, spec: NetworkSpec) -> int:
        """Number of stored synapses (every entry of the matrix)."""
        return int(np.asarray(self.weights).size)

    def to_dict(self) -> dict[str, Any]:
        return self._common_dict("dense") | {"weights": np.asarray(self.weights).tolist()}


@dataclass(frozen=True, eq=False)
class SparseConnection(_ConnectionCommon):
    """Listed synapses ``(pre[k], post[k], w[k])`` for large, sparse fan-out.

    Each (pre, post) pair may appear once (a repeat is refused by ``NetworkSpec.validate``, as
    the chip refuses it): merge repeated synapses' weights into one.

    Parameters
    ----------
    pre, post : array_like of int, shape (n_synapses,)
        Presynaptic source index and postsynaptic neuron index.
    w : array_like, shape (n_synapses,)
        Weights (Loihi: −256..255 before truncation).
    weight_exp, num_weight_bits, sign_mode, synapse
        As for :class:`DenseConnection`.
    """

    name: str
    source: str
    target: str
    pre: ArrayLike
    post: ArrayLike
    w: ArrayLike
    weight_exp: int = 0
    num_weight_bits: int = 8
    sign_mode: SignMode | str | None = None
    synapse: int = 0

    def __post_init__(self) -> None:
        self._init_common()
        owner = f"connection {self.name!r}"
        w = numeric(owner, "w", self.w, None)
        if w.ndim != 1:
            raise SpecError(f"{owner}: w must be 1-D, got shape {w.shape}")
        for p in ("pre", "post"):
            idx = numeric(owner, p, getattr(self, p), w.shape)
            if idx.dtype.kind != "i":
                raise SpecError(f"{owner}: {p} must be integer indices")
            object.__setattr__(self, p, idx)
        object.__setattr__(self, "w", w)

    def values(self) -> np.ndarray:
        return np.asarray(self.w)

    def n_synapses(self, spec: NetworkSpec) -> int:
        """Number of listed synapses."""
        return int(np.asarray(self.w).size)

    def to_dict(self) -> dict[str, Any]:
        arrays = {k: np.asarray(getattr(self, k)).tolist() for k in ("pre", "post", "w")}
        return self._common_dict("sparse") | arrays


Connection = DenseConnection | SparseConnection
