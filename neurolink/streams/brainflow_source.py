"""A BrainFlow board as a neurolink :class:`~neurolink.streams.source.Source`.

The source polls BrainFlow's ring buffer, picks the requested rows of the board description,
converts BrainFlow's Unix-epoch timestamps to the host clock (:class:`neurolink.clock.EpochClock`,
re-measured periodically and kept in ``source.clock.history``), detects dropped samples from the
board's package counter, and turns the marker row into marker events. The BrainFlow session is
released on :meth:`BrainFlowSource.close`, on errors inside :meth:`BrainFlowSource.open`, and when
the ``with`` block ends for any reason (Ctrl-C included).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Self

import numpy as np
from brainflow.board_shim import BoardIds, BoardShim
from brainflow.exit_codes import BrainFlowError, BrainFlowExitCodes

from neurolink.clock import EpochClock, now
from neurolink.errors import ConfigError, SourceError, StreamStalledError
from neurolink.streams.block import Block, count_invalid
from neurolink.streams.boards import board_name, resolve_board
from neurolink.streams.brainflow_board import (
    MASTER_BOARDS,
    PACKAGE_STEP,
    board_description,
    make_input_params,
    marker_label,
    missing_packages,
    resolve_preset,
    select_channels,
    select_typed_channels,
)
from neurolink.streams.events import MARKER_DTYPE, empty_markers
from neurolink.streams.meta.channels import channel_type_name
from neurolink.streams.source import SourceStats

_POLL_S = 0.002  # sleep between polls of the BrainFlow buffer while waiting for data

__all__ = [
    "BrainFlowSource",
    "board_description",
    "make_input_params",
    "marker_label",
    "missing_packages",
    "resolve_preset",
    "select_channels",
]


class BrainFlowSource:
    """Stream a BrainFlow board (synthetic, hardware, playback file, streaming board).

    Parameters
    ----------
    board : str or int
        Board name or id (``"synthetic"``, ``"cyton_daisy"``, ``-1``); see
        :func:`neurolink.streams.boards.resolve_board`.
    params : mapping of str to object, optional
        ``BrainFlowInputParams`` fields (``serial_port``, ``mac_address``, ``ip_address``,
        ``ip_port``, ``ip_protocol``, ``other_info``, ``timeout``, ``serial_number``, ``file``,
        ``master_board``, …), merged with ``input_params``; an unknown field is a ConfigError.
    channel_types : sequence of str
        Row types to deliver (see :func:`select_channels`); default ``("eeg",)``. Each
        delivered channel's type is kept in ``types`` (``EEG``, ``EMG``…, XDF spelling).
    preset : str or int
        BrainFlow preset; must be one the board lists (checked before any session exists).
    stall_timeout : float
        Seconds without samples after which :meth:`read` raises StreamStalledError.
    buffer_size : int
        BrainFlow ring-buffer capacity (samples); older samples are dropped when it overflows.
    config : sequence of str
        ``config_board`` commands sent after the session is prepared, before streaming starts.
    name : str, optional
        Stream name (default ``"brainflow-<board>"``).
    package_wrap : int or None
        Modulus of the board's package counter for gap detection (None: no gap detection).
    clock_interval : float
        Seconds between re-measurements of the epoch → host clock offset.
    **input_params
        ``BrainFlowInputParams`` fields as keyword arguments (same rules as ``params``).
    """

    def __init__(
        self,
        board: str | int = "synthetic",
        params: Mapping[str, object] | None = None,
        *,
        channel_types: Sequence[str] = ("eeg",),
        preset: str | int = "default",
        stall_timeout: float = 5.0,
        buffer_size: int = 45_000,
        config: Sequence[str] = (),
        name: str | None = None,
        package_wrap: int | None = 256,
        clock_interval: float = 5.0,
        **input_params: object,
    ) -> None:
        if (
            stall_timeout <= 0
            or buffer_size <= 0
            or (package_wrap is not None and package_wrap < 2)
        ):
            raise ConfigError(
                "BrainFlowSource needs stall_timeout > 0 s, buffer_size > 0 and package_wrap >= 2,"
                f" got {stall_timeout!r}, {buffer_size!r}, {package_wrap!r}"
            )
        self.board_id = resolve_board(board)
        self.input_fields = {**(params or {}), **input_params}
        master = int(make_input_params(self.input_fields).master_board)  # validates fields
        self.descr_id = self.board_id
        if self.board_id in MASTER_BOARDS:
            if master == int(BoardIds.NO_BOARD):
                raise ConfigError(
                    f"board {board_name(self.board_id)!r} needs master_board (the board whose "
                    "data format it carries)"
                )
            self.descr_id = master
        try:
            self.preset = resolve_preset(self.descr_id, preset)
            self.descr = BoardShim.get_board_descr(self.descr_id, self.preset)
        except BrainFlowError as exc:
            raise ConfigError(f"BrainFlow has no description of board {board!r}: {exc}") from exc
        rows, labels, kinds = select_typed_channels(self.descr, channel_types)
        self.name = name or f"brainflow-{board_name(self.board_id)}"
        self.rate = float(self.descr["sampling_rate"])
        self.channels = tuple(labels)
        self.types = tuple(channel_type_name(k) for k in kinds)  # per channel: EEG, EMG…
        self.rows = rows
        self.stall_timeout = float(stall_timeout)
        self.buffer_size = int(buffer_size)
        self.config = tuple(config)
        self.package_wrap = package_wrap if "package_num_channel" in self.descr else None
        self.package_step = PACKAGE_STEP.get(self.descr_id, 1)
        self.clock_interval = float(clock_interval)
        self.stats = SourceStats()
        self.clock: EpochClock | None = None
        self.shim: BoardShim | None = None
        self.rows_received = 0  # raw BrainFlow samples fetched since open()
        self._reset()

    # -- lifecycle ---------------------------------------------------------------------------

    def _reset(self) -> None:
        self._next_index = 0
        self._last_pkg: int | None = None
        self._pending: np.ndarray | None = None
        self._markers: list[np.ndarray] = []
        self._last_arrival = now()

    def _where(self) -> str:
        """Board name and its non-default input parameters, for messages."""
        shown = ", ".join(
            f"{k}={os.fspath(v) if isinstance(v, os.PathLike) else v!r}"
            for k, v in self.input_fields.items()
        )
        return f"{board_name(self.board_id)!r}" + (f" ({shown})" if shown else "")

    def open(self) -> None:
        """Prepare the BrainFlow session and start streaming.

        Raises
        ------
        SourceError
            When BrainFlow refuses (port missing, board busy, bad file); nothing stays prepared.
        """
        if self.shim is not None:
            raise SourceError(f"BrainFlow board {self._where()} is already open")
        BoardShim.disable_board_logger()
        shim = BoardShim(self.board_id, make_input_params(self.input_fields))
        prepared = False
        try:
            shim.prepare_session()
            prepared = True
            for command in self.config:
                shim.config_board(command)
            shim.start_stream(self.buffer_size)
            self.clock = EpochClock(remeasure_interval=self.clock_interval)
            self.stats = SourceStats()
            self.rows_received = 0
            self._reset()
            self.shim = shim
        except BaseException as exc:
            if prepared:
                _release(shim, quiet=True)
            if isinstance(exc, BrainFlowError):
                code = _exit_name(exc.exit_code)
                raise SourceError(f"cannot open BrainFlow board {self._where()}: {code}") from exc
            raise

    def close(self) -> None:
        """Stop streaming and release the session; safe to call more than once."""
        shim, self.shim = self.shim, None
        if shim is not None:
            _release(shim, quiet=False)

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- streaming ---------------------------------------------------------------------------

    def _require_open(self) -> BoardShim:
        if self.shim is None:
            raise SourceError(f"BrainFlow board {self._where()} is not open; call open() first")
        return self.shim

    def insert_marker(self, value: float) -> None:
        """Ask BrainFlow to put ``value`` (finite, nonzero) in the marker row of the next sample."""
        if not np.isfinite(value) or value == 0:
            raise ValueError(f"marker value must be finite and nonzero, got {value!r}")
        try:
            self._require_open().insert_marker(float(value), self.preset)
        except BrainFlowError as exc:
            raise SourceError(f"BrainFlow board {self._where()} refused marker {value!r}") from exc

    def _stall_exempt(self) -> bool:
        """True when silence is expected (a finished playback); subclasses override."""
        return False

    def _poll(self, shim: BoardShim, timeout: float) -> np.ndarray | None:
        """Fetch whatever BrainFlow holds, waiting at most ``timeout`` s for the first sample."""
        deadline = now() + max(0.0, timeout)
        while True:
            try:
                n = shim.get_board_data_count(self.preset)
                raw = shim.get_board_data(n, self.preset) if n > 0 else None
            except BrainFlowError as exc:
                code = _exit_name(exc.exit_code)
                raise SourceError(f"BrainFlow board {self._where()} failed: {code}") from exc
            t = now()
            if raw is not None and raw.shape[1] > 0:
                self._last_arrival = t
                self.rows_received += raw.shape[1]
                return raw
            idle = t - self._last_arrival
            if idle > self.stall_timeout and not self._stall_exempt():
                raise StreamStalledError(
                    f"BrainFlow board {board_name(self.board_id)!r} delivered no samples for "
                    f"{idle:.1f} s (stall_timeout {self.stall_timeout:g} s)"
                )
            if t >= deadline:
                return None
            time.sleep(min(_POLL_S, deadline - t))

    def read(self, timeout: float = 0.0) -> Block | None:
        """Return the samples that arrived since the last call, or None if none arrived.

        Waits at most ``timeout`` seconds for the first sample, never for a full chunk. When the
        package counter shows dropped samples inside the fetched data, the block ends before the
        gap and the next call returns the rest at once (with ``gap`` and a jump in
        ``first_index``).

        Raises
        ------
        StreamStalledError
            When no sample arrived for ``stall_timeout`` seconds.
        """
        shim = self._require_open()
        if self._pending is None:
            self._pending = self._poll(shim, timeout)
            if self._pending is None:
                return None
        return self._emit()

    def _emit(self) -> Block:
        """Turn the pending raw data up to the next gap into a Block."""
        raw = self._pending
        assert raw is not None and self.clock is not None
        n = raw.shape[1]
        missing = np.zeros(n, dtype=np.int64)
        pkg = raw[int(self.descr["package_num_channel"])] if self.package_wrap else None
        pkg_ok = pkg is not None and bool(np.all(np.isfinite(pkg)))
        if pkg_ok:  # a counter with NaN in it says nothing: no gap detection for this chunk
            missing = missing_packages(pkg, self._last_pkg, self.package_wrap, self.package_step)
        later = np.flatnonzero(missing[1:]) + 1
        cut = int(later[0]) if later.size else n
        chunk, self._pending = raw[:, :cut], (raw[:, cut:] if cut < n else None)
        gap = int(missing[0])
        self._last_pkg = int(np.rint(pkg[cut - 1])) if pkg_ok else None
        first = self._next_index + gap
        self._next_index = first + cut
        data = np.ascontiguousarray(chunk[self.rows].T, dtype=np.float32)
        self.clock.maybe_remeasure()
        ts = np.ascontiguousarray(self.clock.to_host(chunk[int(self.descr["timestamp_channel"])]))
        if "marker_channel" in self.descr:
            self._collect_markers(chunk[int(self.descr["marker_channel"])], ts, first)
        block = Block(
            data=data,
            timestamps=ts,
            first_index=first,
            rate=self.rate,
            channels=self.channels,
            stream=self.name,
            gap=gap,
            n_invalid=count_invalid(data),
        )
        s = self.stats
        s.n_samples += cut
        s.n_blocks += 1
        s.n_gaps += int(gap > 0)
        s.gap_samples += gap
        s.n_invalid += block.n_invalid
        s.last_data_age = now() - float(ts[-1])
        return block

    def _collect_markers(self, values: np.ndarray, ts: np.ndarray, first: int) -> None:
        hit = np.flatnonzero(np.isfinite(values) & (values != 0))
        if hit.size:
            events = np.empty(hit.size, dtype=MARKER_DTYPE)
            events["timestamp"] = ts[hit]
            events["label"] = [marker_label(v) for v in values[hit]]
            events["sample_index"] = first + hit
            self._markers.append(events)

    def read_markers(self) -> np.ndarray:
        """Marker events (``MARKER_DTYPE``) of the samples delivered since the last call.

        Returns
        -------
        numpy.ndarray of MARKER_DTYPE, shape (n_events,)
            ``label`` is the marker value formatted (``"3"``, ``"3.5"``), ``sample_index`` the
            running index of the sample that carried it, ``timestamp`` its host time (s).
        """
        events = np.concatenate(self._markers) if self._markers else empty_markers()
        self._markers = []
        self.stats.n_markers += int(events.size)
        return events


def _exit_name(code: int) -> str:
    try:
        return f"{BrainFlowExitCodes(code).name} ({code})"
    except ValueError:
        return f"BrainFlow exit code {code}"


def _release(shim: BoardShim, *, quiet: bool) -> None:
    """Stop the stream (if running) and release the session we prepared."""
    try:
        shim.stop_stream()
    except BrainFlowError:
        pass  # not streaming (failed during open) — releasing is what matters
    finally:
        try:
            shim.release_session()
        except BrainFlowError as exc:
            if not quiet:
                raise SourceError(f"BrainFlow could not release its session: {exc}") from exc
