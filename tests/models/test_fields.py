"""Neural fields and reaction–diffusion against analytic predictions derived in the tests."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize

from neurolink.models.dynamics.params import ModelError
from neurolink.models.fields import (
    AmariField,
    Brusselator,
    GrayScott,
    ReactionDiffusion,
    active_width,
    difference_of_gaussians,
    dominant_wavelength,
    exponential_kernel,
    turing_analysis,
)
from neurolink.models.integrators import IntegrationError

# Mexican hat w(x) = 3 e^{−x²/2} − 1.5 e^{−x²/18}, resting level h = −1, Heaviside f(u) = H(u).
A_E, S_E, A_I, S_I, H = 3.0, 1.0, 1.5, 3.0, -1.0


def _w(x: float) -> float:
    return A_E * np.exp(-(x**2) / (2 * S_E**2)) - A_I * np.exp(-(x**2) / (2 * S_I**2))


def _amari_widths() -> tuple[float, float]:
    """Amari (1977): a bump of width a exists where W(a) + h = 0, W(a) = ∫₀ᵃ w(x) dx, and is
    stable where W'(a) = w(a) < 0. W rises to a maximum at the zero of w, then falls: two roots."""
    big_w = lambda a: integrate.quad(_w, 0.0, a)[0]  # noqa: E731
    a_peak = optimize.brentq(_w, 0.1, 5.0)  # w(a_peak) = 0: the maximum of W
    assert big_w(a_peak) + H > 0 > big_w(20.0) + H  # the two roots exist
    small = optimize.brentq(lambda a: big_w(a) + H, 1e-6, a_peak)
    large = optimize.brentq(lambda a: big_w(a) + H, a_peak, 20.0)
    assert _w(small) > 0 > _w(large)  # unstable, stable
    return small, large


def _field(ndim: int = 1, n: int = 1024, length: float = 60.0) -> AmariField:
    return AmariField(
        difference_of_gaussians(A_E, S_E, A_I, S_I, ndim=ndim),
        length=length,
        n_points=n,
        ndim=ndim,
        tau=1.0,
        h=H,
    )


def test_amari_bump_has_predicted_width_and_is_stationary() -> None:
    _, a_stable = _amari_widths()  # ≈ 1.709
    field = _field()
    u0 = np.where(np.abs(field.x) < 2.0, 1.0, H)  # a bump wider than the stable one
    traj = field.simulate(u0, t_span=40.0, dt=0.05, record_every=200)
    widths = [active_width(u, field.dx) for u in traj.u[-3:]]
    # The active set is a whole number of grid points, so the width is exact to about dx.
    assert widths[-1] == pytest.approx(a_stable, abs=field.dx)
    assert np.ptp(widths) < 1e-6  # stationary
    centre = field.x[np.argmax(traj.final)]
    assert abs(centre) <= field.dx  # it stays where it was put


def test_amari_bump_narrower_than_unstable_width_dies() -> None:
    a_unstable, a_stable = _amari_widths()  # ≈ 0.827 and ≈ 1.709
    field = _field()
    grows = field.simulate(np.where(np.abs(field.x) < 0.6, 1.0, H), 40.0, 0.05).final
    dies = field.simulate(np.where(np.abs(field.x) < 0.3, 1.0, H), 40.0, 0.05).final
    assert 2 * 0.3 < a_unstable < 2 * 0.6
    assert active_width(grows, field.dx) == pytest.approx(a_stable, abs=field.dx)
    assert active_width(dies, field.dx) == 0.0
    np.testing.assert_allclose(dies, H, atol=1e-9)  # back to rest


def test_amari_travelling_front_speed() -> None:
    # w(x) = e^{−|x|/σ} / (2σ), f = H(u − θ), h = 0. A front U(ξ), ξ = x − c t, active for ξ < 0,
    # solves −c τ U' = −U + ½ e^{−ξ/σ} for ξ > 0, so U = e^{−ξ/σ} / (2 (1 + cτ/σ)); U(0) = θ gives
    # c = (σ/τ) (1 − 2θ) / (2θ). Two fronts expand a central active region: width' = 2c.
    sigma, tau, theta = 1.0, 1.0, 0.3
    expected = sigma / tau * (1 - 2 * theta) / (2 * theta)  # 2/3
    field = AmariField(
        exponential_kernel(1.0, sigma), length=400.0, n_points=4096, tau=tau, threshold=theta
    )
    traj = field.simulate(np.where(np.abs(field.x) < 10, 1.0, 0.0), 60.0, 0.005, record_every=200)
    widths = np.array([active_width(u, field.dx, theta) for u in traj.u])
    late = traj.times > 20
    speed = np.polyfit(traj.times[late], widths[late], 1)[0] / 2
    assert speed == pytest.approx(expected, rel=0.03)


