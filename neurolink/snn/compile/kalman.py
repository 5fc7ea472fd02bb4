"""A steady-state Kalman filter as a recurrent NEF network of the profile's integer neurons.

The float filter, per bin of ``bin_ms`` (centred state ``x̃ = x − x̄``, counts ``z``)::

    x̃_k = M x̃_{k−1} + G z_k − g,    M = (I − K H) A,  G = K,  g = K c

(``K`` the steady-state gain, ``c`` the counts at the mean state). Per chip step, with ``n =
bin_ms / dt_ms`` steps per bin and ``s_t`` the spikes of one step::

    x̃_t = A₁ x̃_{t−1} + B₁ s_t + b₁,   A₁ = M^(1/n),  B₁ = n Σ⁻¹ G,  b₁ = −Σ⁻¹ g,
    Σ = I + A₁ + … + A₁^(n−1)

so that, at the end of a bin, the state moves exactly as one bin of the float filter does when
the bin's spikes are spread evenly over its steps (a spike at step t of the bin weighs
``A₁^(n−t) B₁``, whose mean over t is ``G``). The state is normalised per dimension,
``x̂ = S⁻¹ x̃`` with ``S = radius_sd · sd(x)`` (the calibration's spread, ``P0_``), and
represented by one population.

The profile's synaptic current is the NEF synapse: a spike at step t adds its increment to
``u`` at step t + 1 and ``u`` keeps ``a = 1 − (du + 1)/4096`` of itself per step, i.e. the
discrete low-pass ``h(z) = (1 − a)/(z − a)`` times ``1/(1 − a)``. For that synapse the
transforms of Voelker & Eliasmith (2018) are ``A' = (Â − aI)/(1 − a)``, ``B' = B̂/(1 − a)``, so the
increment of ``u_i`` per spike (state units) is

* recurrent, from neuron j: ``α_i e_i · (Â − aI) d_j``;
* input, from channel c: ``α_i e_i · B̂[:, c]``;
* and the constant ``b̂`` enters the bias: ``β_i + α_i e_i · b̂ / (1 − a)``.

Readout: the host filters the population's spikes with the same synapse and applies the
decoders of ``x̂`` (``y_t = a y_{t−1} + (1 − a) Dᵀ s_t``), then ``x = S y + x̄``. The chip sends
spikes every step anyway, so the readout needs no extra traffic and adds no quantization.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from neurolink.snn.compile.errors import NotCompilableError, TooFewNeuronsError
from neurolink.snn.compile.fit import check_cores
from neurolink.snn.compile.nef import make_ensemble, sample_ball, solve_decoders
from neurolink.snn.compile.network import CompiledDecoder, LinearReadout
from neurolink.snn.compile.rates import bias_code, response_curve
from neurolink.snn.compile.weights import quantize_increments
from neurolink.snn.profiles import get_profile
from neurolink.snn.spec import DenseConnection, InputPort, NetworkSpec, Population, Probe

__all__ = ["compile_kalman", "per_step_system"]

_LADDER = (64, 128, 256, 512, 1024, 2048, 4096, 8192)


def _steady(decoder) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``M`` (d, d), ``G`` (d, n_channels) and ``g`` (d,) of the steady-state filter."""
    A, H, W, Q = decoder.A_, decoder.H_, decoder.W_, decoder.Q_
    if getattr(decoder, "steady_state", False):
        K = decoder.gain_
    else:  # the gain the full filter converges to (discrete algebraic Riccati equation)
        P = scipy.linalg.solve_discrete_are(A.T, H.T, W, Q)
        K = P @ H.T @ np.linalg.inv(H @ P @ H.T + Q)
    M = (np.eye(A.shape[0]) - K @ H) @ A
    G = np.zeros((A.shape[0], decoder.n_features_in_))
    G[:, decoder.units_] = K
    return M, G, K @ decoder.obs_offset_


