"""Recording files read into memory: EDF/BDF, EEGLAB, XDF, raw binary and ``.npz``.

:func:`read_recording` returns a :class:`Recording` (float32 samples, rate, channel labels,
annotations as markers) that :class:`neurolink.streams.player.FilePlayer` replays as a live LSL
stream. MNE (EDF/BDF/EEGLAB) and pyxdf (XDF) are optional dependencies, imported only when such a
file is read (``pip install 'neurolink[files]'``). Every failure is a one-line
:class:`~neurolink.errors.FileFormatError` that names the file and the problem.
"""

from __future__ import annotations

import enum
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from neurolink.bounded import memory_budget, read_npz
from neurolink.bounded.limits import gib
from neurolink.bounded.xdf_file import checked_xdf
from neurolink.errors import FileFormatError
from neurolink.streams.events import MARKER_DTYPE, empty_markers

__all__ = ["FileFormat", "Recording", "read_recording"]


class FileFormat(enum.StrEnum):
    """Recording formats :func:`read_recording` understands (values as used in configs)."""

    EDF = "edf"
    BDF = "bdf"
    EEGLAB = "eeglab"
    XDF = "xdf"
    RAW = "raw"
    NPZ = "npz"


#: Uncompressed bytes an ``.npz`` recording may declare (and at most half of this process's memory).
MAX_NPZ_RECORDING_BYTES = 64 << 30

#: File suffix → format, used when no format is given.
SUFFIX_FORMATS: dict[str, FileFormat] = {
    ".edf": FileFormat.EDF,
    ".bdf": FileFormat.BDF,
    ".set": FileFormat.EEGLAB,
    ".xdf": FileFormat.XDF,
    ".xdfz": FileFormat.XDF,
    ".raw": FileFormat.RAW,
    ".npz": FileFormat.NPZ,
}


@dataclass(frozen=True, eq=False)
class Recording:
    """A whole recording in memory.

    Parameters
    ----------
    data : numpy.ndarray of float32, shape (n_samples, n_channels)
        Samples, time-major, C-contiguous, in ``unit``.
    rate : float
        Sampling rate (Hz), > 0.
    channels : tuple of str, length n_channels
        Channel labels.
    markers : numpy.ndarray of MARKER_DTYPE, shape (n_markers,)
        Annotations sorted by sample: ``timestamp`` holds the onset in seconds from the first
        sample of the file (not a host-clock time), ``label`` the text and ``sample_index`` the
        nearest sample (``round(onset * rate)``, clipped into ``[0, n_samples - 1]``).
    unit : str
        Unit of ``data`` (``"microvolts"``, ``""`` when unknown, ``"mixed"`` when MNE reported
        voltage and non-voltage channels: voltage channels are then in µV, others as stored).
    source : Path
        The file it was read from.
    """

    data: np.ndarray
    rate: float
    channels: tuple[str, ...]
    markers: np.ndarray = field(default_factory=empty_markers)
    unit: str = ""
    source: Path = Path()

    def __post_init__(self) -> None:
        d = self.data
        if not isinstance(d, np.ndarray) or d.dtype != np.float32 or d.ndim != 2:
            raise TypeError(
                f"Recording.data of {self.source} must be a 2-D float32 array, got "
                f"{getattr(d, 'dtype', type(d))} with shape {getattr(d, 'shape', None)}"
            )
        if not d.flags.c_contiguous:
            raise ValueError(f"Recording.data of {self.source} must be C-contiguous")
        if not (np.isfinite(self.rate) and self.rate > 0) or len(self.channels) != d.shape[1]:
            raise ValueError(
                f"Recording {self.source}: needs a rate > 0 Hz and one label per column; got "
                f"{self.rate} Hz, {d.shape[1]} columns, {len(self.channels)} labels"
            )
        if self.markers.dtype != MARKER_DTYPE:
            raise TypeError(f"Recording {self.source}: markers must have dtype MARKER_DTYPE")

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.data.shape[0])

    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return int(self.data.shape[1])

    @property
    def duration(self) -> float:
        """Duration in seconds (``n_samples / rate``)."""
        return self.n_samples / self.rate

    def crop(self, start: float = 0.0, stop: float | None = None) -> Recording:
        """Return the part from ``start`` to ``stop`` seconds (markers re-based to it).

        Parameters
        ----------
        start, stop : float
            Seconds from the first sample; ``stop=None`` keeps the rest. Converted to sample
            indices with ``round(t * rate)``.

        Returns
        -------
        Recording
            Copy holding samples ``[round(start * rate), round(stop * rate))``.
        """
        i0 = max(0, round(start * self.rate))
        i1 = self.n_samples if stop is None else min(self.n_samples, round(stop * self.rate))
        if i1 <= i0:
            raise ValueError(f"{self.source}: crop({start}, {stop}) selects no samples")
        keep = (self.markers["sample_index"] >= i0) & (self.markers["sample_index"] < i1)
        markers = self.markers[keep].copy()
        markers["timestamp"] -= i0 / self.rate
        markers["sample_index"] -= i0
        data = np.ascontiguousarray(self.data[i0:i1])
        return Recording(data, self.rate, self.channels, markers, self.unit, self.source)


