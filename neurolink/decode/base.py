"""The behaviour every decoder shares: the scikit-learn contract, model files, channel labels.

Contract (DESIGN.md §2 "Nodes", STYLE.md item 10):

- ``__init__`` only stores its arguments, under their own names (:meth:`Decoder.get_params`);
- ``fit(X, y)`` returns ``self`` and forgets everything a previous fit learned;
- ``partial_fit(X, y)``, where an online update makes sense, adds data to what was learned
  (the first call starts a fit); the decoders that have it keep sufficient statistics as learned
  attributes, so that fitting in chunks equals one fit on all the data and a saved model can be
  updated after loading;
- learned attributes end in ``_`` (and only they are saved); private ``_buffers`` hold the online
  state of :meth:`step`, rebuilt by :meth:`reset`;
- ``save(path)`` / ``load(path, channels=...)`` write and read ``.npz`` + JSON (no pickle), see
  :mod:`neurolink.decode.persist`.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from neurolink.decode.checks import check_channels
from neurolink.decode.errors import ChannelMismatchError, DecoderError, NotFittedError
from neurolink.decode.persist import read_model_file, write_model_file

__all__ = ["Decoder"]


class Decoder:
    """Base class of the decoders: parameters, fitted state, model files, channel checks.

    Subclasses define ``__init__`` (storing each argument under its own name, nothing else),
    ``fit`` (which calls :meth:`_start_fit` first and :meth:`_finish_fit` last) and, when they
    decode online, ``step`` and ``reset``.

    Attributes
    ----------
    model_version : int
        Layout version of the learned attributes of the class; a file of another version is
        refused on load. Bump it when a learned attribute changes meaning.
    n_features_in_ : int
        Number of input columns seen by ``fit`` (units, features or channels).
    channels_ : tuple of str or None
        Labels of those columns, when ``fit`` was given them.
    """

    model_version: ClassVar[int] = 1

    # ------------------------------------------------------------------ parameters
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        names = []
        for p in sig.parameters.values():
            if p.name == "self":
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(f"{cls.__name__}.__init__ must not take *args or **kwargs")
            names.append(p.name)
        return names

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments, by name.

        Returns
        -------
        dict
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Self:
        """Set constructor arguments (takes effect at the next ``fit``).

        Returns
        -------
        self
        """
        valid = set(self._param_names())
        for name, value in params.items():
            if name not in valid:
                raise TypeError(f"{type(self).__name__} has no parameter {name!r}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # ------------------------------------------------------------------ fitted state
    def _learned(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k.endswith("_") and not k.startswith("_")}

    @property
    def is_fitted(self) -> bool:
        """Whether ``fit`` (or ``load``) has completed (a fit that raised leaves it False)."""
        return vars(self).get("_fitted", False)

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError(f"{type(self).__name__} is not fitted: call fit(X, y) first")

    def _start_fit(self, n_features: int, channels: Sequence[str] | None) -> None:
        """Forget everything learned before, and record the input columns."""
        for name in list(self._learned()):
            delattr(self, name)
        for name in [k for k in vars(self) if k.startswith("_") and not k.startswith("__")]:
            delattr(self, name)
        self.channels_ = check_channels(channels, n_features, type(self).__name__)
        self.n_features_in_ = int(n_features)

    def _start_partial(self, first: bool, n_features: int, channels: Sequence[str] | None) -> None:
        """Begin a ``partial_fit`` call: the first starts a fit; a later one checks the labels.

        Parameters
        ----------
        first : bool
            Whether no statistics have been accumulated yet.
        n_features : int
            Columns of the new data (already checked against ``n_features_in_`` when not first).
        channels : sequence of str, optional
            Labels of those columns; on a later call they must be the model's.
        """
        if first:
            self._start_fit(n_features, channels)
            return
        given = check_channels(channels, n_features, type(self).__name__)
        if given is not None and given != self.channels_:
            raise ChannelMismatchError(
                f"{type(self).__name__}.partial_fit: channels {list(given)[:10]} are not the "
                f"ones the model was fitted on, {list(self.channels_ or ())[:10]}"
            )

    def _check_same_width(self, have: int, expected: int, what: str) -> None:
        """Raise when later ``partial_fit`` data have another number of ``what`` columns."""
        if have != expected:
            raise DecoderError(
                f"{type(self).__name__}.partial_fit: y has {have} {what}, the model was fitted "
                f"on {expected}"
            )

    def _finish_fit(self) -> None:
        """Hook run after fit and after load: build private caches, reset the online state."""
        self._prepare()
        self._fitted = True
        self.reset()

    def _prepare(self) -> None:
        """Build private caches derived from the learned attributes (default: none)."""

    def reset(self) -> None:
        """Forget the online state of :meth:`step` (default: nothing to forget)."""

    # ------------------------------------------------------------------ files
    def save(self, path: str | Path) -> Path:
        """Write the fitted model to ``path`` (``.npz`` with a JSON record; never pickle).

        Parameters
        ----------
        path : str or pathlib.Path
            Destination file (``.npz`` by convention; written as given).

        Returns
        -------
        pathlib.Path
        """
        self._check_fitted()
        return write_model_file(
            path, type(self).__name__, self.model_version, self.get_params(), self._learned()
        )

    @classmethod
    def load(cls, path: str | Path, channels: Sequence[str] | None = None) -> Self:
        """Read a model written by :meth:`save`.

        Parameters
        ----------
        path : str or pathlib.Path
        channels : sequence of str, optional
            Labels of the columns the model will be given (in order). When given they must equal
            the labels it was fitted on (or, for a model fitted without labels, be as many).

        Returns
        -------
        Decoder
            A fitted instance of this class, with its online state reset.

        Raises
        ------
        ModelFileError
            Unreadable file, another decoder class, or an incompatible version.
        ChannelMismatchError
            ``channels`` differ from the model's.
        """
        if cls is Decoder:
            raise TypeError("call load on a decoder class, or use neurolink.decode.load_decoder")
        params, learned, _ = read_model_file(path, cls.__name__, cls.model_version)
        return cls._from_file(params, learned, channels)

    @classmethod
    def _from_file(
        cls, params: dict[str, Any], learned: dict[str, Any], channels: Sequence[str] | None
    ) -> Self:
        obj = cls(**params)
        for name, value in learned.items():
            setattr(obj, name, value)
        obj._finish_fit()
        if channels is not None:
            obj.check_channels(channels)
        return obj

    def check_channels(self, channels: Sequence[str]) -> None:
        """Check that ``channels`` are the columns this model was fitted on, in order.

        Raises
        ------
        ChannelMismatchError
            Another number of channels, other labels, or another order (the message lists the
            missing and unexpected labels).
        """
        self._check_fitted()
        who = type(self).__name__
        given = tuple(str(c) for c in channels)
        if self.channels_ is None:
            if len(given) != self.n_features_in_:
                raise ChannelMismatchError(
                    f"{who} was fitted on {self.n_features_in_} channels, {len(given)} given"
                )
            return
        if given == self.channels_:
            return
        missing = [c for c in self.channels_ if c not in given]
        extra = [c for c in given if c not in self.channels_]
        if not missing and not extra:
            raise ChannelMismatchError(
                f"{who}: channels are the model's but in another order; the model expects "
                f"{list(self.channels_)}"
            )
        raise ChannelMismatchError(
            f"{who} was fitted on {len(self.channels_)} other channels: missing {missing[:10]}, "
            f"unexpected {extra[:10]}"
        )
