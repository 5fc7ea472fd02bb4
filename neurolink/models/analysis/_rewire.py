"""Numba kernel of the degree-preserving (Maslov–Sneppen) rewiring of a directed graph."""

from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True)
def rewire(src, dst, n_nodes, pairs, n_wanted):  # pragma: no cover - njit
    """Try the swaps ``(a→b, c→d) → (a→d, c→b)`` for the edge index pairs in ``pairs``.

    A swap is made only when it creates no self-loop and no edge that exists already, so every
    node keeps its in- and out-degree and the graph stays simple. ``dst`` is updated in place.

    Parameters
    ----------
    src, dst : numpy.ndarray, int64, shape (n_edges,)
        Edges ``src[k] → dst[k]`` (no self-loops, no duplicates).
    n_nodes : int
        Number of nodes (edges are coded as ``src · n_nodes + dst``).
    pairs : numpy.ndarray, int64, shape (n_attempts, 2)
        Random edge indices to try.
    n_wanted : int
        Stop after this many swaps.

    Returns
    -------
    int
        Swaps made.
    """
    present = set()
    for k in range(src.size):
        present.add(src[k] * n_nodes + dst[k])
    done = 0
    for t in range(pairs.shape[0]):
        if done >= n_wanted:
            break
        i, j = pairs[t, 0], pairs[t, 1]
        a, b, c, d = src[i], dst[i], src[j], dst[j]
        if a == c or b == d or a == d or c == b:
            continue  # a no-op, or a self-loop
        ad, cb = a * n_nodes + d, c * n_nodes + b
        if ad in present or cb in present:
            continue  # a duplicate edge
        present.discard(a * n_nodes + b)
        present.discard(c * n_nodes + d)
        present.add(ad)
        present.add(cb)
        dst[i], dst[j] = d, b
        done += 1
    return done
