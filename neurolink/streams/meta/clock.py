"""Producer time stamps ↔ host clock through a stream's clock corrections, exactly both ways.

An LSL source measures ``inlet.time_correction()`` at open and every few seconds: correction
``k`` is the pair ``(collection_k, offset_k)``, where ``collection_k = host_time_k − offset_k`` is
the producer-clock time of the measurement (the pair a ClockOffset chunk of an XDF file holds,
as LabRecorder writes it). The rule, applied by the source and undone by the recording reader:

    a sample stamped ``p`` by its producer is at host time ``p + offset_k``, where ``k`` is the
    last correction measured at or before ``p`` (``collection_k <= p``; the first correction for a
    sample stamped before it).

"Last" runs over the running maximum of the collection times, so a (pathological) measurement
whose collection time is earlier than one before it never reorders the rule. The rule depends on
the sample's own time stamp only, not on when it was read, so a recording that keeps the
producer's stamps and the corrections gives the host stamps back bit for bit
(:func:`host_times`), and :func:`producer_times` finds, for host stamps made by the rule, the
producer stamps that give them back.
"""

from __future__ import annotations

import numpy as np

__all__ = ["correction_index", "host_times", "producer_times"]

#: Steps (units in the last place) searched around ``host − offset`` by :func:`producer_times`.
_ULP_STEPS = (0, -1, 1, -2, 2, -3, 3)


def _arrays(collections: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = np.asarray(collections, np.float64).reshape(-1)
    o = np.asarray(offsets, np.float64).reshape(-1)
    if c.shape != o.shape or c.size == 0:
        raise ValueError(
            f"clock corrections: need one or more (collection, offset) pairs, got {c.size} "
            f"collection times and {o.size} offsets"
        )
    if not (np.isfinite(c).all() and np.isfinite(o).all()):
        raise ValueError("clock corrections: collection times and offsets must be finite")
    return c, o


def correction_index(
    producer: np.ndarray, collections: np.ndarray, offsets: np.ndarray
) -> np.ndarray:
    """Which correction the rule applies to each producer time stamp.

    Parameters
    ----------
    producer : numpy.ndarray of float64, shape (n,)
        Producer-clock time stamps (s).
    collections, offsets : array_like of float64, shape (m,), m >= 1
        The corrections in measurement order: producer-clock time of each measurement and the
        offset to add (s).

    Returns
    -------
    numpy.ndarray of intp, shape (n,)
        Index into the corrections, 0..m−1.
    """
    c, _ = _arrays(collections, offsets)
    k = np.searchsorted(np.maximum.accumulate(c), producer, side="right") - 1
    return np.maximum(k, 0)


def host_times(producer: np.ndarray, collections: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Host-clock time stamps of producer time stamps, by the rule.

    Parameters
    ----------
    producer : numpy.ndarray of float64, shape (n,)
        Producer-clock time stamps (s).
    collections, offsets : array_like of float64, shape (m,), m >= 1
        The corrections in measurement order (s).

    Returns
    -------
    numpy.ndarray of float64, shape (n,)
        ``producer + offset_k`` (a new array).
    """
    p = np.asarray(producer, np.float64)
    c, o = _arrays(collections, offsets)
    if p.size and p.min() >= c.max():  # the usual case: every sample after the newest measurement
        return p + o[-1]
    return p + o[correction_index(p, c, o)]


def producer_times(host: np.ndarray, collections: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Producer time stamps that :func:`host_times` maps exactly onto ``host``.

    For host stamps the rule made, such stamps exist (the producer's own); they are found
    within a few units in the last place of ``host − offset``. They are the producer's own
    except where a correction lowered the offset by ``d``: a host stamp made in the first ``d``
    seconds after that measurement has two preimages, and the older correction's is taken (a
    producer stamp up to ``d`` early; the host stamp is still given back exactly). A host stamp
    the rule did not make may have none: it gets ``host − offset`` of the correction in force at
    its host time (within one unit in the last place).

    Parameters
    ----------
    host : numpy.ndarray of float64, shape (n,)
        Host-clock time stamps (s).
    collections, offsets : array_like of float64, shape (m,), m >= 1
        The corrections in measurement order (s).

    Returns
    -------
    numpy.ndarray of float64, shape (n,)
    """
    h = np.asarray(host, np.float64)
    c, o = _arrays(collections, offsets)
    # host time of each measurement, as the rule's boundaries appear on the host clock
    k = np.maximum(np.searchsorted(np.maximum.accumulate(c + o), h, side="right") - 1, 0)
    p = h - o[k]
    # where the offset fell, older corrections may hold too: the earliest stamp that holds is
    # taken (an older correction with the newest one's offset gives the newest one's stamp back,
    # which holds through the newest correction, not its own: only an earlier stamp replaces).
    # Correction j can only hold for h < (its region's end on the producer clock) + o_j, so
    # the search stops once h is past every older region's end plus the largest offset.
    ends, top = np.maximum.accumulate(c), float(o.max())
    for lag in range(1, len(o)):
        j = k - lag
        reach = (j >= 0) & (h < ends[np.maximum(j + 1, 0)] + top)
        if not reach.any():
            break
        older = h - o[np.maximum(j, 0)]
        p = np.where(reach & (older < p) & (host_times(older, c, o) == h), older, p)
    bad = np.flatnonzero(host_times(p, c, o) != h)
    for i in bad:  # rare: rounding at a correction boundary or a tie
        p[i] = _search(float(h[i]), int(k[i]), c, o, float(p[i]))
    return p


def _search(h: float, k: int, c: np.ndarray, o: np.ndarray, fallback: float) -> float:
    """A producer stamp near ``h − offset`` that the rule maps exactly to ``h``."""
    near = sorted(range(len(o)), key=lambda j: (abs(j - k + 0.5), j))  # k−1, k, k−2, k+1…
    for j in near:
        guess = np.float64(h) - o[j]
        for step in _ULP_STEPS:
            cand = guess
            toward = np.inf if step > 0 else -np.inf
            for _ in range(abs(step)):
                cand = np.nextafter(cand, toward)
            if float(host_times(np.array([cand]), c, o)[0]) == h:
                return float(cand)
    return fallback
