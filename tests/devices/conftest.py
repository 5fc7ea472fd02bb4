"""Fixtures: an emulated device in a subprocess on a pty, and a raw wire client on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.devices._client import Client, DeviceProcess

Start = Callable[..., tuple[DeviceProcess, Client]]


@pytest.fixture
def start_device(tmp_path: Path) -> Iterator[Start]:
    """``start_device(module, *args)`` → ``(process, client)``; both are closed after the test.

    The client has authenticated its session (HELLO, AUTH) unless ``authenticate=False``.
    """
    started: list[tuple[DeviceProcess, Client | None]] = []

    def start(
        module: str, *args: str, connect: bool = True, authenticate: bool = True
    ) -> tuple[DeviceProcess, Client]:
        proc = DeviceProcess(module, args, tmp_path)
        client = Client(proc.url) if connect else None
        if client is not None and authenticate:
            client.authenticate()
        started.append((proc, client))
        return proc, client  # type: ignore[return-value]

    yield start
    for proc, client in started:
        if client is not None:
            client.close()
        proc.kill()


@pytest.fixture
def stim(start_device: Start) -> tuple[DeviceProcess, Client]:
    """The default stimulator profile (16 channels, watchdog 500 ms)."""
    return start_device("devices.stimulator")


@pytest.fixture
def cursor(start_device: Start) -> tuple[DeviceProcess, Client]:
    """The default 2-D cursor prosthesis."""
    return start_device("devices.prosthesis")


@pytest.fixture
def board(start_device: Start) -> tuple[DeviceProcess, Client]:
    """The default neuromorphic board (a full Loihi)."""
    return start_device("devices.neuroboard")
