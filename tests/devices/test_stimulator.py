"""The emulated stimulator: trains in device time, its own hard limits, stop, port close."""

from __future__ import annotations

import itertools
import time

import pytest

from neurolink.hal import wire
from tests.devices._client import nack, wait_until

S, L = wire.Status, wire.Limit


def _armed(c) -> None:
    c.ack(wire.Arm())
    c.ack(wire.Heartbeat())


def test_pulses_are_logged_one_period_apart(stim):
    _, c = stim
    _armed(c)
    t0 = c.device_time_us()
    c.ack(wire.Stim.symmetric(12, 1000, 100, 20000, 20, interphase_gap_us=50))  # 200 Hz
    t1 = c.device_time_us()
    wait_until(lambda: c.pulse_total() == 20)
    pulses = c.pulse_log()
    onsets = [p.device_time_us for p in pulses]
    assert t0 <= onsets[0] <= t1
    assert [b - a for a, b in itertools.pairwise(onsets)] == [5000] * 19
    assert {
        (
            p.channel,
            p.amplitude_ua,
            p.phase_width_us,
            p.interphase_gap_us,
            p.amplitude2_ua,
            p.phase_width2_us,
        )
        for p in pulses
    } == {(12, 1000, 100, 50, 1000, 100)}


def test_a_period_that_is_not_whole_microseconds_does_not_drift(stim):
    _, c = stim
    _armed(c)
    c.ack(wire.Stim.symmetric(13, 1000, 100, 13000, 40))  # 130 Hz: 7692.3 µs
    wait_until(lambda: c.pulse_total() == 40)
    onsets = [p.device_time_us for p in c.pulse_log()]
    assert [t - onsets[0] for t in onsets] == [k * 100_000_000 // 13000 for k in range(40)]


def _stim(
    ch: int,
    a: int,
    w: int,
    f_x100: int = 10000,
    n: int = 1,
    gap: int = 0,
    a2: int | None = None,
    w2: int | None = None,
) -> wire.Stim:
    return wire.Stim(
        ch,
        wire.Polarity.CATHODIC_FIRST,
        a,
        w,
        gap,
        a if a2 is None else a2,
        w if w2 is None else w2,
        f_x100,
        n,
    )


# Shipped profile: ch 0-7 micro (100 µA, 400 µs, 4 nC, 2,000 µm²), ch 8-11 (1,000 µA, 500 µs,
# 100 nC, 20,000 µm²: Shannon bound 79.5 nC at k = 1.5), ch 12-15 (5,000 µA, 1,000 µs, 200 nC);
# device-wide gap 500 µs, 500 Hz, 100,000 pulses per train.
REFUSED = [
    (_stim(16, 10, 100), L.CHANNEL, 16),
    (_stim(0, 101, 10), L.AMPLITUDE, 0),
    (_stim(0, 10, 401), L.PHASE_WIDTH, 0),
    (_stim(0, 10, 100, a2=101, w2=10), L.AMPLITUDE, 0),  # phase 2 counts too
    (_stim(12, 100, 100, gap=501), L.INTERPHASE_GAP, 12),
    (_stim(12, 100, 100, f_x100=50001), L.FREQUENCY, 12),
    (_stim(12, 100, 100, f_x100=0), L.FREQUENCY, 12),
    (_stim(12, 100, 1000, f_x100=50000, gap=500), L.FREQUENCY, 12),  # 2.5 ms pulse, 2 ms period
    (_stim(12, 100, 100, n=0), L.PULSE_COUNT, 12),
    (_stim(12, 100, 100, n=100_001), L.PULSE_COUNT, 12),
    (_stim(0, 100, 41), L.CHARGE_PER_PHASE, 0),  # 4.1 nC > 4 nC
    (_stim(12, 1000, 201), L.CHARGE_PER_PHASE, 12),  # 201 nC > 200 nC
    (_stim(8, 400, 200), L.CHARGE_DENSITY, 8),  # 80 nC: over Shannon, under 100 nC
    (_stim(12, 1000, 100, a2=1000, w2=99), L.CHARGE_BALANCE, 12),  # 100 nC vs 99 nC
]


@pytest.mark.parametrize(("stim_msg", "limit", "channel"), REFUSED, ids=lambda v: str(v)[:40])
def test_device_refuses_each_hard_limit_itself(stim, stim_msg, limit, channel):
    _, c = stim
    _armed(c)
    assert nack(S.OUT_OF_LIMITS, wire.limit_detail(limit, channel))(c.command(stim_msg))
    assert c.pulse_total() == 0


def test_limits_are_inclusive_except_shannon(stim):
    _, c = stim
    _armed(c)
    for msg in (
        _stim(0, 100, 40),  # 100 µA, 4 nC: both at their limits
        _stim(0, 10, 400),
        _stim(8, 397, 200),  # 79.4 nC: just under the Shannon bound
        _stim(12, 1000, 200, f_x100=50000, gap=500, a2=500, w2=400),  # asymmetric, balanced
        _stim(12, 10, 10, n=100_000),
    ):
        c.ack(msg)
    c.ack(wire.StimStop())


def test_unarmed_stim_is_refused_before_its_limits(stim):
    _, c = stim
    assert nack(S.NOT_ARMED)(c.command(_stim(16, 10, 100)))


def test_pulse_rate_cap_counts_every_channel(stim):
    _, c = stim
    _armed(c)
    for ch in (12, 13, 14, 15):  # 4 x 500 Hz = the 2,000 pulses/s cap
        c.ack(_stim(ch, 100, 100, f_x100=50000, n=5000))
    assert nack(S.OUT_OF_LIMITS, wire.limit_detail(L.PULSE_RATE, 8))(
        c.command(_stim(8, 100, 100, f_x100=100, n=5))
    )
    c.ack(_stim(12, 100, 100, f_x100=49000, n=5000))  # replacing a train frees its share
    c.ack(wire.StimStop(wire.ALL_CHANNELS))
    c.ack(_stim(8, 100, 100, f_x100=100, n=5))


def test_stim_stop_cancels_the_rest_of_the_train(stim):
    _, c = stim
    _armed(c)
    c.ack(_stim(12, 1000, 100, f_x100=10000, n=1000))  # 100 Hz for 10 s
    c.ack(_stim(13, 1000, 100, f_x100=10000, n=1000))
    wait_until(lambda: c.pulse_total() >= 6)
    c.ack(wire.StimStop(12))
    t_stop = c.device_time_us()
    wait_until(lambda: sum(p.channel == 13 for p in c.pulse_log()) >= 10)  # 13 runs on
    c.ack(wire.StimStop(wire.ALL_CHANNELS))
    t_all = c.device_time_us()
    n = c.pulse_total()
    time.sleep(0.1)
    pulses = c.pulse_log()
    assert len(pulses) == n
    assert max(p.device_time_us for p in pulses if p.channel == 12) <= t_stop
    assert max(p.device_time_us for p in pulses if p.channel == 13) <= t_all


def test_a_new_train_replaces_the_one_on_its_channel(stim):
    _, c = stim
    _armed(c)
    c.ack(_stim(12, 1000, 100, n=1000))
    wait_until(lambda: c.pulse_total() >= 2)
    c.ack(_stim(12, 2000, 50, n=3))
    wait_until(lambda: sum(p.amplitude_ua == 2000 for p in c.pulse_log()) == 3)
    time.sleep(0.1)
    pulses = c.pulse_log()
    first = [p.device_time_us for p in pulses if p.amplitude_ua == 1000]
    second = [p.device_time_us for p in pulses if p.amplitude_ua == 2000]
    assert len(second) == 3 and max(first) <= min(second)
    assert pulses[-1].amplitude_ua == 2000  # nothing of the old train after the new one ended


def test_closing_the_port_mid_train_stops_it(start_device, tmp_path):
    log = tmp_path / "pulses.csv"
    proc, c = start_device("devices.stimulator", "--pulse-log", str(log))
    _armed(c)
    c.ack(_stim(12, 1000, 100, f_x100=10000, n=1000))  # 10 s
    wait_until(lambda: c.pulse_total() >= 3)
    c.close()  # the cable is pulled
    assert proc.wait(10) == 0
    err = proc.stderr()
    assert "stopped (port-closed)" in err
    lines = log.read_text().splitlines()
    pulses = [ln for ln in lines[1:] if not ln.startswith("#")]
    stops = [ln for ln in lines if ln.startswith("# stop")]
    assert len(stops) == 1 and "reason=port-closed" in stops[0]
    stop_time = int(stops[0].split("device_time_us=")[1].split()[0])
    cancelled = int(stops[0].split("cancelled=")[1])
    assert 3 <= len(pulses) < 1000 and len(pulses) + cancelled == 1000
    assert max(int(p.split(",")[0]) for p in pulses) <= stop_time
    assert f"{len(pulses)} pulse(s) delivered in all" in err


def test_pulse_log_pages_by_index(stim):
    _, c = stim
    _armed(c)
    c.ack(_stim(12, 1000, 100, f_x100=50000, n=120))
    wait_until(lambda: c.pulse_total() == 120)
    page = c.command(wire.PulseLogQuery(100, 50))
    assert isinstance(page, wire.PulseLog)
    assert (page.total, page.first_index, len(page.pulses)) == (120, 100, 20)
    whole = c.pulse_log()
    assert list(page.pulses) == whole[100:]
    beyond = c.command(wire.PulseLogQuery(500, 50))
    assert isinstance(beyond, wire.PulseLog)
    assert (beyond.first_index, beyond.pulses) == (120, ())
