"""BrainFlow board helpers: input params, presets, board descriptions, channel rows, counters."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence

import numpy as np
from brainflow.board_shim import BoardIds, BoardShim, BrainFlowInputParams, BrainFlowPresets

from neurolink.errors import ConfigError
from neurolink.streams.boards import board_name, resolve_board

__all__ = [
    "EXG_TYPES",
    "MASTER_BOARDS",
    "PACKAGE_STEP",
    "PARAM_FIELDS",
    "PRESETS",
    "board_description",
    "make_input_params",
    "marker_label",
    "missing_packages",
    "resolve_preset",
    "select_channels",
    "select_typed_channels",
]

#: BrainFlowInputParams fields and their types, taken from BrainFlow itself.
PARAM_FIELDS: dict[str, type] = {k: type(v) for k, v in vars(BrainFlowInputParams()).items()}
#: Boards whose data format is that of another board, named by ``master_board``.
MASTER_BOARDS = frozenset({int(BoardIds.PLAYBACK_FILE_BOARD), int(BoardIds.STREAMING_BOARD)})
#: Package-counter increment per sample where it is not 1 (Cyton+Daisy merges two packets).
PACKAGE_STEP = {int(BoardIds.CYTON_DAISY_BOARD): 2}
PRESETS = {p.name.removesuffix("_PRESET").lower(): int(p.value) for p in BrainFlowPresets}
EXG_TYPES = ("eeg", "emg", "ecg", "eog")


def make_input_params(fields: Mapping[str, object]) -> BrainFlowInputParams:
    """Build ``BrainFlowInputParams`` from a mapping of its field names, validating each.

    Parameters
    ----------
    fields : mapping of str to object
        Field name → value (``serial_port="/dev/ttyUSB0"``, ``master_board="synthetic"``, …).
        Path-like values are accepted for string fields; ``master_board`` may be a board name.

    Returns
    -------
    brainflow.board_shim.BrainFlowInputParams

    Raises
    ------
    ConfigError
        Naming an unknown field (with a "did you mean") or a value of the wrong type.
    """
    params = BrainFlowInputParams()
    for key, value in fields.items():
        if key not in PARAM_FIELDS:
            close = difflib.get_close_matches(key, list(PARAM_FIELDS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"unknown BrainFlow input parameter {key!r}{hint} "
                f"(known: {', '.join(PARAM_FIELDS)})"
            )
        if key == "master_board" and isinstance(value, str):
            value = resolve_board(value)
        if PARAM_FIELDS[key] is str and isinstance(value, os.PathLike):
            value = os.fspath(value)
        if not isinstance(value, PARAM_FIELDS[key]) or isinstance(value, bool):
            raise ConfigError(
                f"BrainFlow input parameter {key!r} must be {PARAM_FIELDS[key].__name__}, "
                f"got {value!r}"
            )
        setattr(params, key, int(value) if PARAM_FIELDS[key] is int else value)
    return params


def resolve_preset(board_id: int, preset: str | int) -> int:
    """Return the BrainFlow preset id, refusing presets the board does not list.

    Asking BrainFlow for a preset that ``BoardShim.get_board_presets`` does not list breaks later
    sessions, so this check runs before any description is read or session prepared.

    Parameters
    ----------
    board_id : int
        Board whose description holds the data format (the master board for playback).
    preset : str or int
        ``"default"``, ``"auxiliary"``, ``"ancillary"`` or a ``BrainFlowPresets`` value.
    """
    pid = PRESETS.get(preset.strip().lower(), -1) if isinstance(preset, str) else int(preset)
    offered = [int(p) for p in BoardShim.get_board_presets(board_id)]
    if pid not in offered:
        names = ", ".join(repr(n) for n, v in PRESETS.items() if v in offered)
        raise ConfigError(
            f"board {board_name(board_id)!r} has no preset {preset!r}; it offers {names}"
        )
    return pid


def board_description(board_id: int, preset: str | int = "default") -> dict:
    """BrainFlow's description of a board preset (rows, rate, names), after checking the preset."""
    return BoardShim.get_board_descr(board_id, resolve_preset(board_id, preset))


