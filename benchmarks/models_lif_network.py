"""A sparse LIF network: 10 000 neurons, 1 000 000 synapses, 1 s at dt = 0.1 ms (prints only).

neurolink is measured through its public API, ``neurolink.models.networks.SpikingNetwork`` with
two ``LIFPopulation`` s and ``SparseConnectivity.from_edges`` built from the same edge list that
Brian2 gets; Brian2 is given the model that ``SpikingNetwork`` simulates.

Network (drawn once, seeded, shared by every simulator through an .npz file):
  * 10 000 LIF neurons, ``exc`` (8 000) and ``inh`` (2 000): ``τ_m = 20 ms``, ``r_m = 1 MΩ``,
    ``V_rest = 0``, ``V_reset = 10 mV``, ``V_th = 20 mV``, ``t_ref = 2 ms``; a constant drive
    ``μ`` uniform in [18, 30] mV (nA × 1 MΩ) per neuron; every neuron starts at rest
    (``SpikingNetwork.simulate`` always does);
  * every neuron has 100 outgoing synapses to random targets (1 000 000 in all, repeats and
    autapses allowed); current-based exponential synapses ``τ_syn di/dt = −i`` with
    ``τ_syn = 5 ms``, a spike adding ``w`` = +0.8 nA (excitatory) or −4.0 nA (inhibitory), the
    same charge per spike as delta synapses of +0.2 / −1.0 mV (``w = J τ_m / τ_syn``).

The scheme of ``SpikingNetwork`` (per step): ``V ← V∞ + (V − V∞) e^{−dt/τ_m}`` with
``V∞ = V_rest + r_m (μ + i)`` and ``i`` held over the step (skipped while refractory), spike at
``V >= V_th``, reset and ``round(t_ref/dt)`` = 20 skipped steps, ``i ← i e^{−dt/τ_syn}``, then
the spikes of the step are added to ``i`` (felt from the next step: one step of delay).
Brian2 runs exactly this: ``method="exponential_euler"`` (which freezes ``i`` in ``dV/dt`` and
decays ``i`` exactly, both from the values at the start of the step), ``V >= V_th``,
``on_pre="i_post += w"`` with no delay (delivered in the ``synapses`` slot, after the state
update), and ``refractory = 2.1 ms``: Brian2 integrates again ``timestep(refractory)`` steps after
the spike step, i.e. skips ``timestep(refractory) − 1`` steps, so 2.1 ms gives the 20 of
neurolink's 2 ms. The rasters are compared spike by spike: with the same model they agree
exactly until floating-point differences in the update formulas flip a threshold crossing,
after which the (chaotic) network diverges; rates stay the same.

Simulators, each in a fresh process (so peak RSS is its own); a second fresh process per
simulator repeats setup and one run under ``tracemalloc`` (kept out of the timed process, whose
Python code it would slow down):
  * ``neurolink``: ``SpikingNetwork.simulate`` (a numba kernel, CSR by presynaptic neuron,
    event-driven). Its numba cache goes to a fresh directory, so the first run compiles;
  * Brian2 in runtime mode (``cython`` and ``numpy`` code-generation targets), with a
    ``SpikeMonitor``; the Cython cache goes to a fresh directory, so code is compiled. Brian2 runs
    in the interpreter given by ``--brian-python`` (default: this one); if it cannot be imported
    there, the reason is printed. (brian2 2.9.0 does not import with numpy >= 2.4: it wraps
    ``ndarray.ptp``, which numpy 2.4 removed; a separate venv with numpy 2.3 works:
    ``python3 -m venv /tmp/brian-venv && /tmp/brian-venv/bin/pip install brian2 'numpy<2.4'``.)

Figures: setup (network construction), wall time of the first 1 s of model time (including
code generation / JIT compilation) and of a second, compiled one (neurolink: the same model
second again; Brian2: the next model second, as ``Network.run`` continues), spikes and mean
rate, synaptic events per second, peak RSS (``getrusage``), and the tracemalloc peak of the
build and a run plus the numpy arrays still alive at its end.

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
TAU_M, V_REST, V_TH, V_RESET, T_REF = 20.0, 0.0, 20.0, 10.0, 2.0  # ms, mV, mV, mV, ms
R_M = 1.0  # MΩ: drive and weights in nA are mV
TAU_SYN = 5.0  # ms
J_EXC, J_INH = 0.2, -1.0  # mV, the delta-synapse jumps of the same charge
W_EXC, W_INH = J_EXC * TAU_M / TAU_SYN, J_INH * TAU_M / TAU_SYN  # nA
REF_STEPS = round(T_REF / DT)  # steps SpikingNetwork skips after a spike
BRIAN_REFRACTORY_MS = (REF_STEPS + 1) * DT  # Brian2 skips timestep(refractory) - 1 steps
SEED = 20240601
NUMPY_DOMAIN = np.lib.tracemalloc_domain  # tracemalloc domain of numpy's array data


def build_network(path: Path) -> None:
    """Draw the network and save it (pre, post, w in nA, mu in nA)."""
    rng = np.random.default_rng(SEED)
    pre = np.repeat(np.arange(N, dtype=np.int32), FAN_OUT)
    post = rng.integers(0, N, size=pre.size, dtype=np.int32)
    w = np.where(pre < N_EXC, W_EXC, W_INH)
    mu = rng.uniform(18.0, 30.0, N)
    np.savez(path, pre=pre, post=post, w=w, mu=mu)


def peak_rss_mib() -> float:
    """Peak resident set size of this process (MiB; ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def start_trace() -> None:
    import tracemalloc

    tracemalloc.start()


def stop_trace() -> dict:
    """tracemalloc peak (all allocations) and the numpy array data alive now, in MiB."""
    import tracemalloc

    _, peak = tracemalloc.get_traced_memory()
    snap = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.DomainFilter(inclusive=True, domain=NUMPY_DOMAIN)]
    )
    alive = sum(stat.size for stat in snap.statistics("filename"))
    tracemalloc.stop()
    return {"trace_peak_mib": peak / 2**20, "trace_numpy_end_mib": alive / 2**20}


