"""The send path's C-checked fast paths agree with the per-value checks they skip.

``Origin``, ``ProsthesisCommand`` and ``PROSTHESIS_VELOCITY`` accept a tuple of Python floats
(the loop's case) without checking each value in Python; anything else takes the per-value
path. Hypothesis draws values of every kind (non-finite, beyond float32, -0.0, subnormal, ints,
bools, numpy scalars) and gives the same values once as the fast path takes them and once
through the per-value path: the results are equal, or both are refused with the same message.
"""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from neurolink.hal import wire
from neurolink.hal.commands import Origin, ProsthesisCommand
from neurolink.hal.errors import CommandError
from neurolink.hal.wire.errors import PayloadError

floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.0, -0.0, 3.4028235e38, 3.4028236e38, -3.5e38, 1e-45, 1e-46, 5e-324]
)
values = st.lists(floats, min_size=0, max_size=40)


def outcome(make, *args):
    """What ``make(*args)`` gives: ("ok", its value) or ("refused", type, message)."""
    try:
        return ("ok", make(*args))
    except (CommandError, PayloadError) as e:
        return ("refused", type(e).__name__, str(e))


def same(a, b) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "refused":
        return a == b
    x, y = a[1], b[1]
    return all(  # bit for bit: -0.0 and 0.0 differ
        struct.pack("<d", p) == struct.pack("<d", q) for p, q in zip(x, y, strict=True)
    ) and len(x) == len(y)


@given(values)
@example([0.1, -0.2])
@example([float("nan")])
@example([3.4028236e38])
@example([])
def test_prosthesis_velocity_fast_path_equals_the_per_value_path(vs: list[float]) -> None:
    fast = outcome(lambda v: wire.ProsthesisVelocity(v, 0.0).velocities, tuple(vs))
    slow = outcome(lambda v: wire.ProsthesisVelocity(v, 0.0).velocities, list(vs))
    assert same(fast, slow), (fast, slow)
    if fast[0] == "ok":  # float32 values, as the device decodes them
        n = len(vs)
        assert fast[1] == struct.unpack(f"<{n}f", struct.pack(f"<{n}f", *vs))


@given(values)
@example([0.0, -0.0])
@example([float("inf"), 1.0])
def test_prosthesis_command_fast_path_equals_the_per_value_path(vs: list[float]) -> None:
    o = Origin("s", 3, 1.5)
    fast = outcome(lambda v: ProsthesisCommand(v, origin=o).velocity, tuple(vs))
    slow = outcome(lambda v: ProsthesisCommand(v, origin=o).velocity, list(vs))
    assert same(fast, slow), (fast, slow)
    if fast[0] == "ok":
        assert all(math.isfinite(v) for v in fast[1]) and len(fast[1]) >= 1


@given(st.integers(-5, 2**70), floats)
def test_origin_fast_path_equals_the_per_value_path(i: int, t: float) -> None:
    def make(index, stamp):
        o = Origin("stream", index, stamp)
        return (float(o.sample_index), o.timestamp)

    fast = outcome(make, i, t)
    slow = outcome(make, np.int64(i) if -(2**63) <= i < 2**63 else i, np.float64(t))
    if fast[0] == "refused" or slow[0] == "refused":
        assert fast[0] == slow[0] == "refused"
    else:
        assert same(fast, slow)
        assert type(Origin("stream", i, t).sample_index) is int


@pytest.mark.parametrize(
    "velocity",
    [(True, 0.0), (1, 0.0), (np.float64(0.5), 0.0), (float("nan"), 0.0)],
)
def test_what_the_fast_path_does_not_take_is_checked_per_value(velocity: tuple) -> None:
    # bools are refused, ints and numpy floats converted, NaN refused: as before the fast path
    got = outcome(lambda v: ProsthesisCommand(v).velocity, velocity)
    if velocity[0] is True or (isinstance(velocity[0], float) and math.isnan(velocity[0])):
        assert got[0] == "refused" and "velocity[0]" in got[2]
    else:
        assert got == ("ok", (float(velocity[0]), 0.0))
        assert all(type(v) is float for v in got[1])
