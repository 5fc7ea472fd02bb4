"""The device's own records: what it received, did and reported, one JSON object per line.

``--record FILE`` makes an emulator append one line per event, flushed as it happens, so a test
can read what the device did even after it exited. Every line has ``kind`` and ``t_us`` (device
time, µs); the device writes them in the order things happened to it (one thread), so the line
number orders events that share a device time. The kinds:

- ``command`` — an intact host frame and its reply: ``seq``, ``type``, ``fields`` (the
  message's fields; bytes as ``"<N bytes>"`` so that nonces do not make runs differ), ``reply``
  (``ACK``, ``NACK``, or the data reply's type), ``status`` and ``detail`` of an ACK/NACK,
  ``injected`` (true when a scripted fault chose the reply);
- ``rx_error`` — a damaged frame: ``status`` and ``seq`` (null when no header could be read);
- ``pulse`` — a delivered stimulation pulse (``t_us`` = its onset) with its phases;
- ``stop`` — output stopped: ``reason`` and ``what`` (``"1 train(s) stopped, ..."``);
- ``state`` — a safety-state transition: ``from``, ``to``, ``cause``;
- ``fault`` — a FAULT frame the device sent: ``code``, ``detail``;
- ``report`` — a PROSTHESIS_STATE the device sent: ``flags``, ``grip``, ``positions``,
  ``velocities``;
- ``spikes`` — a NEURO_SPIKES frame: ``step`` and ``count`` (spikes in the frame);
- ``injected`` — a scripted fault as it was applied: ``fault`` and its parameters (and the
  ``frame`` type and seq it hit, for frame faults);
- ``connection`` — ``event``: ``connected``, ``disconnected`` (the host left),
  ``unplugged`` (an injected disconnect), ``replugged`` (``--persist``: back, ``port``).
"""

from __future__ import annotations

import dataclasses
import enum
import json
from pathlib import Path
from typing import Any, TextIO

from neurolink.hal import wire

__all__ = ["Recorder", "jsonable", "message_fields"]


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: enums by name, bytes as ``"<N bytes>"``, dataclasses as
    dicts, tuples as lists."""
    if isinstance(value, enum.Flag):
        return int(value)
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes>"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return repr(value)


def message_fields(message: wire.Message) -> dict[str, Any]:
    """The fields of a wire message as JSON data."""
    out = jsonable(message)
    return out if isinstance(out, dict) else {}


class Recorder:
    """Appends device events to a JSON-lines file (or nowhere).

    Parameters
    ----------
    path : str or Path or None
        The file (created or truncated); None records nothing.
    """

    def __init__(self, path: str | Path | None) -> None:
        self._file: TextIO | None = open(path, "w", encoding="utf-8") if path is not None else None
        self.count = 0  # lines written: the index of the next event

    @property
    def enabled(self) -> bool:
        """True when events are written somewhere."""
        return self._file is not None

    def write(self, kind: str, t_us: int, **fields: Any) -> None:
        """One event line."""
        if self._file is None:
            return
        line = json.dumps({"kind": kind, "t_us": int(t_us), **jsonable(fields)})
        self._file.write(line + "\n")
        self._file.flush()
        self.count += 1

    def command(self, t_us: int, frame: wire.Frame, reply: wire.Message, injected: bool) -> None:
        """An intact command and its one reply."""
        if self._file is None:
            return
        extra: dict[str, Any] = {}
        if isinstance(reply, wire.Ack | wire.Nack):
            extra = {"status": reply.status.name, "detail": int(getattr(reply, "detail", 0))}
        self.write(
            "command",
            t_us,
            seq=frame.seq,
            type=frame.message.TYPE.name,
            fields=message_fields(frame.message),
            reply=reply.TYPE.name,
            injected=injected,
            **extra,
        )

    def emitted(self, t_us: int, message: wire.Message) -> None:
        """An unsolicited frame the device sent: FAULT, PROSTHESIS_STATE, NEURO_SPIKES."""
        if self._file is None:
            return
        if isinstance(message, wire.Fault):
            self.write(
                "fault", message.device_time_us, code=message.fault.name, detail=message.detail
            )
        elif isinstance(message, wire.ProsthesisState):
            f = message_fields(message)
            f.pop("device_time_us", None)
            self.write("report", message.device_time_us, **f)
        elif isinstance(message, wire.NeuroSpikes):
            count = sum(len(indices) for _, indices in message.spikes)
            self.write("spikes", t_us, step=message.step, count=count)

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None
