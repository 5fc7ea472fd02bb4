"""A compiled decoder on the emulated board, stepped in batches over the real pty: the board's
spikes equal the ``fixed`` backend's at every step (pipelined and synchronous batches, across a
reset with a batch in flight), and a board lost mid-run fails the next read-out loudly."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pytest

from neurolink.decode import BayesianDecoder
from neurolink.hal.drivers import NeuroboardDriver
from neurolink.hal.emulate import Emulator
from neurolink.hal.errors import DeviceError
from neurolink.snn import compile_decoder, make_backend
from tests.snn._compile_data import chip_reaching

K = 5  # steps per batch


@pytest.fixture(scope="module")
def compiled():
    """The demo's Bayesian decoder (25 × 25 grid, continuity prior) fitted on 40 s of simulated
    reaching and compiled: 625 neurons, ~0.45 M synapses."""
    train = chip_reaching(40.0, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dec = BayesianDecoder(bin_s=0.02, grid_shape=25, prior="continuity")
        dec.fit(train.bins.astype(np.float64), train.vel)
    return compile_decoder(dec)


@pytest.fixture(scope="module")
def held_out() -> np.ndarray:
    """Input rows of 2 s of held-out spikes, bool (2000, 96): a channel spiked in the step."""
    return chip_reaching(2.0, seed=2).steps > 0


@pytest.fixture(scope="module")
def expected(compiled, held_out) -> np.ndarray:
    """The ``fixed`` backend's output spikes, bool (2000, n_neurons), one step at a time."""
    fixed = make_backend("fixed")
    fixed.load(compiled.spec)
    pop = compiled.readout.population
    return np.array([fixed.step({"spikes": r})[pop].copy() for r in held_out])


@pytest.fixture(scope="module")
def board(compiled) -> Iterator[NeuroboardDriver]:
    with Emulator("neuroboard") as emu, NeuroboardDriver(emu.port) as drv:
        drv.load(compiled.spec)
        yield drv


def _first_difference(expected: np.ndarray, got: np.ndarray) -> str:
    t, i = (int(x) for x in np.argwhere(expected != got)[0])
    return f"step {t + 1}, neuron {i}: fixed {expected[t, i]}, board {got[t, i]}"


def test_the_network_is_the_size_the_task_names(compiled) -> None:
    spec = compiled.spec
    n_syn = sum(np.count_nonzero(c.weights) for c in spec.connections)
    assert compiled.neurons == 625 and 400_000 < n_syn < 1_000_000
    assert spec.size_of("spikes") == 96


def test_pipelined_batches_are_bit_exact_with_fixed_at_every_step(
    board, compiled, held_out, expected
) -> None:
    board.reset()
    pop = compiled.readout.population
    got: list[np.ndarray] = []
    rows = [{"spikes": r} for r in held_out]
    for a in range(0, len(rows), K):
        board.submit(rows[a : a + K])
        if a:  # one batch in flight: read the previous one
            got += [o[pop] for o in board.collect()]
    got += [o[pop] for o in board.collect()]
    got_arr = np.array(got)
    assert got_arr.shape == expected.shape
    assert np.array_equal(got_arr, expected), _first_difference(expected, got_arr)
    assert expected.sum() > 100  # the readout spikes: a difference could show
    assert board.t == len(rows)
    # every batch went as one NEURO_STEP_BATCH frame of K steps
    assert [n for _, n in list(board.batch_rtt)[-len(rows) // K :]] == [K] * (len(rows) // K)


def test_synchronous_batches_and_a_reset_with_a_batch_in_flight(
    board, compiled, held_out, expected
) -> None:
    pop = compiled.readout.population
    rows = [{"spikes": r} for r in held_out]
    board.reset()
    board.submit(rows[:K])
    board.submit(rows[K : 2 * K])
    board.reset()  # both batches run, their spikes are forgotten, the state is initial
    with pytest.raises(DeviceError, match="no batch in flight"):
        board.collect()  # the reset forgot them
    got = [o[pop] for o in board.step_batch(rows[:300])]  # 3 frames of 100 (max_steps)
    assert np.array_equal(np.array(got), expected[:300])
    # single steps and batches interleave on one step count
    assert np.array_equal(board.step(rows[300])[pop], expected[300])
    got = [o[pop] for o in board.step_batch(rows[301:320])]
    assert np.array_equal(np.array(got), expected[301:320])


def test_a_board_lost_mid_run_fails_the_next_read_out_loudly(compiled, held_out) -> None:
    rows = [{"spikes": r} for r in held_out[: 3 * K]]
    with Emulator("neuroboard") as emu:
        drv = NeuroboardDriver(emu.port, timeout=0.1, retries=1)
        with drv:
            drv.load(compiled.spec)
            drv.submit(rows[:K])
            assert len(drv.collect()) == K
            emu.stop()
            with pytest.raises(DeviceError):  # the write, or the wait for its reply
                drv.submit(rows[K : 2 * K])
                drv.collect()
            assert drv.link.lost is not None and drv.estop.latched
            with pytest.raises(DeviceError):
                drv.submit(rows[2 * K :])


def test_a_step_wider_than_a_frame_runs_through_neuro_step_pieces(board, compiled) -> None:
    """A plain network whose one port has 1,200 axons, all spiking at the second step."""
    doc = {
        "populations": [{"name": "out", "size": 3, "du": 4095, "dv": 4095, "vth": 100}],
        "inputs": [{"name": "in", "size": 1200}],
        "connections": [
            {"pre": "in", "post": "out", "synapses": [[i, i % 3, 1] for i in range(1200)]}
        ],
    }
    board.load_network(doc)
    try:
        full, none = np.ones(1200, bool), np.zeros(1200, bool)
        sent = len(board.batch_rtt)
        out = board.step_batch([{"in": none}, {"in": full}, {"in": none}, {"in": none}])
        # by hand: the 1,200 axons of step 2 reach u at step 3, 400 of weight 1 per neuron:
        # u = 400 << 6 = 25,600, v = 25,600 > vth << 6 = 6,400: all three spike at step 3 only
        # (du = dv = 4095: the current lasts one step and v is reset by the spike)
        assert [o["out"].tolist() for o in out] == [[False] * 3] * 2 + [[True] * 3] + [[False] * 3]
        # step 1 in a batch; step 2 in NEURO_STEP pieces (2 402 bytes of indices); 3-4 a batch
        assert [n for _, n in list(board.batch_rtt)[sent:]] == [1, 2]
        assert board.t == 4
    finally:
        board.load(compiled.spec)
