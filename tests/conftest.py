"""Shared fixtures: the real recordings in ../shared/data and unique LSL stream names."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


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
