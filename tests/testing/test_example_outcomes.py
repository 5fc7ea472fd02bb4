"""The lab's example tests in a sub-pytest: a correct controller passes; one that forgets the
charge-balance phase fails with the helper's message; one that keeps stimulating after a lost
link fails ``assert_no_output_after``.

The sub-pytest is a fresh process: the plugin is found through its ``pytest11`` entry point
(no conftest, no ``-p``), as in a lab's CI.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "lab_controller"
CONTROLLER = (EXAMPLE / "stim_controller.py").read_text()
TESTS = (EXAMPLE / "tests" / "test_stim_controller.py").read_text()

FORGETS_PHASE_2 = '''

import dataclasses as _dc

_Correct = StimController


class StimController(_Correct):
    """A controller whose STIM leaves out the charge-balance phase."""

    def stim_message(self, *args, **kwargs):
        return _dc.replace(super().stim_message(*args, **kwargs), amplitude2_ua=0,
                           phase_width2_us=0)
'''

RECONNECTS = '''

_Correct = StimController


class StimController(_Correct):
    """A controller that reconnects, re-arms and carries on when its link is lost."""

    def _command(self, message):
        try:
            return super()._command(message)
        except LinkLost:
            self._serial.close()
            self._serial, self.lost = None, False
            self._decoder, self._seq = wire.FrameDecoder(), wire.SeqCounter()
            deadline = time.monotonic() + 5
            while True:
                try:
                    self.open()
                    break
                except (serial.SerialException, LinkLost, OSError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
            super()._command(wire.Arm())
            return super()._command(message)
'''


def _lab(pytester: pytest.Pytester, controller: str) -> None:
    pytester.makepyfile(stim_controller=controller)
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_stim_controller.py").write_text(TESTS)
    pytester.makeini("[pytest]\npythonpath = .\n")


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", *args, timeout=120)


def test_the_correct_controller_passes(pytester: pytest.Pytester) -> None:
    _lab(pytester, CONTROLLER)
    result = _run(pytester)
    result.assert_outcomes(passed=6)


def test_a_controller_that_forgets_the_charge_balance_phase_fails(
    pytester: pytest.Pytester,
) -> None:
    _lab(pytester, CONTROLLER + FORGETS_PHASE_2)
    result = _run(pytester, "-k", "balanced_and_within_limits")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*charge balance broken (phase 1 charge must equal phase 2 charge):*",
            "*STIM seq 3 (command #4 at device time 0 µs) on channel 0: phase 1 2000 pC "
            "(20 µA × 100 µs), phase 2 0 pC (0 µA × 0 µs) — not charge-balanced; the device "
            "answered NACK OUT_OF_LIMITS (detail 0x0008)*",
        ]
    )


def test_a_controller_that_stimulates_after_a_lost_link_fails(pytester: pytest.Pytester) -> None:
    _lab(pytester, CONTROLLER + RECONNECTS)
    result = _run(pytester, "-k", "link_is_lost")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: output after t = 20000 µs (link lost):*",
            "*pulse #3 on channel 0 at device time 20000 µs, from STIM seq * (command #* at "
            "device time 20000 µs): 0 µs after t = 20000 µs (link lost)*",
        ]
    )


def test_the_hal_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(hal_controller=(EXAMPLE / "hal_controller.py").read_text())
    (pytester.path / "tests").mkdir()
    hal_tests = (EXAMPLE / "tests" / "test_hal_controller.py").read_text()
    (pytester.path / "tests" / "test_hal_controller.py").write_text(hal_tests)
    pytester.makeini("[pytest]\npythonpath = .\n")
    _run(pytester).assert_outcomes(passed=3)


def test_examples_are_the_files_the_docs_show() -> None:
    doc = (REPO / "docs" / "testing_with_emulated_hardware.md").read_text()
    for name in ("stim_controller.py", "hal_controller.py", "test_stim_controller.py"):
        assert name in doc
    assert Path(EXAMPLE / "ci" / "github-actions.yml").is_file()
    assert Path(EXAMPLE / "ci" / "gitlab-ci.yml").is_file()
