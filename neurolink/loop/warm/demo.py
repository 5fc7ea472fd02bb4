"""``neurolink warmup``: compile (and cache on disk) every numba kernel a demo uses.

Each part is timed: the simulated subject's kernels (its process loads them from the cache),
the demo's graph with each decoder (filtering, detection, binning, the decoder's fit and
step, the spiking burst detector; the decoder compiled onto the chip with ``decoder_on``),
and the emulated devices, each started once (an emulator warms its own kernels before it
answers HELLO) and stopped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from neurolink.clock import now

__all__ = ["cache_dir", "warm_demo"]

#: Emulated devices a demo starts.
EMULATED = ("prosthesis", "stimulator", "neuroboard")


def cache_dir() -> str:
    """Where numba caches compiled kernels (``NUMBA_CACHE_DIR``, else beside the sources)."""
    where = os.environ.get("NUMBA_CACHE_DIR")
    if where:
        return where
    return str(Path(__file__).resolve().parents[2]) + " (__pycache__ folders beside the sources)"


def _subject() -> None:
    from neurolink.sim.config import CortexConfig
    from neurolink.sim.cortex import CortexSimulator
    from neurolink.sim.source_config import SimulatedConfig

    d = SimulatedConfig()
    sim = CortexSimulator(CortexConfig(fs=d.fs, n_units=d.units), seed=0)
    for k in range(40):  # 40 ms: spikes, waveforms, background
        sim.step(round(d.fs * 1e-3), (0.3, -0.2) if k % 2 else (0.0, 0.0))


def _graph(decoder: str, decoder_on: str) -> None:
    from neurolink.cli.demo import demo_config
    from neurolink.loop.warm.kernels import warm_kernels
    from neurolink.sim.config import CortexConfig
    from neurolink.sim.cortex import CortexSimulator
    from neurolink.sim.source_config import SimulatedConfig

    d = SimulatedConfig()
    channels = CortexSimulator(CortexConfig(fs=d.fs, n_units=d.units), seed=0).channel_names
    cfg = demo_config(duration=40.0, calibration=15.0, stim=True, decoder=decoder,
                      decoder_on=decoder_on)  # fmt: skip
    warm_kernels(cfg.loop, channels, d.fs)


def _emulator(kind: str) -> None:
    from neurolink.hal.emulate import Emulator

    emu = Emulator(kind).start()
    emu.stop()


def warm_demo(
    *,
    decoders: Sequence[str] = ("bayes", "kalman"),
    decoder_on: str = "host",
    emulators: Sequence[str] = EMULATED,
    say: Callable[[str], None] = print,
) -> list[tuple[str, float]]:
    """Warm every kernel of the demo; ``(what, seconds)`` of each part, said as it ends.

    Parameters
    ----------
    decoders : sequence of {"bayes", "kalman"}
        Decoders to warm (fit and step).
    decoder_on : {"host", "fixed", "neuroboard"}
        Where the decoder runs once calibrated (its compilation onto the chip is warmed too).
    emulators : sequence of str
        Emulated devices to start once.
    say : callable
        Where each part's line goes.
    """
    parts: list[tuple[str, Callable[[], None]]] = [("simulated subject", _subject)]
    parts += [
        (f"demo graph, {dec} decoder (on {decoder_on})", lambda d=dec: _graph(d, decoder_on))
        for dec in decoders
    ]
    parts += [(f"{kind} emulator", lambda k=kind: _emulator(k)) for kind in emulators]
    done = []
    for what, run in parts:
        t0 = now()
        run()
        done.append((what, now() - t0))
        say(f"  {what}: {done[-1][1]:.2f} s")
    return done
