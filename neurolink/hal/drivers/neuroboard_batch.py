"""Batched stepping of the neuromorphic board: frames of several steps and their replies.

At 1 ms chip steps a round trip per step (~0.45 ms on a pty, most of it the two processes
waking up) leaves the loop no time of its own. :func:`batch_frames` puts the input rows of
``k`` steps in one NEURO_STEP_BATCH (as many steps per frame as the payload and INFO's
``max_steps`` allow; a step whose inputs alone do not fit a frame goes as NEURO_STEP pieces,
``n_steps = 0`` then 1). The board answers one NEURO_SPIKES per step and one ACK per frame: one
round trip per ``k`` steps; :func:`spikes_of` turns those NEURO_SPIKES back into steps. The
driver (:class:`~neurolink.hal.drivers.NeuroboardDriver`) writes a batch and reads its reply
later (``submit`` / ``collect``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from neurolink.hal import wire
from neurolink.hal.errors import DeviceError
from neurolink.hal.wire.neuro_batch import BATCH_HEAD_BYTES, record_bytes

__all__ = [
    "MAX_INDICES_PER_STEP_FRAME",
    "batch_frames",
    "spikes_of",
    "step_frames",
]

MAX_INDICES_PER_STEP_FRAME = (wire.MAX_PAYLOAD - 3 - 3) // 2
"""Most axon indices one NEURO_STEP carries in one group (509)."""


def step_frames(groups: Sequence[wire.SpikeGroup], n_steps: int) -> list[wire.NeuroStep]:
    """NEURO_STEP frames of one step's inputs: all but the last only queue inputs
    (``n_steps = 0``); the last runs ``n_steps``."""
    pieces = [
        (n, idx[k : k + MAX_INDICES_PER_STEP_FRAME])
        for n, idx in groups
        for k in range(0, len(idx), MAX_INDICES_PER_STEP_FRAME)
    ]
    frames: list[list[wire.SpikeGroup]] = [[]]
    size = 3
    for n, idx in pieces:
        need = 3 + 2 * len(idx)
        if size + need > wire.MAX_PAYLOAD or len(frames[-1]) == 255:
            frames.append([])
            size = 3
        frames[-1].append((n, idx))
        size += need
    last = len(frames) - 1
    return [wire.NeuroStep(n_steps if i == last else 0, f) for i, f in enumerate(frames)]


def batch_frames(
    steps: Sequence[Sequence[wire.SpikeGroup]], max_steps: int
) -> list[tuple[wire.Message, int]]:
    """The frames that run ``steps`` (one list of spike groups per step), in order.

    Parameters
    ----------
    steps : sequence of sequences of (port, axon indices)
        The inputs of each step.
    max_steps : int
        INFO's ``max_steps``: most steps in one frame.

    Returns
    -------
    list of (message, steps it runs)
        NEURO_STEP_BATCH frames holding as many consecutive steps as fit; NEURO_STEP pieces
        for a step too large for a batch record (those queueing inputs run 0 steps).
    """
    if max_steps < 1:
        raise ValueError(f"max_steps = {max_steps} must be >= 1")
    out: list[tuple[wire.Message, int]] = []
    run: list[tuple[wire.SpikeGroup, ...]] = []
    size = BATCH_HEAD_BYTES

    def flush() -> None:
        nonlocal run, size
        if run:
            out.append((wire.NeuroStepBatch(tuple(run)), len(run)))
        run, size = [], BATCH_HEAD_BYTES

    for groups in steps:
        record = tuple(groups)
        need = record_bytes(record)
        if BATCH_HEAD_BYTES + need > wire.MAX_PAYLOAD or len(record) > 255:
            flush()
            out.extend((f, f.n_steps) for f in step_frames(record, 1))
            continue
        if size + need > wire.MAX_PAYLOAD or len(run) == max_steps:
            flush()
        run.append(record)
        size += need
    flush()
    return out


def spikes_of(
    collected: Sequence[wire.Frame],
    first: int,
    n: int,
    names: Sequence[str],
    sizes: Sequence[int],
    url: str,
) -> list[dict[str, np.ndarray]]:
    """The spikes of steps ``first … first + n − 1`` from their NEURO_SPIKES frames.

    Parameters
    ----------
    collected : sequence of Frame
        The NEURO_SPIKES frames that came before the ACK, in order.
    first, n : int
        Number of the first step (from 1 since load or reset) and steps expected.
    names, sizes : sequences
        Population names and sizes, in the order the wire numbers them.
    url : str
        The port (for messages).

    Returns
    -------
    list of dict of population name to bool array, shape (size,)
        One per step.

    Raises
    ------
    DeviceError
        A frame of an unexpected step or unknown population, or a step not complete (its last
        frame still flagged MORE, or missing).
    """
    pops = list(zip(names, sizes, strict=True))
    out = [{name: np.zeros(k, dtype=bool) for name, k in pops} for _ in range(n)]
    done = 0  # steps whose frames are complete
    for frame in collected:
        msg = frame.message
        assert isinstance(msg, wire.NeuroSpikes)
        if done == n or msg.step != first + done:
            raise DeviceError(f"{url}: NEURO_SPIKES of step {msg.step}, expected {first + done}")
        for number, idx in msg.spikes:
            if number >= len(names):
                raise DeviceError(f"{url}: spikes of unknown population {number}")
            out[done][names[number]][list(idx)] = True
        if not msg.flags & wire.SpikesFlags.MORE:
            done += 1
    if done != n:
        raise DeviceError(
            f"{url}: the spikes of steps {first}..{first + n - 1} did not all arrive "
            f"({done} step(s) complete in {len(collected)} NEURO_SPIKES frame(s))"
        )
    return out
