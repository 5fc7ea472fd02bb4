"""Numba kernels of the pulse ledger: onsets in time buckets, window counts in a segment tree.

Time is cut into buckets of ``1/1024 s`` (``bucket(t) = floor(t · 1024)``, exact in binary
floating point). A ring of ``NB`` buckets (a power of two) holds, per *scope* (all channels, or
one channel), the materialized pulse onsets of each bucket as a sorted linked list in a
preallocated node pool, and their count.

For a window ``[s, s + END]`` (``END = 1 s − 1 µs``) that starts at an onset ``s`` in bucket
``B``, every onset of buckets ``B+1 … B+1022`` is inside, no onset of ``B+1025`` or later is, and
only buckets ``B``, ``B+1023`` and ``B+1024`` need a look at the onsets themselves. So the best
window starting in ``B`` is ``V(B) = S(B) + T(B)`` where

* ``S(B)`` = onsets in buckets ``B+1 … B+1022``: kept as lazy range additions (an onset in
  bucket ``X`` adds 1 to ``S`` of ``X−1022 … X−1``), in O(log NB);
* ``T(B)`` = the best over onsets ``s`` of ``B`` of (onsets of ``B`` at or after ``s``) + (onsets
  of ``B+1023`` and ``B+1024`` at or before ``s + END``), recomputed by one merge of those three
  lists when one of them changes (``NEG`` when ``B`` holds no onset: no window starts there).

A segment tree over the ring (range add, range max; Al.Cash's bottom-up form) answers the best
window over a range of start buckets in O(log NB). The comparisons are the ones a brute-force
count makes on the same float onsets, so the counts are exact, not bounds.

Every function takes the ledger's arrays (see :class:`Bins`) and works in place; none allocates.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["BUCKETS_PER_S", "END_S", "NEG", "Bins"]

BUCKETS_PER_S = 1024
"""Buckets per second (a power of two, so ``t · 1024`` is exact)."""

_SPAN = BUCKETS_PER_S - 2  # S(B) covers B+1 … B+SPAN
END_S = 1.0 - 1e-6
"""A window ``[s, s + END_S]``: 1 s with the 1 µs closing-edge allowance."""

NEG = -(1 << 29)
"""Tree value of a bucket where no window starts."""

_NONE = np.int64(-(1 << 62))

# rows of the int32 bucket table `bk[scope, row, ring]`
_HEAD, _CNT, _TVAL, _TADD = 0, 1, 2, 3


class Bins:
    """Preallocated arrays of the bucket ring, rows for up to ``n_scopes`` scopes.

    Parameters
    ----------
    n_scopes : int
        Rows allocated up front (0 = all channels, then one per channel in use); more are
        added by doubling, once per new channel beyond them.
    n_buckets : int
        Ring length, a power of two ≥ 4096 (8192 buckets: 8 s).
    capacity : int
        Onset nodes per scope.
    """

    def __init__(self, n_scopes: int, n_buckets: int, capacity: int) -> None:
        if n_buckets & (n_buckets - 1) or n_buckets < 4 * BUCKETS_PER_S:
            raise ValueError(f"n_buckets must be a power of two >= 4096, got {n_buckets}")
        if capacity < 16:
            raise ValueError(f"capacity must be at least 16 onsets, got {capacity}")
        self.n_buckets = n_buckets
        self.capacity = capacity
        self.tag = np.full(n_buckets, _NONE, dtype=np.int64)  # absolute bucket in each slot
        self._alloc(max(1, n_scopes))
        self.used = 0
        self.add_scope()

    def _alloc(self, rows: int) -> None:
        nb, cap = self.n_buckets, self.capacity
        self.bk = np.zeros((rows, 4, nb), dtype=np.int32)
        self.tmx = np.zeros((rows, 2 * nb), dtype=np.int32)
        self.ptime = np.zeros((rows, cap), dtype=np.float64)
        self.pnext = np.zeros((rows, cap), dtype=np.int32)
        self.pid = np.zeros((rows, cap), dtype=np.int64)
        self.pfree = np.zeros(rows, dtype=np.int32)

    def add_scope(self) -> int:
        """Start one empty scope (a new channel); its row."""
        s = self.used
        if s == self.bk.shape[0]:
            old = self.arrays()
            self._alloc(2 * s)
            for a, b in zip(old[1:], self.arrays()[1:], strict=True):
                b[:s] = a
        self.bk[s, _HEAD] = -1
        self.bk[s, _CNT] = 0
        self.bk[s, _TVAL] = NEG
        self.bk[s, _TADD] = 0
        self.tmx[s] = NEG
        self.pnext[s, :-1] = np.arange(1, self.capacity, dtype=np.int32)
        self.pnext[s, -1] = -1
        self.pfree[s] = 0
        self.used = s + 1
        return s

    def arrays(self) -> tuple:
        """The arrays every kernel takes, in order."""
        return (self.tag, self.bk, self.tmx, self.ptime, self.pnext, self.pid, self.pfree)


@njit(cache=True, nogil=True)
def bucket(t: float) -> int:  # pragma: no cover - njit
    """Absolute bucket of time ``t`` (s)."""
    return np.int64(np.floor(t * 1024.0))


# --- segment tree over the ring (per scope), range add / range max --------------------------


@njit(cache=True, nogil=True, inline="always")
def _apply(bk, tmx, s, p, v, nb):  # pragma: no cover - njit
    tmx[s, p] += v
    if p < nb:
        bk[s, _TADD, p] += v


@njit(cache=True, nogil=True)
def _build(bk, tmx, s, p):  # pragma: no cover - njit
    while p > 1:
        p >>= 1
        tmx[s, p] = max(tmx[s, 2 * p], tmx[s, 2 * p + 1]) + bk[s, _TADD, p]


@njit(cache=True, nogil=True)
def _push(bk, tmx, s, p, nb):  # pragma: no cover - njit
    h = 0
    while (1 << h) < nb:
        h += 1
    for sh in range(h, 0, -1):
        i = p >> sh
        d = bk[s, _TADD, i]
        if d != 0:
            _apply(bk, tmx, s, 2 * i, d, nb)
            _apply(bk, tmx, s, 2 * i + 1, d, nb)
            bk[s, _TADD, i] = 0


@njit(cache=True, nogil=True)
def _add_ring(bk, tmx, s, lo, hi, v, nb):  # pragma: no cover - njit
    """Add ``v`` to ring slots ``lo … hi − 1`` (0 ≤ lo < hi ≤ nb)."""
    p, q = lo + nb, hi + nb
    p0, q0 = p, q
    while p < q:
        if p & 1:
            _apply(bk, tmx, s, p, v, nb)
            p += 1
        if q & 1:
            q -= 1
            _apply(bk, tmx, s, q, v, nb)
        p >>= 1
        q >>= 1
    _build(bk, tmx, s, p0)
    _build(bk, tmx, s, q0 - 1)


@njit(cache=True, nogil=True)
def _max_ring(bk, tmx, s, lo, hi, nb):  # pragma: no cover - njit
    """Largest tree value over ring slots ``lo … hi − 1``."""
    p, q = lo + nb, hi + nb
    _push(bk, tmx, s, p, nb)
    _push(bk, tmx, s, q - 1, nb)
    best = NEG
    while p < q:
        if p & 1:
            best = max(best, tmx[s, p])
            p += 1
        if q & 1:
            q -= 1
            best = max(best, tmx[s, q])
        p >>= 1
        q >>= 1
    return best


@njit(cache=True, nogil=True)
def _add_abs(bk, tmx, s, b0, b1, v, nb):  # pragma: no cover - njit
    """Add ``v`` to ``S`` of absolute buckets ``b0 … b1`` (inclusive, fewer than nb)."""
    if b1 < b0:
        return
    lo, hi = b0 & (nb - 1), b1 & (nb - 1)
    if lo <= hi:
        _add_ring(bk, tmx, s, lo, hi + 1, v, nb)
    else:
        _add_ring(bk, tmx, s, lo, nb, v, nb)
        _add_ring(bk, tmx, s, 0, hi + 1, v, nb)


@njit(cache=True, nogil=True)
def _max_abs(bk, tmx, s, b0, b1, nb):  # pragma: no cover - njit
    """Best window over start buckets ``b0 … b1`` (inclusive, fewer than nb)."""
    if b1 < b0:
        return NEG
    lo, hi = b0 & (nb - 1), b1 & (nb - 1)
    if lo <= hi:
        return _max_ring(bk, tmx, s, lo, hi + 1, nb)
    return max(_max_ring(bk, tmx, s, lo, nb, nb), _max_ring(bk, tmx, s, 0, hi + 1, nb))


@njit(cache=True, nogil=True)
def _s_part(bk, tmx, s, r, nb):  # pragma: no cover - njit
    """``S`` of the bucket in ring slot ``r``."""
    p = r + nb
    _push(bk, tmx, s, p, nb)
    return tmx[s, p] - bk[s, _TVAL, r]


@njit(cache=True, nogil=True)
def _set_t(bk, tmx, s, r, t, nb):  # pragma: no cover - njit
    p = r + nb
    _push(bk, tmx, s, p, nb)
    a = tmx[s, p] - bk[s, _TVAL, r]
    bk[s, _TVAL, r] = t
    tmx[s, p] = a + t
    _build(bk, tmx, s, p)


# --- bucket lists --------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _head_of(tag, bk, s, b, nb):  # pragma: no cover - njit
    """First node of absolute bucket ``b``'s list, −1 when empty or not held."""
    r = b & (nb - 1)
    if tag[r] != b:
        return -1
    return bk[s, _HEAD, r]


