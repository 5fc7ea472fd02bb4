"""The ``detect`` node: online threshold spike detection with its completion edge."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np

from neurolink.config import setting
from neurolink.dsp import make_detector
from neurolink.dsp.defaults import (
    CALIBRATION_S,
    DEAD_TIME_MS,
    DETECT_METHOD,
    DETECT_THRESHOLD,
    NOISE_TAU_S,
    PEAK_SIGN,
    REFRACTORY_MS,
)
from neurolink.dsp.detect import PeakDetector
from neurolink.loop.core.ports import Port, Stage
from neurolink.loop.core.registry import BuildContext, register_node
from neurolink.loop.core.tick import Tick

__all__ = ["DetectNode", "DetectParams", "Events"]


@dataclasses.dataclass(frozen=True)
class DetectParams:
    """``detect``: threshold at ``threshold`` × MAD noise, peak within a dead time (defaults:
    :mod:`neurolink.dsp.defaults`, the same as the offline path's)."""

    method: Literal["by_channel", "locally_exclusive"] = DETECT_METHOD  # type: ignore[assignment]
    threshold: float = setting(DETECT_THRESHOLD, gt=0)
    sign: Literal["neg", "pos", "both"] = PEAK_SIGN  # type: ignore[assignment]
    dead_time_ms: float = setting(DEAD_TIME_MS, ge=0)
    refractory_ms: float = setting(REFRACTORY_MS, ge=0)
    calibration_s: float = setting(CALIBRATION_S, gt=0)
    noise_tau_s: float | None = setting(NOISE_TAU_S, gt=0)
    #: ``locally_exclusive`` only: contact positions (µm), one ``[x, y]`` per channel, and the
    #: exclusion radius (µm).
    positions: tuple[tuple[float, float], ...] | None = None
    radius_um: float = setting(50.0, ge=0)


@dataclass(slots=True)
class Events:
    """Spikes decided by one block.

    Attributes
    ----------
    spikes : numpy.ndarray of SPIKE_DTYPE
        The spikes (sorted by sample index).
    complete_until : int
        Every spike before this sample index has been emitted (the detector's delay edge).
    n_channels : int
        Channels of the detector.
    """

    spikes: np.ndarray
    complete_until: int
    n_channels: int


@register_node
class DetectNode:
    """Threshold spike detection (:mod:`neurolink.dsp.detect`) with its completion edge.

    Parameters
    ----------
    name : str
        Node name.
    n_channels : int
    fs : float
        Sampling rate (Hz).
    method : {"by_channel", "locally_exclusive"}
    threshold, sign, dead_time_ms, refractory_ms, calibration_s, noise_tau_s
        Detector parameters, see :class:`~neurolink.dsp.detect.PeakDetector`.
    positions : sequence of (float, float), shape (n_channels, 2), optional
        ``locally_exclusive`` only (and required there): contact positions (µm).
    radius_um : float
        ``locally_exclusive`` only: exclusion radius (µm).
    """

    kind: ClassVar[str] = "detect"
    inputs: ClassVar[tuple[Port, ...]] = (Port.SAMPLES,)
    output: ClassVar[Port] = Port.EVENTS
    stage: ClassVar[Stage] = Stage.FILTER_DETECT
    Params: ClassVar[type] = DetectParams

    @classmethod
    def from_config(cls, ctx: BuildContext) -> DetectNode:
        """The node of a ``[[loop.nodes]]`` entry (see :class:`BuildContext`)."""
        p = ctx.node.params
        return cls(
            ctx.node.name,
            ctx.n_channels,
            ctx.fs,
            method=p.method,
            threshold=p.threshold,
            sign=p.sign,
            dead_time_ms=p.dead_time_ms,
            refractory_ms=p.refractory_ms,
            calibration_s=p.calibration_s,
            noise_tau_s=p.noise_tau_s,
            positions=p.positions,
            radius_um=p.radius_um,
        )

    def __init__(
        self,
        name: str,
        n_channels: int,
        fs: float,
        *,
        method: str = DETECT_METHOD,
        threshold: float = DETECT_THRESHOLD,
        sign: str = PEAK_SIGN,
        dead_time_ms: float = DEAD_TIME_MS,
        refractory_ms: float = REFRACTORY_MS,
        calibration_s: float = CALIBRATION_S,
        noise_tau_s: float | None = NOISE_TAU_S,
        positions: Sequence[Sequence[float]] | None = None,
        radius_um: float = 50.0,
    ) -> None:
        self.name = name
        local = method == "locally_exclusive"
        if local != (positions is not None):
            raise ValueError(
                f"detect node {name!r}: `positions` (one [x, y] in µm per channel) is needed by "
                f"and only used with method 'locally_exclusive' (method is {method!r})"
            )
        neighbourhood = {"positions": positions, "radius_um": radius_um} if local else {}
        self.detector: PeakDetector = make_detector(
            method,
            n_channels,
            fs,
            threshold=threshold,
            sign=sign,
            dead_time_ms=dead_time_ms,
            refractory_ms=refractory_ms,
            calibration_s=calibration_s,
            noise_tau_s=noise_tau_s,
            **neighbourhood,
        )
        self._events = Events(np.empty(0), 0, n_channels)
        self.n_spikes = 0

    def reset(self) -> None:
        """Forget everything (the noise calibration included)."""
        self.detector.reset()
        self.n_spikes = 0

    def step(self, x: np.ndarray, tick: Tick) -> Events:
        """Detect spikes in one block (filtered samples).

        Returns
        -------
        Events
            Reused object: the spikes this block decided and the completion edge.
        """
        spikes = self.detector.step(x, tick.first_index)
        ev = self._events
        ev.spikes = spikes
        ev.complete_until = self.detector.complete_until
        self.n_spikes += spikes.shape[0]
        return ev
