"""DESIGN §1: the device side imports nothing of ``neurolink`` but the wire codec (sessions and
their HMACs included: :mod:`neurolink.hal.wire.auth` is part of the codec)."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import devices.stimulator.__main__, devices.prosthesis.__main__, devices.neuroboard.__main__
import devices.core.session, devices.core.busy, devices.neuroboard.validate
extra = sorted(m for m in sys.modules if m.startswith("neurolink")
               and m not in ("neurolink", "neurolink.hal")
               and not m.startswith("neurolink.hal.wire"))
print(",".join(extra))
"""


def test_devices_import_only_the_wire_codec() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
