"""The same lab controller on ``neurolink.hal``: a driver with its own safety layer.

``StimulatorDriver`` does the handshake, retries, heartbeats and the host-side limit checks;
the controller keeps only the lab's policy: charge-balanced trains, stop on a lost link.
Research use only.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from neurolink.hal.commands import StimCommand
from neurolink.hal.drivers import StimulatorDriver

__all__ = ["HalStimController"]


class HalStimController:
    """Responsive stimulation through the HAL.

    Parameters
    ----------
    port : str
        Serial port or ``socket://`` URL.
    secret : bytes or str or None
        Session secret (None: the one registered for the port, or ``$NEUROLINK_DEVICE_SECRET``).
    max_ramp_ua_per_s : float
        The lab's ramp-rate limit (the host safety layer refuses faster rises; recorded in the
        audit log).
    """

    def __init__(
        self, port: str, secret: bytes | str | None = None, max_ramp_ua_per_s: float = 100_000
    ) -> None:
        self.driver = StimulatorDriver(port, secret=secret, max_ramp_ua_per_s=max_ramp_ua_per_s)

    def open(self) -> Self:
        """Open, identify (reads the device's limits), arm."""
        self.driver.open()
        self.driver.identify()
        self.driver.arm()
        return self

    def close(self) -> None:
        """Stop and close (the driver stops stimulation first)."""
        self.driver.close()

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.close()

    def train(
        self,
        channel: int,
        amplitude_ua: float,
        phase_width_us: float,
        frequency_hz: float,
        count: int,
    ) -> None:
        """A charge-balanced train (the HAL solves phase 2 from phase 1)."""
        self.driver.stim(
            StimCommand(channel, amplitude_ua, phase_width_us, frequency_hz, pulse_count=count)
        )
