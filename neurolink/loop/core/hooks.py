"""Hooks: what runs after every block besides the graph (the task, the calibration)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from neurolink.loop.core.tick import Tick

if TYPE_CHECKING:
    from neurolink.loop.core.engine import Engine

__all__ = ["Hook"]


class Hook(Protocol):
    """Called by the engine in its thread; must not block for long (see ``Engine.pause``)."""

    name: str

    def on_block(self, engine: Engine, tick: Tick) -> None:
        """After every block (``tick`` is its last chunk)."""

    def on_stop(self, engine: Engine) -> None:
        """Once, after the devices were put to rest."""

    def status(self) -> str:
        """A short fragment for the live status line ("" for none)."""
        ...

    def summary(self) -> dict[str, Any]:
        """The hook's part of the end-of-run summary."""
        ...
