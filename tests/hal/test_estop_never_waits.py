"""The e-stop never waits, refused trains give their pulses back, and the host checks every limit
the device advertises (issue 13, finding 3). Real emulators on real ptys.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from neurolink.clock import now
from neurolink.hal import wire
from neurolink.hal.commands import StimCommand, StimStop
from neurolink.hal.drivers import StimulatorDriver
from neurolink.hal.emulate import Emulator
from neurolink.hal.errors import CommandError, NackError, SafetyError

PROFILES = Path(__file__).resolve().parents[2] / "devices" / "profiles"
BIG = 3_000_000


@pytest.fixture
def big_profile(tmp_path: Path) -> str:
    """The stimulator profile with trains of up to 3·10⁶ pulses."""
    text = (PROFILES / "stimulator.toml").read_text(encoding="utf-8")
    path = tmp_path / "big_trains.toml"
    path.write_text(text.replace("max_pulse_count = 100000", f"max_pulse_count = {BIG}"))
    return str(path)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator("stimulator") as emu:
        yield emu


def train(channel: int = 12, n: int = 5, f: float = 100.0, **kw) -> StimCommand:
    return StimCommand(channel, 100, 200, frequency_hz=f, pulse_count=n, **kw)


def test_estop_reaches_the_device_within_50_ms_with_3e6_pulses_scheduled(big_profile):
    with (
        Emulator("stimulator", profile=big_profile) as emu,
        StimulatorDriver(emu.port, max_ramp_ua_per_s=1e6) as drv,
    ):
        drv.arm()
        drv.stim(train(12, BIG))  # 3·10⁶ pulses scheduled: 8.3 hours at 100 Hz
        stop = threading.Event()
        checks = [0]

        def churn() -> None:  # keeps the safety layer busy checking more long trains
            while not stop.is_set():
                try:
                    drv.stim(train(13, BIG))
                except (SafetyError, NackError):
                    pass
                checks[0] += 1

        worker = threading.Thread(target=churn, daemon=True)
        worker.start()
        try:
            while checks[0] < 3:  # the churn is under way
                threading.Event().wait(0.01)
            t_trip = now()
            drv.estop_now("test: operator e-stop under load")
        finally:
            stop.set()
            worker.join(10)
        sent = [s for s in drv.sent if isinstance(s.command, StimStop)]
        assert sent and sent[0].status == "OK"
        reached = sent[0].t_reply - t_trip  # type: ignore[operator]
        assert reached < 0.05, f"ESTOP acknowledged {reached * 1e3:.1f} ms after the trip"
        assert drv.status().state is wire.DeviceState.ESTOPPED


def test_a_nacked_train_gives_its_pulses_back(emulator):
    """The device refuses a train the host accepted; its pulses must not block the next one."""
    with StimulatorDriver(emulator.port, max_ramp_ua_per_s=1e6) as drv:
        drv.limits.raise_limit("max_pulse_count", 1e6, "test: let the device refuse it")
        drv.limits.lower_limit("max_pulses_per_s", 150.0, key=12)
        drv.arm()
        with pytest.raises(NackError, match="PULSE_COUNT"):
            drv.stim(train(12, 200_000))  # 100 Hz, refused by the device (over 100,000)
        drv.stim(train(12, 50))  # 100 Hz again: 100 + 100 would exceed 150 had it stayed
        assert drv.sent[-1].status == "OK"


def test_the_host_checks_the_pulse_count_and_period_the_device_advertises(emulator):
    with StimulatorDriver(emulator.port, max_ramp_ua_per_s=1e6) as drv:
        dev = drv.device_limits
        assert dev is not None and dev.max_pulse_count == 100_000  # from INFO
        assert drv.limits is not None and drv.limits[12].max_pulse_count == 100_000
        drv.arm()
        with pytest.raises(SafetyError, match="max_pulse_count") as e:
            drv.stim(train(12, 100_001))
        assert e.value.limit == "max_pulse_count"
        # 1000 µs + 1000 µs at 600 Hz: a pulse of 2 ms, a period of 1.67 ms (the device's rule)
        with pytest.raises(CommandError, match="shorter than the pulse"):
            StimCommand(12, 100, 1000, frequency_hz=600, pulse_count=1)
        count, period = drv.audit.select(outcome="REFUSED")  # both on record, not on the wire
        assert count.detail["limit"] == "max_pulse_count"
        assert period.detail["limit"] == "validation" and period.command["frequency_hz"] == 600
        assert drv.delivered_pulses() == []
