"""Open a graph: build it from ``[loop]`` and warm it up, ready for its first real block.

Every loop that runs a graph — the live session, calibration, replay, a stage process — opens
it here: :func:`~neurolink.loop.core.build.build_graph` makes the nodes,
:func:`~neurolink.loop.core.build.warm_up` runs them once on noise (compiling every kernel, so
that nothing compiles on the real-time path) in chunks no larger than ``loop.max_chunk``, and
what the nodes opened (neuromorphic boards) is closed if the warm-up fails, or handed to the
caller's exit stack.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from neurolink.loop.core.build import BoardOpener, DeviceLimits, GraphParts, build_graph, warm_up
from neurolink.loop.core.config import LoopConfig

__all__ = ["WARM_CHUNK", "open_graph"]

#: Largest chunk of the warm-up (samples); ``loop.max_chunk`` when smaller.
WARM_CHUNK = 1024


def open_graph(
    loop: LoopConfig,
    *,
    channels: Sequence[str],
    fs: float,
    limits: dict[str, DeviceLimits] | None = None,
    open_board: BoardOpener | None = None,
    warm: bool = True,
    stack: contextlib.ExitStack | None = None,
) -> GraphParts:
    """Build the nodes of ``loop`` for a source and warm them up.

    Parameters
    ----------
    loop : LoopConfig
        Validated.
    channels : sequence of str
        The source's channel labels.
    fs : float
        The source's rate (Hz).
    limits : dict of str to DeviceLimits, optional
        For each mapper node, the limits of the device its sink drives (default none).
    open_board : callable, optional
        Opens a neuromorphic board for networks placed on one.
    warm : bool
        Run the graph on noise first, then reset it (False: build only).
    stack : contextlib.ExitStack, optional
        Gets what must be closed with the graph (default: the caller closes
        ``parts.closers``).

    Returns
    -------
    GraphParts

    Raises
    ------
    ConfigError
        What only shows once the source and devices are known (from ``build_graph``).
    """
    parts = build_graph(loop, channels=channels, fs=fs, limits=limits or {}, open_board=open_board)
    try:
        if warm:
            parts.warm_s = warm_up(
                parts.graph, len(channels), fs, chunk=min(WARM_CHUNK, loop.max_chunk)
            )
    except BaseException:
        for close in reversed(parts.closers):
            close()
        raise
    if stack is not None:
        for close in parts.closers:
            stack.callback(close)
    return parts
