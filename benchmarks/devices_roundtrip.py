"""Benchmark: command → reply round trips to the emulated devices over a real pty.

Each emulator runs as its own process (``python -m devices.<name> --pty``), exactly as a host
meets it; the host side here is pyserial plus the wire codec (no retries, no safety layer).
Times run from just before the command's bytes are written to when its reply is decoded:

* HEARTBEAT → ACK (the floor: pty, codec and both event loops), back to back and paced at one
  per ms (a process that idles between commands wakes up more slowly);
* STIM (one pulse on a macroelectrode channel, replacing the train there) → ACK, paced at one
  command per ms to stay under the device's 2,000 pulses/s cap: compare with the paced
  HEARTBEAT;
* one neuromorphic-board step of a 100 → 100 dense network with ~10 % of the inputs active
  (~15 output spikes per step): NEURO_STEP → NEURO_SPIKES (all of them) → ACK, back to back;
* PROSTHESIS_VELOCITY (2-D cursor) → ACK, with the 50 Hz PROSTHESIS_STATE frames in between;
* the session handshake (protocol v2): HELLO → INFO, then AUTH → AUTH_OK with both HMACs
  computed and checked, each with a fresh challenge (every case above runs in an authenticated
  session)::

    python benchmarks/devices_roundtrip.py [--n 2000]

Prints median, p99 and max in µs; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import serial

from neurolink.hal import wire

REPO = Path(__file__).resolve().parents[1]
SECRET = bytes(range(32))


class Link:
    """Host side of one pty: write a frame, read until its reply."""

    def __init__(self, url: str) -> None:
        self.serial = serial.serial_for_url(url, timeout=1.0)
        self.decoder = wire.FrameDecoder()
        self.seq = wire.SeqCounter()
        self.spikes = 0

    def exchange(self, message: wire.Message) -> tuple[float, wire.Message]:
        """Send; return (seconds until the reply was decoded, the reply)."""
        seq = self.seq.next()
        data = wire.encode(message, seq)
        t0 = time.perf_counter()
        self.serial.write(data)
        while True:
            chunk = self.serial.read(max(1, self.serial.in_waiting))
            if not chunk:
                raise TimeoutError(f"no reply to {type(message).__name__} seq {seq}")
            for item in self.decoder.feed(chunk):
                if isinstance(item, wire.WireError):
                    raise item
                m = item.message
                if isinstance(m, wire.NeuroSpikes):
                    self.spikes += sum(len(i) for _, i in m.spikes)
                if getattr(m, "ack_seq", None) == seq:
                    return time.perf_counter() - t0, m

    def authenticate(self) -> float:
        """HELLO, AUTH, check AUTH_OK; the seconds the two exchanges took."""
        nonce = wire.auth.new_nonce()
        dt1, info = self.exchange(wire.Hello(nonce))
        assert isinstance(info, wire.Info)
        mac = wire.auth.host_mac(SECRET, nonce, info.device_nonce)
        dt2, ok = self.exchange(wire.Auth(mac))
        expected = wire.auth.device_mac(SECRET, nonce, info.device_nonce)
        if not (isinstance(ok, wire.AuthOk) and wire.auth.verify(expected, ok.mac)):
            raise RuntimeError(f"AUTH answered {ok}")
        return dt1 + dt2

    def ok(self, message: wire.Message) -> float:
        """Exchange and require ACK OK; the round-trip time in s."""
        dt, reply = self.exchange(message)
        if not (isinstance(reply, wire.Ack) and reply.status is wire.Status.OK):
            raise RuntimeError(f"{type(message).__name__} answered {reply}")
        return dt


@contextmanager
def device(module: str, *args: str) -> Iterator[Link]:
    """An emulator in a subprocess and a link to its pty."""
    env = dict(os.environ, **{wire.auth.SECRET_ENV: SECRET.hex()})
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "--pty", *args],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"{module} printed {line!r}")
        link = Link(line.split(" ", 1)[1].strip())
        link.authenticate()
        try:
            yield link
        finally:
            link.serial.close()
    finally:
        proc.terminate()
        proc.wait(10)


def run(link: Link, n: int, command: Callable[[int], float], warmup: int = 50) -> np.ndarray:
    """``command(i)`` for ``warmup + n`` iterations; the last ``n`` times in µs."""
    times = [command(i) for i in range(warmup + n)]
    return np.asarray(times[warmup:]) * 1e6


def paced(link: Link, message: wire.Message, period_s: float = 1e-3) -> Callable[[int], float]:
    """A command that sends ``message`` once per ``period_s`` (busy wait between them)."""

    def command(i: int) -> float:
        if i % 100 == 0:
            link.ok(wire.Heartbeat())  # the watchdog (not timed)
        t_next = time.perf_counter() + period_s
        dt = link.ok(message)
        while time.perf_counter() < t_next:
            pass
        return dt

    return command


def stimulator_cases(n: int) -> dict[str, np.ndarray]:
    with device("devices.stimulator") as link:
        out = {
            "HEARTBEAT -> ACK": run(link, n, lambda i: link.ok(wire.Heartbeat())),
            "HEARTBEAT -> ACK, 1 per ms": run(link, n, paced(link, wire.Heartbeat())),
        }
        link.ok(wire.Arm())
        pulse = wire.Stim.symmetric(12, 1000, 100, 10000, 1)  # 1 pulse per ms: half the cap
        out["STIM -> ACK, 1 per ms"] = run(link, n, paced(link, pulse))
        return out


def neuro_case(n: int) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(7)
    network = {
        "populations": [{"name": "out", "size": 100, "du": 1024, "dv": 512, "vth": 200}],
        "inputs": [{"name": "in", "size": 100}],
        "connections": [
            {"pre": "in", "post": "out", "weights": rng.integers(-60, 60, (100, 100)).tolist()}
        ],
    }
    with device("devices.neuroboard") as link:
        for chunk in wire.NeuroLoad.split(json.dumps(network).encode()):
            link.ok(chunk)
        rasters = rng.random((n + 50, 100)) < 0.1

        def command(i: int) -> float:
            return link.ok(wire.NeuroStep(1, [(0, np.flatnonzero(rasters[i]).tolist())]))

        times = run(link, n, command)
        return times, link.spikes / (n + 50)


def prosthesis_case(n: int) -> np.ndarray:
    with device("devices.prosthesis") as link:
        link.ok(wire.Arm())

        def command(i: int) -> float:
            if i % 100 == 0:
                link.ok(wire.Heartbeat())
            v = 0.3 * np.sin(i / 50)
            return link.ok(wire.ProsthesisVelocity((v, -v)))

        return run(link, n, command)


def handshake_case(n: int) -> np.ndarray:
    """HELLO → INFO, AUTH → AUTH_OK, again and again on one session (each a fresh challenge)."""
    with device("devices.stimulator") as link:
        return run(link, n, lambda i: link.authenticate())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="round trips per case")
    args = ap.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
          f"{args.n} round trips per case over a pty, µs")  # fmt: skip
    print(f"{'command -> reply':<44}{'median':>10}{'p99':>10}{'max':>10}")
    neuro, spikes = neuro_case(args.n)
    cases = {
        **stimulator_cases(args.n),
        f"NEURO_STEP 100->100 -> SPIKES+ACK ({spikes:.0f} sp)": neuro,
        "PROSTHESIS_VELOCITY -> ACK": prosthesis_case(args.n),
        "HELLO+AUTH -> INFO+AUTH_OK (handshake)": handshake_case(args.n),
    }
    for name, t in cases.items():
        print(f"{name:<44}{np.median(t):>10.0f}{np.percentile(t, 99):>10.0f}{t.max():>10.0f}")


if __name__ == "__main__":
    main()
