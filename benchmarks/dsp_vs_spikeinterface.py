"""Benchmark: neurolink's spike detection beside SpikeInterface's ``locally_exclusive``, one run.

SpikeInterface is not a dependency of neurolink: it lives in this benchmark's own environment,
a venv with neurolink installed beside it (same numpy/numba/scipy as the project's venv)::

    python -m venv /tmp/nl-si-venv
    /tmp/nl-si-venv/bin/pip install numpy==2.4.6 numba==0.68.1 scipy==1.17.1 spikeinterface
    /tmp/nl-si-venv/bin/pip install --no-deps -e .
    OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \\
        /tmp/nl-si-venv/bin/python benchmarks/dsp_vs_spikeinterface.py [--seconds 60] [--repeat 7]

The recording is SpikeInterface's ``generate_ground_truth_recording`` (32 channels on a
two-column probe at 20 µm pitch, 30 kHz, 60 s, 20 units, noise 5 µV), held in memory so that
neither side pays for generating it. Like for like: no filter (the traces are the detector's
input), the same noise levels (SpikeInterface's ``get_noise_levels``, MAD / 0.6745, given to
both), threshold 5 × noise, negative peaks, 1 ms exclusion, radius 50 µm, one job and one numba
thread. neurolink keeps its own peak rule (largest sample of its channel within -1.5/+1 ms and of
its neighbours within ±1 ms; SpikeInterface: a local minimum not beaten by a larger neighbouring
peak within ±1 ms).

Rows: SpikeInterface ``detect_peaks(method="locally_exclusive")`` in 1 s chunks and in the
blocks of the streaming rows; neurolink's offline path (:func:`neurolink.dsp.detect_spikes`,
``band=None``) with the noise fixed (like for like) and with the loop's running noise tracker
(``noise_tau_s`` = 10 s, its default); and its streaming path (a
:class:`~neurolink.dsp.LocallyExclusiveDetector` fed 1 ms blocks, the closed loop's, and 10 ms
blocks; ``--block-ms``), fixed and tracked. Speed is × real time (recording duration / wall
time), the median over ``--repeat`` runs taken in turn (min–max beside it); "vs SI" divides a
neurolink row's speed by SpikeInterface's in the same chunks (1 s for the offline rows).
Accuracy is scored with :mod:`neurolink.dsp.evaluate` (±0.4 ms around each true spike's trough,
detections on channels within 50 µm of the unit's best channel, one to one) for units with
SNR >= 5 (template trough on the best channel / its noise). Figures only; nothing is asserted.
To time another checkout's neurolink against the same SpikeInterface run, put it first on the
path: ``PYTHONPATH=/path/to/checkout python benchmarks/dsp_vs_spikeinterface.py``.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

import neurolink  # noqa: E402
from neurolink.dsp import detect_spikes, make_detector  # noqa: E402
from neurolink.dsp.evaluate import score_detection, unit_neighbourhoods  # noqa: E402
from neurolink.streams.events import SPIKE_DTYPE  # noqa: E402

try:
    import spikeinterface
    from spikeinterface.core import generate_ground_truth_recording, get_noise_levels
    from spikeinterface.sortingcomponents.peak_detection import detect_peaks
except ImportError as err:  # pragma: no cover - environment message
    raise SystemExit(
        f"SpikeInterface is not installed in this environment ({err}); see the top of {__file__}"
    ) from None

FS = 30_000.0
N_CHANNELS = 32
THRESHOLD = 5.0
RADIUS_UM = 50.0
EXCLUDE_MS = 1.0
TOL = round(0.4e-3 * FS)
SNR_MIN = 5.0
BLOCK = 30  # 1 ms


def make_recording(seconds: float, n_units: int, seed: int):
    """Ground-truth recording in memory, its traces (float32, C order), sorting and positions."""
    rec, sorting = generate_ground_truth_recording(
        durations=[seconds],
        sampling_frequency=FS,
        num_channels=N_CHANNELS,
        num_units=n_units,
        noise_kwargs={"noise_levels": 5.0, "strategy": "tile_pregenerated"},
        seed=seed,
    )
    rec = rec.save(format="memory", n_jobs=1, progress_bar=False)
    traces = np.ascontiguousarray(rec.get_traces(), dtype=np.float32)
    return rec, traces, sorting, rec.get_channel_locations()[:, :2].astype(np.float64)


def ground_truth(sorting, traces: np.ndarray, noise: np.ndarray) -> dict[str, np.ndarray]:
    """True spikes (SPIKE_DTYPE), and per unit: mean waveform trough per channel, best channel,
    SNR and the lag of the trough after the reported spike time."""
    vec = sorting.to_spike_vector()
    truth = np.zeros(vec.size, SPIKE_DTYPE)
    truth["sample_index"] = vec["sample_index"]
    truth["unit"] = vec["unit_index"]
    truth["channel"] = -1
    pre, post = round(1e-3 * FS), round(2e-3 * FS)
    n_units = len(sorting.unit_ids)
    trough = np.zeros((n_units, traces.shape[1]))
    lag = np.zeros(n_units, np.int64)
    best = np.zeros(n_units, np.int64)
    for u in range(n_units):
        t = vec["sample_index"][vec["unit_index"] == u]
        t = t[(t >= pre) & (t < len(traces) - post)]
        mean = traces[t[:, None] + np.arange(-pre, post)].mean(axis=0)  # (pre + post, n_ch)
        trough[u] = -mean.min(axis=0)
        best[u] = int(np.argmax(trough[u]))
        lag[u] = int(np.argmin(mean[:, best[u]])) - pre
    snr = trough[np.arange(n_units), best] / noise[best]
    return {"truth": truth, "trough": trough, "best": best, "lag": lag, "snr": snr}


def run_spikeinterface(rec, noise: np.ndarray, chunk: int = int(FS)) -> np.ndarray:
    """SpikeInterface's locally exclusive peaks in ``chunk``-sample chunks, as SPIKE_DTYPE."""
    peaks = detect_peaks(
        rec,
        method="locally_exclusive",
        method_kwargs={
            "peak_sign": "neg",
            "detect_threshold": THRESHOLD,
            "exclude_sweep_ms": EXCLUDE_MS,
            "radius_um": RADIUS_UM,
            "noise_levels": noise,
        },
        job_kwargs={"n_jobs": 1, "chunk_size": chunk, "progress_bar": False},
    )
    out = np.zeros(peaks.size, SPIKE_DTYPE)
    out["sample_index"] = peaks["sample_index"]
    out["channel"] = peaks["channel_index"]
    out["amplitude"] = peaks["amplitude"]
    out["unit"] = -1
    return out


