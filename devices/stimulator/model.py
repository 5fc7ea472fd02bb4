"""The emulated stimulator: hard limits of its own, trains in device time, a pulse log.

- STIM (ARMED only; else NACK ``NOT_ARMED`` / ``E_STOPPED`` / ``WATCHDOG_TRIPPED`` /
  ``INTERNAL``): checked by :func:`~devices.stimulator.checks.check_stim` and the pulse-rate
  cap (NACK ``OUT_OF_LIMITS``, detail ``limit | channel << 8``); accepted, it starts a train on
  its channel now (first onset = the device time it was accepted), replacing the train running
  there.
- STIM_STOP (any state, always ACKed): the channel's train (``0xFF``: every train) stops; pulses
  with an onset up to now were delivered, the rest are cancelled.
- DISARM, ESTOP, the watchdog, the port closing and shutdown stop every train the same way.
- CHANNEL_QUERY → CHANNEL_LIMITS (NACK ``OUT_OF_LIMITS`` CHANNEL when ``first_channel`` does
  not exist; the reply is cut to the channels that exist and to 85).
- PULSE_LOG_QUERY → PULSE_LOG: the delivered pulses by index since start (``first_index``
  beyond the total is answered with an empty list at ``first_index = total``).

The log holds every pulse delivered, onset = its scheduled device time; with ``pulse_log`` set
each pulse is also written there as a CSV line as it is delivered, and each stop as a
``# stop ...`` line, so a test can read what the device did even after it exited.
"""

from __future__ import annotations

from array import array
from typing import Any, ClassVar, TextIO

from devices.core.model import Context, DeviceModel, output_refusal
from devices.stimulator.checks import check_stim
from devices.stimulator.profile import StimProfile
from devices.stimulator.trains import Train, rate_exceeded
from neurolink.hal import wire

__all__ = ["PULSE_LOG_HEADER", "Stimulator"]

_MT = wire.MsgType
PULSE_LOG_HEADER = (
    "device_time_us,channel,polarity,amplitude_ua,phase_width_us,interphase_gap_us,"
    "amplitude2_ua,phase_width2_us"
)
"""First line of a pulse-log file; then one line per pulse and ``# stop ...`` lines."""


