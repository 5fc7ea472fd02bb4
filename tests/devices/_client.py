"""A tiny wire client for device tests: the emulator in a subprocess, pyserial on its pty.

No mocks and no host drivers: frames are built with the codec and written raw, so the device's
own checks are what is tested. Waits are on conditions with generous timeouts, never sleeps
that hope something happened.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import serial

from neurolink.hal import wire

REPO = Path(__file__).resolve().parents[2]
SECRET = bytes(range(1, 33))
"""The session secret every test device is started with (``NEUROLINK_DEVICE_SECRET``)."""
START_TIMEOUT_S = 30.0
REPLY_TIMEOUT_S = 5.0

_REPLIES = (
    wire.Ack,
    wire.Nack,
    wire.Info,
    wire.AuthOk,
    wire.StatusReport,
    wire.ChannelLimits,
    wire.PulseLog,
    wire.NeuroProbeData,
    wire.NeuroCounters,
)


class DeviceProcess:
    """``python -m <module> --pty ...`` in a subprocess; its stderr goes to a file.

    Parameters
    ----------
    module : str
        ``devices.stimulator``, ``devices.prosthesis`` or ``devices.neuroboard``.
    args : sequence of str
        More options (``--profile``, ``--pulse-log`` ...).
    workdir : Path
        Where the stderr file goes.
    """

    def __init__(
        self, module: str, args: Sequence[str], workdir: Path, secret: bytes | None = SECRET
    ) -> None:
        self.stderr_path = workdir / f"{module}.{os.getpid()}.{time.monotonic_ns()}.stderr"
        self._stderr = self.stderr_path.open("w")
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEUROLINK_DEVICE_")}
        if secret is not None:
            env[wire.auth.SECRET_ENV] = secret.hex()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=env,
        )
        self.url = self._read_port_line()

    def _read_port_line(self) -> str:
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(START_TIMEOUT_S):
                self.kill()
                raise TimeoutError(f"no PORT line within {START_TIMEOUT_S} s: {self.stderr()}")
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.kill()
            raise RuntimeError(f"first stdout line {line!r} is not 'PORT ...': {self.stderr()}")
        return line.split(" ", 1)[1].strip()

    def stderr(self) -> str:
        """What the device wrote to stderr so far."""
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text()

    def signal(self, sig: int) -> None:
        """Send a signal to the device process."""
        self.proc.send_signal(sig)

    def wait(self, timeout: float = 10.0) -> int:
        """Wait for the process to exit; its exit status."""
        return self.proc.wait(timeout)

    def kill(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL) if it still runs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()


class Client:
    """Stop-and-wait host side of the wire, raw: no retries, no safety layer.

    Parameters
    ----------
    url : str
        The device's port (pty path or ``socket://``).
    """

    def __init__(self, url: str) -> None:
        self.serial = serial.serial_for_url(url, timeout=0.02)
        self.decoder = wire.FrameDecoder()
        self.seq = wire.SeqCounter()
        self.unsolicited: list[wire.Frame] = []
        self.errors: list[wire.WireError] = []
        self._replies: list[wire.Frame] = []

    def close(self) -> None:
        """Close the port."""
        self.serial.close()

    def hello(self, nonce: bytes = bytes(16)) -> wire.Info:
        """HELLO → INFO."""
        info = self.command(wire.Hello(nonce))
        assert isinstance(info, wire.Info), info
        return info

    def authenticate(self, secret: bytes = SECRET) -> wire.AuthOk:
        """HELLO, AUTH with ``secret``; require AUTH_OK with the device's correct proof."""
        nonce = wire.auth.new_nonce()
        info = self.hello(nonce)
        ok = self.command(wire.Auth(wire.auth.host_mac(secret, nonce, info.device_nonce)))
        assert isinstance(ok, wire.AuthOk), ok
        assert ok.mac == wire.auth.device_mac(secret, nonce, info.device_nonce)
        return ok

    def write(self, data: bytes) -> None:
        """Write raw bytes; an intact frame ahead of the client's count moves the count on, so
        later commands do not fall behind it (the device refuses stale seqs)."""
        try:
            seq = wire.decode(data).seq
        except wire.WireError:
            seq = None
        if seq is not None and wire.seq_delta(seq, self.seq.peek()) >= 0:
            self.seq = wire.SeqCounter(wire.seq_next(seq))
        self.serial.write(data)
        self.serial.flush()

    def send(self, message: wire.Message, seq: int | None = None) -> int:
        """Encode and write one message; return its seq."""
        seq = self.seq.next() if seq is None else seq
        self.write(wire.encode(message, seq))
        return seq

    def pump(self, timeout: float) -> None:
        """Read what arrives within ``timeout`` s (at least one read) and sort it."""
        deadline = time.monotonic() + timeout
        while True:
            data = self.serial.read(max(1, self.serial.in_waiting))
            for item in self.decoder.feed(data):
                if isinstance(item, wire.WireError):
                    self.errors.append(item)
                elif isinstance(item.message, _REPLIES):
                    self._replies.append(item)
                else:
                    self.unsolicited.append(item)
            if time.monotonic() >= deadline or (data and not self.serial.in_waiting):
                return

    def reply(self, seq: int, timeout: float = REPLY_TIMEOUT_S) -> wire.Message:
        """The reply whose ``ack_seq`` is ``seq`` (unsolicited frames are kept aside)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, f in enumerate(self._replies):
                if f.message.ack_seq == seq:  # type: ignore[attr-defined]
                    return self._replies.pop(i).message
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no reply to seq {seq} within {timeout} s")
            self.pump(min(left, 0.1))

    def command(self, message: wire.Message, seq: int | None = None) -> wire.Message:
        """Send and return the reply."""
        return self.reply(self.send(message, seq))

    def ack(self, message: wire.Message) -> wire.Ack:
        """Send and require an ACK OK."""
        r = self.command(message)
        assert isinstance(r, wire.Ack) and r.status is wire.Status.OK, r
        return r

    def wait_for(
        self, predicate: Callable[[wire.Message], bool], timeout: float = REPLY_TIMEOUT_S
    ) -> wire.Message:
        """The first unsolicited message (kept or arriving) for which ``predicate`` holds;
        it and the ones before it are removed."""
        deadline = time.monotonic() + timeout
        while True:
            for i, f in enumerate(self.unsolicited):
                if predicate(f.message):
                    del self.unsolicited[: i + 1]
                    return f.message
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no matching unsolicited frame within {timeout} s")
            self.pump(min(left, 0.1))

    def device_time_us(self) -> int:
        """Device time, from a STATUS_QUERY."""
        r = self.command(wire.StatusQuery())
        assert isinstance(r, wire.StatusReport)
        return r.device_time_us

    def pulse_log(self) -> list[wire.DeliveredPulse]:
        """Every pulse the stimulator delivered, paging PULSE_LOG_QUERY."""
        pulses: list[wire.DeliveredPulse] = []
        while True:
            r = self.command(wire.PulseLogQuery(len(pulses), wire.MAX_PULSES_PER_REPLY))
            assert isinstance(r, wire.PulseLog)
            pulses.extend(r.pulses)
            if len(pulses) >= r.total:
                return pulses

    def pulse_total(self) -> int:
        """Pulses delivered so far."""
        r = self.command(wire.PulseLogQuery(0, 0))
        assert isinstance(r, wire.PulseLog)
        return r.total


def nack(status: wire.Status, detail: int = 0) -> Callable[[wire.Message], bool]:
    """A check that a reply is that NACK."""
    return lambda m: isinstance(m, wire.Nack) and (m.status, m.detail) == (status, detail)


def wait_until(condition: Callable[[], bool], timeout: float = REPLY_TIMEOUT_S) -> None:
    """Poll ``condition`` every 20 ms until true; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        time.sleep(0.02)