def _params(noise: np.ndarray, positions: np.ndarray, tracked: bool) -> dict:
    return {
        "threshold": THRESHOLD,
        "sign": "neg",
        "dead_time_ms": EXCLUDE_MS,
        "noise": noise,
        "noise_tau_s": 10.0 if tracked else None,
        "positions": positions,
        "radius_um": RADIUS_UM,
    }


def run_offline(
    traces: np.ndarray, noise: np.ndarray, pos: np.ndarray, tracked: bool
) -> np.ndarray:
    """neurolink's offline path, no filter."""
    return detect_spikes(
        traces, FS, band=None, method="locally_exclusive", **_params(noise, pos, tracked)
    )


def run_streaming(
    traces: np.ndarray, noise: np.ndarray, pos: np.ndarray, tracked: bool, block: int = BLOCK
) -> np.ndarray:
    """neurolink's streaming detector fed ``block``-sample blocks (1 ms: the closed loop's).

    The spikes of the blocks that have some are joined as bytes: ``np.concatenate`` of 60 000
    structured arrays costs ~3.7 µs per array, as much as detecting a 1 ms block, and is no
    part of the detector.
    """
    det = make_detector("locally_exclusive", traces.shape[1], FS, **_params(noise, pos, tracked))
    out = []
    for i in range(0, len(traces), block):
        s = det.step(traces[i : i + block])
        if s.size:
            out.append(s.tobytes())
    return np.frombuffer(b"".join(out), SPIKE_DTYPE)


def score(spikes: np.ndarray, gt: dict[str, np.ndarray], pos: np.ndarray, n: int) -> str:
    """Recall and precision of the SNR >= 5 units, overall precision, detections."""
    hood = unit_neighbourhoods(gt["best"], pos, RADIUS_UM)
    margin = round(5e-3 * FS)
    s = score_detection(
        spikes, gt["truth"], neighbourhood=hood, amplitude=gt["trough"], tol_samples=TOL,
        lag=gt["lag"], start=margin, stop=n - margin,
    )  # fmt: skip
    good = gt["snr"] >= SNR_MIN
    return f"{s.recall(good):8.3f} {s.precision(good):8.3f} {s.precision():9.3f} {len(spikes):8d}"


