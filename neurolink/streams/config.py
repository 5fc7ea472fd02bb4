"""Config sections of the streams: the ``[source]`` kinds (BrainFlow, LSL, file).

``[source]`` is a tagged union: ``kind`` picks one of :data:`SOURCE_KINDS`, whose keys live in
the sub-table of the same name (``[source.brainflow]``, ``[source.lsl]``, ``[source.file]``).
Other packages add kinds with ``@SOURCE_KINDS.register`` (the simulated subject:
:mod:`neurolink.sim.source_config`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar, Literal, Self

import numpy as np
from brainflow.board_shim import BoardShim, BrainFlowInputParams, BrainFlowPresets

from neurolink.config.tables import Scope, Variants, setting
from neurolink.errors import BoardNotFoundError
from neurolink.streams.boards import board_name, resolve_board

__all__ = [
    "CHANNEL_TYPES",
    "FILE_FORMATS",
    "SOURCE_KINDS",
    "BrainFlowConfig",
    "FileConfig",
    "LslConfig",
    "SourceConfig",
]

#: BrainFlow channel types (``eeg``, ``emg``, ``accel`` …): each has a ``get_<type>_channels``.
CHANNEL_TYPES: tuple[str, ...] = tuple(
    sorted(
        m[len("get_") : -len("_channels")]
        for m in dir(BoardShim)
        if m.startswith("get_") and m.endswith("_channels")
    )
)

#: Recording formats the file player reads.
FILE_FORMATS = ("edf", "bdf", "eeglab", "xdf", "raw", "npz")

#: File suffix → format, used when ``format`` is not given.
SUFFIX_FORMATS = {
    ".edf": "edf",
    ".bdf": "bdf",
    ".set": "eeglab",
    ".xdf": "xdf",
    ".xdfz": "xdf",
    ".raw": "raw",
    ".npz": "npz",
}

_RAW_KEYS = ("dtype", "n_channels", "fs")
_PRESETS = {
    "default": BrainFlowPresets.DEFAULT_PRESET,
    "auxiliary": BrainFlowPresets.AUXILIARY_PRESET,
    "ancillary": BrainFlowPresets.ANCILLARY_PRESET,
}
_IP_PROTOCOLS = {"none": 0, "udp": 1, "tcp": 2}  # brainflow IpProtocolTypes
_NO_BOARD = -100  # brainflow BoardIds.NO_BOARD: the default master_board
_FILE_KEYS = ("file", "file_aux", "file_anc")  # paths BrainFlow would open from the cwd


class SourceConfig:
    """Base of the source kinds; ``kind`` says which one (``"brainflow"``, ``"lsl"``, …)."""

    kind: ClassVar[str]


#: The registered source kinds; ``@SOURCE_KINDS.register`` adds one.
SOURCE_KINDS = Variants("source kind", tag="kind")


@SOURCE_KINDS.register
@dataclasses.dataclass(frozen=True)
class BrainFlowConfig(SourceConfig):
    """``[source.brainflow]``: a BrainFlow board.

    Attributes
    ----------
    board : str
        Board name (``"synthetic"``, ``"cyton_daisy"``) or BrainFlow id; after loading always
        the short name, with the id in :attr:`board_id`.
    serial_port, mac_address, ip_address, ip_address_aux, ip_address_anc, other_info, \
