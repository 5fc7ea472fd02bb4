"""Waveforms, layouts, amplitude fall-off with distance, SNR reporting and the noise model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import signal, stats

from neurolink.sim import CortexConfig, CortexSimulator, grid_positions, utah_array_positions
from neurolink.sim.geometry import distance_gain, distances
from neurolink.sim.ziggurat import standard_normal_from_raw

FS = 30_000.0


def _snippet_amplitudes(data: np.ndarray, troughs: np.ndarray, pre: int):
    """Trough value minus the mean of the 8 samples before the waveform starts, per spike.

    Returns the mean over spikes (µV, positive for a negative trough) and its standard error,
    both of shape (n_channels,).
    """
    base = np.stack([data[troughs - pre - k] for k in range(1, 9)]).mean(axis=0)
    depth = base - data[troughs]  # (n_spikes, n_channels)
    return depth.mean(axis=0), depth.std(axis=0, ddof=1) / np.sqrt(len(troughs))


def test_utah_layout() -> None:
    pos = utah_array_positions()
    assert pos.shape == (96, 3)
    d = distances(pos, pos)
    np.fill_diagonal(d, np.inf)
    np.testing.assert_allclose(d.min(axis=1), 400.0)
    assert np.ptp(pos[:, 0]) == np.ptp(pos[:, 1]) == 3600.0  # 10 sites at 400 µm per side


def test_waveforms_are_distinct_biphasic_and_about_a_millisecond() -> None:
    sim = CortexSimulator(seed=4)
    w, pre = sim.units.waveform.astype(np.float64), sim.units.pre
    assert np.all(w[:, pre] == -1.0) and np.all(np.argmin(w, axis=1) == pre)
    peak = np.argmax(w[:, pre:], axis=1)  # repolarisation peak after the trough
    trough_to_peak_ms = peak / FS * 1e3
    assert np.all((trough_to_peak_ms > 0.2) & (trough_to_peak_ms < 0.75))
    assert np.ptp(trough_to_peak_ms) > 0.25  # narrow and broad units alike
    height = w[:, pre:].max(axis=1)
    assert np.all((height > 0.08) & (height < 0.8))  # 15–50 % of the trough, ± overlap
    # the trough is sharper than the repolarisation: its half-width is shorter
    half_trough = np.sum(w < -0.5, axis=1)
    half_repol = np.sum(w > 0.5 * height[:, None], axis=1)
    assert np.all(half_trough <= half_repol) and np.mean(half_repol / half_trough) > 1.5
    # the waveform is over within ~1.5 ms and tapered to zero at both ends
    assert np.all(np.abs(w[:, [0, -1]]) < 1e-6)
    assert np.all(np.abs(w[:, pre + int(1.2e-3 * FS) :]).max(axis=1) < 0.15)
    c = np.corrcoef(w)
    np.fill_diagonal(c, 0)
    assert c.max() < 0.9999


def test_amplitude_falls_off_with_distance() -> None:
    # A dense grid so that every unit is seen on several electrodes.
    cfg = CortexConfig(
        positions=grid_positions(36, 60.0),
        n_units=6,
        snr=[12.0] * 6,
        baseline=[40.0] * 6,
        modulation=[0.0] * 6,
    )
    sim = CortexSimulator(cfg, seed=21)
    data, truth = sim.generate(int(4 * FS))
    elec = cfg.electrode_positions
    for u in range(cfg.n_units):
        s = truth["sample_index"][truth["unit"] == u]
        s = s[(s > 50) & (s < data.shape[0] - 50)]
        amp, se = _snippet_amplitudes(data, s, sim.units.pre)
        d = distances(sim.units.position[u : u + 1], elec)[0]
        # the measured amplitude is the configured law, channel by channel
        expected = sim.units.gain[u].astype(np.float64)
        np.testing.assert_array_less(np.abs(amp - expected), 5 * se + 0.5)
        law = distance_gain(d, 50.0) / distance_gain(d.min(), 50.0)
        np.testing.assert_allclose(expected, expected.max() * law, rtol=1e-5)
        # and it decreases with distance
        assert stats.spearmanr(d, amp).statistic < -0.9
        near, far = d < np.percentile(d, 25), d > np.percentile(d, 75)
        assert amp[near].min() > amp[far].max()


def test_snr_report_matches_an_independent_measurement() -> None:
    cfg = CortexConfig()  # 96-channel Utah array, 60 units
    n = int(2 * FS)
    sim = CortexSimulator(cfg, seed=17)
    data, truth = sim.generate(n, (0.5, 0.5))
    # The same seed with every unit silent: the background alone (draws do not depend on rates).
    quiet_cfg = replace(cfg, baseline=[0.0] * cfg.n_units, modulation=[0.0] * cfg.n_units)
    quiet = CortexSimulator(quiet_cfg, seed=17)
    background, none = quiet.generate(n, (0.5, 0.5))
    assert none.size == 0
    # Far from every spike the two recordings are the same bits.
    covered = np.zeros(n, bool)
    for s in truth["sample_index"] - sim.units.pre:
        covered[max(s, 0) : s + sim.units.waveform.shape[1]] = True
    assert (~covered).sum() > 0.1 * n
    assert np.array_equal(data[~covered], background[~covered])

    sigma = background.std(axis=0, dtype=np.float64)
    best = sim.units.best_channel
    rows = np.arange(cfg.n_units)
    peak = -(sim.units.waveform[:, sim.units.pre] * sim.units.gain[rows, best])  # from template
    np.testing.assert_allclose(sim.snr(), peak / sigma[best], rtol=1e-5)
    np.testing.assert_allclose(quiet.snr(), sim.snr(), rtol=1e-9)
    # The realised SNR is the configured one up to the sampling error of σ over 2 s.
    np.testing.assert_allclose(sim.snr(), sim.units.snr_target, rtol=0.06)
    assert sim.units.snr_target.min() >= 4.0 and sim.units.snr_target.max() <= 25.0
    # MAD-based σ (what a detector uses) agrees with the standard deviation within a few %.
    mad = np.median(np.abs(background - np.median(background, axis=0)), axis=0) / 0.6745
    np.testing.assert_allclose(mad, sigma, rtol=0.06)
    # The peak seen in the data (mean snippet on the best channel) is the template's.
    n_spikes = np.bincount(truth["unit"], minlength=cfg.n_units)
    checked = 0
    for u in np.argsort(-sim.units.peak_amplitude):
        s = truth["sample_index"][truth["unit"] == u]
        s = s[(s > 50) & (s < n - 50)]
        if n_spikes[u] < 20 or checked == 10:
            continue
        checked += 1
        amp, se = _snippet_amplitudes(data, s, sim.units.pre)
        assert abs(amp[best[u]] - peak[u]) < 5 * se[best[u]] + 0.5
    assert checked == 10


def test_noise_components_have_their_stated_spectrum_and_rms() -> None:
    base = CortexConfig(positions=grid_positions(8, 400.0), n_units=1, modulation=[0.0])
    quiet = {"baseline": [0.0], "white_rms_uv": 0.0, "pink_rms_uv": 0.0, "hash_rms_uv": 0.0}
    n = int(10 * FS)
    for part, rms in (("pink_rms_uv", 4.0), ("white_rms_uv", 5.0), ("hash_rms_uv", 3.0)):
        sim = CortexSimulator(replace(base, **{**quiet, part: rms}), seed=2)
        x, _ = sim.generate(n)
        sd = x.std(axis=0, dtype=np.float64)
        np.testing.assert_allclose(sim.noise_std(), sd, rtol=1e-6)
        np.testing.assert_allclose(sim.noise_std_expected, rms)
        if part == "hash_rms_uv":  # compound Poisson: σ by Campbell's theorem, not a spectrum
            np.testing.assert_allclose(sd, rms, rtol=0.05)
            continue
        np.testing.assert_allclose(sd, rms, rtol=0.03)
        f, p = signal.welch(x, fs=FS, nperseg=2**15, axis=0)
        band = (f > 20) & (f < 2000)
        slope = np.polyfit(np.log10(f[band]), np.log10(p[band].mean(axis=1)), 1)[0]
        assert abs(slope - (-1.0 if part == "pink_rms_uv" else 0.0)) < 0.1, (part, slope)


def test_ziggurat_normals_are_standard_normal() -> None:
    words = np.random.default_rng(3).bit_generator.random_raw(1_000_000).view(np.uint32)
    x = standard_normal_from_raw(words, seed=99).astype(np.float64)
    assert abs(x.mean()) < 5 / np.sqrt(x.size)
    assert abs(x.var() - 1) < 5 * np.sqrt(2 / x.size)
    assert stats.kstest(x, "norm").pvalue > 1e-3
    # tails: frequency beyond 3.5 σ matches within 5 Poisson standard deviations
    expected = x.size * 2 * stats.norm.sf(3.5)
    assert abs(np.sum(np.abs(x) > 3.5) - expected) < 5 * np.sqrt(expected)
    # deterministic in words and seed
    assert np.array_equal(standard_normal_from_raw(words[:1000], 99), x[:1000].astype(np.float32))
