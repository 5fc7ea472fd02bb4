"""A failing sweep point on a local Dask cluster is reported once, as its error, without the
workers' logged tracebacks ("Compute Failed …") printed before it (issue 14).

Real parts: a ``distributed.LocalCluster`` of worker processes (and of threads), the real task
function. The point fails where it runs, on the worker: its config has no ``[source]``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from neurolink.errors import ConfigError
from neurolink.loop.sweep.run import SweepPoint, dask_client, run_sweep


@pytest.mark.parametrize("processes", [True, False], ids=["processes", "threads"])
def test_a_failing_point_prints_no_worker_traceback(
    processes: bool, capfd: pytest.CaptureFixture[str]
) -> None:
    point = SweepPoint(Path("/nonexistent/s.xdf"), {"detect.threshold": 4.0}, {})
    with dask_client(workers=1, processes=processes) as client:
        capfd.readouterr()  # the cluster's start-up lines are not under test
        with pytest.raises(ConfigError, match="missing required table") as info:
            run_sweep([point], client=client)
    assert any("s.xdf" in note for note in info.value.__notes__)  # which point failed
    err = capfd.readouterr().err
    assert "Compute Failed" not in err and "Traceback" not in err, err
