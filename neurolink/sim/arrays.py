"""The recording arrays of the simulated subject, by channel count, and what detection uses.

One channel count, one array (``neurolink demo --channels N``, ``[source.simulated] channels``):

===========  ===============================================  ===================================
channels     array                                            spike detection
===========  ===============================================  ===================================
96           Utah array: 10×10 at 400 µm, corners unwired     ``by_channel``
128          Utah-like grid at 400 µm (12 columns × 11 rows)  ``by_channel``
256          Utah-like grid at 400 µm (16 × 16)               ``by_channel``
384          Neuropixels 1.0-like shank: four staggered        ``locally_exclusive``, 50 µm radius
             columns 16 µm apart, 20 µm rows                  (in the plane of the shank)
===========  ===============================================  ===================================

Why the detection differs: on a 400 µm grid a unit is seen on one electrode (the fall-off of
:mod:`neurolink.sim.geometry` leaves < 2 % of its amplitude 400 µm away), so a locally exclusive
radius must stay below the pitch, where it has no neighbours and is the same as ``by_channel``.
On the dense shank one unit is seen on several sites within ~50–100 µm; a locally exclusive
radius of 50 µm (SpikeInterface's default) keeps one detection per spike there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurolink.sim.config import CortexConfig
from neurolink.sim.geometry import (
    UTAH_PITCH_UM,
    grid_positions,
    neuropixels1_positions,
    utah_array_positions,
)

__all__ = [
    "DEFAULT_CHANNELS",
    "SUPPORTED_CHANNELS",
    "ArrayLayout",
    "array_layout",
    "check_channels",
    "subject_cortex_config",
]

#: Channel counts the simulated subject supports, each with its array (see the module table).
SUPPORTED_CHANNELS: tuple[int, ...] = (96, 128, 256, 384)
#: The default: the 96-site Utah array.
DEFAULT_CHANNELS = 96
#: Locally exclusive radius on the dense shank (µm).
PROBE_RADIUS_UM = 50.0


@dataclass(frozen=True, eq=False)
class ArrayLayout:
    """An electrode array and the spike detection that suits it.

    Attributes
    ----------
    name : str
        ``"utah"``, ``"utah_grid"`` or ``"neuropixels1"``.
    positions : numpy.ndarray of float64, shape (n_channels, 3)
        Electrode positions (µm), as :class:`~neurolink.sim.config.CortexConfig` takes them.
    plane : tuple of int
        The two axes of ``positions`` that span the array (x, y for a grid; x, z for a shank).
    detect_method : str
        Detection method name (``"by_channel"`` or ``"locally_exclusive"``).
    radius_um : float or None
        Locally exclusive radius (µm); None for ``by_channel``.
    """

    name: str
    positions: np.ndarray
    plane: tuple[int, int]
    detect_method: str
    radius_um: float | None = None

    @property
    def n_channels(self) -> int:
        """Number of electrodes."""
        return int(self.positions.shape[0])

    def plane_positions(self) -> np.ndarray:
        """Positions in the plane of the array (µm), shape (n_channels, 2), for detection."""
        return np.ascontiguousarray(self.positions[:, list(self.plane)])

    def describe(self) -> str:
        """One line: the array and its detection."""
        what = {
            "utah": f"Utah array ({UTAH_PITCH_UM:g} µm pitch)",
            "utah_grid": f"Utah-like grid ({UTAH_PITCH_UM:g} µm pitch)",
            "neuropixels1": "Neuropixels 1.0-like shank (4 staggered columns, 20 µm rows)",
        }[self.name]
        det = self.detect_method
        if self.radius_um is not None:
            det += f" within {self.radius_um:g} µm"
        return f"{self.n_channels} channels: {what}; detection {det}"


def check_channels(n_channels: int) -> int:
    """``n_channels`` if the simulated subject supports it.

    Raises
    ------
    ValueError
        One line listing the supported counts.
    """
    n = int(n_channels)
    if n not in SUPPORTED_CHANNELS:
        counts = ", ".join(str(c) for c in SUPPORTED_CHANNELS)
        raise ValueError(
            f"the simulated subject has no {n}-channel array; supported channel counts: {counts} "
            "(Utah-like 400 µm grid at 96/128/256, Neuropixels 1.0-like shank at 384)"
        )
    return n


def array_layout(n_channels: int = DEFAULT_CHANNELS) -> ArrayLayout:
    """The array of ``n_channels`` electrodes (one of :data:`SUPPORTED_CHANNELS`).

    Raises
    ------
    ValueError
        An unsupported count (the message lists the supported ones).
    """
    n = check_channels(n_channels)
    if n == 96:
        return ArrayLayout("utah", utah_array_positions(), (0, 1), "by_channel")
    if n == 384:
        return ArrayLayout(
            "neuropixels1", neuropixels1_positions(n), (0, 2), "locally_exclusive", PROBE_RADIUS_UM
        )
    return ArrayLayout("utah_grid", grid_positions(n, UTAH_PITCH_UM), (0, 1), "by_channel")


def subject_cortex_config(
    fs: float = 30_000.0, units: int = 60, channels: int = DEFAULT_CHANNELS
) -> CortexConfig:
    """The simulated cortex of the subject with ``channels`` electrodes (its array).

    The one place the subject's parameters become a :class:`CortexConfig`: the LSL subject
    process, the in-process source and the session's warm-up all build it here, so that for one
    seed they generate the same samples.

    Parameters
    ----------
    fs : float
        Sampling rate (Hz).
    units : int
        Tuned units.
    channels : int
        One of :data:`SUPPORTED_CHANNELS`.
    """
    return CortexConfig(fs=fs, n_units=units, positions=array_layout(channels).positions)
