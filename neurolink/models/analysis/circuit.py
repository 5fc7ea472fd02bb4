"""``NeuralCircuit``: one report combining a circuit's wiring and its spiking activity.

>>> report = NeuralCircuit(n_null=20).analyze(network, result)   # doctest: +SKIP
>>> print(report.summary())                                       # doctest: +SKIP

The circuit can be a :class:`~neurolink.models.networks.spiking.SpikingNetwork`, a
:class:`~neurolink.models.networks.rate.RateNetwork`, a
:class:`~neurolink.models.networks.sparse.SparseConnectivity`, a ``networkx.DiGraph`` or a
dense ``W[post, pre]``; the activity a
:class:`~neurolink.models.networks.spiking.SpikingResult` or one spike train (ms) per neuron.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike

from neurolink.models.analysis import activity as act
from neurolink.models.analysis import connectivity as con
from neurolink.models.dynamics.params import ModelError, check_positive
from neurolink.models.networks.rate import RateNetwork
from neurolink.models.networks.spiking import SpikingNetwork, SpikingResult

__all__ = ["CircuitReport", "NeuralCircuit"]


@dataclass(frozen=True)
class CircuitReport:
    """Connectivity and activity figures of one circuit.

    Parameters
    ----------
    n_neurons, n_synapses : int
        Nodes and (non-self) edges of the graph.
    density : float
        ``n_synapses / (n (n − 1))``.
    mean_degree : float
        Mean in-degree.
    reciprocity, clustering : float
        See :mod:`~neurolink.models.analysis.connectivity`.
    motifs : MotifResult or None
        Motif z-scores against the degree-preserving null (None when ``n_null = 0``).
    duration_ms : float
        Analysed span (ms).
    rates_hz : numpy.ndarray, shape (n_neurons,)
        Firing rate of each neuron (Hz).
    mean_rate_hz : float
        Mean of ``rates_hz``.
    cv_isi : float
        Mean ISI CV over neurons with >= 3 spikes (NaN if none).
    fano : float
        Mean Fano factor over active neurons (NaN if none).
    synchrony : float
        Golomb–Rinzel ``χ`` of the active neurons.
    peak_frequency_hz : float
        Frequency of the largest peak of the population-rate spectrum above 1 Hz.
    """

    n_neurons: int
    n_synapses: int
    density: float
    mean_degree: float
    reciprocity: float
    clustering: float
    motifs: con.MotifResult | None
    duration_ms: float
    rates_hz: np.ndarray
    mean_rate_hz: float
    cv_isi: float
    fano: float
    synchrony: float
    peak_frequency_hz: float

    def summary(self) -> str:
        """A few human-readable lines."""
        lines = [
            f"neurons {self.n_neurons}, synapses {self.n_synapses} (density {self.density:.4f}, "
            f"mean degree {self.mean_degree:.2f})",
            f"reciprocity {self.reciprocity:.4f}, clustering {self.clustering:.4f}",
            f"rate {self.mean_rate_hz:.3g} Hz, ISI CV {self.cv_isi:.3g}, Fano {self.fano:.3g}, "
            f"synchrony χ {self.synchrony:.3g}, spectral peak {self.peak_frequency_hz:.3g} Hz "
            f"(over {self.duration_ms:g} ms)",
        ]
        if self.motifs is not None:
            top = sorted(self.motifs.z.items(), key=lambda kv: -abs(np.nan_to_num(kv[1])))[:3]
            lines.append(
                f"reciprocity z {self.motifs.reciprocity_z:.3g}; strongest motifs "
                + ", ".join(f"{m} z={z:.3g}" for m, z in top)
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (arrays become lists)."""
        out = asdict(self)
        out["rates_hz"] = self.rates_hz.tolist()
        return out


