"""Live against replay: stream by stream, item by item, and the figures computable offline.

Items are matched by what identifies them in the data, never by position: a spike by its
``(sample_index, channel)``, a decoded value by the time stamp of its chunk's newest sample, a
network spike by ``(time, step, neuron)``, a command by ``(sink, origin sample index)``; every
other field (the time stamps, the command's origin and values) must then be equal too. Only
items up to the recording's :attr:`~neurolink.loop.replay.source.RecordedRun.until_index`
count.

Offline figures: the decoded output's R² against the recorded intent, and how well the
commands point where the subject intended (mean cosine), both over the closed loop (after the
later of the two decoder fits). The task itself cannot be rescored offline: the subject's
intent followed the live cursor.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from neurolink.loop.core.figures import r2_per_dim
from neurolink.loop.replay.source import RecordedRun, intent_at

__all__ = [
    "StreamDiff",
    "command_key",
    "compare_streams",
    "decoder_r2",
    "diff_items",
    "intent_agreement",
    "max_velocity_change",
    "recorded_commands",
]


@dataclass(frozen=True)
class StreamDiff:
    """How one stream of the replay compares with the recording.

    Attributes
    ----------
    name : str
    recorded, replayed : int
        Items in the compared window.
    differ : int
        Items in both (same key) whose content differs.
    only_recorded, only_replayed : int
        Items in one of the two only.
    first : str
        The first difference, described ("" when identical).
    """

    name: str
    recorded: int
    replayed: int
    differ: int
    only_recorded: int
    only_replayed: int
    first: str

    @property
    def identical(self) -> bool:
        """Every item equal, none missing on either side."""
        return not (self.differ or self.only_recorded or self.only_replayed)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (with ``identical``)."""
        return {**asdict(self), "identical": self.identical}


def diff_items(
    name: str, recorded: Mapping[Hashable, Any], replayed: Mapping[Hashable, Any]
) -> StreamDiff:
    """Compare two keyed collections of items."""
    both = recorded.keys() & replayed.keys()
    differ = sorted((k for k in both if recorded[k] != replayed[k]), key=repr)
    only_rec = sorted(recorded.keys() - replayed.keys(), key=repr)
    only_rep = sorted(replayed.keys() - recorded.keys(), key=repr)
    first = ""
    if differ:
        k = differ[0]
        first = f"{k}: {_describe(recorded[k], replayed[k])}"
    elif only_rec:
        first = f"{only_rec[0]} only in the recording"
    elif only_rep:
        first = f"{only_rep[0]} only in the replay"
    return StreamDiff(
        name, len(recorded), len(replayed), len(differ), len(only_rec), len(only_rep), first
    )