def child_neurolink(path: Path, spikes_out: Path | None, trace: bool) -> dict:
    from neurolink.models.networks import LIFPopulation, SparseConnectivity, SpikingNetwork

    if trace:
        start_trace()
    base_rss = peak_rss_mib()
    t0 = time.perf_counter()
    data = np.load(path)
    pre, post, w, mu = data["pre"], data["post"], data["w"], data["mu"]
    lif = {"tau_m": TAU_M, "v_rest": V_REST, "v_reset": V_RESET, "v_th": V_TH}
    pops = [
        LIFPopulation(N_EXC, "exc", t_ref=T_REF, r_m=R_M, **lif),
        LIFPopulation(N - N_EXC, "inh", t_ref=T_REF, r_m=R_M, **lif),
    ]
    net = SpikingNetwork(pops, tau_syn=TAU_SYN)
    for a in ("exc", "inh"):
        for b in ("exc", "inh"):
            sa, sb = net.slices[a], net.slices[b]
            keep = (pre >= sa.start) & (pre < sa.stop) & (post >= sb.start) & (post < sb.stop)
            conn = SparseConnectivity.from_edges(
                pre[keep] - sa.start,
                post[keep] - sb.start,
                w[keep],
                sa.stop - sa.start,
                sb.stop - sb.start,
            )
            net.connect(a, b, conn)
    merged = net.connectivity()  # built (and cached) here, not in the first simulate
    assert merged.n_synapses == pre.size
    drive = {"exc": mu[:N_EXC], "inh": mu[N_EXC:]}
    t_setup = time.perf_counter() - t0
    rss_setup = peak_rss_mib()

    t0 = time.perf_counter()
    first = net.simulate(T_MS, DT, drive)  # compiles the kernel (fresh NUMBA_CACHE_DIR)
    t_first = time.perf_counter() - t0
    if trace:
        return {"name": "neurolink", **stop_trace()}
    rss_first = peak_rss_mib()

    t0 = time.perf_counter()
    result = net.simulate(T_MS, DT, drive)
    wall = time.perf_counter() - t0
    assert np.array_equal(first.neurons, result.neurons)
    steps = np.round(result.times / DT).astype(np.int64) - 1  # spike in step s → (s+1)·dt
    if spikes_out is not None:
        np.savez(spikes_out, step=steps, neuron=result.neurons)
    out_degree = np.diff(merged.indptr)
    csr_mib = (merged.indptr.nbytes + merged.indices.nbytes + merged.weights.nbytes) / 2**20
    return {
        "name": "neurolink SpikingNetwork (numba kernel, CSR event-driven)",
        "setup_s": t_setup,
        "first_run_s": t_first,
        "run_s": wall,
        "spikes": int(result.neurons.size),
        "events": int(out_degree[result.neurons].sum()),
        "rss_mib": [base_rss, rss_setup, rss_first, peak_rss_mib()],
        "csr_mib": csr_mib,
    }


