"""E-stop: latch until an explicit re-arm, recorded; stop callbacks all run, errors surface."""

from __future__ import annotations

import threading

import pytest

from neurolink.hal.commands import ProsthesisCommand, SpikeInput, StimCommand, StimStop
from neurolink.hal.errors import EStopError, StopCallbackError
from neurolink.hal.safety import AuditLog, EStop, Event, StormTrip


class Clock:
    """Injected host clock."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


STIM = StimCommand(0, 10.0, 100.0, 10.0)


def make() -> tuple[EStop, AuditLog, Clock]:
    clock = Clock(5.0)
    audit = AuditLog(clock=clock)
    return EStop(audit, clock=clock), audit, clock


def test_latch_and_rearm_recorded() -> None:
    estop, audit, clock = make()
    estop.check(STIM)
    estop.trip("operator pressed the button")
    assert estop.tripped
    info = estop.trip_info
    assert info is not None and info.reason == "operator pressed the button"
    assert info.source == "operator" and info.time == 5.0
    clock.t = 9.0
    for c in (STIM, SpikeInput(0, [1]), ProsthesisCommand((0.1,)), None):
        with pytest.raises(
            EStopError,
            match=r"^e-stop latched since t=5.000 s by operator: "
            r"operator pressed the button; re-arm",
        ):
            estop.check(c)
    # stops always pass
    estop.check(StimStop())
    estop.check(ProsthesisCommand.stop(2))
    assert estop.tripped  # still latched, whatever time passes
    with pytest.raises(ValueError, match="non-empty reason"):
        estop.rearm("")
    clock.t = 12.0
    estop.rearm("electrode impedance checked")
    assert not estop.tripped and estop.trip_info is None
    estop.check(STIM)
    trip, rearm = audit.records
    assert (trip.event, trip.reason, trip.time) == (
        "ESTOP_TRIP",
        "operator pressed the button",
        5.0,
    )
    assert trip.detail == {"source": "operator", "already_tripped": False}
    assert (rearm.event, rearm.reason, rearm.time) == (
        "ESTOP_REARM",
        "electrode impedance checked",
        12.0,
    )
    assert rearm.detail["was_tripped"] is True
    assert rearm.detail["trip_reason"] == "operator pressed the button"


def test_second_trip_keeps_first_info_and_calls_stops_again() -> None:
    estop, audit, clock = make()
    calls: list[str] = []
    estop.register_stop(lambda: calls.append("stim"), name="stim")
    estop.trip("first", source="watchdog")
    clock.t = 6.0
    estop.trip("second", source="deadline")
    assert calls == ["stim", "stim"]
    assert estop.trip_info is not None and estop.trip_info.reason == "first"
    assert [r.detail["already_tripped"] for r in audit.select(event=Event.ESTOP_TRIP)] == [
        False,
        True,
    ]


def test_callback_errors_collected_recorded_and_raised() -> None:
    estop, audit, _ = make()
    calls: list[str] = []

    def ok() -> None:
        calls.append("ok")

    def broken_port() -> None:
        calls.append("broken")
        raise OSError("port closed")

    def broken_lsl() -> None:
        calls.append("lsl")
        raise RuntimeError("outlet gone")

    estop.register_stop(broken_port, name="stimulator")
    estop.register_stop(ok, name="prosthesis")
    estop.register_stop(broken_lsl, name="lsl")
    with pytest.raises(StopCallbackError) as info:
        estop.trip("test")
    assert calls == ["broken", "ok", "lsl"]  # every callback ran
    err = info.value
    assert [n for n, _ in err.errors] == ["stimulator", "lsl"]
    assert isinstance(err.__cause__, OSError)
    assert str(err) == (
        "e-stop tripped (test) but 2 stop callback(s) failed: stimulator: "
        "OSError('port closed'); lsl: RuntimeError('outlet gone')"
    )
    assert estop.tripped  # the latch holds even though callbacks failed
    recs = audit.select(event=Event.ESTOP_CALLBACK_ERROR)
    assert [r.detail["callback"] for r in recs] == ["stimulator", "lsl"]
    assert recs[0].reason == "stimulator: OSError('port closed')"


def test_keyboard_interrupt_in_callback_reraised_after_all_ran() -> None:
    estop, _, _ = make()
    calls: list[str] = []

    def interrupted() -> None:
        raise KeyboardInterrupt

    estop.register_stop(interrupted, name="a")
    estop.register_stop(lambda: calls.append("b"), name="b")
    with pytest.raises(KeyboardInterrupt):
        estop.trip("ctrl-c")
    assert calls == ["b"] and estop.tripped


def test_unregister_and_rearm_listener() -> None:
    estop, _, clock = make()
    calls: list[str] = []

    def cb() -> None:
        calls.append("x")

    estop.register_stop(cb)
    estop.unregister_stop(cb)
    seen: list[float] = []
    estop.on_rearm(seen.append)
    estop.trip("t")
    clock.t = 7.5
    estop.rearm("ok")
    assert calls == [] and seen == [7.5]


def test_concurrent_trips_latch_once_and_call_every_time() -> None:
    estop, audit, _ = make()
    count = 0
    lock = threading.Lock()

    def cb() -> None:
        nonlocal count
        with lock:
            count += 1

    estop.register_stop(cb)
    barrier = threading.Barrier(8)

    def worker(i: int) -> None:
        barrier.wait()
        estop.trip(f"thread {i}", source="test")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert count == 8
    trips = audit.select(event=Event.ESTOP_TRIP)
    assert len(trips) == 8
    assert sum(not r.detail["already_tripped"] for r in trips) == 1


def test_storm_trip_sliding_window() -> None:
    estop, _, _ = make()
    storm = StormTrip(estop, max_events=3, window_s=1.0)
    assert not storm.record(0.0) and not storm.record(0.25) and not storm.record(0.5)
    assert not estop.tripped
    assert storm.record(0.75, "loop 12 ms late")  # 4 misses within 1 s > 3
    info = estop.trip_info
    assert info is not None and info.source == "storm"
    assert info.reason == "4 deadline miss events within 1 s exceed 3 (latest: loop 12 ms late)"


def test_storm_spaced_events_never_trip() -> None:
    estop, _, _ = make()
    storm = StormTrip(estop, max_events=1, window_s=1.0)
    for k in range(20):
        assert not storm.record(float(k))  # one per second: the previous one left the window
    assert not estop.tripped
