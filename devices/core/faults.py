"""Scripted faults: what a test (or a fault script) can make the device do wrong, on cue.

One vocabulary for the control channel (:mod:`devices.core.sidechannel`) and the fault script
(:mod:`devices.core.script`); each fault is a JSON object with ``op`` and its parameters:

=================  ==========================================  ===================================
``op``             parameters                                  effect
=================  ==========================================  ===================================
``stall``          ``ms`` (> 0)                                the device stops serving for that
                                                               long (reads, ticks, replies); the
                                                               watchdog judges the gap on return
``drop``           ``dir``, ``count`` (1)                      the next ``count`` frames in that
                                                               direction vanish from the line
``corrupt``        ``dir``, ``count`` (1)                      the next ``count`` frames get one
                                                               damaged byte (CRC or COBS fails)
``delay_acks``     ``ms`` (≥ 0), ``count`` (all)               replies (ACK, NACK, data) leave
                                                               ``ms`` later; ``ms = 0`` ends it
``nack``           ``status``, ``detail`` (0), ``type`` (any   the next matching command is
                   but HEARTBEAT), ``count`` (1)               refused with that NACK, not run
``disconnect``     ``down_ms`` (0)                             the line goes dead (pty closed,
                                                               socket reset); output stops; with
                                                               ``--persist`` the device is back
                                                               after ``down_ms``, else it exits
``trip_watchdog``  —                                           the watchdog trips now
``estop``          —                                           the hardware e-stop button
=================  ==========================================  ===================================

``dir`` is ``to_device`` (host → device frames, dropped or damaged before the device reads
them) or ``to_host`` (device → host). A ``nack`` ``status`` and ``type`` are names of
:class:`~neurolink.hal.wire.Status` and :class:`~neurolink.hal.wire.MsgType`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from neurolink.hal import wire

__all__ = [
    "DEVICE_OPS",
    "DIRECTIONS",
    "FaultError",
    "FaultPlan",
    "RxSplitter",
    "corrupt_frame",
    "parse_fault",
]

DIRECTIONS = ("to_device", "to_host")
"""Directions of frame faults."""

_INT = "int"
# parameters of each op: name -> (kind, default; _REQUIRED = must be given)
_REQUIRED: Any = object()
_SPEC: dict[str, dict[str, tuple[str, Any]]] = {
    "stall": {"ms": (_INT, _REQUIRED)},
    "drop": {"dir": ("dir", _REQUIRED), "count": (_INT, 1)},
    "corrupt": {"dir": ("dir", _REQUIRED), "count": (_INT, 1)},
    "delay_acks": {"ms": (_INT, _REQUIRED), "count": (_INT, None)},
    "nack": {
        "status": ("status", _REQUIRED),
        "detail": (_INT, 0),
        "type": ("type", None),
        "count": (_INT, 1),
    },
    "disconnect": {"down_ms": (_INT, 0)},
    "trip_watchdog": {},
    "estop": {},
}
DEVICE_OPS = frozenset({"stall", "disconnect", "trip_watchdog", "estop"})
"""Ops that act on the device (the server carries them out); the rest act on the line."""
_MIN = {"ms": 0, "count": 1, "down_ms": 0, "detail": 0}
_MAX_INT = 0xFFFFFFFF
_MAX_RX_BUFFER = 4 * wire.max_encoded_size(wire.MAX_PAYLOAD + 6)


class FaultError(ValueError):
    """A fault that is not one of the table's, or a bad parameter (the message says which)."""


def _value(op: str, key: str, kind: str, value: Any, where: str) -> Any:
    if kind == _INT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise FaultError(f"{where}: {op}.{key} = {value!r} is not an integer")
        lo = 1 if (op, key) == ("stall", "ms") else _MIN[key]
        if not lo <= value <= _MAX_INT:
            raise FaultError(f"{where}: {op}.{key} = {value} is outside {lo}..{_MAX_INT}")
        return value
    if kind == "dir":
        if value not in DIRECTIONS:
            raise FaultError(f"{where}: {op}.dir = {value!r}; expected one of {DIRECTIONS}")
        return value
    enum_cls = wire.Status if kind == "status" else wire.MsgType
    try:
        return enum_cls[str(value).upper()]
    except KeyError:
        names = ", ".join(m.name for m in enum_cls)
        raise FaultError(f"{where}: {op}.{key} = {value!r} is not one of {names}") from None


