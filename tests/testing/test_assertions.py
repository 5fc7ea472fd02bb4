"""The assertions on hand-made records: what passes, and what each message names."""

from __future__ import annotations

import pytest

from neurolink.testing import (
    DeviceProfile,
    DeviceRecords,
    assert_charge_balanced,
    assert_latency,
    assert_no_output_after,
    assert_pulse_count,
    assert_within_limits,
)

PROFILE = DeviceProfile(
    "stimulator",
    "stimulator",
    "test stim",
    "1.0.0",
    500,
    {"max_interphase_gap_us": 500, "max_frequency_hz_x100": 50_000, "max_pulse_count": 1000},
    ({"max_amplitude_ua": 100, "max_phase_width_us": 400, "max_charge_nc": 4},),
)


def _stim(t, seq, a1=20, w1=100, a2=20, w2=100, reply="ACK", status="OK", **kw):
    fields = {
        "channel": 0,
        "amplitude_ua": a1,
        "phase_width_us": w1,
        "interphase_gap_us": 0,
        "amplitude2_ua": a2,
        "phase_width2_us": w2,
        "frequency_hz_x100": 10_000,
        "pulse_count": 3,
    } | kw
    return {
        "kind": "command",
        "t_us": t,
        "seq": seq,
        "type": "STIM",
        "fields": fields,
        "reply": reply,
        "status": status,
        "detail": 0,
    }


def _pulse(t, index, a1=20, w1=100, a2=20, w2=100):
    return {
        "kind": "pulse",
        "t_us": t,
        "index": index,
        "channel": 0,
        "amplitude_ua": a1,
        "phase_width_us": w1,
        "interphase_gap_us": 0,
        "amplitude2_ua": a2,
        "phase_width2_us": w2,
        "polarity": "CATHODIC_FIRST",
    }


def _records(*events):
    r = DeviceRecords()
    for e in events:
        r._add(dict(e))
    return r


def test_balanced_records_pass_and_an_unbalanced_pulse_is_named():
    assert_charge_balanced(_records(_stim(0, 3), _pulse(0, 0)))
    bad = _records(_stim(0, 3), _pulse(0, 0), _pulse(10_000, 1, a2=10))
    with pytest.raises(AssertionError) as e:
        assert_charge_balanced(bad)
    assert (
        "pulse #1 on channel 0 at device time 10000 µs, from STIM seq 3 (command #1 at "
        "device time 0 µs): phase 1 2000 pC (20 µA × 100 µs), phase 2 1000 pC (10 µA × 100 "
        "µs) — delivered unbalanced"
    ) in str(e.value)


def test_within_limits_names_each_broken_limit():
    assert_within_limits(_records(_stim(0, 3)), PROFILE)
    with pytest.raises(AssertionError) as e:  # 200 µA × 50 µs = 10 nC > 4 nC; 200 > 100 µA
        assert_within_limits(
            _records(_stim(5, 4, 200, 50, 200, 50, "NACK", "OUT_OF_LIMITS")), PROFILE
        )
    msg = str(e.value)
    assert "STIM seq 4 (command #1 at device time 5 µs)" in msg
    assert "amplitude 200 µA > 100 µA (channel 0)" in msg
    assert "charge 10 nC > 4 nC per phase" in msg
    assert "the device answered NACK OUT_OF_LIMITS" in msg


def test_no_output_after_uses_time_or_the_device_order():
    recs = _records(
        _stim(0, 3), _pulse(0, 0), {"kind": "injected", "t_us": 10, "fault": "estop"}, _pulse(10, 1)
    )
    assert_no_output_after(recs, 10)  # by device time: the pulse at 10 µs is not later
    with pytest.raises(AssertionError, match=r"pulse #1 .* 0 µs after t = 10 µs \(e-stop\)"):
        assert_no_output_after(recs, recs.injected[0], what="e-stop")  # by order: it is


def test_pulse_count_says_what_it_found():
    recs = _records(_stim(0, 3), _pulse(0, 0), _pulse(10_000, 1))
    assert_pulse_count(recs, 2)
    assert_pulse_count(recs, 1, between=(5_000, 20_000))
    with pytest.raises(
        AssertionError,
        match=r"2 pulse\(s\) delivered on channel 0, expected 3; "
        r"by channel \{0: 2\}; first at 0 µs, last at 10000 µs",
    ):
        assert_pulse_count(recs, 3, channel=0)


def test_latency_bounds():
    summary = {"latency": {"commands": {"n": 40, "median_ms": 1.5, "p99_ms": 4.0, "max_ms": 6.0}}}
    assert_latency(summary, median_ms=2.0, p99_ms=4.0)
    with pytest.raises(AssertionError, match=r"p99 4.000 ms > 3 ms"):
        assert_latency(summary, median_ms=2.0, p99_ms=3.0)
    with pytest.raises(AssertionError, match="no commands were measured"):
        assert_latency({"latency": {"commands": {"n": 0}}}, median_ms=1.0)
