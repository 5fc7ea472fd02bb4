"""``NeuralDynamics``: simulate a neuron model with fixed or adaptive steps, detect spikes.

The model supplies the maths (state declaration, pure ``derivatives``, spike rule, reset). This
module checks the request (time span, step, shapes of the initial state and the inputs) and
hands the loop to :mod:`~neurolink.models.dynamics.fixed_step` (RK4, exponential Euler, with
interpolated spike times) or :mod:`~neurolink.models.dynamics.adaptive` (``solve_ivp``
solvers with event location on their dense output).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.dynamics.adaptive import run_adaptive
from neurolink.models.dynamics.drive import Drive, InputsLike
from neurolink.models.dynamics.fixed_step import run_fixed
from neurolink.models.dynamics.model import NeuronModel
from neurolink.models.dynamics.params import ModelError, check_positive
from neurolink.models.dynamics.trajectory import Trajectory
from neurolink.models.integrators import Method, SpikeInterpolation

__all__ = ["NeuralDynamics"]

StateLike = ArrayLike | Mapping[str, ArrayLike] | None


class NeuralDynamics:
    """Simulator of one neuron model over one or many independent units.

    Parameters
    ----------
    model : NeuronModel
        The model (e.g. :class:`HodgkinHuxley`, :class:`LIF`); units share its parameters and
        differ by initial state and input.

    Examples
    --------
    >>> from neurolink.models import LIF, NeuralDynamics
    >>> traj = NeuralDynamics(LIF()).simulate(None, [1.5, 2.5, 3.5], (0.0, 200.0), dt=0.1)
    >>> traj.firing_rates(0.0, 200.0).shape
    (3,)
    """

    def __init__(self, model: NeuronModel) -> None:
        if not isinstance(model, NeuronModel):
            raise ModelError(f"NeuralDynamics needs a NeuronModel, got {type(model).__name__}")
        self.model = model

    def simulate(
        self,
        initial_state: StateLike = None,
        inputs: InputsLike = 0.0,
        t_span: tuple[float, float] = (0.0, 100.0),
        dt: float = 0.01,
        method: Method | str = Method.RK4,
        *,
        interpolation: SpikeInterpolation | str = SpikeInterpolation.HERMITE,
        record: Sequence[str] | None = None,
        record_every: int = 1,
        rtol: float = 1e-6,
        atol: float = 1e-8,
        max_step: float = np.inf,
    ) -> Trajectory:
        """Integrate the model over ``t_span``.

        Parameters
        ----------
        initial_state : None, mapping or array_like
            None: the model's resting state; a mapping ``name -> scalar or (n_units,)``
            overriding the defaults; or an array of shape (n_vars,) or (n_vars, n_units).
        inputs : float, array_like or callable
            External input (the model's ``input_unit``): a scalar or shape (n_units,) constant,
            a sampled array (n_steps, n_units) held over each step, or ``inputs(t)``.
        t_span : (float, float)
            Start and end time (ms); ``t_end − t_start`` must be a multiple of ``dt``.
        dt : float
            Step (ms) of the fixed-step methods; output sampling interval of adaptive ones.
        method : Method or str
            ``"rk4"``, ``"expeuler"``, or a ``solve_ivp`` method (``"RK45"``, ``"LSODA"``,
            ``"Radau"``, ``"BDF"``; ``"solve_ivp"``/``"adaptive"`` mean LSODA).
        interpolation : SpikeInterpolation or str
            Spike timing between fixed steps: ``"linear"`` or ``"hermite"`` (cubic). Adaptive
            methods find the crossing on the solver's dense output instead.
        record : sequence of str, optional
            Variables to record (all by default).
        record_every : int
            Record every this many steps (the first and last sample are always on the grid).
        rtol, atol, max_step : float
            Tolerances and largest step (ms) of adaptive methods.

        Returns
        -------
        Trajectory
            Sampled states, spike times per unit, the method used.

        Raises
        ------
        ModelError
            Bad time span, step, shapes or variable names.
        IntegrationError
            The state became NaN/infinite or left the model's bounds; names step and variable.
        """
        model = self.model
        owner = type(model).__name__
        method = _enum(Method, method, "method")
        interp = _enum(SpikeInterpolation, interpolation, "interpolation")
        t0, t1 = (float(v) for v in t_span)
        dt = check_positive(owner, "dt", dt, "ms")
        if not t1 > t0:
            raise ModelError(f"{owner}: t_span must increase, got ({t0}, {t1})")
        n_steps = round((t1 - t0) / dt)
        if n_steps < 1 or abs(n_steps * dt - (t1 - t0)) > 1e-6 * dt:
            raise ModelError(f"{owner}: t_span length {t1 - t0} ms is not a multiple of dt={dt}")
        if int(record_every) < 1 or n_steps % int(record_every):
            raise ModelError(f"{owner}: record_every must be >= 1 and divide n_steps={n_steps}")
        rec = tuple(record) if record is not None else model.names
        rec_idx = np.array([model.index(n) for n in rec], dtype=np.intp)

        y0 = self._initial(initial_state, inputs, t0)
        drive = Drive(inputs, y0.shape[1], t0, dt, n_steps, owner)
        if method.adaptive:
            times, out, spikes = run_adaptive(
                model,
                y0,
                drive,
                t0,
                dt,
                n_steps,
                method,
                rec_idx,
                int(record_every),
                rtol=rtol,
                atol=atol,
                max_step=max_step,
            )
        else:
            times, out, spikes = run_fixed(
                model, y0, drive, t0, dt, n_steps, method, interp, rec_idx, int(record_every)
            )
        states = {name: out[i] for i, name in enumerate(rec)}
        units = {v.name: v.unit for v in model.state if v.name in states}
        return Trajectory(times, states, units, spikes, method)

    def _initial(self, initial_state: StateLike, inputs: InputsLike, t0: float) -> np.ndarray:
        model = self.model
        owner = type(model).__name__
        n_in = Drive.units_of(inputs, t0)
        if initial_state is None or isinstance(initial_state, Mapping):
            sizes = {np.size(v) for v in (initial_state or {}).values()} - {1}
            if len(sizes) > 1:
                raise ModelError(f"{owner}: initial values have inconsistent sizes {sizes}")
            n_state = sizes.pop() if sizes else None
            n = _agree(owner, n_state, n_in)
            return model.initial_state(n, initial_state)
        y = np.array(initial_state, dtype=np.float64)
        n_vars = len(model.state)
        if y.ndim == 1:
            y = y[:, None]
        if y.ndim != 2 or y.shape[0] != n_vars:
            raise ModelError(
                f"{owner}: initial_state must have shape ({n_vars},) or ({n_vars}, n_units) "
                f"for variables {model.names}, got {np.shape(initial_state)}"
            )
        n = _agree(owner, y.shape[1] if y.shape[1] > 1 else None, n_in)
        if not np.all(np.isfinite(y)):
            raise ModelError(f"{owner}: initial_state contains NaN or infinite values")
        return np.ascontiguousarray(np.broadcast_to(y, (n_vars, n)))


def _agree(owner: str, n_state: int | None, n_inputs: int | None) -> int:
    if n_state is not None and n_inputs is not None and n_state != n_inputs:
        raise ModelError(
            f"{owner}: inconsistent shapes: initial state has {n_state} units, "
            f"inputs have {n_inputs}"
        )
    return n_state or n_inputs or 1


def _enum(kind: type[Method] | type[SpikeInterpolation], value: object, what: str):
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(repr(m.value) for m in kind)
        raise ModelError(f"unknown {what} {value!r}; choose one of {choices}") from None
