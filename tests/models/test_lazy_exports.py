"""The model packages export their names on first use: every public name resolves to the
object its module defines, and the simulated subject's process (which needs only the refractory
Poisson unit) starts without importing the heavy model stack (checked in a fresh interpreter)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

PACKAGES = ("neurolink.models", "neurolink.models.dynamics")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_is_the_object_its_module_defines(package: str) -> None:
    pkg = importlib.import_module(package)
    assert sorted(pkg.__all__) == sorted(pkg._EXPORTS)
    for name in pkg.__all__:
        module = importlib.import_module(pkg._EXPORTS[name])
        assert getattr(pkg, name) is getattr(module, name)
        assert name in dir(pkg)
    with pytest.raises(AttributeError, match=f"module '{package}' has no attribute 'Nope'"):
        pkg.Nope  # noqa: B018


def test_the_subject_process_imports_no_model_it_does_not_use() -> None:
    code = (
        "import json, sys; import neurolink.sim.cortex_stream; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('scipy', 'networkx', "
        "'neurolink.models')))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert "neurolink.models.point_process" in loaded
    heavy = {"scipy.integrate", "scipy.signal", "networkx", "neurolink.models.analysis"}
    assert not heavy & loaded, heavy & loaded
