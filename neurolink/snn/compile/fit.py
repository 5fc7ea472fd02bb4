"""Will a network fit the profile's cores? A check made before any weight is solved.

The chip keeps the incoming synapses of a neuron in the memory of the core that holds it, so a
core holds at most ``synapse_bits_per_core // (fan_in · bits)`` neurons of fan-in ``fan_in``
(and at most ``neurons_per_core``). :func:`cores_needed` counts the cores that a population of
``n`` neurons with dense fan-in needs under that budget (the packing the chip mapper does), and
:func:`check_cores` refuses a network that needs more than the profile has, saying how many
neurons would fit.
"""

from __future__ import annotations

from neurolink.snn.compile.errors import DoesNotFitError
from neurolink.snn.profiles import get_profile

__all__ = ["check_cores", "cores_needed", "largest_fitting"]


def cores_needed(n: int, fan_in: int, bits: int, profile: str = "loihi") -> int:
    """Cores for ``n`` neurons, each with ``fan_in`` dense synapses of ``bits`` bits."""
    r = get_profile(profile).resources
    per_core = min(r.neurons_per_core, r.synapse_memory_bits_per_core // max(fan_in * bits, 1))
    if per_core == 0:
        return r.cores + 1 + n  # one neuron does not fit a core
    return -(-n // per_core)


def largest_fitting(fan_in_of, bits: int, profile: str = "loihi") -> int:
    """Largest ``n`` with ``cores_needed(n, fan_in_of(n), bits) ≤ cores`` (0 if none)."""
    cores = get_profile(profile).resources.cores
    lo, hi = 0, get_profile(profile).resources.neurons_per_core * cores
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if cores_needed(mid, fan_in_of(mid), bits, profile) <= cores:
            lo = mid
        else:
            hi = mid - 1
    return lo


def check_cores(what: str, n: int, fan_in_of, bits: int, hint: str, profile: str = "loihi") -> int:
    """Cores needed, or :class:`DoesNotFitError` naming the budget and what would fit.

    Parameters
    ----------
    what : str
        The network, for the message.
    n : int
        Neurons.
    fan_in_of : callable
        Fan-in (dense synapses per neuron) as a function of ``n``.
    bits : int
        Weight bits per synapse.
    hint : str
        The option to change (e.g. ``"max_neurons"``).
    """
    prof = get_profile(profile)
    r = prof.resources
    need = cores_needed(n, fan_in_of(n), bits, profile)
    if need > r.cores:
        best = largest_fitting(fan_in_of, bits, profile)
        raise DoesNotFitError(
            f"{what} of {n} neurons does not fit profile {prof.name!r}: each neuron has "
            f"{fan_in_of(n)} synapses × {bits} bits and a core holds "
            f"{r.synapse_memory_bits_per_core} bits, so it needs {need} cores and the chip has "
            f"{r.cores}; set {hint} ≤ {best} or use fewer weight bits"
        )
    return need