@njit(cache=True, nogil=True)
def _best_in(tag, bk, ptime, pnext, s, b, m_lo, hi, nb):  # pragma: no cover - njit
    """Best of (onsets of b at/after x) + (onsets of b+1023, b+1024 at/before x + END) over
    onsets x of bucket b with ``x + END >= m_lo`` and ``x <= hi``; NEG when none qualifies."""
    h0 = _head_of(tag, bk, s, b, nb)
    if h0 < 0:
        return NEG
    n0 = bk[s, _CNT, b & (nb - 1)]
    q = _head_of(tag, bk, s, b + _SPAN + 1, nb)  # the far lists, walked once: b+1023 then b+1024
    second = True
    if q < 0:
        q = _head_of(tag, bk, s, b + _SPAN + 2, nb)
        second = False
    seen = 0
    best = NEG
    i = 0
    x = h0
    while x >= 0:
        tx = ptime[s, x]
        if tx > hi:
            break
        e = tx + END_S
        if e >= m_lo:
            while q >= 0 and ptime[s, q] <= e:
                seen += 1
                q = pnext[s, q]
                if q < 0 and second:
                    q = _head_of(tag, bk, s, b + _SPAN + 2, nb)
                    second = False
            best = max(best, n0 - i + seen)
        i += 1
        x = pnext[s, x]
    return best


