"""The Xylo network the host loads: XyloSim's configuration as a plain dict, validated.

Keys are the keyword arguments of Rockpool's ``XyloSim.from_specification`` (the layout of
``../shared/data/golden/xylo/*.json`` ``config``, without ``input``/``num_steps``)::

    weights_in   n_in x n_hidden x n_syn   int8   input channel -> hidden neuron, synapse
    weights_rec  n_hidden x n_hidden x n_syn int8 hidden (pre) -> hidden (post), synapse
    weights_out  n_hidden x n_out          int8   hidden -> output neuron
    weight_shift_in, weight_shift_rec, weight_shift_out   0..7
    dash_syn, dash_mem (n_hidden), dash_syn_2 (n_hidden, only when n_syn = 2)   0..15
    dash_syn_out, dash_mem_out (n_out)    0..15
    threshold, bias (n_hidden); threshold_out, bias_out (n_out)   int16
    aliases      n_hidden lists, [] or [target]

Every value is refused with a message naming the key when it is missing, of the wrong shape,
not an integer or out of range; unknown keys are refused too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from firmware_sim import profile_xylo as px
from firmware_sim.bits import Width
from firmware_sim.network import NetworkError

_SHIFTS = ("weight_shift_in", "weight_shift_rec", "weight_shift_out")
_KNOWN = {"weights_in", "weights_rec", "weights_out", "aliases", "dash_syn_2", *_SHIFTS}
_KNOWN |= {"dash_syn", "dash_mem", "threshold", "bias"}
_KNOWN |= {"dash_syn_out", "dash_mem_out", "threshold_out", "bias_out"}


@dataclass(frozen=True)
class XyloImage:
    """A validated Xylo configuration: int64 arrays, ready for the core."""

    w_in: np.ndarray  # (n_in, n_hidden, 2): synapse 2 all zero when n_syn = 1
    w_rec: np.ndarray  # (n_hidden, n_hidden, 2)
    w_out: np.ndarray  # (n_hidden, n_out)
    shifts: np.ndarray  # (3,): in, rec, out
    dash_syn: np.ndarray  # (n_hidden, 2)
    dash_mem: np.ndarray  # (n_hidden,)
    threshold: np.ndarray
    bias: np.ndarray
    alias: np.ndarray  # (n_hidden,), -1 = none
    dash_syn_out: np.ndarray  # (n_out,)
    dash_mem_out: np.ndarray
    threshold_out: np.ndarray
    bias_out: np.ndarray
    n_syn: int

    @property
    def sizes(self) -> tuple[int, int, int]:
        """(input channels, hidden neurons, output neurons)."""
        return self.w_in.shape[0], self.w_in.shape[1], self.w_out.shape[1]


def _ints(cfg: Mapping, key: str, shape: tuple[int, ...], width: Width) -> np.ndarray:
    if key not in cfg:
        raise NetworkError(f"xylo: missing key {key!r}")
    arr = np.asarray(cfg[key])
    if arr.size and arr.dtype.kind not in "iu" and not np.all(arr == np.round(arr)):
        raise NetworkError(f"xylo: {key} must hold integers")
    if arr.shape != shape:
        raise NetworkError(f"xylo: {key} has shape {arr.shape}, expected {shape}")
    arr = arr.astype(np.int64)
    bad = (arr < width.lo) | (arr > width.hi)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise NetworkError(
            f"xylo: {key}{list(idx)} = {int(arr[idx])} outside [{width.lo}, {width.hi}]"
        )
    return arr


def parse_xylo(cfg: Mapping) -> XyloImage:
    """Validate a Xylo configuration dict (module docstring) into an :class:`XyloImage`.

    Raises
    ------
    NetworkError
        Naming the key, the index and the allowed range.
    """
    unknown = sorted(set(cfg) - _KNOWN)
    if unknown:
        raise NetworkError(f"xylo: unknown key(s) {unknown}")
    w_in = np.asarray(cfg.get("weights_in", []))
    if w_in.ndim != 3 or w_in.shape[2] not in (1, 2) or 0 in w_in.shape:
        raise NetworkError(f"xylo: weights_in must be n_in x n_hidden x n_syn (1 or 2), got "
                           f"shape {w_in.shape}")  # fmt: skip
    n_in, n_h, n_syn = w_in.shape
    n_out = (
        int(np.shape(cfg.get("weights_out", []))[-1]) if np.ndim(cfg.get("weights_out")) == 2 else 0
    )
    if n_out == 0:
        raise NetworkError("xylo: weights_out must be n_hidden x n_out with n_out >= 1")
    w_in = _ints(cfg, "weights_in", (n_in, n_h, n_syn), px.WEIGHT)
    w_rec = _ints(cfg, "weights_rec", (n_h, n_h, n_syn), px.WEIGHT)
    w_out = _ints(cfg, "weights_out", (n_h, n_out), px.WEIGHT)
    if n_syn == 1 and "dash_syn_2" in cfg:
        raise NetworkError("xylo: dash_syn_2 is given but the weights have one synapse")
    dash_syn = np.zeros((n_h, 2), dtype=np.int64)
    dash_syn[:, 0] = _ints(cfg, "dash_syn", (n_h,), px.DASH)
    if n_syn == 2:
        dash_syn[:, 1] = _ints(cfg, "dash_syn_2", (n_h,), px.DASH)
    pad = lambda w: np.concatenate([w, np.zeros_like(w)], axis=2) if n_syn == 1 else w  # noqa: E731
    aliases = cfg.get("aliases")
    if aliases is None or len(aliases) != n_h:
        raise NetworkError(f"xylo: aliases must be a list of {n_h} lists")
    alias = np.full(n_h, -1, dtype=np.int64)
    for j, a in enumerate(aliases):
        if len(a) > 1:
            raise NetworkError(f"xylo: aliases[{j}] has {len(a)} targets; at most one")
        if a:
            if not 0 <= int(a[0]) < n_h or int(a[0]) == j:
                raise NetworkError(f"xylo: aliases[{j}] = {list(a)} must name another hidden "
                                   f"neuron 0..{n_h - 1}")  # fmt: skip
            alias[j] = int(a[0])
    return XyloImage(
        w_in=pad(w_in),
        w_rec=pad(w_rec),
        w_out=w_out,
        shifts=np.array([_ints(cfg, k, (), px.SHIFT) for k in _SHIFTS], dtype=np.int64),
        dash_syn=dash_syn,
        dash_mem=_ints(cfg, "dash_mem", (n_h,), px.DASH),
        threshold=_ints(cfg, "threshold", (n_h,), px.THRESHOLD),
        bias=_ints(cfg, "bias", (n_h,), px.BIAS),
        alias=alias,
        dash_syn_out=_ints(cfg, "dash_syn_out", (n_out,), px.DASH),
        dash_mem_out=_ints(cfg, "dash_mem_out", (n_out,), px.DASH),
        threshold_out=_ints(cfg, "threshold_out", (n_out,), px.THRESHOLD),
        bias_out=_ints(cfg, "bias_out", (n_out,), px.BIAS),
        n_syn=n_syn,
    )
