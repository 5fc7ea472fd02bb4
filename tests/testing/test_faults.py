"""Every scripted fault is observed on the wire (by a raw client on the pty) and in the
device's own records; virtual-time runs give identical records."""

from __future__ import annotations

import time

import pytest
import serial

from neurolink.hal import wire
from neurolink.testing import EmulatedDevice, assert_no_output_after
from tests.devices._client import Client

S = wire.Status
pytestmark = pytest.mark.emulator(virtual_clock=True)


@pytest.fixture
def client(emulated_stimulator: EmulatedDevice):
    c = Client(emulated_stimulator.port)
    c.authenticate(emulated_stimulator.secret)
    yield c
    c.close()


def _injected(dev: EmulatedDevice, fault: str) -> list[dict]:
    return [e for e in dev.records().injected if e["fault"] == fault and e["kind"] == "injected"]


def test_drop_to_device_loses_the_frame_and_the_retry_is_answered(emulated_stimulator, client):
    dev = emulated_stimulator
    dev.faults.drop(1, "to_device")
    seq = client.send(wire.Heartbeat())
    with pytest.raises(TimeoutError):
        client.reply(seq, timeout=0.3)
    assert client.command(wire.Heartbeat(), seq=seq) == wire.Ack(seq)
    (hit,) = _injected(dev, "drop")
    assert (hit["dir"], hit["frame"]) == ("to_device", {"type": "HEARTBEAT", "seq": seq})
    assert [c.seq for c in dev.records().of_type("HEARTBEAT")] == [seq]


def test_drop_to_host_loses_the_reply(emulated_stimulator, client):
    dev = emulated_stimulator
    dev.faults.drop(1, "to_host")
    seq = client.send(wire.StatusQuery())
    with pytest.raises(TimeoutError):
        client.reply(seq, timeout=0.3)
    (hit,) = _injected(dev, "drop")
    assert (hit["dir"], hit["frame"]["type"]) == ("to_host", "STATUS_REPORT")


def test_corrupt_to_device_is_nacked_bad_crc(emulated_stimulator, client):
    dev = emulated_stimulator
    dev.faults.corrupt(1, "to_device")
    assert client.command(wire.Heartbeat()) == wire.Nack(2, S.BAD_CRC)
    assert [e["status"] for e in dev.records().of_kind("rx_error")] == ["BAD_CRC"]


def test_corrupt_to_host_fails_the_hosts_crc(emulated_stimulator, client):
    dev = emulated_stimulator
    dev.faults.corrupt(1, "to_host")
    seq = client.send(wire.StatusQuery())
    with pytest.raises(TimeoutError):
        client.reply(seq, timeout=0.3)
    assert [type(e).__name__ for e in client.errors] == ["CrcError"]
    assert _injected(dev, "corrupt")[0]["frame"]["type"] == "STATUS_REPORT"


def test_delayed_acks_wait_for_device_time(emulated_stimulator, client):
    dev = emulated_stimulator
    dev.faults.delay_acks(300, count=1)
    seq = client.send(wire.Heartbeat())
    with pytest.raises(TimeoutError):  # the clock stands still: the ACK is held
        client.reply(seq, timeout=0.3)
    dev.advance(ms=299)
    with pytest.raises(TimeoutError):
        client.reply(seq, timeout=0.2)
    dev.advance(ms=1)
    assert client.reply(seq) == wire.Ack(seq)
    assert client.command(wire.Heartbeat()).status is S.OK  # count=1: the next is on time


def test_nack_next_refuses_without_executing(emulated_stimulator, client):
    dev = emulated_stimulator
    dev.faults.nack_next("E_STOPPED", type="ARM", detail=7)
    assert client.command(wire.Arm()) == wire.Nack(2, S.E_STOPPED, 7)
    (arm,) = dev.records().of_type("ARM")
    assert arm.injected and arm.outcome() == "NACK E_STOPPED (detail 0x0007) [scripted]"
    assert dev.records().states == []  # not executed: still DISARMED
    client.ack(wire.Arm())


def test_stall_longer_than_the_watchdog_trips_it_before_queued_heartbeats(
    emulated_stimulator, client
):
    dev = emulated_stimulator
    client.ack(wire.Arm())
    dev.faults.stall(600)  # device time jumps 600 ms while nothing is served
    assert client.command(wire.Heartbeat()).status is S.OK
    trip = dev.records().states[-1]
    assert (trip.after, trip.t_us, trip.cause) == ("WATCHDOG_TRIPPED", 500_000, "watchdog")
    fault = client.wait_for(lambda m: isinstance(m, wire.Fault))
    assert (fault.fault, fault.device_time_us) == (wire.FaultCode.WATCHDOG, 500_000)


