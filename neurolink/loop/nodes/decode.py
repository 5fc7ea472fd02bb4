"""The ``decode`` node: binned counts → decoded state, with online calibration."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

import numpy as np

from neurolink.clock import now
from neurolink.config import Scope, setting
from neurolink.decode import (
    BayesianDecoder,
    Decoder,
    KalmanDecoder,
    WienerFilter,
    load_decoder,
)
from neurolink.decode.errors import CalibrationError, DecoderError
from neurolink.loop.core.ports import Port, Stage, Vector
from neurolink.loop.core.registry import BuildContext, register_node
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.bin import Bins
from neurolink.loop.nodes.clocked import (
    NEUROBOARD,
    PLACEMENTS,
    StepBackend,
    check_step,
    open_backend,
)
from neurolink.loop.nodes.on_chip import OnChip, agreement_r2
from neurolink.snn import ResourceError, SpecError
from neurolink.snn.compile import NOT_COMPILABLE, compile_decoder

__all__ = [
    "HOST",
    "METHODS",
    "PLACES",
    "ChipPlan",
    "DecodeNode",
    "DecodeParams",
    "Teacher",
    "make_decoder",
]


#: Bin decoders a ``decode`` node can calibrate, by config name, with the parameters of the node
#: they take (``bin_s`` is the width of the input bins in seconds).
METHODS: dict[str, Callable[[Any, float], Decoder]] = {
    "bayes": lambda p, bin_s: BayesianDecoder(
        bin_s=bin_s, grid_shape=p.grid, prior=p.prior, estimate=p.estimate
    ),
    "kalman": lambda p, bin_s: KalmanDecoder(kinematics="velocity"),
    "wiener": lambda p, bin_s: WienerFilter(),
}


#: Where a decode node decodes: on the host in float (``host``), or compiled into a spiking
#: network of the chip's integer arithmetic (:func:`neurolink.snn.compile_decoder`) run on the
#: host ``fixed`` backend or on the neuromorphic board over the wire (``neuroboard``).
HOST = "host"
PLACES: tuple[str, ...] = (HOST, *PLACEMENTS)


@dataclasses.dataclass(frozen=True)
class DecodeParams:
    """``decode``: a bin decoder, loaded from ``model`` or calibrated by the task; with ``on``
    other than ``host`` it is compiled onto the chip once fitted (``neurons``: most neurons the
    network may use; ``chip_dt_ms``: the chip step) and fed the detected spikes; ``shadow`` runs
    the host decoder beside it and records both. On the ``neuroboard``, ``chip_batch`` steps go
    in one frame and a batch is read out when the next one is sent (:mod:`.on_chip`)."""

    method: str = setting("bayes", choices=tuple(METHODS))
    model: Path | None = dataclasses.field(default=None, metadata={"exists": True})
    save: Path | None = None
    dims: tuple[str, ...] = ("vx", "vy")
    grid: int = setting(25, ge=3, le=200)
    prior: Literal["uniform", "occupancy", "continuity", "recursive"] = "continuity"
    estimate: Literal["mean", "map"] = "mean"
    on: str = setting(HOST, choices=PLACES)
    url: str = "emulate"
    shadow: bool = True
    neurons: int | None = setting(None, ge=8)
    chip_dt_ms: float = setting(1.0, gt=0)
    chip_batch: int = setting(5, ge=1, le=100)

    def validate(self, scope: Scope) -> Self:
        """A decoder placed on the chip must be one that compiles."""
        kind = METHODS[self.method](self, 0.02).__class__.__name__
        if self.on != HOST and kind in NOT_COMPILABLE:
            raise scope.error(
                "on",
                f"a {self.method!r} decoder cannot run on the chip: {NOT_COMPILABLE[kind]}",
            )
        return self


@dataclasses.dataclass
class ChipPlan:
    """Where and how a decode node's decoder is compiled and run once it is fitted.

    Attributes
    ----------
    on : str
        ``fixed`` or ``neuroboard``.
    backend : StepBackend
        The backend the network is loaded on.
    fs : float
        Sampling rate of the stream (Hz).
    max_samples : int
        Largest block (samples).
    max_neurons : int or None
    dt_ms : float
        Chip step (ms).
    seed : int
        Seed of the compiler.
    batch, in_flight : int
        Chip steps per batch, and batches handed over before one is read out
        (:class:`~neurolink.loop.nodes.on_chip.OnChip`).
    """

    on: str
    backend: StepBackend
    fs: float
    max_samples: int
    max_neurons: int | None = None
    dt_ms: float = 1.0
    seed: int = 0
    batch: int = 1
    in_flight: int = 0


def make_decoder(params: DecodeParams, bin_s: float) -> Decoder:
    """A new (unfitted) decoder as a ``decode`` node's parameters say.

    Parameters
    ----------
    params : DecodeParams
    bin_s : float
        Width of the bins it decodes (s).
    """
    return METHODS[params.method](params, bin_s)


Teacher = Callable[[float], Sequence[float]]


@register_node
class DecodeNode:
    """Decode each completed bin of counts with a fitted decoder (or calibrate one).

    Parameters
    ----------
    name : str
        Node name.
    decoder : Decoder
        A decoder with ``step(counts) -> (n_dims,)`` (fitted, unless calibrating).
    dims : sequence of str
        Labels of the decoded dimensions (``vx``, ``vy``).
    n_units : int
        Columns of the counts.
    calibrate_bins : int
        Room for this many calibration bins (preallocated, grows if exceeded).
    """

    kind: ClassVar[str] = "decode"
    inputs: ClassVar[tuple[Port, ...]] = (Port.COUNTS,)
    output: ClassVar[Port] = Port.STATE
    stage: ClassVar[Stage] = Stage.BIN_DECODE
    Params: ClassVar[type] = DecodeParams

    #: Calibration a node of this kind takes (:mod:`neurolink.loop.calibration`).
    calibrates: ClassVar[str] = "kinematics"

    @classmethod
    def from_config(cls, ctx: BuildContext) -> DecodeNode:
        """The node of a ``[[loop.nodes]]`` entry: the model file's decoder (checked against
        the source's channels and the node's ``dims``), or a new one to calibrate."""
        p = ctx.node.params
        if p.model is None:
            width = getattr(ctx.source, "width", None)
            if width is None:
                raise ctx.error("input", "a decode node reads the counts of a bin node")
            dec = make_decoder(p, width / ctx.fs)
        else:
            dec = _bin_model(ctx)
        chip = None
        if p.on != HOST:
            check_step(ctx, p.chip_dt_ms, key="chip_dt_ms")
            chip = ChipPlan(
                p.on,
                open_backend(ctx, p.on, p.url, key="on"),
                ctx.fs,
                ctx.max_samples,
                max_neurons=p.neurons,
                dt_ms=p.chip_dt_ms,
                # the board's schedule also when a replay runs it on the host: same outputs
                **({"batch": p.chip_batch, "in_flight": 1} if p.on == NEUROBOARD else {}),
            )
        node = cls(ctx.node.name, dec, p.dims, ctx.n_channels, chip=chip, shadow=p.shadow)
        if chip is not None and dec.is_fitted:
            try:
                node.compile()
            except (SpecError, ResourceError) as exc:
                raise ctx.error("on", str(exc)) from None
        return node

    def __init__(
        self,
        name: str,
        decoder: Decoder,
        dims: Sequence[str],
        n_units: int,
        *,
        calibrate_bins: int = 4096,
        chip: ChipPlan | None = None,
        shadow: bool = True,
    ) -> None:
        self.name = name
        self.decoder = decoder
        self.dims = tuple(dims)
        self.n_units = int(n_units)
        self._row = np.zeros(self.n_units, np.float64)
        self.labels = self.dims
        self._out = Vector.zeros(self.dims)
        self._teacher: Teacher | None = None
        self._X = np.zeros((calibrate_bins, self.n_units), np.float64)
        self._y = np.zeros((calibrate_bins, len(self.dims)), np.float64)
        self.n_calibration = 0
        self.n_decoded = 0
        self.chip, self.shadow = chip, bool(shadow)
        #: The compiled decoder's network in the loop, once compiled (see :meth:`compile`).
        self.on_chip: OnChip | None = None
        self.chip_facts: dict[str, Any] = {}
        #: The host decoder's outputs beside the chip (``shadow``) for the bins of the last
        #: block: :attr:`shadow_rows`.
        self._shadow = np.zeros((16, len(self.dims)), np.float64)
        self.n_shadow = 0

    @property
    def calibrating(self) -> bool:
        """True while bins are collected for :meth:`fit`."""
        return self._teacher is not None

    def start_calibration(self, teacher: Teacher) -> None:
        """Collect bins labelled by ``teacher`` and output its value, until :meth:`fit`."""
        self._teacher = teacher
        self.n_calibration = 0

    def stop_calibration(self) -> None:
        """Stop calibrating and forget the bins collected (nothing is fitted)."""
        self._teacher = None
        self.n_calibration = 0

    def reset(self) -> None:
        """Forget the decoder's online state (on the chip too)."""
        if self.decoder.is_fitted:
            self.decoder.reset()
        if self.on_chip is not None:
            self.on_chip.reset()
        self._out.value[:] = 0.0
        self._out.index = -1
        self.n_shadow = 0

    def step(self, bins: Bins, tick: Tick) -> Vector:
        """Decode (or label) every bin completed by this block.

        Returns
        -------
        Vector
            Reused; ``fresh`` when at least one bin was completed.
        """
        if self.on_chip is not None and self._teacher is None:
            return self._step_chip(bins, tick)
        out = self._out
        out.fresh = bins.n > 0
        for k in range(bins.n):
            row = self._row
            row[:] = bins.counts[k]
            if self._teacher is not None:
                mid = 0.5 * (bins.edges[k] + bins.edges[k + 1] - 1)
                out.value[:] = self._teacher(tick.time_of(mid))
                self._keep(row, out.value)
            else:
                out.value[:] = self.decoder.step(row)
                self.n_decoded += 1
            out.index = tick.last_index
        return out

    def _keep(self, row: np.ndarray, label: np.ndarray) -> None:
        n = self.n_calibration
        if n == self._X.shape[0]:
            self._X = np.concatenate([self._X, np.zeros_like(self._X)])
            self._y = np.concatenate([self._y, np.zeros_like(self._y)])
        self._X[n] = row
        self._y[n] = label
        self.n_calibration = n + 1

    def calibration_data(self) -> tuple[np.ndarray, np.ndarray]:
        """Counts (n_bins, n_units) and labels (n_bins, n_dims) collected so far (copies)."""
        n = self.n_calibration
        return self._X[:n].copy(), self._y[:n].copy()

    def fit(
        self, channels: Sequence[str] | None = None, *, decoder: Decoder | None = None
    ) -> Decoder:
        """Fit the decoder on the calibration bins and switch to decoding.

        Parameters
        ----------
        channels : sequence of str, optional
            Labels of the count columns (kept in the model file).
        decoder : Decoder, optional
            Fit this decoder instead of the node's own, and use it from now on.

        Returns
        -------
        Decoder
            The fitted decoder.

        Raises
        ------
        CalibrationError
            Not calibrating, or too few bins.
        """
        if self._teacher is None:
            raise CalibrationError(f"decode node {self.name!r}: not calibrating")
        X, y = self.calibration_data()
        if X.shape[0] < 10:
            raise CalibrationError(
                f"decode node {self.name!r}: only {X.shape[0]} calibration bins; run the "
                "calibration longer"
            )
        dec = decoder if decoder is not None else self.decoder
        dec.fit(X, y, channels=None if channels is None else list(channels))
        self.decoder = dec
        self._teacher = None
        if self.chip is not None:
            self.compile()
        self.reset()
        return dec

    def use(self, decoder: Decoder) -> None:
        """Decode with a decoder fitted elsewhere (a model file) from now on: calibration
        stopped, compiled onto the chip when the node runs there, online state reset."""
        self.stop_calibration()
        self.decoder = decoder
        if self.chip is not None:
            self.compile()
        self.reset()

    # ---- on the chip ---------------------------------------------------------------------------
    def compile(self) -> None:
        """Compile the fitted decoder onto the chip and load it on the planned backend, its
        kernels warmed (called by :meth:`fit`, or at build time for a model file; never in the
        real-time part of the loop). ``chip_facts`` keeps the compile time and the network's
        report (neurons, cores, energy)."""
        plan = self.chip
        if plan is None:
            raise CalibrationError(f"decode node {self.name!r} runs on the host")
        t0 = now()
        compiled = compile_decoder(
            self.decoder, max_neurons=plan.max_neurons, dt_ms=plan.dt_ms, seed=plan.seed
        )
        self.on_chip = OnChip(
            compiled,
            plan.backend,
            plan.fs,
            plan.max_samples,
            batch=plan.batch,
            in_flight=plan.in_flight,
        )
        self.on_chip.warm_up()
        self.chip_facts = {"on": plan.on, "compile_s": round(now() - t0, 3)}
        self.chip_facts.update(_cost(compiled))

    def _step_chip(self, bins: Bins, tick: Tick) -> Vector:
        chip = self.on_chip
        assert chip is not None
        out = self._out
        n = chip.step(bins.spikes, tick)
        self.n_shadow = bins.n if self.shadow else 0
        if self.n_shadow > self._shadow.shape[0]:
            self._shadow = np.zeros((self.n_shadow, len(self.dims)), np.float64)
        for k in range(self.n_shadow):
            self._row[:] = bins.counts[k]
            self._shadow[k] = self.decoder.step(self._row)
            chip.pair(self._shadow[k])
            self.n_decoded += 1
        out.fresh = n > 0
        if n:
            out.value[:] = chip.value
            out.index = tick.last_index
        return out

    @property
    def shadow_rows(self) -> np.ndarray:
        """The shadow host decoder's output for each bin of the last block, float64
        (n_bins, n_dims) (a view; empty on the host or without ``shadow``)."""
        return self._shadow[: self.n_shadow]

    def chip_summary(self) -> dict[str, Any] | None:
        """``decoder_on_chip`` of the run's summary (None on the host): neurons, cores, energy,
        the compile time, chip steps and their median time (µs, closed loop), and ``r2_vs_host``,
        the agreement with the shadow host decoder over the closed-loop bins."""
        if self.on_chip is None:
            return None
        chip = self.on_chip
        pairs = chip.pairs
        steps = chip.step_seconds
        return {
            **self.chip_facts,
            "steps": chip.n_steps,
            "step_us_median": round(float(np.median(steps)) * 1e6, 2) if steps.size else None,
            "r2_vs_host": None
            if pairs.shape[0] < 2
            else _round(agreement_r2(pairs[:, 0], pairs[:, 1])),
            "bins_compared": int(pairs.shape[0]),
            **chip.figures(),
        }


def _bin_model(ctx: BuildContext) -> Decoder:
    """The decode node's model file: a bin decoder for these channels and the node's ``dims``."""
    p = ctx.node.params
    try:
        dec = load_decoder(p.model, ctx.channels)
    except DecoderError as exc:
        raise ctx.error("model", str(exc)) from None
    if not isinstance(dec, BayesianDecoder | KalmanDecoder | WienerFilter):
        raise ctx.error(
            "model", f"{p.model} holds a {type(dec).__name__}, not a bin decoder "
            "(bayes, kalman, wiener)",
        )  # fmt: skip
    width = np.asarray(dec.step(np.zeros(ctx.n_channels))).size
    dec.reset()
    if width != len(p.dims):
        raise ctx.error(
            "dims", f"the model {p.model} decodes {width} values, the node names "
            f"{len(p.dims)} ({', '.join(p.dims)})",
        )  # fmt: skip
    return dec


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _cost(compiled: Any) -> dict[str, Any]:
    """The compiled network's size and cost from its report (chip mapper and counters)."""
    rep = compiled.report()
    keys = ("neurons", "synapses", "cores", "fits", "energy_uj_per_s", "time_us_per_step")
    return {k: rep[k] for k in keys if k in rep}
