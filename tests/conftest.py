"""Shared fixtures: the real recordings in ../shared/data and unique LSL stream names."""

from __future__ import annotations

import os

# One BLAS thread: on the 2-core CI machine, OpenBLAS threads fighting over the cores make the
# small matrix work of decoders up to 30x slower. Set before numpy is first imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# No per-example deadline: the suite's computation runs beside the real-time tests under
# SCHED_IDLE (tests/suite.py), where an example may wait for a CPU; what a property test checks
# is its property, not its speed (a test's own @settings still sets its example count).
settings.register_profile("neurolink", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("neurolink")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest closed-loop sessions last (``tests/suite.py``'s ``RUN_LAST``); a stable sort,
    so every other test keeps its place and a file's tests stay together."""
    from tests.suite import run_last_rank

    def rank(item: pytest.Item) -> int:
        try:
            return run_last_rank(item.path.relative_to(REPO).as_posix())
        except ValueError:  # a test outside this repository (the suite runner's own trees)
            return -1

    items.sort(key=rank)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ``../shared/data`` (the real recordings; never copied into the repo)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"../shared/data not found at {SHARED_DATA}: clone the repo beside shared/")
    return SHARED_DATA


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A stream name (also usable as source_id) unique to this test run."""
    return f"nltest-{request.node.name[:40]}-{uuid.uuid4().hex[:10]}"
