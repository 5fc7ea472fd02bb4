"""Passive cable on branched morphologies against analytic cable theory."""

from __future__ import annotations

import numpy as np
import pytest

from neurolink.models.dendrite import Morphology, MorphologyError, PassiveDendrite
from neurolink.models.dynamics.params import ModelError

R_M, R_I = 20_000.0, 100.0  # Ω·cm², Ω·cm


def lam_um(d_um: float) -> float:
    """λ = sqrt((d/4) R_m / R_i), in µm (d converted to cm and back)."""
    return float(np.sqrt(d_um * 1e-4 / 4.0 * R_M / R_I) * 1e4)


def test_length_constant() -> None:
    # d = 2 µm: (0.5e-4 cm)(200 cm) = 0.01 cm² → λ = 0.1 cm = 1000 µm
    cell = PassiveDendrite(Morphology.cylinder(1000.0, 2.0), r_m=R_M, r_i=R_I)
    assert cell.length_constant() == pytest.approx(1000.0)
    assert lam_um(2.0) == pytest.approx(1000.0)


def test_steady_state_attenuation_on_a_long_cable() -> None:
    length, d = 10_000.0, 2.0  # 10 λ: effectively semi-infinite near the injection site
    cell = PassiveDendrite(Morphology.cylinder(length, d), r_m=R_M, r_i=R_I, max_segment=5.0)
    i_inj = np.zeros(cell.n_compartments)
    i_inj[0] = 0.1  # nA into the first compartment
    dv = cell.steady_state(i_inj) - cell.e_leak
    x, x0, lam = cell.distance, cell.distance[0], lam_um(d)
    # Sealed end at L: V(x) ∝ cosh((L − x)/λ) beyond the injection site.
    sealed = np.cosh((length - x) / lam) / np.cosh((length - x0) / lam)
    np.testing.assert_allclose(dv / dv[0], sealed, atol=1e-5)
    near = x < 3 * lam  # semi-infinite limit e^{−x/λ} (the sealed-end term is < 1e-6 here)
    np.testing.assert_allclose(dv[near] / dv[0], np.exp(-(x[near] - x0) / lam), atol=1e-5)
    # Input resistance of a semi-infinite cable: r_a λ with r_a = 4 R_i / (π d²) (MΩ here).
    r_a = 4 * R_I / (np.pi * (d * 1e-4) ** 2) * 1e-6  # MΩ per cm
    assert dv[0] / 0.1 == pytest.approx(r_a * lam * 1e-4, rel=5e-3)


def test_branched_tree_obeying_rall_equals_equivalent_cylinder() -> None:
    # Parent d = 4 µm, two daughters with d^{3/2} summing to 4^{3/2}: d = 4 / 2^{2/3}.
    # Each piece has electrotonic length 0.5 → an equivalent cylinder of length 1 (sealed end):
    # V(X)/V(X₀) = cosh(1 − X)/cosh(1 − X₀).
    d_p, d_c = 4.0, 4.0 / 2 ** (2 / 3)
    l_p, l_c = 0.5 * lam_um(d_p), 0.5 * lam_um(d_c)
    morph = Morphology(np.array([-1, 0, 0]), np.array([l_p, l_c, l_c]), np.array([d_p, d_c, d_c]))
    cell = PassiveDendrite(morph, r_m=R_M, r_i=R_I, max_segment=2.0)
    i_inj = np.zeros(cell.n_compartments)
    i_inj[0] = 0.2
    dv = cell.steady_state(i_inj) - cell.e_leak
    in_parent = cell.section == 0
    big_x = np.where(in_parent, cell.position / lam_um(d_p), 0.5 + cell.position / lam_um(d_c))
    expected = np.cosh(1.0 - big_x) / np.cosh(1.0 - big_x[0])
    np.testing.assert_allclose(dv / dv[0], expected, atol=2e-4)
    np.testing.assert_allclose(dv[cell.section == 1], dv[cell.section == 2], rtol=1e-12)