def main() -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--units", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--block-ms", type=float, nargs="+", default=[1.0, 10.0])
    args = ap.parse_args()
    load0 = os.getloadavg()
    rec, traces, sorting, pos = make_recording(args.seconds, args.units, args.seed)
    noise = get_noise_levels(
        rec, return_in_uV=False, method="mad", random_slices_kwargs={"seed": args.seed}
    ).astype(np.float64)
    gt = ground_truth(sorting, traces, noise)
    n = len(traces)
    dur = n / FS
    # name -> (run, name of the SpikeInterface row it is compared with)
    runs: dict[str, tuple[Callable[[], np.ndarray], str]] = {
        "SpikeInterface, 1 s chunks": (lambda: run_spikeinterface(rec, noise), ""),
        "neurolink offline, noise fixed": (
            lambda: run_offline(traces, noise, pos, False),
            "SpikeInterface, 1 s chunks",
        ),
        "neurolink offline, noise tracked": (
            lambda: run_offline(traces, noise, pos, True),
            "SpikeInterface, 1 s chunks",
        ),
    }
    for ms in args.block_ms:
        b = round(ms * 1e-3 * FS)
        si = f"SpikeInterface, {ms:g} ms chunks"
        runs[si] = (lambda b=b: run_spikeinterface(rec, noise, b), "")
        for tracked in (False, True):
            runs[f"neurolink streaming {ms:g} ms, {'tracked' if tracked else 'fixed'}"] = (
                lambda b=b, tr=tracked: run_streaming(traces, noise, pos, tr, b),
                si,
            )
    # warm up every path (numba compilation) on a short slice
    short = traces[: int(FS)]
    run_offline(short, noise, pos, False)
    run_offline(short, noise, pos, True)
    run_streaming(short, noise, pos, True)
    run_spikeinterface(rec.frame_slice(0, int(FS)), noise)
    times: dict[str, list[float]] = {k: [] for k in runs}
    results: dict[str, np.ndarray] = {}
    for _ in range(args.repeat):  # in turn, so that load changes hit every row alike
        for name, (fn, _) in runs.items():
            t0 = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - t0)
    load1 = os.getloadavg()

    print(
        f"detection vs SpikeInterface {spikeinterface.__version__}: {N_CHANNELS} ch, "
        f"{FS / 1e3:g} kHz, {dur:g} s, {args.units} units "
        f"({int((gt['snr'] >= SNR_MIN).sum())} with SNR >= {SNR_MIN:g}), seed {args.seed}; "
        f"threshold {THRESHOLD:g}, radius {RADIUS_UM:g} µm, no filter, one thread; "
        f"{args.repeat} runs each"
    )
    print(f"neurolink from {os.path.dirname(os.path.dirname(neurolink.__file__))}")
    print(
        f"load average before {load0[0]:.2f} {load0[1]:.2f}, after {load1[0]:.2f} {load1[1]:.2f} "
        f"({os.cpu_count()} CPUs)"
    )
    speed = {k: dur / float(np.median(v)) for k, v in times.items()}
    print(
        f"{'':36s} {'x real time':>12s} {'(min-max)':>15s} {'vs SI':>6s} "
        f"{'recall':>8s} {'prec.':>8s} {'prec.all':>9s} {'spikes':>8s}"
    )
    for name, (_, si) in runs.items():
        sp = dur / np.array(times[name])
        ratio = f"{speed[name] / speed[si]:6.2f}" if si else f"{'':6s}"
        print(
            f"{name:36s} {speed[name]:12.0f} {f'({sp.min():.0f}-{sp.max():.0f})':>15s} "
            f"{ratio} {score(results[name], gt, pos, n)}"
        )
    for kind in ("fixed", "tracked"):
        ref = results[f"neurolink offline, noise {kind}"]
        same = all(np.array_equal(ref, v) for k, v in results.items() if k.endswith(kind))
        print(f"offline and streaming spikes identical (noise {kind}): {same}")


if __name__ == "__main__":
    main()
