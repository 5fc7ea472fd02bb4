"""A sparse LIF network: 10 000 neurons, 1 000 000 synapses, 1 s at dt = 0.1 ms (prints only).

Network (drawn once, seeded, shared by every simulator through an .npz file):
  * 10 000 LIF neurons (8 000 excitatory, 2 000 inhibitory), the parameters of
    ``neurolink.models.LIF(tau_m=20, r_m=1, v_rest=0, v_reset=10, v_th=20, t_ref=2)``;
    a constant drive ``μ`` uniform in [18, 30] mV per neuron; ``V(0)`` uniform in [0, 20) mV;
  * every neuron has 100 outgoing synapses to random targets (1 000 000 in all), delta
    synapses ``V_post += J`` with J = +0.2 mV (excitatory) and −1.0 mV (inhibitory);
  * exact integration between steps, ``V ← μ + (V − μ) e^{−dt/τ}``, threshold ``V > V_th``,
    spikes delivered in the step they occur (after the threshold, before the reset, also to
    refractory neurons), reset and a 2 ms refractory hold — Brian2's default schedule.

Simulators, each in its own process (so peak memory is its own):
  * ``neurolink``: CSR by presynaptic neuron, a numba kernel that touches only the rows of the
    neurons that spiked (event-driven), spikes recorded to a preallocated buffer;
  * Brian2 in runtime mode (``cython`` and ``numpy`` code-generation targets), same network via
    ``Synapses.connect(i=..., j=...)``, with a ``SpikeMonitor``. Brian2 runs in the interpreter
    given by ``--brian-python`` (default: this one); if it cannot be imported there, the reason
    is printed. (brian2 2.9.0 does not import with numpy >= 2.4: it wraps ``ndarray.ptp``,
    which numpy 2.4 removed; a separate venv with numpy 2.3 works.)

Figures: wall time of 1 s of model time (and compile/setup separately), spikes, mean rate,
synaptic events per second, peak RSS (``getrusage``) and, for neurolink, the tracemalloc peak.

Run: ``.venv/bin/python benchmarks/models_lif_network.py [--brian-python /path/to/python]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np

N, N_EXC, FAN_OUT = 10_000, 8_000, 100
T_MS, DT = 1000.0, 0.1
TAU, V_TH, V_RESET, T_REF = 20.0, 20.0, 10.0, 2.0  # ms, mV, mV, ms
J_EXC, J_INH = 0.2, -1.0  # mV
SEED = 20240601


def build_network(path: Path) -> None:
    """Draw the network and save it (pre, post, w in mV, mu in mV, v0 in mV)."""
    rng = np.random.default_rng(SEED)
    pre = np.repeat(np.arange(N, dtype=np.int32), FAN_OUT)
    post = rng.integers(0, N, size=pre.size, dtype=np.int32)
    w = np.where(pre < N_EXC, J_EXC, J_INH)
    mu = rng.uniform(18.0, 30.0, N)
    v0 = rng.uniform(0.0, V_TH, N)
    np.savez(path, pre=pre, post=post, w=w, mu=mu, v0=v0)


def peak_rss_mib() -> float:
    """Peak resident set size of this process (MiB; ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child_neurolink(path: Path) -> dict:
    import tracemalloc

    from numba import njit

    from neurolink.models import LIF

    lif = LIF(tau_m=TAU, r_m=1.0, v_rest=0.0, v_reset=V_RESET, v_th=V_TH, t_ref=T_REF)

    @njit(nogil=True, cache=False)
    def run(v, mu, decay, v_th, v_reset, ref_steps, indptr, post, w, n_steps, out_step, out_neuron):
        n = v.size
        ref = np.zeros(n, np.int32)
        fired = np.empty(n, np.int64)
        count = 0
        for k in range(n_steps):
            ns = 0
            for i in range(n):  # exact exponential step, threshold
                if ref[i] > 0:
                    ref[i] -= 1
                else:
                    v[i] = mu[i] + (v[i] - mu[i]) * decay
                    if v[i] > v_th:
                        fired[ns] = i
                        ns += 1
            for s in range(ns):  # event-driven delivery: only the rows of spiking neurons
                i = fired[s]
                for p in range(indptr[i], indptr[i + 1]):
                    v[post[p]] += w[p]
            for s in range(ns):  # reset and refractory hold
                i = fired[s]
                v[i] = v_reset
                ref[i] = ref_steps
                if count < out_step.size:
                    out_step[count] = k
                    out_neuron[count] = i
                count += 1
        return count

    data = np.load(path)
    base_rss = peak_rss_mib()
    tracemalloc.start()
    t0 = time.perf_counter()
    order = np.argsort(data["pre"], kind="stable")
    post = np.ascontiguousarray(data["post"][order])
    w = np.ascontiguousarray(data["w"][order])
    indptr = np.zeros(N + 1, np.int64)
    np.cumsum(np.bincount(data["pre"], minlength=N), out=indptr[1:])
    t_build = time.perf_counter() - t0
    mu = data["mu"] * 1.0  # r_m I in mV (r_m = 1 MΩ, I in nA)
    decay = float(np.exp(-DT / lif.tau_m))  # LIF's exact step between spikes
    # Brian2's refractoriness: integration resumes in the step round(t_ref/dt) after the
    # spike's step, i.e. round(t_ref/dt) − 1 steps are skipped.
    ref_steps = round(lif.t_ref / DT) - 1
    n_steps = round(T_MS / DT)
    out_step = np.empty(2_000_000, np.int32)
    out_neuron = np.empty(2_000_000, np.int32)

    t0 = time.perf_counter()  # compile on a throw-away copy (one step)
    run(
        data["v0"].copy(),
        mu,
        decay,
        lif.v_th,
        lif.v_reset,
        ref_steps,
        indptr,
        post,
        w,
        1,
        out_step[:1].copy(),
        out_neuron[:1].copy(),
    )
    t_compile = time.perf_counter() - t0
    rss_compiled = peak_rss_mib()

    v = data["v0"].copy()
    t0 = time.perf_counter()
    count = run(
        v,
        mu,
        decay,
        lif.v_th,
        lif.v_reset,
        ref_steps,
        indptr,
        post,
        w,
        n_steps,
        out_step,
        out_neuron,
    )
    wall = time.perf_counter() - t0
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    isolated = float(np.mean(lif.analytic_rate(mu)))
    return {
        "name": "neurolink (numba, CSR event-driven)",
        "setup_s": t_build,
        "compile_s": t_compile,
        "run_s": wall,
        "spikes": int(count),
        "events": int(np.sum(np.diff(indptr)[out_neuron[: min(count, out_neuron.size)]])),
        "peak_rss_mib": peak_rss_mib(),
        "rss_over_baseline_mib": peak_rss_mib() - base_rss,
        "rss_run_mib": peak_rss_mib() - rss_compiled,
        "tracemalloc_peak_mib": traced_peak / 2**20,
        "isolated_rate_hz": isolated,
    }


def child_brian(path: Path, target: str) -> dict:
    import brian2 as b2

    b2.prefs.codegen.target = target
    b2.defaultclock.dt = DT * b2.ms
    data = np.load(path)
    base_rss = peak_rss_mib()
    t0 = time.perf_counter()
    eqs = "dv/dt = (mu - v) / tau : volt (unless refractory)\nmu : volt"
    group = b2.NeuronGroup(
        N,
        eqs,
        threshold="v > v_th",
        reset="v = v_reset",
        refractory=T_REF * b2.ms,
        method="exact",
        namespace={"tau": TAU * b2.ms, "v_th": V_TH * b2.mV, "v_reset": V_RESET * b2.mV},
    )
    group.v = data["v0"] * b2.mV
    group.mu = data["mu"] * b2.mV
    syn = b2.Synapses(group, group, "w : volt", on_pre="v_post += w")
    syn.connect(i=data["pre"], j=data["post"])
    syn.w = data["w"] * b2.mV
    mon = b2.SpikeMonitor(group)
    net = b2.Network(group, syn, mon)
    t_setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    net.run(T_MS * b2.ms)
    first = time.perf_counter() - t0  # includes code generation and compilation
    spikes = int(mon.num_spikes)
    events = int(np.sum(np.bincount(data["pre"], minlength=N)[np.asarray(mon.i)]))
    t0 = time.perf_counter()
    net.run(T_MS * b2.ms)  # a second model second with everything compiled
    second = time.perf_counter() - t0
    return {
        "name": f"Brian2 {b2.__version__} runtime ({target})",
        "setup_s": t_setup,
        "run_s": second,
        "first_run_s": first,
        "spikes": spikes,
        "events": events,
        "spikes_second_s": int(mon.num_spikes) - spikes,
        "peak_rss_mib": peak_rss_mib(),
        "rss_over_baseline_mib": peak_rss_mib() - base_rss,
    }


def run_child(python: str, args: list[str]) -> tuple[dict | None, str]:
    proc = subprocess.run(
        [python, __file__, *args],
        capture_output=True,
        text=True,
        timeout=3600,
        env=os.environ | {"PYTHONPATH": str(Path(__file__).parents[1])},
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line), ""
    err = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    return None, err[-1] if err else f"exit code {proc.returncode}, no output"


def report(r: dict) -> None:
    rate = r["spikes"] / N / (T_MS * 1e-3)
    print(f"\n{r['name']}")
    print(f"  setup (network construction)      {r['setup_s']:7.2f} s")
    if "compile_s" in r:
        print(f"  numba compilation                 {r['compile_s']:7.2f} s")
    else:
        print(
            f"  first model second, incl. code generation/compilation {r['first_run_s']:.2f} s "
            "(compiled code is cached on disk after the first ever run)"
        )
    print(f"  1 s of model time (10 000 steps)  {r['run_s']:7.2f} s wall")
    print(
        f"  spikes {r['spikes']:,} → mean rate {rate:.1f} Hz; synaptic events "
        f"{r['events']:,} ({r['events'] / r['run_s'] / 1e6:.1f} M/s of wall time)"
    )
    print(
        f"  peak RSS {r['peak_rss_mib']:.0f} MiB (+{r['rss_over_baseline_mib']:.0f} MiB over the "
        "process after imports and loading the network)"
    )
    if "tracemalloc_peak_mib" in r:
        print(
            f"  of which the simulation after compilation: +{r['rss_run_mib']:.0f} MiB; "
            f"tracemalloc peak {r['tracemalloc_peak_mib']:.0f} MiB (CSR + state + spike buffers)"
        )
        print(f"  isolated-neuron mean rate (LIF.analytic_rate) {r['isolated_rate_hz']:.1f} Hz")
    else:
        print(f"  second model second: {r['spikes_second_s']:,} spikes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--brian-python",
        default=sys.executable,
        help="interpreter that has brian2 (default: this one)",
    )
    parser.add_argument("--brian-targets", default="cython,numpy")
    parser.add_argument("--child", choices=["neurolink", "brian"], help=argparse.SUPPRESS)
    parser.add_argument("--network", help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "neurolink":
        print(json.dumps(child_neurolink(Path(args.network))))
        return
    if args.child == "brian":
        print(json.dumps(child_brian(Path(args.network), args.target)))
        return

    print(f"LIF network: {N:,} neurons, {N * FAN_OUT:,} synapses, {T_MS:g} ms at dt = {DT} ms")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "network.npz"
        build_network(path)
        result, why = run_child(sys.executable, ["--child", "neurolink", "--network", str(path)])
        if result is None:
            print(f"\nneurolink run failed: {why}")
        else:
            report(result)
        for target in filter(None, args.brian_targets.split(",")):
            result, why = run_child(
                args.brian_python, ["--child", "brian", "--network", str(path), "--target", target]
            )
            if result is None:
                print(f"\nBrian2 ({target}) could not be run with {args.brian_python}: {why}")
            else:
                report(result)


if __name__ == "__main__":
    main()
