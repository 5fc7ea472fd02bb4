"""Sliding-window pulse counting over scheduled stimulation trains.

A stimulation command is a train: pulse ``i`` (0 ≤ i < n) starts at ``start + i / f``. The
ledger keeps the trains accepted so far (on every channel) and answers: if this new train were
added, what is the largest number of pulse onsets in any 1 s window that holds one of its
pulses? Windows are half-open, ``[t, t + 1 s)``, with a 1 µs allowance at the closing edge so
that floating-point rounding never counts a pulse exactly 1 s after another into the same
window (a 10 Hz train has exactly 10 pulses in every window).

Trains are assumed to start when accepted and to run to the end unless a stop truncates them;
overlapping trains on one channel are counted together (the conservative reading when a device
might queue or overlap them).

How (issue 15: the check once walked the onsets of every recent train, 2.5 ms per STIM at one
train per ms; issue 13: before that it listed every scheduled pulse, 640 MB for 10⁷). Every
train is a formula (start, rate, count, stop). Its onsets are *materialized* only within a
horizon that slides with time, from 1 s before the newest check to 2 s after it, into a ring of
1/1024 s buckets on preallocated arrays (:mod:`.pulse_bins`), one ring over all channels and one
per channel. A segment tree over the ring keeps the best window starting in each bucket, so the
windows that start up to 1 s after a new train's first pulse are counted exactly — the same
float comparisons as a brute-force count — in O(log n) per pulse of the new train inside the
horizon (one for a single-pulse command; a train of more than 24 pulses there is put in
with one refresh of the buckets it touches instead). A window starting later holds at most
:meth:`Train.window_cap` pulses of each train still running then (a periodic train's most in
any 1 s window), and their sum bounds it: exact for one train, conservative when several run
on. Long trains enter the horizon pulse by pulse as it slides (amortised O(log n) per pulse,
bounded by the rate caps); onsets older than 1 s are dropped with their buckets. Memory is fixed
at construction (about 1 MB per channel, allocated for the channels named up front, plus one
for all channels), whatever is scheduled.

The ledger never answers below the exact count: a question it cannot answer — a window before
what it has forgotten, or more onsets within the horizon than its pools hold — raises
:class:`PulseLedgerError` (the guard refuses the command).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np

from neurolink.hal.safety import pulse_bins as _k

__all__ = ["WINDOW_S", "PulseLedger", "PulseLedgerError", "Train"]

WINDOW_S = 1.0
"""Length of the sliding window (s)."""

_EDGE_S = 1e-6
"""Closing-edge allowance of the window (s)."""

_AHEAD_S = 2.0 + 4 / _k.BUCKETS_PER_S
"""Onsets held after a check's time (s): windows starting up to 1 s later, 1 s long."""

_BEHIND_S = 1.0 + 4 / _k.BUCKETS_PER_S
"""Onsets held before a check's time (s)."""

_LAG_S = 8.0
"""How long after :meth:`PulseLedger.prune` lets onsets go they are dropped (s)."""


class PulseLedgerError(RuntimeError):
    """The ledger cannot count a window exactly or from above (it refuses to guess)."""


def _bucket(t: float) -> int:
    return math.floor(t * _k.BUCKETS_PER_S)


@dataclass(slots=True)
class Train:
    """A scheduled pulse train.

    Parameters
    ----------
    channel : int
        Stimulation channel.
    start : float
        Host-clock time of the first pulse onset (s).
    frequency_hz : float
        Pulse rate (Hz).
    count : int
        Number of pulses.
    stop : float
        Pulses with onset after this time (s) are cancelled (``inf`` when not stopped).
    """

    channel: int
    start: float
    frequency_hz: float
    count: int
    stop: float = math.inf
    _id: int = field(default=-1, init=False, repr=False, compare=False)
    _next: int = field(default=0, init=False, repr=False, compare=False)  # next onset to hold
    _pending_at: float = field(default=math.inf, init=False, repr=False, compare=False)

    def window_cap(self) -> int:
        """Most of its kept pulses in any window ``[t, t + 1 s)`` (with the edge allowance)."""
        n = math.floor((WINDOW_S - _EDGE_S) * self.frequency_hz) + 1
        if self.stop < math.inf:
            kept = math.floor((self.stop - self.start) * self.frequency_hz + 1e-9) + 1
            n = min(n, max(0, kept))
        return min(n, self.count)

    @property
    def last(self) -> float:
        """Onset of the last pulse that is not cancelled (s); ``-inf`` if none remains."""
        n_kept = self.count
        if self.stop < math.inf:
            # + 1e-9: an onset exactly at `stop` is kept (as in `onsets`) despite rounding
            k = math.floor((self.stop - self.start) * self.frequency_hz + 1e-9)
            n_kept = min(self.count, k + 1)
        if n_kept <= 0:
            return -math.inf
        return self.start + (n_kept - 1) / self.frequency_hz

    def onsets(self, lo: float, hi: float) -> np.ndarray:
        """Onsets (s) of the kept pulses in ``[lo, hi]``, shape (n,), float64, sorted."""
        f = self.frequency_hz
        i0 = max(0, math.floor((lo - self.start) * f) - 1)
        i1 = min(self.count, math.ceil((hi - self.start) * f) + 2)
        if i1 <= i0:
            return np.empty(0)
        t = self.start + np.arange(i0, i1, dtype=np.float64) / f
        keep = (t >= lo) & (t <= hi) & (t <= self.stop)
        return t[keep]


