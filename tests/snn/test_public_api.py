"""``neurolink.snn``'s public names: the Xylo profile and NIR, with and without the ``nir`` extra.

The NIR names are imported on first use, so ``import neurolink.snn`` must work, and must not
import ``nir``, whether or not the extra is installed. Each check runs in a fresh interpreter
(``sys.modules`` of this one already holds everything); ``sys.modules["nir"] = None`` makes
``import nir`` raise ImportError there, as on a machine without the extra.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

NIR_NAMES = {"from_nir", "quantize_nir", "to_nir"}
XYLO_NAMES = {"XyloProfile", "XyloResources"}

_PROBE = """
import json, sys
if sys.argv[1] == "block":
    sys.modules["nir"] = None  # import nir -> ImportError

import neurolink.snn as snn

out = {
    "all": sorted(snn.__all__),
    "nir_imported": sys.modules.get("nir") is not None,
    "snn_nir_imported": "neurolink.snn.nir" in sys.modules,
    "unresolved": [n for n in snn.__all__ if not hasattr(snn, n)],
    "xylo_profile": type(snn.get_profile("xylo")).__name__,
    "xylo_inputs": snn.get_profile("xylo").chip.input_channels,
}
star = {}
exec("from neurolink.snn import *", star)
out["star"] = sorted(k for k in star if not k.startswith("__"))
try:
    f = snn.from_nir
    out["from_nir"] = f"{f.__module__}.{f.__name__}"
except ImportError as e:
    out["from_nir"] = f"ImportError: {e}"
try:
    snn.no_such_name
except AttributeError as e:
    out["unknown"] = str(e)
print(json.dumps(out))
"""


def _probe(mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def without_nir() -> dict:
    return _probe("block")


@pytest.fixture(scope="module")
def with_nir() -> dict:
    pytest.importorskip("nir")
    return _probe("plain")


def test_import_works_without_nir_and_leaves_the_nir_names_out(without_nir: dict) -> None:
    assert not without_nir["nir_imported"] and not without_nir["snn_nir_imported"]
    assert XYLO_NAMES <= set(without_nir["all"])
    assert not NIR_NAMES & set(without_nir["all"])  # so that `import *` does not fail
    assert without_nir["unresolved"] == []
    assert set(without_nir["star"]) == set(without_nir["all"])


def test_a_nir_name_without_nir_is_an_import_error_naming_the_extra(without_nir: dict) -> None:
    assert without_nir["from_nir"].startswith("ImportError: ")
    assert "pip install neurolink[nir]" in without_nir["from_nir"]


def test_the_xylo_names_resolve(without_nir: dict) -> None:
    assert without_nir["xylo_profile"] == "XyloProfile"
    assert without_nir["xylo_inputs"] == 16  # Xylo Audio 2's input channels


def test_with_nir_the_names_are_public_and_resolve_lazily(with_nir: dict) -> None:
    # `import neurolink.snn` loaded neither nir nor neurolink.snn.nir (both read before any use)
    assert not with_nir["nir_imported"] and not with_nir["snn_nir_imported"]
    assert (NIR_NAMES | XYLO_NAMES) <= set(with_nir["all"])
    assert with_nir["unresolved"] == []
    assert (NIR_NAMES | XYLO_NAMES) <= set(with_nir["star"])
    assert with_nir["from_nir"] == "neurolink.snn.nir.from_nir"


def test_an_unknown_name_is_still_an_attribute_error(with_nir: dict) -> None:
    assert with_nir["unknown"] == "module 'neurolink.snn' has no attribute 'no_such_name'"


def test_the_lazy_names_are_the_nir_module_functions() -> None:
    pytest.importorskip("nir")
    import neurolink.snn as snn
    from neurolink.snn import nir as snir

    for name in NIR_NAMES:
        assert getattr(snn, name) is getattr(snir, name)
        assert name in dir(snn)