@njit(cache=True, nogil=True)
def _retally(tag, bk, tmx, ptime, pnext, s, b, floor_b, nb):  # pragma: no cover - njit
    """Recompute T of absolute bucket b (nothing when b is not held)."""
    if b < floor_b or tag[b & (nb - 1)] != b:
        return
    t = _best_in(tag, bk, ptime, pnext, s, b, -np.inf, np.inf, nb)
    _set_t(bk, tmx, s, b & (nb - 1), t, nb)


@njit(cache=True, nogil=True)
def _insert(tag, bk, tmx, ptime, pnext, pid, pfree, s, t, ident, floor_b, nb):  # pragma: no cover
    """Insert onset t of train ``ident``; False when the pool is full."""
    if not _link(bk, ptime, pnext, pid, pfree, s, t, ident, nb):
        return False
    b = bucket(t)
    _add_abs(bk, tmx, s, max(b - _SPAN, floor_b), b - 1, 1, nb)
    for d in (0, _SPAN + 1, _SPAN + 2):
        _retally(tag, bk, tmx, ptime, pnext, s, b - d, floor_b, nb)
    return True


@njit(cache=True, nogil=True)
def _remove(tag, bk, tmx, ptime, pnext, pid, pfree, s, t, ident, floor_b, nb):  # pragma: no cover
    """Remove onset t of train ``ident``; False when it is not there."""
    if not _unlink(tag, bk, ptime, pnext, pid, pfree, s, t, ident, floor_b, nb):
        return False
    b = bucket(t)
    _add_abs(bk, tmx, s, max(b - _SPAN, floor_b), b - 1, -1, nb)
    for d in (0, _SPAN + 1, _SPAN + 2):
        _retally(tag, bk, tmx, ptime, pnext, s, b - d, floor_b, nb)
    return True


