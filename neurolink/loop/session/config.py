"""The whole configuration of a session: ``[source]``, ``[session]`` and ``[loop]``, and the
entry points that read it (:func:`load_config`, :func:`parse_config`, :func:`config_from_dict`)
and write it back (:func:`config_to_dict`).

Each section's schema lives with the package it configures: the source kinds in
:mod:`neurolink.streams.config` (plus ``simulated`` in :mod:`neurolink.sim.source_config`),
the loop in :mod:`neurolink.loop.core.config`. This module composes them. Adding a section is
two steps: write a frozen dataclass for it beside the code it configures (fields typed and ruled
with :func:`~neurolink.config.tables.setting`), then add one field to :class:`Config`. An
optional section gets ``dataclasses.field(default_factory=TheSection)``; a required one no
default.

Every error is a :class:`~neurolink.errors.ConfigError` whose one-line message names the file,
the line, the key path and what was expected::

    examples/x.toml:4: `source.brainflow.board`: unknown board 'cyton_dasy'; did you mean
    'cyton_daisy'?
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

from neurolink.config.loader import load_file, load_mapping, load_text, to_data
from neurolink.config.tables import setting
from neurolink.loop.core.config import LoopConfig
from neurolink.sim.source_config import SimulatedConfig
from neurolink.streams.config import SOURCE_KINDS, SourceConfig

__all__ = [
    "Config",
    "SessionConfig",
    "SimulatedConfig",
    "config_from_dict",
    "config_to_dict",
    "load_config",
    "parse_config",
]


@dataclasses.dataclass(frozen=True)
class SessionConfig:
    """``[session]``: what a run is called and how long it lasts.

    Attributes
    ----------
    name : str
        Session name (recordings and the sidecar are named after it).
    duration : float or None
        Seconds to run; None (absent) runs until stopped.
    status_interval : float
        Seconds between status lines.
    """

    name: str = "neurolink"
    duration: float | None = setting(None, gt=0)
    status_interval: float = setting(0.5, gt=0)


@dataclasses.dataclass(frozen=True)
class Config:
    """A validated neurolink configuration.

    Attributes
    ----------
    source : SourceConfig
        ``[source]``: where the data come from (:class:`~neurolink.streams.config.BrainFlowConfig`,
        :class:`~neurolink.streams.config.LslConfig`, :class:`~neurolink.streams.config.FileConfig`
        or :class:`SimulatedConfig`, by ``kind``).
    session : SessionConfig
        ``[session]``: name, duration and status interval (all optional).
    loop : LoopConfig
        ``[loop]``: the closed loop's graph, sinks, task, recording and deadline (optional).
    """

    source: SourceConfig = dataclasses.field(metadata={"variants": SOURCE_KINDS})
    session: SessionConfig = dataclasses.field(default_factory=SessionConfig)
    loop: LoopConfig = dataclasses.field(default_factory=LoopConfig)


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a TOML config file.

    Parameters
    ----------
    path : str or path-like
        The file. Relative paths inside it are resolved against its folder.

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        ``FILE:LINE: `key.path`: what is wrong``; also for a missing file or invalid TOML.
    """
    return load_file(Config, path)


def parse_config(
    text: str, filename: str = "<string>", base_dir: str | os.PathLike[str] | None = None
) -> Config:
    """Validate a config given as TOML text.

    Parameters
    ----------
    text : str
        TOML.
    filename : str
        Name used in error messages.
    base_dir : str or path-like, optional
        Folder that relative paths are resolved against (default: the working directory).

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        On invalid TOML (with tomllib's line and column) or any invalid value.
    """
    return load_text(Config, text, filename, base_dir)


def config_from_dict(
    data: Mapping[str, Any],
    filename: str = "<dict>",
    base_dir: str | os.PathLike[str] | None = None,
    *,
    strings: bool = False,
) -> Config:
    """Validate a config given as nested dicts (as :func:`config_to_dict` returns).

    Parameters
    ----------
    data : mapping
        The config tables.
    filename : str
        Name used in error messages (there are no line numbers).
    base_dir : str or path-like, optional
        Folder that relative paths are resolved against (default: the working directory).
    strings : bool
        Also accept strings for numbers, booleans and comma-separated lists, as given on a
        command line (``{"timeout": "5"}``).

    Returns
    -------
    Config
    """
    return load_mapping(Config, data, filename, base_dir, strings=strings)


def config_to_dict(config: Config) -> dict[str, Any]:
    """A config as plain data for the session sidecar (JSON- and TOML-ready).

    Every value is resolved (defaults filled in, board names canonical, paths absolute);
    absent optional values are left out. ``config_from_dict`` of the result equals ``config``.

    Parameters
    ----------
    config : Config

    Returns
    -------
    dict
    """
    return to_data(config)
