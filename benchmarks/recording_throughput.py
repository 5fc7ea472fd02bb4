"""Benchmark: the session recorder writing 96 ch × 30 kHz float32 in 1 ms blocks, flat out.

Writes ``--seconds`` of data (default 10 s) as fast as possible and prints, for two flush clocks:

* ``data``: the flush clock advances 1 ms per block, so flushes come every 0.5 s *of data*, as
  they would in a real-time session (each flush writes ~5.9 MB);
* ``wall``: the host clock (flushes every 0.5 s of wall time or at 16 MiB pending).

Figures: MB/s (file bytes over the whole run, close included), × real time, µs per ``write``
call (median, p99, max over all calls, and the median of calls that did not flush), and the
flush cost (count, median and max ms, MB/s while flushing). Nothing is asserted. Run::

    python benchmarks/recording_throughput.py [--seconds 10] [--dir /tmp] [--verify]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from neurolink.clock import now
from neurolink.loop.recording import SessionRecorder, raw_layout, read_session

FS = 30_000.0
BLOCK = 30  # 1 ms
N_CH = 96


def run(
    directory: Path, seconds: float, flush_clock: str, interval: float, verify: bool
) -> dict[str, float]:
    """Record ``seconds`` of synthetic data; return the figures."""
    n_blocks = int(seconds * FS) // BLOCK
    rng = np.random.default_rng(0)
    pool = rng.normal(0.0, 10.0, (BLOCK * 1000, N_CH)).astype(np.float32)  # 1 s, reused
    path = directory / f"bench-{flush_clock}.xdf"
    data_t = [0.0]
    clock = (lambda: data_t[0]) if flush_clock == "data" else now
    rec = SessionRecorder(
        path, {"config": {}}, flush_interval=interval, overwrite=True, clock=clock
    )
    h = rec.add_layout("raw", raw_layout([f"ch{i}" for i in range(N_CH)], FS), "bench-raw")
    per_call = np.empty(n_blocks, dtype=np.int64)
    flushed = np.zeros(n_blocks, dtype=bool)
    stamps = np.arange(BLOCK) / FS
    pc = time.perf_counter_ns
    t_start = time.perf_counter()
    for j in range(n_blocks):
        k = (j % 1000) * BLOCK
        block = pool[k : k + BLOCK]
        ts = 1000.0 + j * (BLOCK / FS) + stamps
        data_t[0] = j * (BLOCK / FS)
        n_before = rec.stats.n_flushes
        t0 = pc()
        rec.write(h, block, ts)
        per_call[j] = pc() - t0
        flushed[j] = rec.stats.n_flushes != n_before
    rec.close()
    total = time.perf_counter() - t_start
    size = path.stat().st_size
    flush_s = np.array(rec.stats.flush_seconds[1:])  # the first wrote the stream header only
    flush_mb = (size / max(len(flush_s), 1)) / 1e6
    figures = {
        "mb_s": size / total / 1e6,
        "x_realtime": seconds / total,
        "median_us": float(np.median(per_call) / 1e3),
        "p99_us": float(np.percentile(per_call, 99) / 1e3),
        "max_us": float(per_call.max() / 1e3),
        "median_noflush_us": float(np.median(per_call[~flushed]) / 1e3),
        "n_flush": float(len(flush_s)),
        "flush_med_ms": float(np.median(flush_s) * 1e3) if len(flush_s) else 0.0,
        "flush_max_ms": float(flush_s.max() * 1e3) if len(flush_s) else 0.0,
        "flush_mb_s": float(flush_mb / np.median(flush_s)) if len(flush_s) else 0.0,
        "file_mb": size / 1e6,
    }
    if verify:
        t0 = time.perf_counter()
        sess = read_session(path)
        raw = sess["raw"]
        assert len(raw) == n_blocks * BLOCK, len(raw)
        want = np.concatenate([pool] * (n_blocks // 1000 + 1))[: len(raw)]
        assert np.array_equal(raw.data, want)
        figures["read_s"] = time.perf_counter() - t0
    path.unlink()
    path.with_suffix(".json").unlink()
    return figures


COLUMNS = [  # (header, key, format)
    ("clock", "clock", ">6"),
    ("every s", "interval", ">7.2f"),
    ("MB/s", "mb_s", ">6.0f"),
    ("x RT", "x_realtime", ">5.1f"),
    ("med µs", "median_us", ">6.1f"),
    ("p99 µs", "p99_us", ">6.1f"),
    ("max µs", "max_us", ">7.0f"),
    ("med µs*", "median_noflush_us", ">7.1f"),
    ("flushes", "n_flush", ">7.0f"),
    ("flush med ms", "flush_med_ms", ">12.2f"),
    ("flush max ms", "flush_max_ms", ">12.2f"),
    ("flush MB/s", "flush_mb_s", ">10.0f"),
    ("file MB", "file_mb", ">7.1f"),
]


def main() -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--dir", type=Path, default=None, help="where to write (default: a tmp dir)")
    ap.add_argument("--verify", action="store_true", help="read back with pyxdf and compare")
    ap.add_argument("--flush-interval", type=float, nargs="*", default=[0.5, 0.1])
    args = ap.parse_args()
    print(
        f"recorder: {N_CH} ch × {FS:g} Hz float32, {BLOCK}-sample (1 ms) blocks, "
        f"{args.seconds:g} s of data"
    )
    widths = [int(fmt.strip(">").split(".")[0].rstrip("f")) for _, _, fmt in COLUMNS]
    print(" ".join(f"{h:>{w}}" for (h, _, _), w in zip(COLUMNS, widths, strict=True)))
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for interval in args.flush_interval:
            for flush_clock in ("data", "wall"):
                r: dict[str, object] = {"clock": flush_clock, "interval": interval}
                r.update(run(Path(tmp), args.seconds, flush_clock, interval, args.verify))
                line = " ".join(format(r[key], fmt) for _, key, fmt in COLUMNS)
                if "read_s" in r:
                    line += f"  (pyxdf read-back {r['read_s']:.1f} s, exact)"
                print(line)
    print("every s: flush interval; med µs*: median of the write calls that did not flush")
    print("MB = 1e6 bytes; flush MB/s = mean bytes per flush / median flush time")


if __name__ == "__main__":
    main()