@njit(cache=True, nogil=True)
def _link(bk, ptime, pnext, pid, pfree, s, t, ident, nb):  # pragma: no cover - njit
    """Put onset t in its bucket's list (no tree update); False when the pool is full."""
    node = pfree[s]
    if node < 0:
        return False
    pfree[s] = pnext[s, node]
    ptime[s, node] = t
    pid[s, node] = ident
    r = bucket(t) & (nb - 1)
    prev = -1
    x = bk[s, _HEAD, r]
    while x >= 0 and ptime[s, x] <= t:
        prev = x
        x = pnext[s, x]
    pnext[s, node] = x
    if prev < 0:
        bk[s, _HEAD, r] = node
    else:
        pnext[s, prev] = node
    bk[s, _CNT, r] += 1
    return True


@njit(cache=True, nogil=True)
def _unlink(tag, bk, ptime, pnext, pid, pfree, s, t, ident, floor_b, nb):  # pragma: no cover
    """Take onset t of train ``ident`` out of its list (no tree update); False if absent."""
    b = bucket(t)
    r = b & (nb - 1)
    if b < floor_b or tag[r] != b:
        return False
    prev = -1
    x = bk[s, _HEAD, r]
    while x >= 0 and not (ptime[s, x] == t and pid[s, x] == ident):
        if ptime[s, x] > t:
            return False
        prev = x
        x = pnext[s, x]
    if x < 0:
        return False
    if prev < 0:
        bk[s, _HEAD, r] = pnext[s, x]
    else:
        pnext[s, prev] = pnext[s, x]
    pnext[s, x] = pfree[s]
    pfree[s] = x
    bk[s, _CNT, r] -= 1
    return True


@njit(cache=True, nogil=True)
def _refresh_ring(tag, bk, tmx, ptime, pnext, s, lo, hi, nb):  # pragma: no cover - njit
    """Recompute S, T and the tree for ring slots lo … hi (inclusive, no wrap) from the lists."""
    h = 0
    while (1 << h) < nb:
        h += 1
    for k in range(h, 0, -1):  # push every add above the range down to the leaves
        for i in range((lo + nb) >> k, ((hi + nb) >> k) + 1):
            d = bk[s, _TADD, i]
            if d != 0:
                _apply(bk, tmx, s, 2 * i, d, nb)
                _apply(bk, tmx, s, 2 * i + 1, d, nb)
                bk[s, _TADD, i] = 0
    b_hi = tag[hi]
    a = 0  # S(b) = counts of b+1 … b+SPAN, slid down from the top of the range
    for d in range(1, _SPAN + 1):
        rb = (b_hi + d) & (nb - 1)
        if tag[rb] == b_hi + d:
            a += bk[s, _CNT, rb]
    for r in range(hi, lo - 1, -1):
        b = tag[r]
        if r < hi:
            r1 = (b + 1) & (nb - 1)
            if tag[r1] == b + 1:
                a += bk[s, _CNT, r1]
            r2 = (b + _SPAN + 1) & (nb - 1)
            if tag[r2] == b + _SPAN + 1:
                a -= bk[s, _CNT, r2]
        t = _best_in(tag, bk, ptime, pnext, s, b, -np.inf, np.inf, nb)
        bk[s, _TVAL, r] = t
        tmx[s, r + nb] = a + t
    for k in range(1, h + 1):
        for p in range((lo + nb) >> k, ((hi + nb) >> k) + 1):
            tmx[s, p] = max(tmx[s, 2 * p], tmx[s, 2 * p + 1]) + bk[s, _TADD, p]


@njit(cache=True, nogil=True)
def _refresh(tag, bk, tmx, ptime, pnext, s, b0, b1, floor_b, nb):  # pragma: no cover - njit
    """Recompute the held buckets b0 … b1 (absolute) after their lists or those above changed."""
    b0 = max(b0, floor_b)
    if b1 < b0:
        return
    lo, hi = b0 & (nb - 1), b1 & (nb - 1)
    if lo <= hi:
        _refresh_ring(tag, bk, tmx, ptime, pnext, s, lo, hi, nb)
    else:
        _refresh_ring(tag, bk, tmx, ptime, pnext, s, 0, hi, nb)
        _refresh_ring(tag, bk, tmx, ptime, pnext, s, lo, nb - 1, nb)


_BATCH = 24  # onsets from which one range refresh beats a tree update per onset


# --- what the ledger calls ---------------------------------------------------------------


