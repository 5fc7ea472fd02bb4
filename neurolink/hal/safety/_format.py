"""Number formatting for one-line safety messages."""

from __future__ import annotations

__all__ = ["fmt", "fmt_vs"]


def fmt(x: float, digits: int = 4) -> str:
    """Format ``x`` with ``digits`` significant digits, trailing zeros dropped (``%g``)."""
    return f"{x:.{digits}g}"


def fmt_vs(value: float, limit: float) -> tuple[str, str]:
    """Format a value and the limit it broke with enough digits to tell them apart.

    Starts at 4 significant digits and adds digits until the two strings differ (or 17 digits,
    enough to show any two distinct doubles), so "100.001 exceeds 100" never reads as
    "100 exceeds 100".
    """
    for digits in range(4, 18):
        a, b = fmt(value, digits), fmt(limit, digits)
        if a != b:
            return a, b
    return fmt(value, 17), fmt(limit, 17)
