"""Fast standard-normal draws from raw 32-bit words: a 128-layer ziggurat in numba.

NumPy's ``Generator.standard_normal`` costs ~8 ns per value here because it calls the bit
generator through a function pointer per draw; white and pink noise for hundreds of channels
at 30 kHz need millions per second. This kernel turns words from
``BitGenerator.random_raw`` (≈ 0.8 ns per 32 bits) into normals with the Marsaglia–Tsang
ziggurat (J Stat Softw 5(8), 2000) at ≈ 2.5 ns per value in all, using disjoint bits of each
word for the layer (low 7 bits) and for the signed magnitude (high 25 bits, enough for a
float32 mantissa), which avoids the index/value correlation of the original SHR3 version. The
rare rejections (≈ 1 %) draw from a SplitMix64 sequence seeded per call, so the output is a
deterministic function of the words and the seed.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["ZIGGURAT_R", "standard_normal_from_raw"]

#: Start of the tail of the 128-layer ziggurat.
ZIGGURAT_R = 3.442619855899
_V = 9.91256303526217e-3  # area of each layer


def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Marsaglia–Tsang tables: thresholds ``k`` (on |int32|), scales ``w``, densities ``f``."""
    m1 = 2.0**31
    k = np.zeros(128)
    w = np.zeros(128)
    f = np.zeros(128)
    dn = tn = ZIGGURAT_R
    q = _V / np.exp(-0.5 * dn * dn)
    k[0] = (dn / q) * m1
    k[1] = 0.0
    w[0] = q / m1
    w[127] = dn / m1
    f[0] = 1.0
    f[127] = np.exp(-0.5 * dn * dn)
    for i in range(126, 0, -1):
        dn = np.sqrt(-2.0 * np.log(_V / dn + np.exp(-0.5 * dn * dn)))
        k[i + 1] = (dn / tn) * m1
        tn = dn
        f[i] = np.exp(-0.5 * dn * dn)
        w[i] = dn / m1
    # 25-bit magnitudes (the low 7 bits of each word pick the layer): rescale by 2**7.
    return k / 128.0, w * 128.0, f


_K, _W, _F = _tables()


@numba.njit(inline="always")
def _splitmix(state: np.uint64) -> tuple[np.uint64, np.uint64]:  # pragma: no cover - numba
    """One step of SplitMix64 (Steele et al. 2014): new state and a 64-bit output word."""
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return state, z ^ (z >> np.uint64(31))


@numba.njit(inline="always")
def _uniform(state: np.uint64) -> tuple[np.uint64, float]:  # pragma: no cover - numba
    """A uniform in (0, 1] from 53 bits (never 0, so its logarithm is finite)."""
    state, z = _splitmix(state)
    return state, (np.float64(z >> np.uint64(11)) + 1.0) * (1.0 / 9007199254740992.0)


@numba.njit(inline="never")
def _slow(
    hz: int, iz: int, state: np.uint64, k: np.ndarray, w: np.ndarray, f: np.ndarray
) -> tuple[float, np.uint64]:  # pragma: no cover - numba
    """The ziggurat's rare path: wedge test, tail, or a fresh word after a rejection."""
    r = ZIGGURAT_R
    while True:
        x = hz * w[iz]
        if abs(hz) < k[iz]:
            return x, state
        if iz == 0:  # the tail beyond r (Marsaglia 1964)
            while True:
                state, u1 = _uniform(state)
                state, u2 = _uniform(state)
                xt = -np.log(u1) / r
                if -2.0 * np.log(u2) >= xt * xt:
                    break
            return (r + xt if hz > 0 else -r - xt), state
        state, u = _uniform(state)
        if f[iz] + u * (f[iz - 1] - f[iz]) < np.exp(-0.5 * x * x):
            return x, state
        state, z = _splitmix(state)  # rejected: start again from a fresh 32-bit word
        word = np.uint32(z >> np.uint64(32))
        iz = np.int64(word & np.uint32(127))
        hz = np.int64(np.int32(word) >> 7)


@numba.njit(nogil=True, cache=True)
def _fill(
    raw: np.ndarray, seed: np.uint64, out: np.ndarray, k: np.ndarray, w: np.ndarray, f: np.ndarray
) -> None:  # pragma: no cover - numba
    state = seed
    for i in range(raw.shape[0]):
        word = raw[i]
        iz = np.int64(word & np.uint32(127))  # low 7 bits: layer
        hz = np.int64(np.int32(word) >> 7)  # high 25 bits: signed magnitude
        if abs(hz) < k[iz]:
            out[i] = np.float32(hz * w[iz])
        else:
            x, state = _slow(hz, iz, state, k, w, f)
            out[i] = np.float32(x)


def standard_normal_from_raw(raw: np.ndarray, seed: int) -> np.ndarray:
    """Convert raw 32-bit words to standard-normal float32 values, one per word.

    Parameters
    ----------
    raw : numpy.ndarray of uint32, shape (n,)
        Random words (e.g. ``BitGenerator.random_raw(n // 2).view(np.uint32)``).
    seed : int
        Seed (0 ≤ seed < 2⁶⁴) of the SplitMix64 sequence used on rejections.

    Returns
    -------
    numpy.ndarray of float32, shape (n,)
    """
    raw = np.ascontiguousarray(raw, dtype=np.uint32).reshape(-1)
    out = np.empty(raw.size, dtype=np.float32)
    _fill(raw, np.uint64(seed), out, _K, _W, _F)
    return out
