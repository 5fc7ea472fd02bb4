"""Neuromorphic board profile: the chip it hosts and its resources (TOML).

::

    [device]                        # see devices.core.profile.DeviceHeader
    kind = "neuromorphic"
    ...
    [chip]
    profile = "loihi"               # the arithmetic (firmware_sim's only profile today)
    n_cores = 128                   # the chip's size: LOIHI.resized(...) of firmware_sim
    neurons_per_core = 1024
    synapse_bits_per_core = 1048576
    axons_in_per_core = 4096
    axons_out_per_core = 4096
    max_network_bytes = 16777216    # longest network document NEURO_LOAD takes
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.core.profile import DeviceHeader, Table
from firmware_sim import LOIHI, LoihiProfile
from neurolink.hal import wire

__all__ = ["BoardProfile", "parse_board_profile"]

_CHIPS = {"loihi": LOIHI}


@dataclass(frozen=True)
class BoardProfile:
    """A neuromorphic board's identity and chip.

    Attributes
    ----------
    header : DeviceHeader
        Identity, firmware, watchdog timeout (0: the board drives nothing physical).
    chip : LoihiProfile
        The emulated chip (arithmetic, limits, cost figures).
    max_network_bytes : int
        Longest network document accepted by NEURO_LOAD.
    max_steps : int
        Most steps one NEURO_STEP may run (the board stays responsive between commands).
    """

    header: DeviceHeader
    chip: LoihiProfile
    max_network_bytes: int
    max_steps: int = 100

    def limits_block(self) -> wire.NeuroLimits:
        """INFO's NeuroLimits."""
        lim = self.chip.limits
        return wire.NeuroLimits(
            n_cores=lim.n_cores,
            neurons_per_core=lim.neurons_per_core,
            synapse_bits_per_core=lim.synapse_bits_per_core,
            axons_in_per_core=lim.axons_in_per_core,
            axons_out_per_core=lim.axons_out_per_core,
            cores_per_tile=lim.cores_per_tile,
            max_network_bytes=self.max_network_bytes,
            max_steps=self.max_steps,
            profile=self.chip.name,
        )


def parse_board_profile(top: Table) -> BoardProfile:
    """Read and check a neuromorphic board profile.

    Raises
    ------
    ProfileError
        A key is missing, unknown or out of range (the message names the file and the key).
    """
    header = DeviceHeader.parse(top, "neuromorphic")
    t = top.table("chip")
    name = t.text("profile", "loihi")
    if name not in _CHIPS:
        raise t.error("profile", f"= {name!r} is not a known chip ({sorted(_CHIPS)})")
    chip = _CHIPS[name].resized(
        n_cores=t.integer("n_cores", 1, 0xFFFF),
        neurons_per_core=t.integer("neurons_per_core", 1, 0xFFFF),
        synapse_bits_per_core=t.integer("synapse_bits_per_core", 1, 0xFFFFFFFF),
        axons_in_per_core=t.integer("axons_in_per_core", 1, 0xFFFF),
        axons_out_per_core=t.integer("axons_out_per_core", 1, 0xFFFF),
    )
    max_bytes = t.integer("max_network_bytes", 1, 0xFFFFFFFF)
    max_steps = t.integer("max_steps", 1, 0xFFFF, 100)
    t.done()
    top.done()
    return BoardProfile(header, chip, max_bytes, max_steps)
