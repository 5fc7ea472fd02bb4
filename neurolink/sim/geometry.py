"""Electrode layouts, source placement and the distance fall-off of extracellular amplitude.

All positions are in micrometres, shape ``(n, 3)`` (x, y across the array, z along the shank;
electrode tips lie at z = 0 unless a layout says otherwise).

Fall-off law
------------
The peak amplitude of a unit seen by an electrode at distance ``d`` from the soma is
``A · g(d)`` with

    g(d) = 1 / (1 + (d / d0)²)

a Lorentzian: flat (≈ 1/r-like) close to the source, ~1/d² far from it, so a unit is seen on its
own electrode and barely on neighbours 400 µm away (as on Utah arrays), and on many sites of a
dense probe. ``d0`` ≈ 50 µm puts the amplitude at 10–20 % at 100–150 µm, in line with the
detection radius of ~50–140 µm of single units (Henze et al. 2000, J Neurophysiol 84:390;
Buzsáki 2004, Nat Neurosci 7:446; Pettersen & Einevoll 2008, Biophys J 94:784).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "as_positions",
    "distance_gain",
    "distances",
    "grid_positions",
    "neuropixels1_positions",
    "place_near_electrodes",
    "probe_positions",
    "utah_array_positions",
]

#: Utah array electrode pitch (µm) — Blackrock/Cerebus 10×10 array (Maynard et al. 1997,
#: Electroencephalogr Clin Neurophysiol 102:228; Nordhausen et al. 1996).
UTAH_PITCH_UM = 400.0


def utah_array_positions(pitch: float = UTAH_PITCH_UM) -> np.ndarray:
    """The 96 recording sites of a 10×10 Utah array (the four corners are not wired).

    Parameters
    ----------
    pitch : float
        Electrode spacing (µm).

    Returns
    -------
    numpy.ndarray of float64, shape (96, 3)
        Tip positions (µm), row-major over the grid, centred on the origin, z = 0.
    """
    pos = grid_positions(100, pitch, n_cols=10)
    corners = {0, 9, 90, 99}
    keep = [i for i in range(100) if i not in corners]
    return pos[keep]


def grid_positions(n_channels: int, pitch: float, n_cols: int | None = None) -> np.ndarray:
    """Electrodes on a rectangular grid (the first ``n_channels`` sites, row-major).

    Parameters
    ----------
    n_channels : int
        Number of sites.
    pitch : float
        Spacing (µm) in x and y.
    n_cols : int, optional
        Columns; default ``ceil(sqrt(n_channels))``.

    Returns
    -------
    numpy.ndarray of float64, shape (n_channels, 3)
        Positions (µm) centred on the origin, z = 0.
    """
    if n_channels <= 0 or not pitch > 0:
        raise ValueError(f"grid needs n_channels > 0 and pitch > 0, got {n_channels}, {pitch}")
    cols = int(np.ceil(np.sqrt(n_channels))) if n_cols is None else int(n_cols)
    idx = np.arange(n_channels)
    x = (idx % cols) * pitch
    y = (idx // cols) * pitch
    pos = np.column_stack([x, y, np.zeros(n_channels)]).astype(np.float64)
    pos[:, :2] -= (pos[:, :2].max(axis=0) + pos[:, :2].min(axis=0)) / 2.0
    return pos


def probe_positions(
    n_channels: int = 384, pitch: float = 20.0, n_cols: int = 2, col_pitch: float = 32.0
) -> np.ndarray:
    """A dense shank (Neuropixels-like): ``n_cols`` columns of sites along z.

    Parameters
    ----------
    n_channels : int
        Number of sites (default 384, Neuropixels 1.0; Jun et al. 2017, Nature 551:232).
    pitch : float
        Vertical spacing between rows (µm).
    n_cols : int
        Sites per row.
    col_pitch : float
        Horizontal spacing between columns (µm).

    Returns
    -------
    numpy.ndarray of float64, shape (n_channels, 3)
        Positions (µm): x across the shank, y = 0, z along it (centred).
    """
    if n_channels <= 0 or n_cols <= 0:
        raise ValueError(f"probe needs n_channels > 0 and n_cols > 0, got {n_channels}, {n_cols}")
    idx = np.arange(n_channels)
    x = (idx % n_cols) * col_pitch
    z = (idx // n_cols) * pitch
    pos = np.column_stack([x, np.zeros(n_channels), z]).astype(np.float64)
    pos -= (pos.max(axis=0) + pos.min(axis=0)) / 2.0
    return pos


#: Neuropixels 1.0 site layout (µm): rows of two sites 32 µm apart, 20 µm between rows, every
#: other row shifted by 16 µm, so the sites fall on four staggered columns 16 µm apart
#: (x = 11, 27, 43, 59 µm across the 70 µm shank; Jun et al. 2017, Nature 551:232, and the
#: public probe description of IMEC).
NP1_ROW_PITCH_UM = 20.0
NP1_PAIR_SPACING_UM = 32.0
NP1_STAGGER_UM = 16.0
NP1_FIRST_COLUMN_UM = 11.0


def neuropixels1_positions(n_channels: int = 384) -> np.ndarray:
    """Sites of a Neuropixels 1.0-like shank: four staggered columns, 20 µm vertical pitch.

    Site ``i`` is in row ``i // 2`` (z = 20 µm × row); a row holds two sites 32 µm apart,
    starting at x = 11 µm on even rows and 27 µm on odd rows, so consecutive rows are offset by
    16 µm (the "checkerboard" of the probe). The 384 channels of bank 0 span 3.82 mm.

    Parameters
    ----------
    n_channels : int
        Number of sites (384: the recording channels of one Neuropixels 1.0 bank).

    Returns
    -------
    numpy.ndarray of float64, shape (n_channels, 3)
        Positions (µm): x across the shank (11–59), y = 0, z along it from the tip row (z = 0).
    """
    if n_channels <= 0:
        raise ValueError(f"a probe needs n_channels > 0, got {n_channels}")
    idx = np.arange(n_channels)
    row = idx // 2
    x = NP1_FIRST_COLUMN_UM + (row % 2) * NP1_STAGGER_UM + (idx % 2) * NP1_PAIR_SPACING_UM
    z = row * NP1_ROW_PITCH_UM
    return np.column_stack([x, np.zeros(n_channels), z]).astype(np.float64)


def as_positions(positions: np.ndarray) -> np.ndarray:
    """Validate electrode positions and pad 2-D layouts with z = 0.

    Parameters
    ----------
    positions : array_like, shape (n_channels, 2) or (n_channels, 3)
        Positions (µm).

    Returns
    -------
    numpy.ndarray of float64, shape (n_channels, 3)
    """
    pos = np.asarray(positions, dtype=np.float64)
    if pos.ndim != 2 or pos.shape[1] not in (2, 3) or pos.shape[0] == 0:
        raise ValueError(f"positions must have shape (n_channels, 2 or 3), got {pos.shape}")
    if not np.all(np.isfinite(pos)):
        raise ValueError("positions must be finite")
    if pos.shape[1] == 2:
        pos = np.column_stack([pos, np.zeros(pos.shape[0])])
    return np.ascontiguousarray(pos)


def distances(sources: np.ndarray, electrodes: np.ndarray) -> np.ndarray:
    """Euclidean distances between sources and electrodes.

    Parameters
    ----------
    sources : numpy.ndarray, shape (n_sources, 3)
        Source positions (µm).
    electrodes : numpy.ndarray, shape (n_channels, 3)
        Electrode positions (µm).

    Returns
    -------
    numpy.ndarray of float64, shape (n_sources, n_channels)
        Distances (µm).
    """
    diff = sources[:, None, :] - electrodes[None, :, :]
    return np.sqrt(np.sum(diff * diff, axis=-1))


def distance_gain(d: np.ndarray, d0: float) -> np.ndarray:
    """The fall-off ``g(d) = 1 / (1 + (d/d0)²)`` (1 at the source, ½ at ``d0``).

    Parameters
    ----------
    d : numpy.ndarray, any shape
        Distances (µm).
    d0 : float
        Half-amplitude distance (µm).

    Returns
    -------
    numpy.ndarray of float64, same shape as ``d``
    """
    return 1.0 / (1.0 + (np.asarray(d, dtype=np.float64) / d0) ** 2)


def _unit_vectors(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, 3))
    norm = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.where(norm > 0, norm, 1.0)


def place_near_electrodes(
    rng: np.random.Generator,
    electrodes: np.ndarray,
    n_units: int,
    distance_range: tuple[float, float],
) -> np.ndarray:
    """Place units around electrode tips, each near a different electrode where possible.

    Electrodes are taken in a random order (cycling when ``n_units > n_channels``); each unit sits
    in a random direction at a distance drawn uniformly from ``distance_range``.

    Parameters
    ----------
    rng : numpy.random.Generator
    electrodes : numpy.ndarray, shape (n_channels, 3)
        Electrode positions (µm).
    n_units : int
        Number of units.
    distance_range : (float, float)
        Minimum and maximum distance from the chosen tip (µm).

    Returns
    -------
    numpy.ndarray of float64, shape (n_units, 3)
        Unit positions (µm).
    """
    n_ch = electrodes.shape[0]
    order = np.concatenate([rng.permutation(n_ch) for _ in range(n_units // n_ch + 1)])
    home = electrodes[order[:n_units]]
    r = rng.uniform(distance_range[0], distance_range[1], n_units)
    return home + _unit_vectors(rng, n_units) * r[:, None]
