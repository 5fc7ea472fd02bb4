"""Every port type through LSL and back (:mod:`neurolink.loop.stages.lsl_ports`), exact at sample
indices beyond float32's 2²⁴; nodes stepped on received messages compute what they compute in
one process; stage selections that cannot run alone are refused with the reason."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pytest

from neurolink.errors import ConfigError, StreamMismatchError
from neurolink.loop.core.ports import Port, Vector
from neurolink.loop.core.tick import Tick
from neurolink.loop.nodes.bin import Bins
from neurolink.loop.nodes.detect import Events
from neurolink.loop.nodes.relay import SNNNode
from neurolink.loop.session.config import config_from_dict
from neurolink.loop.stages.graph import parse_stage, plan_stage
from neurolink.loop.stages.inlet import Message, PortInlet
from neurolink.loop.stages.io import PortOutlet, UpstreamError
from neurolink.loop.stages.lsl_ports import PortMeta, join_index, split_index
from neurolink.snn import make_backend
from neurolink.streams.events import SPIKE_DTYPE
from neurolink.streams.lsl_outlet import BlockOutlet

FS = 30_000.0
BIG = 5 * (1 << 24) + 12345  # sample indices that float32 alone could not carry
CH = ("a", "b", "c")


def _send_and_read(
    name: str, meta: PortMeta, steps, *, failed: bool = False, max_samples: int = 600
) -> list[tuple]:
    """Send ``(value, first, stop, t_last)`` steps, then END (ABORT); what the inlet reads,
    as ``(message fields, a copy of the value)``."""
    outlet = PortOutlet(name, meta)
    inlet = PortInlet(
        name, port=meta.port, node=meta.node, resolve_timeout=10.0, max_samples=max_samples
    )
    inlet.open()
    assert outlet.wait_for_consumers(10.0)
    tick = Tick(rate=FS, stream="raw")
    for value, first, stop, t in steps:
        tick.set(first, stop, t)
        outlet.send(value, tick)
    ender = threading.Thread(
        target=outlet.finish, args=(tick.stop_index,), kwargs={"failed": failed}
    )
    ender.start()
    got, deadline = [], time.monotonic() + 10
    try:
        while not inlet.ended and time.monotonic() < deadline:
            m = inlet.read(0.05)
            if m is not None:
                got.append((m, _copy(m.value)))
    finally:
        inlet.close()
        ender.join()
    assert inlet.ended
    return got


def _copy(v):
    if isinstance(v, Vector):
        return (v.fresh, v.index, v.value.copy())
    if isinstance(v, Bins):
        return (v.counts.copy(), v.edges.copy())
    if isinstance(v, Events):
        return (v.spikes.copy(), v.complete_until)
    return v.copy() if isinstance(v, np.ndarray) else v


def test_index_halves_are_exact_in_float32_and_int32() -> None:
    idx = np.array([0, 1, (1 << 24) - 1, 1 << 24, BIG, (1 << 46) + 7])
    hi, lo = split_index(idx)
    for dtype in (np.float32, np.int32):
        assert np.array_equal(join_index(hi.astype(dtype), lo.astype(dtype)), idx)
    assert join_index(*split_index(-1)) == -1


def test_samples_and_events_keep_every_value_and_index(unique_name) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(0, 50, (90, 3)).astype(np.float32)
    meta = PortMeta(Port.SAMPLES, "hp", "raw", FS, CH)
    got = _send_and_read(
        unique_name, meta, [(x[:60], BIG, BIG + 60, 1.0), (x[60:], BIG + 60, BIG + 90, 1.001)]
    )
    assert [(m.first_index, m.stop_index, m.fresh) for m, _ in got] == [
        (BIG, BIG + 60, True),
        (BIG + 60, BIG + 90, True),
    ]
    np.testing.assert_array_equal(np.concatenate([v for _, v in got]), x)

    sp = np.zeros(3, SPIKE_DTYPE)
    sp["sample_index"], sp["channel"] = [BIG + 3, BIG + 9, BIG + 40], [2, 0, 1]
    sp["amplitude"], sp["unit"] = [-81.25, -40.5, -33.0], [-1, 4, -1]
    meta = PortMeta(Port.EVENTS, "spikes", "raw", FS, CH)
    steps = [
        (Events(sp, BIG + 50, 3), BIG, BIG + 60, 2.0),
        (Events(sp[:0], BIG + 80, 3), BIG + 60, BIG + 90, 2.1),
    ]
    got = _send_and_read(unique_name + "-e", meta, steps)
    (s1, c1), (s2, c2) = (v for _, v in got)
    assert np.array_equal(s1, sp) and c1 == BIG + 50
    assert s2.shape == (0,) and c2 == BIG + 80


def test_a_backlog_of_samples_longer_than_the_inlet_buffer_comes_back_whole(unique_name) -> None:
    # 14 500 rows queued before the first read: the inlet (4 096 rows at first) compacts and
    # grows while it reads, and the 6 000-row message is longer than its whole buffer
    sizes = [1, 29, 30, 1500, 6000, 7, 3000, 2048, 1885]
    x = np.random.default_rng(3).normal(0, 50, (sum(sizes), 3)).astype(np.float32)
    bounds = list(itertools.pairwise((BIG + np.cumsum([0, *sizes])).tolist()))
    steps = [(x[a - BIG : b - BIG], a, b, 5.0 + i * 1e-3) for i, (a, b) in enumerate(bounds)]
    meta = PortMeta(Port.SAMPLES, "hp", "raw", FS, CH)
    got = _send_and_read(unique_name, meta, steps, max_samples=6000)
    assert [(m.first_index, m.stop_index) for m, _ in got] == bounds
    np.testing.assert_array_equal(np.concatenate([v for _, v in got]), x)


def test_counts_are_sent_per_bin_and_the_gaps_between_become_idle_steps(unique_name) -> None:
    meta = PortMeta(Port.COUNTS, "counts", "raw", FS, CH, width=600)
    edges = BIG + 600 * np.arange(4)
    c = np.arange(9, dtype=np.int32).reshape(3, 3)
    steps = [
        (Bins(c[:2], edges[:3]), BIG + 1190, BIG + 1220, 3.0),
        (Bins(c[:0], edges[2:3]), BIG + 1220, BIG + 1250, 3.001),  # nothing: not sent
        (Bins(c[2:], edges[2:]), BIG + 2390, BIG + 2420, 3.04),
    ]
    got = _send_and_read(unique_name, meta, steps)
    ticks = [(m.first_index - BIG, m.stop_index - BIG, m.fresh) for m, _ in got]
    assert ticks == [
        (1190, 1220, True),
        (1220, 1820, False),
        (1820, 2390, False),
        (2390, 2420, True),
    ]
    (c1, e1), (c3, e3) = got[0][1], got[3][1]
    assert np.array_equal(c1, c[:2]) and np.array_equal(e1, edges[:3])
    assert np.array_equal(c3, c[2:]) and np.array_equal(e3, edges[2:])
    assert all(v[0].shape == (0, 3) for _, v in got[1:3])
    assert got[0][0].t_origin == pytest.approx(3.0, abs=1e-3)  # the origin time, clock-corrected


def test_a_spiking_network_fed_over_lsl_steps_as_in_one_process(unique_name) -> None:
    """Vectors (fresh in some blocks only) → SNN: the EMPTY rows keep every tick."""
    rng = np.random.default_rng(1)
    labels = ("vx", "vy")
    here = SNNNode("chip", make_backend("fixed"), labels, FS)
    there = SNNNode("chip", make_backend("fixed"), labels, FS)
    v, tick, steps, expected = Vector.zeros(labels), Tick(rate=FS), [], []
    for k in range(120):
        v.fresh = k % 7 == 3
        if v.fresh:
            v.value[:] = rng.uniform(-1, 1, 2)
            v.index = 30 * k + 29
        steps.append((Vector(v.value.copy(), v.fresh, v.index, labels), 30 * k, 30 * k + 30, k))
        tick.set(30 * k, 30 * k + 30, float(k))
        out = here.step(v, tick)
        expected.append((out.fresh, out.value.copy(), here.last_spikes.copy()))
    meta = PortMeta(Port.STATE, "decoder", "raw", FS, CH, labels)
    got = _send_and_read(unique_name, meta, steps)
    assert len(got) == 120 and sum(m.fresh for m, _ in got) == sum(s[0].fresh for s in steps)
    for (m, (fresh, index, value)), want in zip(got, expected, strict=True):
        tick.set(m.first_index, m.stop_index, m.t_origin)
        out = there.step(Vector(value, fresh, index, labels), tick)
        assert out.fresh == want[0] and np.array_equal(out.value, want[1])
        assert np.array_equal(there.last_spikes, want[2])


def test_spikes_and_decisions_round_trip(unique_name) -> None:
    raster = np.zeros((3, 2), bool)
    raster[1, 0] = raster[2, 1] = True
    meta = PortMeta(Port.SPIKES, "bursts", "raw", FS, CH, ("n0", "n1"))
    got = _send_and_read(unique_name, meta, [(raster, 0, 90, 1.0), (raster[:0], 90, 120, 1.1)])
    assert np.array_equal(got[0][1], raster) and got[1][1].shape == (0, 2)
    assert [m.fresh for m, _ in got] == [True, False]
    meta = PortMeta(Port.DECISION, "wta", "raw", FS, CH)
    got = _send_and_read(unique_name + "-d", meta, [(-1, 0, 30, 1.0), (2, 30, 60, 1.1)])
    assert [v for _, v in got] == [-1, 2]


def test_an_upstream_failure_and_a_wrong_stream_are_reported(unique_name) -> None:
    meta = PortMeta(Port.DECISION, "wta", "raw", FS, CH)
    with pytest.raises(UpstreamError, match="stopped on an error"):
        _send_and_read(unique_name, meta, [(1, 0, 30, 1.0)], failed=True)
    with PortOutlet(unique_name + "-x", meta):
        inlet = PortInlet(unique_name + "-x", port=Port.COUNTS, resolve_timeout=10.0)
        with pytest.raises(StreamMismatchError, match=r"carries decision .*expected counts"):
            inlet.open()
    with BlockOutlet(unique_name + "-raw", "EEG", CH, FS, unique_name + "-raw"):
        with pytest.raises(StreamMismatchError, match="not the output of a neurolink node"):
            PortInlet(unique_name + "-raw", resolve_timeout=10.0).open()
    with pytest.raises(StreamMismatchError, match="commands, which cannot go on a stream"):
        PortOutlet(unique_name + "-c", PortMeta(Port.COMMANDS, "velocity", "raw", FS, CH))


LOOP = {
    "source": {"kind": "simulated"},
    "loop": {
        "nodes": [
            {"name": "hp", "kind": "filter"},
            {"name": "spikes", "kind": "detect"},
            {"name": "counts", "kind": "bin"},
            {"name": "decoder", "kind": "decode", "decode": {"method": "wiener"}},
            {"name": "chip", "kind": "snn"},
            {"name": "velocity", "kind": "velocity"},
            {"name": "bursts", "kind": "burst", "input": "spikes"},
        ],
        "sinks": [{"name": "arm", "device": "prosthesis", "input": "velocity"}],
        "task": {"prosthesis": "arm"},
    },
}


def test_stage_selections_that_cannot_run_alone_are_refused() -> None:
    loop = config_from_dict(LOOP).loop
    assert parse_stage("hp..counts", loop) == ("hp", "spikes", "counts")
    assert parse_stage(["counts,hp", "spikes"], loop) == ("hp", "spikes", "counts")
    plan = plan_stage(loop, ("counts", "bursts"), "bursts")
    assert (plan.entry, plan.entry_port, plan.output_port) == ("spikes", Port.EVENTS, Port.SPIKES)
    with pytest.raises(ConfigError, match=r"no node 'decode' in \[loop\]; nodes: hp, spikes"):
        parse_stage("decode", loop)
    with pytest.raises(ConfigError, match=r"reads one stream, these nodes read 'decoder', 'hp'"):
        plan_stage(loop, ("spikes", "chip"))
    with pytest.raises(ConfigError, match=r"'velocity' .* drives no device"):
        plan_stage(loop, ("chip", "velocity"))
    with pytest.raises(ConfigError, match="'decoder' has no model file"):
        plan_stage(loop, ("decoder",))
    with pytest.raises(ConfigError, match="--node 'hp' is not in the stage"):
        plan_stage(loop, ("chip",), "hp")


def test_message_is_a_plain_record() -> None:
    m = Message(0, 30, 1.0, 1.001, None, False)
    assert (m.stop_index - m.first_index, m.fresh) == (30, False)
