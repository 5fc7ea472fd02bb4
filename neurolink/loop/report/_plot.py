"""Figure plumbing shared by the report's figures: Agg canvases, saving, the skip signal."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["MissingData", "new_figure", "save_png"]


class MissingData(Exception):
    """A figure cannot be drawn because its streams are missing or empty (the reason is str)."""


def new_figure(width: float, height: float) -> Figure:
    """A figure on an Agg canvas (no display, no pyplot state), constrained layout.

    Parameters
    ----------
    width, height : float
        Size in inches (at 100 dpi).
    """
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: Path) -> None:
    """Write ``fig`` as PNG without the software-version metadata (same data, same bytes)."""
    fig.savefig(path, format="png", metadata={"Software": None})
