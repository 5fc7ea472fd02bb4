"""Rate and spiking networks against analytic results (expected values derived here)."""

from __future__ import annotations

import numpy as np
import pytest

from neurolink.models.dynamics.params import ModelError
from neurolink.models.integrators import IntegrationError
from neurolink.models.networks import (
    IzhikevichPopulation,
    LIFPopulation,
    RateNetwork,
    SparseConnectivity,
    SpikingNetwork,
    Transfer,
)

# --- rate networks -------------------------------------------------------------------------------


def test_linear_recurrent_network_converges_to_analytic_steady_state() -> None:
    # τ dr/dt = −r + W r + I has the fixed point (1 − W)⁻¹ I, stable when every eigenvalue of W
    # has real part < 1. Scale a random W to spectral radius 0.6.
    rng = np.random.default_rng(3)
    n = 8
    w = rng.standard_normal((n, n))
    w *= 0.6 / np.max(np.abs(np.linalg.eigvals(w)))
    inputs = rng.uniform(0.5, 2.0, n)
    expected = np.linalg.solve(np.eye(n) - w, inputs)
    net = RateNetwork(w, tau=10.0)
    traj = net.simulate(np.zeros(n), inputs, t_span=600.0, dt=0.5, record_every=100)
    np.testing.assert_allclose(traj.final, expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(net.linear_steady_state(inputs), expected, rtol=1e-12)
    assert traj.times[0] == 0.0 and traj.times[-1] == pytest.approx(600.0)


def test_feedforward_linear_network_multiplies_layer_weights() -> None:
    # Input to layer 0 only: r0 = I0, r1 = W1 r0, r2 = W2 r1 at steady state.
    rng = np.random.default_rng(4)
    w1, w2 = rng.standard_normal((3, 4)), rng.standard_normal((2, 3))
    net = RateNetwork.feedforward([w1, w2], tau=5.0)
    assert net.n_units == 9
    i0 = rng.standard_normal(4)
    inputs = np.concatenate([i0, np.zeros(5)])
    traj = net.simulate(np.zeros(9), inputs, t_span=300.0, dt=0.5)
    np.testing.assert_allclose(traj.final[:4], i0, atol=1e-9)
    np.testing.assert_allclose(traj.final[4:7], w1 @ i0, atol=1e-9)
    np.testing.assert_allclose(traj.final[7:], w2 @ w1 @ i0, atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_winner_take_all_selects_largest_input(seed: int) -> None:
    # ReLU units with W = α I − β (1 − I): the winner settles at I_max / (1 − α), the others at 0.
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(1.0, 2.0, 6)
    alpha = 0.5
    net = RateNetwork.winner_take_all(6, self_excitation=alpha, inhibition=2.0, tau=10.0)
    traj = net.simulate(np.zeros(6), inputs, t_span=1000.0, dt=0.5, record_every=1000)
    winner = int(np.argmax(inputs))
    assert int(np.argmax(traj.final)) == winner
    assert traj.final[winner] == pytest.approx(inputs[winner] / (1 - alpha), rel=1e-6)
    np.testing.assert_allclose(np.delete(traj.final, winner), 0.0, atol=1e-9)


def test_rate_network_follows_time_varying_input() -> None:
    # A single linear unit with W = 0: r relaxes to I with time constant τ after each switch.
    net = RateNetwork(np.zeros((1, 1)), tau=5.0)
    inputs = np.concatenate([np.full((400, 1), 1.0), np.full((400, 1), -2.0)])  # 200 + 200 ms
    traj = net.simulate([0.0], inputs, t_span=400.0, dt=0.5, record_every=10)
    at = lambda t: traj.rates[np.searchsorted(traj.times, t), 0]  # noqa: E731
    assert at(5.0) == pytest.approx(1 - np.exp(-1.0), rel=1e-9)  # exact for piecewise-constant I
    assert at(200.0) == pytest.approx(1.0, abs=1e-12)
    assert at(205.0) == pytest.approx(-2.0 + 3.0 * np.exp(-1.0), rel=1e-9)


def test_transfer_functions_and_jacobian() -> None:
    x = np.array([-2.0, 0.0, 2.0])
    np.testing.assert_allclose(Transfer.SIGMOID(x), 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(Transfer.RELU(x, gain=2.0, threshold=1.0), [0.0, 0.0, 2.0])
    np.testing.assert_allclose(Transfer.TANH.derivative(x), 1 - np.tanh(x) ** 2)
    w = np.array([[0.0, 0.5], [0.2, 0.0]])
    net = RateNetwork(w, tau=[2.0, 4.0], transfer="tanh")
    r, i = np.array([0.3, -0.1]), np.array([0.2, 0.4])
    eps = 1e-6
    numeric = np.column_stack(
        [
            (net.derivatives(r + eps * e, i) - net.derivatives(r - eps * e, i)) / (2 * eps)
            for e in np.eye(2)
        ]
    )
    np.testing.assert_allclose(net.jacobian(r, i), numeric, atol=1e-8)


def test_unstable_rate_network_reports_step_and_unit() -> None:
    net = RateNetwork(np.array([[1.5, 0.0], [0.0, 0.2]]), tau=1.0, bound=1e3)
    with pytest.raises(IntegrationError) as info:
        net.simulate([1.0, 0.0], [0.0, 0.0], t_span=100.0, dt=0.1)
    err = info.value
    assert err.variable == "r" and err.unit == 0 and err.step > 0
    assert f"step {err.step}" in str(err) and "r[0]" in str(err)
    with pytest.raises(ModelError, match="unstable"):
        net.linear_steady_state([1.0, 1.0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"weights": np.ones((2, 3))}, "square"),
        ({"weights": np.eye(2), "tau": -1.0}, "tau must be > 0"),
        ({"weights": np.eye(2), "tau": [1.0, 2.0, 3.0]}, "tau must be a scalar"),
        ({"weights": [[np.nan, 0], [0, 0]]}, "NaN"),
        ({"weights": np.eye(2), "transfer": "cubic"}, "unknown transfer"),
    ],
)
def test_rate_network_rejects_bad_parameters(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        RateNetwork(**kwargs)


def test_rate_network_rejects_bad_inputs() -> None:
    net = RateNetwork(np.zeros((3, 3)))
    with pytest.raises(ModelError, match="inputs must have shape"):
        net.simulate(np.zeros(3), np.zeros(4), 10.0, 1.0)
    with pytest.raises(ModelError, match="r0 must have shape"):
        net.simulate(np.zeros(2), np.zeros(3), 10.0, 1.0)
    with pytest.raises(ModelError, match="dt must be > 0"):
        net.simulate(np.zeros(3), np.zeros(3), 10.0, -1.0)
    with pytest.raises(ModelError, match="layer 1 has 3 units"):
        RateNetwork.feedforward([np.ones((3, 2)), np.ones((2, 4))])


# --- sparse connectivity -------------------------------------------------------------------------


def test_sparse_connectivity_round_trip_and_random_density() -> None:
    dense = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0], [0.0, 0.0, 0.5]])  # w[post, pre]
    conn = SparseConnectivity.from_dense(dense)
    assert conn.n_synapses == 4
    np.testing.assert_array_equal(conn.to_dense(), dense)
    # Row of presynaptic neuron 0 holds its one target (post 1, weight 2.0).
    assert conn.indices[conn.indptr[0] : conn.indptr[1]].tolist() == [1]
    big = SparseConnectivity.random(400, 300, 0.05, 1.0, rng=1, autapses=False)
    # Binomial count: mean p·n_pre·n_post = 6000, sd ≈ 75.
    assert abs(big.n_synapses - 6000) < 400
    pre, post, _ = SparseConnectivity.random(50, 50, 0.5, 1.0, rng=2, autapses=False).edges()
    assert not np.any(pre == post)
    with pytest.raises(ModelError, match="postsynaptic indices"):
        SparseConnectivity(2, 2, [0, 1, 1], [5], [1.0])


