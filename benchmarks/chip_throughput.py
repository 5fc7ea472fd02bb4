"""Throughput of the chip emulator (firmware_sim): steps/s and synaptic events/s.

Cases (inputs are Bernoulli spike rasters fed through a host input port):

* dense 16 -> 100, 16 -> 1000 and 256 -> 4096, 10 % of input axons spiking per step;
* sparse: 10 000 input axons at ~10 Hz (1 ms steps: p = 0.01 per step) onto 10 000 neurons,
  100 random synapses per neuron.

Each case runs on one emulated core large enough to hold it (the emulator's per-core path),
then on the Loihi core size (1,024 neurons, 128 KB synapse memory) where it is split over
cores. A synaptic event is a synaptic op as the chip counts it (a non-zero synapse reached by
a spike). Prints figures; asserts nothing.

Run: ``python benchmarks/chip_throughput.py [--seconds 1.0]``
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from firmware_sim import LOIHI, Chip, LoihiProfile, MappingError

ONE_BIG_CORE = LOIHI.resized(
    n_cores=1,
    neurons_per_core=16_384,
    synapse_bits_per_core=1 << 40,
    axons_in_per_core=1 << 20,
    axons_out_per_core=1 << 20,
)


def dense_case(n_in: int, n_out: int, vth: int, rng: np.random.Generator) -> dict:
    """Input port -> one population through a dense random zero-mean 8-bit connection."""
    return {
        "populations": [{"name": "out", "size": n_out, "du": 410, "dv": 410, "vth": vth}],
        "inputs": [{"name": "in", "size": n_in}],
        "connections": [
            {"pre": "in", "post": "out", "weights": rng.integers(-128, 128, (n_out, n_in))}
        ],
    }


def sparse_case(n: int, fan_in: int, window: int | None, rng: np.random.Generator) -> dict:
    """Input port (n axons) -> n neurons, ``fan_in`` distinct synapses per neuron.

    Pre neurons are drawn from all ``n`` (``window=None``) or from ``window`` axons centred
    on the post neuron's index (local connectivity, which needs fewer input axons per core).
    """
    if window is None:
        pre = np.concatenate([rng.choice(n, fan_in, replace=False) for _ in range(n)])
    else:
        offsets = [rng.choice(window, fan_in, replace=False) - window // 2 for _ in range(n)]
        pre = (np.concatenate(offsets) + np.repeat(np.arange(n), fan_in)) % n
    post = np.repeat(np.arange(n), fan_in)
    w = rng.integers(-128, 128, n * fan_in)
    return {
        "populations": [{"name": "out", "size": n, "du": 410, "dv": 410, "vth": 1000}],
        "inputs": [{"name": "in", "size": n}],
        "connections": [{"pre": "in", "post": "out", "synapses": np.stack([pre, post, w], axis=1)}],
    }


def measure(net: dict, rate: float, profile: LoihiProfile, seconds: float) -> dict:
    """Load ``net`` on ``profile``, run about ``seconds`` of wall time, return figures."""
    rng = np.random.default_rng(1)
    chip = Chip(profile)
    try:
        placement = chip.load(net)
    except MappingError as exc:
        return {"refused": str(exc)}
    n_in = net["inputs"][0]["size"]
    chip.set_inputs("in", (rng.random((20, n_in)) < rate).astype(np.uint8))
    t0 = time.perf_counter()
    chip.step(20)  # warm up and estimate the step time
    per_step = (time.perf_counter() - t0) / 20
    n_steps = max(20, int(seconds / max(per_step, 1e-7)))
    chip.reset()
    chip.set_inputs("in", (rng.random((n_steps, n_in)) < rate).astype(np.uint8))
    t0 = time.perf_counter()
    chip.step(n_steps)
    wall = time.perf_counter() - t0
    c = chip.counters
    return {
        "cores": placement.cores_used,
        "steps_per_s": n_steps / wall,
        "synev_per_s": c.synaptic_ops / wall,
        "synev_per_step": c.synaptic_ops / n_steps,
        "spikes_per_step": c.spikes / n_steps,
        "chip_energy_per_step_j": c.energy_j / n_steps,
        "chip_time_per_step_s": c.time_s / n_steps,
    }


def main() -> None:
    """Run every case and print one line per (case, core size)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="wall time per case")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    cases = [
        ("dense 16->100, 10% input", dense_case(16, 100, 2000, rng), 0.10),
        ("dense 16->1000, 10% input", dense_case(16, 1000, 2000, rng), 0.10),
        ("dense 256->4096, 10% input", dense_case(256, 4096, 10000, rng), 0.10),
        ("sparse 10k x 100, 10 Hz, random", sparse_case(10_000, 100, None, rng), 0.01),
        ("sparse 10k x 100, 10 Hz, local", sparse_case(10_000, 100, 512, rng), 0.01),
    ]
    print(
        f"firmware_sim throughput on {platform.processor() or platform.machine()}, "
        f"numpy {np.__version__}"
    )
    header = (
        f"{'case':32s} {'core size':>9s} {'cores':>5s} {'steps/s':>10s} {'syn ev/s':>10s} "
        f"{'syn ev/step':>11s} {'spikes/step':>11s} {'Loihi E/step':>12s} {'Loihi t/step':>12s}"
    )
    print(header)
    for name, net, rate in cases:
        for label, profile in (("one core", ONE_BIG_CORE), ("loihi", LOIHI)):
            r = measure(net, rate, profile, args.seconds)
            if "refused" in r:
                print(f"{name:32s} {label:>9s} refused: {r['refused']}")
                continue
            print(
                f"{name:32s} {label:>9s} {r['cores']:5d} {r['steps_per_s']:10.0f} "
                f"{r['synev_per_s']:10.3g} {r['synev_per_step']:11.0f} "
                f"{r['spikes_per_step']:11.1f} {r['chip_energy_per_step_j'] * 1e9:9.2f} nJ "
                f"{r['chip_time_per_step_s'] * 1e6:9.2f} us"
            )


if __name__ == "__main__":
    main()