class NeuralCircuit:
    """Analyser of a circuit and its activity (parameters only; no state).

    Parameters
    ----------
    n_null : int
        Degree-preserving null graphs for the motif z-scores (0 skips motifs; the cost grows
        with the number of edges).
    fano_window_ms : float
        Counting window of the Fano factor (ms).
    synchrony_tau_ms : float
        Filter time constant of the synchrony measure (ms).
    bin_ms, segment_ms : float
        Binning and Welch segment of the population spectrum (ms).
    rng : int or None
        Seed of the null graphs.
    """

    def __init__(
        self,
        n_null: int = 20,
        fano_window_ms: float = 100.0,
        synchrony_tau_ms: float = 5.0,
        bin_ms: float = 1.0,
        segment_ms: float = 500.0,
        rng: int | None = 0,
    ) -> None:
        if n_null < 0 or n_null == 1:
            raise ModelError(f"NeuralCircuit: n_null must be 0 or >= 2, got {n_null}")
        for name, value in (
            ("fano_window_ms", fano_window_ms),
            ("bin_ms", bin_ms),
            ("synchrony_tau_ms", synchrony_tau_ms),
            ("segment_ms", segment_ms),
        ):
            check_positive("NeuralCircuit", name, value, "ms")
        self.n_null = n_null
        self.fano_window_ms = fano_window_ms
        self.synchrony_tau_ms = synchrony_tau_ms
        self.bin_ms = bin_ms
        self.segment_ms = segment_ms
        self.rng = rng

    def analyze(
        self,
        circuit: object,
        activity: SpikingResult | Sequence[ArrayLike],
        t_start: float = 0.0,
        t_stop: float | None = None,
    ) -> CircuitReport:
        """Connectivity and activity report.

        Parameters
        ----------
        circuit : SpikingNetwork, RateNetwork, SparseConnectivity, networkx.DiGraph or array
            The wiring (see the module docstring).
        activity : SpikingResult or sequence of array_like
            Spikes, one train (ms) per neuron in the circuit's order.
        t_start, t_stop : float
            Analysed span (ms); ``t_stop`` defaults to the run's duration (a SpikingResult)
            or the last spike.
        """
        graph = con.to_digraph(self._wiring(circuit))
        trains, t_stop = self._activity(activity, t_stop)
        n = graph.number_of_nodes()
        if len(trains) != n:
            raise ModelError(
                f"the circuit has {n} neurons but the activity has {len(trains)} spike trains"
            )
        rates = act.firing_rates(trains, t_start, t_stop)
        active = [t for t, r in zip(trains, rates, strict=True) if r > 0]
        motifs = None
        if self.n_null and n >= 4 and graph.number_of_edges() >= 3:  # smaller: no room to rewire
            motifs = con.motif_zscores(graph, self.n_null, rng=self.rng)
        fano = (
            act.fano_factor(active, t_start, t_stop, self.fano_window_ms)
            if active
            else np.array([np.nan])
        )
        return CircuitReport(
            n_neurons=n,
            n_synapses=graph.number_of_edges(),
            density=graph.number_of_edges() / (n * (n - 1)) if n > 1 else 0.0,
            mean_degree=con.degree_stats(graph).mean,
            reciprocity=con.reciprocity(graph),
            clustering=con.clustering(graph),
            motifs=motifs,
            duration_ms=t_stop - t_start,
            rates_hz=rates,
            mean_rate_hz=float(rates.mean()),
            cv_isi=_nanmean(act.isi_cv(trains)),
            fano=_nanmean(fano),
            synchrony=act.golomb_synchrony(
                trains, t_start, t_stop, self.bin_ms, self.synchrony_tau_ms
            ),
            peak_frequency_hz=self._peak(trains, t_start, t_stop),
        )

    @staticmethod
    def _wiring(circuit: object) -> object:
        if isinstance(circuit, SpikingNetwork):
            return circuit.connectivity()
        if isinstance(circuit, RateNetwork):
            return circuit.weights
        if isinstance(circuit, nx.DiGraph):
            return nx.convert_node_labels_to_integers(circuit, ordering="sorted")
        return circuit

    @staticmethod
    def _activity(
        activity: SpikingResult | Sequence[ArrayLike], t_stop: float | None
    ) -> tuple[list[np.ndarray], float]:
        if isinstance(activity, SpikingResult):
            return activity.spike_trains(), activity.duration if t_stop is None else t_stop
        trains = [np.asarray(t, dtype=np.float64) for t in activity]
        if t_stop is None:
            last = [t.max() for t in trains if t.size]
            if not last:
                raise ModelError("analyze: no spikes and no t_stop: give the analysed span")
            t_stop = float(max(last)) + 1e-9
        return trains, t_stop

    def _peak(self, trains: list[np.ndarray], t_start: float, t_stop: float) -> float:
        if t_stop - t_start < 4 * self.bin_ms or not any(t.size for t in trains):
            return float("nan")
        freqs, psd = act.population_spectrum(trains, t_start, t_stop, self.bin_ms, self.segment_ms)
        above = freqs > 1.0
        return float(freqs[above][np.argmax(psd[above])]) if above.any() else float("nan")


def _nanmean(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    return float(np.nanmean(x)) if np.any(np.isfinite(x)) else float("nan")
