"""A lab's own stimulation controller: plain pyserial and the neurolink wire protocol.

This module stands for code a lab writes itself, outside neurolink: it opens the device's
serial port with pyserial, frames messages with the protocol's codec (``neurolink.hal.wire``,
``docs/protocol.md``: COBS, CRC-16, HELLO/AUTH handshake, one reply per command) and keeps its
own safety policy:

- every train is charge-balanced (phase 2 carries the charge of phase 1);
- a command that gets no reply is sent again with the same seq (the device never runs it
  twice), a NACK BUSY is retried a few times, anything else is an error;
- a train the device refuses is logged (:attr:`StimController.refused`) and the loop goes on;
- when the link is lost, the controller stops: it never reconnects and re-arms by itself
  (:class:`LinkLost`); a human decides.

Research use only.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Self

import serial

from neurolink.hal import wire

__all__ = ["LinkLost", "Refused", "StimController"]


class LinkLost(Exception):
    """The serial link failed; the controller will not send anything more."""


class Refused(Exception):
    """The device refused a command (NACK): ``status`` and ``detail``."""

    def __init__(self, what: str, status: wire.Status, detail: int) -> None:
        super().__init__(f"{what}: NACK {status.name} (detail 0x{detail:04x})")
        self.status, self.detail = status, detail


class StimController:
    """Talks to one stimulator.

    Parameters
    ----------
    port : str
        Serial port (``/dev/ttyUSB0``, a pty, ``socket://host:port``).
    secret : bytes
        The device's session secret.
    timeout : float
        Seconds to wait for each reply.
    retries : int
        Resends of a command that got no reply (same seq), and retries of a NACK BUSY.
    """

    def __init__(self, port: str, secret: bytes, timeout: float = 0.5, retries: int = 3) -> None:
        self.port, self.secret = port, secret
        self.timeout, self.retries = timeout, retries
        self._serial: serial.Serial | None = None
        self._decoder = wire.FrameDecoder()
        self._seq = wire.SeqCounter()
        self.faults: list[wire.Fault] = []
        self.refused: list[Refused] = []
        self.lost = False

    # ------------------------------------------------------------------ link

    def open(self) -> Self:
        """Open the port and authenticate (HELLO, AUTH; the device proves itself too)."""
        self._serial = serial.serial_for_url(self.port, timeout=0.01, exclusive=True)
        nonce = wire.auth.new_nonce()
        info = self._command(wire.Hello(nonce))
        assert isinstance(info, wire.Info)
        ok = self._command(wire.Auth(wire.auth.host_mac(self.secret, nonce, info.device_nonce)))
        expected = wire.auth.device_mac(self.secret, nonce, info.device_nonce)
        if not isinstance(ok, wire.AuthOk) or not wire.auth.verify(expected, ok.mac):
            raise Refused("AUTH", wire.Status.NOT_AUTHENTICATED, 0)
        return self

    def close(self) -> None:
        """Stop every train (if the link still works) and close the port."""
        if self._serial is None:
            return
        if not self.lost:
            try:
                self._command(wire.StimStop(wire.ALL_CHANNELS))
            except LinkLost:
                pass
        self._serial.close()
        self._serial = None

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.close()

    def _write(self, data: bytes) -> None:
        assert self._serial is not None
        try:
            self._serial.write(data)
        except serial.SerialException as e:
            self.lost = True
            raise LinkLost(f"write failed: {e}") from None

    def _reply_to(self, seq: int, deadline: float) -> wire.Message | None:
        assert self._serial is not None
        while time.monotonic() < deadline:
            try:
                data = self._serial.read(max(1, self._serial.in_waiting))
            except serial.SerialException as e:
                self.lost = True
                raise LinkLost(f"read failed: {e}") from None
            for item in self._decoder.feed(data):
                if isinstance(item, wire.WireError):
                    continue  # a damaged frame: its command is resent on timeout
                msg = item.message
                if isinstance(msg, wire.Fault):
                    self.faults.append(msg)
                elif getattr(msg, "ack_seq", None) == seq:
                    return msg
        return None

    def _command(self, message: wire.Message) -> wire.Message:
        """Send, wait for the reply; resend (same seq) on silence, retry on NACK BUSY."""
        if self.lost:
            raise LinkLost("the link was lost earlier; not sending")
        seq, frame = self._seq.next(), b""
        frame = wire.encode(message, seq)
        busy = 0
        for _ in range(self.retries + 1):
            self._write(frame)
            reply = self._reply_to(seq, time.monotonic() + self.timeout)
            if reply is None:
                continue
            if isinstance(reply, wire.Nack) and reply.status is wire.Status.BUSY:
                busy += 1
                if busy > self.retries:
                    break
                seq = self._seq.next()
                frame = wire.encode(message, seq)
                continue
            return reply
        self.lost = True
        raise LinkLost(f"no usable reply to {message.TYPE.name} after {self.retries} retries")

    def _ack(self, message: wire.Message) -> None:
        reply = self._command(message)
        if isinstance(reply, wire.Nack):
            raise Refused(message.TYPE.name, reply.status, reply.detail)

    # ------------------------------------------------------------------ what the lab uses

    def arm(self) -> None:
        """ARM the device."""
        self._ack(wire.Arm())

    def heartbeat(self) -> None:
        """Feed the device's watchdog (call more often than its timeout)."""
        self._ack(wire.Heartbeat())

    def stop(self) -> None:
        """Stop every train."""
        self._ack(wire.StimStop(wire.ALL_CHANNELS))

    def stim_message(
        self, channel: int, amplitude_ua: int, phase_width_us: int, frequency_hz: float, count: int
    ) -> wire.Stim:
        """The STIM of a charge-balanced train (phase 2 = phase 1, opposite sign)."""
        return wire.Stim.symmetric(
            channel, amplitude_ua, phase_width_us, round(frequency_hz * 100), count
        )

    def train(
        self, channel: int, amplitude_ua: int, phase_width_us: int, frequency_hz: float, count: int
    ) -> bool:
        """Start a train of ``count`` pulses; False if the device refused it (the refusal is
        appended to :attr:`refused`: out of limits, not armed, e-stopped ...).

        Raises
        ------
        LinkLost
            The link is gone.
        """
        try:
            self._ack(self.stim_message(channel, amplitude_ua, phase_width_us, frequency_hz, count))
        except Refused as e:
            self.refused.append(e)
            return False
        return True
