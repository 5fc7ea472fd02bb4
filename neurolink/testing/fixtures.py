"""The pytest fixtures of the neurolink plugin (function scope).

Devices — each a started emulator process on a real pty (or a loopback socket), stopped after
the test whether it passed, failed or was interrupted (and, through its lifeline, when the
pytest process itself dies):

- ``emulated_stimulator``, ``emulated_prosthesis``, ``emulated_neuroboard`` →
  :class:`~neurolink.testing.device.EmulatedDevice`.

Options, closest wins: ``@pytest.mark.emulator(profile=..., socket=..., persist=...,
virtual_clock=..., fault_script=..., kind=...)`` on the test, class or module (``kind`` limits
the mark to one kind; a positional argument is the profile), then an indirect parameter
(``@pytest.mark.parametrize("emulated_prosthesis", ["prosthesis_arm"], indirect=True)``: a
profile name, or a dict of options).

Streams:

- ``simulated_subject`` → a started :class:`~neurolink.sim.subject.SimulatedSubject` (the
  simulated cortex on LSL, under a unique name); ``@pytest.mark.subject(seed=..., channels=...,
  units=..., fs=...)`` or an indirect parameter (a seed, or a dict);
- ``synthetic_board`` → an opened BrainFlow synthetic-board source
  (:class:`~neurolink.streams.brainflow_source.BrainFlowSource`); ``@pytest.mark.board(...)``
  passes keyword arguments to it.

Runs:

- ``run_config`` → ``run_config(config, seconds, devices=...)`` (:func:`neurolink.testing.run.
  run_config`), the recording in the test's ``tmp_path``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from neurolink.testing.device import EmulatedDevice
from neurolink.testing.run import RunResult
from neurolink.testing.run import run_config as _run_config

__all__ = [
    "emulated_neuroboard",
    "emulated_prosthesis",
    "emulated_stimulator",
    "run_config",
    "simulated_subject",
    "synthetic_board",
]

_DEVICE_OPTIONS = ("profile", "socket", "persist", "virtual_clock", "fault_script")


def _options(request: pytest.FixtureRequest, marker: str, kind: str | None) -> dict[str, Any]:
    """Options from marks (module, then class, then test: the closest wins), then from an
    indirect parameter."""
    opts: dict[str, Any] = {}
    for mark in reversed(list(request.node.iter_markers(marker))):
        kw = dict(mark.kwargs)
        if kind is not None and kw.pop("kind", kind) != kind:
            continue
        if mark.args:
            opts["profile" if kind is not None else "seed"] = mark.args[0]
        opts.update(kw)
    param = getattr(request, "param", None)
    if isinstance(param, dict):
        opts.update(param)
    elif param is not None:
        opts["profile" if kind is not None else "seed"] = param
    return opts


def _device(request: pytest.FixtureRequest, tmp_path: Path, kind: str) -> Iterator[EmulatedDevice]:
    opts = _options(request, "emulator", kind)
    unknown = sorted(set(opts) - set(_DEVICE_OPTIONS))
    if unknown:
        raise pytest.UsageError(
            f"emulated_{kind}: unknown option(s) {unknown}; options: {', '.join(_DEVICE_OPTIONS)}"
        )
    dev = EmulatedDevice(kind, workdir=tmp_path, **opts)
    try:
        dev.start()
        yield dev
    finally:
        dev.stop()


@pytest.fixture
def emulated_stimulator(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EmulatedDevice]:
    """An emulated stimulator (profile ``stimulator`` unless a mark or parameter says)."""
    yield from _device(request, tmp_path, "stimulator")


@pytest.fixture
def emulated_prosthesis(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EmulatedDevice]:
    """An emulated prosthesis (profile ``prosthesis_cursor`` unless a mark or parameter says)."""
    yield from _device(request, tmp_path, "prosthesis")


@pytest.fixture
def emulated_neuroboard(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EmulatedDevice]:
    """An emulated neuromorphic board (profile ``neuroboard``)."""
    yield from _device(request, tmp_path, "neuroboard")


@pytest.fixture
def simulated_subject(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The simulated cortex streaming on LSL from its own process, under a unique name.

    Options: ``seed`` (0), ``channels`` (the 96-site Utah array), ``units`` (60), ``fs``
    (30 kHz). Open its stream with ``simulated_subject.source()``.
    """
    from neurolink.sim.subject import SimulatedSubject

    opts = {"seed": 0, **_options(request, "subject", None)}
    name = f"nltest-subject-{uuid.uuid4().hex[:10]}"
    subject = SimulatedSubject(name, duration=3600.0, **opts)
    try:
        subject.start()
        yield subject
    finally:
        subject.stop()


@pytest.fixture
def synthetic_board(request: pytest.FixtureRequest) -> Iterator[Any]:
    """BrainFlow's synthetic board, opened and streaming; closed after the test."""
    from neurolink.streams.brainflow_source import BrainFlowSource

    opts: dict[str, Any] = {"stall_timeout": 5.0}
    for mark in reversed(list(request.node.iter_markers("board"))):
        opts.update(mark.kwargs)
    source = BrainFlowSource("synthetic", name=f"nltest-synthetic-{uuid.uuid4().hex[:8]}", **opts)
    try:
        source.open()
        yield source
    finally:
        source.close()


@pytest.fixture
def run_config(tmp_path: Path) -> Callable[..., RunResult]:
    """``run_config(config, seconds, devices=...)``: run a config (path, TOML text or dict)
    for ``seconds`` with the given device handles; the :class:`RunResult` (summary,
    recording in ``tmp_path``, each device's records)."""
    count = iter(range(1_000_000))

    def run(config: Any, seconds: float, **kw: Any) -> RunResult:
        kw.setdefault("recording", tmp_path / f"run-{next(count)}.xdf")
        return _run_config(config, seconds, **kw)

    return run
