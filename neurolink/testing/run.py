"""Run a neurolink config for N seconds against emulated devices, and keep what it produced.

:func:`run_config` substitutes the ports of devices a test started (their handles) for the
sinks' ``url``, runs the loop (:class:`~neurolink.loop.session.run.Session`) for the given
seconds with a recording in the test's folder, and returns the summary, the recording and each
device's records.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neurolink.testing.device import EmulatedDevice
from neurolink.testing.records import DeviceRecords

__all__ = ["RunResult", "run_config"]


@dataclass
class RunResult:
    """What one run left.

    Attributes
    ----------
    summary : dict
        The loop's summary (``latency``, ``sinks``, ``estop``, ``faults`` ...).
    recording : Path or None
        The XDF recording.
    records : dict of str to DeviceRecords
        Each device handle's records after the run, by sink name.
    """

    summary: dict[str, Any]
    recording: Path | None
    records: dict[str, DeviceRecords] = field(default_factory=dict)

    def load_recording(self) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The recording read with pyxdf: ``(streams, header)``."""
        import pyxdf

        if self.recording is None:
            raise ValueError("this run recorded nothing")
        return pyxdf.load_xdf(str(self.recording))


def _as_dict(config: str | os.PathLike[str] | Mapping[str, Any]) -> tuple[dict, str, Path]:
    if isinstance(config, Mapping):
        return copy.deepcopy(dict(config)), "<dict>", Path.cwd()
    text = os.fspath(config)
    if "\n" not in text and Path(text).is_file():
        path = Path(text)
        with path.open("rb") as f:
            return tomllib.load(f), str(path), path.parent
    return tomllib.loads(text), "<string>", Path.cwd()


def run_config(
    config: str | os.PathLike[str] | Mapping[str, Any],
    seconds: float,
    *,
    devices: Mapping[str, EmulatedDevice] | Sequence[EmulatedDevice] = (),
    recording: str | os.PathLike[str] | None = None,
) -> RunResult:
    """Run ``config`` for ``seconds`` of data.

    Parameters
    ----------
    config : path, TOML text or dict
        The config (a file path, its text, or its tables).
    seconds : float
        Seconds of data to run.
    devices : mapping of sink name to device, or a sequence of devices
        Started emulators to use: each replaces the ``url`` of the sink of that name (a
        sequence: of the sink whose ``device`` is that kind).
    recording : path, optional
        Where the XDF recording goes (None: the config's choice).

    Raises
    ------
    ConfigError
        A bad config, or a device that matches no sink.
    """
    from neurolink.errors import ConfigError
    from neurolink.loop.session.config import config_from_dict
    from neurolink.loop.session.run import Session

    data, filename, base = _as_dict(config)
    sinks = data.get("loop", {}).get("sinks", [])
    named = dict(devices) if isinstance(devices, Mapping) else {}
    by_kind = [] if isinstance(devices, Mapping) else list(devices)
    used: dict[str, EmulatedDevice] = {}
    for sink in sinks:
        dev = named.get(sink.get("name"))
        if dev is None:
            dev = next((d for d in by_kind if d.kind == sink.get("device")), None)
            if dev is not None:
                by_kind.remove(dev)
        if dev is not None:
            sink["url"] = dev.port
            used[sink["name"]] = dev
    left = [n for n in named if n not in used] + [d.kind for d in by_kind]
    if left:
        raise ConfigError(f"{filename}: no sink for device(s) {left} in [[loop.sinks]]")
    cfg = config_from_dict(data, filename, base)
    session = Session(
        cfg,
        duration=seconds,
        status_out=None,
        recording=Path(recording) if recording is not None else None,
    )
    summary = session.run()
    rec = summary.get("recording")
    return RunResult(
        summary,
        Path(rec) if rec else None,
        {name: dev.records() for name, dev in used.items()},
    )
