"""Kinematics calibration of a decode node: binned counts labelled by a kinematics stream.

:func:`record_kinematics` runs the graph up to the decode node's input (its binned counts) on
the config's source, and reads the kinematics from an LSL stream: on the simulated subject its
own ``<name>-intent`` stream (what it intended, control latency included) while an
:class:`~neurolink.loop.calibration.record.Autopilot` drives it along the center-out reaches of
``[loop.task]`` (or the default task); elsewhere the stream named by
``loop.calibration.kinematics``. Each bin gets the kinematics in force at its centre.
:func:`fit_kinematics` fits the node's decoder (``decode.method`` …) and scores it by R² on
contiguous held-out folds.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from neurolink.decode import CalibrationError
from neurolink.errors import ConfigError
from neurolink.loop.calibration import fit
from neurolink.loop.calibration.record import (
    Autopilot,
    Progress,
    Rows,
    chain_to,
    open_source,
    pump,
    tolerances_of,
)
from neurolink.loop.calibration.result import CalibrationResult
from neurolink.loop.core.open import open_graph
from neurolink.loop.nodes.decode import make_decoder
from neurolink.loop.session.config import Config
from neurolink.sim.source_config import SimulatedConfig
from neurolink.sim.task import CenterOutParams, CenterOutTask
from neurolink.streams.lsl_source import LSLSource

__all__ = ["kinematics_result", "record_kinematics"]

_MAX_AGE = 0.25  # s: a bin whose newest kinematics sample is older has no label


def record_kinematics(
    config: Config, node: str, seconds: float | None, status_out: TextIO | None
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], float, float]:
    """Record the decode node's input counts with the kinematics in force at each bin.

    Parameters
    ----------
    config : Config
    node : str
        A decode node.
    seconds : float or None
        Seconds of data (None: to the end of a file).
    status_out : TextIO or None
        Progress line.

    Returns
    -------
    X : numpy.ndarray of float64, shape (n_bins, n_channels)
        Counts of the bins that have a label.
    Y : numpy.ndarray of float64, shape (n_bins, n_dims)
        Their kinematics, in the order of ``decode.dims``.
    channels : tuple of str
        The source's channels (the columns of ``X``).
    bin_s : float
        Bin width (s).
    seconds : float
        Seconds of data taken.

    Raises
    ------
    ConfigError
        No kinematics stream for a source other than the simulated subject; a stream with
        another number of channels than ``decode.dims``.
    CalibrationError
        No kinematics received.
    """
    loop, cal = config.loop, config.loop.calibration
    dims = loop.node(node).decode.dims  # type: ignore[union-attr]
    simulated = isinstance(config.source, SimulatedConfig)
    if cal.kinematics is None and not simulated:
        raise ConfigError(
            "`loop.calibration.kinematics`: calibrating a decode node on a "
            f"{config.source.kind} source needs the LSL stream that carries the kinematics"
        )
    with contextlib.ExitStack() as stack:
        drive = simulated and cal.kinematics is None
        src, subj, control = open_source(config, seconds, stack, control=drive)
        if cal.kinematics is not None:
            kin = LSLSource(cal.kinematics, stall_timeout=10.0)
        else:
            assert subj is not None
            kin = LSLSource(source_id=f"{subj.name}-intent", stall_timeout=10.0)
        kin.open()
        stack.callback(kin.close)
        order = _kinematics_columns(kin.channels, dims, kin.name)
        pilot = None
        if control is not None:
            t = loop.task
            params = CenterOutParams() if t is None else CenterOutParams(
                t.n_targets, t.radius, t.target_radius, t.hold_s, t.timeout_s, t.speed,
                t.slow_radius,
            )  # fmt: skip
            pilot = Autopilot(CenterOutTask(params, seed=cal.seed), control)
            stack.callback(pilot.stop)
        counts_node = loop.node(node).input or ""
        parts = open_graph(
            chain_to(loop, counts_node), channels=src.channels, fs=src.rate, stack=stack
        )
        g = parts.graph
        bins_at = g.index(counts_node)
        counts, times = Rows(len(src.channels), np.float64), Rows(0, np.float64)
        kt, kv = Rows(0, np.float64), Rows(len(order), np.float64)
        progress = Progress(status_out, seconds)

        def on_chunk(block: Any, a: int, b: int, tick: Any) -> None:
            bins = g.outputs[bins_at]
            if bins.n:
                counts.add(bins.counts)
                mid = 0.5 * (bins.edges[:-1] + bins.edges[1:] - 1)
                times.add(tick.t_last - (tick.stop_index - 1 - mid) / tick.rate)

        def take_kinematics(timeout: float = 0.0) -> None:
            blk = kin.read(timeout)
            if blk is not None and blk.n_samples:
                kt.add(blk.timestamps)
                kv.add(blk.data[:, order])

        def on_block(tick: Any, n: int) -> None:
            if pilot is not None:
                pilot.advance(tick.t_last)
            take_kinematics()
            progress.update(n / src.rate, f"{counts.n} bins, {kt.n} kinematics samples")

        limit = None if seconds is None else round(seconds * src.rate)
        taken = pump(src, g, limit=limit, on_chunk=on_chunk, on_block=on_block,
                     tolerances=tolerances_of(loop))  # fmt: skip
        progress.done()
        deadline = time.monotonic() + 2.0
        while times.n and (not kt.n or kt.array[-1] < times.array[-1]):
            if time.monotonic() > deadline:
                break
            take_kinematics(0.1)
        bin_s = g[counts_node].width / src.rate  # type: ignore[attr-defined]
        if not kt.n:
            raise CalibrationError(
                f"no kinematics received on LSL stream {kin.name!r} in {taken / src.rate:.1f} s "
                "of data: nothing to label the bins with",
                have=0,
            )
        keep, Y = fit.label_bins(times.array, kt.array, kv.array, _MAX_AGE)
        X = counts.array[keep].copy()
        return X, Y, tuple(src.channels), bin_s, taken / src.rate


def _kinematics_columns(labels: tuple[str, ...], dims: tuple[str, ...], name: str) -> list[int]:
    """Columns of the kinematics stream for ``dims`` (by label when they match, else in order)."""
    if set(dims) <= set(labels):
        return [labels.index(d) for d in dims]
    if len(labels) == len(dims):
        return list(range(len(dims)))
    raise ConfigError(
        f"`decode.dims`: the node decodes {len(dims)} values ({', '.join(dims)}), the "
        f"kinematics stream {name!r} has {len(labels)} channels ({', '.join(labels)})"
    )


def kinematics_result(
    config: Config, node: str, X: np.ndarray, Y: np.ndarray, channels: tuple[str, ...],
    bin_s: float, n_folds: int, taken: float,
) -> CalibrationResult:  # fmt: skip
    """Fit the decode node's decoder on ``X``, ``Y``; R² on contiguous folds.

    Raises
    ------
    CalibrationError
        Too short; the message adds how many seconds more are needed.
    """
    node_cfg = config.loop.node(node)
    try:
        res = fit.fit_kinematics(
            lambda: make_decoder(node_cfg.params, bin_s), X, Y, n_folds=n_folds, channels=channels
        )
    except CalibrationError as exc:
        if exc.need is None or exc.have is None:
            raise
        at_least = int(np.ceil(taken + 1.1 * (exc.need - exc.have) * bin_s)) + 1
        raise CalibrationError(
            f"{exc}: calibrate for at least {at_least} s (--duration {at_least})",
            have=exc.have,
            need=exc.need,
        ) from None
    dims = node_cfg.decode.dims  # type: ignore[union-attr]
    figures = {
        "r2": {d: float(v) for d, v in zip(dims, res.r2, strict=True)},
        "r2_folds": {
            d: (float(res.r2_folds[:, i].mean()), float(res.r2_folds[:, i].std()))
            for i, d in enumerate(dims)
        },
        "folds": n_folds,
        "bins": res.n_bins,
        "bin_ms": round(bin_s * 1e3, 6),
        "channels": len(channels),
    }
    return CalibrationResult(
        "kinematics", node, Path(), res.decoder, taken, figures, list(dict.fromkeys(res.notes))
    )