serial_number : str
        BrainFlow input parameters, passed on unchanged (see ``BrainFlowInputParams``).
    file, file_aux, file_anc : str
        Recordings of the playback board (per preset), relative to the config file's folder;
        absolute once loaded ("" when not used).
    ip_port, ip_port_aux, ip_port_anc : int
        Ports, 0..65535 (0: not used).
    ip_protocol : {"none", "udp", "tcp"}
    timeout : int
        Board discovery timeout in seconds (0: BrainFlow's default).
    master_board : str or None
        For the playback and streaming boards: the board that recorded the data.
    preset : {"default", "auxiliary", "ancillary"}
        Which BrainFlow data preset to read.
    channel_types : tuple of str
        Channel types to deliver, from :data:`CHANNEL_TYPES`.
    stall_timeout : float
        Seconds without samples before the source reports a stall.
    """

    kind: ClassVar[str] = "brainflow"

    board: str | int = "synthetic"
    serial_port: str = ""
    mac_address: str = ""
    ip_address: str = ""
    ip_address_aux: str = ""
    ip_address_anc: str = ""
    ip_port: int = setting(0, ge=0, le=65535)
    ip_port_aux: int = setting(0, ge=0, le=65535)
    ip_port_anc: int = setting(0, ge=0, le=65535)
    ip_protocol: Literal["none", "udp", "tcp"] = "none"
    other_info: str = ""
    timeout: int = setting(0, ge=0)
    serial_number: str = ""
    file: str = ""
    file_aux: str = ""
    file_anc: str = ""
    master_board: str | int | None = None
    preset: Literal["default", "auxiliary", "ancillary"] = "default"
    channel_types: tuple[str, ...] = setting(("eeg",), choices=CHANNEL_TYPES)
    stall_timeout: float = setting(2.0, gt=0)

    @property
    def board_id(self) -> int:
        """BrainFlow id of :attr:`board`."""
        return resolve_board(self.board)

    @property
    def preset_id(self) -> int:
        """BrainFlow preset (``BrainFlowPresets``) value of :attr:`preset`."""
        return int(_PRESETS[self.preset])

    def input_params(self) -> BrainFlowInputParams:
        """The ``BrainFlowInputParams`` to open the board with."""
        params = BrainFlowInputParams()
        for name in vars(params):
            value = getattr(self, name)
            if name == "ip_protocol":
                value = _IP_PROTOCOLS[value]
            elif name == "master_board":
                value = _NO_BOARD if value is None else resolve_board(value)
            setattr(params, name, value)
        return params

    def validate(self, scope: Scope) -> Self:
        """Resolve board names to their short form (with a "did you mean" when unknown) and
        the recording paths against the config file's folder."""
        if not self.channel_types:
            raise scope.error("channel_types", "give at least one channel type")
        master = None if self.master_board is None else _board(scope, "master_board", self)
        files = {k: _path(scope, getattr(self, k)) for k in _FILE_KEYS}
        return dataclasses.replace(
            self, board=_board(scope, "board", self), master_board=master, **files
        )


def _path(scope: Scope, value: str) -> str:
    """``value`` made absolute against the config file's folder ("" stays "")."""
    if not value:
        return value
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else (scope.base_dir / p).resolve())


def _board(scope: Scope, key: str, source: BrainFlowConfig) -> str:
    """Short name of the board in ``source.<key>``; ConfigError naming the key when unknown."""
    try:
        return board_name(resolve_board(getattr(source, key)))
    except BoardNotFoundError as exc:
        raise scope.error(key, str(exc)) from None


@SOURCE_KINDS.register
@dataclasses.dataclass(frozen=True)
class LslConfig(SourceConfig):
    """``[source.lsl]``: an LSL stream on the network, found by name, type and/or source id.

    Attributes
    ----------
    name, type, source_id : str or None
        Stream properties to match; at least one is required. When several outlets match, the
        source refuses to open and lists them: pin one with ``source_id`` and/or ``hostname``.
    hostname : str or None
        Host the stream must come from (outlets on several hosts may share a source id; LSL
        reaches other hosts only with ``NEUROLINK_LSL_NETWORK=lan``).
    resolve_timeout : float
        Seconds to wait for the stream to appear.
    stall_timeout : float
        Seconds without samples before the source reports a stall.
    expected_channels : int or None
        Refuse a stream with another channel count.
    fs : float or None
        Refuse a stream with another nominal sampling rate (Hz; 0 for irregular streams).
        Formerly ``expected_rate`` (still read, with a deprecation warning).
    markers : str or None
        Name of a marker stream to read alongside (e.g. MNE-LSL's ``"<name>-annotations"``);
        its events are paired with this stream's sample indices.
    unit : str or None
        Unit of the channels when the stream declares none (``"uV"``, ``"V"`` …); a declared
        unit always wins, and voltages are delivered in µV.
    """

    kind: ClassVar[str] = "lsl"

    name: str | None = None
    type: str | None = None
    source_id: str | None = None
    hostname: str | None = None
    resolve_timeout: float = setting(5.0, gt=0)
    stall_timeout: float = setting(2.0, gt=0)
    expected_channels: int | None = setting(None, gt=0)
    fs: float | None = setting(None, ge=0, was=("expected_rate",))
    markers: str | None = None
    unit: str | None = None

    def validate(self, scope: Scope) -> Self:
        """Require at least one of ``name``, ``type``, ``source_id``."""
        if not (self.name or self.type or self.source_id):
            raise scope.error(
                None, "give at least one of `name`, `type` or `source_id` to find the stream"
            )
        return self


