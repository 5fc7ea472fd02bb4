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
calibration data, computed from running sums (:mod:`neurolink.decode.linear._kalman_ls`) that
are kept as learned attributes: :meth:`KalmanDecoder.partial_fit` adds consecutive chunks to
them (the last state of one chunk precedes the first of the next), so fitting in chunks gives
the model of one fit on the whole recording, and a loaded model can go on learning.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Self

import numpy as np

from neurolink.decode._docs import fill_doc
from neurolink.decode.base import Decoder
from neurolink.decode.checks import as_features, as_targets, check_enough
from neurolink.decode.errors import DecoderError
from neurolink.decode.linear import _kalman_kernels as K
from neurolink.decode.linear import _kalman_ls as LS
from neurolink.decode.linear import _kalman_steady as SS
from neurolink.decode.moments import first_mean, split_units, update_range

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
        The selection needs the whole calibration at once: :meth:`partial_fit` makes it on the
        counts of the call that first completes the model and keeps that factor afterwards.

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
    n_bins_seen_ : int
        Calibration bins seen by ``fit`` and ``partial_fit``.
    state_shift_, count_shift_ : numpy.ndarray of float64, shapes (n_state,) and (n_units,)
        Reference subtracted from the state and the counts before summing (the means of the
        first chunk); the sums below are of the shifted values ``x``, ``z``.
    sum_state_, state_products_, state_lag_products_ : numpy.ndarray of float64
        ``Σ x``, ``Σ x xᵀ`` and ``Σ_{t≥1} x_t x_{t−1}ᵀ`` of the calibration (dynamics).
    first_state_, last_state_ : numpy.ndarray of float64, shape (n_state,)
        ``x`` of the first bin and of the last bin so far.
    n_obs_bins_ : int
        Pairs (state, counts) of the observation model: the calibration, or, after
        :meth:`refit`, the ReFIT data and what ``partial_fit`` added since.
    obs_sum_state_, obs_state_products_ : numpy.ndarray of float64
        ``Σ x`` and ``Σ x xᵀ`` of those pairs.
    sum_counts_, count_state_products_, count_products_ : numpy.ndarray of float64
        ``Σ z`` (n_units,), ``Σ z xᵀ`` (n_units, n_state), ``Σ z zᵀ`` (n_units, n_units) of them.
    count_min_, count_max_ : numpy.ndarray of float64, shape (n_units,)
        Range of each unit in the calibration so far (constant units are dropped).
    """

    model_version = 2  # 2: the running sums of partial_fit

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
    @fill_doc
    def fit(self, X: np.ndarray, y: np.ndarray, *, channels: Sequence[str] | None = None) -> Self:
        """Estimate ``A, W, H, Q`` by least squares.

        Parameters
        ----------
        %(X_counts)s
        y : array_like, shape (n_bins, n_state)
            Kinematics in each bin, as declared by ``kinematics``.
        %(channels_units)s

        %(returns_self)s

        Raises
        ------
        CalibrationError
            Fewer than ``n_kept + n_state + 1`` bins (Q would be singular).
        """
        X, Y = self._check_input(X, y, None)
        self._start_fit(X.shape[1], channels)
        self.n_refits_ = 0
        return self._update(X, Y)

    @fill_doc
    def partial_fit(
        self, X: np.ndarray, y: np.ndarray, *, channels: Sequence[str] | None = None
    ) -> Self:
        """Add the next chunk of the calibration recording and estimate the model again.

        Chunks are consecutive bins of one recording (the last state of the previous chunk and
        the first of this one make a transition). With a given ``process_noise_scale``, fitting
        in chunks gives the model of one :meth:`fit` on their concatenation (to rounding).
        Without one, the factor is selected on the counts of the call that first completes the
        model and kept by later calls (the selection filters the whole calibration, which is not
        kept). After :meth:`refit` the observation model goes on from the ReFIT data.

        Parameters
        ----------
        %(X_counts_partial)s
        y : array_like, shape (n_bins, n_state)
            Kinematics in each bin.
        %(channels_partial)s

        %(returns_self)s

        Raises
        ------
        CalibrationError
            Fewer than ``n_kept + n_state + 1`` bins seen in all; the chunk is kept, so the next
            call goes on from it (the decoder stays unfitted until then).
        """
        first = "n_bins_seen_" not in vars(self)
        X, Y = self._check_input(X, y, None if first else self.n_features_in_)
        self._start_partial(first, X.shape[1], channels)
        if first:
            self.n_refits_ = 0
        else:
            self._check_same_width(Y.shape[1], self.sum_state_.size, "state columns")
        return self._update(X, Y)

    def _check_input(
        self, X: object, y: object, n_units: int | None
    ) -> tuple[np.ndarray, np.ndarray]:
        who = type(self).__name__
        X = as_features(X, who, n_units)
        Y = as_targets(y, X.shape[0], who)
        if Kinematics(self.kinematics) is Kinematics.POSITION_VELOCITY and Y.shape[1] % 2:
            raise DecoderError(f"{who}: position_velocity needs 2·n_dims columns in y")
        scale = self.process_noise_scale
        if scale is not None and not float(scale) > 0:
            raise ValueError(f"{who}: process_noise_scale must be > 0, got {scale}")
        return X, Y

    def _update(self, X: np.ndarray, Y: np.ndarray) -> Self:
        """Accumulate a chunk's sums, then estimate the model if enough bins have been seen."""
        u, d = X.shape[1], Y.shape[1]
        if "n_bins_seen_" not in vars(self):
            self.state_shift_, self.count_shift_ = first_mean(Y), first_mean(X)
            self.n_bins_seen_ = 0
            self.sum_state_, self.first_state_, self.last_state_ = np.zeros((3, d))
            self.state_products_, self.state_lag_products_ = np.zeros((2, d, d))
            self.count_min_, self.count_max_ = np.full(u, np.inf), np.full(u, -np.inf)
            self._clear_observation()
        Xs, Ys = X - self.count_shift_, Y - self.state_shift_
        if Ys.shape[0]:
            ext = np.vstack([self.last_state_, Ys]) if self.n_bins_seen_ else Ys
            self.state_lag_products_ += ext[1:].T @ ext[:-1]
            if not self.n_bins_seen_:
                self.first_state_ = Ys[0].copy()
            self.last_state_ = Ys[-1].copy()
        self.sum_state_ += Ys.sum(axis=0)
        self.state_products_ += Ys.T @ Ys
        self.n_bins_seen_ += Ys.shape[0]
        self._add_observation(Xs, Ys)
        update_range(self.count_min_, self.count_max_, X)
        self._solve(X)
        return self

    def _clear_observation(self) -> None:
        u, d = self.count_shift_.size, self.state_shift_.size
        self.n_obs_bins_ = 0
        self.obs_sum_state_, self.obs_state_products_ = np.zeros(d), np.zeros((d, d))
        self.sum_counts_, self.count_state_products_ = np.zeros(u), np.zeros((u, d))
        self.count_products_ = np.zeros((u, u))

    def _add_observation(self, Zs: np.ndarray, Xs: np.ndarray) -> None:
        """Add pairs of shifted counts ``Zs`` (n, n_units) and shifted state ``Xs`` (n, n_state)."""
        self.n_obs_bins_ += Zs.shape[0]
        self.obs_sum_state_ += Xs.sum(axis=0)
        self.obs_state_products_ += Xs.T @ Xs
        self.sum_counts_ += Zs.sum(axis=0)
        self.count_state_products_ += Zs.T @ Xs
        self.count_products_ += Zs.T @ Zs

    def _solve(self, X: np.ndarray) -> None:
        """The model from the running sums; ``X``: the counts of this call (scale selection)."""
        who = type(self).__name__
        self._fitted = False
        self.units_, self.dropped_units_ = split_units(
            self.count_min_, self.count_max_, vars(self).get("dropped_units_"), who, self.channels_
        )
        n_kept, n_state = self.units_.size, self.sum_state_.size
        have = min(self.n_bins_seen_, self.n_obs_bins_)
        check_enough(who, have, n_kept + n_state + 1, "bins", "n_kept_units + n_state + 1")
        mean, self.A_, W_ls, P0 = LS.dynamics(
            self.n_bins_seen_,
            self.sum_state_,
            self.state_products_,
            self.state_lag_products_,
            self.first_state_,
            self.last_state_,
        )
        self.state_mean_ = mean + self.state_shift_
        W_ls, self.P0_ = _jitter(W_ls), _jitter(P0)
        self._solve_observation()
        scale = self.process_noise_scale
        if scale is None:
            kept = vars(self).get("process_noise_scale_")
            scale = kept if kept is not None else self._select_scale(X, W_ls)
        self.process_noise_scale_ = float(scale)
        self.W_ = W_ls * self.process_noise_scale_
        if self.steady_state:
            self.gain_ = self._steady_gain()
        self._finish_fit()

    def _solve_observation(self) -> None:
        """H, offset and Q of the kept units from the observation sums."""
        k = self.units_
        H, offset, Q = LS.observation(
            self.n_obs_bins_,
            self.obs_sum_state_,
            self.sum_counts_[k],
            self.obs_state_products_,
            self.count_state_products_[k],
            self.count_products_[np.ix_(k, k)],
            self.state_mean_ - self.state_shift_,
        )
        self.H_, self.obs_offset_, self.Q_ = H, offset + self.count_shift_[k], _jitter(Q)

    def _steady_gain(self) -> np.ndarray:
        """Steady-state gain of the current model (see ``decode.linear._kalman_steady``)."""
        return SS.steady_gain(self.A_, self.W_, self.H_, self.Q_, self.P0_)

    def _select_scale(self, X: np.ndarray, W_ls: np.ndarray) -> float:
        """Factor on ``W`` of largest steady-state predictive likelihood of the counts ``X``."""
        Z = X[:, self.units_] - self.obs_offset_
        return SS.select_scale(Z, self.A_, W_ls, self.H_, self.Q_, self.P0_)

    # ------------------------------------------------------------------ refit
    @fill_doc
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
        intended position is the cursor position. ``H``, ``Q`` and the offset are refitted on it
        (its sums replace the observation sums of the calibration, so a later
        :meth:`partial_fit` adds to the ReFIT data); the dynamics ``A, W`` and the state mean
        stay.

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

        %(returns_self)s
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
        self._clear_observation()
        self._add_observation(X - self.count_shift_, intended - self.state_shift_)
        self._solve_observation()
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
        HtQi, S = SS.information(self.H_, self.Q_)
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

    @fill_doc
    def predict(self, X: np.ndarray) -> np.ndarray:
        """Filter every bin from the reset state; the same as :meth:`step` on each row.

        Parameters
        ----------
        %(X_counts)s

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
