"""The host side of authenticated, exclusive sessions (issue 13, findings 1 and 2).

Real emulators in their own processes, on real ptys and TCP sockets; drivers as the loop uses
them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import serial

from neurolink.hal import wire
from neurolink.hal.commands import StimCommand
from neurolink.hal.drivers import StimulatorDriver
from neurolink.hal.emulate import Emulator
from neurolink.hal.errors import AuthenticationError, DeviceError
from neurolink.hal.transport import Transport

TRAIN = StimCommand(12, 100, 200, frequency_hz=100, pulse_count=5)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator("stimulator") as emu:
        yield emu


def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(wire.auth.SECRET_ENV, raising=False)
    monkeypatch.delenv(wire.auth.KEY_FILE_ENV, raising=False)


def test_a_driver_on_an_emulator_of_this_process_authenticates_by_itself(emulator):
    with StimulatorDriver(emulator.port, max_ramp_ua_per_s=1e6) as drv:
        drv.arm()
        drv.stim(TRAIN)
        assert drv.sent[-1].status == "OK"


def test_a_second_opener_of_the_pty_is_refused_while_the_host_holds_it(emulator):
    """Finding 2: the port is opened exclusively; a second opener cannot inject frames."""
    with StimulatorDriver(emulator.port) as drv:
        with pytest.raises(DeviceError, match="in use by another process"):
            Transport(emulator.port).open()
        with pytest.raises(serial.SerialException):  # another program using pyserial
            serial.serial_for_url(emulator.port, exclusive=True)
        if os.geteuid() != 0:  # TIOCEXCL: any plain open fails (root bypasses it)
            with pytest.raises(OSError):
                os.close(os.open(emulator.port, os.O_RDWR | os.O_NOCTTY))
        drv.arm()
        assert drv.status().state is wire.DeviceState.ARMED


def test_a_wrong_secret_is_refused_by_the_device(emulator):
    drv = StimulatorDriver(emulator.port, secret=b"\x11" * 32)
    drv.open()
    try:
        with pytest.raises(AuthenticationError, match="NOT_AUTHENTICATED"):
            drv.identify()
    finally:
        drv.close()


def test_no_secret_anywhere_is_a_clear_error(monkeypatch, tmp_path):
    _clean_env(monkeypatch)
    proc = subprocess.Popen(
        [sys.executable, "-m", "devices.stimulator", "--pty"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("NEUROLINK_DEVICE_")},
    )
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().split()[1]
        secret = proc.stdout.readline().split()
        assert secret[0] == "SECRET" and len(bytes.fromhex(secret[1])) == 32  # generated
        drv = StimulatorDriver(port)
        drv.open()
        try:
            with pytest.raises(DeviceError, match="NEUROLINK_DEVICE_SECRET"):
                drv.identify()
        finally:
            drv.close()
        monkeypatch.setenv(wire.auth.SECRET_ENV, secret[1])  # the printed one works
        with StimulatorDriver(port) as drv:
            assert drv.info is not None and drv.info.kind == "stimulator"
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_second_host_on_a_socket_gets_session_busy_and_no_pulse():
    """Finding 1: the first host keeps its session; the second one is refused at identify."""
    with Emulator("stimulator", socket="127.0.0.1:0") as emu:
        with StimulatorDriver(emu.port, max_ramp_ua_per_s=1e6) as host:
            host.arm()
            intruder = StimulatorDriver(emu.port)
            intruder.open()
            try:
                with pytest.raises(AuthenticationError, match="SESSION_BUSY"):
                    intruder.identify()
            finally:
                intruder.close()
            assert host.delivered_pulses() == []
            host.stim(TRAIN)
            assert host.status().state is wire.DeviceState.ARMED


def test_a_public_socket_needs_the_explicit_flag():
    with pytest.raises(DeviceError, match="--socket-public"):
        Emulator("stimulator", socket="0.0.0.0:0").start()
    with Emulator("stimulator", socket="0.0.0.0:0", socket_public=True) as emu:
        assert emu.port.startswith("socket://0.0.0.0:")
        assert "WARNING" in emu.stderr_tail()


def test_neurolink_emulate_prints_its_secret_and_reads_a_key_file(monkeypatch, tmp_path):
    _clean_env(monkeypatch)
    key = tmp_path / "device.key"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEUROLINK_DEVICE_")}
    cmd = [sys.executable, "-m", "neurolink.cli", "emulate", "stimulator"]
    for extra in ([], ["--key-file", str(key)]):
        proc = subprocess.Popen(
            cmd + extra, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        try:
            assert proc.stdout is not None
            port = proc.stdout.readline().split()[1]
            if extra:  # the key file was created (owner only) and is used
                assert key.stat().st_mode & 0o777 == 0o600
                secret = wire.auth.read_key_file(key)
            else:
                line = proc.stdout.readline().split()
                assert line[0] == "SECRET"
                secret = bytes.fromhex(line[1])
            with StimulatorDriver(port, secret=secret) as drv:
                assert drv.info is not None
        finally:
            proc.terminate()
            proc.wait(10)
