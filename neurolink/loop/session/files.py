"""Where a session writes and reads: recording, audit log, device profiles, models.

Every session has an audit log on disk (DESIGN.md §5, issue 13): ``<recording stem>.audit.jsonl``
beside the recording; when the session is not recorded, ``<directory>/<session name>-<time>
.audit.jsonl`` under ``loop.recording.directory`` (default :data:`DEFAULT_DIRECTORY` in the
working directory). Its path, record counts and flush interval are in the summary (``audit``),
and so are the resolved paths (``paths``).

The rule for paths (issue 13 §5): the recording folder, device profiles given as files and model
files are resolved (``~``, relative parts, symbolic links) and refused when they fall inside a
system directory that no experiment writes or keeps data in: :data:`SYSTEM_DIRS`.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neurolink.errors import ConfigError
from neurolink.hal.safety import AuditLog

if TYPE_CHECKING:
    from neurolink.loop.core.engine import Engine
    from neurolink.loop.core.tick import Tick
    from neurolink.loop.session.config import Config

__all__ = [
    "DEFAULT_DIRECTORY",
    "SYSTEM_DIRS",
    "AuditHook",
    "PathsHook",
    "SessionFiles",
    "check_place",
    "plan_files",
]

DEFAULT_DIRECTORY = "recordings"
"""Folder (in the working directory) for recordings and audit logs when none is configured."""

SYSTEM_DIRS = ("/proc", "/sys", "/dev", "/etc", "/bin", "/sbin", "/usr", "/boot", "/lib", "/lib64")
"""Directories refused for recordings, audit logs, device profiles and models."""


def check_place(path: Path, what: str) -> Path:
    """``path`` resolved; refused inside a :data:`SYSTEM_DIRS` directory.

    Parameters
    ----------
    path : Path
        A file or folder (need not exist).
    what : str
        The config key or role, for the message (``loop.recording.directory``).

    Raises
    ------
    ConfigError
        One line naming the key, the resolved path and the rule.
    """
    resolved = Path(path).expanduser().resolve()
    for d in SYSTEM_DIRS:
        root = Path(d)
        if resolved == root or root in resolved.parents:
            raise ConfigError(
                f"`{what}` = {str(path)!r} resolves to {str(resolved)!r}, inside the system "
                f"directory {d}; recordings, audit logs, profiles and models may not live in "
                f"{', '.join(SYSTEM_DIRS)}"
            )
    return resolved


@dataclass(frozen=True)
class SessionFiles:
    """The resolved files of one session.

    Attributes
    ----------
    recording : Path or None
        The XDF recording (None when not recorded).
    audit : Path
        The audit log (JSON lines).
    profiles : dict of str to str
        Each sink's device profile: a resolved path, or the name of a built-in profile.
    models : dict of str to str
        Each node's model file (resolved).
    """

    recording: Path | None
    audit: Path
    profiles: dict[str, str]
    models: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (the summary's ``paths``)."""
        return {
            "recording": str(self.recording) if self.recording is not None else None,
            "audit": str(self.audit),
            "profiles": dict(self.profiles),
            "models": dict(self.models),
        }


def plan_files(config: Config, recording: Path | None, *, stamp: str | None = None) -> SessionFiles:
    """Resolve and check where a session writes and what it reads.

    Parameters
    ----------
    config : Config
        The session's config.
    recording : Path or None
        Recording asked for by the caller (else ``loop.recording`` decides).
    stamp : str, optional
        Time stamp of default file names (default now, ``YYYYmmdd-HHMMSS``).

    Raises
    ------
    ConfigError
        A path inside a system directory (see :func:`check_place`).
    """
    rc = config.loop.recording
    stamp = stamp or time.strftime("%Y%m%d-%H%M%S")
    folder = check_place(rc.directory or Path.cwd() / DEFAULT_DIRECTORY, "loop.recording.directory")
    rec: Path | None = None
    if recording is not None:
        rec = check_place(recording, "recording")
    elif rc.enabled:
        rec = folder / f"{config.session.name}-{stamp}.xdf"
    if rec is not None:
        audit = rec.with_name(f"{rec.stem}.audit.jsonl")
    else:
        audit = folder / f"{config.session.name}-{stamp}.audit.jsonl"
    profiles = {}
    for sc in config.loop.sinks:
        if sc.profile is None:
            continue
        p = Path(sc.profile)
        looks_like_file = p.suffix == ".toml" or len(p.parts) > 1
        profiles[sc.name] = (
            str(check_place(p, f"loop.sinks.{sc.name}.profile")) if looks_like_file else sc.profile
        )
    models = {}
    for node in config.loop.nodes:
        params = node.params
        if params is None or not dataclasses.is_dataclass(params):
            continue
        for f in dataclasses.fields(params):
            value = getattr(params, f.name)
            if isinstance(value, Path):
                key = f"loop.nodes.{node.name}.{f.name}"
                models[f"{node.name}.{f.name}"] = str(check_place(value, key))
    return SessionFiles(rec, audit, profiles, models)


class AuditHook:
    """The summary's ``audit``: the file, its flush interval and its records by outcome.

    On stop (the devices at rest, their last replies in) the log is flushed, so the file holds
    every record counted here.
    """

    name = "audit"

    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit

    def on_block(self, engine: Engine, tick: Tick) -> None:
        """Nothing per block."""

    def on_stop(self, engine: Engine) -> None:
        """Write what is pending."""
        self.audit.flush()

    def status(self) -> str:
        """No status fragment."""
        return ""

    def summary(self) -> dict[str, Any]:
        """Path, flush interval, records, and counts by outcome (events by name)."""
        recs = self.audit.records
        outcomes = Counter(r.outcome.value for r in recs)
        events = Counter(r.event for r in recs if r.event)
        path = self.audit.path
        return {
            "path": str(path) if path is not None else None,
            "flush_interval_s": self.audit.flush_interval_s,
            "records": len(self.audit),
            "by_outcome": dict(sorted(outcomes.items())),
            "events": dict(sorted(events.items())),
        }


class PathsHook:
    """The summary's ``paths``: the session's resolved files (:class:`SessionFiles`)."""

    name = "paths"

    def __init__(self, files: SessionFiles) -> None:
        self.files = files

    def on_block(self, engine: Engine, tick: Tick) -> None:
        """Nothing per block."""

    def on_stop(self, engine: Engine) -> None:
        """Nothing at stop."""

    def status(self) -> str:
        """No status fragment."""
        return ""

    def summary(self) -> dict[str, Any]:
        """The files as strings."""
        return self.files.as_dict()
