"""The generic engine: load a TOML table into a frozen dataclass, checking everything.

A config section is a frozen dataclass whose type hints say what each key holds. The loader
walks the TOML dict against the fields and raises :class:`~neurolink.errors.ConfigError` with a
one-line message ``FILE:LINE: `key.path`: what is wrong`` on the first problem it finds.

Supported field types: ``str``, ``int``, ``float`` (an integer is accepted), ``bool`` (never
accepted for a number, and no number for it), ``pathlib.Path`` (resolved against the config
file's directory), ``Literal[...]``, ``tuple[X, ...]`` and ``tuple[X, Y]`` (TOML arrays),
``X | None`` (the key may be absent; TOML has no null), unions of the above (``str | int``),
nested dataclasses (TOML tables), tuples of dataclasses (arrays of tables) and tagged unions
(:class:`Variants`).

Floats are finite: ``nan``, ``inf`` and ``-inf`` (TOML spells them so) are refused with the
key's line unless the field says ``setting(..., nonfinite=True)`` (issue 13: ``velocity.gain =
nan`` used to pass the loader and fail at run time).

Rules go in the field metadata (keys ``gt``, ``ge``, ``lt``, ``le``, ``choices``, ``exists``,
``variants``, ``was``, ``nonfinite``), most easily through :func:`setting`, or through
``dataclasses.field(metadata=...)`` where a field holds a section or a path (ruff's RUF009
objects to other calls there). A class may also define ``validate(self, scope) -> Self`` for
checks that involve several keys or outside knowledge; it returns the (possibly completed)
instance and raises ``scope.error(key, message)``.

A key that was renamed keeps its old spelling in ``was``: the old key is still read, with a
:class:`ConfigKeyDeprecation` warning (shown by default) that names the new key; giving both is
an error.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING, dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from neurolink.config.locate import KeyPath, LineLocator, format_path
from neurolink.config.words import describe, got, suggest
from neurolink.errors import ConfigError

__all__ = [
    "ConfigKeyDeprecation",
    "Context",
    "Scope",
    "Variants",
    "load_table",
    "setting",
    "to_plain",
]

T = TypeVar("T")

_RULES = ("gt", "ge", "lt", "le", "choices", "exists", "variants", "was", "nonfinite")


class ConfigKeyDeprecation(DeprecationWarning):
    """A config used the old spelling of a renamed key (the message names the new one).

    Unlike other ``DeprecationWarning``s it is shown by default (a filter is installed when
    this module is imported), since the person who can fix it reads the config, not the code.
    """


warnings.filterwarnings("default", category=ConfigKeyDeprecation)


def setting(
    default: Any = MISSING,
    *,
    default_factory: Callable[[], Any] | Any = MISSING,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    choices: Sequence[Any] | None = None,
    exists: bool = False,
    variants: Variants | None = None,
    was: Sequence[str] = (),
    nonfinite: bool = False,
) -> Any:
    """A dataclass field with validation rules in its metadata.

    Parameters
    ----------
    default, default_factory
        As for :func:`dataclasses.field`; give neither for a required key.
    gt, ge, lt, le : float, optional
        Bounds on a number (strict and inclusive).
    choices : sequence, optional
        Allowed values (use ``Literal`` when the set is fixed; ``choices`` when it is computed).
    exists : bool
        For a ``Path``: the file or folder must exist.
    variants : Variants, optional
        The field is a tagged union of these classes.
    was : sequence of str
        Old spellings of the key, still read with a :class:`ConfigKeyDeprecation` warning.
    nonfinite : bool
        For a ``float``: accept ``nan``, ``inf`` and ``-inf`` (refused by default).

    Rules given for a tuple field apply to each of its elements.

    Returns
    -------
    dataclasses.Field
        Use it as the field's default: ``rate: float = setting(1.0, gt=0)``.
    """
    given = {"gt": gt, "ge": ge, "lt": lt, "le": le, "choices": choices, "variants": variants}
    metadata: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    if choices is not None:
        metadata["choices"] = tuple(choices)
    if exists:
        metadata["exists"] = True
    if was:
        metadata["was"] = tuple(was)
    if nonfinite:
        metadata["nonfinite"] = True
    return dataclasses.field(default=default, default_factory=default_factory, metadata=metadata)


class Variants:
    """A tagged union of section classes (for example the source kinds).

    In TOML the tag key selects a class, whose keys live in a sub-table named after the tag
    value; sub-tables of the other variants may stay in the file and are ignored (so one file
    can keep settings for several sources and switch with one line)::

        [source]
        kind = "lsl"
        [source.lsl]
        name = "EEG"

    Parameters
    ----------
    what : str
        What the tag names, for messages (``"source kind"``).
    tag : str
        The key that selects the variant.
    """

    def __init__(self, what: str, tag: str = "kind") -> None:
        self.what = what
        self.tag = tag
        self.classes: dict[str, type] = {}

    def register(self, cls: type[T]) -> type[T]:
        """Class decorator: add a dataclass whose class attribute named like the tag is set."""
        name = getattr(cls, self.tag, None)
        if not dataclasses.is_dataclass(cls) or not isinstance(name, str):
            raise TypeError(f"{cls.__name__} needs to be a dataclass with `{self.tag}: ClassVar`")
        if name in self.classes:
            raise ValueError(f"{self.what} {name!r} registered twice")
        self.classes[name] = cls
        return cls

    def name_of(self, obj: object) -> str:
        """Tag value of a registered instance."""
        return str(getattr(obj, self.tag))


@dataclass(frozen=True)
class Context:
    """Where a config comes from: the name used in messages, its text and its directory.

    Parameters
    ----------
    filename : str
        Shown at the start of every message.
    base_dir : Path
        Relative paths in the config are resolved against it.
    text : str or None
        The TOML text, for line numbers (None for a config given as a dict).
    strings : bool
        Accept strings for numbers, booleans and comma-separated lists (command-line values).
    """

    filename: str
    base_dir: Path
    text: str | None = None
    strings: bool = False

    @functools.cached_property
    def locator(self) -> LineLocator | None:
        """Line locator of the text (built on the first error only)."""
        return LineLocator(self.text) if self.text is not None else None

    def where(self, path: KeyPath) -> str:
        """``FILE:LINE`` of a key path (``FILE`` when the line is unknown)."""
        line = self.locator.line(path) if self.locator is not None and path else None
        return self.filename if line is None else f"{self.filename}:{line}"

    def error(self, path: KeyPath, message: str) -> ConfigError:
        """A ConfigError ``FILE:LINE: `path`: message`` (line omitted when unknown)."""
        what = f" `{format_path(path)}`:" if path else ""
        return ConfigError(f"{self.where(path)}:{what} {message}")


@dataclass(frozen=True)
class Scope:
    """What a section's ``validate`` hook sees: its place in the file and the keys given.

    Attributes
    ----------
    context : Context
        The config being loaded.
    path : tuple
        Key path of the section's table.
    given : frozenset of str
        Keys written in the table (as opposed to defaults).
    """

    context: Context
    path: KeyPath
    given: frozenset[str]

    @property
    def base_dir(self) -> Path:
        """Directory that relative paths are resolved against."""
        return self.context.base_dir

    def error(self, key: str | int | None, message: str) -> ConfigError:
        """A ConfigError for ``key`` of this section (or the section itself when None)."""
        path = self.path if key is None else (*self.path, key)
        return self.context.error(path, message)


def load_table(cls: type[T], data: Any, context: Context, path: KeyPath = ()) -> T:
    """Build a dataclass ``cls`` from a TOML table, validating every key.

    Parameters
    ----------
    cls : type
        A (frozen) dataclass.
    data : dict
        The table as parsed by :mod:`tomllib`.
    context : Context
        Where the config comes from (for messages and relative paths).
    path : tuple
        Key path of the table (empty for the whole document).

    Returns
    -------
    cls
        The instance, after the class's ``validate`` hook, if any.

    Raises
    ------
    ConfigError
        Unknown key (with a suggestion), missing required key, wrong type, value out of range.
    """
    if not isinstance(data, Mapping):
        raise context.error(path, f"expected a table, got {got(data)}")
    fields = [f for f in dataclasses.fields(cls) if f.init]  # type: ignore[arg-type]
    given = _given_keys(fields, data, context, path)
    hints = _hints(cls)
    kwargs = {}
    for f in fields:  # what is given first: a misplaced key is the likelier mistake
        if f.name in given:
            key = given[f.name]
            kwargs[f.name] = _convert(hints[f.name], data[key], f.metadata, context, (*path, key))
    for f in fields:
        if f.name not in given and f.default is MISSING and f.default_factory is MISSING:
            raise context.error((*path, f.name), _missing(hints[f.name], f.metadata))
    obj = cls(**kwargs)
    hook = getattr(obj, "validate", None)
    if callable(hook):
        obj = hook(Scope(context, path, frozenset(given)))
    return obj


def _given_keys(
    fields: Sequence[dataclasses.Field[Any]], data: Mapping[str, Any], ctx: Context, path: KeyPath
) -> dict[str, str]:
    """Field name → the key that gives it in ``data`` (an old spelling warns; unknown raises)."""
    old = {was: f.name for f in fields for was in f.metadata.get("was", ())}
    names = [f.name for f in fields]
    given: dict[str, str] = {}
    for key in data:
        name = old.get(key, key)
        if name not in names:
            raise ctx.error((*path, key), "unknown key" + suggest(key, names))
        if name in given:
            first, second = sorted((key, given[name]), key=lambda k: k != name)
            raise ctx.error(
                (*path, second), f"`{second}` is the old name of `{first}`; give only `{first}`"
            )
        given[name] = key
        if name != key:
            warnings.warn(
                f"{ctx.where((*path, key))}: `{format_path((*path, key))}` is deprecated; "
                f"use `{format_path((*path, name))}`",
                ConfigKeyDeprecation,
                stacklevel=2,
            )
    return given


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """Resolved type hints of a section class, after checking its rule names."""
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        unknown = set(f.metadata) - set(_RULES)
        if unknown:
            raise TypeError(f"{cls.__name__}.{f.name}: unknown config rule(s) {sorted(unknown)}")
    return typing.get_type_hints(cls)


def _missing(tp: Any, meta: Mapping[str, Any]) -> str:
    variants: Variants | None = meta.get("variants")
    if variants is not None:
        kinds = ", ".join(repr(k) for k in variants.classes)
        return f"missing required table with `{variants.tag}` = one of {kinds}"
    if dataclasses.is_dataclass(tp):
        return "missing required table"
    return f"missing required key ({describe(tp)})"


def _convert(tp: Any, value: Any, meta: Mapping[str, Any], ctx: Context, path: KeyPath) -> Any:
    """Convert and check one value against its type hint and rules."""
    origin = typing.get_origin(tp)
    if origin is tuple:
        return _convert_tuple(tp, value, meta, ctx, path)
    if meta.get("variants") is not None:
        return _convert_variant(meta["variants"], value, ctx, path)
    if origin in (typing.Union, types.UnionType):
        arms = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(arms) == 1:  # `X | None`: absent means None, a value must be an X
            return _convert(arms[0], value, meta, ctx, path)
        for arm in arms:
            if _matches(arm, value, ctx.strings):
                return _convert(arm, value, meta, ctx, path)
        expected = " or ".join(describe(a) for a in arms)
        raise ctx.error(path, f"expected {expected}, got {got(value)}")
    if origin is Literal:
        options = typing.get_args(tp)
        if value in options and isinstance(value, type(options[0])):
            return value
        if isinstance(value, str):
            raise ctx.error(path, f"unknown value {value!r}" + suggest(value, options))
        raise ctx.error(path, f"expected {describe(tp)}, got {got(value)}")
    if dataclasses.is_dataclass(tp):
        return load_table(tp, value, ctx, path)  # type: ignore[arg-type]
    return _check_rules(_convert_scalar(tp, value, ctx, path), meta, ctx, path)


def _convert_tuple(
    tp: Any, value: Any, meta: Mapping[str, Any], ctx: Context, path: KeyPath
) -> tuple[Any, ...]:
    if ctx.strings and isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple):
        raise ctx.error(path, f"expected {describe(tp)}, got {got(value)}")
    args = typing.get_args(tp)
    if len(args) == 2 and args[1] is Ellipsis:
        arms = [args[0]] * len(value)
    elif len(args) != len(value):
        raise ctx.error(path, f"expected {describe(tp)}, got an array of {len(value)}")
    else:
        arms = list(args)
    return tuple(
        _convert(a, v, meta, ctx, (*path, i))
        for i, (a, v) in enumerate(zip(arms, value, strict=True))
    )


def _convert_variant(variants: Variants, value: Any, ctx: Context, path: KeyPath) -> Any:
    if not isinstance(value, Mapping):
        raise ctx.error(path, f"expected a table, got {got(value)}")
    kinds = list(variants.classes)
    tag = variants.tag
    for key in value:
        if key != tag and key not in kinds:
            raise ctx.error((*path, key), "unknown key" + suggest(key, [tag, *kinds]))
    if tag not in value:
        raise ctx.error((*path, tag), _missing(None, {"variants": variants}))
    kind = value[tag]
    if not isinstance(kind, str):
        raise ctx.error((*path, tag), f"expected a string, got {got(kind)}")
    if kind not in variants.classes:
        raise ctx.error((*path, tag), f"unknown {variants.what} {kind!r}" + suggest(kind, kinds))
    return load_table(variants.classes[kind], value.get(kind, {}), ctx, (*path, kind))


def _convert_scalar(tp: Any, value: Any, ctx: Context, path: KeyPath) -> Any:
    if ctx.strings and isinstance(value, str) and tp in (int, float, bool):
        value = _from_string(tp, value)
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif tp is str or tp is Path:
        ok = isinstance(value, str)
    else:
        raise TypeError(f"config type {tp!r} at `{format_path(path)}` is not supported")
    if not ok:
        raise ctx.error(path, f"expected {describe(tp)}, got {got(value)}")
    if tp is float:
        return float(value)
    if tp is Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else (ctx.base_dir / p).resolve()
    return value


def _from_string(tp: type, value: str) -> Any:
    """Parse a command-line string as ``tp``; return it unchanged when it does not parse."""
    text = value.strip().lower()
    if tp is bool:
        return {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(
            text, value
        )
    try:
        return tp(text)
    except ValueError:
        return value


def _check_rules(value: Any, meta: Mapping[str, Any], ctx: Context, path: KeyPath) -> Any:
    if isinstance(value, float) and not math.isfinite(value) and not meta.get("nonfinite"):
        raise ctx.error(path, f"must be a finite number, got {value!r}")
    bounds = (("gt", "must be >", float.__gt__), ("ge", "must be >=", float.__ge__))
    bounds += (("lt", "must be <", float.__lt__), ("le", "must be <=", float.__le__))
    for rule, text, ok in bounds:
        if rule in meta and not ok(float(value), float(meta[rule])):
            raise ctx.error(path, f"{text} {meta[rule]}, got {value!r}")
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        raise ctx.error(path, f"unknown value {value!r}" + suggest(str(value), choices))
    if meta.get("exists") and not Path(value).exists():
        raise ctx.error(path, f"file not found: {str(value)!r}")
    return value


def _matches(tp: Any, value: Any, strings: bool) -> bool:
    """Whether ``value`` has the TOML type that ``tp`` reads (to pick a union arm)."""
    origin = typing.get_origin(tp)
    if origin is Literal:
        return value in typing.get_args(tp)
    if origin is tuple:
        return isinstance(value, list)
    if dataclasses.is_dataclass(tp):
        return isinstance(value, Mapping)
    if isinstance(value, bool):
        return tp is bool
    if tp is int:
        return isinstance(value, int)
    if tp is float:
        return isinstance(value, int | float)
    if tp in (str, Path):
        return isinstance(value, str)
    if tp is bool:
        return strings and isinstance(value, str)
    return False


def to_plain(obj: Any, meta: Mapping[str, Any] | None = None) -> Any:
    """A loaded section as plain TOML/JSON-ready data (dicts, lists, str, numbers, bools).

    ``None`` values are left out (TOML has no null); tagged unions become ``{tag: name, name:
    {...}}``; paths become strings. Loading the result gives back an equal object.
    """
    variants: Variants | None = (meta or {}).get("variants")
    if isinstance(obj, tuple | list):
        return [to_plain(v, meta) for v in obj]
    if variants is not None:
        name = variants.name_of(obj)
        return {variants.tag: name, name: to_plain(obj)}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if f.init and value is not None:
                out[f.name] = to_plain(value, f.metadata)
        return out
    if isinstance(obj, Path):
        return str(obj)
    return obj
