"""Fixed points, bifurcations and Lyapunov exponents against known results."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from neurolink.models.analysis import (
    BifurcationKind,
    Stability,
    bifurcation_scan,
    classify,
    find_fixed_points,
    largest_lyapunov,
    lyapunov_spectrum,
    map_lyapunov_spectrum,
    numeric_jacobian,
)
from neurolink.models.dynamics.params import ModelError
from neurolink.models.integrators import IntegrationError

# --- fixed points and stability ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("matrix", "kind"),
    [
        ([[-1.0, 0.0], [0.0, -3.0]], Stability.STABLE_NODE),
        ([[-0.5, 2.0], [-2.0, -0.5]], Stability.STABLE_FOCUS),  # λ = −0.5 ± 2i
        ([[1.0, 0.0], [0.0, 2.0]], Stability.UNSTABLE_NODE),
        ([[0.3, -1.0], [1.0, 0.3]], Stability.UNSTABLE_FOCUS),
        ([[1.0, 0.0], [0.0, -1.0]], Stability.SADDLE),
        ([[0.0, 1.0], [-1.0, 0.0]], Stability.NON_HYPERBOLIC),  # centre
    ],
)
def test_linear_system_fixed_point_and_eigenvalues(matrix: list, kind: Stability) -> None:
    a = np.array(matrix)
    b = np.array([1.0, -2.0])
    points = find_fixed_points(lambda x: a @ x + b, bounds=[[-5, 5], [-5, 5]], n_seeds=8)
    assert len(points) == 1
    fp = points[0]
    np.testing.assert_allclose(fp.x, -np.linalg.solve(a, b), atol=1e-10)
    np.testing.assert_allclose(
        np.sort_complex(fp.eigenvalues), np.sort_complex(np.linalg.eigvals(a)), atol=1e-6
    )
    assert fp.stability is kind
    assert fp.stable == (kind in (Stability.STABLE_NODE, Stability.STABLE_FOCUS))


def test_cubic_has_three_deduplicated_fixed_points() -> None:
    # dx/dt = x − x³: fixed points −1, 0, 1 with f'(x) = 1 − 3x² = −2, 1, −2.
    points = find_fixed_points(lambda x: x - x**3, bounds=[[-2, 2]], n_seeds=60)
    np.testing.assert_allclose([p.x[0] for p in points], [-1.0, 0.0, 1.0], atol=1e-9)
    np.testing.assert_allclose([p.eigenvalues[0].real for p in points], [-2, 1, -2], atol=1e-6)
    assert [p.stable for p in points] == [True, False, True]


# FitzHugh–Nagumo: dV/dt = V − V³/3 − w + I, dw/dt = ε (V + a − b w).
EPS, A_FHN, B_FHN = 0.08, 0.7, 0.8


def _fhn(x: np.ndarray, current: float) -> np.ndarray:
    v, w = x
    return np.array([v - v**3 / 3 - w + current, EPS * (v + A_FHN - B_FHN * w)])


def test_fitzhugh_nagumo_fixed_point_and_eigenvalues() -> None:
    # w* = (V* + a)/b, and V* solves V − V³/3 − (V + a)/b + I = 0: −V³/3 + (1 − 1/b) V − a/b + I.
    current = 0.0
    roots = np.roots([-1 / 3, 0.0, 1 - 1 / B_FHN, current - A_FHN / B_FHN])
    v_star = float(roots[np.abs(roots.imag) < 1e-12].real[0])  # one real root for these values
    w_star = (v_star + A_FHN) / B_FHN
    jac = np.array([[1 - v_star**2, -1.0], [EPS, -EPS * B_FHN]])
    points = find_fixed_points(lambda x: _fhn(x, current), bounds=[[-3, 3], [-3, 3]], n_seeds=30)
    assert len(points) == 1
    np.testing.assert_allclose(points[0].x, [v_star, w_star], atol=1e-9)
    np.testing.assert_allclose(points[0].jacobian, jac, atol=1e-6)
    np.testing.assert_allclose(
        np.sort_complex(points[0].eigenvalues), np.sort_complex(np.linalg.eigvals(jac)), atol=1e-6
    )
    assert points[0].stable


def test_bifurcation_scan_finds_fitzhugh_nagumo_hopf_at_analytic_current() -> None:
    # tr J = 1 − V² − ε b = 0 at V_H = −√(1 − ε b) (left branch); det J = ε (1 − b (1 − V²)) > 0
    # there, so a complex pair crosses: Hopf at I_H = V_H³/3 − V_H + (V_H + a)/b ≈ 0.3313.
    v_h = -np.sqrt(1 - EPS * B_FHN)
    i_h = v_h**3 / 3 - v_h + (v_h + A_FHN) / B_FHN
    assert EPS * (1 - B_FHN * (1 - v_h**2)) > 0
    currents = np.linspace(0.0, 0.6, 31)
    scan = bifurcation_scan(_fhn, [-1.2, -0.6], currents)
    assert len(scan.bifurcations) == 1
    hopf = scan.bifurcations[0]
    assert hopf.kind is BifurcationKind.HOPF
    assert hopf.parameter == pytest.approx(i_h, abs=1e-7)
    assert hopf.x[0] == pytest.approx(v_h, abs=1e-6)
    assert scan.stable[currents < i_h].all() and not scan.stable[currents > i_h].any()
    coarse = bifurcation_scan(_fhn, [-1.2, -0.6], currents, refine=False).bifurcations[0]
    assert coarse.parameter == pytest.approx(i_h, abs=currents[1] - currents[0])


def test_bifurcation_scan_finds_transcritical_fold() -> None:
    # dx/dt = μ x − x²: the branch x = 0 has eigenvalue μ, crossing zero at μ = 0 (real).
    scan = bifurcation_scan(lambda x, mu: mu * x - x**2, [0.0], np.linspace(-1, 1, 21))
    assert [b.kind for b in scan.bifurcations] == [BifurcationKind.FOLD]
    assert scan.bifurcations[0].parameter == pytest.approx(0.0, abs=1e-9)


def test_dynsys_rejects_bad_input() -> None:
    with pytest.raises(ModelError, match="give bounds and/or seeds"):
        find_fixed_points(lambda x: x)
    with pytest.raises(ModelError, match=r"bounds must be \(n, 2\)"):
        find_fixed_points(lambda x: x, bounds=[[1.0, -1.0]])
    with pytest.raises(ModelError, match=r"must return shape \(2,\)"):
        find_fixed_points(lambda x: x[:1], bounds=[[-1, 1], [-1, 1]])
    with pytest.raises(ModelError, match="strictly monotonic"):
        bifurcation_scan(lambda x, mu: x, [0.0], [0.0, 1.0, 0.5])
    assert classify([1e-12, -1.0]) is Stability.NON_HYPERBOLIC
    np.testing.assert_allclose(
        numeric_jacobian(lambda x: np.array([x[0] * x[1], x[1] ** 2]), [2.0, 3.0]),
        [[3, 2], [0, 6]],
        atol=1e-8,
    )


# --- Lyapunov exponents --------------------------------------------------------------------------
SIGMA, RHO, BETA = 10.0, 28.0, 8.0 / 3.0


@njit
def _lorenz(x, p):  # pragma: no cover - njit
    return np.array([p[0] * (x[1] - x[0]), x[0] * (p[1] - x[2]) - x[1], x[0] * x[1] - p[2] * x[2]])


@njit
def _lorenz_jac(x, p):  # pragma: no cover - njit
    return np.array([[-p[0], p[0], 0.0], [p[1] - x[2], -1.0, -x[0]], [x[1], x[0], -p[2]]])


def test_lorenz_lyapunov_spectrum() -> None:
    # Literature (e.g. Sprott 2003): λ ≈ (0.906, 0, −14.572). tr J = −(σ + 1 + β) everywhere,
    # so the exponents sum to −13.667 exactly (up to the RK4 error).
    res = lyapunov_spectrum(
        _lorenz,
        [1.0, 1.0, 1.0],
        t_total=1000.0,
        dt=0.01,
        jac=_lorenz_jac,
        params=[SIGMA, RHO, BETA],
        t_transient=20.0,
    )
    assert res.compiled
    assert res.exponents[0] == pytest.approx(0.906, abs=0.05)
    assert abs(res.exponents[1]) < 0.02
    assert res.exponents.sum() == pytest.approx(-(SIGMA + 1 + BETA), abs=1e-3)


def test_lorenz_largest_exponent_by_benettin_renormalisation() -> None:
    res = largest_lyapunov(
        _lorenz,
        [1.0, 1.0, 1.0],
        t_total=1000.0,
        dt=0.01,
        params=[SIGMA, RHO, BETA],
        t_transient=20.0,
    )
    assert res.exponents[0] == pytest.approx(0.906, abs=0.05)


def test_linear_flow_exponents_are_eigenvalue_real_parts_python_path() -> None:
    # dx/dt = A x with eigenvalues −0.5 ± 2i and −1: exponents (−0.5, −0.5, −1). Plain Python
    # callables and no Jacobian: the Python kernel with central differences.
    a = np.array([[-0.5, 2.0, 0.0], [-2.0, -0.5, 0.0], [0.0, 0.0, -1.0]])
    res = lyapunov_spectrum(lambda x, p: a @ x, [1.0, 0.5, 0.2], t_total=50.0, dt=0.01)
    assert not res.compiled
    np.testing.assert_allclose(res.exponents, [-0.5, -0.5, -1.0], atol=0.02)
    two = lyapunov_spectrum(lambda x, p: a @ x, [1.0, 0.5, 0.2], 50.0, 0.01, n_exponents=2)
    assert two.exponents.shape == (2,)


@njit
def _linear(x, p):  # pragma: no cover - njit
    return np.array([p[0] * x[0], p[1] * x[1]])


def test_compiled_flow_without_jacobian_uses_compiled_differences() -> None:
    # dx/dt = diag(−0.3, −1.2) x: exponents are the diagonal.
    res = lyapunov_spectrum(_linear, [1.0, 1.0], t_total=20.0, dt=0.01, params=[-0.3, -1.2])
    assert res.compiled
    np.testing.assert_allclose(res.exponents, [-0.3, -1.2], atol=1e-6)


def test_logistic_map_at_r4_has_exponent_ln2() -> None:
    # x ← 4x(1 − x) is conjugate to the tent map: λ = ln 2.
    res = map_lyapunov_spectrum(
        lambda x, p: p[0] * x * (1 - x),
        lambda x, p: np.array([[p[0] * (1 - 2 * x[0])]]),
        [0.3],
        n_iter=100_000,
        params=[4.0],
        n_transient=100,
    )
    assert res.exponents[0] == pytest.approx(np.log(2), abs=0.01)


@njit
def _henon(x, p):  # pragma: no cover - njit
    return np.array([1.0 - p[0] * x[0] ** 2 + x[1], p[1] * x[0]])


@njit
def _henon_jac(x, p):  # pragma: no cover - njit
    return np.array([[-2.0 * p[0] * x[0], 1.0], [p[1], 0.0]])


def test_henon_map_spectrum_compiled() -> None:
    # a = 1.4, b = 0.3: λ₁ ≈ 0.419 (literature); det J = −b, so λ₁ + λ₂ = ln 0.3 exactly.
    res = map_lyapunov_spectrum(
        _henon, _henon_jac, [0.1, 0.1], n_iter=100_000, params=[1.4, 0.3], n_transient=1000
    )
    assert res.compiled
    assert res.exponents[0] == pytest.approx(0.419, abs=0.01)
    assert res.exponents.sum() == pytest.approx(np.log(0.3), abs=1e-9)


def test_lyapunov_reports_divergence_and_bad_input() -> None:
    # dx/dt = x² from x = 1 blows up at t = 1.
    with pytest.raises(IntegrationError, match=r"x\[0\] became") as info:
        lyapunov_spectrum(lambda x, p: x**2, [1.0], t_total=5.0, dt=0.01)
    assert info.value.variable == "x[0]" and 90 <= info.value.step <= 110
    with pytest.raises(ModelError, match="dt must be > 0"):
        largest_lyapunov(lambda x, p: x, [1.0], 1.0, 0.0)
    with pytest.raises(ModelError, match="n_exponents"):
        lyapunov_spectrum(lambda x, p: -x, [1.0], 1.0, 0.1, n_exponents=2)
