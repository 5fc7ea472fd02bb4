"""Input checks shared by the decoders: shapes, finiteness, unit counts, calibration length.

Each check raises a :class:`~neurolink.decode.errors.DecoderError` (or
:class:`~neurolink.decode.errors.CalibrationError`) whose message names the decoder, the argument
and what was expected.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from neurolink.decode.errors import (
    CalibrationError,
    ChannelMismatchError,
    DecoderError,
    DroppedUnitsWarning,
)

__all__ = [
    "as_features",
    "as_labels",
    "as_targets",
    "check_channels",
    "check_enough",
    "check_finite_counts",
    "constant_columns",
    "warn_dropped",
]


def as_features(
    X: object, who: str, n_features: int | None = None, what: str = "units", name: str = "X"
) -> np.ndarray:
    """Return ``X`` as a C-contiguous float64 array of shape (n_rows, n_features).

    Parameters
    ----------
    X : array_like, shape (n_rows, n_features)
        Binned counts or features.
    who : str
        Name of the decoder, for messages.
    n_features : int, optional
        Expected number of columns (the number the decoder was fitted on).
    what : str
        What a column is ("units", "features", "channels"), for messages.
    name : str
        Argument name, for messages.

    Raises
    ------
    DecoderError
        Not 2-D, a wrong number of columns, or a non-finite value (its row and column named).
    """
    a = np.asarray(X)
    if a.dtype.kind not in "biuf":
        raise DecoderError(f"{who}: {name} must be numeric, got dtype {a.dtype}")
    if a.ndim != 2:
        raise DecoderError(f"{who}: {name} must be 2-D (n_rows, n_{what}), got shape {a.shape}")
    if n_features is not None and a.shape[1] != n_features:
        raise DecoderError(
            f"{who}: {name} has {a.shape[1]} {what}, the decoder was fitted on {n_features}"
        )
    a = np.ascontiguousarray(a, dtype=np.float64)
    bad = ~np.isfinite(a)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise DecoderError(
            f"{who}: {name} holds {int(bad.sum())} non-finite value(s) (NaN or inf), first at "
            f"row {r}, column {c}; clean or drop them before decoding"
        )
    return a


def as_labels(y: object, n_rows: int, who: str) -> np.ndarray:
    """Class labels as a 1-D array of int or str (never object, so a model file can hold them).

    Raises
    ------
    DecoderError
        Another length than ``n_rows``, or labels that are neither all int nor all str.
    """
    a = np.asarray(y)
    if a.shape != (n_rows,):
        raise DecoderError(f"{who}: y must have shape ({n_rows},), got {a.shape}")
    if a.dtype.kind in "biuU":
        return a
    values = a.tolist()
    if all(isinstance(v, str) for v in values):
        return np.asarray(values, dtype=str)
    if all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=np.int64)
    raise DecoderError(f"{who}: class labels must be all int or all str, got dtype {a.dtype}")


def check_finite_counts(X: np.ndarray, who: str) -> None:
    """Raise if binned counts (already float64 and finite) hold a negative value."""
    if X.size and X.min() < 0:
        r, c = np.argwhere(X < 0)[0]
        raise DecoderError(f"{who}: counts must be >= 0, got {X[r, c]} at row {r}, unit {c}")


def as_targets(y: object, n_rows: int, who: str, name: str = "y") -> np.ndarray:
    """Return the decoded variable as float64 of shape (n_rows, n_dims); 1-D ``y`` is one dim.

    Raises
    ------
    DecoderError
        A length other than ``n_rows``, more than 2 dimensions, or a non-finite value.
    """
    a = np.asarray(y, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[0] != n_rows:
        raise DecoderError(
            f"{who}: {name} must have shape ({n_rows}, n_dims) to match X, got {np.shape(y)}"
        )
    if not np.all(np.isfinite(a)):
        raise DecoderError(f"{who}: {name} holds non-finite values (NaN or inf)")
    return np.ascontiguousarray(a)


def constant_columns(X: np.ndarray) -> np.ndarray:
    """Indices (int64) of the columns of ``X`` (n_rows, n_columns) that never change."""
    if X.shape[0] == 0:
        return np.arange(X.shape[1], dtype=np.int64)
    return np.flatnonzero(np.ptp(X, axis=0) == 0).astype(np.int64)


def warn_dropped(
    who: str, dropped: np.ndarray, channels: tuple[str, ...] | None, stacklevel: int = 3
) -> None:
    """Warn (:class:`DroppedUnitsWarning`) that the constant columns ``dropped`` were left out.

    ``stacklevel`` counts from this function (3: the caller of the function that called it).
    """
    if dropped.size == 0:
        return
    names = [channels[i] for i in dropped] if channels is not None else [int(i) for i in dropped]
    shown = ", ".join(str(n) for n in names[:12]) + (" …" if len(names) > 12 else "")
    warnings.warn(
        f"{who}: {dropped.size} unit(s) are constant in the calibration data and are left out "
        f"of the model (their input is ignored when decoding): {shown}",
        DroppedUnitsWarning,
        stacklevel=stacklevel,
    )


def check_enough(
    who: str, have: int, need: int, unit: str = "bins", why: str = "", bin_s: float | None = None
) -> None:
    """Raise :class:`CalibrationError` when ``have < need``, saying how much more is needed.

    Parameters
    ----------
    who : str
        Decoder name.
    have, need : int
        Amount present and the least that fits the model.
    unit : str
        What is counted ("bins", "trials of class 'T1'", ...).
    why : str
        The rule behind ``need``, e.g. ``"n_units + n_state + 1"``.
    bin_s : float, optional
        Bin width (s); when given the shortfall is also stated in seconds.
    """
    if have >= need:
        return
    more = need - have
    secs = f" ({more * bin_s:.3g} s more at {bin_s * 1e3:g} ms bins)" if bin_s else ""
    rule = f" ({why})" if why else ""
    raise CalibrationError(
        f"{who}: calibration too short: {have} {unit}, need at least {need}{rule}; "
        f"record {more} more {unit}{secs}",
        have=have,
        need=need,
    )


def check_channels(channels: Sequence[str] | None, n: int, who: str) -> tuple[str, ...] | None:
    """Validate channel labels for ``n`` input columns; return them as a tuple of str (or None).

    Raises
    ------
    ChannelMismatchError
        A number of labels other than ``n``, or duplicate labels.
    """
    if channels is None:
        return None
    if isinstance(channels, str):
        raise ChannelMismatchError(f"{who}: channels must be a sequence of labels, not one str")
    labels = tuple(str(c) for c in channels)
    if len(labels) != n:
        raise ChannelMismatchError(f"{who}: {len(labels)} channel labels given for {n} columns")
    if len(set(labels)) != n:
        dup = sorted({c for c in labels if labels.count(c) > 1})
        raise ChannelMismatchError(f"{who}: duplicate channel labels {dup}")
    return labels
