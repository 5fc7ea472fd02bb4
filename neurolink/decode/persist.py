"""Model files: one ``.npz`` holding the learned arrays and a JSON metadata record. No pickle.

Layout (format version :data:`FORMAT_VERSION`):

- ``__meta__``: UTF-8 JSON as a ``uint8`` array, with ``format`` (:data:`FORMAT_NAME`),
  ``format_version``, ``class`` (decoder class name), ``model_version`` (the class's own layout
  version), ``neurolink_version``, ``params`` (constructor arguments), ``attrs`` (learned
  attributes that are plain JSON values), ``tuples`` (names of those that are tuples) and
  ``arrays`` (names of the learned attributes stored as arrays);
- one array per learned array attribute, under its name.

Files are written with ``numpy.savez`` and read with :func:`neurolink.bounded.read_npz`: object
arrays can neither be written nor read, every declared size is checked before anything is
allocated (at most :data:`~neurolink.bounded.limits.MAX_MODEL_BYTES` uncompressed, and half the
memory this process may use), and the metadata's JSON size and depth are bounded. A file of
another format version, another class or another ``model_version`` of the class is refused
with a :class:`~neurolink.decode.errors.ModelFileError` naming both versions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

import neurolink
from neurolink.bounded import loads_bounded, memory_budget, read_npz
from neurolink.bounded.limits import MAX_MODEL_BYTES
from neurolink.decode.errors import ModelFileError

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "read_model_file", "write_model_file"]

#: Identifies a neurolink decoder file.
FORMAT_NAME = "neurolink.decoder"
#: Version of the file layout described above.
FORMAT_VERSION = 1
_META = "__meta__"


def _json_value(name: str, value: Any) -> Any:
    """Convert a parameter or learned scalar to plain JSON (tuples to lists, numpy to Python)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not np.isfinite(value):
            raise ValueError(f"{name} = {value} cannot be stored in a model file's JSON record")
        return value
    if isinstance(value, tuple | list):
        return [_json_value(name, v) for v in value]
    raise TypeError(f"{name} of type {type(value).__name__} cannot be stored in a model file")


def _tuples(value: Any) -> Any:
    """Lists back to tuples, recursively (parameters are stored as lists by JSON)."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def write_model_file(
    path: str | Path,
    class_name: str,
    model_version: int,
    params: dict[str, Any],
    learned: dict[str, Any],
) -> Path:
    """Write a model file.

    Parameters
    ----------
    path : str or pathlib.Path
        Destination; written as given (no suffix is added; ``.npz`` is the convention).
    class_name : str
        Decoder class name.
    model_version : int
        The class's layout version.
    params : dict
        Constructor arguments (JSON values, tuples allowed).
    learned : dict
        Learned attributes: numpy arrays (not of object dtype) or JSON values.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    attrs: dict[str, Any] = {}
    tuples: list[str] = []
    for name, value in learned.items():
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject:
                raise TypeError(f"learned attribute {name} is an object array: not storable")
            arrays[name] = value
        else:
            attrs[name] = _json_value(name, value)
            if isinstance(value, tuple):
                tuples.append(name)
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "class": class_name,
        "model_version": int(model_version),
        "neurolink_version": neurolink.__version__,
        "params": {k: _json_value(k, v) for k, v in params.items()},
        "attrs": attrs,
        "tuples": tuples,
        "arrays": sorted(arrays),
    }
    blob = np.frombuffer(json.dumps(meta, sort_keys=True).encode("utf-8"), dtype=np.uint8)
    with path.open("wb") as fh:
        np.savez(fh, **{_META: blob}, **arrays)
    return path


def read_model_file(
    path: str | Path, class_name: str | None, model_version: int | None
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Read and check a model file.

    Parameters
    ----------
    path : str or pathlib.Path
    class_name : str, optional
        Required decoder class; ``None`` accepts any (the caller dispatches on the returned name).
    model_version : int, optional
        Required layout version of that class; checked when ``class_name`` is given.

    Returns
    -------
    params : dict
        Constructor arguments (lists turned back into tuples).
    learned : dict
        Learned attributes (arrays and JSON values).
    class_name : str
        The class the file holds.

    Raises
    ------
    ModelFileError
        Missing or unreadable file, not a decoder file, another class, or another version.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"cannot read model file {path}: no such file")
    budget = memory_budget()
    limit = min(MAX_MODEL_BYTES, budget // 2) if budget else MAX_MODEL_BYTES
    stored = read_npz(path, max_total=limit, max_member=limit, error=ModelFileError)
    if _META not in stored:
        raise ModelFileError(f"{path} is not a neurolink decoder file (no {_META})")
    blob = stored.pop(_META)
    if blob.dtype != np.uint8 or blob.ndim != 1:
        raise ModelFileError(f"{path}: {_META} is not a UTF-8 byte array")
    meta = loads_bounded(blob.tobytes(), f"{path}: metadata", ModelFileError)
    arrays = stored
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{path} is not a neurolink decoder file")
    lacking = [k for k in ("params", "attrs", "tuples", "arrays") if k not in meta]
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has model-file format version {meta.get('format_version')} (written by "
            f"neurolink {meta.get('neurolink_version')}); this neurolink "
            f"({neurolink.__version__}) reads version {FORMAT_VERSION}: refit the decoder"
        )
    found = meta.get("class")
    if class_name is not None:
        if found != class_name:
            raise ModelFileError(f"{path} holds a {found}, not a {class_name}")
        if meta.get("model_version") != model_version:
            raise ModelFileError(
                f"{path} holds a {found} of layout version {meta.get('model_version')}; this "
                f"neurolink reads {found} version {model_version}: refit the decoder"
            )
    if lacking:
        raise ModelFileError(f"{path}: the metadata record lacks {lacking}")
    kinds = {"params": dict, "attrs": dict, "tuples": list, "arrays": list, "class": str}
    wrong = [k for k, t in kinds.items() if not isinstance(meta.get(k), t)]
    if wrong or not all(isinstance(n, str) for n in (*meta["arrays"], *meta["tuples"])):
        raise ModelFileError(f"{path}: the metadata record has entries of the wrong type {wrong}")
    missing = sorted(set(meta["arrays"]) - set(arrays))
    if missing:
        raise ModelFileError(f"{path} lacks arrays {missing}")
    learned: dict[str, Any] = dict(arrays)
    for name, value in meta["attrs"].items():
        learned[name] = _tuples(value) if name in meta["tuples"] else value
    params = {k: _tuples(v) for k, v in meta["params"].items()}
    return params, learned, str(found)
