"""A recorded file as a source: played as a live LSL stream and read back through an inlet.

This is the path a recording takes through ``neurolink stream file:PATH``: the same
:class:`~neurolink.streams.player.FilePlayer` that ``neurolink play`` runs publishes it, and the
same :class:`~neurolink.streams.lsl_source.LSLSource` that reads any LSL stream receives it, so
the file exercises the full live path (timestamps, gaps, markers) rather than a shortcut.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from types import TracebackType
from typing import Self

import numpy as np

from neurolink.errors import StreamStalledError
from neurolink.streams.block import Block
from neurolink.streams.config import FileConfig
from neurolink.streams.events import empty_markers
from neurolink.streams.files import read_recording
from neurolink.streams.lsl_markers import LSLMarkerSource
from neurolink.streams.lsl_source import ClockCorrection, LSLSource
from neurolink.streams.player import FilePlayer
from neurolink.streams.source import SourceStats

__all__ = ["PlayedFileSource"]


class PlayedFileSource:
    """Plays a recording on LSL and reads it back as a :class:`~neurolink.streams.Source`.

    Parameters
    ----------
    path : path-like
        Recording (EDF/BDF/EEGLAB/XDF/raw/npz).
    name : str, optional
        LSL stream name (default: file stem); a unique source id is generated.
    realtime : bool
        Pace at the recording's rate (True) or push as fast as the reader takes it.
    loop : bool
        Start again at the end.
    chunk_ms : float
        Player chunk length (ms).
    stall_timeout : float
        Seconds without samples before the inlet reports a stall.
    read_kwargs : dict, optional
        Passed to :func:`~neurolink.streams.files.read_recording` (format, dtype, n_channels,
        rate for raw files).
    """

    def __init__(
        self,
        path: str | Path,
        name: str | None = None,
        *,
        realtime: bool = True,
        loop: bool = False,
        chunk_ms: float = 20.0,
        stall_timeout: float = 2.0,
        read_kwargs: dict[str, object] | None = None,
    ):
        self.path = Path(path)
        self.name = name or self.path.stem
        self.realtime, self.loop, self.chunk_ms = realtime, loop, chunk_ms
        self.stall_timeout = stall_timeout
        self.read_kwargs = dict(read_kwargs or {})
        self.source_id = f"neurolink-file-{uuid.uuid4().hex[:12]}"
        self.rate = 0.0
        self.channels: tuple[str, ...] = ()
        self.types: tuple[str, ...] = ()  # per channel, as the player declares them
        self.units: tuple[str, ...] = ()
        self.stats = SourceStats()
        self._player: FilePlayer | None = None
        self._inlet: LSLSource | None = None
        self._markers: LSLMarkerSource | None = None
        self.exhausted = False  # True once the player finished and every sample was read

    @classmethod
    def from_config(cls, cfg: FileConfig) -> PlayedFileSource:
        """Build from a validated ``[source.file]`` section."""
        kwargs: dict[str, object] = {"format": cfg.format}
        if cfg.dtype is not None:
            kwargs.update(dtype=cfg.dtype, n_channels=cfg.n_channels, rate=cfg.fs)
        return cls(
            cfg.path,
            cfg.name,
            realtime=cfg.realtime,
            loop=cfg.loop,
            chunk_ms=cfg.chunk_ms,
            read_kwargs=kwargs,
        )

    def open(self) -> None:
        """Read the file, start the player and connect the inlets."""
        try:
            rec = read_recording(self.path, **self.read_kwargs)  # type: ignore[arg-type]
            self._player = FilePlayer(
                rec,
                self.name,
                self.source_id,
                realtime=self.realtime,
                loop=self.loop,
                chunk_ms=self.chunk_ms,
            ).start()
            # liblsl queues at most max_buflen seconds (at the nominal rate) for an inlet and
            # drops the oldest beyond that; in fast mode the whole file may be queued at once.
            buflen = 30 if self.realtime else int(rec.duration) + 30
            self._inlet = LSLSource(
                source_id=self.source_id,
                expected_channels=rec.n_channels,
                expected_rate=rec.rate,
                stall_timeout=self.stall_timeout,
                max_buflen=buflen,
            )
            self._inlet.open()
            if len(rec.markers):
                self._markers = LSLMarkerSource(source_id=f"{self.source_id}-markers")
                self._markers.open()
            self.rate, self.channels = self._inlet.rate, self._inlet.channels
            self.types, self.units = self._inlet.types, self._inlet.units
            self.stats = self._inlet.stats
        except BaseException:
            self.close()
            raise

    @property
    def clock_history(self) -> list[ClockCorrection]:
        """The inlet's clock corrections (:attr:`LSLSource.clock_history`; empty when closed)."""
        return self._inlet.clock_history if self._inlet is not None else []

    def read(self, timeout: float = 0.0) -> Block | None:
        """Samples that arrived since the last call (see :meth:`LSLSource.read`)."""
        if self._inlet is None:
            raise RuntimeError(f"file source {self.name!r} is not open")
        if self.exhausted:
            return None
        try:
            return self._inlet.read(timeout)
        except StreamStalledError:
            # the end of a (non-looping) file is not a stall: the player has pushed everything
            if self._player is not None and self._player.done.is_set():
                self.exhausted = True
                return None
            raise

    def read_markers(self) -> np.ndarray:
        """The file's annotations that arrived since the last call (``MARKER_DTYPE``)."""
        if self._markers is None:
            return empty_markers()
        markers = self._markers.read_markers()
        self.stats.n_markers += len(markers)
        return markers

    def close(self) -> None:
        """Close the inlets, then stop the player (idempotent); player errors are raised."""
        for inlet in (self._markers, self._inlet):
            if inlet is not None:
                inlet.close()
        self._markers = self._inlet = None
        player, self._player = self._player, None
        if player is not None:
            player.stop()

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
