"""docs/protocol.md and the emulated devices agree (issue 14), one test per point that had drifted.

Each test first checks that the document still makes its statement (quoted, whitespace aside),
then checks the device behind a real pty against it, so that a change on either side alone
fails here. Replies, unsolicited frames and STATUS_REPORT are read raw with the wire client: a
frame the device emits while handling a command is written before that command's reply, so
"no FAULT before the reply" is decided by the byte order on the line, never by a sleep.
"""

from __future__ import annotations

import json
import signal
import socket
from pathlib import Path

from neurolink.hal import wire
from tests.devices._client import REPLY_TIMEOUT_S, REPO, Client, nack

S, L, F, FC, DS = wire.Status, wire.Limit, wire.ProsthesisFlags, wire.FaultCode, wire.DeviceState
_DOC = " ".join((REPO / "docs" / "protocol.md").read_text(encoding="utf-8").split())


def _doc_says(text: str) -> None:
    assert " ".join(text.split()) in _DOC, f"docs/protocol.md no longer says: {text!r}"


def _status(c: Client) -> wire.StatusReport:
    r = c.command(wire.StatusQuery())
    assert isinstance(r, wire.StatusReport), r
    return r


def _armed(c: Client) -> None:
    c.ack(wire.Arm())
    c.ack(wire.Heartbeat())


def _faults(c: Client) -> list[wire.Fault]:
    return [f.message for f in c.unsolicited if isinstance(f.message, wire.Fault)]


class _ControlChannel:
    """The emulator's control channel (``--control``): one JSON line each way."""

    def __init__(self, path: Path) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(REPLY_TIMEOUT_S)
        self._sock.connect(str(path))
        self._file = self._sock.makefile("rwb")

    def advance(self, us: int) -> int:
        """Move the virtual device clock on by ``us`` µs; the new device time, µs."""
        self._file.write(json.dumps({"op": "advance", "us": us}).encode() + b"\n")
        self._file.flush()
        reply = json.loads(self._file.readline())
        assert reply["ok"], reply
        return int(reply["now_us"])

    def close(self) -> None:
        self._file.close()
        self._sock.close()


# A cursor 0.1 from its wall at x = 1, on a virtual clock: no watchdog, no periodic reports,
# so the only frames are the ones the test causes. 1 unit/s after a 0.1 s ramp at 10 unit/s²:
# x = 0.9 + 0.05 + (t − 0.1) → the wall at t = 0.15 s; the stale stop at 0.2 s.
_WALL_PROFILE = """
[device]
kind = "prosthesis"
identity = "doc agreement cursor"
heartbeat_timeout_ms = 0

[motion]
stale_timeout_ms = 200
state_period_ms = 0

[[dofs]]
name = "x"
max_velocity = 1.0
max_acceleration = 10.0
min_position = -1.0
max_position = 1.0
initial_position = 0.9

[[dofs]]
name = "y"
max_velocity = 1.0
max_acceleration = 10.0
min_position = -1.0
max_position = 1.0
"""


def test_last_fault_follows_stale_command_and_workspace_faults(start_device, tmp_path):
    """Point 1: ``last_fault`` is that of the last FAULT sent, latching or not."""
    _doc_says("Every FAULT sent becomes STATUS_REPORT's `last_fault`.")
    _doc_says("that of the last FAULT sent (latching or not)")
    profile, control_path = tmp_path / "wall.toml", tmp_path / "control.sock"
    profile.write_text(_WALL_PROFILE)
    _, c = start_device(
        "devices.prosthesis",
        "--profile",
        str(profile),
        "--virtual-clock",
        "--control",
        str(control_path),
    )
    control = _ControlChannel(control_path)
    try:
        c.ack(wire.Arm())
        assert _status(c).last_fault == 0
        c.ack(wire.ProsthesisVelocity((1.0, 0.0)))  # towards the wall
        control.advance(180_000)  # at the wall since 0.15 s, command still fresh
        status = _status(c)
        assert [(f.fault, f.detail) for f in _faults(c)] == [(FC.WORKSPACE_LIMIT, 0)]
        assert (status.state, status.last_fault) == (DS.ARMED, FC.WORKSPACE_LIMIT)
        c.unsolicited.clear()
        control.advance(40_000)  # 0.22 s: the command went stale at 0.2 s
        status = _status(c)
        assert [f.fault for f in _faults(c)] == [FC.STALE_COMMAND]
        assert (status.state, status.last_fault) == (DS.ARMED, FC.STALE_COMMAND)
    finally:
        control.close()


