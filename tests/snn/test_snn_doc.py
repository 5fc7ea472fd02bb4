"""docs/snn.md cannot drift: its ```` ```python ```` blocks are executed here, in order.

The blocks form one script (later blocks use names from earlier ones) and carry their own
assertions. Each block is compiled with its line numbers in the doc, so a failure's traceback
points at the doc's line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "snn.md"
TEXT = DOC.read_text(encoding="utf-8")


def _blocks() -> list[tuple[int, str]]:
    """(first line of the code in the doc, code) of every python block."""
    out = []
    for m in re.finditer(r"^```python\n(.*?)^```", TEXT, flags=re.S | re.M):
        first_line = TEXT.count("\n", 0, m.start(1)) + 1
        out.append((first_line, m[1]))
    return out


BLOCKS = _blocks()


def test_the_doc_has_a_using_section_with_code() -> None:
    assert "## Using the SNN" in TEXT
    assert len(BLOCKS) >= 6


def test_the_python_blocks_run(capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, Any] = {"__name__": "snn_doc"}
    for first_line, code in BLOCKS:
        padded = "\n" * (first_line - 1) + code  # tracebacks name the doc's own lines
        exec(compile(padded, str(DOC), "exec"), namespace)
    assert "rates out:" in capsys.readouterr().out  # the quantization report was printed
