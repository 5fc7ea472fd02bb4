"""Bad input and faults (issue 6), each over a real pty with the emulated stimulator on the
other end: out-of-limit commands (host and device refuse), corrupted frames, garbage, a
repeated seq, a device that stops answering, a device unplugged mid-train, a heartbeat gap.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Iterator

import pytest

from neurolink.hal import wire
from neurolink.hal.commands import StimCommand
from neurolink.hal.device import Lifecycle
from neurolink.hal.drivers import StimulatorDriver
from neurolink.hal.emulate import Emulator
from neurolink.hal.errors import DeviceLost, EStopError, NackError, SafetyError
from neurolink.hal.safety import NoHostSafety, Outcome
from neurolink.hal.wire import DeviceState
from tests.hal._beats import HeldBeats

TIMEOUT, RETRIES = 0.2, 2  # DeviceLost after 3 × 0.2 s of silence


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator("stimulator") as e:
        yield e


@pytest.fixture
def beats() -> HeldBeats:
    return HeldBeats()


def driver(emu: Emulator, beats: HeldBeats | None = None, **kw) -> StimulatorDriver:
    return StimulatorDriver(
        emu.port,
        timeout=TIMEOUT,
        retries=RETRIES,
        heartbeat_wait=beats,
        max_ramp_ua_per_s=1e6,
        **kw,
    )


@pytest.fixture
def stim(emu: Emulator, beats: HeldBeats) -> Iterator[StimulatorDriver]:
    with driver(emu, beats) as drv:
        drv.arm()
        yield drv


def train(channel: int = 12, count: int = 3, hz: float = 100) -> StimCommand:
    return StimCommand(channel, 100, 200, hz, count)


def wait_for(predicate, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.005)


def test_out_of_limits_refused_by_the_host(stim):
    rx = stim.status().rx_frames
    with pytest.raises(SafetyError, match="max_amplitude_ua"):
        stim.stim(StimCommand(0, 5000, 100, 100, 1))
    with pytest.raises(SafetyError, match="max_charge_nc"):  # 100 µA × 100 µs = 10 nC > 4 nC
        stim.stim(StimCommand(0, 100, 100, 100, 1))
    assert stim.status().rx_frames == rx + 1  # nothing but the STATUS_QUERY reached the device
    assert stim.pulse_log().total == 0


def test_out_of_limits_refused_by_the_device_when_the_host_is_bypassed(emu):
    bypass = NoHostSafety("test: device must refuse")
    with driver(emu, bypass=bypass) as drv:
        drv.arm()
        cases = [
            (StimCommand(0, 5000, 100, 100, 1), "AMPLITUDE", 0),
            (StimCommand(3, 100, 100, 100, 1), "CHARGE_PER_PHASE", 3),
            (StimCommand(8, 800, 100, 100, 1), "CHARGE_DENSITY", 8),
            (StimCommand(12, 100, 200, 600, 1), "FREQUENCY", 12),
            (StimCommand(20, 100, 200, 100, 1), "CHANNEL", 20),
        ]
        for cmd, limit, index in cases:
            with pytest.raises(NackError) as e:
                drv.stim(cmd)
            assert (e.value.status, e.value.limit, e.value.index) == (
                "OUT_OF_LIMITS",
                limit,
                index,
            ), str(e.value)
            assert f"OUT_OF_LIMITS ({limit}, index {index})" in str(e.value)
        assert drv.pulse_log().total == 0
        unchecked = drv.audit.select(outcome=Outcome.UNCHECKED)
        nacks = drv.audit.select(outcome=Outcome.NACK)
        assert len(unchecked) == len(nacks) == len(cases)
        assert [n.ref for n in nacks] == [u.index for u in unchecked]


def test_corrupted_frame_is_nacked_and_the_retry_succeeds(stim):
    def corrupt_first(data: bytes, attempt: int) -> bytes:
        if attempt:
            return data
        raw = bytearray(wire.cobs_decode(data[:-1]))
        raw[5] ^= 0x01  # one payload bit flipped on the way; the CRC no longer matches
        return wire.cobs_encode(bytes(raw)) + b"\x00"

    stim.link.tamper = corrupt_first
    sent = stim.stim(train(count=2))
    stim.link.tamper = None
    assert sent.status == "OK" and sent.attempts == 2
    assert stim.link.stats.retries == 1 and stim.link.stats.timeouts == 0
    assert stim.status().rx_errors == 1
    wait_for(lambda: stim.pulse_log().total == 2)  # delivered once
    [ack] = [r for r in stim.audit.select(outcome=Outcome.ACK) if r.detail["wire"] == "STIM"]
    assert ack.detail["attempts"] == 2
    # a bad-CRC frame injected as raw bytes through the transport: NACKed, nobody waits for it
    stim.link.write_raw(
        wire.encode_raw(int(wire.MsgType.STIM), 999, b"\x00" * 20)[:-3] + b"\x01\x01\x00"
    )
    wait_for(lambda: stim.link.stats.unmatched >= 1)
    assert stim.status().rx_errors == 2 and stim.stim(train()).status == "OK"


def test_random_garbage_on_the_line_does_not_stop_the_link(stim):
    rng = random.Random(2024)
    delivered = 0
    for k in range(15):
        stim.link.write_raw(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))))
        assert stim.stim(train(12 + k % 4, count=1)).acked
        delivered += 1
        time.sleep(0.003)
    assert stim.status().rx_errors > 0
    wait_for(lambda: stim.pulse_log().total == delivered)
    assert stim.lifecycle is Lifecycle.ARMED and not stim.estop.tripped


def test_a_repeated_seq_is_not_executed_twice(stim):
    cmd = train(count=1)
    # the first copy is executed and ACKed while nobody waits: its ACK is "lost" to the host
    stim.link.write_raw(
        b"\x00" + wire.encode(wire.Stim.symmetric(12, 100, 200, 10000, 1), stim.link.peek_seq())
    )
    wait_for(lambda: stim.link.stats.unmatched == 1)
    sent = stim.stim(cmd)  # the "retry": same seq, same frame
    assert sent.status == "DUPLICATE" and sent.acked
    time.sleep(0.05)
    assert stim.pulse_log().total == 1  # one pulse, not two


def test_a_device_that_stops_answering_is_lost_and_the_host_goes_safe(stim, emu):
    emu.pause()  # SIGSTOP: the process is frozen, its port stays open
    try:
        t0 = time.monotonic()
        with pytest.raises((DeviceLost, EStopError)):
            stim.stim(train())
        # the stim (or a heartbeat that held the link) waited at most timeout × attempts
        assert time.monotonic() - t0 <= TIMEOUT * (1 + RETRIES) * 2 + 0.5
        wait_for(lambda: stim.estop.tripped)
        assert stim.lifecycle is Lifecycle.LOST
        assert stim.link.lost is not None
        with pytest.raises(EStopError):
            stim.stim(train())
        with pytest.raises(DeviceLost):  # a stop passes the latch but the device is gone
            stim.stop()
        wait_for(lambda: stim.audit.select(event="ESTOP_TRIP"))  # recorded just after the latch
        trip = stim.audit.select(event="ESTOP_TRIP")[0]
        assert "lost" in trip.reason or trip.detail["source"] == "heartbeat"
    finally:
        emu.resume()
    # the device, with no heartbeats, trips its own watchdog: it is safe on its side too
    wait_for(lambda: "watchdog" in emu.stderr_tail(), timeout=3.0)


def test_device_unplugged_mid_train(stim, emu):
    stim.stim(train(count=100, hz=20))  # a 5 s train
    wait_for(lambda: stim.pulse_log().total >= 2)
    os.kill(emu.pid, signal.SIGKILL)  # no goodbye: the pty closes under the host
    wait_for(lambda: stim.estop.tripped)
    assert stim.lifecycle is Lifecycle.LOST
    assert isinstance(stim.link.lost, DeviceLost) and emu.port in str(stim.link.lost)
    wait_for(lambda: stim.audit.select(event="ESTOP_TRIP"))  # recorded just after the latch
    trip = stim.audit.select(event="ESTOP_TRIP")[0]
    assert trip.detail["source"] == "device-lost" and "lost" in trip.reason
    with pytest.raises(EStopError):
        stim.stim(train())
    with pytest.raises(DeviceLost):
        stim.stop()
    stim.close()  # closing a lost device is quiet and complete
    assert stim.lifecycle is Lifecycle.CLOSED


def test_heartbeat_gap_trips_the_watchdog_and_the_host_refuses_until_rearmed(stim, beats):
    stim.stim(train(count=100, hz=20))
    wait_for(lambda: stim.pulse_log().total >= 2)
    beats.hold.set()  # the heartbeat thread stalls (as a hung host process would)
    wait_for(lambda: stim.estop.tripped, timeout=3.0)
    assert stim.faults and stim.faults[0].fault is wire.FaultCode.WATCHDOG
    assert stim.estop.trip_info.source == "watchdog"
    total = stim.pulse_log().total
    time.sleep(0.15)
    assert stim.pulse_log().total == total  # the device stopped the train
    with pytest.raises(EStopError, match="WATCHDOG"):
        stim.stim(train())
    with pytest.raises(EStopError):
        stim.arm()
    assert stim.status().state in (DeviceState.WATCHDOG_TRIPPED, DeviceState.ESTOPPED)
    beats.hold.clear()
    stim.rearm("test: heartbeat thread restored")
    assert stim.status().state is DeviceState.ARMED
    assert stim.stim(train(count=1)).status == "OK"