def select_channels(descr: Mapping, channel_types: Sequence[str]) -> tuple[list[int], list[str]]:
    """Pick data rows and labels from a board description (:func:`select_typed_channels`)."""
    rows, labels, _ = select_typed_channels(descr, channel_types)
    return rows, labels


def select_typed_channels(
    descr: Mapping, channel_types: Sequence[str]
) -> tuple[list[int], list[str], list[str]]:
    """Pick data rows, labels and each row's type from a board description.

    Parameters
    ----------
    descr : mapping
        ``BoardShim.get_board_descr`` output.
    channel_types : sequence of str
        ``"eeg"``, ``"exg"`` (eeg ∪ emg ∪ ecg ∪ eog) or any ``<type>`` with a ``<type>_channels``
        entry in ``descr``. Rows appear once, in the order of the types, ascending within one.

    Returns
    -------
    rows : list of int
        Row indices into BrainFlow's ``(num_rows, n_samples)`` data.
    labels : list of str
        ``eeg_names`` entries for EEG rows when the board names them, else ``"<type><row>"``.
    kinds : list of str
        Each row's type as asked for (``eeg``…; ``exg`` rows by the first of eeg, emg, ecg, eog
        that lists them): a row of BrainFlow's synthetic board is in every ExG list.
    """
    available = sorted(k.removesuffix("_channels") for k in descr if k.endswith("_channels"))
    names = str(descr.get("eeg_names", "")).split(",") if descr.get("eeg_names") else []
    eeg_rows = list(descr.get("eeg_channels", []))
    rows: list[int] = []
    labels: list[str] = []
    row_kinds: list[str] = []
    for ctype in channel_types:
        key = str(ctype).strip().lower()
        expanded = EXG_TYPES if key == "exg" else (key,)
        if not any(f"{t}_channels" in descr for t in expanded):
            raise ConfigError(
                f"board {descr.get('name')!r} has no {ctype!r} channels; it has "
                f"{', '.join([*available, 'exg'])}"
            )
        kinds: dict[int, str] = {}  # row → first type (in EXG order) that lists it
        for t in expanded:
            for r in descr.get(f"{t}_channels", []):
                kinds.setdefault(int(r), t)
        for row in sorted(set(kinds) - set(rows)):
            rows.append(row)
            in_eeg = row in eeg_rows and len(names) == len(eeg_rows)
            labels.append(names[eeg_rows.index(row)].strip() if in_eeg else f"{kinds[row]}{row}")
            row_kinds.append(kinds[row])
    if not rows:
        raise ConfigError(f"board {descr.get('name')!r}: no rows for channel types {channel_types}")
    return rows, labels, row_kinds


def marker_label(value: float) -> str:
    """Format a marker value as a label: ``3.0`` → ``"3"``, ``3.5`` → ``"3.5"``."""
    v = float(value)
    return str(int(v)) if v.is_integer() else repr(v)


def missing_packages(pkg: np.ndarray, prev: int | None, wrap: int, step: int = 1) -> np.ndarray:
    """Number of samples missing before each sample, from a wrapping package counter.

    Parameters
    ----------
    pkg : numpy.ndarray, shape (n,)
        Package numbers of consecutive received samples.
    prev : int or None
        Package number of the sample received just before ``pkg[0]`` (None: unknown).
    wrap : int
        Counter modulus (256 for most boards).
    step : int
        Counter increment per sample.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
        A counter that does not advance (delta 0) is taken as "no counter", not as a full wrap.
    """
    p = np.rint(pkg).astype(np.int64)
    before = np.empty_like(p)
    before[0] = p[0] if prev is None else prev
    before[1:] = p[:-1]
    delta = np.mod(p - before, wrap)
    return np.where(delta == 0, 0, np.mod(delta - step, wrap) // step).astype(np.int64)
