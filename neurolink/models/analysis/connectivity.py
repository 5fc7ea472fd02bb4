"""Graph statistics of a synaptic network: degrees, reciprocity, clustering, three-node motifs.

A network is a directed graph with an edge ``pre → post`` for every non-zero weight
``W[post, pre]`` (self-connections ignored). Motifs are the 16 isomorphism classes of directed
triads in the MAN notation (``M`` mutual, ``A`` asymmetric, ``N`` null dyads, as in
``networkx.triadic_census``); the 13 connected ones are :data:`CONNECTED_MOTIFS`, counted by a
compiled version of the same Batagelj–Mrvar algorithm (``_triads``). Their
over- or under-representation is measured against a null model with the same in- and
out-degree of every neuron, made by Maslov–Sneppen rewiring: edges ``a→b`` and ``c→d`` become
``a→d`` and ``c→b`` unless that would create a self-loop or a duplicate. (The three-edge swap
``networkx.directed_edge_swap`` needs directed paths of length three, so it cannot randomise a
purely feedforward, e.g. bipartite, network; this two-edge swap can.)
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.analysis._rewire import rewire
from neurolink.models.analysis._triads import connected_census
from neurolink.models.dynamics.params import ModelError, as_float_array
from neurolink.models.networks.sparse import SparseConnectivity

__all__ = [
    "CONNECTED_MOTIFS",
    "DegreeStats",
    "MotifResult",
    "clustering",
    "degree_preserving_null",
    "degree_stats",
    "motif_counts",
    "motif_zscores",
    "reciprocity",
    "to_digraph",
]

#: The 13 connected three-node motifs (triad census codes).
CONNECTED_MOTIFS = (
    "021D",
    "021U",
    "021C",
    "111D",
    "111U",
    "030T",
    "030C",
    "201",
    "120D",
    "120U",
    "120C",
    "210",
    "300",
)

Network = nx.DiGraph | SparseConnectivity | ArrayLike


def to_digraph(network: Network) -> nx.DiGraph:
    """A ``networkx.DiGraph`` of the network (self-loops dropped).

    Parameters
    ----------
    network : networkx.DiGraph, SparseConnectivity or array_like of shape (n, n)
        A graph, sparse synapses, or a dense ``W[post, pre]`` (edge where ``W != 0``).
    """
    if isinstance(network, nx.DiGraph):
        g = nx.DiGraph(network)
    elif isinstance(network, nx.Graph):
        raise ModelError("expected a directed graph (networkx.DiGraph), got an undirected one")
    elif isinstance(network, SparseConnectivity):
        if network.n_pre != network.n_post:
            raise ModelError(
                f"a circuit's connectivity must be square, got {network.n_pre}→{network.n_post}"
            )
        pre, post, w = network.edges()
        g = nx.DiGraph()
        g.add_nodes_from(range(network.n_pre))
        g.add_edges_from(zip(pre[w != 0].tolist(), post[w != 0].tolist(), strict=True))
    else:
        w = as_float_array("to_digraph", "weights", network, ndim=2)
        if w.shape[0] != w.shape[1]:
            raise ModelError(f"weights must be square (post, pre), got shape {w.shape}")
        post, pre = np.nonzero(w)
        g = nx.DiGraph()
        g.add_nodes_from(range(w.shape[0]))
        g.add_edges_from(zip(pre.tolist(), post.tolist(), strict=True))
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    return g


@dataclass(frozen=True)
class DegreeStats:
    """In- and out-degrees and their distributions.

    Parameters
    ----------
    in_degree, out_degree : numpy.ndarray, int64, shape (n_nodes,)
        Per node, in node order.
    in_hist, out_hist : numpy.ndarray, int64, shape (max_degree + 1,)
        Number of nodes with each degree 0, 1, ….
    """

    in_degree: np.ndarray
    out_degree: np.ndarray
    in_hist: np.ndarray
    out_hist: np.ndarray

    @property
    def mean(self) -> float:
        """Mean in-degree (= mean out-degree = edges / nodes)."""
        return float(self.in_degree.mean()) if self.in_degree.size else 0.0


def degree_stats(network: Network) -> DegreeStats:
    """Degrees of every node and the degree histograms."""
    g = to_digraph(network)
    nodes = list(g.nodes)
    k_in = np.array([g.in_degree(v) for v in nodes], dtype=np.int64)
    k_out = np.array([g.out_degree(v) for v in nodes], dtype=np.int64)
    return DegreeStats(k_in, k_out, np.bincount(k_in), np.bincount(k_out))


def reciprocity(network: Network) -> float:
    """Fraction of edges whose reverse edge also exists (0 for an empty graph)."""
    g = to_digraph(network)
    return float(nx.overall_reciprocity(g)) if g.number_of_edges() else 0.0


def clustering(network: Network) -> float:
    """Mean directed clustering coefficient (Fagiolo 2007, ``networkx.average_clustering``):
    the fraction of possible directed triangles around each node that exist."""
    g = to_digraph(network)
    return float(nx.average_clustering(g)) if g.number_of_nodes() else 0.0


def motif_counts(network: Network) -> dict[str, int]:
    """Counts of the 13 connected three-node motifs (:data:`CONNECTED_MOTIFS`)."""
    nodes, src, dst = _arrays(to_digraph(network))
    census = connected_census(src, dst, max(1, len(nodes)))
    return {m: census[m] for m in CONNECTED_MOTIFS}


def degree_preserving_null(
    network: Network, swaps_per_edge: float = 5.0, rng: int | np.random.Generator | None = 0
) -> nx.DiGraph:
    """A random graph with the same in- and out-degree at every node (Maslov–Sneppen).

    Parameters
    ----------
    network : networkx.DiGraph, SparseConnectivity or array_like
        The network (see :func:`to_digraph`); nodes are kept with their labels.
    swaps_per_edge : float
        Successful swaps per edge (5–10 mixes well).
    rng : int, Generator or None
        Seed.

    Raises
    ------
    ModelError
        Fewer than 2 edges, or too few swaps possible (a nearly complete graph).
    """
    nodes, src, dst = _arrays(to_digraph(network))
    dst = _rewired(src, dst, len(nodes), swaps_per_edge, np.random.default_rng(rng))
    null = nx.DiGraph()
    null.add_nodes_from(nodes)
    null.add_edges_from(
        (nodes[a], nodes[b]) for a, b in zip(src.tolist(), dst.tolist(), strict=True)
    )
    return null


def _arrays(g: nx.DiGraph) -> tuple[list, np.ndarray, np.ndarray]:
    """Nodes, and the arcs as index arrays ``src[k] → dst[k]`` (int64)."""
    nodes = list(g.nodes)
    index = {v: k for k, v in enumerate(nodes)}
    src = np.array([index[u] for u, _ in g.edges], dtype=np.int64)
    dst = np.array([index[v] for _, v in g.edges], dtype=np.int64)
    return nodes, src, dst


def _rewired(
    src: np.ndarray, dst: np.ndarray, n_nodes: int, swaps_per_edge: float, gen: np.random.Generator
) -> np.ndarray:
    """A rewired copy of ``dst`` (Maslov–Sneppen swaps, see the module docstring)."""
    if src.size < 2:
        raise ModelError("degree-preserving null: need at least 2 edges to rewire")
    dst = dst.copy()
    wanted = max(1, round(swaps_per_edge * src.size))
    done, tried = 0, 0
    while done < wanted:
        if tried > 50 * wanted:
            raise ModelError(
                f"degree-preserving null: the graph cannot be randomised (only {done} of "
                f"{wanted} swaps possible in {tried} attempts)"
            )
        chunk = max(1024, 2 * (wanted - done))
        done += rewire(src, dst, n_nodes, gen.integers(src.size, size=(chunk, 2)), wanted - done)
        tried += chunk
    return dst


@dataclass(frozen=True)
class MotifResult:
    """Motif and reciprocity statistics against the degree-preserving null.

    Parameters
    ----------
    counts : dict of str to int
        Observed motif counts.
    null_mean, null_std : dict of str to float
        Mean and standard deviation over the null graphs.
    z : dict of str to float
        ``(count − null_mean) / null_std``; when the null never varies, 0 if the count equals
        it, else ±inf (e.g. a motif that no null graph contains).
    reciprocity, reciprocity_z : float
        Observed reciprocity and its z-score against the null.
    n_null : int
        Number of null graphs.
    """

    counts: dict[str, int]
    null_mean: dict[str, float]
    null_std: dict[str, float]
    z: dict[str, float]
    reciprocity: float
    reciprocity_z: float
    n_null: int


def motif_zscores(
    network: Network,
    n_null: int = 50,
    swaps_per_edge: float = 5.0,
    rng: int | np.random.Generator | None = 0,
) -> MotifResult:
    """Motif counts and reciprocity compared with degree-preserving randomisations.

    Parameters
    ----------
    network : networkx.DiGraph, SparseConnectivity or array_like
        The network (see :func:`to_digraph`).
    n_null : int
        Number of null graphs (>= 2).
    swaps_per_edge : float
        Successful swaps per edge for each null graph (:func:`degree_preserving_null`).
    rng : int, Generator or None
        Seed of the swaps.
    """
    if n_null < 2:
        raise ModelError(f"motif_zscores: n_null must be >= 2, got {n_null}")
    g = to_digraph(network)
    if g.number_of_edges() < 3:
        raise ModelError("motif_zscores: need at least 3 edges to randomise")
    gen = np.random.default_rng(rng)
    nodes, src, dst = _arrays(g)
    null = np.empty((n_null, len(CONNECTED_MOTIFS)))
    null_rec = np.empty(n_null)
    for k in range(n_null):
        d = _rewired(src, dst, len(nodes), swaps_per_edge, gen)
        census = connected_census(src, d, len(nodes))
        null[k] = [census[m] for m in CONNECTED_MOTIFS]
        codes = src * len(nodes) + d
        null_rec[k] = np.isin(d * len(nodes) + src, codes).mean()
    counts = motif_counts(g)
    mean, std = null.mean(axis=0), null.std(axis=0, ddof=1)
    z = {m: _z(counts[m], mean[i], std[i]) for i, m in enumerate(CONNECTED_MOTIFS)}
    rec = reciprocity(g)
    return MotifResult(
        counts,
        dict(zip(CONNECTED_MOTIFS, mean.tolist(), strict=True)),
        dict(zip(CONNECTED_MOTIFS, std.tolist(), strict=True)),
        z,
        rec,
        _z(rec, float(null_rec.mean()), float(null_rec.std(ddof=1))),
        n_null,
    )


def _z(value: float, mean: float, std: float) -> float:
    if std > 0:
        return float((value - mean) / std)
    return float(np.sign(value - mean) * np.inf) if value != mean else 0.0
