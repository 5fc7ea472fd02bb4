"""NEURO_STEP_BATCH: several steps, each with its own input spikes, in one frame.

A closed loop steps the chip once per millisecond; one round trip per step costs more than the
step itself. A batch carries ``n_steps`` input records — step ``i``'s spike groups go in at the
``i``-th step it runs — so the host pays one round trip per batch, and the device answers
NEURO_SPIKES for each step (as for NEURO_STEP), then one ACK.

Layout: ``n_steps u16 | n_steps × record``, a record being ``n_ports u8 | n_ports × group``
(the spike groups of :mod:`neurolink.hal.wire.neuro`). An empty step is the one byte ``00``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Self

from neurolink.hal.wire.base import MAX_PAYLOAD, Message, check_length
from neurolink.hal.wire.codes import Direction, MsgType
from neurolink.hal.wire.errors import PayloadError, PayloadLengthError
from neurolink.hal.wire.fields import U16, set_field
from neurolink.hal.wire.neuro import SpikeGroup, _check_groups, _pack_groups, _unpack_groups

__all__ = ["BATCH_HEAD_BYTES", "NeuroStepBatch", "record_bytes"]

BATCH_HEAD_BYTES = 2
"""Bytes of the batch's head (``n_steps u16``)."""


def record_bytes(groups: Iterable[tuple[int, tuple[int, ...]]]) -> int:
    """Bytes one step's record takes: ``1 + Σ (3 + 2 × count)``."""
    return 1 + sum(3 + 2 * len(idx) for _, idx in groups)


@dataclass(frozen=True)
class NeuroStepBatch(Message):
    """NEURO_STEP_BATCH (host → device): run ``len(steps)`` steps (1 or more), the input spike
    groups of ``steps[i]`` sent at the ``i``-th of them.

    Inputs queued by earlier NEURO_STEP frames with ``n_steps = 0`` join those of the first
    step. The device checks every record before running any step, then sends one NEURO_SPIKES
    per step (several, flag MORE, when one frame cannot hold a step's spikes) and the ACK.
    More steps than INFO's ``max_steps`` are refused (``OUT_OF_LIMITS`` ``STEP_COUNT``).
    """

    TYPE: ClassVar = MsgType.NEURO_STEP_BATCH
    DIRECTION: ClassVar = Direction.HOST_TO_DEVICE
    steps: tuple[tuple[SpikeGroup, ...], ...]

    def __post_init__(self) -> None:
        owner = type(self).__name__
        if isinstance(self.steps, str | bytes):
            raise PayloadError(f"{owner}.steps must be a sequence of spike-group lists")
        steps = tuple(
            _check_groups(owner, f"steps[{i}]", groups) for i, groups in enumerate(self.steps)
        )
        if not steps:
            raise PayloadError(f"{owner} carries no step: send at least one")
        U16.check(owner, "n_steps", len(steps))
        for i, groups in enumerate(steps):
            if len(groups) > 255:
                raise PayloadError(f"{owner}.steps[{i}] has {len(groups)} spike groups, > 255")
        size = BATCH_HEAD_BYTES + sum(record_bytes(g) for g in steps)
        if size > MAX_PAYLOAD:
            raise PayloadError(
                f"{owner} payload would be {size} bytes, > {MAX_PAYLOAD}: fewer steps per frame"
            )
        set_field(self, "steps", steps)

    @property
    def n_steps(self) -> int:
        """Steps this batch runs."""
        return len(self.steps)

    def pack(self) -> bytes:
        parts = [struct.pack("<H", len(self.steps))]
        for groups in self.steps:
            parts.append(struct.pack("<B", len(groups)))
            parts.append(_pack_groups(groups))
        return b"".join(parts)

    @classmethod
    def unpack(cls, payload: bytes) -> Self:
        owner = cls.__name__
        if len(payload) < BATCH_HEAD_BYTES:
            raise PayloadLengthError(f"{owner} payload of {len(payload)} bytes has no n_steps")
        (n_steps,) = struct.unpack_from("<H", payload, 0)
        at, steps = BATCH_HEAD_BYTES, []
        for i in range(n_steps):
            if len(payload) < at + 1:
                raise PayloadLengthError(f"{owner} payload ends before the record of step {i}")
            n_ports = payload[at]
            end = _record_end(payload, at + 1, n_ports)
            groups = _unpack_groups(owner, payload[:end], at + 1, n_ports)
            steps.append(groups)
            at += record_bytes(groups)
        check_length(owner, payload, at)
        return cls(tuple(steps))


def _record_end(payload: bytes, at: int, n_groups: int) -> int:
    """Offset just past a record's ``n_groups`` groups starting at ``at`` (or the payload's end
    when it is cut short: :func:`_unpack_groups` then says where)."""
    for _ in range(n_groups):
        if len(payload) < at + 3:
            return len(payload)
        (count,) = struct.unpack_from("<H", payload, at + 1)
        at += 3 + 2 * count
    return min(at, len(payload))
