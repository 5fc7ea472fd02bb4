"""``compile_decoder``: the one entry point, dispatching on the decoder's kind."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from neurolink.snn.compile.errors import NotCompilableError
from neurolink.snn.compile.network import CompiledDecoder
from neurolink.snn.profiles import get_profile

__all__ = ["NOT_COMPILABLE", "compile_decoder"]


def _compilers() -> dict[str, Callable[..., CompiledDecoder]]:
    from neurolink.snn.compile.bayes import compile_bayes
    from neurolink.snn.compile.kalman import compile_kalman

    return {"KalmanDecoder": compile_kalman, "BayesianDecoder": compile_bayes}


#: Why the decoders that have no compiler have none.
NOT_COMPILABLE = {
    "WienerFilter": (
        "a Wiener filter is a finite impulse response over n_lags bins of every channel: it has "
        "no low-order recurrent form for the NEF synapse to realise, only a delay line holding "
        "n_lags × n_units values (600 for 10 lags of 60 units) in neurons; compile a "
        "KalmanDecoder (the same linear readout with a 2- or 4-dimensional state) instead"
    ),
}


def compile_decoder(
    decoder: Any,
    profile: str = "loihi",
    max_neurons: int | None = None,
    dt_ms: float = 1.0,
    seed: int = 0,
    **options: Any,
) -> CompiledDecoder:
    """Compile a fitted decoder of :mod:`neurolink.decode` into a network of ``profile``.

    Parameters
    ----------
    decoder : KalmanDecoder or BayesianDecoder
        Fitted.
    profile : str
        Chip profile whose arithmetic the network uses (``"loihi"``).
    max_neurons : int, optional
        Most neurons the network may use (the Kalman state population; the Bayesian grid must
        fit it).
    dt_ms : float
        Chip step (ms); the input is one axon per channel, one step per ``dt_ms``.
    seed : int
        Seed of every random choice of the compiler.
    **options
        Options of the decoder's compiler (``neurolink.snn.compile.kalman.compile_kalman``,
        ``neurolink.snn.compile.bayes.compile_bayes``).

    Returns
    -------
    CompiledDecoder

    Raises
    ------
    NotCompilableError
        A decoder kind or setting with no network form, an unfitted decoder, an unknown option.
    DoesNotFitError
        The network does not fit the profile's cores.
    TooFewNeuronsError
        ``max_neurons`` is too small for the requested accuracy.
    """
    kind = type(decoder).__name__
    if kind in NOT_COMPILABLE:
        raise NotCompilableError(f"{kind} cannot be compiled: {NOT_COMPILABLE[kind]}")
    compilers = _compilers()
    if kind not in compilers:
        raise NotCompilableError(
            f"{kind} cannot be compiled: compile_decoder knows {', '.join(sorted(compilers))}"
        )
    if not getattr(decoder, "is_fitted", False):
        raise NotCompilableError(f"{kind} is not fitted: call fit(X, y) before compiling it")
    if get_profile(profile).name != "loihi":
        raise NotCompilableError(
            f"compile_decoder maps onto the 'loihi' profile's arithmetic, not {profile!r}"
        )
    if not dt_ms > 0:
        raise NotCompilableError(f"dt_ms must be > 0, got {dt_ms}")
    fn = compilers[kind]
    allowed = [p for p, v in inspect.signature(fn).parameters.items() if v.kind == v.KEYWORD_ONLY]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise NotCompilableError(
            f"unknown option(s) {', '.join(unknown)} for {kind}; options: {', '.join(allowed)}"
        )
    return fn(decoder, profile, max_neurons, dt_ms, seed, **options)
