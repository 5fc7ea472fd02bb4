"""Re-referencing nodes: common average (CAR) and common median (CMR) reference.

For every sample the reference is the mean (CAR) or the median (CMR) of the reference channels,
and it is subtracted from every channel. Non-finite values are left out of the reference, so one
bad channel does not spoil the others; a non-finite input stays non-finite at the output, and a
sample where no reference channel is finite gives NaN on every channel.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import overload

import numpy as np
from numba import njit

from neurolink.streams.block import Block

__all__ = ["CommonAverageReference", "CommonMedianReference"]


@njit(nogil=True, cache=True)
def _car_kernel(x: np.ndarray, ref: np.ndarray, out: np.ndarray) -> None:
    n, c = x.shape
    for t in range(n):
        acc = 0.0
        k = 0
        for i in range(ref.size):
            v = x[t, ref[i]]
            if np.isfinite(v):
                acc += v
                k += 1
        r = acc / k if k > 0 else np.nan
        for ch in range(c):
            out[t, ch] = x[t, ch] - r


@njit(nogil=True, cache=True)
def _select(a: np.ndarray, n: int, k: int) -> float:
    """k-th smallest of ``a[:n]`` (quickselect, reorders ``a[:n]`` in place)."""
    lo = 0
    hi = n - 1
    while lo < hi:
        pivot = a[(lo + hi) // 2]
        i = lo
        j = hi
        while i <= j:
            while a[i] < pivot:
                i += 1
            while a[j] > pivot:
                j -= 1
            if i <= j:
                tmp = a[i]
                a[i] = a[j]
                a[j] = tmp
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            break
    return a[k]


@njit(nogil=True, cache=True)
def _cmr_kernel(x: np.ndarray, ref: np.ndarray, out: np.ndarray, work: np.ndarray) -> None:
    n, c = x.shape
    for t in range(n):
        k = 0
        for i in range(ref.size):
            v = x[t, ref[i]]
            if np.isfinite(v):
                work[k] = v
                k += 1
        if k == 0:
            r = np.nan
        else:
            h = k // 2
            upper = _select(work, k, h)
            if k % 2 == 1:
                r = upper
            else:
                lower = work[0]  # after selection work[:h] holds the h smallest values
                for i in range(1, h):
                    if work[i] > lower:
                        lower = work[i]
                r = 0.5 * (lower + upper)
        for ch in range(c):
            out[t, ch] = x[t, ch] - r


class _Reference:
    """Shared validation and Block handling of the two reference nodes."""

    def __init__(self, n_channels: int, ref_channels: Sequence[int] | None = None) -> None:
        if int(n_channels) != n_channels or n_channels < 1:
            raise ValueError(f"n_channels must be a positive integer, got {n_channels!r}")
        self.n_channels = int(n_channels)
        idx = np.arange(n_channels) if ref_channels is None else np.asarray(ref_channels)
        if idx.ndim != 1 or idx.size == 0 or idx.min() < 0 or idx.max() >= n_channels:
            raise ValueError(
                f"ref_channels must be a non-empty list of indices in [0, {n_channels}), "
                f"got {ref_channels!r}"
            )
        self.ref_channels = np.ascontiguousarray(idx, dtype=np.int64)
        self._work = np.empty(self.ref_channels.size, np.float64)

    def reset(self) -> None:
        """Nothing is carried between blocks; present for the node interface."""

    def _run(self, x: np.ndarray, out: np.ndarray) -> None:
        raise NotImplementedError

    @overload
    def step(self, x: Block, out: np.ndarray | None = None) -> Block: ...
    @overload
    def step(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray: ...

    def step(self, x: Block | np.ndarray, out: np.ndarray | None = None) -> Block | np.ndarray:
        """Re-reference one block.

        Parameters
        ----------
        x : Block or numpy.ndarray of float32, shape (n_samples, n_channels)
            Input samples.
        out : numpy.ndarray of float32, shape (n_samples, n_channels), optional
            Preallocated C-contiguous output (may be ``x`` itself).

        Returns
        -------
        Block or numpy.ndarray of float32, shape (n_samples, n_channels)

        Raises
        ------
        ValueError
            Wrong channel count, or a bad ``out``.
        """
        if isinstance(x, Block):
            return dataclasses.replace(x, data=self.step(x.data, out))
        if x.ndim != 2 or x.shape[1] != self.n_channels:
            raise ValueError(
                f"{type(self).__name__} expects blocks of shape (n_samples, {self.n_channels}), "
                f"got {x.shape}: expected {self.n_channels} channels"
            )
        if x.dtype != np.float32 or not x.flags.c_contiguous:
            x = np.ascontiguousarray(x, dtype=np.float32)
        if out is None:
            out = np.empty(x.shape, np.float32)
        elif out.shape != x.shape or out.dtype != np.float32 or not out.flags.c_contiguous:
            raise ValueError(f"out must be a C-contiguous float32 array of shape {x.shape}")
        self._run(x, out)
        return out


class CommonAverageReference(_Reference):
    """Subtract, at every sample, the mean of the (finite) reference channels.

    Parameters
    ----------
    n_channels : int
        Number of channels every block must have.
    ref_channels : sequence of int, optional
        Channels that make up the reference (default: all). Leave out known-bad channels.
    """

    def _run(self, x: np.ndarray, out: np.ndarray) -> None:
        _car_kernel(x, self.ref_channels, out)


class CommonMedianReference(_Reference):
    """Subtract, at every sample, the median of the (finite) reference channels.

    The median (mean of the two middle values for an even count) is robust to a spike or an
    artefact on a few channels. It is found by selection, not by sorting.

    Parameters
    ----------
    n_channels : int
        Number of channels every block must have.
    ref_channels : sequence of int, optional
        Channels that make up the reference (default: all).
    """

    def _run(self, x: np.ndarray, out: np.ndarray) -> None:
        _cmr_kernel(x, self.ref_channels, out, self._work)
