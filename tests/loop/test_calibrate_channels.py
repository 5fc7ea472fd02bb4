"""Calibration opens the simulated subject the config describes (its channel count included).

Real parts: the simulated subject in its own process on LSL. The calibration reads it through
:func:`neurolink.loop.calibration.record.open_source`, the one place it starts the subject.
"""

from __future__ import annotations

import contextlib

import pytest

from neurolink.loop.calibration.record import open_source
from neurolink.loop.session.config import parse_config


@pytest.mark.parametrize("channels", [128])
def test_calibration_source_has_the_configured_channels(channels: int) -> None:
    cfg = parse_config(
        f'[source]\nkind = "simulated"\n[source.simulated]\nchannels = {channels}\nseed = 3\n'
    )
    with contextlib.ExitStack() as stack:
        source, subject, control = open_source(cfg, 2.0, stack, control=True)
        assert subject is not None and control is not None
        assert len(source.channels) == channels  # not the default 96
        block = None
        for _ in range(50):
            block = source.read(0.2)
            if block is not None and block.n_samples:
                break
        assert block is not None and block.data.shape[1] == channels
