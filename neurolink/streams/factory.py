"""Build sources from configuration sections or command-line specs."""

from __future__ import annotations

from neurolink.config import config_from_dict
from neurolink.config.acquisition import BrainFlowConfig, FileConfig, LslConfig
from neurolink.streams.brainflow_source import BrainFlowSource
from neurolink.streams.lsl_source import LSLSource
from neurolink.streams.source import Source
from neurolink.streams.spec import SourceSpec, parse_source_spec

__all__ = ["config_from_spec", "source_from_config", "source_from_spec"]

SourceConfig = BrainFlowConfig | LslConfig | FileConfig


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
    cfg : BrainFlowConfig or LslConfig
        A ``file`` section is played through :func:`neurolink.streams.player_source`.

    Returns
    -------
    Source
    """
    if isinstance(cfg, BrainFlowConfig):
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