def read_recording(
    path: str | Path,
    format: FileFormat | str | None = None,
    *,
    dtype: str | np.dtype | None = None,
    n_channels: int | None = None,
    rate: float | None = None,
    channels: list[str] | tuple[str, ...] | None = None,
    scale: float = 1.0,
    stream: str | None = None,
) -> Recording:
    """Read a recording into memory.

    Parameters
    ----------
    path : str or Path
        The file. An EEGLAB ``.set`` needs its ``.fdt`` beside it when it names one.
    format : FileFormat or str, optional
        ``"edf"``, ``"bdf"``, ``"eeglab"``, ``"xdf"``, ``"raw"`` or ``"npz"``; by default taken
        from the suffix (``.edf .bdf .set .xdf .xdfz .raw .npz``).
    dtype : str or numpy.dtype, optional
        Raw only: sample type (``"<i2"``, ``"int16"``, ``"float32"`` …). Without an explicit byte
        order, little-endian is assumed.
    n_channels : int, optional
        Raw only: number of interleaved channels (one frame = one sample of every channel).
    rate : float, optional
        Raw only: sampling rate (Hz).
    channels : sequence of str, optional
        Raw: labels of the columns (default ``ch0 … chN-1``). Other formats carry labels; there
        these names select the columns to keep, in the given order.
    scale : float
        Factor applied to every value after reading (and after the V → µV conversion of MNE
        formats), e.g. the µV per ADC step of a raw file.
    stream : str, optional
        XDF only: name of the continuous stream to read (default: the first stream with a
        nominal rate > 0 and a numeric format). Markers come from the string streams.

    Returns
    -------
    Recording
        Data as float32 ``(n_samples, n_channels)``. MNE reads EEG in volts; voltage channels
        are converted to microvolts and ``unit`` says so.

    Raises
    ------
    FileFormatError
        Missing file, unknown suffix or format, raw parameters missing, a raw file whose size is
        not a whole number of frames, a corrupt or unreadable file, a missing optional
        dependency, unknown channel or stream names. The message is one line and names the file.
    """
    path = Path(path)
    fmt = _resolve_format(path, format)
    if not path.is_file():
        raise FileFormatError(f"{path}: no such file")
    raw_args = {"dtype": dtype, "n_channels": n_channels, "rate": rate}
    if fmt is not FileFormat.RAW and (given := [k for k, v in raw_args.items() if v is not None]):
        raise FileFormatError(f"{path}: {', '.join(given)} only apply to raw binary files")
    if fmt is FileFormat.RAW:
        rec = _read_raw(path, dtype, n_channels, rate, channels)
    elif fmt is FileFormat.NPZ:
        rec = _read_npz(path)
    elif fmt is FileFormat.XDF:
        rec = _read_xdf(path, stream)
    else:
        rec = _read_mne(path, fmt)
    if channels is not None and fmt is not FileFormat.RAW:
        rec = _select(rec, channels)
    if scale != 1.0:
        scaled = (rec.data.astype(np.float64) * scale).astype(np.float32)
        rec = Recording(scaled, rec.rate, rec.channels, rec.markers, rec.unit, rec.source)
    return rec


