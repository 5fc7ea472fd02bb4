"""A closed driver leaves the session's e-stop: two drivers on real ptys share one e-stop; the
first is closed (as the send-path benchmark closes its prosthesis before the stimulator runs);
a later trip must not call the closed driver's stop (its link is not open: the trip used to
fail with ``StopCallbackError`` "link is not open") and must reach the live device."""

from __future__ import annotations

from neurolink.hal.commands import ProsthesisCommand
from neurolink.hal.drivers import ProsthesisDriver, StimulatorDriver
from neurolink.hal.safety import AuditLog, EStop, Event
from neurolink.testing import EmulatedDevice


def test_a_trip_after_a_driver_closed_stops_the_others_without_error(
    emulated_stimulator: EmulatedDevice, emulated_prosthesis: EmulatedDevice
) -> None:
    audit = AuditLog()
    estop = EStop(audit)
    with ProsthesisDriver(emulated_prosthesis.port, estop=estop, audit=audit) as arm:
        arm.arm()
        arm.wait_state()
        arm.send(ProsthesisCommand((0.001, 0.0)))
    with StimulatorDriver(emulated_stimulator.port, estop=estop, audit=audit) as stim:
        stim.arm()
        estop.trip("operator test", source="operator")  # raised StopCallbackError before
        assert stim.status().state.name == "ESTOPPED"  # the live device got its ESTOP
    events = [r.event for r in audit.records]
    assert Event.ESTOP_TRIP.value in events
    assert Event.ESTOP_CALLBACK_ERROR.value not in events
