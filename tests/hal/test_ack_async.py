"""Drivers with ``ack="async"`` against emulated devices on real ptys, on the device's virtual
clock: a send returns while its ACK is still held by the device; the collector records the
reply (audit, ``take_replies``); a NACK is raised by the next send (that command not written)
or claimed by ``take_replies``; a lost ACK is resent from the collector and answered
DUPLICATE (delivered once); no reply at all declares the device lost and trips the e-stop;
the e-stop reaches the device while a command's ACK is held; the audit holds one ACCEPTED and
one ACK/NACK per command written.

Heartbeats are held (:class:`tests.hal._beats.HeldBeats`) so that a scripted fault meets the
command it is meant for; on the virtual clock the device's watchdog does not run meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from neurolink.hal.commands import ProsthesisCommand, StimCommand
from neurolink.hal.drivers import ProsthesisDriver, StimulatorDriver
from neurolink.hal.errors import DeviceLost, EStopError, NackError
from neurolink.hal.safety import Outcome
from neurolink.testing import EmulatedDevice
from tests.hal._beats import HeldBeats

pytestmark = pytest.mark.emulator(virtual_clock=True)


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.005)


def train(amplitude: float = 100) -> StimCommand:
    return StimCommand(12, amplitude, 200, frequency_hz=100, pulse_count=1)


def beats_held() -> HeldBeats:
    beats = HeldBeats()
    beats.hold.set()
    return beats


@pytest.fixture
def stim(emulated_stimulator: EmulatedDevice) -> Iterator[StimulatorDriver]:
    drv = StimulatorDriver(
        emulated_stimulator.port,
        ack="async",
        heartbeat_wait=beats_held(),
        max_ramp_ua_per_s=1e9,
        timeout=0.2,
        retries=2,
    )
    with drv:
        drv.arm()
        yield drv


def stims_received(dev: EmulatedDevice) -> list[str]:
    return [c.outcome() for c in dev.records().of_type("STIM")]


def test_the_driver_refuses_an_unknown_ack_mode(emulated_stimulator) -> None:
    with pytest.raises(ValueError, match="ack must be one of sync, async, got 'later'"):
        StimulatorDriver(emulated_stimulator.port, ack="later")


def test_a_send_returns_before_its_ack_arrives(emulated_stimulator, stim) -> None:
    dev = emulated_stimulator
    dev.faults.delay_acks(50, count=1)  # held until the test moves the device's clock
    sent = stim.stim(train())
    assert sent.status == "PENDING" and sent.t_reply is None and sent.seq is not None
    wait_for(lambda: len(dev.records().of_type("STIM")) == 1)  # executed on the device
    time.sleep(0.05)
    assert stim.take_replies() == ()  # ... and its ACK still held
    assert not stim.audit.select(outcome=Outcome.ACK)
    dev.advance(ms=50)
    stim.flush()
    (reply,) = stim.take_replies()
    assert (reply.status, reply.seq, reply.attempts) == ("OK", sent.seq, 1)
    assert reply.t_wire == sent.t_wire < reply.t_reply
    (ack,) = stim.audit.select(outcome=Outcome.ACK)
    assert ack.detail["seq"] == sent.seq and ack.detail["wire"] == "STIM"


def test_a_nack_is_recorded_by_the_collector_and_raised_by_the_next_send(
    emulated_stimulator, stim
) -> None:
    dev = emulated_stimulator
    dev.faults.nack_next("BUSY", type="STIM", detail=3)
    first = stim.stim(train())
    assert first.status == "PENDING"
    wait_for(lambda: bool(stim.audit.select(outcome=Outcome.NACK)))  # the collector's record
    (nack,) = stim.audit.select(outcome=Outcome.NACK)
    assert (nack.status, nack.detail["seq"]) == ("BUSY", first.seq)
    with pytest.raises(NackError, match=rf"STIM seq {first.seq} refused by the device: BUSY"):
        stim.stim(train(90))  # raised before this one was checked: it is not sent
    assert stims_received(dev) == ["NACK BUSY (detail 0x0003) [scripted]"]
    third = stim.stim(train(80))
    stim.flush()  # nothing left to raise: the third was ACKed
    assert [r.status for r in stim.take_replies()] == ["BUSY", "OK"]
    assert stims_received(dev)[1] == "ACK OK" and third.seq == first.seq + 1


def test_take_replies_claims_a_nack_so_the_next_send_goes_out(emulated_stimulator, stim) -> None:
    dev = emulated_stimulator
    dev.faults.nack_next("BUSY", type="STIM")
    stim.stim(train())
    wait_for(lambda: bool(stim.audit.select(outcome=Outcome.NACK)))
    assert [r.status for r in stim.take_replies()] == ["BUSY"]
    stim.stim(train(90))
    stim.flush()
    assert stims_received(dev) == ["NACK BUSY [scripted]", "ACK OK"]


def test_a_lost_ack_is_resent_by_the_collector_and_delivered_once(
    emulated_stimulator, stim
) -> None:
    dev = emulated_stimulator
    dev.faults.drop(1, "to_host")
    sent = stim.stim(train())
    assert sent.status == "PENDING"
    stim.flush()  # the collector resent it after the 0.2 s timeout
    (reply,) = stim.take_replies()
    assert (reply.status, reply.seq, reply.attempts) == ("DUPLICATE", sent.seq, 2)
    assert stims_received(dev) == ["ACK OK", "ACK DUPLICATE"]
    assert stim.link.stats.retries == 1


def test_no_reply_at_all_declares_the_device_lost_and_trips_the_estop(
    emulated_stimulator, stim
) -> None:
    dev = emulated_stimulator
    dev.faults.drop(3, "to_host")  # every attempt's ACK (1 + 2 retries)
    sent = stim.stim(train())
    assert sent.status == "PENDING"
    # detected by the collector after timeout × (1 + retries) = 0.6 s, with no further call
    wait_for(lambda: stim.estop.tripped)
    assert stim.estop.trip_info.source == "device-lost"
    (reply,) = stim.take_replies()
    assert reply.status == "DEVICE_LOST" and not reply.acked
    nacks = stim.audit.select(outcome=Outcome.NACK)
    (lost,) = [r for r in nacks if r.command.get("type") == "StimCommand"]
    assert lost.status == "DEVICE_LOST" and lost.ref is not None
    with pytest.raises(EStopError):  # as in sync mode: refused by the latched e-stop
        stim.stim(train())
    assert stims_received(dev) == ["ACK OK", "ACK DUPLICATE", "ACK DUPLICATE"]


def test_an_unclaimed_loss_is_raised_by_the_next_send(emulated_stimulator, stim) -> None:
    emulated_stimulator.faults.drop(3, "to_host")
    stim.stim(train())
    wait_for(lambda: stim.estop.tripped)
    with pytest.raises(DeviceLost, match="no reply to STIM"):
        stim.stim(train())  # not taken: the next send raises the loss


def test_the_estop_reaches_the_device_while_a_command_waits_for_its_ack(
    emulated_stimulator, stim
) -> None:
    dev = emulated_stimulator
    dev.faults.delay_acks(50, count=1)  # the STIM's ACK is held; replies behind it wait too
    sent = stim.stim(train())
    assert sent.status == "PENDING" and stim._posted.in_flight == sent.seq
    done = threading.Event()
    threading.Thread(target=lambda: (stim.estop_now("test"), done.set()), daemon=True).start()
    # ESTOP was written beside the command in flight and executed, its ACK not back yet
    wait_for(lambda: any(s.after == "ESTOPPED" for s in dev.records().states))
    assert [c.type for c in dev.records().commands][-2:] == ["STIM", "ESTOP"]
    assert not done.is_set() and stim._posted.in_flight == sent.seq
    dev.advance(ms=50)
    assert done.wait(5)
    stim.flush()
    assert [r.status for r in stim.take_replies()] == ["OK"]


def test_every_command_written_has_its_accepted_and_reply_records(
    emulated_stimulator, stim
) -> None:
    n = 40
    for k in range(n):
        stim.stim(train(100 - k))
    stim.flush()
    replies = stim.take_replies()
    assert [r.status for r in replies] == ["OK"] * n
    assert len({r.seq for r in replies}) == n
    stims = [r for r in stim.audit.records if r.command.get("type") == "StimCommand"]
    accepted = [r for r in stims if r.outcome is Outcome.ACCEPTED]
    acked = [r for r in stims if r.outcome is Outcome.ACK]
    assert len(accepted) == len(acked) == n
    assert sorted(r.ref for r in acked) == [r.index for r in accepted]
    assert len(emulated_stimulator.records().of_type("STIM")) == n


@pytest.mark.emulator(virtual_clock=True, kind="prosthesis")
def test_a_prosthesis_velocity_returns_before_its_ack(emulated_prosthesis) -> None:
    dev = emulated_prosthesis
    with ProsthesisDriver(dev.port, ack="async", heartbeat_wait=beats_held()) as drv:
        drv.arm()
        dev.advance(ms=20)  # one state report: the host's workspace check needs a position
        wait_for(lambda: drv.state is not None)
        dev.faults.delay_acks(20, count=1)
        time.sleep(0.01)  # from rest the guard allows max_acceleration · Δt: 0.005 needs 1.25 ms
        sent = drv.velocity(ProsthesisCommand((0.005, 0.0)))
        assert sent.status == "PENDING"
        wait_for(lambda: len(dev.records().of_type("PROSTHESIS_VELOCITY")) == 1)
        assert drv.take_replies() == ()
        dev.advance(ms=20)
        drv.flush()
        assert [(r.status, r.seq) for r in drv.take_replies()] == [("OK", sent.seq)]
        assert drv.stop().status == "OK"  # stops wait for their ACK
