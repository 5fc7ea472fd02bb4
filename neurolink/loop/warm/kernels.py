"""Warm every kernel of a configured graph before anything real is opened.

:func:`warm_kernels` builds the graph of a ``[loop]`` config on a source's channels, with the
networks meant for the neuromorphic board on the host ``fixed`` backend (bit-exact) and no
device limits, runs its warm-up (:func:`~neurolink.loop.core.build.warm_up`: the graph on noise
with spikes, the decoders' fits on synthetic counts) and throws it away. Kernels compiled then
are in this process (and in numba's cache on disk), so the graph the session then builds with
its devices warms in a fraction of a second: the devices are armed (their watchdogs running)
for that short warm-up only, never for a cold compilation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from neurolink.loop.core.config import LoopConfig
from neurolink.loop.core.open import open_graph

__all__ = ["host_board", "warm_kernels"]


def host_board(url: str) -> tuple[Any, Callable[[], None]]:
    """A network meant for the board, on the host ``fixed`` backend (nothing to close)."""
    from neurolink.snn import make_backend

    return make_backend("fixed"), lambda: None


def warm_kernels(loop: LoopConfig, channels: Sequence[str], fs: float) -> dict[str, float]:
    """Build, warm and drop the graph of ``loop`` (nothing opened, nothing sent).

    Parameters
    ----------
    loop : LoopConfig
        Validated.
    channels : sequence of str
        The source's channel labels.
    fs : float
        The source's rate (Hz).

    Returns
    -------
    dict of str to float
        Seconds of the warm-up: ``graph`` and ``decoder_fit``.
    """
    parts = open_graph(loop, channels=channels, fs=fs, open_board=host_board)
    for close in reversed(parts.closers):
        close()
    return parts.warm_s