def per_step_system(
    M: np.ndarray, G: np.ndarray, g: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(A₁, B₁, b₁)`` of the per-step system equivalent to one bin of ``n`` steps.

    Raises
    ------
    NotCompilableError
        ``M`` has no real ``n``-th root (a negative real eigenvalue).
    """
    A1 = scipy.linalg.fractional_matrix_power(M, 1.0 / n)
    if np.iscomplexobj(A1):
        if np.max(np.abs(A1.imag)) > 1e-9 * max(np.max(np.abs(A1.real)), 1.0):
            raise NotCompilableError(
                "KalmanDecoder: the bin dynamics M = (I − KH)A has a negative eigenvalue, so it "
                "has no real per-step root; refit with a larger process_noise_scale or compile "
                "with dt_ms equal to the bin"
            )
        A1 = A1.real
    S = sum(np.linalg.matrix_power(A1, k) for k in range(n))
    return A1, n * np.linalg.solve(S, G), -np.linalg.solve(S, g)


def compile_kalman(
    decoder,
    profile: str = "loihi",
    max_neurons: int | None = None,
    dt_ms: float = 1.0,
    seed: int = 0,
    *,
    bin_ms: float = 20.0,
    accuracy: float | None = None,
    tau_syn_ms: float = 20.0,
    tau_v_ms: float = 20.0,
    max_rates_hz: tuple[float, float] = (50.0, 100.0),
    intercepts: tuple[float, float] = (-0.85, 0.85),
    radius_sd: float = 3.0,
    reg: float = 0.1,
    num_weight_bits: int = 8,
    vth: int = 1 << 14,
) -> CompiledDecoder:
    """Compile a fitted :class:`~neurolink.decode.KalmanDecoder` (see the module docstring).

    Parameters
    ----------
    decoder : KalmanDecoder
        Fitted; steady-state or not (the full filter is compiled with its limiting gain).
    profile : str
    max_neurons : int, optional
        Neurons of the state population (default 1024); with ``accuracy``, the most allowed.
    dt_ms : float
        Chip step (ms).
    seed : int
        Seed of the random tuning (encoders, intercepts, rates, sample points).
    bin_ms : float
        Bin width (ms) the decoder was fitted on.
    accuracy : float, optional
        Largest estimated rms error of the represented state, as a fraction of its radius
        (static fit plus spike noise); the smallest population of 64, 128, … ≤ ``max_neurons``
        that meets it is used.
    tau_syn_ms, tau_v_ms : float
        Time constants of the synaptic current (the NEF synapse) and of the membrane.
    max_rates_hz : (float, float)
        Range of each neuron's rate at the edge of its preferred direction.
    intercepts : (float, float)
        Range of the point along its encoder where a neuron starts firing.
    radius_sd : float
        Radius of the represented state in calibration standard deviations.
    reg : float
        Ridge of the decoders (noise relative to the largest rate).
    num_weight_bits : int
        Bits per stored weight (1..8; one is the sign).
    vth : int
        Threshold mantissa (sets the scale of all currents).

    Returns
    -------
    CompiledDecoder
    """
    n_steps_bin = bin_ms / dt_ms
    if abs(n_steps_bin - round(n_steps_bin)) > 1e-9 or n_steps_bin < 1:
        raise NotCompilableError(
            f"KalmanDecoder: bin_ms = {bin_ms} is not a whole number of dt_ms = {dt_ms} steps; "
            f"choose dt_ms that divides the bin"
        )
    n_bin = round(n_steps_bin)
    M, G, g = _steady(decoder)
    A1, B1, b1 = per_step_system(M, G, g, n_bin)
    d = A1.shape[0]
    scale = radius_sd * np.sqrt(np.diag(decoder.P0_))
    A_hat = A1 / scale[:, None] * scale[None, :]
    B_hat, b_hat = B1 / scale[:, None], b1 / scale
    prof = get_profile(profile)
    du, _ = prof.quantize_decay("du", np.exp(-dt_ms / tau_syn_ms))
    dv, _ = prof.quantize_decay("dv", np.exp(-dt_ms / tau_v_ms))
    du, dv = int(du), int(dv)
    a = 1.0 - (du + 1) / 4096.0  # the synapse's realised pole
    n_ch = decoder.n_features_in_
    limit = int(max_neurons) if max_neurons is not None else (8192 if accuracy else 1024)
    check_cores("the Kalman network", limit if accuracy is None else 64,
                lambda n: n + n_ch, num_weight_bits, "max_neurons", profile)  # fmt: skip
    curve = response_curve(dv, vth)
    rates = (max_rates_hz[0] * dt_ms / 1000.0, max_rates_hz[1] * dt_ms / 1000.0)
    sizes = [limit] if accuracy is None else [n for n in _LADDER if n < limit] + [limit]
    for n in sizes:
        rng = np.random.default_rng(seed)
        ens = make_ensemble(n, d, curve, rng, rates, intercepts)
        X = sample_ball(1000 * d, d, rng)
        act = ens.rates(X)
        D, static = solve_decoders(act, X, reg)
        lam = act.mean(axis=0)
        noise = float(np.sqrt(np.sum(D**2 * lam[:, None]) / d * (1 - a) / (1 + a)))
        est = float(np.hypot(static, noise))
        if accuracy is None or est <= accuracy:
            break
    else:
        need = int(np.ceil(n * (noise / max(np.sqrt(max(accuracy**2 - static**2, 0)), 1e-12)) ** 2))
        raise TooFewNeuronsError(
            f"max_neurons = {limit} is too small for accuracy = {accuracy}: the estimated error "
            f"is {est:.3g} of the state's radius (static {static:.3g}, spike noise {noise:.3g}); "
            f"raise max_neurons (about {need} needed) or loosen accuracy"
        )
    check_cores("the Kalman network", n, lambda k: k + n_ch, num_weight_bits, "max_neurons",
                profile)  # fmt: skip
    ea = ens.encoders * ens.gain[:, None]  # α_i e_i, (n, d)
    w_in = quantize_increments(ea @ B_hat, num_weight_bits, profile)
    w_rec = quantize_increments(ea @ (A_hat - a * np.eye(d)) @ D.T, num_weight_bits, profile)
    mant, exp = bias_code(ens.bias + ea @ b_hat / (1.0 - a))
    pop = Population("state", n, du=du, dv=dv, vth=vth, bias_mant=mant, bias_exp=exp)
    conns = [
        DenseConnection("input", "spikes", "state", weights=w_in.weights,
                        weight_exp=w_in.weight_exp, num_weight_bits=num_weight_bits),
        DenseConnection("recurrent", "state", "state", weights=w_rec.weights,
                        weight_exp=w_rec.weight_exp, num_weight_bits=num_weight_bits),
    ]  # fmt: skip
    spec = NetworkSpec(
        [pop], conns, [InputPort("spikes", n_ch)], [Probe("state", "spikes")], profile=profile
    )
    readout = LinearReadout("state", D, a, scale, decoder.state_mean_)
    fits = {
        "static_rmse": static,
        "noise_rmse": noise,
        "estimated_rmse": est,
        "synapse_tau_ms": -dt_ms / np.log(a),
        "state_radius": scale.tolist(),
    }
    return CompiledDecoder(
        decoder=decoder,
        spec=spec,
        readout=readout,
        dt_ms=dt_ms,
        bin_steps=n_bin,
        weight_errors={"input": w_in.error, "recurrent": w_rec.error},
        fits=fits,
    )
