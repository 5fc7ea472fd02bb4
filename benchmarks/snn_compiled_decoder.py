"""Decoders compiled onto the chip: neurons vs accuracy, speed of ``fixed``, energy, weight bits.

Data: the simulated cortex (96 channels, 60 units) during center-out reaches, spikes per 1 ms
chip step; the float Kalman filter (velocity, steady state) fitted on 3 minutes of 20 ms bins;
figures on the next ``--test-s`` seconds. Prints:

1. neurons vs accuracy: held-out R² to the velocity (float and compiled) and the normalised rms
   difference to the float output, for 256 … 4096 neurons (4096 does not fit Loihi's synapse
   memory with dense 8-bit weights: it is run on ``fixed`` and reported as not fitting);
2. ``fixed`` µs per 1 ms step (median of the run over the test data, and of single ``step``
   calls);
3. energy per second of decoding (µJ/s) and chip time per step from firmware_sim's counters,
   beside the host CPU time per second of data of the float decoder;
4. a quantization sweep: error vs weight bits (1024 neurons);
5. the Bayesian decoder (20 × 20 grid, continuity prior): median error, float vs compiled.

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/snn_compiled_decoder.py [--test-s 30]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np

from neurolink.decode import BayesianDecoder, KalmanDecoder, r2_score
from neurolink.snn import compile_decoder
from tests.snn._compile_data import BIN_STEPS, chip_reaching

CAL = 9000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--test-s", type=float, default=30.0)
    args = ap.parse_args()
    n_test = round(args.test_s * 1000 / BIN_STEPS)
    d = chip_reaching(180.0 + args.test_s + 1, seed=0)
    held = slice(CAL, CAL + n_test)
    steps = d.steps[CAL * BIN_STEPS : (CAL + n_test) * BIN_STEPS]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kf = KalmanDecoder(kinematics="velocity", steady_state=True).fit(d.bins[:CAL], d.vel[:CAL])
    t0 = time.process_time()
    ref = kf.predict(d.bins[held])
    host_cpu = (time.process_time() - t0) / args.test_s
    r2_float = float(r2_score(d.vel[held], ref).mean())
    print(f"data: simulated cortex, held-out {args.test_s:.0f} s ({steps.shape[0]} steps of 1 ms)")
    print(
        f"float Kalman (velocity): held-out R² {r2_float:.3f}; host CPU {host_cpu * 1e3:.3f} ms "
        f"per second of data"
    )
    print(
        "\nneurons  fits  cores  R²(chip)  R²(vs float)  nRMS(vs float)  fixed µs/step(run)  "
        "energy µJ/s  chip µs/step"
    )
    for n in (256, 512, 1024, 2048, 4096):
        opts = {"max_neurons": n}
        try:
            cd = compile_decoder(kf, **opts)
        except Exception as e:
            print(f"{n:7d}  no    -      ({e})"[:140])
            continue
        rep = cd.report(steps, cost_steps=200)
        r2 = float(r2_score(d.vel[held], cd.at_bin_ends(cd.run(steps))[:n_test]).mean())
        print(
            f"{n:7d}  {'yes' if rep['fits'] else 'no':4s}  {rep['cores']!s:5s}  {r2:8.3f}  "
            f"{rep['r2_vs_float']:12.3f}  {rep['nrmse_vs_float']:14.3f}  "
            f"{rep['fixed_us_per_step']:18.1f}  {rep['energy_uj_per_s'] or 0:11.0f}  "
            f"{rep['time_us_per_step'] or 0:12.2f}"
        )
        if n == 2048:
            cd.reset()
            times = []
            for s in steps[:3000]:
                t = time.perf_counter()
                cd.step(s)
                times.append(time.perf_counter() - t)
            print(
                f"         2048 neurons, single step() calls: median "
                f"{np.median(times) * 1e6:.1f} µs, p99 {np.percentile(times, 99) * 1e6:.1f} µs"
            )
    print("\nquantization sweep (1024 neurons): weight bits vs error")
    print("bits  weight error (input, recurrent)  R²(vs float)  nRMS(vs float)")
    for bits in (8, 7, 6, 5, 4, 3):
        cd = compile_decoder(kf, max_neurons=1024, num_weight_bits=bits)
        a = cd.agreement(steps)
        we = cd.weight_errors
        print(
            f"{bits:4d}  {we['input']:.3f}, {we['recurrent']:.3f}{'':17s}  "
            f"{a['r2_vs_float']:12.3f}  {a['nrmse_vs_float']:14.3f}"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bd = BayesianDecoder(prior="continuity", estimate="map", grid_shape=20).fit(
            d.bins[:CAL], d.vel[:CAL]
        )
    e_f = np.median(np.linalg.norm(bd.predict(d.bins[held]) - d.vel[held], axis=1))
    cb = compile_decoder(bd)
    out = cb.at_bin_ends(cb.run(steps))[:n_test]
    e_c = np.median(np.linalg.norm(out - d.vel[held], axis=1))
    rep = cb.report(steps, cost_steps=200)
    print(
        f"\nBayesian 20×20 grid, continuity prior: median error float {e_f:.3f}, compiled "
        f"{e_c:.3f} ({e_c / e_f:.2f}×); {rep['neurons']} neurons, {rep['cores']} cores, "
        f"{rep['energy_uj_per_s']:.0f} µJ/s, fixed {rep['fixed_us_per_step']:.1f} µs/step"
    )


if __name__ == "__main__":
    main()
