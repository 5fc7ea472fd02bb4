"""The example configs: each loads and validates; the responsive-stimulation and the EEG example
run end to end against emulated devices, and what they did is checked from the recording and
the devices' own logs.

- Responsive stimulation (``examples/responsive_stim.toml``, simulated subject): the stimulator
  emulator runs with ``--pulse-log``, so the pulses it delivered are read from the device side.
  Every pulse is a charge-balanced biphasic pulse of the configured shape; trains and commands
  match one to one; each command follows a burst-detector event (a burst of detected spikes)
  by a bounded delay, and every event outside the refractory time got its train. The device's
  clock is not the host's: each train's onset (device time of acceptance) must lie between its
  command's ``t_wire`` and ``t_reply`` for one common clock offset, so in host time every train
  starts after its event and before the ACK came back.
- EEG (``examples/eeg_wta.toml``, real EEG through BrainFlow's playback board): the data and
  the model are made as ``examples/make_eeg_playback.py`` makes them (the model by the
  calibration of ``examples/calibrate_eeg_wta.toml``, i.e. ``neurolink calibrate``). The model
  is fitted on the played run, so agreement with the cues would be in sample; the test asserts
  the mechanics of evidence accumulation and discrete movements and prints the figures,
  including the held-out ones (leave one trial out through the example's own graph). Held out,
  19 trials give no evidence of decoding (9/19 when this was written), and the test does not
  pretend otherwise.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from neurolink.hal.emulate import Emulator
from neurolink.loop.nodes.clocked import steps_crossed
from neurolink.loop.recording import read_session
from neurolink.loop.session.config import Config, load_config, parse_config
from neurolink.loop.session.run import Session
from neurolink.streams.config import BrainFlowConfig

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
CONFIGS = sorted(p.name for p in EXAMPLES.glob("*.toml"))


def _script() -> ModuleType:
    """examples/make_eeg_playback.py as a module."""
    name = "neurolink_example_make_eeg_playback"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, EXAMPLES / "make_eeg_playback.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def eeg_files(tmp_path_factory: pytest.TempPathFactory, shared_data: Path):
    """The EEG example's data and model, made as make_eeg_playback.py makes them (the model by
    the calibration of calibrate_eeg_wta.toml) under ``<root>/generated``."""
    root = tmp_path_factory.mktemp("eeg")
    script = _script()
    eeg = script.make_data(root, shared_data / "eeg_motor_imagery_64ch.edf")
    result = script.calibrate_model(root, permutations=0)
    print(f"\n{result.report()}")
    assert result.path == root / "generated" / "eeg_mi_model.npz"
    return root, result.path, eeg


def _on_a_shared_machine(cfg: Config, **loop: Any) -> Config:
    """``cfg`` with its deadline policy relaxed (and ``loop`` fields replaced).

    The policy (stop after N consecutive blocks over the deadline) is what the fault tests
    check; here, other jobs starving this 2-core machine for a quarter of a second must not
    end a run whose outputs are being checked.
    """
    return dataclasses.replace(
        cfg, loop=dataclasses.replace(cfg.loop, max_consecutive_misses=1_000_000, **loop)
    )


# ---- every example loads ----------------------------------------------------------------------


@pytest.mark.parametrize("name", CONFIGS)
def test_example_config_loads_and_validates(name: str, eeg_files) -> None:
    path = EXAMPLES / name
    text = path.read_text(encoding="utf-8")
    # configs that read generated files: validate their text where those files exist
    base = eeg_files[0] if "generated/" in text else path.parent
    cfg = parse_config(text, str(path), base_dir=base)
    kinds = [n.kind for n in cfg.loop.nodes]
    if name == "responsive_stim.toml":
        assert kinds == ["filter", "reref", "detect", "burst", "stim"]
        assert [(s.device, s.input) for s in cfg.loop.sinks] == [("stimulator", "trains")]
    elif name == "eeg_wta.toml":
        assert kinds == ["classify", "wta", "discrete"]
        assert isinstance(cfg.source, BrainFlowConfig)
        assert (cfg.source.board, cfg.source.master_board) == ("playback_file", "synthetic")
        assert cfg.loop.node("classify").classify.model == eeg_files[1]
        assert [(s.device, s.input) for s in cfg.loop.sinks] == [("prosthesis", "move")]
    elif name == "calibrate_eeg_wta.toml":
        assert cfg.loop.calibration.out == eeg_files[1]
    elif name == "center_out.toml":
        assert kinds[-1] == "velocity" and cfg.loop.task is not None


# ---- responsive stimulation -------------------------------------------------------------------

RS_SECONDS = 7.0
CLOCK_TOLERANCE_S = 0.005  # t_wire is read after the write returns (preemption in between)


def _pulses(log: Path) -> tuple[np.ndarray, list[str]]:
    """The pulse log: one row per pulse (device_time_us, channel, polarity, amplitude_ua,
    phase_width_us, interphase_gap_us, amplitude2_ua, phase_width2_us), and the stop lines."""
    lines = log.read_text(encoding="utf-8").splitlines()
    stops = [ln for ln in lines if ln.startswith("#")]
    rows = list(csv.reader(ln for ln in lines[1:] if not ln.startswith("#")))
    return np.array(rows, dtype=np.int64).reshape(-1, 8), stops


def _trains(onsets_us: np.ndarray, gap_us: int) -> list[np.ndarray]:
    """Pulse onsets split into trains wherever two pulses are more than ``gap_us`` apart."""
    cut = np.flatnonzero(np.diff(onsets_us) > gap_us) + 1
    return np.split(onsets_us, cut) if onsets_us.size else []


@pytest.fixture(scope="module")
def responsive_run(tmp_path_factory: pytest.TempPathFactory):
    """Run the example for RS_SECONDS against a stimulator emulator that logs its pulses."""
    tmp = tmp_path_factory.mktemp("responsive")
    log = tmp / "pulses.csv"
    cfg = load_config(EXAMPLES / "responsive_stim.toml")
    emu = Emulator("stimulator", extra_args=["--pulse-log", str(log)]).start()
    try:
        sinks = tuple(dataclasses.replace(s, url=emu.port) for s in cfg.loop.sinks)
        cfg = _on_a_shared_machine(cfg, sinks=sinks)
        session = Session(cfg, duration=RS_SECONDS, status_out=None, recording=tmp / "rs.xdf")
        summary = session.run()
    finally:
        emu.stop()
    return cfg, session, summary, read_session(tmp / "rs.xdf"), _pulses(log)


def test_responsive_stim_runs_through_the_safety_layer(responsive_run) -> None:
    _, session, summary, _, _ = responsive_run
    assert summary["stop_reason"] == "duration", summary["why"]
    assert summary["faults"] == [] and not summary["estop"]["tripped"]
    (sink,) = summary["sinks"].values()
    assert sink["kind"] == "stimulator" and sink["emulated"]
    assert sink["sent"] == sink["acked"] >= 3, sink
    assert sink["refused"] == sink["nacked"] == sink["blocked"] == 0
    # every train went through the host safety layer, which accepted and recorded it
    accepted = session.audit.select(outcome="ACCEPTED")
    stims = [r for r in accepted if r.command and r.command["type"] == "StimCommand"]
    assert len(stims) == sink["sent"]


def test_stimulator_delivered_charge_balanced_trains_one_per_command(responsive_run) -> None:
    cfg, _, summary, rec, (pulses, stops) = responsive_run
    p = cfg.loop.node("trains").stim
    assert pulses.shape[0] > 0
    onset, channel, _, amp1, width1, gap, amp2, width2 = pulses.T
    # biphasic, charge-balanced (equal charge in both phases, exactly, in wire units)
    assert np.all(amp1 * width1 == amp2 * width2)
    assert np.all((amp1 == p.amplitude_ua) & (width1 == p.phase_width_us))
    assert np.all((gap == p.interphase_gap_us) & (channel == p.channel))
    period_us = round(1e6 / p.frequency_hz)
    trains = _trains(onset, 2 * period_us)
    commands = rec["commands"].records()
    assert len(trains) == len(commands) == summary["sinks"]["stimulator"]["sent"]
    for k, t in enumerate(trains):
        assert np.all(np.diff(t) == period_us), f"train {k}: pulse spacing {np.diff(t)}"
        cut_short = k == len(trains) - 1 and any("cancelled=" in s for s in stops)
        assert t.size == p.pulse_count or (cut_short and t.size < p.pulse_count)
    print(
        f"\nresponsive stim: {len(trains)} trains, {pulses.shape[0]} pulses of "
        f"{p.amplitude_ua} uA x {p.phase_width_us} us per phase, all charge-balanced"
    )


def _burst_samples(session: Session, rec, name: str) -> np.ndarray:
    """Stream sample index of the last sample of each burst-detector output step.

    The recorded step numbers count from the stream's first sample (the warm-up's steps are
    forgotten when the graph is reset): step k ends at sample ``(first // S + k + 1)·S − 1``.
    """
    engine = session.engine
    assert engine is not None and engine.first_index is not None
    node = engine.graph[name]
    S = node.step_samples
    first, stop = engine.first_index, engine.first_index + engine.n_samples
    assert node.n_steps == steps_crossed(first, stop, S)  # no warm-up steps counted
    steps = rec["snn_spikes"].data[:, 0].astype(np.int64)
    assert np.all((steps >= 0) & (steps < node.n_steps))
    return (first // S + steps + 1) * S - 1


def test_each_train_follows_a_detected_burst_within_a_bound(responsive_run) -> None:
    cfg, session, summary, rec, (pulses, _) = responsive_run
    fs = session.engine.tick.rate
    burst = cfg.loop.node("bursts").burst
    stim = cfg.loop.node("trains").stim
    events = rec["events"].spike_events()["sample_index"]
    bursts = _burst_samples(session, rec, "bursts")
    commands = rec["commands"].records()
    acks = rec["acks"].records()
    origin = np.array([c["origin"]["sample_index"] for c in commands])
    t_sample = np.array([c["origin"]["timestamp"] for c in commands])
    t_wire = np.array([a["t_wire"] for a in acks])
    t_reply = rec["acks"].timestamps
    assert all(a["acked"] and a["attempts"] == 1 for a in acks)

    # each event is a burst of detected spikes: the detector needs n_coincident input spikes,
    # and spikes older than 5 leak time constants weigh under 1 % each
    window = round(5 * burst.leak_ms * 1e-3 * fs)
    near = [np.count_nonzero((events > b - window) & (events <= b)) for b in bursts]
    assert min(near) >= burst.n_coincident, f"spikes in the {window} samples before: {near}"

    # command k was made in the block of the burst that caused it (a burst at or before its
    # newest sample, in the same block) ...
    refractory = round(stim.refractory_ms * 1e-3 * fs)
    cause = np.array([bursts[bursts <= s].max() for s in origin])
    assert np.all(origin - cause < cfg.loop.max_chunk)
    # ... and every burst after the refractory time of the previous train got its train
    # (before the first, commands are held only while the engine catches up at the start)
    for k in range(len(origin)):
        nxt = bursts[bursts >= origin[k] + refractory]
        if k + 1 < len(origin):
            assert nxt.size and nxt[0] == cause[k + 1], (
                f"train {k + 1} is not the next burst: trains at {origin}, bursts at {bursts}, "
                f"{summary['commands']}"
            )
        else:
            assert not nxt.size, f"bursts at {nxt} after the last train's refractory time"
    assert not np.any(bursts < cause[0]) or summary["commands"]["held_while_catching_up"] > 0

    # host clock: event -> command on the wire, causal and bounded by the refractory time, so
    # that a train is its event's alone (measured: 1-4 ms; 82 ms while other jobs starved the
    # machine)
    bound = stim.refractory_ms * 1e-3
    t_event = t_sample - (origin - cause) / fs
    delay = t_wire - t_event
    assert np.all(delay > 0) and np.all(delay < bound), delay

    # device clock: train onset (acceptance) inside [t_wire, t_reply] for one clock offset
    onsets = np.array([t[0] for t in _trains(pulses[:, 0], round(2e6 / stim.frequency_hz))])
    dev = onsets * 1e-6
    lo, hi = np.max(t_wire - dev), np.min(t_reply - dev)
    assert lo <= hi + CLOCK_TOLERANCE_S, f"no common clock offset: {lo} > {hi}"
    host_onset = dev + 0.5 * (lo + hi)
    lag = host_onset - t_event
    assert np.all(lag > 0) and np.all(lag < bound), lag
    print(
        f"\nresponsive stim: {bursts.size} burst events ({min(near)}..{max(near)} detected "
        f"spikes in the {window / fs * 1e3:g} ms before each), {len(origin)} trains; event -> "
        f"command written median {1e3 * np.median(delay):.2f} ms (max "
        f"{1e3 * delay.max():.2f}); event -> train onset on the device between "
        f"{1e3 * np.min(t_wire - t_event):.2f} and {1e3 * np.max(t_reply - t_event):.2f} ms"
    )


# ---- EEG: band power -> Gaussian Bayes -> SNN winner-take-all -> discrete commands ------------

EEG_SECONDS = 12.0  # 3 decisions (at 0.9, 6.0, 10.6 s of the file); 20 s gave 4
TIMING_REFUSALS = {"max_acceleration", "max_report_age_s"}  # prosthesis guard rules on host time


@pytest.fixture(scope="module")
def eeg_run(eeg_files, tmp_path_factory: pytest.TempPathFactory):
    """Run the EEG example for EEG_SECONDS on the generated playback file and model."""
    root, _, eeg = eeg_files
    cfg = _on_a_shared_machine(_script().example_config(root))
    tmp = tmp_path_factory.mktemp("eeg-run")
    session = Session(cfg, duration=EEG_SECONDS, status_out=None, recording=tmp / "eeg.xdf")
    summary = session.run()
    return cfg, session, summary, read_session(tmp / "eeg.xdf"), eeg


def test_eeg_example_runs_on_real_eeg_through_brainflow_playback(eeg_run) -> None:
    _, session, summary, rec, eeg = eeg_run
    assert summary["stop_reason"] == "duration", summary["why"]
    assert summary["faults"] == [] and not summary["estop"]["tripped"]
    src = summary["source"]
    assert src["rate_hz"] == eeg.fs and src["channels"] == 16 and src["samples_lost"] == 0
    # stream sample k is line k of the file (so the cues are known by sample index)
    first = session.engine.first_index
    raw = rec["raw"].data
    np.testing.assert_allclose(raw, eeg.data[first : first + raw.shape[0]], atol=1e-3)
    (sink,) = summary["sinks"].values()
    assert sink["kind"] == "prosthesis" and sink["emulated"]
    assert sink["sent"] == sink["acked"] > 0 and sink["nacked"] == 0
    # the mapper shapes speed and acceleration by sample index; the host guard judges by the
    # time commands go out, so on a starved machine it may refuse one (and the mapper retries)
    assert set(sink["reasons"]) <= TIMING_REFUSALS, sink["reasons"]


def test_wta_decides_only_after_evidence_reaches_threshold(eeg_run) -> None:
    cfg, session, _, _, _ = eeg_run
    p = cfg.loop.node("wta").wta
    wta = session.engine.graph["wta"]
    first = session.engine.first_index
    decisions = np.array([s for s, _ in wta.decisions]) - first
    assert decisions.size >= 2
    # at most one evidence spike per step: a decision needs evidence_spikes steps of input
    # (plus the synaptic delay), and none accumulates during the refractory time
    steps = p.evidence_spikes * wta.step_samples
    assert decisions[0] >= steps
    refractory = wta.refractory_steps * wta.step_samples
    assert np.all(np.diff(decisions) >= refractory + steps)


def test_one_movement_per_decision_and_none_at_rest(eeg_run) -> None:
    cfg, session, _, rec, eeg = eeg_run
    fs = eeg.fs
    move = cfg.loop.node("move").discrete
    wta = session.engine.graph["wta"]
    first = session.engine.first_index
    decided = [(s - first, k) for s, k in wta.decisions]
    commands = rec["commands"].records()
    at = np.array([c["origin"]["sample_index"] for c in commands]) - first
    vx = np.array([c["velocity"][0] for c in commands])
    vy = np.array([c["velocity"][1] for c in commands])
    assert np.all(vy == 0.0)
    # hold, then ramp down at accel_margin x the cursor's 4 units/s^2 (prosthesis_cursor)
    ramp_s = float(np.abs(move.velocities).max()) / (move.accel_margin * 4.0)
    end_s = move.hold_ms * 1e-3 + ramp_s + 3 * move.interval_ms * 1e-3
    covered = np.zeros(at.size, bool)
    for i, (s, k) in enumerate(decided):
        nxt = decided[i + 1][0] if i + 1 < len(decided) else np.inf
        mine = (at >= s) & (at < nxt)
        covered |= mine
        assert mine.any(), f"decision {i} moved nothing"
        want = np.sign(move.velocities[k][0])
        assert np.all(np.sign(vx[mine]) * want >= 0), f"decision {i}: wrong direction"
        assert np.any(np.sign(vx[mine]) == want)
        assert vx[mine][-1] == 0.0 or nxt == np.inf  # back at rest before the next decision
        assert at[mine].max() <= s + end_s * fs, f"decision {i}: moving after its hold"
    assert covered.all(), "commands outside every decision's movement (at rest)"

    names = session.engine.graph["classify"].labels
    cues = [eeg.cue_at(s) for s, _ in decided]
    agree = sum(names[k] == c for (_, k), c in zip(decided, cues, strict=True))
    in_cue = sum(c != "rest" for c in cues)
    listed = ", ".join(
        f"{s / fs:.1f} s {names[k]} [cue {c}]" for (s, k), c in zip(decided, cues, strict=True)
    )
    print(
        f"\nEEG example, {EEG_SECONDS:g} s: {len(decided)} decisions ({listed}); "
        f"{agree}/{in_cue} decisions during a cue agree with it (IN SAMPLE: the model was fitted "
        f"on this run); {len(commands)} commands"
    )


def test_eeg_held_out_figures(eeg_files) -> None:
    root, _, eeg = eeg_files
    script = _script()
    trials = script.held_out_decisions(eeg, root)
    assert len(trials) == eeg.onsets.size == 19
    assert all(t.decided in (None, "T1", "T2") for t in trials)
    assert all(t.latency_s is None or 0 <= t.latency_s <= script.CUE_S for t in trials)
    print("\nEEG example, " + script.summarize(trials))