@SOURCE_KINDS.register
@dataclasses.dataclass(frozen=True)
class FileConfig(SourceConfig):
    """``[source.file]``: a recording replayed as a live stream.

    Attributes
    ----------
    path : Path
        The recording, relative to the config file's folder; must exist. Absolute once loaded.
    format : str
        One of :data:`FILE_FORMATS`; when absent, taken from the file suffix.
    dtype : str or None
        Raw only: numpy sample dtype (``"<i2"``, ``"float32"``).
    n_channels : int or None
        Raw only: interleaved channel count.
    fs : float or None
        Raw only: sampling rate in Hz. Formerly ``rate`` (still read, with a deprecation
        warning).
    realtime : bool
        Pace samples at their rate (False: as fast as read).
    loop : bool
        Start again at the end.
    chunk_ms : float
        Milliseconds of data per pushed chunk.
    name : str
        LSL stream name of the player; defaults to the file stem.
    """

    kind: ClassVar[str] = "file"

    path: Path = dataclasses.field(metadata={"exists": True})
    format: Literal["edf", "bdf", "eeglab", "xdf", "raw", "npz"] | None = None
    dtype: str | None = None
    n_channels: int | None = setting(None, gt=0)
    fs: float | None = setting(None, gt=0, was=("rate",))
    realtime: bool = True
    loop: bool = False
    chunk_ms: float = setting(20.0, gt=0)
    name: str | None = None

    def validate(self, scope: Scope) -> Self:
        """Fill in format and name; check that raw files say how to read them."""
        fmt = self.format or SUFFIX_FORMATS.get(self.path.suffix.lower())
        if fmt is None:
            formats = ", ".join(repr(f) for f in FILE_FORMATS)
            raise scope.error(
                "path",
                f"cannot tell the format of {self.path.name!r} from its suffix; "
                f"set `format` to one of {formats}",
            )
        given = {k: getattr(self, k) is not None for k in _RAW_KEYS}
        if fmt == "raw":
            missing = [k for k in _RAW_KEYS if not given[k]]
            if missing:
                raise scope.error(
                    None,
                    "format 'raw' needs `dtype`, `n_channels` and `fs`; missing "
                    + ", ".join(f"`{k}`" for k in missing),
                )
            _check_dtype(scope, str(self.dtype))
        else:
            for key in _RAW_KEYS:
                if given[key]:
                    raise scope.error(key, f"only used with format 'raw' (format is {fmt!r})")
        return dataclasses.replace(self, format=fmt, name=self.name or self.path.stem)


def _check_dtype(scope: Scope, dtype: str) -> None:
    """Raise unless ``dtype`` names a numeric numpy dtype."""
    try:
        ok = np.dtype(dtype).kind in "iuf"
    except TypeError:
        ok = False
    if not ok:
        raise scope.error(
            "dtype", f"expected a numeric numpy dtype such as 'int16' or '<i2', got {dtype!r}"
        )
