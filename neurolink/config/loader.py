"""Generic entry points: read a TOML file, TOML text or nested dicts into a given schema class.

The schema is any frozen dataclass the table engine (:mod:`neurolink.config.tables`) can load;
neurolink's own top-level schema and its ``load_config`` family live where the sections are
composed, :mod:`neurolink.loop.session.config`.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from neurolink.bounded.limits import MAX_TOML_BYTES, gib
from neurolink.bounded.toml_text import loads_bounded
from neurolink.config.tables import Context, load_table, to_plain
from neurolink.errors import ConfigError

__all__ = ["load_file", "load_mapping", "load_text", "to_data"]

T = TypeVar("T")

_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


def load_file(schema: type[T], path: str | os.PathLike[str]) -> T:
    """Read and validate a TOML file as ``schema``.

    Parameters
    ----------
    schema : type
        The top-level dataclass.
    path : str or path-like
        The file. Relative paths inside it are resolved against its folder.

    Returns
    -------
    schema
        The validated instance.

    Raises
    ------
    ConfigError
        ``FILE:LINE: `key.path`: what is wrong``; also for a missing file or invalid TOML.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_TOML_BYTES:
            raise ConfigError(
                f"{path}: {gib(size)} of TOML, more than the limit of {gib(MAX_TOML_BYTES)}"
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    return load_text(schema, text, filename=str(path), base_dir=path.parent)


def load_text(
    schema: type[T],
    text: str,
    filename: str = "<string>",
    base_dir: str | os.PathLike[str] | None = None,
) -> T:
    """Validate TOML text as ``schema``.

    Parameters
    ----------
    schema : type
        The top-level dataclass.
    text : str
        TOML.
    filename : str
        Name used in error messages.
    base_dir : str or path-like, optional
        Folder that relative paths are resolved against (default: the working directory).

    Returns
    -------
    schema
        The validated instance.

    Raises
    ------
    ConfigError
        On invalid TOML (with tomllib's line and column), TOML over the size or nesting limits
        (:data:`~neurolink.bounded.limits.MAX_TOML_DEPTH` levels of arrays and inline tables),
        or any invalid value.
    """
    try:
        data = loads_bounded(text, filename, ConfigError)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_POSITION.search(str(exc))
        where = f"{filename}:{m.group(1)}" if m else filename
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    return load_table(schema, data, Context(filename, _base(base_dir), text=text))


def load_mapping(
    schema: type[T],
    data: Mapping[str, Any],
    filename: str = "<dict>",
    base_dir: str | os.PathLike[str] | None = None,
    *,
    strings: bool = False,
) -> T:
    """Validate nested dicts (as :func:`to_data` returns) as ``schema``.

    Parameters
    ----------
    schema : type
        The top-level dataclass.
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
    schema
        The validated instance.
    """
    return load_table(schema, data, Context(filename, _base(base_dir), strings=strings))


def to_data(config: object) -> dict[str, Any]:
    """A loaded config as plain data (JSON- and TOML-ready); :func:`load_mapping` inverts it.

    Parameters
    ----------
    config : dataclass instance
        A validated config.

    Returns
    -------
    dict
        Every value resolved (defaults filled in, paths absolute); ``None`` values left out.
    """
    return to_plain(config)


def _base(base_dir: str | os.PathLike[str] | None) -> Path:
    return Path.cwd() if base_dir is None else Path(base_dir).resolve()