# --------------------------------------------------------------------------------------------
# helpers


def _resolve_format(path: Path, format: FileFormat | str | None) -> FileFormat:
    if format is not None:
        try:
            return FileFormat(str(format).lower())
        except ValueError:
            known = ", ".join(f.value for f in FileFormat)
            raise FileFormatError(
                f"{path}: unknown format {format!r}; known formats: {known}"
            ) from None
    suffix = path.suffix.lower()
    if suffix not in SUFFIX_FORMATS:
        known = " ".join(sorted(SUFFIX_FORMATS))
        raise FileFormatError(
            f"{path}: cannot tell the format from the extension {suffix or '(none)'!r}; "
            f"known extensions: {known} (or give the format)"
        )
    return SUFFIX_FORMATS[suffix]


def _one_line(exc: BaseException) -> str:
    """First non-empty line of an exception message, or its type name."""
    lines = [s.strip() for s in str(exc).splitlines() if s.strip()]
    return lines[0] if lines else type(exc).__name__


def _optional(module: str, path: Path, what: str) -> ModuleType:
    """Import an optional dependency or raise a FileFormatError that says how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        how = "pip install pyxdf" if module == "pyxdf" else "pip install 'neurolink[files]'"
        raise FileFormatError(f"{path}: reading {what} files needs {module}: {how}") from exc


def _markers(onsets: Any, labels: list[str], rate: float, n: int, index: Any = None) -> np.ndarray:
    """Annotations → MARKER_DTYPE sorted by sample; ``index`` defaults to ``rint(onset * rate)``."""
    out = np.empty(len(labels), dtype=MARKER_DTYPE)
    out["timestamp"] = np.asarray(onsets, dtype=np.float64).reshape(-1)
    out["label"] = [str(x) for x in labels]
    index = np.rint(out["timestamp"] * rate) if index is None else index
    out["sample_index"] = np.clip(np.asarray(index, np.int64), 0, max(0, n - 1))
    return out[np.argsort(out["sample_index"], kind="stable")]


def _select(rec: Recording, names: list[str] | tuple[str, ...]) -> Recording:
    """Keep the channels named in ``names``, in that order."""
    missing = [n for n in names if n not in rec.channels]
    if missing or not names:
        raise FileFormatError(
            f"{rec.source}: unknown channel(s) {missing or '(none selected)'}; "
            f"the file has {list(rec.channels)}"
        )
    cols = [rec.channels.index(n) for n in names]
    data = np.ascontiguousarray(rec.data[:, cols])
    return Recording(data, rec.rate, tuple(names), rec.markers, rec.unit, rec.source)


def _read_raw(
    path: Path,
    dtype: str | np.dtype | None,
    n_channels: int | None,
    rate: float | None,
    channels: list[str] | tuple[str, ...] | None,
) -> Recording:
    given = {"dtype": dtype, "n_channels": n_channels, "rate": rate}
    if missing := [k for k, v in given.items() if v is None]:
        raise FileFormatError(
            f"{path}: a raw binary file needs dtype, n_channels and rate; missing "
            + ", ".join(missing)
        )
    assert dtype is not None and n_channels is not None and rate is not None
    try:
        dt: np.dtype | None = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.kind not in "iuf":
        raise FileFormatError(f"{path}: dtype must be a numeric numpy dtype, got {dtype!r}")
    dt = dt.newbyteorder("<") if dt.byteorder == "=" else dt
    if int(n_channels) < 1 or not float(rate) > 0:
        raise FileFormatError(
            f"{path}: n_channels must be >= 1 and rate > 0, got {n_channels} and {rate}"
        )
    labels = tuple(channels) if channels is not None else tuple(f"ch{i}" for i in range(n_channels))
    if len(labels) != n_channels:
        raise FileFormatError(f"{path}: {len(labels)} channel labels for {n_channels} channels")
    frame = dt.itemsize * int(n_channels)
    size = path.stat().st_size
    if size == 0 or size % frame:
        raise FileFormatError(
            f"{path}: size {size} bytes is not a whole number of {frame}-byte frames "
            f"({n_channels} channels of {dt.str}); truncated, or wrong dtype/n_channels?"
        )
    budget = memory_budget()
    need = size + size // dt.itemsize * 4  # the file's values and their float32 copy
    if budget is not None and need > budget:
        raise FileFormatError(
            f"{path}: {gib(size)} of raw samples need about {gib(need)} of memory to read; this "
            f"process may use {gib(budget)}"
        )
    samples = np.fromfile(path, dtype=dt).reshape(-1, int(n_channels))
    data = np.ascontiguousarray(samples, dtype=np.float32)
    return Recording(data, float(rate), labels, empty_markers(), "", path)


def _npz_limit() -> int:
    """Uncompressed bytes an ``.npz`` recording may declare: half the memory this process may
    use (the float32 copy needs as much again), at most :data:`MAX_NPZ_RECORDING_BYTES`."""
    budget = memory_budget()
    return min(MAX_NPZ_RECORDING_BYTES, budget // 2) if budget else MAX_NPZ_RECORDING_BYTES


def _read_npz(path: Path) -> Recording:
    limit = _npz_limit()
    z = read_npz(path, max_total=limit, max_member=limit, error=FileFormatError)
    missing = {"data", "rate", "channels"} - z.keys()
    if missing:
        raise FileFormatError(f"{path}: missing key(s) {sorted(missing)} in the .npz")
    try:
        data = np.ascontiguousarray(z["data"], dtype=np.float32)
        rate = float(z["rate"])
        labels = tuple(str(c) for c in np.atleast_1d(z["channels"]))
        unit = str(z["unit"]) if "unit" in z else ""
        onsets = np.asarray(z["marker_onsets"], np.float64) if "marker_onsets" in z else np.zeros(0)
        texts = [str(s) for s in np.atleast_1d(z["marker_labels"])] if "marker_labels" in z else []
    except (TypeError, ValueError) as exc:
        raise FileFormatError(f"{path}: not a recording .npz: {_one_line(exc)}") from None
    if data.ndim != 2 or len(texts) != len(onsets):
        raise FileFormatError(
            f"{path}: data must be (n_samples, n_channels) and marker_onsets/marker_labels of "
            f"equal length; got data {data.shape}, {len(onsets)} onsets, {len(texts)} labels"
        )
    return _checked(path, data, rate, labels, _markers(onsets, texts, rate, len(data)), unit)


def _checked(path: Path, *fields: Any) -> Recording:
    """``Recording(*fields, source=path)``, turning validation errors into FileFormatError."""
    try:
        return Recording(*fields, source=path)
    except (TypeError, ValueError) as exc:
        raise FileFormatError(f"{path}: {_one_line(exc)}") from exc


def _read_mne(path: Path, fmt: FileFormat) -> Recording:
    mne = _optional("mne", path, fmt.value.upper())
    reader = getattr(mne.io, f"read_raw_{fmt.value}")  # read_raw_edf, _bdf, _eeglab
    try:
        raw = reader(path, preload=True, verbose="error")
        volts = np.array([c["unit"] == mne.io.constants.FIFF.FIFF_UNIT_V for c in raw.info["chs"]])
        data = np.ascontiguousarray(raw.get_data().T * np.where(volts, 1e6, 1.0), np.float32)
        rate, ann = float(raw.info["sfreq"]), raw.annotations
        # Onsets count from meas_date when orig_time is set, from the first sample otherwise.
        onsets = np.asarray(ann.onset, np.float64) - (
            0.0 if ann.orig_time is None else raw.first_time
        )
        labels = [str(d) for d in ann.description]
    except Exception as exc:  # third-party readers raise anything on a corrupt file
        raise FileFormatError(
            f"{path}: cannot read as {fmt.value.upper()}: {_one_line(exc)}"
        ) from exc
    unit = "microvolts" if volts.all() else ("" if not volts.any() else "mixed")
    markers = _markers(onsets, labels, rate, len(data))
    return _checked(path, data, rate, tuple(raw.ch_names), markers, unit)


def _nearest(stamps: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Index of the stamp nearest to each time in ``t`` (``stamps`` sorted, non-empty)."""
    right = np.clip(np.searchsorted(stamps, t), 0, len(stamps) - 1)
    left = np.maximum(right - 1, 0)
    return np.where(np.abs(t - stamps[left]) <= np.abs(stamps[right] - t), left, right)