def _describe(a: Any, b: Any) -> str:
    """``recorded X, replayed Y`` (for dicts only the fields that differ)."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        a = {k: a.get(k) for k in keys}
        b = {k: b.get(k) for k in keys}
    return f"recorded {a}, replayed {b}"


def max_velocity_change(
    recorded: Sequence[Mapping[str, Any]], replayed: Sequence[Mapping[str, Any]]
) -> float | None:
    """Largest change of a velocity component between commands of the same key (None when
    no velocity command is in both)."""
    rec = {command_key(c): c.get("velocity") for c in recorded if c.get("velocity") is not None}
    worst = None
    for c in replayed:
        v, w = c.get("velocity"), rec.get(command_key(c))
        if v is not None and w is not None and len(v) == len(w):
            d = float(np.max(np.abs(np.subtract(v, w)))) if len(v) else 0.0
            worst = d if worst is None else max(worst, d)
    return worst


def command_key(cmd: Mapping[str, Any]) -> tuple[str, int]:
    """``(sink, origin sample index)`` of a command dict."""
    return str(cmd.get("sink")), int((cmd.get("origin") or {}).get("sample_index", -1))


def recorded_commands(run: RecordedRun) -> list[dict[str, Any]]:
    """The recorded commands as the mappers emitted them (``requested`` where the safety
    layer sent another), with their sink."""
    if "commands" not in run.session:
        return []
    out = []
    for c in run.session["commands"].records():
        req = c.pop("requested", None)
        out.append({**req, "sink": c["sink"]} if req else c)
    return out


def _keyed(kind: str, rows: np.ndarray, ts: np.ndarray) -> dict[Hashable, Any]:
    """Items of a numeric stream by their key: spikes by (sample index, channel), decoded
    values by time stamp, network spikes by (time, step, neuron)."""
    out: dict[Hashable, Any] = {}
    for row, t in zip(rows.tolist(), ts.tolist(), strict=True):
        if kind == "events":
            out[(int(row[0]), int(row[1]))] = (t, *row)
        elif kind == "decoded":
            out[t] = tuple(row)
        else:
            out[(t, *row)] = True
    return out


def _index(c: Mapping[str, Any]) -> int:
    return int((c.get("origin") or {}).get("sample_index", -1))


def compare_streams(
    run: RecordedRun,
    replayed: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    commands: Sequence[Mapping[str, Any]],
    unsent: Sequence[Mapping[str, Any]],
) -> dict[str, StreamDiff]:
    """Every compared stream, recorded vs replayed, up to ``run.until_index``.

    Parameters
    ----------
    run : RecordedRun
    replayed : mapping of str to (rows, timestamps, sample indices)
        ``events``, ``decoded``, ``snn_spikes`` of the replay as the recorder writes them, with
        the sample index each belongs to (a spike's own, a chunk's newest).
    commands, unsent : sequence of dict
        Replayed commands (with ``sink``) and ``unsent`` events.
    """
    s, until = run.session, run.until_index
    out: dict[str, StreamDiff] = {}
    for name, (rows, ts, index) in replayed.items():
        if name not in s and not len(ts):
            continue
        rec = s[name] if name in s else None
        rec_t = rec.timestamps if rec is not None else np.zeros(0)
        width = len(rec.channels) if rec is not None else 1
        rec_rows = np.asarray(rec.data if rec is not None else (), np.float64)
        rec_rows = rec_rows.reshape(len(rec_t), width)
        rec_index = rec_rows[:, 0] if name == "events" else run.index_of(rec_t)
        keep, rkeep = rec_index <= until, index <= until
        out[name] = diff_items(
            name,
            _keyed(name, rec_rows[keep], rec_t[keep]),
            _keyed(name, rows[rkeep], ts[rkeep]),
        )
    a_c = {command_key(c): c for c in recorded_commands(run) if _index(c) <= until}
    b_c = {command_key(c): dict(c) for c in commands if _index(c) <= until}
    out["commands"] = diff_items("commands", a_c, b_c)
    a_u = {(e.get("sink"), e["index"]): e.get("reason") for e in run.of_event("unsent")}
    b_u = {(e.get("sink"), e["index"]): e.get("reason") for e in unsent}
    out["unsent"] = diff_items(
        "unsent",
        {k: v for k, v in a_u.items() if k[1] <= until},
        {k: v for k, v in b_u.items() if k[1] <= until},
    )
    return out


# ---- offline figures ---------------------------------------------------------------------------
def decoder_r2(
    t: np.ndarray,
    values: np.ndarray,
    intents: tuple[list[float], list[tuple[float, ...]]],
    dims: Sequence[str],
    t_from: float,
) -> dict[str, float | None] | None:
    """R² per dimension of decoded values (at times ``t``) against the intent in force, over
    the closed-loop bins (after ``t_from``), and their ``mean``; a dimension whose intent is
    constant there has none (None; the mean is over the others, None when there are none).
    None with fewer than 2 bins."""
    times, want = intents
    keep = t > t_from
    if not times or keep.sum() < 2:
        return None
    dec = np.asarray(values, np.float64)[keep]
    ref = np.array([intent_at(times, want, float(x)) for x in t[keep]], np.float64)
    n = min(dec.shape[1], ref.shape[1], len(dims))
    r2 = r2_per_dim(ref[:, :n], dec[:, :n])
    out: dict[str, float | None] = dict(zip(dims[:n], r2, strict=True))
    finite = [v for v in r2 if v is not None]
    out["mean"] = float(np.mean(finite)) if finite else None
    return out


def intent_agreement(
    commands: Sequence[Mapping[str, Any]],
    intents: tuple[list[float], list[tuple[float, ...]]],
    t_from: float,
) -> float | None:
    """Mean cosine between each velocity command and the intent in force at its origin time
    (commands and intents that are not zero, after ``t_from``)."""
    times, want = intents
    cos = []
    for c in commands:
        v, origin = c.get("velocity"), c.get("origin") or {}
        t = origin.get("timestamp")
        if v is None or t is None or t <= t_from or not times:
            continue
        a = np.asarray(v[:2], np.float64)
        b = np.asarray(intent_at(times, want, float(t))[:2], np.float64)
        na, nb = float(np.hypot(*a)), float(np.hypot(*b))
        if na > 0 and nb > 0:
            cos.append(float(a @ b) / (na * nb))
    return float(np.mean(cos)) if cos else None
