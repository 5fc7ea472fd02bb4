"""Build sources from configuration sections or command-line specs."""

from __future__ import annotations

from brainflow.board_shim import BoardIds

from neurolink.config import config_from_dict
from neurolink.config.acquisition import BrainFlowConfig, FileConfig, LslConfig
from neurolink.streams.brainflow_file import PlaybackSource
from neurolink.streams.brainflow_source import BrainFlowSource
from neurolink.streams.lsl_source import LSLSource
from neurolink.streams.source import Source
from neurolink.streams.spec import SourceSpec, parse_source_spec

__all__ = ["config_from_spec", "source_from_config", "source_from_spec"]

SourceConfig = BrainFlowConfig | LslConfig | FileConfig

_PLAYBACK = int(BoardIds.PLAYBACK_FILE_BOARD)


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
    return config_from_dict(data, filename=f"source {s.text!r}", strings=True).source


def source_from_config(cfg: SourceConfig) -> Source:
    """Construct (not open) the source a configuration section describes.

    Parameters
    ----------
    cfg : BrainFlowConfig, LslConfig or FileConfig
        A ``file`` section is played through
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
            expected_rate=cfg.expected_rate,
            resolve_timeout=cfg.resolve_timeout,
            stall_timeout=cfg.stall_timeout,
        )
    if isinstance(cfg, FileConfig):
        from neurolink.streams.played_file import PlayedFileSource

        return PlayedFileSource.from_config(cfg)
    raise TypeError(f"unsupported source configuration {type(cfg).__name__}")


def source_from_spec(spec: SourceSpec | str) -> Source:
    """Construct (not open) a source from a command-line spec such as ``lsl:type=EEG``."""
    return source_from_config(config_from_spec(spec))