@njit(cache=True, nogil=True)
def free_buckets(tag, bk, tmx, ptime, pnext, pid, pfree, n_used, b0, b1):  # pragma: no cover
    """Forget absolute buckets ``b0 … b1`` in the first ``n_used`` scopes (nodes to the pools)."""
    nb = tag.shape[0]
    for b in range(b0, min(b1, b0 + nb - 1) + 1):
        r = b & (nb - 1)
        if tag[r] != b:
            continue
        tag[r] = _NONE
        for s in range(n_used):
            x = bk[s, _HEAD, r]
            while x >= 0:
                nxt = pnext[s, x]
                pnext[s, x] = pfree[s]
                pfree[s] = x
                x = nxt
            bk[s, _HEAD, r] = -1
            bk[s, _CNT, r] = 0


@njit(cache=True, nogil=True)
def open_buckets(tag, bk, tmx, ptime, pnext, pid, pfree, n_used, b0, b1):  # pragma: no cover
    """Hold absolute buckets ``b0 … b1`` (above every onset held): empty, S = 0, no window."""
    nb = tag.shape[0]
    for b in range(b0, b1 + 1):
        r = b & (nb - 1)
        tag[r] = b
        for s in range(n_used):
            x = bk[s, _HEAD, r]  # a slot freed lazily still lists nodes: return them
            while x >= 0:
                nxt = pnext[s, x]
                pnext[s, x] = pfree[s]
                pfree[s] = x
                x = nxt
            bk[s, _HEAD, r] = -1
            bk[s, _CNT, r] = 0
            p = r + nb
            _push(bk, tmx, s, p, nb)
            bk[s, _TVAL, r] = NEG
            tmx[s, p] = NEG
            _build(bk, tmx, s, p)


@njit(cache=True, nogil=True)
def rebuild(tag, bk, tmx, ptime, pnext, pid, pfree, n_used, floor_b, top_b):  # pragma: no cover
    """Recompute every S, T and the trees from the lists (after the floor moved down)."""
    nb = tag.shape[0]
    for s in range(n_used):
        bk[s, _TADD] = 0
        bk[s, _TVAL] = NEG
        tmx[s, nb:] = NEG
        a = 0  # S(b) = counts of b+1 … b+SPAN, slid down from the top
        for b in range(top_b, floor_b - 1, -1):
            r = b & (nb - 1)
            if b + 1 <= top_b:
                a += bk[s, _CNT, (b + 1) & (nb - 1)]
            if b + _SPAN + 1 <= top_b:
                a -= bk[s, _CNT, (b + _SPAN + 1) & (nb - 1)]
            t = _best_in(tag, bk, ptime, pnext, s, b, -np.inf, np.inf, nb)
            bk[s, _TVAL, r] = t
            tmx[s, r + nb] = a + t
        for p in range(nb - 1, 0, -1):
            tmx[s, p] = max(tmx[s, 2 * p], tmx[s, 2 * p + 1])


@njit(cache=True, nogil=True)
def materialize(
    tag, bk, tmx, ptime, pnext, pid, pfree, s_ch, ident, start, freq, count, stop, i, floor_b, top_b
):  # pragma: no cover - njit
    """Insert a train's onsets from index ``i`` up to bucket ``top_b`` (and ``stop``) into scope
    0 and ``s_ch``; returns (next index to insert, next onset time or inf when none is left,
    False when a pool filled up)."""
    nb = tag.shape[0]
    top_t = (top_b + 1) / 1024.0
    batch = min(count, i + (top_t - start - i / freq) * freq + 2) - i > _BATCH
    b_first, b_last = top_b + 1, floor_b - 1
    nxt, t_next, ok = count, np.inf, True
    while i < count:
        t = start + i / freq
        if t > stop:
            break
        b = bucket(t)
        if b > top_b:
            nxt, t_next = i, t
            break
        if b >= floor_b:
            if batch:
                ok = _link(bk, ptime, pnext, pid, pfree, 0, t, ident, nb)
                if ok and not _link(bk, ptime, pnext, pid, pfree, s_ch, t, ident, nb):
                    _unlink(tag, bk, ptime, pnext, pid, pfree, 0, t, ident, floor_b, nb)
                    ok = False
                if ok:
                    b_first, b_last = min(b_first, b), b
            else:
                ok = _insert(tag, bk, tmx, ptime, pnext, pid, pfree, 0, t, ident, floor_b, nb)
                if ok and not _insert(
                    tag, bk, tmx, ptime, pnext, pid, pfree, s_ch, t, ident, floor_b, nb
                ):
                    _remove(tag, bk, tmx, ptime, pnext, pid, pfree, 0, t, ident, floor_b, nb)
                    ok = False
            if not ok:
                nxt, t_next = i, t
                break
        i += 1
    if b_last >= b_first:
        for sc in (0, s_ch):
            _refresh(tag, bk, tmx, ptime, pnext, sc, b_first - _SPAN - 2, b_last, floor_b, nb)
    return nxt, t_next, ok