def _csr_reference(pre, post, w, n_pre: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR by (pre, post), repeated pairs in input order: the plain lexsort construction."""
    order = np.lexsort((post, pre))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(pre, minlength=n_pre))])
    return (
        indptr,
        np.asarray(post)[order],
        np.broadcast_to(np.asarray(w, float), order.shape)[order],
    )


def _assert_table(conn: SparseConnectivity, indptr, indices, weights) -> None:
    assert conn.indptr.dtype == np.int64 and conn.indices.dtype == np.int32
    assert conn.weights.dtype == np.float64
    np.testing.assert_array_equal(conn.indptr, indptr)
    np.testing.assert_array_equal(conn.indices, indices)
    np.testing.assert_array_equal(conn.weights, weights)
    assert not (conn.indptr.flags.writeable or conn.indices.flags.writeable)
    assert not conn.weights.flags.writeable


def test_from_edges_sorts_stably_and_copies_its_inputs() -> None:
    rng = np.random.default_rng(7)
    pre = rng.integers(0, 30, 2000)
    post = rng.integers(0, 20, 2000)  # many repeated pairs: their order must be kept
    w = rng.normal(size=2000)
    for p, q in ((pre, post), (pre.astype(np.int32), post.astype(np.int32)), (pre, post * 1.0)):
        conn = SparseConnectivity.from_edges(p, q, w, 30, 20)
        _assert_table(conn, *_csr_reference(pre, post, w, 30))
        assert not np.shares_memory(conn.indices, q) and not np.shares_memory(conn.weights, w)
    _assert_table(
        SparseConnectivity.from_edges(pre, post, 0.5, 30, 20), *_csr_reference(pre, post, 0.5, 30)
    )
    with pytest.raises(ModelError, match="postsynaptic indices"):
        SparseConnectivity.from_edges([0], [20], 1.0, 30, 20)
    with pytest.raises(ModelError, match="NaN"):
        SparseConnectivity.from_edges([0], [1], np.nan, 30, 20)


def test_network_stores_one_merged_table_equal_to_sorting_all_edges() -> None:
    rng = np.random.default_rng(11)
    sizes = {"a": 40, "b": 25, "c": 10}
    net = SpikingNetwork([LIFPopulation(n, name) for name, n in sizes.items()])
    pres, posts, ws = [], [], []

    def connect(src: str, dst: str, n_edges: int) -> None:
        p = rng.integers(0, sizes[src], n_edges)
        q = rng.integers(0, sizes[dst], n_edges)
        w = rng.normal(size=n_edges)
        net.connect(src, dst, SparseConnectivity.from_edges(p, q, w, sizes[src], sizes[dst]))
        pres.append(p + net.slices[src].start)
        posts.append(q + net.slices[dst].start)
        ws.append(w)

    def check() -> None:
        merged = net.connectivity()
        pre, post, w = (np.concatenate(x) for x in (pres, posts, ws))
        _assert_table(merged, *_csr_reference(pre, post, w, net.n_neurons))
        assert net.connectivity() is merged and len(net._blocks) == 1  # kept once, not rebuilt

    # Distinct population pairs (rows stitched together), a long row of "a" included.
    for src, dst, n_edges in [("a", "b", 300), ("a", "a", 500), ("b", "c", 50), ("c", "a", 80)]:
        connect(src, dst, n_edges)
    connect("a", "c", 70_000)
    check()
    # The same pair twice, and more synapses after the merge: the edges are sorted again.
    connect("a", "b", 200)
    connect("b", "c", 40)
    check()
    one = SpikingNetwork([LIFPopulation(5, "p")])
    table = SparseConnectivity.random(5, 5, 0.5, 1.0, rng=0)
    one.connect("p", "p", table)
    assert one.connectivity() is table
    assert SpikingNetwork([LIFPopulation(3)]).connectivity().indptr.tolist() == [0, 0, 0, 0]


# --- spiking networks ----------------------------------------------------------------------------


def _lif_rate(drive_na: np.ndarray, tau: float, r_m: float, dv: float, t_ref: float) -> np.ndarray:
    """Analytic LIF rate (Hz) with V_reset = V_rest: 1 / (t_ref + τ ln(RI / (RI − ΔV)))."""
    ri = r_m * drive_na
    return 1000.0 / (t_ref + tau * np.log(ri / (ri - dv)))


def test_uncoupled_lif_network_matches_analytic_rate() -> None:
    drive = np.array([1.6, 2.0, 3.0, 5.0, 1.4])  # nA; R·I = 16, 20, 30, 50, 14 mV vs ΔV = 15 mV
    pop = LIFPopulation(
        5, "lif", tau_m=20.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0, t_ref=2.0, r_m=10.0
    )
    net = SpikingNetwork([pop], tau_syn=5.0)
    # Synapses exist but carry zero weight: the event path runs and changes nothing.
    net.connect("lif", "lif", SparseConnectivity.random(5, 5, 0.8, 0.0, rng=0))
    result = net.simulate(duration=2000.0, dt=0.01, drive=drive)
    expected = _lif_rate(drive[:4], 20.0, 10.0, 15.0, 2.0)
    trains = result.spike_trains()
    measured = np.array([1000.0 / np.mean(np.diff(t)) for t in trains[:4]])
    # The period is quantised to the step: error ≤ dt / period ≈ 0.01 / 8 ms.
    np.testing.assert_allclose(measured, expected, rtol=2e-3)
    assert trains[4].size == 0  # R·I = 14 mV < 15 mV: never reaches threshold


def test_izhikevich_rest_loses_stability_at_analytic_hopf_current() -> None:
    # Fixed point: u = b v and 0.04 v² + (5 − b) v + 140 + I = 0. Trace of the Jacobian
    # (0.08 v + 5) − a vanishes at v_H = (a − 5) / 0.08, i.e. at I_H below.
    a, b = 0.02, 0.2
    v_h = (a - 5) / 0.08
    i_h = -(0.04 * v_h**2 + (5 - b) * v_h + 140)  # ≈ 3.80
    net = SpikingNetwork([IzhikevichPopulation(2, a=a, b=b)])
    result = net.simulate(3000.0, 0.1, drive=np.array([i_h - 0.2, i_h + 0.2]))
    late = result.rates(t_from=1000.0)
    assert late[0] == 0.0
    assert late[1] > 1.0


def _reference_lif(w: np.ndarray, drive: np.ndarray, n_steps: int, dt: float) -> list:
    """The documented update, written plainly: integrate, decay i_syn, deliver W @ spikes."""
    tau, v_rest, v_th, r_m, ref_steps, tau_syn = 10.0, 0.0, 1.0, 1.0, 3, 2.0
    n = w.shape[0]
    v, i_syn, ref = np.zeros(n), np.zeros(n), np.zeros(n, int)
    spikes = []
    for s in range(n_steps):
        v_inf = v_rest + r_m * (drive + i_syn)
        free = ref == 0
        ref[~free] -= 1
        v[free] = v_inf[free] + (v[free] - v_inf[free]) * np.exp(-dt / tau)
        fired = free & (v >= v_th)
        v[fired] = v_rest
        ref[fired] = ref_steps
        spikes += [((s + 1) * dt, i) for i in np.flatnonzero(fired)]
        i_syn = i_syn * np.exp(-dt / tau_syn) + w @ fired
    return spikes


def test_event_driven_network_matches_dense_reference() -> None:
    rng = np.random.default_rng(5)
    n, dt, n_steps = 12, 0.1, 3000
    w = np.where(rng.random((n, n)) < 0.3, rng.normal(0.0, 0.6, (n, n)), 0.0)
    np.fill_diagonal(w, 0.0)
    drive = rng.uniform(0.9, 1.3, n)
    pop = LIFPopulation(n, "p", tau_m=10.0, v_rest=0.0, v_reset=0.0, v_th=1.0, t_ref=0.3, r_m=1.0)
    net = SpikingNetwork([pop], tau_syn=2.0)
    net.connect("p", "p", SparseConnectivity.from_dense(w))
    result = net.simulate(n_steps * dt, dt, drive=drive)
    expected = _reference_lif(w, drive, n_steps, dt)
    assert len(expected) > 100
    got = sorted(zip(np.round(result.times, 9).tolist(), result.neurons.tolist(), strict=True))
    want = sorted((round(t, 9), int(i)) for t, i in expected)
    assert got == want


def test_spike_buffer_grows_without_losing_spikes() -> None:
    # t_ref = 0, R·I = 30 mV vs ΔV = 15 mV: V_n = 30 (1 − e^{−n dt/τ}) first reaches 15 mV at
    # n = ceil(τ ln 2 / dt) = 139 steps of 0.1 ms, so each neuron fires every 139 steps:
    # 200 000 steps → 1438 spikes each, 86 280 in all, more than the first buffer (65 536).
    pop = LIFPopulation(
        60, "p", tau_m=20.0, v_rest=0.0, v_reset=0.0, v_th=15.0, t_ref=0.0, r_m=10.0
    )
    result = SpikingNetwork([pop]).simulate(20_000.0, 0.1, drive=3.0)
    period_steps = int(np.ceil(20.0 * np.log(2) / 0.1))
    assert period_steps == 139
    assert result.times.size == 60 * (200_000 // period_steps) > 1 << 16
    np.testing.assert_array_equal(np.bincount(result.neurons), 200_000 // period_steps)
    np.testing.assert_allclose(result.spike_trains()[0][:2], [13.9, 27.8])


def test_spiking_network_populations_and_drive_mapping() -> None:
    net = SpikingNetwork([LIFPopulation(3, "exc"), IzhikevichPopulation(2, "izh")])
    assert net.slices == {"exc": slice(0, 3), "izh": slice(3, 5)}
    result = net.simulate(500.0, 0.1, drive={"exc": [0.0, 0.0, 3.0], "izh": 10.0})
    assert result.rates("exc")[:2].tolist() == [0.0, 0.0]
    assert result.rates("exc")[2] > 0 and np.all(result.rates("izh") > 0)
    assert len(result.spike_trains("izh")) == 2
    with pytest.raises(ModelError, match="no population 'inh'"):
        result.rates("inh")


def test_time_varying_drive_switches_firing_on() -> None:
    # Drive off for the first 100 ms, then 2 nA (R·I = 20 mV > 15 mV): the first spike comes
    # τ ln(20/5) = 27.73 ms after the switch, rounded up to the 0.1-ms step.
    pop = LIFPopulation(2, "p", v_rest=0.0, v_reset=0.0, v_th=15.0, r_m=10.0)
    drive = np.zeros((2000, 2))
    drive[1000:, 0] = 2.0
    result = SpikingNetwork([pop]).simulate(200.0, 0.1, drive=drive)
    first = result.spike_trains()[0][0]
    assert first == pytest.approx(100.0 + np.ceil(20.0 * np.log(4.0) / 0.1) * 0.1)
    assert result.spike_trains()[1].size == 0
    with pytest.raises(ModelError, match="t_to > t_from"):
        result.rates(t_from=50.0, t_to=50.0)


def test_divergent_spiking_network_names_step_and_neuron() -> None:
    pop = LIFPopulation(2, "p", v_rest=0.0, v_reset=0.0, v_th=1.0, t_ref=0.0, r_m=1.0)
    net = SpikingNetwork([pop])
    net.connect("p", "p", SparseConnectivity.from_dense([[0.0, 1e308], [1e308, 0.0]]))
    with pytest.raises(IntegrationError) as info:
        net.simulate(100.0, 0.1, drive=[2.0, 2.0])
    assert info.value.variable == "v" and "step" in str(info.value)
    assert "neuron" in str(info.value)


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: LIFPopulation(3, tau_m=-5.0), "tau_m must be > 0"),
        (lambda: LIFPopulation(0), "size must be a positive integer"),
        (lambda: LIFPopulation(3, v_reset=-40.0, v_th=-50.0), "v_reset < v_th"),
        (lambda: SpikingNetwork([LIFPopulation(2, "a"), LIFPopulation(2, "a")]), "unique"),
        (lambda: SpikingNetwork([LIFPopulation(2)], tau_syn=0.0), "tau_syn must be > 0"),
    ],
)
def test_spiking_network_rejects_bad_parameters(build, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        build()


def test_spiking_network_rejects_bad_shapes() -> None:
    net = SpikingNetwork([LIFPopulation(3, "a"), LIFPopulation(2, "b")])
    with pytest.raises(ModelError, match=r"connectivity is 3→3 neurons but the populations"):
        net.connect("a", "b", SparseConnectivity.random(3, 3, 0.5, 1.0, rng=0))
    with pytest.raises(ModelError, match="drive must be a scalar or have shape"):
        net.simulate(10.0, 0.1, drive=np.ones(4))
    with pytest.raises(ModelError, match="unknown populations"):
        net.simulate(10.0, 0.1, drive={"c": 1.0})
    with pytest.raises(ModelError, match="NaN"):
        net.simulate(10.0, 0.1, drive=[np.nan, 0, 0, 0, 0])
