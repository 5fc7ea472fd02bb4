"""Assertions over what a device actually did (its own records), and over a run's latency.

Each raises ``AssertionError`` whose message names the pulse or command that broke the rule,
when it happened (device time, µs), and what the device made of it. They take the records
(:class:`~neurolink.testing.records.DeviceRecords`) or anything with a ``records()`` method
(an :class:`~neurolink.testing.device.EmulatedDevice`, the fixtures' handles).
"""

from __future__ import annotations

from typing import Any, Protocol

from neurolink.testing.profile import DeviceProfile
from neurolink.testing.records import CommandRecord, DeviceRecords, PulseRecord

__all__ = [
    "assert_charge_balanced",
    "assert_latency",
    "assert_no_output_after",
    "assert_pulse_count",
    "assert_within_limits",
]

_MAX_LISTED = 5


class _HasRecords(Protocol):
    def records(self) -> DeviceRecords: ...


RecordsLike = DeviceRecords | _HasRecords


def _records(obj: RecordsLike) -> DeviceRecords:
    return obj if isinstance(obj, DeviceRecords) else obj.records()


def _fail(title: str, problems: list[str]) -> None:
    if problems:
        more = len(problems) - _MAX_LISTED
        lines = problems[:_MAX_LISTED] + ([f"... and {more} more"] if more > 0 else [])
        raise AssertionError(title + "\n  " + "\n  ".join(lines))


def _phases(d: Any) -> str:
    a1, w1 = d["amplitude_ua"], d["phase_width_us"]
    a2, w2 = d["amplitude2_ua"], d["phase_width2_us"]
    return f"phase 1 {a1 * w1} pC ({a1} µA × {w1} µs), phase 2 {a2 * w2} pC ({a2} µA × {w2} µs)"


def _pulse_name(p: PulseRecord, recs: DeviceRecords) -> str:
    cmd = recs.command_for(p)
    by = f", from {cmd.describe()}" if cmd is not None else ""
    return f"pulse #{p.index} on channel {p.channel} at device time {p.t_us} µs{by}"


def assert_charge_balanced(records: RecordsLike) -> None:
    """Every STIM the device received and every pulse it delivered has two phases of equal
    charge (amplitude × width, exactly).

    A STIM the device refused for imbalance fails too: the controller sent it.
    """
    recs = _records(records)
    problems = []
    for c in recs.of_type("STIM"):
        f = c.fields
        if f["amplitude_ua"] * f["phase_width_us"] != f["amplitude2_ua"] * f["phase_width2_us"]:
            problems.append(
                f"{c.describe()} on channel {f['channel']}: {_phases(f)} — not charge-balanced; "
                f"the device answered {c.outcome()}"
            )
    for p in recs.pulses:
        if p.charge_pc != p.charge2_pc:
            problems.append(f"{_pulse_name(p, recs)}: {_phases(p.__dict__)} — delivered unbalanced")
    _fail("charge balance broken (phase 1 charge must equal phase 2 charge):", problems)


def _stim_limits(f: dict[str, Any], profile: DeviceProfile) -> list[str]:
    """The limits of ``profile`` a STIM's fields break, in words."""
    ch = f["channel"]
    if ch >= len(profile.channels):
        return [f"channel {ch} does not exist (the device has {len(profile.channels)})"]
    lim, dev = profile.channels[ch], profile.limits
    out = []
    amp = max(f["amplitude_ua"], f["amplitude2_ua"])
    width = max(f["phase_width_us"], f["phase_width2_us"])
    charge = max(f["amplitude_ua"] * f["phase_width_us"], f["amplitude2_ua"] * f["phase_width2_us"])
    if amp > lim["max_amplitude_ua"]:
        out.append(f"amplitude {amp} µA > {lim['max_amplitude_ua']} µA (channel {ch})")
    if width > lim["max_phase_width_us"]:
        out.append(f"phase width {width} µs > {lim['max_phase_width_us']} µs (channel {ch})")
    if charge > lim["max_charge_nc"] * 1000:
        out.append(f"charge {charge / 1000:g} nC > {lim['max_charge_nc']} nC per phase")
    if f["interphase_gap_us"] > dev.get("max_interphase_gap_us", f["interphase_gap_us"]):
        out.append(f"interphase gap {f['interphase_gap_us']} µs > {dev['max_interphase_gap_us']}")
    fmax = dev.get("max_frequency_hz_x100")
    if fmax is not None and f["frequency_hz_x100"] > fmax:
        out.append(f"frequency {f['frequency_hz_x100'] / 100:g} Hz > {fmax / 100:g} Hz")
    nmax = dev.get("max_pulse_count")
    if nmax is not None and f["pulse_count"] > nmax:
        out.append(f"pulse count {f['pulse_count']} > {nmax}")
    return out


def _velocity_limits(f: dict[str, Any], profile: DeviceProfile) -> list[str]:
    dofs = profile.limits.get("dofs", [])
    v = f.get("velocities", [])
    if len(v) != len(dofs):
        return [f"{len(v)} degrees of freedom, the device has {len(dofs)}"]
    return [
        f"DoF {j}: |velocity| {abs(x):g} > {d['max_velocity']:g}"
        for j, (x, d) in enumerate(zip(v, dofs, strict=True))
        if abs(x) > d["max_velocity"]
    ]


