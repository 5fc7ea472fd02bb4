"""Sources from configuration sections or command-line specs.

A command-line spec is ``KIND:TARGET[?key=value&...]``, for example ``brainflow:synthetic``,
``brainflow:cyton_daisy?serial_port=/dev/ttyUSB0``, ``lsl:MyStream``, ``lsl:type=EEG``,
``lsl:name=X&source_id=Y`` or ``file:rec.edf?loop=true``; :func:`config_from_spec` validates it
as a ``[source]`` table would be.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import pylsl
from brainflow.board_shim import BoardIds

from neurolink.config.loader import load_mapping
from neurolink.errors import ConfigError
from neurolink.streams import config as source_config
from neurolink.streams.brainflow_file import PlaybackSource
from neurolink.streams.brainflow_source import BrainFlowSource
from neurolink.streams.config import BrainFlowConfig, FileConfig, LslConfig
from neurolink.streams.discovery import resolve_stream
from neurolink.streams.lsl_markers import LSLMarkerSource
from neurolink.streams.lsl_source import LSLSource
from neurolink.streams.source import Source

__all__ = [
    "SPEC_KINDS",
    "SourceSpec",
    "config_from_spec",
    "parse_source_spec",
    "source_from_config",
    "source_from_spec",
]

SourceConfig = BrainFlowConfig | LslConfig | FileConfig

#: Kinds of source a spec can name.
SPEC_KINDS = ("brainflow", "lsl", "file")

#: Keys that an ``lsl:`` target may carry (``lsl:type=EEG``).
_LSL_KEYS = ("name", "type", "source_id", "hostname")


@dataclass(frozen=True)
class SourceSpec:
    """A parsed source specification.

    Attributes
    ----------
    kind : str
        One of :data:`SPEC_KINDS`.
    target : str
        Board name, LSL stream name or file path (may be empty for ``lsl:type=EEG``).
    params : dict of str to str
        Extra parameters (string values; the source converts them).
    text : str
        The original text, for messages.
    """

    kind: str
    target: str
    params: dict[str, str] = field(default_factory=dict)
    text: str = ""


def parse_source_spec(text: str) -> SourceSpec:
    """Parse ``KIND:TARGET[?key=value&...]``; a bare board name means ``brainflow:``.

    Parameters
    ----------
    text : str

    Returns
    -------
    SourceSpec

    Raises
    ------
    ConfigError
        When the kind is unknown (with a suggestion) or a parameter is malformed.
    """
    raw = text.strip()
    if not raw:
        raise ConfigError(
            "empty source spec; expected e.g. 'brainflow:synthetic' or 'lsl:type=EEG'"
        )
    kind, sep, rest = raw.partition(":")
    if not sep:
        kind, rest = "brainflow", raw
    kind = kind.lower()
    if kind not in SPEC_KINDS:
        close = difflib.get_close_matches(kind, SPEC_KINDS, n=1)
        hint = f"; did you mean '{close[0]}:'?" if close else ""
        raise ConfigError(
            f"source {text!r}: unknown kind {kind!r} (expected one of {', '.join(SPEC_KINDS)})"
            f"{hint}"
        )
    target, _, query = rest.partition("?")
    try:
        params = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
    except ValueError as exc:
        raise ConfigError(f"source {text!r}: malformed parameters {query!r} ({exc})") from None
    if kind == "lsl" and "=" in target:
        # lsl:type=EEG or lsl:name=X&type=Y: the target itself is a query
        try:
            extra = dict(parse_qsl(target, strict_parsing=True))
        except ValueError as exc:
            raise ConfigError(f"source {text!r}: malformed LSL query {target!r} ({exc})") from None
        bad = sorted(set(extra) - set(_LSL_KEYS))
        if bad:
            raise ConfigError(
                f"source {text!r}: unknown LSL key(s) {bad}; expected name, type, source_id or "
                "hostname"
            )
        params = {**extra, **params}
        target = ""
    elif kind == "lsl" and target:
        params.setdefault("name", target)
    if kind in ("brainflow", "file") and not target:
        what = "a board name" if kind == "brainflow" else "a file path"
        raise ConfigError(f"source {text!r}: {kind} needs {what}")
    if kind == "lsl" and not any(params.get(k) for k in _LSL_KEYS[:3]):
        raise ConfigError(f"source {text!r}: lsl needs a stream name, type= or source_id=")
    return SourceSpec(kind=kind, target=target, params=params, text=raw)


_PLAYBACK = int(BoardIds.PLAYBACK_FILE_BOARD)


@dataclasses.dataclass(frozen=True)
class _SourceOnly:
    """A config with only its ``[source]`` table (what a command-line spec gives)."""

    source: source_config.SourceConfig = dataclasses.field(
        metadata={"variants": source_config.SOURCE_KINDS}
    )


def config_from_spec(spec: SourceSpec | str) -> SourceConfig:
    """Turn a command-line source spec into a validated source configuration.

    The spec's string parameters go through the same typed validation as a TOML file, so
    ``brainflow:cyton?ip_port=abc`` fails with the same message a config would give.

    Parameters
    ----------
    spec : SourceSpec or str
        For example ``"brainflow:synthetic"`` or ``"lsl:type=EEG"``.

    Returns
    -------
    BrainFlowConfig, LslConfig or FileConfig
    """
    s = parse_source_spec(spec) if isinstance(spec, str) else spec
    section: dict[str, str] = dict(s.params)
    if s.kind == "brainflow":
        section["board"] = s.target
    elif s.kind == "file":
        section["path"] = s.target
    data = {"source": {"kind": s.kind, s.kind: section}}
    return load_mapping(_SourceOnly, data, filename=f"source {s.text!r}", strings=True).source


def source_from_config(cfg: source_config.SourceConfig) -> Source:
    """Construct (not open) the source a configuration section describes.

    Parameters
    ----------
    cfg : BrainFlowConfig, LslConfig, FileConfig or a registered kind with ``make_source()``
        A kind registered from another package (the simulated subject in-process,
        :class:`~neurolink.sim.source_config.InProcessConfig`) builds its own source with its
        ``make_source()`` method (so this module imports nothing of that package). A ``file``
        section is played through
        :class:`~neurolink.streams.played_file.PlayedFileSource`; BrainFlow's playback board
        through :class:`~neurolink.streams.brainflow_file.PlaybackSource` (which restores the
        file's markers and ends at the end of the file instead of stalling).

    Returns
    -------
    Source
    """
    if isinstance(cfg, BrainFlowConfig):
        master = cfg.master_board  # without it, BrainFlowSource refuses the config, naming it
        if cfg.board_id == _PLAYBACK and master is not None and cfg.preset == "default":
            return PlaybackSource(
                cfg.file,
                master,
                channel_types=cfg.channel_types,
                stall_timeout=cfg.stall_timeout,
            )
        params = {k: v for k, v in vars(cfg.input_params()).items() if v not in ("", 0, -100)}
        return BrainFlowSource(
            cfg.board_id,
            params,
            channel_types=cfg.channel_types,
            preset=cfg.preset,
            stall_timeout=cfg.stall_timeout,
        )
    if isinstance(cfg, LslConfig):
        return LSLSource(
            cfg.name,
            cfg.type,
            cfg.source_id,
            expected_channels=cfg.expected_channels,
            expected_rate=cfg.fs,
            resolve_timeout=cfg.resolve_timeout,
            stall_timeout=cfg.stall_timeout,
            assume_unit=cfg.unit,
            markers=cfg.markers,
            hostname=cfg.hostname,
        )
    if isinstance(cfg, FileConfig):
        from neurolink.streams.played_file import PlayedFileSource

        return PlayedFileSource.from_config(cfg)
    make = getattr(cfg, "make_source", None)
    if callable(make):  # a kind registered by another package builds its own source
        source: Source = make()
        return source
    raise TypeError(f"unsupported source configuration {type(cfg).__name__}")


def inspecting_source(spec: SourceSpec | str) -> Source:
    """A source for looking at a stream (``neurolink stream``): like :func:`source_from_spec`,
    except that an LSL stream of strings is read as a marker stream.

    For an ``lsl:`` spec the stream is resolved first (this waits up to ``resolve_timeout``) to
    learn its channel format.
    """
    cfg = config_from_spec(spec)
    if isinstance(cfg, LslConfig):
        info = resolve_stream(
            cfg.name, cfg.type, cfg.source_id, cfg.resolve_timeout, hostname=cfg.hostname
        )
        if info.channel_format() == pylsl.cf_string:
            return LSLMarkerSource(
                cfg.name,
                cfg.type,
                cfg.source_id,
                resolve_timeout=cfg.resolve_timeout,
                hostname=cfg.hostname,
            )
    return source_from_config(cfg)


def source_from_spec(spec: SourceSpec | str) -> Source:
    """Construct (not open) a source from a command-line spec such as ``lsl:type=EEG``."""
    return source_from_config(config_from_spec(spec))
