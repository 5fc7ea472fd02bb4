"""The host clock and epoch conversion."""

from __future__ import annotations

import time

import numpy as np
import pylsl
import pytest

from neurolink import clock
from neurolink.clock import EpochClock, measure_epoch_offset, now


def test_now_is_pylsl_local_clock_and_monotonic() -> None:
    a = now()
    b = pylsl.local_clock()
    c = now()
    assert a <= b <= c


def test_epoch_offset_converts_time_time_to_host_clock() -> None:
    clock = EpochClock()
    host_before = now()
    epoch = time.time()
    host_after = now()
    converted = float(clock.to_host(np.array([epoch]))[0])
    # the converted epoch stamp lands inside the host bracket (plus the offset's uncertainty
    # and a generous 5 ms for scheduling)
    tol = clock.history[-1].uncertainty + 5e-3
    assert host_before - tol <= converted <= host_after + tol


def test_offset_is_remeasured_and_recorded() -> None:
    clock = EpochClock(remeasure_interval=0.01)
    assert not clock.maybe_remeasure() or len(clock.history) == 2
    time.sleep(0.02)
    assert clock.maybe_remeasure()
    records = clock.as_records()
    assert len(records) == len(clock.history) >= 2
    assert records[-1]["host_time"] > records[0]["host_time"]
    assert abs(records[-1]["offset"] - records[0]["offset"]) < 0.05


def test_measurement_bracket_is_small() -> None:
    m = measure_epoch_offset()
    assert 0 <= m.uncertainty < 0.01


def test_bad_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="remeasure_interval"):
        EpochClock(remeasure_interval=0)


def test_now_reads_liblsl_clock_bracketed_by_two_reads() -> None:
    for pause in (0.0, 0.01, 0.05):
        time.sleep(pause)
        a = pylsl.local_clock()
        b = now()
        c = pylsl.local_clock()
        assert a <= b <= c


def test_a_clock_other_than_liblsl_is_not_taken_for_it() -> None:
    assert not clock._reads_liblsl_clock(lambda: time.monotonic() + 1e-3)  # 1 ms off
    assert not clock._reads_liblsl_clock(time.time)  # the epoch clock
    assert clock._reads_liblsl_clock(pylsl.local_clock)