def _xdf_labels(stream: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    """Channel labels and unit from an XDF stream header (``desc/channels/channel``)."""
    info = stream["info"]
    n = int(info["channel_count"][0])
    labels, unit = [f"ch{i}" for i in range(n)], ""
    try:
        chans = info["desc"][0]["channels"][0]["channel"]
        found = [str(c["label"][0]) for c in chans]
        if len(found) == n:
            labels = found
        unit = str(chans[0].get("unit", [""])[0] or "")
    except (KeyError, IndexError, TypeError):
        pass
    return tuple(labels), unit


def _read_xdf(path: Path, name: str | None) -> Recording:
    pyxdf = _optional("pyxdf", path, "XDF")
    source, _ = checked_xdf(path, FileFormatError)  # a file cut short: its complete chunks
    try:
        streams, _ = pyxdf.load_xdf(source)
    except MemoryError:
        raise FileFormatError(f"{path}: not enough memory to read the recording") from None
    except Exception as exc:  # pyxdf raises anything on a file it cannot read
        raise FileFormatError(f"{path}: cannot read as XDF: {_one_line(exc)}") from exc

    def is_continuous(s: dict[str, Any]) -> bool:
        info = s["info"]
        return float(info["nominal_srate"][0]) > 0 and info["channel_format"][0] != "string"

    names = [s["info"]["name"][0] for s in streams]
    if name is not None:
        chosen = [s for s in streams if s["info"]["name"][0] == name]
        if not chosen or not is_continuous(chosen[0]):
            raise FileFormatError(
                f"{path}: no continuous numeric stream named {name!r}; streams: {names}"
            )
    else:
        chosen = [s for s in streams if is_continuous(s)]
        if not chosen:
            raise FileFormatError(f"{path}: no continuous numeric stream; streams: {names}")
    main = chosen[0]
    data = np.ascontiguousarray(main["time_series"], dtype=np.float32)
    stamps = np.asarray(main["time_stamps"], dtype=np.float64)
    if data.ndim != 2 or data.shape[0] == 0:
        raise FileFormatError(f"{path}: stream {main['info']['name'][0]!r} holds no samples")
    rate = float(main["info"]["nominal_srate"][0])
    labels, unit = _xdf_labels(main)
    strings = [s for s in streams if s["info"]["channel_format"][0] == "string"]
    onsets = [float(t) - stamps[0] for s in strings for t in s["time_stamps"]]
    texts = [str(v[0]) for s in strings for v in s["time_series"]]
    index = _nearest(stamps, stamps[0] + np.asarray(onsets, dtype=np.float64))
    markers = _markers(onsets, texts, rate, len(data), index)
    return _checked(path, data, rate, labels, markers, unit)
