"""TOML configuration → validated, typed objects.

Every error is a :class:`~neurolink.errors.ConfigError` whose one-line message names the file,
the line, the key path and what was expected::

    examples/x.toml:4: `source.brainflow.board`: unknown board 'cyton_dasy'; did you mean
    'cyton_daisy'?

Layout: :mod:`~neurolink.config.engine` (the generic loader), :mod:`~neurolink.config.locate`
(key path → line), one module per group of sections (:mod:`~neurolink.config.acquisition`),
:mod:`~neurolink.config.schema` (the top-level :class:`Config`) and
:mod:`~neurolink.config.loader` (entry points).
"""

from neurolink.config.acquisition import (
    CHANNEL_TYPES,
    FILE_FORMATS,
    SOURCE_KINDS,
    BrainFlowConfig,
    FileConfig,
    LslConfig,
    SessionConfig,
    SourceConfig,
)
from neurolink.config.engine import Scope, Variants, setting
from neurolink.config.loader import config_from_dict, config_to_dict, load_config, parse_config
from neurolink.config.schema import Config

__all__ = [
    "CHANNEL_TYPES",
    "FILE_FORMATS",
    "SOURCE_KINDS",
    "BrainFlowConfig",
    "Config",
    "FileConfig",
    "LslConfig",
    "Scope",
    "SessionConfig",
    "SourceConfig",
    "Variants",
    "config_from_dict",
    "config_to_dict",
    "load_config",
    "parse_config",
    "setting",
]
