"""Entry points: read a TOML file or text into a :class:`Config`, and turn one back into data."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from neurolink.config.engine import Context, load_table, to_plain
from neurolink.config.schema import Config
from neurolink.errors import ConfigError

__all__ = ["config_from_dict", "config_to_dict", "load_config", "parse_config"]

_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


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
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    return parse_config(text, filename=str(path), base_dir=path.parent)


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
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_POSITION.search(str(exc))
        where = f"{filename}:{m.group(1)}" if m else filename
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    return load_table(Config, data, Context(filename, _base(base_dir), text=text))


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
    return load_table(Config, data, Context(filename, _base(base_dir), strings=strings))


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
    return to_plain(config)


def _base(base_dir: str | os.PathLike[str] | None) -> Path:
    return Path.cwd() if base_dir is None else Path(base_dir).resolve()
