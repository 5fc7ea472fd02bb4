"""The stream fixtures and the run factory, on real parts: LSL, BrainFlow, a whole loop."""

from __future__ import annotations

import tomllib

import pytest

from neurolink.testing import assert_charge_balanced, assert_latency, assert_within_limits
from tests.conftest import REPO


@pytest.mark.subject(seed=4, channels=8)
def test_simulated_subject_streams_the_channels_asked_for(simulated_subject):
    source = simulated_subject.source()
    try:
        assert len(source.channels) == 8
        block = source.read()
        while block is None or len(block.timestamps) == 0:
            block = source.read()
        assert block.data.shape[1] == 8
    finally:
        source.close()
    assert simulated_subject.seed == 4


def test_synthetic_board_streams(synthetic_board):
    block = None
    while block is None or len(block.timestamps) == 0:
        block = synthetic_board.read()
    assert block.data.shape[1] == len(synthetic_board.channels) > 0


@pytest.mark.parametrize("ack", ["async", "sync"])  # the default: test_demo_e2e.py
def test_run_config_drives_the_stimulator_the_test_holds(emulated_stimulator, run_config, ack):
    with (REPO / "examples" / "responsive_stim.toml").open("rb") as f:
        config = tomllib.load(f)
    config["loop"]["sinks"][0]["ack"] = ack  # [[loop.sinks]] ack: how the engine waits for replies
    for node in config["loop"]["nodes"]:  # bursts of 2 coincident spikes: trains every 100 ms
        if node["name"] == "bursts":
            node["burst"]["n_coincident"] = 2
        if node["name"] == "trains":
            node["stim"]["refractory_ms"] = 100.0
    result = run_config(config, 3.0, devices=[emulated_stimulator])
    assert len(result.records["stimulator"].of_type("STIM")) > 0, result.summary
    sink = result.summary["sinks"]["stimulator"]
    assert sink["url"] == emulated_stimulator.port
    assert sink["ack"] == ack
    records = result.records["stimulator"]
    stims = records.of_type("STIM")
    assert len(stims) == sink["acked"] + sink["nacked"]
    assert_charge_balanced(records)
    assert_within_limits(records, emulated_stimulator.profile)
    assert result.recording is not None and result.recording.exists()
    with pytest.raises(AssertionError, match=r"commands latency .* median .* > 0 ms"):
        assert_latency(result.summary, median_ms=0.0)
