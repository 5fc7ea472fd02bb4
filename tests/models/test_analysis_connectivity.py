"""Graph statistics of hand-built graphs, motif z-scores, and the NeuralCircuit report."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest

from neurolink.models.analysis import (
    CONNECTED_MOTIFS,
    NeuralCircuit,
    clustering,
    degree_preserving_null,
    degree_stats,
    motif_counts,
    motif_zscores,
    reciprocity,
    to_digraph,
)
from neurolink.models.dynamics.params import ModelError
from neurolink.models.networks import (
    LIFPopulation,
    RateNetwork,
    SparseConnectivity,
    SpikingNetwork,
)


def _dense(edges: list[tuple[int, int]], n: int) -> np.ndarray:
    """W[post, pre] = 1 for each edge pre → post."""
    w = np.zeros((n, n))
    for pre, post in edges:
        w[post, pre] = 1.0
    return w


def test_reciprocity_of_hand_built_graphs() -> None:
    cycle = [(0, 1), (1, 2), (2, 0)]
    assert reciprocity(_dense(cycle, 3)) == 0.0
    # Adding 1 → 0 makes the pair {0, 1} mutual: 2 of 4 edges are reciprocated.
    assert reciprocity(_dense([*cycle, (1, 0)], 3)) == 0.5
    assert reciprocity(_dense([(0, 1), (1, 0)], 2)) == 1.0


def test_directed_clustering_of_hand_built_graphs() -> None:
    # Fagiolo: c_i = ½ Σ_{j,k} (a_ij + a_ji)(a_jk + a_kj)(a_ki + a_ik) / [d_i (d_i − 1) − 2 d↔_i].
    # Directed 3-cycle: numerator ½ · 2 = 1, d = 2, d↔ = 0 → c = 1/2 at every node.
    assert clustering(_dense([(0, 1), (1, 2), (2, 0)], 3)) == pytest.approx(0.5)
    # All six edges: numerator ½ · 2 · 8 = 8, d = 4, d↔ = 2 → 8 / (12 − 4) = 1.
    full = [(i, j) for i in range(3) for j in range(3) if i != j]
    assert clustering(_dense(full, 3)) == pytest.approx(1.0)
    # A star has no triangles.
    assert clustering(_dense([(0, 1), (0, 2), (0, 3)], 4)) == 0.0


def test_degree_stats_and_self_loops() -> None:
    w = _dense([(0, 1), (0, 2), (1, 2), (2, 2)], 3)  # the self-loop 2 → 2 is ignored
    stats = degree_stats(w)
    assert stats.out_degree.tolist() == [2, 1, 0]
    assert stats.in_degree.tolist() == [0, 1, 2]
    assert stats.in_hist.tolist() == [1, 1, 1] and stats.out_hist.tolist() == [1, 1, 1]
    assert stats.mean == 1.0


def test_motif_counts_of_hand_built_graph() -> None:
    # 0 → 1 → 2 with the shortcut 0 → 2 is a feed-forward loop (030T); 2 ↔ 3 is mutual.
    # Triads: {0,1,2}: 030T. {0,2,3}: 0 → 2 ↔ 3, i.e. A ↔ B ← C: 111D. {1,2,3}: 1 → 2 ↔ 3: 111D.
    # {0,1,3}: the single edge 0 → 1 (012, not connected).
    w = _dense([(0, 1), (1, 2), (0, 2), (2, 3), (3, 2)], 4)
    counts = motif_counts(w)
    assert set(counts) == set(CONNECTED_MOTIFS)
    assert {m: c for m, c in counts.items() if c} == {"030T": 1, "111D": 2}


@pytest.mark.parametrize("seed", [0, 1])
def test_compiled_motif_census_matches_networkx(seed: int) -> None:
    # networkx.triadic_census is an independent (pure Python) implementation of the census.
    g = nx.gnp_random_graph(40, 0.12, directed=True, seed=seed)
    for u, v in list(g.edges)[:40]:
        g.add_edge(v, u)  # plenty of mutual dyads
    census = nx.triadic_census(g)
    expected = {m: census[m] for m in CONNECTED_MOTIFS}
    assert motif_counts(g) == expected


def test_inputs_agree_across_graph_types() -> None:
    rng = np.random.default_rng(0)
    w = np.where(rng.random((15, 15)) < 0.2, rng.normal(size=(15, 15)), 0.0)
    sparse = SparseConnectivity.from_dense(w)
    g = nx.DiGraph((int(j), int(i)) for i, j in zip(*np.nonzero(w), strict=True) if i != j)
    g.add_nodes_from(range(15))
    for net in (sparse, g):
        assert motif_counts(net) == motif_counts(w)
        assert reciprocity(net) == reciprocity(w)
    assert to_digraph(sparse).number_of_edges() == np.count_nonzero(w) - np.count_nonzero(
        np.diag(w)
    )


def test_degree_preserving_null_keeps_degrees_of_a_feedforward_network() -> None:
    # Bipartite 30 → 20 (no directed path of length 3): the rewiring must still mix it.
    rng = np.random.default_rng(6)
    w = np.zeros((50, 50))
    w[30:, :30] = rng.random((20, 30)) < 0.2
    g = to_digraph(w)
    null = degree_preserving_null(w, swaps_per_edge=5, rng=1)
    assert dict(null.in_degree) == dict(g.in_degree)
    assert dict(null.out_degree) == dict(g.out_degree)
    assert nx.number_of_selfloops(null) == 0
    assert all(u < 30 <= v for u, v in null.edges)  # degrees force it to stay bipartite
    shared = len(set(null.edges) & set(g.edges)) / g.number_of_edges()
    assert shared < 0.4  # ≈ the density 0.2 when fully mixed


def test_planted_reciprocal_motifs_score_positive_against_degree_preserving_null() -> None:
    # A sparse random graph plus 12 node triples wired all-to-all (six edges each: motif 300).
    # Degree-preserving swaps keep every in/out degree but scatter the mutual pairs, so
    # reciprocity and the triads with mutual dyads sit above the null, and the purely asymmetric
    # open triads (021*), which the null makes from the broken pairs, below it.
    rng = np.random.default_rng(1)
    n = 80
    w = (rng.random((n, n)) < 0.03).astype(float)
    for trio in rng.permutation(n)[:36].reshape(12, 3):
        for i in trio:
            for j in trio:
                w[i, j] = 1.0 if i != j else w[i, j]
    res = motif_zscores(w, n_null=30, rng=2)
    assert res.counts["300"] >= 12
    assert res.reciprocity_z > 5
    assert res.z["300"] > 5  # +inf here: no null graph has a 300 triad
    assert res.null_mean["300"] < res.counts["300"]
    assert res.z["111U"] > 3 and res.z["111D"] > 3
    assert max(res.z["021D"], res.z["021U"], res.z["021C"]) < -3
    with pytest.raises(ModelError, match="n_null"):
        motif_zscores(w, n_null=1)
    with pytest.raises(ModelError, match="cannot be randomised"):
        motif_zscores(np.ones((3, 3)), n_null=2)  # fewer than four nodes


def test_neural_circuit_report_from_spiking_network() -> None:
    exc = LIFPopulation(40, "exc", v_rest=0.0, v_reset=0.0, v_th=15.0, t_ref=2.0, r_m=10.0)
    net = SpikingNetwork([exc], tau_syn=5.0)
    conn = SparseConnectivity.random(40, 40, 0.1, 0.05, rng=3, autapses=False)
    net.connect("exc", "exc", conn)
    drive = np.random.default_rng(4).uniform(1.6, 2.2, 40)
    result = net.simulate(2000.0, 0.1, drive=drive)
    report = NeuralCircuit(n_null=5).analyze(net, result)
    assert report.n_neurons == 40 and report.n_synapses == conn.n_synapses
    assert report.density == pytest.approx(conn.n_synapses / (40 * 39))
    np.testing.assert_allclose(report.rates_hz, result.rates())
    assert report.mean_rate_hz == pytest.approx(result.rates().mean())
    assert report.cv_isi < 0.2  # tonic firing under constant drive is nearly regular
    assert report.motifs is not None and set(report.motifs.z) == set(CONNECTED_MOTIFS)
    assert "synapses" in report.summary()
    json.dumps(report.to_dict())  # JSON-ready


def test_neural_circuit_with_spike_trains_and_dense_weights() -> None:
    rng = np.random.default_rng(5)
    trains = [np.sort(rng.uniform(0, 10_000.0, 200)) for _ in range(6)]  # Poisson-like, 20 Hz
    w = _dense([(0, 1), (1, 2), (2, 0), (3, 4)], 6)
    report = NeuralCircuit(n_null=0).analyze(w, trains, t_stop=10_000.0)
    assert report.motifs is None
    assert report.mean_rate_hz == pytest.approx(20.0)
    assert report.cv_isi == pytest.approx(1.0, abs=0.2)
    assert report.reciprocity == 0.0
    # A RateNetwork or a DiGraph gives the same wiring figures.
    graph = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 4)])
    graph.add_node(5)
    for circuit in (RateNetwork(w), graph):
        other = NeuralCircuit(n_null=0).analyze(circuit, trains, t_stop=10_000.0)
        assert (other.n_synapses, other.clustering) == (report.n_synapses, report.clustering)
    with pytest.raises(ModelError, match="6 neurons but the activity has 5"):
        NeuralCircuit(n_null=0).analyze(w, trains[:5], t_stop=10_000.0)
    with pytest.raises(ModelError, match="fano_window_ms must be > 0"):
        NeuralCircuit(fano_window_ms=0.0)
