"""The demo with the decoder compiled onto the chip (``--decoder-on fixed``): the closed loop is
solved through the chip's integer arithmetic, the host decoder runs in shadow and is recorded,
the summary says what the chip cost, and a replay reproduces the chip decoder's outputs."""

from __future__ import annotations

import pytest

from neurolink.loop.nodes.on_chip import agreement_r2
from neurolink.loop.recording import read_session
from neurolink.loop.replay.report import format_replay
from neurolink.loop.replay.run import replay
from neurolink.loop.report.chip import paired
from neurolink.loop.report.make import make_report
from neurolink.loop.report.streams import find_streams
from tests.loop.test_demo_e2e import assert_solved_against_controls, demo_on


@pytest.fixture(scope="module")
def on_chip(tmp_path_factory):
    path = tmp_path_factory.mktemp("chip") / "chip.xdf"
    return (*demo_on("fixed", path), path)


def test_the_task_is_solved_with_the_decoder_on_the_chip(on_chip) -> None:
    assert_solved_against_controls(*on_chip)


def test_the_summary_says_what_the_chip_cost_and_the_shadow_is_recorded(on_chip) -> None:
    _, summary, path = on_chip
    chip = summary["decoder_on_chip"]
    assert chip["node"] == "decoder" and chip["on"] == "fixed"
    assert chip["fits"] and chip["cores"] >= 1 and 0 < chip["neurons"] <= 2048
    assert chip["energy_uj_per_s"] > 0 and chip["step_us_median"] > 0
    # one chip step per ms of closed-loop data (12 s), give or take the last block
    assert abs(chip["steps"] - 12_000) < 50
    assert chip["r2_vs_host"] is not None and chip["r2_vs_host"] > 0.5
    rec = read_session(path)
    host, decoded = rec["decoded_host"], rec["decoded"]
    assert host.data.shape[0] == chip["bins_compared"] >= 550  # one per 20 ms bin
    # the chip's output is what drove the loop: a value for every block in which the chip
    # stepped (1 ms blocks: about one per ms), where the host decodes one per 20 ms bin
    assert decoded.data.shape[0] > 5 * host.data.shape[0]


def test_replay_reproduces_the_chip_decoder_exactly(on_chip) -> None:
    _, summary, path = on_chip
    result = replay(path)
    assert result.identical, format_replay(result.summary)
    s = result.streams
    # one chip value per block in which the chip stepped (about one per ms), all identical
    assert (
        s["decoded"].recorded == s["decoded"].replayed > 0.5 * summary["decoder_on_chip"]["steps"]
    )
    assert s["commands"].recorded == s["commands"].replayed == summary["commands"]["sent"]


def test_the_report_draws_chip_against_host_and_agrees_with_the_summary(on_chip, tmp_path) -> None:
    _, summary, path = on_chip
    result = make_report(path, tmp_path / "report")
    assert "decoder_on_chip.png" in result.figures, result.skipped
    rs = find_streams(read_session(path))
    _, host, chip, dims = paired(rs)
    assert dims == ("vx", "vy") and host.shape == chip.shape
    assert host.shape[0] == summary["decoder_on_chip"]["bins_compared"]
    # the same agreement the live summary computed, from the recorded streams
    r2 = agreement_r2(chip, host)
    assert r2 == pytest.approx(summary["decoder_on_chip"]["r2_vs_host"], abs=0.02)
