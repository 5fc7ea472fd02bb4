"""The stimulation guard: refuses stimulation commands that break a limit (DESIGN.md §5).

Checks, in order, for a :class:`~neurolink.hal.commands.StimCommand` on channel ``c`` with
effective limits ``L = limits[c]``:

1. the channel exists;
2. each phase's current ≤ ``L.max_amplitude_ua`` and width ≤ ``L.max_phase_width_us``;
3. frequency ≤ ``L.max_frequency_hz``; pulse count ≤ ``L.max_pulse_count`` (a pulse no longer
   than its period, which the device checks too, is a rule of :class:`StimCommand` itself);
4. charge balance: ``|Q1 − Q2| ≤ L.balance_tolerance_nc`` (biphasic, charge-balanced only);
5. charge per phase ``max(Q1, Q2) ≤ L.max_charge_nc``;
6. Shannon: ``log10(D) + log10(Q) < L.shannon_k`` (see :mod:`.charge`);
7. ramp: the peak current may rise over the channel's previous accepted command by at most
   ``L.max_ramp_ua_per_s · Δt``; a channel with no command yet starts from 0 µA at
   ``start_time`` (and again at :meth:`StimGuard.reset`, called on e-stop re-arm); decreases
   are always allowed; stops do not reset the ramp reference;
8. pulses per second on the channel, then over all channels, in any 1 s sliding window
   (:mod:`.pulse_window`).

Every limit is inclusive (the limit value itself is accepted) except Shannon, which is strict
as Shannon (1992) states it. A refusal raises :class:`~neurolink.hal.errors.SafetyError` with
a one-line message naming the channel, the limit and the values, and ``limit`` set to the limit
name. An accepted command is committed: :meth:`StimGuard.check` assumes it is delivered from
``now`` (for ramp and pulse counting), so call it exactly once per command, just before
sending; it returns a :class:`Commit`, and :meth:`StimGuard.rollback` takes it back when the
device refused the train or never got it (a NACK, a lost device), so that a train that never
ran does not hold the pulse budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from neurolink.hal.commands import StimCommand, StimStop
from neurolink.hal.errors import SafetyError
from neurolink.hal.safety._format import fmt, fmt_vs
from neurolink.hal.safety.charge import (
    charge_density_uc_per_cm2,
    shannon_index,
    shannon_max_charge_nc,
    shannon_max_density_uc_per_cm2,
)
from neurolink.hal.safety.limits import StimLimits
from neurolink.hal.safety.pulse_window import PulseLedger, Train

__all__ = ["Commit", "StimGuard"]


@dataclass(frozen=True, slots=True)
class Commit:
    """What one accepted train changed: its ledger entry and the ramp reference it replaced."""

    train: Train
    channel: int
    previous_ramp: tuple[float, float] | None


def _over(ch: int, what: str, value: float, limit_name: str, limit: float, unit: str) -> None:
    """Raise when ``value > limit`` with the standard message."""
    if value > limit:
        v, lim = fmt_vs(value, limit)
        raise SafetyError(
            f"channel {ch}: {what} {v} {unit} exceeds {limit_name} {lim} {unit}",
            limit=limit_name,
            channel=ch,
        )


class StimGuard:
    """Per-electrode stimulation limits with ramp and pulse-rate state.

    Parameters
    ----------
    limits : StimLimits
        Effective limits (read at every check, so recorded changes apply at once).
    start_time : float
        Host-clock time (s) from which every channel ramps up from 0 µA.
    """

    def __init__(self, limits: StimLimits, *, start_time: float) -> None:
        self.limits = limits
        self._start = float(start_time)
        self._ramp: dict[int, tuple[float, float]] = {}
        self._ledger = PulseLedger(channels=len(limits.channels.keys))

    def ramp_reference(self, channel: int) -> tuple[float, float]:
        """``(peak amplitude µA, time s)`` a new command on ``channel`` ramps from."""
        return self._ramp.get(channel, (0.0, self._start))

    def check(self, cmd: StimCommand | StimStop, now: float) -> Commit | None:
        """Accept (and commit) or refuse one command; the :class:`Commit` of a train.

        Parameters
        ----------
        cmd : StimCommand or StimStop
            The command. Stops are always accepted; they cancel the remaining pulses of the
            channel's trains (every channel when ``cmd.channel`` is None).
        now : float
            Host-clock time (s) at which the command will be sent.

        Raises
        ------
        SafetyError
            Naming the limit and the values.
        """
        if isinstance(cmd, StimStop):
            self.record_stop(cmd.channel, now)
            return None
        if not isinstance(cmd, StimCommand):
            raise SafetyError(f"StimGuard cannot check {type(cmd).__name__}", limit="type")
        ch = cmd.channel
        if ch not in self.limits:
            raise SafetyError(
                f"channel {ch}: no such channel (stimulator has {list(self.limits.channels.keys)})",
                limit="channel",
                channel=ch,
            )
        lim = self.limits[ch]
        self._check_pulse(cmd, lim_channel=ch)
        self._check_ramp(cmd, now)
        self._ledger.prune(now)
        train = Train(ch, now, cmd.frequency_hz, cmd.pulse_count)
        n_ch = self._ledger.max_count(train, channel=ch)
        if n_ch > lim.max_pulses_per_s:
            v, t = fmt_vs(n_ch, lim.max_pulses_per_s)
            raise SafetyError(
                f"channel {ch}: pulse rate {v} pulses in a 1 s window exceeds max_pulses_per_s {t}",
                limit="max_pulses_per_s",
                channel=ch,
            )
        n_all = self._ledger.max_count(train, channel=None)
        total = self.limits.max_total_pulses_per_s
        if n_all > total:
            v, t = fmt_vs(n_all, total)
            raise SafetyError(
                f"channel {ch}: total pulse rate {v} pulses in a 1 s window over all channels "
                f"exceeds max_total_pulses_per_s {t}",
                limit="max_total_pulses_per_s",
                channel=ch,
            )
        # commit
        previous = self._ramp.get(ch)
        self._ramp[ch] = (cmd.peak_amplitude_ua, now)
        self._ledger.add(train)
        return Commit(train, ch, previous)

    def rollback(self, commit: Commit) -> None:
        """Undo an accepted train that the device refused or never received."""
        self._ledger.remove(commit.train)
        if self._ramp.get(commit.channel, (None, None))[1] == commit.train.start:
            if commit.previous_ramp is None:
                self._ramp.pop(commit.channel, None)
            else:
                self._ramp[commit.channel] = commit.previous_ramp

    def _check_pulse(self, cmd: StimCommand, *, lim_channel: int) -> None:
        ch = lim_channel
        lim = self.limits[ch]
        a2, w2 = cmd.second_amplitude_ua, cmd.second_width_us
        assert a2 is not None and w2 is not None
        _over(
            ch,
            "phase-1 amplitude",
            cmd.amplitude_ua,
            "max_amplitude_ua",
            lim.max_amplitude_ua,
            "µA",
        )
        _over(ch, "phase-2 amplitude", a2, "max_amplitude_ua", lim.max_amplitude_ua, "µA")
        _over(
            ch,
            "phase-1 width",
            cmd.phase_width_us,
            "max_phase_width_us",
            lim.max_phase_width_us,
            "µs",
        )
        _over(ch, "phase-2 width", w2, "max_phase_width_us", lim.max_phase_width_us, "µs")
        _over(ch, "frequency", cmd.frequency_hz, "max_frequency_hz", lim.max_frequency_hz, "Hz")
        _over(ch, "pulse count", cmd.pulse_count, "max_pulse_count", lim.max_pulse_count, "pulses")
        q1, q2 = cmd.charge_nc, cmd.second_charge_nc
        imbalance = abs(q1 - q2)
        if imbalance > lim.balance_tolerance_nc:
            v, t = fmt_vs(imbalance, lim.balance_tolerance_nc)
            raise SafetyError(
                f"channel {ch}: charge imbalance |Q1 − Q2| = {v} nC (Q1 {fmt(q1)} nC, "
                f"Q2 {fmt(q2)} nC) exceeds balance_tolerance_nc {t} nC; only charge-balanced "
                f"biphasic pulses are allowed",
                limit="balance_tolerance_nc",
                channel=ch,
            )
        q = max(q1, q2)
        _over(ch, "charge", q, "max_charge_nc", lim.max_charge_nc, "nC/phase")
        index = shannon_index(q, lim.area_cm2)
        if not index < lim.shannon_k:
            d = charge_density_uc_per_cm2(q, lim.area_cm2)
            raise SafetyError(
                f"channel {ch}: charge density {fmt(d)} µC/cm² at {fmt(q)} nC/phase violates "
                f"Shannon k={fmt(lim.shannon_k)}: log10(D) + log10(Q) = {fmt(index)} >= "
                f"{fmt(lim.shannon_k)} (limit at area {fmt(lim.area_cm2)} cm²: "
                f"D < {fmt(shannon_max_density_uc_per_cm2(lim.area_cm2, lim.shannon_k))} µC/cm², "
                f"Q < {fmt(shannon_max_charge_nc(lim.area_cm2, lim.shannon_k))} nC/phase)",
                limit="shannon_k",
                channel=ch,
            )

    def _check_ramp(self, cmd: StimCommand, now: float) -> None:
        ch = cmd.channel
        rate = self.limits[ch].max_ramp_ua_per_s
        a_prev, t_prev = self.ramp_reference(ch)
        rise = cmd.peak_amplitude_ua - a_prev
        dt = max(0.0, now - t_prev)
        allowed = rate * dt
        if rise > allowed:
            r, a = fmt_vs(rise, allowed)
            raise SafetyError(
                f"channel {ch}: amplitude rise {r} µA (from {fmt(a_prev)} to "
                f"{fmt(cmd.peak_amplitude_ua)} µA) in {fmt(dt)} s exceeds max_ramp_ua_per_s "
                f"{fmt(rate)} µA/s (allowed rise {a} µA)",
                limit="max_ramp_ua_per_s",
                channel=ch,
            )

    def record_stop(self, channel: int | None, now: float) -> None:
        """Cancel scheduled pulses after ``now`` on ``channel`` (all channels when None)."""
        self._ledger.stop(channel, now)

    def reset(self, now: float) -> None:
        """Stop everything at ``now`` and ramp every channel up from 0 µA again from ``now``.

        Called when the e-stop is re-armed.
        """
        self._ledger.stop(None, now)
        self._ramp.clear()
        self._start = float(now)