def parse_fault(entry: Mapping[str, Any], where: str = "fault") -> dict[str, Any]:
    """Check one fault and fill in its defaults.

    Parameters
    ----------
    entry : mapping
        ``{"op": ..., parameters...}`` (other keys, such as a script's ``at_ms``, are removed
        by the caller first).
    where : str
        Where the entry came from, for messages.

    Returns
    -------
    dict
        ``op`` and every parameter (enums for ``status``/``type``).

    Raises
    ------
    FaultError
        Unknown op, unknown or missing parameter, or a value out of range.
    """
    op = entry.get("op")
    if op not in _SPEC:
        raise FaultError(f"{where}: op = {op!r}; expected one of {', '.join(_SPEC)}")
    spec = _SPEC[op]
    unknown = sorted(set(entry) - set(spec) - {"op"})
    if unknown:
        raise FaultError(f"{where}: unknown key(s) {unknown} for op {op!r} (takes {list(spec)})")
    out: dict[str, Any] = {"op": op}
    for key, (kind, default) in spec.items():
        if key in entry:
            out[key] = _value(op, key, kind, entry[key], where)
        elif default is _REQUIRED:
            raise FaultError(f"{where}: op {op!r} needs {key!r}")
        else:
            out[key] = default
    if op == "nack" and out["status"] in (wire.Status.OK, wire.Status.DUPLICATE):
        raise FaultError(f"{where}: nack.status = {out['status'].name} is not a refusal")
    return out


def corrupt_frame(frame: bytes) -> bytes:
    """``frame`` (COBS, ending in 0x00) with its last byte before the delimiter changed.

    The changed byte is never 0x00, so the frame keeps its length and end: the receiver sees
    a frame whose CRC (or COBS structure) is wrong.
    """
    if len(frame) < 2:
        return frame
    i = len(frame) - 2
    b = frame[i] ^ 0x55 or frame[i] ^ 0xAA
    return frame[:i] + bytes([b]) + frame[i + 1 :]


class RxSplitter:
    """Cuts the bytes read from the host into whole frames (each with its 0x00), so that frame
    faults act on frames; a run of bytes longer than any frame is passed on as it is."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def reset(self) -> None:
        """Forget a partial frame (a new connection)."""
        self._buf.clear()

    def feed(self, data: bytes) -> list[bytes]:
        """The whole frames completed by ``data`` (partial bytes are kept)."""
        self._buf += data
        out: list[bytes] = []
        while True:
            end = self._buf.find(0)
            if end < 0:
                break
            out.append(bytes(self._buf[: end + 1]))
            del self._buf[: end + 1]
        if len(self._buf) > _MAX_RX_BUFFER:  # no frame is this long: let the decoder judge it
            out.append(bytes(self._buf))
            self._buf.clear()
        return out


@dataclass
class _Nack:
    status: wire.Status
    detail: int
    type: wire.MsgType | None
    left: int

    def matches(self, t: wire.MsgType) -> bool:
        return t is self.type if self.type is not None else t is not wire.MsgType.HEARTBEAT


class FaultPlan:
    """The line faults pending: dropped, damaged and delayed frames, forced NACKs."""

    def __init__(self) -> None:
        self._drop = dict.fromkeys(DIRECTIONS, 0)
        self._corrupt = dict.fromkeys(DIRECTIONS, 0)
        self._delay_us = 0
        self._delay_left: int | None = None
        self._nacks: list[_Nack] = []

    def add(self, fault: Mapping[str, Any]) -> None:
        """Arm a line fault (``drop``, ``corrupt``, ``delay_acks``, ``nack``) from
        :func:`parse_fault`."""
        op = fault["op"]
        if op == "drop":
            self._drop[fault["dir"]] += fault["count"]
        elif op == "corrupt":
            self._corrupt[fault["dir"]] += fault["count"]
        elif op == "delay_acks":
            self._delay_us = fault["ms"] * 1000
            self._delay_left = fault["count"] if fault["ms"] else None
        elif op == "nack":
            self._nacks.append(
                _Nack(fault["status"], fault["detail"], fault["type"], fault["count"])
            )
        else:
            raise FaultError(f"{op!r} is not a line fault")

    def frame(self, direction: str, data: bytes) -> tuple[bytes | None, str | None]:
        """A frame about to cross the line: ``(what crosses, the fault applied or None)``.

        ``what crosses`` is None for a dropped frame.
        """
        if self._drop[direction]:
            self._drop[direction] -= 1
            return None, "drop"
        if self._corrupt[direction]:
            self._corrupt[direction] -= 1
            return corrupt_frame(data), "corrupt"
        return data, None

    def reply_hold_us(self) -> int:
        """How long the next reply is held back, µs (counts one delayed reply)."""
        if not self._delay_us:
            return 0
        hold = self._delay_us
        if self._delay_left is not None:
            self._delay_left -= 1
            if self._delay_left <= 0:
                self._delay_us, self._delay_left = 0, None
        return hold

    def forced_nack(self, msg_type: wire.MsgType) -> tuple[wire.Status, int] | None:
        """The NACK a scripted fault imposes on a command of ``msg_type``, or None."""
        for n in self._nacks:
            if n.matches(msg_type):
                n.left -= 1
                if n.left <= 0:
                    self._nacks.remove(n)
                return n.status, n.detail
        return None
