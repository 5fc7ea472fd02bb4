"""What every emulated device shares: port, clock, profile loading, safety state, server loop.

- :class:`~devices.core.server.DeviceServer` — the single-threaded poll loop on one port;
- :class:`~devices.core.control.Control` — arming, watchdog, e-stop latch;
- :class:`~devices.core.model.DeviceModel` — what a kind of device implements;
- :mod:`~devices.core.port` — pty and ``socket://`` ports; :mod:`~devices.core.line` — baud;
- :mod:`~devices.core.clock` — device time; :mod:`~devices.core.profile` — TOML profiles.
"""

from devices.core.clock import Clock, ManualClock, MonotonicClock
from devices.core.control import Control
from devices.core.model import Context, DeviceModel, output_refusal
from devices.core.port import Port, PtyPort, SocketPort
from devices.core.profile import DeviceHeader, ProfileError, Table, load_profile
from devices.core.server import DeviceServer

__all__ = [
    "Clock",
    "Context",
    "Control",
    "DeviceHeader",
    "DeviceModel",
    "DeviceServer",
    "ManualClock",
    "MonotonicClock",
    "Port",
    "ProfileError",
    "PtyPort",
    "SocketPort",
    "Table",
    "load_profile",
    "output_refusal",
]
