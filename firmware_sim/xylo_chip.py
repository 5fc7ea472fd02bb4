"""The emulated Xylo core: load a configuration, queue input events, step, read records.

One step, as the core runs it (``../shared/data/golden/xylo/README.md``, "Arithmetic"):

1. input channels in ascending order: each of ``min(events, 15)`` events adds
   ``w_in << shift_in`` to every synapse it reaches, one addition at a time, saturating;
2. hidden neurons in ascending order: each of last step's spikes adds ``w_rec << shift_rec``
   to its hidden targets, then
3. ``w_out << shift_out`` to the output neurons, one addition per spike, saturating;
4. hidden neurons in ascending order: decay, integrate (``dv`` clamped), up to 31 spikes with
   the threshold subtracted per spike, aliases forwarded in neuron order;
5. output neurons: the same with one synapse and at most one spike.

So an input event acts in the step it arrives; a hidden spike reaches its targets one step
later. Every addition below is done one event at a time, as the hardware counts them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

import numba
import numpy as np

from firmware_sim import profile_xylo as px
from firmware_sim.mapper import MappingError
from firmware_sim.profile_xylo import XYLO, XyloProfile, decay_amount, sat16, wrap16
from firmware_sim.xylo_image import XyloImage, parse_xylo

RECORDS = ("spikes", "spikes_out", "v_mem", "i_syn", "i_syn2", "v_mem_out", "i_syn_out")


@numba.njit(cache=True)
def _add_events(i_syn: np.ndarray, w: np.ndarray, shift: int, events: int) -> None:
    """``events`` times: every target ``i_syn[j] = sat(i_syn[j] + (w[j] << shift))``."""
    for j in range(w.shape[0]):
        if w[j] != 0:
            inc = w[j] << shift  # |w << 7| <= 16384: the sum of two int16s, clamped next
            for _ in range(events):
                i_syn[j] = sat16(i_syn[j] + inc)


@numba.njit(cache=True)
def _neuron(v: int, i_total: int, dash_mem: int, bias: int) -> int:
    """Rules 4c-4f: the membrane after leak, input and bias (int16 clamps in that order)."""
    dv = wrap16(-decay_amount(v, dash_mem))  # -(-32768) wraps back to -32768 (XyloSim)
    dv = sat16(dv + i_total)  # i_total may be beyond int16: dv is clamped first
    dv = sat16(dv + bias)
    return sat16(v + dv)


@numba.njit(cache=True)
def _evolve(inp, w_in, w_rec, w_out, shifts, dash_syn, dash_mem, thr, bias, alias,
            dash_syn_out, dash_mem_out, thr_out, bias_out, i_syn, v_mem, counts, i_out, v_out,
            rec_spk, rec_out, rec_v, rec_i, rec_vo, rec_io):  # fmt: skip  # pragma: no cover
    """``inp.shape[0]`` steps (rules 1-5 of the module docstring), states updated in place."""
    n_in, n_h, n_syn = w_in.shape
    n_out = w_out.shape[1]
    own = np.zeros(n_h, dtype=np.int64)
    for t in range(inp.shape[0]):
        for i in range(n_in):  # 1: input channels, ascending
            events = min(inp[t, i], px.INPUT_USED)
            if events:
                for s in range(n_syn):
                    _add_events(i_syn[:, s], w_in[i, :, s], shifts[0], events)
        for i in range(n_h):  # 2: last step's hidden counts, after every input
            if counts[i]:
                for s in range(n_syn):
                    _add_events(i_syn[:, s], w_rec[i, :, s], shifts[1], counts[i])
        for i in range(n_h):  # 3: the same counts into the output synapses
            if counts[i]:
                _add_events(i_out, w_out[i], shifts[2], counts[i])
        own[:] = 0  # 4: the count buffer B, alias counts arrive before or after a neuron
        for j in range(n_h):
            total = 0
            for s in range(n_syn):
                i_syn[j, s] -= decay_amount(i_syn[j, s], dash_syn[j, s])
                total += i_syn[j, s]  # wide sum, not clamped
            v = _neuron(v_mem[j], total, dash_mem[j], bias[j])
            n = own[j]
            while v >= thr[j] and n < px.MAX_SPIKES:
                n += 1
                v = wrap16(v - thr[j])  # subtract per spike; wraps for negative thresholds
            v_mem[j], own[j] = v, n
            if alias[j] >= 0:
                own[alias[j]] = min(own[alias[j]] + n, px.MAX_SPIKES)
        counts[:] = own
        for m in range(n_out):  # 5: output neurons, one synapse, one spike at most
            i_out[m] -= decay_amount(i_out[m], dash_syn_out[m])
            v = _neuron(v_out[m], i_out[m], dash_mem_out[m], bias_out[m])
            spike = v >= thr_out[m]
            if spike:
                v = wrap16(v - thr_out[m])
            v_out[m] = v
            rec_out[t, m] = spike
        rec_spk[t] = counts
        rec_v[t] = v_mem
        rec_i[t] = i_syn
        rec_vo[t] = v_out
        rec_io[t] = i_out


class XyloChip:
    """A bit-accurate emulated Xylo Audio 2 core.

    Parameters
    ----------
    profile : XyloProfile
        Core sizes; ``XYLO.resized(hidden_neurons=...)`` for other cores.

    Examples
    --------
    >>> chip = XyloChip()
    >>> chip.load({"weights_in": [[[5]]], "weights_rec": [[[0]]], "weights_out": [[1]],
    ...            "weight_shift_in": 0, "weight_shift_rec": 0, "weight_shift_out": 0,
    ...            "dash_syn": [1], "dash_mem": [1], "threshold": [100], "bias": [0],
    ...            "aliases": [[]], "dash_syn_out": [1], "dash_mem_out": [1],
    ...            "threshold_out": [100], "bias_out": [0]})
    >>> chip.set_inputs([3])
    >>> chip.step(1)["i_syn"].tolist()  # 3 x 5 = 15, then 15 - (15 >> 1) = 8
    [[8]]
    """

    def __init__(self, profile: XyloProfile = XYLO) -> None:
        self.profile = profile
        self._image: XyloImage | None = None
        self._queue: deque[np.ndarray] = deque()
        self._time_step = 0

    def load(self, config: Mapping) -> None:
        """Validate a configuration (:mod:`firmware_sim.xylo_image`) and reset.

        Raises
        ------
        NetworkError
            The configuration is malformed (the message names the key).
        MappingError
            It is larger than the core (the message says what overflowed).
        """
        image = parse_xylo(config)
        lim = self.profile.limits
        for what, need, have in zip(
            ("input channels", "hidden neurons", "output neurons"),
            image.sizes,
            (lim.input_channels, lim.hidden_neurons, lim.output_neurons),
            strict=True,
        ):
            if need > have:
                raise MappingError(f"xylo: {need} {what} > {have} on the chip")
        self._image = image
        self.reset()

    def _loaded(self) -> XyloImage:
        if self._image is None:
            raise RuntimeError("no network loaded: call load() first")
        return self._image

    def reset(self) -> None:
        """All states and counts to 0, queued inputs dropped, time back to 0."""
        img = self._loaded()
        _, n_h, n_out = img.sizes
        self._i_syn = np.zeros((n_h, 2), dtype=np.int64)
        self._v_mem = np.zeros(n_h, dtype=np.int64)
        self._counts = np.zeros(n_h, dtype=np.int64)
        self._i_out = np.zeros(n_out, dtype=np.int64)
        self._v_out = np.zeros(n_out, dtype=np.int64)
        self._queue.clear()
        self._time_step = 0

    @property
    def time_step(self) -> int:
        """Steps run since load or the last reset."""
        return self._time_step

    def info(self) -> dict[str, int | str]:
        """Identity and sizes, plain."""
        lim = self.profile.limits
        return {"profile": self.profile.name, **lim.__dict__}

    def set_inputs(self, events: np.ndarray | list) -> None:
        """Queue input events: (n_in,) for the next step or (T, n_in) for T steps, 0..255."""
        n_in = self._loaded().sizes[0]
        arr = np.asarray(events)
        rows = arr.reshape(1, -1) if arr.ndim == 1 else arr
        if rows.ndim != 2 or rows.shape[1] != n_in:
            raise ValueError(f"xylo input: shape {arr.shape}, expected ({n_in},) or (T, {n_in})")
        if rows.size and (
            np.any(rows != np.round(rows)) or rows.min() < px.INPUT.lo or rows.max() > px.INPUT.hi
        ):
            raise ValueError(f"xylo input: event counts must be integers {px.INPUT.lo}..255")
        self._queue.extend(rows.astype(np.int64))

    def step(self, n: int = 1) -> dict[str, np.ndarray]:
        """Run ``n`` steps; return the records of these steps (int64, (n, size) each).

        ``spikes`` (hidden counts 0..31), ``spikes_out`` (0/1), ``v_mem``, ``i_syn``, ``i_syn2``
        (zero when the network has one synapse), ``v_mem_out``, ``i_syn_out``; row k is the end
        of the k-th of these steps. Steps with nothing queued receive no input.
        """
        img = self._loaded()
        if n < 0:
            raise ValueError(f"n = {n} must be >= 0")
        n_in, n_h, n_out = img.sizes
        inp = np.zeros((n, n_in), dtype=np.int64)
        for t in range(min(n, len(self._queue))):
            inp[t] = self._queue.popleft()
        rec = {k: np.zeros((n, n_out if k.endswith("_out") else n_h), np.int64) for k in RECORDS}
        i_both = np.zeros((n, n_h, 2), dtype=np.int64)
        _evolve(inp, img.w_in, img.w_rec, img.w_out, img.shifts, img.dash_syn, img.dash_mem,
                img.threshold, img.bias, img.alias, img.dash_syn_out, img.dash_mem_out,
                img.threshold_out, img.bias_out, self._i_syn, self._v_mem, self._counts,
                self._i_out, self._v_out, rec["spikes"], rec["spikes_out"], rec["v_mem"], i_both,
                rec["v_mem_out"], rec["i_syn_out"])  # fmt: skip
        rec["i_syn"], rec["i_syn2"] = i_both[:, :, 0], i_both[:, :, 1]
        self._time_step += n
        return rec

    def read_state(self) -> dict[str, np.ndarray]:
        """Current registers (copies): ``i_syn``, ``i_syn2``, ``v_mem``, ``spikes`` (last
        counts), ``i_syn_out``, ``v_mem_out``."""
        self._loaded()
        return {
            "i_syn": self._i_syn[:, 0].copy(),
            "i_syn2": self._i_syn[:, 1].copy(),
            "v_mem": self._v_mem.copy(),
            "spikes": self._counts.copy(),
            "i_syn_out": self._i_out.copy(),
            "v_mem_out": self._v_out.copy(),
        }