def assert_within_limits(records: RecordsLike, profile: DeviceProfile) -> None:
    """Every output command the device received (STIM, PROSTHESIS_VELOCITY), refused ones
    included, is within ``profile``'s hard limits; so is every pulse delivered.

    The pulse-rate cap and the Shannon charge-density limit need the schedule or logarithms
    and are left to the device (its NACKs show in the commands).
    """
    recs = _records(records)
    problems = []
    for c in recs.commands:
        broken: list[str] = []
        if c.type == "STIM":
            broken = _stim_limits(c.fields, profile)
        elif c.type == "PROSTHESIS_VELOCITY":
            broken = _velocity_limits(c.fields, profile)
        if broken:
            problems.append(
                f"{c.describe()}: {'; '.join(broken)}; the device answered {c.outcome()}"
            )
    if profile.channels:
        for p in recs.pulses:
            fields = {**p.__dict__, "frequency_hz_x100": 0, "pulse_count": 1}
            broken = _stim_limits(fields, profile)
            if broken:
                problems.append(f"{_pulse_name(p, recs)} delivered: {'; '.join(broken)}")
    _fail(f"outside the limits of profile {profile.name!r} ({profile.identity}):", problems)


def _mark(t: Any) -> tuple[int, int | None]:
    """``(device time µs, records line or None)`` of a time, a record or a FaultMark."""
    if isinstance(t, dict):
        return int(t["t_us"]), t.get("i")
    if hasattr(t, "t_us"):
        i = getattr(t, "i", None)
        return int(t.t_us), (i if i is not None and i >= 0 else None)
    return int(t), None


def assert_no_output_after(records: RecordsLike, t: Any, *, what: str = "") -> None:
    """No output after ``t``: no pulse delivered, no output command (STIM,
    PROSTHESIS_VELOCITY) accepted, no prosthesis report of motion.

    Parameters
    ----------
    records : DeviceRecords or a device handle
        What the device did.
    t : FaultMark, record or int
        What the output must not follow: a :class:`~neurolink.testing.device.FaultMark` (what
        ``dev.faults.press_estop()`` returns) or a record (a ``StateRecord``, an event dict) —
        then "after" means later in the device's own order of events, which also tells apart
        events of the same device time — or a device time in µs (then: a later device time).
    what : str
        What happened at ``t``, for the message (``"the e-stop"``).
    """
    recs = _records(records)
    t0, i0 = _mark(t)
    at = f"t = {t0} µs" + (f" ({what})" if what else "")

    def after(t_us: int, i: int) -> bool:
        return i > i0 if i0 is not None and i >= 0 else t_us > t0

    problems = [
        f"{_pulse_name(p, recs)}: {p.t_us - t0} µs after {at}"
        for p in recs.pulses
        if after(p.t_us, p.i)
    ]
    problems += [
        f"{c.describe()} accepted ({c.outcome()}) {c.t_us - t0} µs after {at}"
        for c in recs.commands
        if after(c.t_us, c.i) and c.accepted and c.type in ("STIM", "PROSTHESIS_VELOCITY")
    ]
    problems += [
        f"prosthesis moving at device time {r['t_us']} µs (velocities {r['velocities']}), "
        f"{r['t_us'] - t0} µs after {at}"
        for r in recs.reports
        if after(r["t_us"], r.get("i", -1)) and any(v != 0 for v in r.get("velocities", ()))
    ]
    _fail(f"output after {at}:", problems)


def assert_pulse_count(
    records: RecordsLike,
    expected: int,
    *,
    channel: int | None = None,
    between: tuple[int, int] | None = None,
) -> None:
    """Exactly ``expected`` pulses were delivered (on ``channel``; with onsets in
    ``between = (start_us, end_us)``, end excluded)."""
    recs = _records(records)
    pulses = [
        p
        for p in recs.pulses
        if (channel is None or p.channel == channel)
        and (between is None or between[0] <= p.t_us < between[1])
    ]
    if len(pulses) == expected:
        return
    where = (f" on channel {channel}" if channel is not None else "") + (
        f" with onsets in [{between[0]}, {between[1]}) µs" if between else ""
    )
    per: dict[int, int] = {}
    for p in pulses:
        per[p.channel] = per.get(p.channel, 0) + 1
    span = f"; first at {pulses[0].t_us} µs, last at {pulses[-1].t_us} µs" if pulses else ""
    raise AssertionError(
        f"{len(pulses)} pulse(s) delivered{where}, expected {expected}; by channel "
        f"{per or '{}'}{span}"
    )


def assert_latency(
    summary: dict[str, Any],
    *,
    median_ms: float | None = None,
    p99_ms: float | None = None,
    population: str = "commands",
) -> None:
    """The run's latency (``t_wire − t_sample``, from its summary) is within the bounds.

    Parameters
    ----------
    summary : dict
        A run's summary (:meth:`neurolink.loop.session.run.Session.run`, the ``run_config``
        fixture's ``.summary``).
    median_ms, p99_ms : float, optional
        Upper bounds, ms.
    population : str
        ``"commands"`` (data to wire) or ``"blocks"`` (data to end of processing).
    """
    lat = summary.get("latency", {}).get(population)
    if lat is None:
        raise AssertionError(f"the summary has no latency of {population!r}")
    if not lat.get("n"):
        raise AssertionError(f"no {population} were measured: no latency to check")
    problems = []
    for stat, bound in (("median", median_ms), ("p99", p99_ms)):
        value = lat.get(f"{stat}_ms")
        if bound is not None and not value <= bound:
            problems.append(f"{stat} {value:.3f} ms > {bound:g} ms")
    if problems:
        raise AssertionError(
            f"{population} latency (t_wire − t_sample, closed loop, n={lat['n']}): "
            + "; ".join(problems)
            + f" (median {lat['median_ms']:.3f}, p99 {lat['p99_ms']:.3f}, max "
            f"{lat['max_ms']:.3f} ms)"
        )


def commands_of(records: RecordsLike, msg_type: str) -> list[CommandRecord]:
    """The commands of one type the device received (a helper for tests)."""
    return _records(records).of_type(msg_type)