def test_current_is_conserved_at_branch_points() -> None:
    # Asymmetric tree: at steady state all injected current leaves through the membrane,
    # and the current entering each branch equals the membrane current of its subtree.
    morph = Morphology(
        np.array([-1, 0, 0, 1, 1]),
        np.array([300.0, 200, 500, 100, 400]),
        np.array([3.0, 2.0, 1.0, 1.5, 0.5]),
    )
    cell = PassiveDendrite(morph, r_m=R_M, r_i=R_I, max_segment=5.0)
    i_inj = np.zeros(cell.n_compartments)
    i_inj[cell.compartment(0, 10.0)] = 0.3
    i_inj[cell.compartment(4, 390.0)] = -0.1
    dv = cell.steady_state(i_inj) - cell.e_leak
    membrane = cell.g_m * dv  # nA out of each compartment
    assert membrane.sum() == pytest.approx(i_inj.sum(), rel=1e-10)
    g = cell.conductance_matrix
    subtree = np.isin(cell.section, [1, 3, 4])
    last_parent = np.flatnonzero(cell.section == 0)[-1]
    first_child = np.flatnonzero(cell.section == 1)[0]
    axial = -g[last_parent, first_child] * (dv[last_parent] - dv[first_child])
    assert axial == pytest.approx(membrane[subtree].sum() - i_inj[subtree].sum(), rel=1e-9)


def test_charging_follows_membrane_time_constant() -> None:
    # Uniform injection per membrane area keeps the cable isopotential:
    # V(t) − E = I R (1 − e^{−t/τ_m}) with τ_m = R_m C_m = 20 ms.
    cell = PassiveDendrite(
        Morphology(np.array([-1, 0, 0]), np.array([200.0, 100, 100]), np.array([2.0, 1.0, 1.0])),
        r_m=R_M,
        r_i=R_I,
        c_m=1.0,
    )
    i_inj = 10.0 * cell.g_m  # nA (µS × mV): each compartment's own leak holds 10 mV
    times, v = cell.simulate(i_inj, (0.0, 100.0), dt=0.01)
    expected = cell.e_leak + 10.0 * (1 - np.exp(-times / cell.tau_m))
    assert cell.tau_m == pytest.approx(20.0)
    # implicit Euler: error ≈ (dt/2τ)(t/τ)e^{−t/τ} · 10 mV ≤ 1e-3 mV
    np.testing.assert_allclose(v, np.broadcast_to(expected[:, None], v.shape), atol=2e-3)
    np.testing.assert_allclose(cell.steady_state(i_inj), cell.e_leak + 10.0, atol=1e-9)


@pytest.mark.parametrize(
    ("parent", "message"),
    [
        ([-1, 0, -1], "disconnected: it needs exactly one root"),
        ([0, 0, 1], "disconnected: it needs exactly one root"),
        ([-1, 2, 1], r"sections \[1, 2\] are not connected to the root"),
        ([-1, 5, 0], "out of range"),
    ],
)
def test_disconnected_morphologies_are_refused(parent: list[int], message: str) -> None:
    with pytest.raises(MorphologyError, match=message):
        Morphology(np.array(parent), np.full(3, 100.0), np.full(3, 1.0))


def test_bad_geometry_and_parameters() -> None:
    with pytest.raises(MorphologyError, match="length must be > 0"):
        Morphology(np.array([-1, 0]), np.array([100.0, -5.0]), np.array([1.0, 1.0]))
    with pytest.raises(MorphologyError, match="same non-zero length"):
        Morphology(np.array([-1, 0]), np.array([100.0]), np.array([1.0, 1.0]))
    with pytest.raises(ModelError, match="r_m must be > 0"):
        PassiveDendrite(Morphology.cylinder(100.0, 1.0), r_m=-1.0)
    cell = PassiveDendrite(Morphology.cylinder(100.0, 1.0))
    with pytest.raises(ModelError, match=r"shape \(10,\)"):
        cell.steady_state(np.zeros(3))
