"""The profile of an emulated device, as the device itself reports it enforcing.

Read from the emulator's control channel (``info``), not from the TOML file: what a test checks
against is what the device enforces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["DeviceProfile"]


@dataclass(frozen=True)
class DeviceProfile:
    """Identity and hard limits of one emulated device.

    Attributes
    ----------
    name : str
        The profile asked for (a shipped name such as ``"stimulator"``, or a path).
    kind : str
        ``"stimulator"``, ``"prosthesis"`` or ``"neuromorphic"``.
    identity : str
        INFO identity.
    firmware : str
        ``"MAJOR.MINOR.PATCH"``.
    heartbeat_timeout_ms : int
        Watchdog timeout (0: none).
    limits : dict
        The INFO limits block (stimulator: ``max_frequency_hz_x100``, ``max_pulse_rate_hz`` ...;
        prosthesis: ``dofs`` with ``max_velocity`` ...).
    channels : tuple of dict
        Stimulator: per channel, ``max_amplitude_ua``, ``max_phase_width_us``,
        ``max_charge_nc``, ``electrode_area_um2``.
    """

    name: str
    kind: str
    identity: str
    firmware: str
    heartbeat_timeout_ms: int
    limits: dict[str, Any] = field(default_factory=dict)
    channels: tuple[dict[str, Any], ...] = ()

    @classmethod
    def from_info(cls, name: str, info: dict[str, Any]) -> DeviceProfile:
        """From the control channel's ``info`` reply."""
        return cls(
            name=name,
            kind=info["kind"],
            identity=info["identity"],
            firmware=info["firmware"],
            heartbeat_timeout_ms=int(info["heartbeat_timeout_ms"]),
            limits=dict(info.get("limits") or {}),
            channels=tuple(info.get("channels") or ()),
        )