_warm_done = False


def _warm() -> None:
    """Compile (or load from the cache) every kernel once per process, before any loop."""
    global _warm_done
    if _warm_done:
        return
    led = PulseLedger(n_buckets=4096, capacity=1024, _warm=False)
    a = Train(0, 10.0, 3.0, 5)
    led.max_count(a, channel=0)
    led.max_count(a, channel=None)
    led.add(a)
    led.add(Train(1, 8.0, 0.5, 3))  # before the floor: lowers it (rebuild)
    led.stop(0, 10.5)
    led.remove(a)
    led.prune(12.0)
    led.max_count(Train(0, 12.0, 100.0, 300), channel=0)
    _warm_done = True


class PulseLedger:
    """Trains accepted so far, for sliding-window pulse counts.

    Parameters
    ----------
    n_buckets : int
        Ring length in 1/1024 s buckets, a power of two ≥ 4096 (16 384: 16 s; checks may go
        back in time by up to 8 s after a :meth:`prune`, as tests do).
    capacity : int
        Onsets each scope (all channels; each channel) holds: 32 768 covers 11 s at
        3 000 pulses/s; when full, onsets older than 1 s are dropped at once, and beyond that
        checks raise :class:`PulseLedgerError`.
    channels : int
        Channels to allocate for up front (one more is added, by reallocation, when used).
    """

    def __init__(
        self,
        *,
        n_buckets: int = 16384,
        capacity: int = 32768,
        channels: int = 4,
        _warm: bool = True,
    ) -> None:
        if _warm:
            globals()["_warm"]()
        self._bins = _k.Bins(1 + channels, n_buckets, capacity)
        self._arrs = self._bins.arrays()
        self._scopes: dict[int, int] = {}
        self._floor_b: int | None = None  # lowest bucket held
        self._top_b = 0  # highest bucket held
        self._forgot_b = -(1 << 62)  # what was at or below this bucket is not known any more
        self._may_free_b = -(1 << 62)  # buckets below this one may be dropped (pruned)
        self._lost = (1 << 62, -(1 << 62))  # (lo, hi) buckets where a full pool dropped onsets
        self._ids = 0
        self._max_start = -math.inf
        self._expiry: list[tuple[float, int, Train]] = []  # (last onset, id, train)
        self._pending: list[tuple[float, int, Train]] = []  # (next onset not held, id, train)
        self._active: list[Train] = []  # trains with more than one pulse, not yet over
        self._long: list[Train] = []  # trains that run longer than the window
        self._trial: Train | None = None  # counted by max_count, not added yet

    # --- public API ------------------------------------------------------------------------

    @property
    def trains(self) -> tuple[Train, ...]:
        """Trains still relevant (not pruned), in the order they were added."""
        live = [t for last, i, t in self._expiry if t._id == i and t.last == last]
        return tuple(sorted(live, key=lambda t: t._id))

    def prune(self, now: float) -> None:
        """Forget trains whose last kept pulse is before ``now − 1 s`` (and older onsets)."""
        self._revert_trial()
        ex = self._expiry
        while ex and ex[0][0] < now - WINDOW_S:
            last, i, t = heapq.heappop(ex)
            if t._id == i and t.last == last:
                t._id = -1
        if self._active:
            self._active = [t for t in self._active if t._id >= 0 and t.last > now]
        if self._long:
            self._long = [t for t in self._long if t._id >= 0 and t.last > now + WINDOW_S]
        # onsets before now − 1 s may go; they are dropped _LAG_S later (a check at an earlier
        # time, as tests make, stays countable meanwhile), or at once when a pool fills
        self._may_free_b = max(self._may_free_b, _bucket(now - _BEHIND_S))
        if self._floor_b is not None:
            lag_b = _bucket(now - _BEHIND_S - _LAG_S)
            if lag_b > self._floor_b:
                self._free(min(lag_b, self._top_b + 1))

    def add(self, train: Train) -> None:
        """Record an accepted train."""
        if self._trial is not train:
            self._revert_trial()
            self._hold(train.start - _BEHIND_S, train.start + _AHEAD_S, strict=False)
            self._insert(train, tentative=False)
        self._trial = None
        self._max_start = max(self._max_start, train.start)
        last = train.last
        heapq.heappush(self._expiry, (last, train._id, train))
        if math.isfinite(train._pending_at):
            heapq.heappush(self._pending, (train._pending_at, train._id, train))
        if last > train.start:
            self._active.append(train)
        if last > train.start + WINDOW_S:
            self._long.append(train)

    def remove(self, train: Train) -> None:
        """Forget a train added earlier (the device refused it: it never ran)."""
        if self._trial is train:
            self._revert_trial()
            return
        if train._id >= 0:
            self._unmaterialize(train, after=-math.inf)
            train._id = -1

    def stop(self, channel: int | None, now: float) -> None:
        """Cancel pulses after ``now`` on ``channel`` (every channel when None)."""
        self._revert_trial()
        # in time order only trains of more than one pulse can have pulses after `now`
        pool = self._active if now >= self._max_start else self.trains
        for t in pool:
            if t._id < 0 or (channel is not None and t.channel != channel) or t.last <= now:
                continue
            self._unmaterialize(t, after=now)
            t.stop = min(t.stop, now)
            heapq.heappush(self._expiry, (t.last, t._id, t))

    def max_count(self, new: Train, *, channel: int | None) -> int:
        """Largest number of onsets in any 1 s window that holds a pulse of ``new``.

        Parameters
        ----------
        new : Train
            The candidate train (not yet added). Calling again with the same object (another
            ``channel``) reuses its onsets; :meth:`add` with it keeps them.
        channel : int or None
            Count only trains on this channel (``new.channel``; ``new`` is always counted);
            None counts all.

        Returns
        -------
        int
            The maximum count over windows ``[t, t + 1 s)`` for ``t`` a pulse onset: exact
            for the windows that start up to 1 s after ``new`` starts, never below it later.

        Raises
        ------
        PulseLedgerError
            When the windows reach back before what the ledger forgot, or a pool is full.
        ValueError
            When ``channel`` is neither None nor ``new.channel``.
        """
        if channel is not None and channel != new.channel:
            raise ValueError(
                f"max_count: channel {channel} is not the new train's channel {new.channel}"
            )
        if self._trial is not new:
            self._revert_trial()
            self._hold(new.start - _BEHIND_S, new.start + _AHEAD_S, strict=True)
            self._insert(new, tentative=True)
            self._trial = new
        last = new.last
        if not last > -math.inf:
            return 0
        lo, hi = self._lost
        if lo <= _bucket(new.start + _AHEAD_S) and hi >= _bucket(new.start - _BEHIND_S):
            raise PulseLedgerError(
                f"pulse ledger: its onset pool overflowed near t = {lo / _k.BUCKETS_PER_S:.3f} s "
                f"(more than {self._bins.capacity} onsets within 3 s); cannot count"
            )
        scope = 0 if channel is None else self._scopes[channel]
        upper = min(last, new.start + WINDOW_S)
        tag, bk, tmx, ptime, pnext = self._arrs[:5]
        best = int(
            _k.best_for_train(
                tag, bk, tmx, ptime, pnext, scope, new.start, new.frequency_hz, new.count, upper
            )
        )
        # Later windows (new still running after new.start + 1 s): every train still running
        # then adds at most its window cap. With no other train running on, only `new`
        # remains, and its windows repeat those of its first second (counted above).
        beyond = new.start + WINDOW_S
        if last > beyond:
            # in time order a train running past `beyond` started at most at new.start, so it
            # runs longer than the window; out of order, any live train may
            pool = self._long if new.start >= self._max_start else self.trains
            caps, running = 0, False
            for t in pool:
                if t._id >= 0 and (channel is None or t.channel == channel) and t.last > beyond:
                    caps += t.window_cap()
                    running = True
            if running:
                best = max(best, new.window_cap() + caps)
        return best

    # --- the horizon -----------------------------------------------------------------------

    def _scope(self, channel: int) -> int:
        s = self._scopes.get(channel)
        if s is None:
            s = self._scopes[channel] = self._bins.add_scope()
            self._arrs = self._bins.arrays()
        return s

    def _free(self, floor_b: int) -> None:
        """Drop every bucket below ``floor_b``."""
        assert self._floor_b is not None
        _k.free_buckets(*self._arrs, self._bins.used, self._floor_b, min(floor_b - 1, self._top_b))
        self._forgot_b = max(self._forgot_b, floor_b - 1)
        self._floor_b = floor_b
        self._top_b = max(self._top_b, floor_b - 1)
        if self._lost[1] < floor_b:
            self._lost = (1 << 62, -(1 << 62))

    def _hold(self, lo_t: float, hi_t: float, *, strict: bool) -> None:
        """Hold the buckets of ``lo_t … hi_t`` (s), materializing what the trains put there."""
        lo_b, hi_b = _bucket(lo_t), _bucket(hi_t)
        nb = self._bins.n_buckets
        if self._floor_b is None:
            self._floor_b, self._top_b = lo_b, lo_b - 1
        if hi_b > self._top_b:
            if hi_b - nb + 1 > self._floor_b:
                self._free(hi_b - nb + 1)
            first = max(self._top_b + 1, self._floor_b)
            _k.open_buckets(*self._arrs, self._bins.used, first, hi_b)
            self._top_b = hi_b
            self._materialize_pending()
        if lo_b < self._floor_b:
            floor_b = max(lo_b, self._forgot_b + 1, self._top_b - nb + 1)
            if floor_b < self._floor_b:
                _k.open_buckets(*self._arrs, self._bins.used, floor_b, self._floor_b - 1)
                self._floor_b = floor_b
                # no train holds onsets below the old floor: a train that reached there was
                # added after the floor passed it, which forgot them (so we cannot be here)
                _k.rebuild(*self._arrs, self._bins.used, floor_b, self._top_b)
            if lo_b < self._floor_b:
                if strict:
                    raise PulseLedgerError(
                        f"pulse ledger: windows from t = {lo_t:.6f} s reach before what it "
                        f"has forgotten ({self._floor_b / _k.BUCKETS_PER_S:.6f} s); cannot count"
                    )
                self._forgot_b = max(self._forgot_b, self._floor_b - 1)

    def _materialize_pending(self) -> None:
        pend = self._pending
        top = self._top_b
        while pend and _bucket(pend[0][0]) <= top:
            _, i, t = heapq.heappop(pend)
            if t._id != i:
                continue
            if self._materialize(t):
                heapq.heappush(pend, (t._pending_at, i, t))

    def _materialize(self, t: Train) -> bool:
        """Insert ``t``'s onsets up to the top; True when some remain beyond it."""
        assert self._floor_b is not None
        s_ch = self._scope(t.channel)
        i, t_next, ok = _k.materialize(
            *self._arrs,
            s_ch,
            t._id,
            t.start,
            t.frequency_hz,
            t.count,
            t.stop,
            t._next,
            self._floor_b,
            self._top_b,
        )
        t._next = int(i)
        t._pending_at = float(t_next)
        if not ok and self._may_free_b > self._floor_b:  # room: drop what prune let go, retry
            self._free(min(self._may_free_b, self._top_b + 1))
            return self._materialize(t)
        if not ok:
            b = _bucket(t_next)
            self._lost = (min(self._lost[0], b), max(self._lost[1], self._top_b))
        return math.isfinite(t._pending_at)

    def _insert(self, t: Train, *, tentative: bool) -> None:
        self._ids += 1
        t._id = self._ids
        t._next = 0
        t._pending_at = math.inf
        if self._floor_b is not None and self._floor_b > _bucket(t.start):
            # skip the pulses that are below the floor already
            t._next = max(
                0, math.floor((self._floor_b / _k.BUCKETS_PER_S - t.start) * t.frequency_hz) - 1
            )
        lost = self._lost
        self._materialize(t)
        if tentative and self._lost != lost:
            self._lost = lost
            self._unmaterialize(t, after=-math.inf)
            t._id = -1
            raise PulseLedgerError(
                f"pulse ledger: more than {self._bins.capacity} onsets within 3 s on one scope; "
                "cannot count this train"
            )

    def _unmaterialize(self, t: Train, *, after: float) -> None:
        """Remove ``t``'s held onsets later than ``after`` (s)."""
        assert self._floor_b is not None
        floor_t = self._floor_b / _k.BUCKETS_PER_S
        i0 = max(0, math.floor((floor_t - t.start) * t.frequency_hz) - 1)
        if t._next <= i0:
            return
        cut = _k.unmaterialize(
            *self._arrs,
            self._scope(t.channel),
            t._id,
            t.start,
            t.frequency_hz,
            i0,
            t._next,
            after,
            self._floor_b,
        )
        t._next = min(t._next, int(cut))

    def _revert_trial(self) -> None:
        t = self._trial
        if t is not None:
            self._trial = None
            self._unmaterialize(t, after=-math.inf)
            t._id = -1
