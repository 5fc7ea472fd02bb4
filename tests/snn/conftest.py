"""Fixtures of the SNN tests: the conformance backends.

The chip backend is the emulator (``firmware_sim``); a missing or broken emulator fails its
cases (BackendUnavailableError), it never skips them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

from neurolink.snn import golden

#: Backends that must reproduce the chip bit for bit (golden files, hand-derived cases).
CONFORMANCE_BACKENDS = ["fixed", "chip"]


@pytest.fixture(params=CONFORMANCE_BACKENDS)
def conformance_backend(request: pytest.FixtureRequest) -> str:
    """Each backend that must match the chip bit for bit (parametrizes the test)."""
    return request.param


@pytest.fixture
def run_golden() -> Callable[[Mapping[str, Any], str], dict[str, np.ndarray]]:
    """``golden.run(config, backend)``."""
    return golden.run
