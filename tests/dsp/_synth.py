"""Hand-built test signals: noise plus spikes at known samples, and a reference detector."""

from __future__ import annotations

import numpy as np

from neurolink.dsp.detect.noise import MAD_TO_SIGMA

#: A narrow negative spike with a unique trough at offset 0 (offsets -2..2), peak-normalised.
SHAPE = np.array([-0.3, -0.7, -1.0, -0.7, -0.3])


def make_signal(
    n: int,
    n_channels: int,
    spikes: list[tuple[int, int, float]],
    sigma: float = 1.0,
    seed: int = 0,
) -> np.ndarray:
    """Noise of std ``sigma`` plus ``amp * SHAPE`` centred on each ``(sample, channel, amp)``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, sigma, (n, n_channels)) if sigma > 0 else np.zeros((n, n_channels))
    for t, c, a in spikes:
        for k, w in enumerate(SHAPE):
            if 0 <= t + k - 2 < n:
                x[t + k - 2, c] += a * w
    return x.astype(np.float32)


def normalised(x: np.ndarray, noise: np.ndarray, k: float, sign: str) -> np.ndarray:
    """``z`` exactly as the detector computes it for a fixed noise (float32)."""
    x64 = x.astype(np.float64)
    s = {"neg": -x64, "pos": x64, "both": np.abs(x64)}[sign]
    return (s * (MAD_TO_SIGMA / k) / (noise * MAD_TO_SIGMA)).astype(np.float32)


def reference_peaks(
    z: np.ndarray,
    dead: int,
    lo: int,
    hi: int,
    neighbours: list[list[int]] | None = None,
    back: int | None = None,
) -> list[tuple[int, int]]:
    """The detection rule written plainly: (sample, channel) of the peaks in rows ``lo:hi``.

    Own channel: the largest in ``[t - back, t + dead]`` (``back`` defaults to ``dead``);
    neighbours: nothing larger within ``[t - dead, t + dead]``.
    """
    back = dead if back is None else back
    out = []
    for t in range(lo, hi):
        for c in range(z.shape[1]):
            v = z[t, c]
            if not v > 1.0:
                continue
            win = z[t - back : t + dead + 1, c]
            if not np.all(np.isfinite(win)):
                continue
            if np.any(win[:back] >= v) or np.any(win[back + 1 :] > v):
                continue
            ok = True
            for nb in neighbours[c] if neighbours else []:
                for s in range(t - dead, t + dead + 1):
                    w = z[s, nb]
                    if w > v or (w == v and (s < t or (s == t and nb < c))):
                        ok = False
            if ok:
                out.append((t, c))
    return out