class Stimulator(DeviceModel):
    """A multi-channel biphasic current stimulator.

    Parameters
    ----------
    profile : StimProfile
        Channels and hard limits.
    pulse_log : TextIO, optional
        Text file that receives every delivered pulse as it happens (CSV) and every stop.
    """

    KIND: ClassVar = wire.DeviceKind.STIMULATOR
    HANDLES: ClassVar = frozenset({_MT.STIM, _MT.STIM_STOP, _MT.CHANNEL_QUERY, _MT.PULSE_LOG_QUERY})
    QUERIES: ClassVar = frozenset({_MT.CHANNEL_QUERY, _MT.PULSE_LOG_QUERY})

    def __init__(self, profile: StimProfile, pulse_log: TextIO | None = None) -> None:
        self.profile = profile
        self.trains: dict[int, Train] = {}
        # the pulse log, compactly: onset (µs, sorted) and the command of every pulse delivered
        self._onsets = array("q")
        self._stims: list[wire.Stim] = []
        self.cancelled = 0
        self._reported = 0  # pulses handed to take_records so far
        self._stops: list[dict[str, Any]] = []
        self._file = pulse_log
        if pulse_log is not None:
            print(PULSE_LOG_HEADER, file=pulse_log, flush=True)

    @property
    def capabilities(self) -> wire.Capability:
        c = wire.Capability
        return c.PULSE_LOG | c.ASYMMETRIC_PHASES | c.INTERPHASE_GAP

    def limits_block(self) -> wire.StimulatorLimits:
        return self.profile.limits

    # ------------------------------------------------------------------ time

    def tick(self, now_us: int, ctx: Context) -> None:
        """Deliver every pulse with an onset up to ``now_us``, in time order over channels."""
        while True:
            due = [(t.next_onset_us(), c) for c, t in self.trains.items()]
            due = [(t, c) for t, c in due if t is not None and t <= now_us]
            if not due:
                return
            _, channel = min(due)
            train = self.trains[channel]
            self._record(*train.take())
            if train.remaining == 0:
                del self.trains[channel]

    def next_deadline_us(self) -> int | None:
        times = [t.next_onset_us() for t in self.trains.values()]
        return min((t for t in times if t is not None), default=None)

    def _record(self, onset_us: int, s: wire.Stim) -> None:
        self._onsets.append(onset_us)
        self._stims.append(s)
        if self._file is not None:
            print(
                f"{onset_us},{s.channel},{int(s.polarity)},{s.amplitude_ua},{s.phase_width_us},"
                f"{s.interphase_gap_us},{s.amplitude2_ua},{s.phase_width2_us}",
                file=self._file,
                flush=True,
            )

    @property
    def delivered(self) -> int:
        """Pulses delivered since the device started."""
        return len(self._onsets)

    def pulse(self, index: int) -> wire.DeliveredPulse:
        """Entry ``index`` of the pulse log."""
        s = self._stims[index]
        return wire.DeliveredPulse(
            self._onsets[index],
            s.channel,
            s.polarity,
            s.amplitude_ua,
            s.phase_width_us,
            s.interphase_gap_us,
            s.amplitude2_ua,
            s.phase_width2_us,
        )

    def _stop(self, channels: list[int], now_us: int, reason: str) -> str:
        stopped = [self.trains.pop(c) for c in channels if c in self.trains]
        cancelled = sum(t.remaining for t in stopped)
        self.cancelled += cancelled
        if stopped:
            self._stops.append(
                {
                    "kind": "stop",
                    "t_us": now_us,
                    "reason": reason,
                    "channels": [t.channel for t in stopped],
                    "cancelled": cancelled,
                }
            )
        if self._file is not None and stopped:
            print(
                f"# stop device_time_us={now_us} reason={reason} trains={len(stopped)} "
                f"cancelled={cancelled}",
                file=self._file,
                flush=True,
            )
        return f"{len(stopped)} train(s) stopped, {cancelled} pulse(s) cancelled"

    def stop_output(self, now_us: int, reason: str, ctx: Context) -> str:
        return self._stop(list(self.trains), now_us, reason)

    def summary(self) -> str:
        return f"{self.delivered} pulse(s) delivered in all, {self.cancelled} cancelled"

    def take_records(self) -> list[dict[str, Any]]:
        """Pulses delivered and trains stopped since the last call (``pulse``: ``index`` in
        the pulse log, ``t_us`` = onset, the phases; ``stop``: ``reason``, ``channels``,
        ``cancelled``)."""
        out: list[dict[str, Any]] = []
        for i in range(self._reported, self.delivered):
            p = self.pulse(i)
            out.append(
                {
                    "kind": "pulse",
                    "t_us": p.device_time_us,
                    "index": i,
                    "channel": p.channel,
                    "polarity": p.polarity.name,
                    "amplitude_ua": p.amplitude_ua,
                    "phase_width_us": p.phase_width_us,
                    "interphase_gap_us": p.interphase_gap_us,
                    "amplitude2_ua": p.amplitude2_ua,
                    "phase_width2_us": p.phase_width2_us,
                }
            )
        self._reported = self.delivered
        out += self._stops
        self._stops = []
        return out

    def describe(self) -> dict[str, Any]:
        return {"limits": self.profile.limits, "channels": self.profile.channels}

    # ------------------------------------------------------------------ commands

    def handle(
        self, message: wire.Message, ack_seq: int, now_us: int, ctx: Context
    ) -> wire.Message:
        if isinstance(message, wire.Stim):
            return self._stim(message, ack_seq, now_us, ctx)
        if isinstance(message, wire.StimStop):
            if message.channel == wire.ALL_CHANNELS:
                self._stop(list(self.trains), now_us, "stim-stop")
            else:
                self._stop([message.channel], now_us, "stim-stop")
            return wire.Ack(ack_seq)
        if isinstance(message, wire.ChannelQuery):
            return self._channels(message, ack_seq)
        if isinstance(message, wire.PulseLogQuery):
            total = self.delivered
            first = min(message.first_index, total)
            last = min(total, first + min(message.max_count, wire.MAX_PULSES_PER_REPLY))
            pulses = tuple(self.pulse(i) for i in range(first, last))
            return wire.PulseLog(ack_seq, total, first, pulses)
        raise TypeError(f"stimulator cannot handle {type(message).__name__}")

    def _stim(self, stim: wire.Stim, ack_seq: int, now_us: int, ctx: Context) -> wire.Message:
        refused = output_refusal(ctx.state)
        if refused is not None:
            return wire.Nack(ack_seq, refused)
        p = self.profile
        broken = check_stim(stim, p.limits, p.channels, p.max_pulse_count)
        if broken is None:
            train = Train(stim, now_us)
            others = [t for c, t in self.trains.items() if c != stim.channel]
            if rate_exceeded(self._onsets, [*others, train], now_us, p.limits.max_pulse_rate_hz):
                broken = (wire.Limit.PULSE_RATE, stim.channel)
        if broken is not None:
            return wire.Nack(ack_seq, wire.Status.OUT_OF_LIMITS, wire.limit_detail(*broken))
        self._stop([stim.channel], now_us, "replaced")
        self.trains[stim.channel] = train
        self.tick(now_us, ctx)  # the first pulse starts now
        return wire.Ack(ack_seq)

    def _channels(self, q: wire.ChannelQuery, ack_seq: int) -> wire.Message:
        n = len(self.profile.channels)
        if q.first_channel >= n:
            detail = wire.limit_detail(wire.Limit.CHANNEL, q.first_channel)
            return wire.Nack(ack_seq, wire.Status.OUT_OF_LIMITS, detail)
        count = min(q.count, wire.MAX_CHANNELS_PER_REPLY)
        chans = self.profile.channels[q.first_channel : q.first_channel + count]
        return wire.ChannelLimits(ack_seq, q.first_channel, chans)
