"""The ``stim`` mapper: output spikes of a network → charge-balanced stimulation trains."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from neurolink.config import setting
from neurolink.hal.commands import Command, StimCommand
from neurolink.loop.core.ports import Port, Stage
from neurolink.loop.core.registry import BuildContext, register_node
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.velocity import origin_of

__all__ = ["StimMapper", "StimParams"]


@dataclasses.dataclass(frozen=True)
class StimParams:
    """``stim``: network spikes → charge-balanced trains (whole µA and µs)."""

    channel: int = setting(0, ge=0)
    amplitude_ua: int = setting(20, ge=1)
    phase_width_us: int = setting(100, ge=1)
    interphase_gap_us: int = setting(50, ge=0)
    frequency_hz: float = setting(100.0, gt=0)
    pulse_count: int = setting(5, ge=1)
    refractory_ms: float = setting(200.0, ge=0)


@register_node
class StimMapper:
    """Network spikes → one charge-balanced biphasic train each, after a refractory time.

    Parameters
    ----------
    name : str
    fs : float
        Sampling rate (Hz).
    channel : int
        Stimulation channel.
    amplitude_ua, phase_width_us, interphase_gap_us : float
        Pulse shape (whole µA and µs: the stimulator's wire units).
    frequency_hz : float
        Pulse rate of the train.
    pulse_count : int
        Pulses per train.
    refractory_ms : float
        Least time between two trains (ms of samples).
    """

    kind: ClassVar[str] = "stim"
    inputs: ClassVar[tuple[Port, ...]] = (Port.SPIKES,)
    output: ClassVar[Port] = Port.COMMANDS
    stage: ClassVar[Stage] = Stage.WIRE
    Params: ClassVar[type] = StimParams
    devices: ClassVar[tuple[str, ...]] = ("stimulator", "lsl", "null")

    @classmethod
    def from_config(cls, ctx: BuildContext) -> StimMapper:
        """The mapper of a ``[[loop.nodes]]`` entry (see :class:`BuildContext`)."""
        p = ctx.node.params
        return cls(
            ctx.node.name,
            ctx.fs,
            channel=p.channel,
            amplitude_ua=p.amplitude_ua,
            phase_width_us=p.phase_width_us,
            interphase_gap_us=p.interphase_gap_us,
            frequency_hz=p.frequency_hz,
            pulse_count=p.pulse_count,
            refractory_ms=p.refractory_ms,
        )

    def __init__(
        self,
        name: str,
        fs: float,
        *,
        channel: int = 0,
        amplitude_ua: float = 20.0,
        phase_width_us: float = 100.0,
        interphase_gap_us: float = 50.0,
        frequency_hz: float = 100.0,
        pulse_count: int = 5,
        refractory_ms: float = 200.0,
    ) -> None:
        self.name = name
        self.refractory = round(refractory_ms * 1e-3 * fs)
        self.template = StimCommand(
            channel, amplitude_ua, phase_width_us, frequency_hz, pulse_count, interphase_gap_us
        )
        self._cmds: list[Command] = []
        self.reset()

    def reset(self) -> None:
        """Forget the last train."""
        self._last: int | None = None
        self.n_commands = 0

    def step(self, spikes: np.ndarray, tick: Tick) -> list[Command]:
        """A train if any neuron fired in this block and the refractory time is over."""
        cmds = self._cmds
        cmds.clear()
        if not spikes.any():
            return cmds
        if self._last is not None and tick.last_index - self._last < self.refractory:
            return cmds
        self._last = tick.last_index
        t = self.template
        cmds.append(
            StimCommand(
                t.channel,
                t.amplitude_ua,
                t.phase_width_us,
                t.frequency_hz,
                t.pulse_count,
                t.interphase_gap_us,
                t.polarity,
                origin=origin_of(tick),
            )
        )
        self.n_commands += 1
        return cmds