def child_brian(
    path: Path, target: str, cache_dir: Path, spikes_out: Path | None, trace: bool
) -> dict:
    import brian2 as b2

    b2.prefs.codegen.target = target
    b2.prefs.codegen.runtime.cython.cache_dir = str(cache_dir)
    b2.defaultclock.dt = DT * b2.ms
    if trace:
        start_trace()
    base_rss = peak_rss_mib()
    t0 = time.perf_counter()
    data = np.load(path)
    eqs = """
    dv/dt = (v_rest + mu + i_syn - v) / tau_m : volt (unless refractory)
    di_syn/dt = -i_syn / tau_syn : volt
    mu : volt (constant)
    """
    group = b2.NeuronGroup(
        N,
        eqs,
        threshold="v >= v_th",
        reset="v = v_reset",
        refractory=BRIAN_REFRACTORY_MS * b2.ms,
        method="exponential_euler",
        namespace={
            "tau_m": TAU_M * b2.ms,
            "tau_syn": TAU_SYN * b2.ms,
            "v_rest": V_REST * b2.mV,
            "v_th": V_TH * b2.mV,
            "v_reset": V_RESET * b2.mV,
        },
    )
    group.v = V_REST * b2.mV
    group.mu = R_M * data["mu"] * b2.mV
    syn = b2.Synapses(group, group, "w : volt", on_pre="i_syn_post += w")
    syn.connect(i=data["pre"], j=data["post"])
    syn.w = R_M * data["w"] * b2.mV
    mon = b2.SpikeMonitor(group)
    net = b2.Network(group, syn, mon)
    t_setup = time.perf_counter() - t0
    rss_setup = peak_rss_mib()
    t0 = time.perf_counter()
    net.run(T_MS * b2.ms)
    first = time.perf_counter() - t0  # includes code generation and compilation
    if trace:
        return {"name": f"Brian2 ({target})", **stop_trace()}
    spikes = int(mon.num_spikes)
    neurons = np.asarray(mon.i)
    steps = np.round(np.asarray(mon.t) / (DT * 1e-3)).astype(np.int64)  # t = step·dt
    if spikes_out is not None:
        np.savez(spikes_out, step=steps, neuron=neurons)
    events = int(np.bincount(data["pre"], minlength=N)[neurons].sum())
    rss_first = peak_rss_mib()
    t0 = time.perf_counter()
    net.run(T_MS * b2.ms)  # a second model second with everything compiled
    second = time.perf_counter() - t0
    return {
        "name": f"Brian2 {b2.__version__} runtime ({target})",
        "setup_s": t_setup,
        "first_run_s": first,
        "run_s": second,
        "spikes": spikes,
        "events": events,
        "spikes_second_s": int(mon.num_spikes) - spikes,
        "rss_mib": [base_rss, rss_setup, rss_first, peak_rss_mib()],
    }


def run_child(python: str, args: list[str], env: dict[str, str]) -> tuple[dict | None, str]:
    proc = subprocess.run(
        [python, __file__, *args],
        capture_output=True,
        text=True,
        timeout=3600,
        env=os.environ | {"PYTHONPATH": str(Path(__file__).parents[1])} | env,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line), ""
    err = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    return None, err[-1] if err else f"exit code {proc.returncode}, no output"