def test_amari_2d_stripe_matches_1d_bump_width() -> None:
    # w(x, y) = w₁(x) g(y) with ∫ g = 1: a stripe u(x) obeys the 1-D field with kernel w₁.
    _, a_stable = _amari_widths()
    w1 = difference_of_gaussians(A_E, S_E, A_I, S_I)
    kernel = lambda x, y: w1(x) * np.exp(-(y**2) / 2) / np.sqrt(2 * np.pi)  # noqa: E731
    field = AmariField(kernel, length=40.0, n_points=256, ndim=2, h=H)
    u0 = np.broadcast_to(np.where(np.abs(field.x) < 2.0, 1.0, H)[:, None], field.shape)
    final = field.simulate(u0, 30.0, 0.05).final
    assert final.shape == (256, 256)
    assert np.ptp(final, axis=1).max() < 1e-9  # still a stripe
    assert active_width(final[:, 0], field.dx) == pytest.approx(a_stable, abs=field.dx)


def test_amari_adaptation_and_time_varying_input() -> None:
    # With adaptation g and no recurrent input (w = 0), u → (h + I) / (1 + g) at rest.
    field = AmariField(
        lambda x: 0.0 * x, length=10.0, n_points=16, h=0.5, adaptation=1.0, tau_a=5.0
    )
    final = field.simulate(np.zeros(16), 200.0, 0.05, inputs=lambda t: np.full(16, 1.5)).final
    np.testing.assert_allclose(final, (0.5 + 1.5) / 2.0, rtol=1e-6)


def test_amari_sigmoid_uniform_state_solves_self_consistency() -> None:
    # A constant kernel w = c / L gives ∫ w f(u) dy = c f(u) for a uniform u, so the uniform
    # steady state solves u = c f(u) + h with f(u) = 1 / (1 + e^{−β(u − θ)}).
    c, h, beta, theta, length = 2.0, -0.5, 4.0, 0.5, 10.0
    field = AmariField(
        lambda x: np.full_like(x, c / length),
        length,
        32,
        h=h,
        firing="sigmoid",
        beta=beta,
        threshold=theta,
    )
    sig = lambda u: 1 / (1 + np.exp(-beta * (u - theta)))  # noqa: E731
    u_star = optimize.brentq(lambda u: u - c * sig(u) - h, -1.0, 0.0)  # the low (stable) state
    final = field.simulate(np.full(32, -0.5), 50.0, 0.05).final
    np.testing.assert_allclose(final, u_star, atol=1e-8)


def test_amari_rejects_bad_input() -> None:
    with pytest.raises(ModelError, match="tau must be > 0"):
        AmariField(exponential_kernel(1, 1), 10.0, 64, tau=-1.0)
    with pytest.raises(ModelError, match="ndim must be 1 or 2"):
        AmariField(exponential_kernel(1, 1), 10.0, 64, ndim=3)
    with pytest.raises(ModelError, match="firing must be one of"):
        AmariField(exponential_kernel(1, 1), 10.0, 64, firing="step")
    field = _field(n=64)
    with pytest.raises(ModelError, match=r"u0 must have shape \(64,\)"):
        field.simulate(np.zeros(65), 1.0, 0.1)
    with pytest.raises(ModelError, match="kernel built for 1-D"):
        AmariField(exponential_kernel(1, 1), 10.0, 64, ndim=2)
    blowup = AmariField(exponential_kernel(1, 1), 10.0, 64, h=10.0, bound=5.0)
    with pytest.raises(IntegrationError, match=r"u at grid point \(0,\)") as info:
        blowup.simulate(np.zeros(64), 10.0, 0.1)
    assert info.value.variable == "u" and info.value.step >= 0