def test_pulse_count_and_pulse_longer_than_period_are_in_info_and_section_8(stim):
    """Point 2: INFO's ``max_pulse_count`` and the period rule of §8 are what is enforced."""
    _doc_says("| PULSE_COUNT | `pulse_count` is 0 or over `max_pulse_count` |")
    _doc_says(
        "or the pulse is longer than its period: "
        "`(phase_width_us + interphase_gap_us + phase_width2_us) × frequency_hz_x100 > 10⁸` |"
    )
    _, c = stim
    limits = c.hello().limits
    assert isinstance(limits, wire.StimulatorLimits)
    _armed(c)
    ch, f_x100, gap = 12, 50_000, 500  # 500 Hz: a 2,000 µs period
    width = (100_000_000 // f_x100 - gap) // 2  # 750 µs: the pulse fills its period exactly

    def stim(n: int, w: int) -> wire.Stim:
        return wire.Stim(ch, wire.Polarity.CATHODIC_FIRST, 10, w, gap, 10, w, f_x100, n)

    too_many = stim(limits.max_pulse_count + 1, width)
    assert nack(S.OUT_OF_LIMITS, wire.limit_detail(L.PULSE_COUNT, ch))(c.command(too_many))
    too_long = stim(1, width + 1)
    assert nack(S.OUT_OF_LIMITS, wire.limit_detail(L.FREQUENCY, ch))(c.command(too_long))
    assert c.pulse_total() == 0
    c.ack(stim(1, width))  # exactly one period long: accepted
    c.ack(stim(limits.max_pulse_count, width))  # the most INFO allows: accepted
    c.ack(wire.StimStop())


def test_stale_seq_is_refused_unless_it_only_stops(stim):
    """Point 3: a stale seq is NACKed STALE_SEQ and not executed; ESTOP is executed anyway."""
    _doc_says("refuses a command whose seq is stale on its connection with NACK `STALE_SEQ`")
    _doc_says("executes and ACKs them whatever their seq")
    _, c = stim
    arm = wire.encode(wire.Arm(), c.seq.next())
    c.serial.write(arm)
    assert isinstance(c.reply(wire.decode(arm).seq), wire.Ack)
    c.ack(wire.Disarm())
    c.serial.write(arm)  # replayed behind the DISARM
    assert nack(S.STALE_SEQ)(c.reply(wire.decode(arm).seq))
    assert _status(c).state is DS.DISARMED  # the old ARM did nothing
    estop = wire.encode(wire.EStop(), c.seq.next())
    c.serial.write(estop)
    assert isinstance(c.reply(wire.decode(estop).seq), wire.Ack)
    c.ack(wire.ResetEStop())
    assert _status(c).state is DS.DISARMED
    c.serial.write(estop)  # a stale stop still stops
    r = c.reply(wire.decode(estop).seq)
    assert isinstance(r, wire.Ack) and r.status is S.OK
    assert _status(c).state is DS.ESTOPPED


def test_duplicates_are_matched_on_seq_alone(stim):
    """Point 4: the last command's seq is never executed again, whatever it carries."""
    _doc_says("That seq again is never executed again, whatever it carries")
    _doc_says("another command under that seq is refused with NACK `STALE_SEQ`")
    _, c = stim
    _armed(c)
    seq = c.seq.next()
    first = wire.Stim.symmetric(12, 1000, 100, 10_000, 1)  # one pulse, delivered on the ACK
    c.write(wire.encode(first, seq))
    assert isinstance(r := c.reply(seq), wire.Ack) and r.status is S.OK
    c.write(wire.encode(first, seq))  # the retry of a host whose ACK was lost
    assert isinstance(r := c.reply(seq), wire.Ack) and r.status is S.DUPLICATE
    other = wire.Stim.symmetric(13, 1000, 100, 10_000, 1)  # another command, the same seq
    c.write(wire.encode(other, seq))
    assert nack(S.STALE_SEQ)(c.reply(seq))
    # a train's first pulse is delivered when its STIM is accepted: one pulse, channel 12 only
    assert [p.channel for p in c.pulse_log()] == [12]


def test_velocity_over_the_limit_is_refused_not_clamped(cursor):
    """Point 5: beyond ``max_velocity`` a command is refused and nothing moves."""
    _doc_says("a velocity beyond it is refused, never clamped")
    _, c = cursor
    limits = c.hello().limits
    assert isinstance(limits, wire.ProsthesisLimits)
    vmax = limits.dofs[1].max_velocity
    c.ack(wire.Arm())
    too_fast = wire.ProsthesisVelocity((0.0, -1.5 * vmax))
    assert nack(S.OUT_OF_LIMITS, wire.limit_detail(L.VELOCITY, 1))(c.command(too_fast))
    t_nack = c.device_time_us()
    report = c.wait_for(lambda m: isinstance(m, wire.ProsthesisState) and m.device_time_us > t_nack)
    assert isinstance(report, wire.ProsthesisState)
    assert report.velocities == (0.0, 0.0) and report.positions == (0.0, 0.0)
    assert F.MOVING not in report.flags and F.VELOCITY_CLAMPED not in report.flags
    c.ack(wire.ProsthesisVelocity((0.0, -vmax)))  # at the limit itself: accepted


def test_estop_command_is_acked_without_fault_and_the_button_sends_one(stim):
    """Point 6: a commanded ESTOP is reported by its ACK (and LOG); the button by FAULT(ESTOP)."""
    _doc_says("Its ACK is its report: no `FAULT` follows")
    _doc_says("the device's own e-stop button — is reported with `FAULT(ESTOP)`")
    proc, c = stim
    _armed(c)
    c.unsolicited.clear()
    c.ack(wire.EStop())
    status = _status(c)  # anything the ESTOP emitted was on the line before its ACK
    assert (status.state, status.last_fault) == (DS.ESTOPPED, FC.ESTOP)
    assert _faults(c) == []
    assert any(isinstance(f.message, wire.Log) for f in c.unsolicited)
    c.ack(wire.ResetEStop())
    _armed(c)
    proc.signal(signal.SIGUSR1)  # the emulated hardware button
    fault = c.wait_for(lambda m: isinstance(m, wire.Fault))
    assert isinstance(fault, wire.Fault) and fault.fault is FC.ESTOP
    assert _status(c).state is DS.ESTOPPED


def test_over_long_frame_gets_bad_frame_nack_with_its_seq(stim):
    """Point 7: an over-long frame whose header can be read is NACKed BAD_FRAME, not run."""
    _doc_says("for an over-long frame, `BAD_FRAME` as soon as it passes 1,035 bytes")
    _, c = stim
    _armed(c)
    seq = c.seq.next()
    payload = wire.Stim.symmetric(12, 1000, 100, 10_000, 1).pack() + bytes(wire.MAX_PAYLOAD)
    c.write(wire.encode_raw(wire.MsgType.STIM, seq, payload))
    assert nack(S.BAD_FRAME)(c.reply(seq))
    assert c.pulse_total() == 0  # an accepted STIM delivers its first pulse at once
    c.ack(wire.Heartbeat())  # and the line carries on
