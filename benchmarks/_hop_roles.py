"""The processes of ``hop_1024.py``: a publisher, a plain-pylsl reader and a node stage.

Each role runs as ``python benchmarks/_hop_roles.py ROLE ...`` in its own process, prints
``ready`` once its stream is open, and writes what it measured to ``--out`` (``.npz``):

``publish``
    Pushes ``--channels`` float32 channels at ``--rate`` Hz in chunks of ``--chunk`` samples
    for ``--seconds`` after a ``go`` line on stdin, each chunk when its newest sample is due,
    stamped with the nominal sample times (as a device's sample clock would; LSL back-fills the
    chunk's other samples). Channel 0 carries the sample index. ``--plain`` uses a bare
    ``pylsl.StreamOutlet``, otherwise the project's
    :class:`~neurolink.streams.lsl_outlet.BlockOutlet`.
    Saves per chunk: ``nominal`` (the newest sample's stamp), ``t_push`` (host time just before
    the push call) and ``t_done`` (just after), in s.
``pull``
    A plain ``pylsl.StreamInlet`` (no neurolink) that waits inside liblsl for each full chunk
    (``pull_chunk(timeout, max_samples=chunk)`` into a preallocated array) and saves per chunk
    ``stamp`` (newest sample, host clock), ``t_recv`` and ``first`` (channel 0 of the first row).
``node``
    The stage of ``neurolink node`` (the same :func:`~neurolink.loop.stages.setup.open_node` and
    :meth:`~neurolink.loop.stages.process.NodeProcess.run` the CLI calls), then saves the
    per-message ``times`` (t_sample, t_received, t_out) and the summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pylsl


def publish(a: argparse.Namespace) -> None:
    """The ``publish`` role (module docstring)."""
    now = pylsl.local_clock  # the host clock (neurolink.clock.now is the same call)
    labels = [f"C{i}" for i in range(a.channels)]
    if a.plain:
        info = pylsl.StreamInfo(a.name, "EEG", a.channels, a.rate, "float32", a.name)
        outlet = pylsl.StreamOutlet(info, a.chunk)

        def push(x: np.ndarray, t: float) -> None:
            outlet.push_chunk(x, t)
    else:
        from neurolink.streams.lsl_outlet import BlockOutlet

        block = BlockOutlet(a.name, "EEG", labels, a.rate, source_id=a.name, chunk_size=a.chunk)
        push = block.push
    n_chunks = round(a.rate * a.seconds) // a.chunk
    data = np.random.default_rng(0).standard_normal((a.chunk, a.channels)).astype(np.float32)
    ramp = np.arange(a.chunk, dtype=np.float32)
    times = np.zeros((n_chunks, 3), np.float64)
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    cpu = time.process_time()
    t0 = now() + 0.005
    for k in range(n_chunks):
        i = k * a.chunk
        last = t0 + (i + a.chunk - 1) / a.rate
        while (wait := last - now()) > 0:
            time.sleep(min(wait, 0.0005))
        data[:, 0] = ramp + i
        t = now()
        push(data, last)
        times[k] = (last, t, now())
    cpu = (time.process_time() - cpu) / a.seconds
    np.savez(a.out, nominal=times[:, 0], t_push=times[:, 1], t_done=times[:, 2], cpu=cpu)
    print("done", flush=True)
    sys.stdin.readline()  # keep the outlet until told (the reader may still be draining)


def pull(a: argparse.Namespace) -> None:
    """The ``pull`` role (module docstring)."""
    (info,) = pylsl.resolve_byprop("source_id", a.name, 1, 30.0) or [None]
    if info is None:
        raise SystemExit(f"pull: no stream {a.name!r}")
    inlet = pylsl.StreamInlet(info, max_buflen=30, recover=False)
    inlet.open_stream(timeout=10.0)
    offset = inlet.time_correction(timeout=10.0)
    n_chunks = round(a.rate * a.seconds) // a.chunk
    buf = np.zeros((a.chunk, info.channel_count()), np.float32)
    out = np.zeros((n_chunks, 3), np.float64)
    print("ready", flush=True)
    k, cpu = 0, time.process_time()
    while k < n_chunks:
        _, ts = inlet.pull_chunk(timeout=5.0, max_samples=a.chunk, dest_obj=buf)
        t = pylsl.local_clock()
        if len(ts) == 0:
            break
        out[k] = (ts[-1] + offset, t, buf[0, 0])
        k += 1
    cpu = (time.process_time() - cpu) / a.seconds
    inlet.close_stream()
    np.savez(a.out, stamp=out[:k, 0], t_recv=out[:k, 1], first=out[:k, 2], cpu=cpu)


def node(a: argparse.Namespace) -> None:
    """The ``node`` role (module docstring)."""
    from neurolink.loop.session.config import load_config
    from neurolink.loop.stages.setup import open_node

    proc = open_node(
        load_config(a.config),
        a.stage,
        a.input,
        a.output,
        duration=a.seconds,
        wait_consumer=120.0,
        resolve_timeout=60.0,
        stall_timeout=a.stall_timeout,
        status_out=None,
    )
    print("ready", flush=True)
    cpu = time.process_time()
    if a.profile:
        import cProfile

        with cProfile.Profile(time.thread_time) as prof:  # CPU of this thread, no waits
            summary = proc.run()
        prof.dump_stats(a.profile)
    else:
        summary = proc.run()
    summary["cpu_s"] = time.process_time() - cpu
    np.save(a.out, proc.times)
    Path(a.out).with_suffix(".json").write_text(json.dumps(summary))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("role", choices=["publish", "pull", "node"])
    p.add_argument("--name", help="stream name and source id (publish, pull)")
    p.add_argument("--rate", type=float, default=30000.0)
    p.add_argument("--channels", type=int, default=1024)
    p.add_argument("--chunk", type=int, default=30)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--plain", action="store_true", help="publish with bare pylsl")
    p.add_argument("--config", help="node: TOML config")
    p.add_argument("--stage", help="node: the nodes to run")
    p.add_argument("--input", help="node: input stream")
    p.add_argument("--output", help="node: output stream")
    p.add_argument("--stall-timeout", type=float, default=60.0)
    p.add_argument("--profile", help="node: write a cProfile of the run here")
    p.add_argument("--out", required=True, help="where the measurements go")
    a = p.parse_args()
    {"publish": publish, "pull": pull, "node": node}[a.role](a)


if __name__ == "__main__":
    main()
