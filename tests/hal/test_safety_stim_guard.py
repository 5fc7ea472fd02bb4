"""StimGuard: every limit accepts its boundary value and refuses just beyond, with the message.

Times are injected (``now``) and chosen binary-exact (0.125, 0.0625 …) so that boundary values
are exact in floating point.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurolink.hal.commands import StimCommand, StimStop
from neurolink.hal.errors import SafetyError
from neurolink.hal.safety import AuditLog, ElectrodeLimits, StimGuard, StimLimits, TotalStimLimits

BASE = dict(
    area_cm2=0.001,
    max_amplitude_ua=200.0,
    max_phase_width_us=500.0,
    max_frequency_hz=300.0,
    max_charge_nc=80.0,
    max_ramp_ua_per_s=1e6,
    max_pulses_per_s=1000.0,
)


def make_guard(n: int = 4, total: float = 5000.0, start: float = -100.0, **kw: float) -> StimGuard:
    """A guard whose ramp and pulse caps are out of the way unless ``kw`` sets them."""
    e = ElectrodeLimits(**{**BASE, **kw})  # type: ignore[arg-type]
    limits = StimLimits(dict.fromkeys(range(n), e), TotalStimLimits(total), AuditLog())
    return StimGuard(limits, start_time=start)


def pulse(
    ch: int = 0, a: float = 100.0, w: float = 100.0, f: float = 10.0, n: int = 1, **kw: object
) -> StimCommand:
    return StimCommand(
        channel=ch, amplitude_ua=a, phase_width_us=w, frequency_hz=f, pulse_count=n, **kw
    )  # type: ignore[arg-type]


def refused(guard: StimGuard, cmd: StimCommand, now: float, message: str) -> SafetyError:
    with pytest.raises(SafetyError, match="^" + re.escape(message) + "$") as info:
        guard.check(cmd, now)
    return info.value


def test_amplitude_boundary() -> None:
    g = make_guard()
    g.check(pulse(a=200.0), 0.0)  # 200 µA · 100 µs = 20 nC, well inside the other limits
    e = refused(
        g,
        pulse(a=200.5),
        0.0,
        "channel 0: phase-1 amplitude 200.5 µA exceeds max_amplitude_ua 200 µA",
    )
    assert e.limit == "max_amplitude_ua" and e.channel == 0
    # phase 2 is checked too: 100 µA · 200 µs balanced by 200.5 µA · 99.75… µs
    refused(
        g,
        pulse(a=100.0, w=200.0, second_amplitude_ua=200.5),
        0.0,
        "channel 0: phase-2 amplitude 200.5 µA exceeds max_amplitude_ua 200 µA",
    )


def test_amplitude_message_shows_enough_digits() -> None:
    refused(
        make_guard(),
        pulse(a=200.0001),
        0.0,
        "channel 0: phase-1 amplitude 200.0001 µA exceeds max_amplitude_ua 200 µA",
    )


def test_phase_width_boundary() -> None:
    g = make_guard()
    g.check(pulse(a=100.0, w=500.0), 0.0)  # 50 nC
    refused(
        g,
        pulse(a=100.0, w=500.5),
        0.0,
        "channel 0: phase-1 width 500.5 µs exceeds max_phase_width_us 500 µs",
    )
    refused(
        g,
        pulse(a=100.0, w=250.0, second_width_us=501.0),
        0.0,
        "channel 0: phase-2 width 501 µs exceeds max_phase_width_us 500 µs",
    )


def test_frequency_boundary() -> None:
    g = make_guard()
    g.check(pulse(f=300.0), 0.0)
    refused(g, pulse(f=300.5), 0.0, "channel 0: frequency 300.5 Hz exceeds max_frequency_hz 300 Hz")


def test_charge_per_phase_boundary() -> None:
    g = make_guard()
    g.check(pulse(a=160.0, w=500.0), 0.0)  # 160 · 500 / 1000 = 80 nC = the limit
    refused(
        g,
        pulse(a=160.2, w=500.0),
        0.0,  # 80.1 nC
        "channel 0: charge 80.1 nC/phase exceeds max_charge_nc 80 nC/phase",
    )


def test_unbalanced_biphasic_refused() -> None:
    g = make_guard(balance_tolerance_nc=0.5)
    # Q1 = 100 µA · 100 µs = 10 nC; Q2 = 100 µA · 105 µs = 10.5 nC → |ΔQ| = 0.5 nC = tolerance
    g.check(pulse(second_amplitude_ua=100.0, second_width_us=105.0), 0.0)
    # Q2 = 100 · 105.5 / 1000 = 10.55 nC → |ΔQ| = 0.55 nC
    e = refused(
        g,
        pulse(second_amplitude_ua=100.0, second_width_us=105.5),
        0.0,
        "channel 0: charge imbalance |Q1 − Q2| = 0.55 nC (Q1 10 nC, Q2 10.55 nC) "
        "exceeds balance_tolerance_nc 0.5 nC; only charge-balanced biphasic pulses "
        "are allowed",
    )
    assert e.limit == "balance_tolerance_nc"
    # asymmetric but balanced (second phase solved from Q1 = Q2) is fine
    g.check(pulse(second_width_us=400.0), 0.0)  # 25 µA · 400 µs = 10 nC


def test_default_tolerance_refuses_small_imbalance() -> None:
    g = make_guard()  # balance_tolerance_nc = 0.01 nC (10 pC)
    # Q2 = 100 · 100.2 / 1000 = 10.02 nC → 0.02 nC > 0.01 nC
    with pytest.raises(SafetyError, match=r"charge imbalance \|Q1 − Q2\| = 0.02 nC"):
        g.check(pulse(second_amplitude_ua=100.0, second_width_us=100.2), 0.0)


SHANNON = dict(max_amplitude_ua=5000.0, max_phase_width_us=2000.0, max_charge_nc=10_000.0)


def test_shannon_refusal_message_by_hand() -> None:
    g = make_guard(**SHANNON)  # area 0.001 cm², k = 1.5
    # Q = 10 nC (100 µA · 100 µs), D = 10 µC/cm²: log10 D + log10 Q = 1 − 2 = −1 < 1.5 → accept
    g.check(pulse(a=100.0, w=100.0), 0.0)
    # Q = 200 µA · 1000 µs = 200 nC = 0.2 µC, D = 0.2 / 0.001 = 200 µC/cm²
    # log10(200) + log10(0.2) = 2.30103 − 0.69897 = 1.60206 ≥ 1.5 → refuse
    # electrode maxima: Q_max = sqrt(10^1.5 · 0.001) µC = 177.8 nC; D_max = 177.8 µC/cm²
    e = refused(
        g,
        pulse(a=200.0, w=1000.0),
        0.0,
        "channel 0: charge density 200 µC/cm² at 200 nC/phase violates Shannon k=1.5: "
        "log10(D) + log10(Q) = 1.602 >= 1.5 (limit at area 0.001 cm²: D < 177.8 µC/cm², "
        "Q < 177.8 nC/phase)",
    )
    assert e.limit == "shannon_k"
    # 177 nC (177 µA · 1000 µs) is just inside: 2·log10(0.177) + 3 = 1.49594 < 1.5
    g.check(pulse(a=177.0, w=1000.0), 1.0)  # 1 s later: ramp allows it


def test_shannon_exact_boundary_is_refused() -> None:
    g = make_guard(area_cm2=0.01, shannon_k=2.0, **SHANNON)
    # Q_max = sqrt(10² · 0.01) µC = 1 µC = 1000 nC. 999 µA · 1000 µs = 999 nC: index 1.99913
    g.check(pulse(a=999.0, w=1000.0), 0.0)
    # 1000 µA · 1000 µs = 1000 nC, D = 100 µC/cm²: 2 + 0 = 2, not < 2 → refused (strict)
    refused(
        g,
        pulse(a=1000.0, w=1000.0),
        0.0,
        "channel 0: charge density 100 µC/cm² at 1000 nC/phase violates Shannon k=2: "
        "log10(D) + log10(Q) = 2 >= 2 (limit at area 0.01 cm²: D < 100 µC/cm², "
        "Q < 1000 nC/phase)",
    )


def test_ramp_rate() -> None:
    g = make_guard(start=0.0, max_ramp_ua_per_s=1000.0)
    # from 0 µA at t = 0: at t = 0.125 s the rise may be 1000 · 0.125 = 125 µA
    refused(
        g,
        pulse(a=125.5),
        0.125,
        "channel 0: amplitude rise 125.5 µA (from 0 to 125.5 µA) in 0.125 s exceeds "
        "max_ramp_ua_per_s 1000 µA/s (allowed rise 125 µA)",
    )
    g.check(pulse(a=125.0), 0.125)
    # 0.0625 s later: + 62.5 µA → 187.5 µA accepted, 187.6 refused
    refused(
        g,
        pulse(a=187.6),
        0.1875,
        "channel 0: amplitude rise 62.6 µA (from 125 to 187.6 µA) in 0.0625 s exceeds "
        "max_ramp_ua_per_s 1000 µA/s (allowed rise 62.5 µA)",
    )
    g.check(pulse(a=187.5), 0.1875)
    assert g.ramp_reference(0) == (187.5, 0.1875)
    g.check(pulse(a=10.0), 0.1875)  # decreases are always allowed
    # other channels ramp on their own: channel 1 is still at 0 µA since t = 0
    g.check(pulse(ch=1, a=187.5), 0.1875)


def test_ramp_uses_peak_phase_and_stop_keeps_reference() -> None:
    g = make_guard(start=0.0, max_ramp_ua_per_s=1000.0)
    # peak phase 100 µA (phase 2) at t = 0.0625 needs 100 ≤ 62.5 → refused
    with pytest.raises(SafetyError, match=r"amplitude rise 100 µA \(from 0 to 100 µA\)"):
        g.check(pulse(a=50.0, w=200.0, second_amplitude_ua=100.0), 0.0625)
    g.check(pulse(a=50.0), 0.0625)
    g.check(StimStop(0), 0.0625)
    assert g.ramp_reference(0) == (50.0, 0.0625)


def test_reset_restarts_ramp_from_zero() -> None:
    g = make_guard(start=0.0, max_ramp_ua_per_s=1000.0)
    g.check(pulse(a=100.0), 1.0)
    g.reset(2.0)
    assert g.ramp_reference(0) == (0.0, 2.0)
    with pytest.raises(SafetyError, match=r"allowed rise 62\.5 µA"):
        g.check(pulse(a=100.0), 2.0625)


def test_pulses_per_second_sliding_window() -> None:
    g = make_guard(max_pulses_per_s=10.0)
    for k in range(10):  # single pulses at 0, 0.1, …, 0.9 s: 10 in [0, 1)
        g.check(pulse(), k / 10)
    refused(
        g,
        pulse(),
        0.95,
        "channel 0: pulse rate 11 pulses in a 1 s window exceeds max_pulses_per_s 10",
    )
    # at t = 1.0 the window [0, 1) no longer holds it; [0.1, 1.1) holds 0.1 … 1.0 = 10
    g.check(pulse(), 1.0)
    refused(
        g,
        pulse(),
        1.05,
        "channel 0: pulse rate 11 pulses in a 1 s window exceeds max_pulses_per_s 10",
    )
    g.check(pulse(ch=1), 1.05)  # the cap is per channel


def test_train_counts_all_its_pulses() -> None:
    g = make_guard(max_pulses_per_s=10.0)
    g.check(pulse(f=10.0, n=100), 0.0)  # 10 Hz for 10 s: exactly 10 in every window
    refused(
        g,
        pulse(),
        5.0,  # any extra pulse while the train runs is the 11th
        "channel 0: pulse rate 11 pulses in a 1 s window exceeds max_pulses_per_s 10",
    )
    # 11 Hz: onsets 0, 1/11, …, 10/11 s → 11 within [0, 1)
    refused(
        g,
        pulse(ch=1, f=11.0, n=20),
        0.0,
        "channel 1: pulse rate 11 pulses in a 1 s window exceeds max_pulses_per_s 10",
    )
    g.check(pulse(ch=1, f=11.0, n=10), 0.0)  # only 10 pulses: fine


def test_stop_cancels_remaining_pulses() -> None:
    g = make_guard(max_pulses_per_s=10.0)
    g.check(pulse(f=10.0, n=100), 0.0)
    with pytest.raises(SafetyError, match="pulse rate 20 pulses"):
        g.check(pulse(f=10.0, n=10), 0.5)  # 0.5 … 0.9 + train's 0 … 0.9 (+ 1.0 … 1.4)
    g.check(StimStop(0), 0.45)  # keeps onsets 0 … 0.4 (5 pulses)
    g.check(pulse(f=10.0, n=10), 0.5)  # [0, 1): 5 + 5 = 10


def test_total_pulses_per_second() -> None:
    g = make_guard(total=15.0, max_pulses_per_s=10.0)
    g.check(pulse(ch=0, f=10.0, n=10), 0.0)
    g.check(pulse(ch=1, f=10.0, n=5), 0.0)  # 15 in [0, 1) over all channels
    e = refused(
        g,
        pulse(ch=2),
        0.5,
        "channel 2: total pulse rate 16 pulses in a 1 s window over all channels "
        "exceeds max_total_pulses_per_s 15",
    )
    assert e.limit == "max_total_pulses_per_s"
    g.check(pulse(ch=2), 1.5)  # channel 1 ended at 0.4, channel 0 at 0.9


def test_unknown_channel_and_refusal_does_not_commit() -> None:
    g = make_guard(n=2, start=0.0, max_ramp_ua_per_s=1000.0)
    refused(g, pulse(ch=7), 0.0, "channel 7: no such channel (stimulator has [0, 1])")
    with pytest.raises(SafetyError):
        g.check(pulse(a=500.0), 1.0)
    assert g.ramp_reference(0) == (0.0, 0.0)


def test_limits_are_read_live() -> None:
    g = make_guard()
    g.limits.lower_limit("max_amplitude_ua", 50.0, key=0)
    with pytest.raises(SafetyError, match="max_amplitude_ua 50 µA"):
        g.check(pulse(a=60.0), 0.0)
    g.check(pulse(ch=1, a=60.0), 0.0)


@settings(max_examples=60, deadline=None)
@given(f=st.integers(1, 300), n=st.integers(1, 2000), start=st.floats(0.0, 1e5))
def test_integer_frequency_train_fits_a_cap_equal_to_it(f: int, n: int, start: float) -> None:
    # f Hz has exactly f onsets in every 1 s window, whatever the float rounding of i / f
    g = make_guard(max_pulses_per_s=float(f), start=start - 100.0)
    g.check(pulse(a=10.0, w=50.0, f=float(f), n=n), start)


@settings(max_examples=60, deadline=None)
@given(gaps=st.lists(st.integers(1, 400), min_size=1, max_size=40), cap=st.integers(1, 6))
def test_single_pulses_match_brute_force(gaps: list[int], cap: int) -> None:
    # times on a 1/256 s grid (exact); reference: an accepted pulse at t must leave every
    # window [s, s + 1) with at most `cap` onsets
    g = make_guard(max_pulses_per_s=float(cap))
    accepted: list[float] = []
    t = 0.0
    for gap in gaps:
        t += gap / 256
        trial = [*accepted, t]
        expect = all(sum(1 for x in trial if s <= x < s + 1.0) <= cap for s in trial)
        try:
            g.check(pulse(a=10.0, w=50.0), t)
            ok = True
        except SafetyError:
            ok = False
        assert ok == expect, (t, accepted)
        if ok:
            accepted.append(t)
