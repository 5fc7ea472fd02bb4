"""BrainFlow-format recordings: write, read, and play back through BrainFlow's playback board.

A BrainFlow recording is what ``DataFilter.write_file`` writes: one line per sample, one
tab-separated column per board row (``num_rows`` of the board description, timestamp, package
counter and marker rows included), each value with six decimals (``%lf``). BrainFlow's
``PLAYBACK_FILE_BOARD`` replays such a file as a live board, pacing the samples by the
differences of the file's timestamp row.

Host timestamps of a playback
-----------------------------
By default (``original_timestamps=False``) the playback board stamps every sample with the Unix
time at which it pushes it (BrainFlow's ``new_timestamps``), and :class:`PlaybackSource` converts
those stamps to the host clock like any live board's. A playback therefore behaves as a live
stream: timestamps are near :func:`neurolink.clock.now`, latencies and stall detection mean what
they mean live. The recording's own stamps stay in the file (:func:`read_brainflow_file`).
Sample k of a playback is line k of the file, so marker positions (sample indices) are exact.

With ``original_timestamps=True`` the board passes the file's stamps through (``old_timestamps``)
and they are converted with the current epoch → host offset: the original spacing and jitter are
kept exactly, but the times lie in the past (when the recording was made), so
``stats.last_data_age`` is the age of the recording, not a delivery latency.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from brainflow.board_shim import BoardIds, BoardShim
from brainflow.data_filter import DataFilter
from brainflow.exit_codes import BrainFlowError

from neurolink.errors import FileFormatError
from neurolink.streams.boards import board_name, resolve_board
from neurolink.streams.brainflow_source import BrainFlowSource, board_description

__all__ = ["PlaybackSource", "read_brainflow_file", "write_brainflow_file"]


def write_brainflow_file(
    path: str | os.PathLike[str],
    data: np.ndarray,
    board: str | int,
    preset: str | int = "default",
) -> Path:
    """Write a recording in BrainFlow's own file format (``DataFilter.write_file``).

    Parameters
    ----------
    path : path-like
        File to create (overwritten if it exists).
    data : numpy.ndarray, shape (num_rows, n_samples)
        All rows of the board description, as ``BoardShim.get_board_data`` returns them. The
        timestamp row holds Unix-epoch seconds, positive and non-decreasing (the playback board
        paces by their differences). Values are stored with six decimals.
    board : str or int
        Board that recorded (or whose format the data follow), name or id.
    preset : str or int
        Preset whose rows ``data`` holds.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ValueError
        When ``data`` does not have the board's number of rows or its timestamps are unusable.
    """
    board_id = resolve_board(board)
    descr = board_description(board_id, preset)
    arr = np.ascontiguousarray(data, dtype=np.float64)
    rows = int(descr["num_rows"])
    if arr.ndim != 2 or arr.shape[0] != rows or arr.shape[1] == 0:
        raise ValueError(
            f"board {board_name(board_id)!r} records {rows} rows: data must have shape "
            f"({rows}, n_samples) with n_samples > 0, got {arr.shape}"
        )
    ts = arr[int(descr["timestamp_channel"])]
    if not (np.all(np.isfinite(ts)) and np.all(ts > 0) and np.all(np.diff(ts) >= 0)):
        raise ValueError(
            f"timestamp row {descr['timestamp_channel']} must hold positive, finite, "
            "non-decreasing Unix-epoch seconds"
        )
    out = Path(path)
    DataFilter.disable_data_logger()
    try:
        DataFilter.write_file(arr, os.fspath(out), "w")
    except BrainFlowError as exc:
        raise OSError(f"BrainFlow could not write {out}: {exc}") from exc
    return out


def read_brainflow_file(
    path: str | os.PathLike[str], board: str | int | None = None, preset: str | int = "default"
) -> np.ndarray:
    """Read a BrainFlow-format recording.

    Parameters
    ----------
    path : path-like
        File written by BrainFlow (``DataFilter.write_file``, a streamer ``file://``) or by
        :func:`write_brainflow_file`.
    board : str or int, optional
        When given, the file's row count is checked against this board's description.
    preset : str or int
        Preset of ``board`` to check against.

    Returns
    -------
    numpy.ndarray of float64, shape (num_rows, n_samples)

    Raises
    ------
    FileFormatError
        Missing, empty or unparsable file, or a row count that does not match ``board``.
    """
    file = Path(path)
    if not file.is_file():
        raise FileFormatError(f"BrainFlow recording {file} does not exist")
    DataFilter.disable_data_logger()
    try:
        data = DataFilter.read_file(os.fspath(file))
    except BrainFlowError as exc:
        raise FileFormatError(f"BrainFlow recording {file} is unreadable: {exc}") from exc
    data = np.atleast_2d(np.asarray(data, dtype=np.float64))
    if board is not None:
        _check_rows(file, data.shape[0], resolve_board(board), preset)
    return data


def _check_rows(file: Path, n_rows: int, board_id: int, preset: str | int) -> None:
    expected = int(board_description(board_id, preset)["num_rows"])
    if n_rows != expected:
        raise FileFormatError(
            f"BrainFlow recording {file} has {n_rows} columns per sample but board "
            f"{board_name(board_id)!r} records {expected}"
        )


def recorded_markers(path: str | os.PathLike[str], board: str | int) -> np.ndarray:
    """The marker row of a BrainFlow recording, checking its row count on the way.

    Parameters
    ----------
    path : path-like
        The recording.
    board : str or int
        Board whose default-preset format the file follows.

    Returns
    -------
    numpy.ndarray of float64, shape (n_samples,)
        One value per sample of the file (0 where no marker); its length is the sample count.
    """
    file = Path(path)
    board_id = resolve_board(board)
    try:
        with file.open("r", encoding="ascii") as fh:
            lines = [line.strip() for line in fh if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"BrainFlow recording {file} is unreadable: {exc}") from exc
    if not lines:
        raise FileFormatError(f"BrainFlow recording {file} is empty")
    sep = "\t" if "\t" in lines[0] else ","
    _check_rows(file, len(lines[0].split(sep)), board_id, "default")
    col = int(board_description(board_id)["marker_channel"])
    try:
        return np.array([float(line.split(sep)[col]) for line in lines], dtype=np.float64)
    except (ValueError, IndexError) as exc:
        raise FileFormatError(f"BrainFlow recording {file}: bad marker column: {exc}") from exc


class PlaybackSource(BrainFlowSource):
    """Replay a BrainFlow recording as a live board through ``PLAYBACK_FILE_BOARD``.

    Samples arrive paced by the file's timestamps, with the master board's rows, rate, channel
    names and package-counter gap detection, and with the recorded markers (which BrainFlow's
    playback board itself drops). Once every sample of the file has been delivered,
    :attr:`exhausted` is True and :meth:`read` returns None instead of raising
    StreamStalledError. See the module docstring for how host timestamps are produced.

    Parameters
    ----------
    file : path-like
        The recording (default-preset rows of ``master_board``).
    master_board : str or int
        Board that recorded the file (its format and rate apply).
    channel_types : sequence of str
        As for :class:`~neurolink.streams.brainflow_source.BrainFlowSource`.
    original_timestamps : bool
        False (default): stamp samples at replay; True: keep the file's stamps.
    stall_timeout : float
        Seconds without samples (before the end of the file) that raise StreamStalledError.
    name : str, optional
        Stream name (default ``"playback-<file stem>"``).
    """

    def __init__(
        self,
        file: str | os.PathLike[str],
        master_board: str | int,
        *,
        channel_types: Sequence[str] = ("eeg",),
        original_timestamps: bool = False,
        stall_timeout: float = 5.0,
        name: str | None = None,
    ) -> None:
        self.file = Path(file)
        self.original_timestamps = bool(original_timestamps)
        super().__init__(
            int(BoardIds.PLAYBACK_FILE_BOARD),
            channel_types=channel_types,
            stall_timeout=stall_timeout,
            config=("old_timestamps" if original_timestamps else "new_timestamps",),
            name=name or f"playback-{self.file.stem}",
            file=self.file,
            master_board=resolve_board(master_board),
        )
        self.n_file_samples: int | None = None
        self._file_markers = np.zeros(0)

    def open(self) -> None:
        """Check the file against the master board, then start the playback session."""
        self._file_markers = recorded_markers(self.file, self.descr_id)
        self.n_file_samples = int(self._file_markers.size)
        super().open()

    @property
    def exhausted(self) -> bool:
        """True once every sample of the file has been delivered."""
        return (
            self.n_file_samples is not None
            and self.rows_received >= self.n_file_samples
            and self._pending is None
        )

    def _stall_exempt(self) -> bool:
        return self.n_file_samples is not None and self.rows_received >= self.n_file_samples

    def _poll(self, shim: BoardShim, timeout: float) -> np.ndarray | None:
        """Fetch new samples and put the file's markers back into their marker row.

        BrainFlow's boards overwrite the marker row with their own (``insert_marker``) queue, so
        the playback board drops recorded markers; sample k of the stream is line k of the file,
        which restores them (as long as BrainFlow's buffer never overflows, i.e. the source is
        read at least every ``buffer_size`` samples). A marker inserted live during playback wins
        over a recorded one.
        """
        start = self.rows_received
        raw = super()._poll(shim, timeout)
        if raw is not None:
            recorded = self._file_markers[start : start + raw.shape[1]]
            row = raw[int(self.descr["marker_channel"]), : recorded.size]
            row[:] = np.where(row != 0, row, recorded)
        return raw
