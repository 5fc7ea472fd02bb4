"""The one way around the host safety layer: an explicit, reasoned, recorded marker."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NoHostSafety"]


@dataclass(frozen=True, slots=True)
class NoHostSafety:
    """Marker that turns the host limit checks off for one safety layer, on purpose.

    There is no global "disable" flag. The only way to let an out-of-limit command reach a
    device — to test that the *device* refuses it too (DESIGN.md §5: two lines of defence) — is
    to build a :class:`~neurolink.hal.safety.SafetyLayer` (and so a driver) with
    ``bypass=NoHostSafety("why")``. The layer then records ``HOST_SAFETY_BYPASSED`` with the
    reason when it is built and every command as ``UNCHECKED``. The e-stop latch stays in force:
    a bypassed layer still refuses commands while the e-stop is tripped.

    Parameters
    ----------
    reason : str
        Why the host checks are off (mandatory, non-empty; recorded).

    Examples
    --------
    >>> NoHostSafety("test: emulated stimulator must NACK 5 mA")
    NoHostSafety(reason='test: emulated stimulator must NACK 5 mA')
    """

    reason: str

    def __post_init__(self) -> None:
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise ValueError(f"NoHostSafety needs a non-empty reason string, got {self.reason!r}")
