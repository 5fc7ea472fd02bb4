"""Kalman filter decoder of kinematics (Wu et al. 2003, 2006), with a ReFIT-style refit.

References: Wu W, Gao Y, Bienenstock E, Donoghue JP, Black MJ (2006) Bayesian population decoding
of motor cortical activity using a Kalman filter. Neural Comput 18:80–118. Gilja V et al. (2012)
A high-performance neural prosthesis enabled by control algorithm design. Nat Neurosci
15:1752–1757 (ReFIT).

Model, with the state ``x`` (position and velocity, or velocity) and counts ``z`` of the kept
units, both centred (the constant term of the model is carried by the means, as in Wu et al.
2006, instead of a constant state component with no noise, which would make the Riccati
equation degenerate)::

    x̃_t = A x̃_{t−1} + w,  w ~ N(0, W)        x̃ = x − x̄ (x̄: calibration mean of the state)
    z_t = H x̃_t + c + q,  q ~ N(0, Q)        c: observation offset (the mean counts)

``A, W, H, Q`` (and ``c``) are least-squares / maximum-likelihood estimates from the
calibration data.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Self

import numpy as np
import scipy.linalg

from neurolink.decode import _kalman_kernels as K
from neurolink.decode.base import Decoder
from neurolink.decode.checks import (
    as_features,
    as_targets,
    check_enough,
    constant_columns,
    warn_dropped,
)
from neurolink.decode.errors import DecoderError

__all__ = ["KalmanDecoder", "Kinematics", "intended_velocity"]

_JITTER = 1e-9  # relative ridge added to W and Q so that they are invertible


class Kinematics(StrEnum):
    """Columns of the decoded variable ``y``."""

    POSITION_VELOCITY = "position_velocity"  # y = [position (d), velocity (d)]
    VELOCITY = "velocity"  # y = velocity (d)


def intended_velocity(
    decoded_vel: np.ndarray, pos: np.ndarray, targets: np.ndarray, on_target_radius: float
) -> np.ndarray:
    """ReFIT intention estimate: decoded velocity turned toward the target, zero on target.

    Parameters
    ----------
    decoded_vel, pos, targets : numpy.ndarray of float64, shape (n_bins, n_dims)
        Decoded velocity, cursor position and target position in each bin.
    on_target_radius : float
        Distance (position units) within which the cursor is on target (velocity 0).

    Returns
    -------
    numpy.ndarray of float64, shape (n_bins, n_dims)
        Same speed as decoded, pointing from the cursor to the target.
    """
    to_target = targets - pos
    dist = np.linalg.norm(to_target, axis=1, keepdims=True)
    speed = np.linalg.norm(decoded_vel, axis=1, keepdims=True)
    on = dist[:, 0] <= on_target_radius
    out = speed * to_target / np.where(dist > 0, dist, 1.0)
    out[on] = 0.0
    return out


def _ls(Xin: np.ndarray, Yout: np.ndarray) -> np.ndarray:
    """Least-squares ``B`` (n_out, n_in) with ``Yout ≈ Xin @ B.T`` (rows are samples)."""
    return scipy.linalg.lstsq(Xin, Yout, lapack_driver="gelsy")[0].T


def _jitter(C: np.ndarray) -> np.ndarray:
    scale = max(float(np.mean(np.diag(C))), 1e-12)
    return 0.5 * (C + C.T) + _JITTER * scale * np.eye(C.shape[0])


class KalmanDecoder(Decoder):
    """Linear-Gaussian state-space decoder of position/velocity from binned counts.

    Parameters
    ----------
    kinematics : {"position_velocity", "velocity"}
        What the columns of ``y`` are (see :class:`Kinematics`); ``n_dims`` positions followed
        by ``n_dims`` velocities, or velocities only.
    steady_state : bool
        Use the steady-state gain (the solution of the discrete algebraic Riccati equation,
        computed once at fit time): one small matrix-vector product per bin. Otherwise the gain
        evolves from the initial covariance.
    process_noise_scale : float, optional
        Factor on the least-squares ``W`` (1: Wu et al.). Default: chosen at fit time among
        ``2^k``, ``k = 0 … 6``, as the one under which the calibration counts are most probable
        (steady-state one-step predictive likelihood: type-II maximum likelihood). The
        least-squares ``W`` of smooth movements is small, since an AR(1) model of them misses
        their momentum, and leaves the estimate lagging; a larger ``W`` trades lag for noise.

    Attributes
    ----------
    n_features_in_ : int
    channels_ : tuple of str or None
    units_, dropped_units_ : numpy.ndarray of int64
        Units used, and units left out (constant in the calibration data).
    A_, W_ : numpy.ndarray of float64, shape (n_state, n_state)
        State transition (per bin) and its noise covariance.
    H_ : numpy.ndarray of float64, shape (n_kept, n_state)
        Observation matrix (counts per unit of centred state).
    Q_ : numpy.ndarray of float64, shape (n_kept, n_kept)
        Observation noise covariance (counts²).
    obs_offset_ : numpy.ndarray of float64, shape (n_kept,)
        Counts at the mean state.
    state_mean_ : numpy.ndarray of float64, shape (n_state,)
        Calibration mean of the state.
    P0_ : numpy.ndarray of float64, shape (n_state, n_state)
        Initial covariance (the calibration covariance of the state).
    process_noise_scale_ : float
        Factor applied to the least-squares ``W`` (given or selected).
    gain_ : numpy.ndarray of float64, shape (n_state, n_kept)
        Steady-state Kalman gain (``steady_state=True`` only).
    n_refits_ : int
        Number of :meth:`refit` calls since :meth:`fit`.
    """

    def __init__(
        self,
        kinematics: Kinematics | str = Kinematics.POSITION_VELOCITY,
        steady_state: bool = False,
        process_noise_scale: float | None = None,
    ) -> None:
        self.kinematics = kinematics
        self.steady_state = steady_state
        self.process_noise_scale = process_noise_scale

    # ------------------------------------------------------------------ fit
    def fit(self, X: np.ndarray, y: np.ndarray, *, channels: Sequence[str] | None = None) -> Self:
        """Estimate ``A, W, H, Q`` by least squares.

        Parameters
        ----------
        X : array_like, shape (n_bins, n_units)
            Counts per bin.
        y : array_like, shape (n_bins, n_state)
            Kinematics in each bin, as declared by ``kinematics``.
        channels : sequence of str, optional
            Labels of the units.

        Returns
        -------
        self

        Raises
        ------
        CalibrationError
            Fewer than ``n_kept + n_state + 1`` bins (Q would be singular).
        """
        who = type(self).__name__
        X = as_features(X, who)
        Y = as_targets(y, X.shape[0], who)
        if Kinematics(self.kinematics) is Kinematics.POSITION_VELOCITY and Y.shape[1] % 2:
            raise DecoderError(f"{who}: position_velocity needs 2·n_dims columns in y")
        self._start_fit(X.shape[1], channels)
        dropped = constant_columns(X)
        warn_dropped(who, dropped, self.channels_)
        self.dropped_units_ = dropped
        self.units_ = np.setdiff1d(np.arange(X.shape[1]), dropped)
        n_kept, n_state = self.units_.size, Y.shape[1]
        check_enough(who, X.shape[0], n_kept + n_state + 1, "bins", "n_kept_units + n_state + 1")
        self.state_mean_ = Y.mean(axis=0)
        Xs = Y - self.state_mean_
        self.A_ = _ls(Xs[:-1], Xs[1:])
        resid = Xs[1:] - Xs[:-1] @ self.A_.T
        W_ls = _jitter(resid.T @ resid / (Xs.shape[0] - 1))
        self.P0_ = _jitter(Xs.T @ Xs / Xs.shape[0])
        self.W_ = W_ls
        self._fit_observation(X[:, self.units_], Xs)
        scale = self.process_noise_scale
        if scale is None:
            scale = self._select_scale(X, W_ls)
        elif not float(scale) > 0:
            raise ValueError(f"{who}: process_noise_scale must be > 0, got {scale}")
        self.process_noise_scale_ = float(scale)
        self.W_ = W_ls * self.process_noise_scale_
        if self.steady_state:
            self.gain_ = self._steady_gain()
        self.n_refits_ = 0
        self._finish_fit()
        return self

    def _fit_observation(self, Z: np.ndarray, Xs: np.ndarray) -> None:
        """H, offset (least squares with intercept) and Q from kept counts and centred state."""
        D = np.hstack([Xs, np.ones((Xs.shape[0], 1))])
        B = _ls(D, Z)  # (n_kept, n_state + 1)
        self.H_, self.obs_offset_ = B[:, :-1].copy(), B[:, -1].copy()
        resid = Z - D @ B.T
        self.Q_ = _jitter(resid.T @ resid / Z.shape[0])

    def _info(self) -> tuple[np.ndarray, np.ndarray]:
        """``Hᵀ Q⁻¹`` (n_state, n_kept) and ``Hᵀ Q⁻¹ H``."""
        HtQi = scipy.linalg.cho_solve(scipy.linalg.cho_factor(self.Q_), self.H_).T
        return HtQi, HtQi @ self.H_

    def _steady_gain(self) -> np.ndarray:
        """Steady-state gain ``K = P∞ Hᵀ Q⁻¹`` (P∞: the filtered covariance at steady state)."""
        HtQi, S = self._info()
        Pm = self._steady_prior_cov(S)
        P = np.linalg.solve(np.eye(S.shape[0]) + Pm @ S, Pm)
        return P @ HtQi

    def _steady_prior_cov(self, S: np.ndarray) -> np.ndarray:
        """Predicted covariance ``P⁻∞`` by the DARE (by the Riccati recursion if that fails)."""
        try:
            Pm = scipy.linalg.solve_discrete_are(self.A_.T, self.H_.T, self.W_, self.Q_)
            if np.all(np.isfinite(Pm)):
                return Pm
        except (np.linalg.LinAlgError, ValueError):
            pass
        n = S.shape[0]
        Pm = self.A_ @ self.P0_ @ self.A_.T + self.W_
        for _ in range(100_000):
            P = np.linalg.solve(np.eye(n) + Pm @ S, Pm)
            new = self.A_ @ P @ self.A_.T + self.W_
            if np.max(np.abs(new - Pm)) <= 1e-13 * np.max(np.abs(Pm)):
                return new
            Pm = new
        return Pm

    def _select_scale(self, X: np.ndarray, W_ls: np.ndarray) -> float:
        """Factor on ``W`` of largest steady-state predictive likelihood of the calibration."""
        Z = X[:, self.units_] - self.obs_offset_
        HtQi, S = self._info()
        best, best_ll = 1.0, -np.inf
        for k in range(7):
            self.W_ = W_ls * 2.0**k
            Pm = self._steady_prior_cov(S)
            gain = np.linalg.solve(np.eye(S.shape[0]) + Pm @ S, Pm) @ HtQi
            M = (np.eye(S.shape[0]) - gain @ self.H_) @ self.A_
            x = np.zeros(S.shape[0])
            xs = np.empty((Z.shape[0], S.shape[0]))
            K.run_steady(Z, M, gain, np.zeros(S.shape[0]), x, xs)
            e = Z[1:] - xs[:-1] @ (self.H_ @ self.A_).T  # innovations
            cho = scipy.linalg.cho_factor(self.H_ @ Pm @ self.H_.T + self.Q_)
            quad = np.sum(e * scipy.linalg.cho_solve(cho, e.T).T)
            ll = -0.5 * quad - e.shape[0] * np.sum(np.log(np.diag(cho[0])))
            if ll > best_ll:
                best, best_ll = 2.0**k, ll
        return best

    # ------------------------------------------------------------------ refit
    def refit(
        self,
        X: np.ndarray,
        decoded_pos: np.ndarray,
        targets: np.ndarray,
        on_target_radius: float,
        decoded_vel: np.ndarray | None = None,
    ) -> Self:
        """ReFIT: refit the observation model to the intended kinematics of closed-loop data.

        The intended velocity is the decoded velocity rotated toward the target (same speed),
        zero while the cursor is within ``on_target_radius`` of it (Gilja et al. 2012); the
        intended position is the cursor position. ``H``, ``Q`` and the offset are refitted on it;
        the dynamics ``A, W`` and the state mean stay.

        Parameters
        ----------
        X : array_like, shape (n_bins, n_units)
            Counts recorded in closed loop.
        decoded_pos : array_like, shape (n_bins, n_dims)
            Cursor position in each bin.
        targets : array_like, shape (n_bins, n_dims)
            Target position in each bin.
        on_target_radius : float
            Position units.
        decoded_vel : array_like, shape (n_bins, n_dims), optional
            Velocity the cursor moved with; default this decoder's :meth:`predict` of ``X``.

        Returns
        -------
        self
        """
        self._check_fitted()
        who = f"{type(self).__name__}.refit"
        X = as_features(X, who, self.n_features_in_)
        n = X.shape[0]
        pos = as_targets(decoded_pos, n, who, "decoded_pos")
        tgt = as_targets(targets, n, who, "targets")
        d = self._n_dims()
        if pos.shape[1] != d or tgt.shape[1] != d:
            raise DecoderError(f"{who}: decoded_pos and targets need {d} columns")
        if decoded_vel is None:
            vel = self.predict(X)[:, -d:]
        else:
            vel = as_targets(decoded_vel, n, who, "decoded_vel")
        intended = intended_velocity(vel, pos, tgt, float(on_target_radius))
        if Kinematics(self.kinematics) is Kinematics.POSITION_VELOCITY:
            intended = np.hstack([pos, intended])
        n_state = self.A_.shape[0]
        check_enough(who, n, self.units_.size + n_state + 1, "bins", "n_kept_units + n_state + 1")
        self._fit_observation(X[:, self.units_], intended - self.state_mean_)
        if self.steady_state:
            self.gain_ = self._steady_gain()
        self.n_refits_ += 1
        self._finish_fit()
        return self

    def _n_dims(self) -> int:
        n_state = self.A_.shape[0]
        pos_vel = Kinematics(self.kinematics) is Kinematics.POSITION_VELOCITY
        return n_state // 2 if pos_vel else n_state

    # ------------------------------------------------------------------ caches and state
    def _prepare(self) -> None:
        HtQi, S = self._info()
        n_state = self.A_.shape[0]
        full = np.zeros((n_state, self.n_features_in_))
        full[:, self.units_] = HtQi
        self._HtQi, self._S = full, S
        self._b_off = HtQi @ self.obs_offset_
        if self.steady_state:
            G = np.zeros((n_state, self.n_features_in_))
            G[:, self.units_] = self.gain_
            self._G = G
            self._M = (np.eye(n_state) - self.gain_ @ self.H_) @ self.A_
            self._g_off = self.gain_ @ self.obs_offset_
        self._x = np.zeros(n_state)
        self._P = self.P0_.copy()

    def reset(self) -> None:
        """Return to the mean state with the initial covariance."""
        if "_x" not in vars(self):
            return
        self._x.fill(0.0)
        self._P[:] = self.P0_

    # ------------------------------------------------------------------ decoding
    def step(self, x: np.ndarray) -> np.ndarray:
        """Decode one bin.

        Parameters
        ----------
        x : array_like, shape (n_units,)
            Counts of the bin.

        Returns
        -------
        numpy.ndarray of float64, shape (n_state,)
            Estimated kinematics (columns as ``y`` in :meth:`fit`).
        """
        self._check_fitted()
        if type(x) is not np.ndarray or x.dtype != np.float64:
            x = np.asarray(x, dtype=np.float64)
        if x.shape != (self.n_features_in_,):
            raise DecoderError(
                f"KalmanDecoder.step: counts have shape {x.shape}, the decoder was fitted on "
                f"{self.n_features_in_} units"
            )
        if self.steady_state:
            ok = K.step_steady(x, self._M, self._G, self._g_off, self._x)
        else:
            ok = K.step_full(
                x, self.A_, self.W_, self._HtQi, self._S, self._b_off, self._x, self._P
            )
        if not ok:
            raise DecoderError("KalmanDecoder.step: counts hold a non-finite value")
        return self._x + self.state_mean_

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Filter every bin from the reset state; the same as :meth:`step` on each row.

        Parameters
        ----------
        X : array_like, shape (n_bins, n_units)

        Returns
        -------
        numpy.ndarray of float64, shape (n_bins, n_state)
        """
        self._check_fitted()
        X = as_features(X, type(self).__name__, self.n_features_in_)
        self.reset()
        out = np.empty((X.shape[0], self.A_.shape[0]))
        if self.steady_state:
            K.run_steady(X, self._M, self._G, self._g_off, self._x, out)
        else:
            K.run_full(X, self.A_, self.W_, self._HtQi, self._S, self._b_off, self._x, self._P, out)
        return out + self.state_mean_
