"""``neurolink demo``: the whole closed loop on a simulated subject and emulated devices.

Starts the simulated subject (its own process, streaming a 96-channel Utah array at 30 kHz on
LSL in real time; with --source inprocess inside the loop's process, no LSL; with --channels a
128- or 256-channel Utah-like grid or a 384-channel Neuropixels 1.0-like shank) and the emulated
prosthesis (a 2-D cursor, its own process on a pty), then
runs spike detection → Bayesian decoding → spiking network → prosthesis: first a calibration
(the cursor follows the subject's intent while the decoder learns), then the closed loop on a
center-out task. Prints the score, latencies and faults, and writes the recording. With
``--stim`` a burst detector on the neuromorphic network also triggers an emulated stimulator;
with ``--neuroboard`` the network runs on the emulated neuromorphic board over the wire.
Research use only.
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

from neurolink.cli.options import seconds
from neurolink.cli.run import add_run_options
from neurolink.errors import ConfigError

if TYPE_CHECKING:
    from neurolink.loop.session.config import Config

__all__ = ["add_parser", "demo_config", "run"]

#: ``--source``: the simulated subject's transport, and the ``[source]`` kind each one is.
SOURCE_KINDS = {"lsl": "simulated", "inprocess": "simulated_inprocess"}
#: ``--channels``: the counts the simulated subject has arrays for
#: (:data:`neurolink.sim.arrays.SUPPORTED_CHANNELS`; a test checks they agree).
CHANNEL_COUNTS = (96, 128, 256, 384)

DEFAULT_DURATION = 40.0
DEFAULT_CALIBRATION = 15.0
#: Seconds of closed loop the message for a too-short ``--duration`` suggests adding.
SUGGESTED_CLOSED_LOOP = 10.0


def _node(cls: type, name: str, **params: Any) -> dict[str, Any]:
    """A ``[[loop.nodes]]`` entry for a node class (its kind and parameter table)."""
    return {"name": name, "kind": cls.kind, cls.kind: params}


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``demo`` subcommand."""
    p = sub.add_parser(
        "demo",
        help="closed loop on a simulated subject and emulated devices (no hardware)",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    add_run_options(p)
    p.set_defaults(duration=DEFAULT_DURATION)
    p.add_argument(
        "--calibration",
        type=seconds,
        default=DEFAULT_CALIBRATION,
        metavar="S",
        help=f"seconds of open-loop calibration (default {DEFAULT_CALIBRATION:g})",
    )
    p.add_argument(
        "--stim",
        action="store_true",
        help="also trigger an emulated stimulator from a spiking burst detector",
    )
    p.add_argument(
        "--neuroboard",
        action="store_true",
        help="run the spiking network on the emulated neuromorphic board",
    )
    p.add_argument(
        "--decoder-on",
        choices=("host", "fixed", "neuroboard"),
        default="host",
        help="where the decoder runs once calibrated: host (float), or compiled into a "
        "spiking network of the chip's arithmetic on the host fixed backend or the emulated "
        "board, the host decoder in shadow (default host)",
    )
    p.add_argument(
        "--decoder",
        choices=("bayes", "kalman"),
        default="bayes",
        help="decoder calibrated: Bayesian population decoder or velocity Kalman filter",
    )
    p.add_argument(
        "--neurons",
        type=int,
        default=None,
        metavar="N",
        help="most neurons of the decoder compiled onto the chip",
    )
    p.add_argument("--seed", type=int, default=1, help="seed of the simulated subject")
    p.add_argument(
        "--source",
        choices=tuple(SOURCE_KINDS),
        default="lsl",
        help="how the simulated subject reaches the loop: lsl (its own process, streaming on "
        "LSL; default) or inprocess (generated in the loop's process, the same samples for a "
        "seed, no transport: the pipeline's own latency floor)",
    )
    p.add_argument(
        "--channels",
        type=int,
        default=96,
        metavar="N",
        help="electrodes of the simulated subject: "
        + ", ".join(str(c) for c in CHANNEL_COUNTS)
        + " (96: Utah array; 128, 256: Utah-like 400 µm grids, detection by channel; 384: "
        "Neuropixels 1.0-like shank, 4 staggered columns at 20 µm rows, locally exclusive "
        "detection within 50 µm); the whole chain follows (default 96)",
    )
    p.add_argument(
        "--record-raw",
        action="store_true",
        help="also record the raw samples (about 12 MB per second per 96 channels)",
    )
    p.add_argument(
        "--no-report",
        action="store_true",
        help="do not write the report (figures and text) of the recording",
    )
    return p


def demo_config(
    *,
    duration: float = DEFAULT_DURATION,
    calibration: float = DEFAULT_CALIBRATION,
    stim: bool = False,
    neuroboard: bool = False,
    seed: int = 1,
    record_raw: bool = False,
    gain: float = 0.6,
    task: dict[str, Any] | None = None,
    decoder_on: str = "host",
    decoder: str = "bayes",
    neurons: int | None = None,
    channels: int = 96,
    source: str = "lsl",
) -> Config:
    """The demo's config (the same graph as ``examples/center_out.toml``).

    Parameters
    ----------
    duration, calibration : float
        Seconds of data in all, and of calibration first.
    stim, neuroboard : bool
        Add the burst-triggered stimulator; run its burst detector on the emulated board.
    seed : int
        Seed of the subject and the task.
    record_raw : bool
        Record the raw samples too.
    gain : float
        Cursor speed (workspace units/s) per decoded unit.
    task : dict, optional
        More ``[loop.task]`` keys (``radius``, ``target_radius``, ``hold_s`` …).
    decoder_on : {"host", "fixed", "neuroboard"}
        Where the decoder runs once calibrated: on the host in float, or compiled into a
        spiking network of the chip's arithmetic on the host ``fixed`` backend or on the
        emulated board (the host decoder then runs in shadow and is recorded).
    decoder : {"bayes", "kalman"}
        The decoder calibrated (Bayesian population decoder with a continuity prior, or a
        velocity Kalman filter).
    neurons : int, optional
        Most neurons of the compiled network (default: the compiler's).
    channels : int
        Electrodes of the subject, one of :data:`CHANNEL_COUNTS`; its array
        (:func:`neurolink.sim.arrays.array_layout`) sets the detection (by channel on the
        400 µm grids, locally exclusive with the probe's site positions at 384); binning and
        the decoder take the channel count from the source.
    source : {"lsl", "inprocess"}
        The subject in its own process on LSL, or in the loop's process (:data:`SOURCE_KINDS`).

    Raises
    ------
    ConfigError
        Durations that leave no closed loop, an unsupported channel count (the message lists
        the supported ones), an unknown source.
    """
    _check_durations(duration, calibration)
    detect = _detection(channels)
    if source not in SOURCE_KINDS:
        raise ConfigError(
            f"--source {source!r}: expected one of {', '.join(SOURCE_KINDS)} (the simulated "
            "subject on LSL or in the loop's process)"
        )
    kind = SOURCE_KINDS[source]
    # The node classes name their kinds (imported here: the parser stays light).
    from neurolink.loop.nodes.bin import BinNode
    from neurolink.loop.nodes.burst import BurstNode
    from neurolink.loop.nodes.clocked import NEUROBOARD
    from neurolink.loop.nodes.decode import DecodeNode
    from neurolink.loop.nodes.detect import DetectNode
    from neurolink.loop.nodes.filter import FilterNode
    from neurolink.loop.nodes.reref import RerefNode
    from neurolink.loop.nodes.stim import StimMapper
    from neurolink.loop.nodes.velocity import VelocityMapper
    from neurolink.loop.session.config import config_from_dict
    from neurolink.snn import BackendKind

    backend = NEUROBOARD if neuroboard else BackendKind.FIXED.value
    # Over the wire each network step is one round trip (~0.5 ms on a pty): step the board
    # every 5 ms so that it keeps up with the 1 ms blocks; the host runs 1 ms steps.
    dt_ms = 5.0 if neuroboard else 1.0
    nodes: list[dict[str, Any]] = [
        _node(FilterNode, "highpass", band=[300.0, 6000.0], order=2),
        _node(RerefNode, "car"),
        _node(DetectNode, "spikes", threshold=4.5, **detect),
        _node(BinNode, "counts", width_ms=20.0),
        _node(
            DecodeNode,
            "decoder",
            method=decoder,
            grid=25,
            prior="continuity",
            on=decoder_on,
            **({"neurons": neurons} if neurons else {}),
        ),
        _node(VelocityMapper, "velocity", gain=gain),
    ]
    sinks: list[dict[str, Any]] = [
        {
            "name": "cursor",
            "device": "prosthesis",
            "input": "velocity",
            "profile": "prosthesis_cursor",
        },
    ]
    if stim:
        nodes += [
            {
                **_node(
                    BurstNode, "bursts", backend=backend, n_coincident=7, leak_ms=3.0, dt_ms=dt_ms
                ),
                "input": "spikes",
            },
            _node(
                StimMapper,
                "trains",
                channel=0,
                amplitude_ua=20,
                phase_width_us=100,
                interphase_gap_us=50,
                frequency_hz=100.0,
                pulse_count=5,
                refractory_ms=500.0,
            ),
        ]
        sinks.append({"name": "stimulator", "device": "stimulator", "input": "trains"})
    data = {
        "session": {"name": "demo", "duration": duration, "status_interval": 0.5},
        "source": {"kind": kind, kind: {"seed": seed, "channels": channels}},
        "loop": {
            "deadline_ms": 5.0,
            "nodes": nodes,
            "sinks": sinks,
            "task": {"calibration_s": calibration, "seed": seed, **(task or {})},
            "recording": {"raw": record_raw},
        },
    }
    return config_from_dict(data, filename="neurolink demo")


def _detection(channels: int) -> dict[str, Any]:
    """The detect node's method (and neighbourhood) for the subject's array of ``channels``."""
    from neurolink.sim.arrays import array_layout

    try:
        layout = array_layout(channels)
    except ValueError as exc:
        raise ConfigError(f"--channels {channels}: {exc}") from None
    if layout.radius_um is None:
        return {"method": layout.detect_method}
    return {
        "method": layout.detect_method,
        "positions": layout.plane_positions().round(3).tolist(),
        "radius_um": layout.radius_um,
    }


def _check_durations(duration: float, calibration: float) -> None:
    """Refuse a calibration that is not > 0 or leaves no closed loop; say what to pass."""
    if not calibration > 0:
        raise ConfigError(f"--calibration must be > 0 s, got {calibration:g}")
    if not duration > calibration:
        half = math.ceil(duration / 2)
        shorter = half if 0 < half < duration else duration / 2
        raise ConfigError(
            f"--duration ({duration:g} s) must exceed the calibration ({calibration:g} s): "
            f"pass --duration {calibration + SUGGESTED_CLOSED_LOOP:g} or --calibration {shorter:g}"
        )


def run(args: argparse.Namespace) -> int:
    """Run the ``demo`` subcommand; returns the exit code."""
    from neurolink.cli.run import run_session

    duration = args.duration if args.duration is not None else DEFAULT_DURATION
    cfg = demo_config(
        duration=duration,
        calibration=args.calibration,
        stim=args.stim,
        neuroboard=args.neuroboard,
        seed=args.seed,
        record_raw=args.record_raw,
        decoder_on=args.decoder_on,
        decoder=args.decoder,
        neurons=args.neurons,
        channels=args.channels,
        source=args.source,
    )
    args.duration = duration
    return run_session(cfg, args, report=not args.no_report)