def compare_rasters(a: Path, b: Path) -> str:
    """Where two rasters (spike step, neuron) first differ."""
    ra, rb = np.load(a), np.load(b)
    ka = np.sort(ra["step"] * N + ra["neuron"])
    kb = np.sort(rb["step"] * N + rb["neuron"])
    m = min(ka.size, kb.size)
    diff = np.flatnonzero(ka[:m] != kb[:m])
    if diff.size == 0 and ka.size == kb.size:
        return "identical rasters (every spike in the same step)"
    k = int(diff[0]) if diff.size else m
    step = int(min(ka[k] if k < ka.size else np.inf, kb[k] if k < kb.size else np.inf) // N)
    return (
        f"rasters identical for the first {k:,} spikes, up to step {step:,} "
        f"(t = {step * DT:.1f} ms), then they diverge"
    )


def report(r: dict, trace: dict | None, same: str | None) -> None:
    rate = r["spikes"] / N / (T_MS * 1e-3)
    print(f"\n{r['name']}")
    print(f"  setup (network construction)                 {r['setup_s']:7.2f} s")
    print(f"  first 1 s of model time, incl. codegen/JIT   {r['first_run_s']:7.2f} s wall")
    print(
        f"  setup + first 1 s (from the edge list)       "
        f"{r['setup_s'] + r['first_run_s']:7.2f} s wall"
    )
    print(f"  1 s of model time, compiled (10 000 steps)   {r['run_s']:7.2f} s wall")
    print(
        f"  spikes in the first second {r['spikes']:,} → mean rate {rate:.2f} Hz; synaptic "
        f"events {r['events']:,} ({r['events'] / r['run_s'] / 1e6:.1f} M/s of compiled wall time)"
    )
    if "spikes_second_s" in r:
        print(
            f"  the compiled run is model second 2: {r['spikes_second_s']:,} spikes "
            f"({r['spikes_second_s'] / N:.2f} Hz)"
        )
    if same:
        print(f"  vs neurolink: {same}")
    base, setup, first, peak = r["rss_mib"]
    print(
        f"  peak RSS {peak:.0f} MiB; the peak was {base:.0f} MiB after imports, {setup:.0f} MiB "
        f"after setup, {first:.0f} MiB after the first run (+{peak - base:.0f} MiB over imports)"
    )
    if trace is not None:
        print(
            f"  tracemalloc (separate process, setup + one 1 s run): peak "
            f"{trace['trace_peak_mib']:.1f} MiB; numpy arrays alive at the end "
            f"{trace['trace_numpy_end_mib']:.1f} MiB"
        )
    if "csr_mib" in r:
        print(f"  merged CSR table (indptr + indices + weights) {r['csr_mib']:.1f} MiB")


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
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--spikes", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    spikes = Path(args.spikes) if args.spikes else None
    if args.child == "neurolink":
        print(json.dumps(child_neurolink(Path(args.network), spikes, args.trace)))
        return
    if args.child == "brian":
        result = child_brian(Path(args.network), args.target, Path(args.cache), spikes, args.trace)
        print(json.dumps(result))
        return

    print(
        f"LIF network: {N:,} neurons ({N_EXC:,} exc, {N - N_EXC:,} inh), {N * FAN_OUT:,} "
        f"synapses (exponential, τ_syn = {TAU_SYN:g} ms, w = {W_EXC:g} / {W_INH:g} nA), "
        f"{T_MS:g} ms at dt = {DT} ms; one thread each"
    )
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        path = tmp / "network.npz"
        build_network(path)
        common = ["--network", str(path)]
        ours = tmp / "spikes-neurolink.npz"
        numba_env = {"NUMBA_CACHE_DIR": str(tmp / "numba-cache")}  # empty: the kernel compiles
        result, why = run_child(
            sys.executable, ["--child", "neurolink", *common, "--spikes", str(ours)], numba_env
        )
        if result is None:
            print(f"\nneurolink run failed: {why}")
        else:
            trace, _ = run_child(
                sys.executable, ["--child", "neurolink", *common, "--trace"], numba_env
            )
            report(result, trace, None)
        for target in filter(None, args.brian_targets.split(",")):
            theirs = tmp / f"spikes-brian-{target}.npz"
            brian = [*common, "--target", target, "--cache", str(tmp / f"cython-{target}")]
            result, why = run_child(
                args.brian_python, ["--child", "brian", *brian, "--spikes", str(theirs)], {}
            )
            if result is None:
                print(f"\nBrian2 ({target}) could not be run with {args.brian_python}: {why}")
                continue
            trace, _ = run_child(args.brian_python, ["--child", "brian", *brian, "--trace"], {})
            same = compare_rasters(ours, theirs) if ours.exists() else None
            report(result, trace, same)


if __name__ == "__main__":
    main()
