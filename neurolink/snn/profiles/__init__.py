"""Chip profiles: the arithmetic of each chip, one file per chip, looked up by name."""

from __future__ import annotations

from neurolink.snn.errors import SpecError
from neurolink.snn.profiles.base import Overflow, Profile, Resources, StateWidth
from neurolink.snn.profiles.loihi import LOIHI, LoihiProfile
from neurolink.snn.profiles.xylo import XYLO, XyloProfile

__all__ = [
    "PROFILES",
    "LoihiProfile",
    "Overflow",
    "Profile",
    "Resources",
    "StateWidth",
    "XyloProfile",
    "get_profile",
]

#: Registered profiles by name. A new chip adds its file and one entry here.
PROFILES: dict[str, Profile] = {LOIHI.name: LOIHI, XYLO.name: XYLO}


def get_profile(profile: str | Profile) -> Profile:
    """Return the profile named ``profile`` (or ``profile`` itself if already a Profile).

    Raises
    ------
    SpecError
        If no profile has that name.
    """
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        raise SpecError(
            f"unknown chip profile {profile!r}; known profiles: {', '.join(sorted(PROFILES))}"
        ) from None