def test_trip_watchdog_and_estop_send_faults_and_latch(emulated_stimulator, client):
    dev = emulated_stimulator
    client.ack(wire.Arm())
    client.ack(wire.Stim.symmetric(0, 20, 100, 10_000, 100))
    dev.advance(ms=15)
    mark = dev.faults.trip_watchdog()
    f = client.wait_for(lambda m: isinstance(m, wire.Fault))
    assert (f.fault, f.device_time_us) == (wire.FaultCode.WATCHDOG, 15_000)
    assert client.command(wire.Arm()) == wire.Nack(4, S.WATCHDOG_TRIPPED)
    dev.advance(ms=100)
    assert_no_output_after(dev, mark, what="watchdog")
    client.ack(wire.ResetEStop(wire.RESET_ESTOP_KEY))
    dev.faults.press_estop()
    assert client.wait_for(lambda m: isinstance(m, wire.Fault)).fault is wire.FaultCode.ESTOP
    assert [s.after for s in dev.records().states] == [
        "ARMED",
        "WATCHDOG_TRIPPED",
        "DISARMED",
        "ESTOPPED",
    ]


@pytest.mark.emulator(persist=True)
def test_disconnect_with_persist_goes_safe_and_comes_back(emulated_stimulator, client):
    dev = emulated_stimulator
    client.ack(wire.Arm())
    client.ack(wire.Stim.symmetric(0, 20, 100, 10_000, 100))
    dev.faults.disconnect(down_ms=100)
    with pytest.raises(serial.SerialException):
        client.command(wire.StatusQuery())
    client.close()
    deadline = time.monotonic() + 10
    while not any(e["event"] == "replugged" for e in dev.records().of_kind("connection")):
        assert time.monotonic() < deadline, "the device did not come back"
        time.sleep(0.02)
    again = Client(dev.port)
    again.authenticate(dev.secret)
    status = again.command(wire.StatusQuery())
    assert status.state is wire.DeviceState.DISARMED  # safe state: a new host must re-arm
    again.close()
    events = [e["event"] for e in dev.records().of_kind("connection")]
    assert events[:4] == ["connected", "unplugged", "replugged", "connected"]
    assert dev.records().of_kind("stop")[0]["reason"] == "line disconnected (scripted)"


def test_disconnect_without_persist_ends_the_device(emulated_stimulator, client):
    dev = emulated_stimulator
    dev.faults.disconnect()
    dev._emu.process.wait(10)
    assert dev.records().of_kind("connection")[-1] == {
        "kind": "connection",
        "t_us": 0,
        "event": "exit",
        "reason": "disconnected",
        "i": len(dev.records().events) - 1,
    }


def _scripted_session(dev: EmulatedDevice) -> list[dict]:
    c = Client(dev.port)
    c.authenticate(dev.secret)
    c.ack(wire.Arm())
    c.ack(wire.Stim.symmetric(0, 20, 100, 13_000, 50))
    for _ in range(4):
        dev.advance(ms=120)
        c.ack(wire.Heartbeat())
    dev.faults.nack_next("BUSY", type="STIM")
    c.command(wire.Stim.symmetric(1, 30, 100, 5_000, 20))
    dev.faults.drop(1, "to_host")
    c.send(wire.StatusQuery())  # its reply is dropped ...
    c.command(wire.StatusQuery())  # ... so this one's reply tells that both were read
    dev.advance(ms=900)  # the watchdog trips 500 ms after the last heartbeat
    c.close()
    dev._emu.process.wait(10)
    return [
        {k: v for k, v in e.items() if k not in ("port", "fields")} | {"f": e.get("fields")}
        for e in dev.records().events
        if e["kind"] != "command" or e["type"] not in ("HELLO", "AUTH")
    ]


def test_virtual_time_records_are_identical_on_repeated_runs(tmp_path):
    runs = []
    for _ in range(2):
        with EmulatedDevice("stimulator", virtual_clock=True, workdir=tmp_path) as dev:
            runs.append(_scripted_session(dev))
    assert runs[0] == runs[1]
    kinds = {e["kind"] for e in runs[0]}
    assert {"pulse", "state", "fault", "injected", "command"} <= kinds
    # the whole train (last onset 49 × 10⁸ // 13000 µs = 376.9 ms) before the watchdog trips
    # at 980 ms (500 ms after the last HEARTBEAT at 480 ms)
    assert sum(e["kind"] == "pulse" for e in runs[0]) == 50
    trip = next(e for e in runs[0] if e["kind"] == "fault")
    assert (trip["code"], trip["t_us"]) == ("WATCHDOG", 980_000)


def test_fault_script_runs_from_the_command_line(tmp_path):
    script = tmp_path / "faults.toml"
    script.write_text('[[faults]]\nat_ms = 40\nop = "estop"\n')
    with EmulatedDevice("stimulator", virtual_clock=True, fault_script=script) as dev:
        c = Client(dev.port)
        c.authenticate(dev.secret)
        c.ack(wire.Arm())
        dev.advance(ms=39)
        assert dev.records().faults == []
        dev.advance(ms=1)
        f = c.wait_for(lambda m: isinstance(m, wire.Fault))
        assert (f.fault, f.device_time_us) == (wire.FaultCode.ESTOP, 40_000)
        c.close()


def test_a_bad_fault_script_is_refused_with_its_entry_named(tmp_path):
    script = tmp_path / "faults.json"
    script.write_text('{"faults": [{"at_ms": 5, "op": "drop", "dir": "sideways"}]}')
    with pytest.raises(Exception, match=r"faults\[1\]: drop.dir = 'sideways'"):
        EmulatedDevice("stimulator", fault_script=script).start()