# --- reaction–diffusion --------------------------------------------------------------------------
# Brusselator u' = a − (b+1)u + u²v + D_u u'', v' = bu − u²v + D_v v''. At (a, b/a) the Jacobian
# is J = [[b − 1, a²], [−b, −a²]]. det(J − k²D) < 0 for some k first at
# b_c = (1 + a √(D_u/D_v))², at k_c² = a / √(D_u D_v); tr J < 0 needs b < 1 + a² (Hopf).
A, DU, DV = 2.0, 1.0, 8.0
B_C = (1 + A * np.sqrt(DU / DV)) ** 2  # ≈ 2.914
K_C = np.sqrt(A / np.sqrt(DU * DV))  # ≈ 0.841, wavelength ≈ 7.47


def test_turing_analysis_matches_analytic_threshold() -> None:
    assert B_C < 1 + A**2  # the homogeneous state is stable to k = 0 perturbations
    above = turing_analysis(Brusselator(A, 1.02 * B_C, DU, DV))
    below = turing_analysis(Brusselator(A, 0.98 * B_C, DU, DV))
    assert above.turing_unstable and not below.turing_unstable
    assert above.k_max == pytest.approx(K_C, rel=0.03)
    assert above.steady_state == (A, 1.02 * B_C / A)


@pytest.mark.parametrize(("factor", "patterned"), [(1.1, True), (0.9, False)])
def test_brusselator_forms_turing_pattern_only_above_threshold(
    factor: float, patterned: bool
) -> None:
    b = factor * B_C
    length, n = 200.0, 256
    rd = ReactionDiffusion(Brusselator(A, b, DU, DV), length, n)
    rng = np.random.default_rng(0)
    u0 = A + 0.01 * rng.standard_normal(n)
    v0 = b / A + 0.01 * rng.standard_normal(n)
    traj = rd.simulate(u0, v0, t_span=300.0, dt=0.05, record_every=1000)
    final, before = traj.u[-1], traj.u[-2]
    if patterned:
        # A finite-amplitude pattern whose amplitude has settled (its defects keep healing
        # slowly, so the profile itself still creeps by a mode or so).
        assert np.std(final) > 0.3
        assert np.std(final) == pytest.approx(np.std(before), rel=0.01)
        wavelength = dominant_wavelength(final, length)
        assert wavelength == pytest.approx(2 * np.pi / K_C, rel=0.1)
    else:
        assert np.std(final) < 1e-8  # the perturbation decayed: uniform
        assert dominant_wavelength(np.full(n, A), length) == np.inf


def test_gray_scott_trivial_state_is_linearly_stable() -> None:
    # At (1, 0): J = [[−F, 0], [0, −(F + k)]], so σ(k) = max(−F − D_u k², −(F+k) − D_v k²) < 0.
    gs = GrayScott(feed=0.04, kill=0.06, d_u=1.0, d_v=0.5)
    an = turing_analysis(gs, k_max=2.0, n_k=5)
    expected = np.maximum(-0.04 - an.wavenumbers**2, -0.1 - 0.5 * an.wavenumbers**2)
    np.testing.assert_allclose(an.growth, expected, atol=1e-12)
    assert not an.turing_unstable
    rd = ReactionDiffusion(gs, 50.0, 64, ndim=2)
    rng = np.random.default_rng(1)
    traj = rd.simulate(1 + 0.01 * rng.random((64, 64)), 0.01 * rng.random((64, 64)), 200.0, 0.5)
    np.testing.assert_allclose(traj.u[-1], 1.0, atol=1e-3)
    np.testing.assert_allclose(traj.v[-1], 0.0, atol=1e-6)


def test_reaction_diffusion_reports_unstable_step() -> None:
    rd = ReactionDiffusion(Brusselator(A, 3.2, DU, DV), 200.0, 256)
    rng = np.random.default_rng(0)
    with pytest.raises(IntegrationError, match="reduce dt") as info:
        rd.simulate(A + 0.01 * rng.standard_normal(256), 1.6, 100.0, 2.0)
    assert info.value.variable in ("u", "v") and info.value.step > 0
    with pytest.raises(ModelError, match=r"v0 must have shape \(256,\)"):
        rd.simulate(A, np.zeros(10), 1.0, 0.1)
    with pytest.raises(ModelError, match="a must be > 0"):
        Brusselator(a=-1.0)