@njit(cache=True, nogil=True)
def unmaterialize(
    tag, bk, tmx, ptime, pnext, pid, pfree, s_ch, ident, start, freq, i0, i1, after, floor_b
):  # pragma: no cover - njit
    """Remove a train's onsets of indices ``i0 … i1 − 1`` later than ``after`` from scope 0 and
    ``s_ch`` (those not held are skipped); returns the first index removed (i1 when none)."""
    nb = tag.shape[0]
    batch = i1 - i0 > _BATCH
    first = i1
    b_first, b_last = np.int64(1) << 62, -(np.int64(1) << 62)
    for i in range(i1 - 1, i0 - 1, -1):
        t = start + i / freq
        if t <= after:
            break
        if batch:
            gone = _unlink(tag, bk, ptime, pnext, pid, pfree, 0, t, ident, floor_b, nb)
            if _unlink(tag, bk, ptime, pnext, pid, pfree, s_ch, t, ident, floor_b, nb) or gone:
                b = bucket(t)
                b_first, b_last = min(b_first, b), max(b_last, b)
        else:
            _remove(tag, bk, tmx, ptime, pnext, pid, pfree, 0, t, ident, floor_b, nb)
            _remove(tag, bk, tmx, ptime, pnext, pid, pfree, s_ch, t, ident, floor_b, nb)
        first = i
    if b_last >= b_first:
        for sc in (0, s_ch):
            _refresh(tag, bk, tmx, ptime, pnext, sc, b_first - _SPAN - 2, b_last, floor_b, nb)
    return first


@njit(cache=True, nogil=True)
def best_window(tag, bk, tmx, ptime, pnext, s, m, hi):  # pragma: no cover - njit
    """Most onsets in a window ``[x, x + END]`` of scope ``s`` over onsets ``x`` with
    ``x + END >= m`` and ``x <= hi`` (the windows starting there that hold time ``m``); 0 if
    none. Onsets of buckets ``bucket(m − 1) − 1 … bucket(hi) + 1024`` must be held."""
    nb = tag.shape[0]
    lo = m - END_S
    b_a = bucket(lo - 1e-6)  # edge buckets, where the float test decides window by window
    b_b = bucket(lo + 1e-6)
    b_hi = bucket(hi)
    best = NEG
    for b in range(b_a, min(b_b, b_hi) + 1):
        v = _best_in(tag, bk, ptime, pnext, s, b, m, hi, nb)
        if v > NEG:
            best = max(best, v + _s_part(bk, tmx, s, b & (nb - 1), nb))
    if b_hi > b_b:
        v = _best_in(tag, bk, ptime, pnext, s, b_hi, m, hi, nb)
        if v > NEG:
            best = max(best, v + _s_part(bk, tmx, s, b_hi & (nb - 1), nb))
        best = max(best, _max_abs(bk, tmx, s, b_b + 1, b_hi - 1, nb))
    return max(best, 0)


@njit(cache=True, nogil=True)
def best_for_train(
    tag, bk, tmx, ptime, pnext, s, start, freq, count, upper
):  # pragma: no cover - njit
    """Most onsets of scope ``s`` in a window that starts at or before ``upper`` and holds a
    pulse of the train (start, freq, count) — whose onsets scope ``s`` already holds."""
    if freq * END_S > 1.0001:  # pulses closer than a window: the windows' starts are contiguous
        return best_window(tag, bk, tmx, ptime, pnext, s, start, upper)
    best = 0
    i = 0
    while i < count:
        m = start + i / freq
        if m - END_S > upper + 1e-6:
            break
        best = max(best, best_window(tag, bk, tmx, ptime, pnext, s, m, min(m, upper)))
        i += 1
    return best
