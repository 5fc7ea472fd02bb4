"""Host readouts of a compiled network: from its spikes, each step, to the decoded variable.

Both readouts filter the spikes with a first-order low-pass of pole ``a`` (the chip's synaptic
pole), so the host sees what a synapse of the chip would see; ``run`` on a raster and ``step``
on each of its rows give the same values (to float rounding).
"""

from __future__ import annotations

import numpy as np
import scipy.signal

__all__ = ["LinearReadout", "WTAReadout"]


class LinearReadout:
    """NEF population decoder: ``y_t = a y_{t−1} + (1 − a) Dᵀ s_t``, output ``scale · y + offset``.

    Parameters
    ----------
    population : str
        Population whose spikes are read.
    decoders : numpy.ndarray of float64, shape (n_neurons, n_dims)
    pole : float
        ``a`` of the low-pass (per step).
    scale, offset : numpy.ndarray of float64, shape (n_dims,)
        Back from the normalised state to the decoder's units.
    """

    def __init__(
        self,
        population: str,
        decoders: np.ndarray,
        pole: float,
        scale: np.ndarray,
        offset: np.ndarray,
    ) -> None:
        self.population = population
        self.decoders = np.ascontiguousarray(decoders, dtype=np.float64)
        self.pole = float(pole)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.offset = np.asarray(offset, dtype=np.float64)
        self._y = np.zeros(self.decoders.shape[1])

    @property
    def n_dims(self) -> int:
        return int(self.decoders.shape[1])

    def reset(self) -> None:
        self._y[:] = 0.0

    def step(self, spikes: np.ndarray) -> np.ndarray:
        """One step of spikes (bool, (n_neurons,)) → decoded value (n_dims,), a fresh array."""
        self._y *= self.pole
        self._y += (1.0 - self.pole) * self.decoders[spikes].sum(axis=0)
        return self.scale * self._y + self.offset

    def run(self, spikes: np.ndarray) -> np.ndarray:
        """Every row of a raster (T, n_neurons), from the reset state → (T, n_dims)."""
        drive = (1.0 - self.pole) * (spikes.astype(np.float64) @ self.decoders)
        y = scipy.signal.lfilter([1.0], [1.0, -self.pole], drive, axis=0)
        self._y[:] = y[-1] if y.shape[0] else 0.0
        return self.scale * y + self.offset


class WTAReadout:
    """Winner-take-all: the centre of the cell whose filtered spike count is largest.

    ``c_t = a c_{t−1} + s_t`` per cell; the estimate is the centre of ``argmax c_t`` (the first
    on ties), or the previous estimate while no cell has spiked yet (the grid's centre at first).

    Parameters
    ----------
    population : str
    centres : numpy.ndarray of float64, shape (n_cells, n_dims)
    pole : float
    """

    def __init__(self, population: str, centres: np.ndarray, pole: float) -> None:
        self.population = population
        self.centres = np.asarray(centres, dtype=np.float64)
        self.pole = float(pole)
        self._c = np.zeros(self.centres.shape[0])
        self._start = self.centres.mean(axis=0)

    @property
    def n_dims(self) -> int:
        return int(self.centres.shape[1])

    def reset(self) -> None:
        self._c[:] = 0.0

    def step(self, spikes: np.ndarray) -> np.ndarray:
        """One step of spikes (bool, (n_cells,)) → estimate (n_dims,)."""
        self._c *= self.pole
        self._c += spikes
        k = int(np.argmax(self._c))
        return self.centres[k].copy() if self._c[k] > 0 else self._start.copy()

    def run(self, spikes: np.ndarray, chunk: int = 4096) -> np.ndarray:
        """Every row of a raster (T, n_cells), from the reset state → (T, n_dims)."""
        T = spikes.shape[0]
        out = np.empty((T, self.n_dims))
        zi = np.zeros((1, self.centres.shape[0]))
        last = np.zeros(self.centres.shape[0])
        for t0 in range(0, T, chunk):
            s = spikes[t0 : t0 + chunk].astype(np.float64)
            c, zi = scipy.signal.lfilter([1.0], [1.0, -self.pole], s, axis=0, zi=zi)
            k = np.argmax(c, axis=1)
            ok = c[np.arange(c.shape[0]), k] > 0
            out[t0 : t0 + s.shape[0]] = np.where(ok[:, None], self.centres[k], self._start)
            last = c[-1]
        self._c[:] = last
        return out
