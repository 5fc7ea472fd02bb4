"""``neurolink snn import|export`` on real files (the snnTorch NIR file, a Xylo golden file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neurolink.cli.main import main
from neurolink.snn import NetworkSpec

DATA = Path(__file__).resolve().parents[1] / "data" / "nir"


def test_import_writes_a_quantized_spec_and_reports(tmp_path: Path, capsys) -> None:
    out = tmp_path / "spec.json"
    code = main(["snn", "import", str(DATA / "snntorch_lif.nir"), "--profile", "xylo",
                 "--out", str(out), "--report"])  # fmt: skip
    assert code == 0
    spec = NetworkSpec.from_dict(json.loads(out.read_text()))
    assert spec.profile == "xylo" and [p.n for p in spec.populations] == [20, 4]
    text = capsys.readouterr().out
    assert "onto xylo: 1 20, 3 4" in text and "rates 1: float" in text


def test_export_a_golden_file_then_import_it(tmp_path: Path, shared_data: Path, capsys) -> None:
    path = tmp_path / "x.nir"
    golden = shared_data / "golden" / "xylo" / "002_recurrent.json"
    assert main(["snn", "export", str(golden), "--nir", str(path)]) == 0
    assert main(["snn", "import", str(path), "--profile", "loihi"]) == 0
    text = capsys.readouterr().out
    assert "2 populations, 3 connections (profile xylo)" in text
    assert "onto loihi: hidden 10, output 2" in text


def test_export_of_a_missing_file_is_one_line_error(tmp_path: Path, capsys) -> None:
    assert main(["snn", "export", str(tmp_path / "no.json"), "--nir", "x.nir"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not exist" in err[0]


def test_import_needs_a_profile() -> None:
    with pytest.raises(SystemExit):
        main(["snn", "import", str(DATA / "snntorch_lif.nir")])
