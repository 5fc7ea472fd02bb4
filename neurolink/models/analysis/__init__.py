"""Analysis of circuits and their activity.

- :mod:`~neurolink.models.analysis.connectivity`: degrees, reciprocity, clustering, motifs
  against a degree-preserving null (networkx).
- :mod:`~neurolink.models.analysis.activity`: rates, ISI CV, Fano factor, synchrony, spectra.
- :mod:`~neurolink.models.analysis.distances`: van Rossum and Victor–Purpura distances.
- :mod:`~neurolink.models.analysis.information`: entropy and mutual information with bias
  correction (discrete, Gaussian, KSG), coding efficiency.
- :mod:`~neurolink.models.analysis.transfer_entropy`: discrete transfer entropy with surrogates.
- :mod:`~neurolink.models.analysis.coding`: rate, temporal and phase codes; population
  decoding information.
- :mod:`~neurolink.models.analysis.dynsys`: fixed points, stability, bifurcation scans.
- :mod:`~neurolink.models.analysis.lyapunov`: Lyapunov exponents (Benettin, QR).
- :mod:`~neurolink.models.analysis.circuit`: ``NeuralCircuit.analyze(circuit, activity)``.
"""

from neurolink.models.analysis.activity import (
    binned_counts,
    fano_factor,
    firing_rates,
    golomb_synchrony,
    isi_cv,
    population_spectrum,
    spike_train_spectrum,
)
from neurolink.models.analysis.circuit import CircuitReport, NeuralCircuit
from neurolink.models.analysis.coding import (
    DecodingResult,
    decoding_information,
    phase_code_information,
    rate_code_information,
    temporal_code_information,
)
from neurolink.models.analysis.connectivity import (
    CONNECTED_MOTIFS,
    DegreeStats,
    MotifResult,
    clustering,
    degree_preserving_null,
    degree_stats,
    motif_counts,
    motif_zscores,
    reciprocity,
    to_digraph,
)
from neurolink.models.analysis.distances import van_rossum_distance, victor_purpura_distance
from neurolink.models.analysis.dynsys import (
    Bifurcation,
    BifurcationKind,
    BifurcationScan,
    FixedPoint,
    Stability,
    bifurcation_scan,
    classify,
    find_fixed_points,
    fixed_point,
    numeric_jacobian,
)
from neurolink.models.analysis.information import (
    Correction,
    MIResult,
    coding_efficiency,
    entropy,
    gaussian_mutual_information,
    ksg_mutual_information,
    labels,
    mutual_information,
    panzeri_treves_bias,
    quantize,
)
from neurolink.models.analysis.lyapunov import (
    LyapunovResult,
    largest_lyapunov,
    lyapunov_spectrum,
    map_lyapunov_spectrum,
)
from neurolink.models.analysis.transfer_entropy import TEResult, transfer_entropy

__all__ = [
    "CONNECTED_MOTIFS",
    "Bifurcation",
    "BifurcationKind",
    "BifurcationScan",
    "CircuitReport",
    "Correction",
    "DecodingResult",
    "DegreeStats",
    "FixedPoint",
    "LyapunovResult",
    "MIResult",
    "MotifResult",
    "NeuralCircuit",
    "Stability",
    "TEResult",
    "bifurcation_scan",
    "binned_counts",
    "classify",
    "clustering",
    "coding_efficiency",
    "decoding_information",
    "degree_preserving_null",
    "degree_stats",
    "entropy",
    "fano_factor",
    "find_fixed_points",
    "firing_rates",
    "fixed_point",
    "gaussian_mutual_information",
    "golomb_synchrony",
    "isi_cv",
    "ksg_mutual_information",
    "labels",
    "largest_lyapunov",
    "lyapunov_spectrum",
    "map_lyapunov_spectrum",
    "motif_counts",
    "motif_zscores",
    "mutual_information",
    "numeric_jacobian",
    "panzeri_treves_bias",
    "phase_code_information",
    "population_spectrum",
    "quantize",
    "rate_code_information",
    "reciprocity",
    "spike_train_spectrum",
    "temporal_code_information",
    "to_digraph",
    "transfer_entropy",
    "van_rossum_distance",
    "victor_purpura_distance",
]
