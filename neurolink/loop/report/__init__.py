"""Session reports: PNG figures and a text summary of a recording (``neurolink report``).

:func:`make_report` reads a recording written by
:class:`~neurolink.loop.recording.SessionRecorder` and writes, into one folder, with fixed names:

=================== ========================================================================
``latency.png``     latency histogram, latency over the session, median of each stage
``raster.png``      detected spikes by channel, population rate, network output spikes
``trajectory.png``  decoded vs intended output per dimension, and paths in the plane
``task.png``        time to target, path efficiency and running success rate per trial
``summary.txt``     session info, per-stream counts and rates, every figure below in text
``summary.json``    the same numbers (:class:`~.stats.ReportStats`) as JSON
=================== ========================================================================

A figure whose streams are missing or empty is not drawn (an older file of that name is
removed); the summary says which and why. Nothing needs a display (Agg canvases, no pyplot).

Streams the report reads (what the engine should record)
--------------------------------------------------------
Streams are matched by name and :class:`~neurolink.loop.recording.StreamKind`. For the kinds
marked "or first", a stream with the name is preferred, else the first stream of that kind.

============== =============== =============================================================
name           kind            content (layout function)
============== =============== =============================================================
``events``     ``events``      detected spikes (``events_layout``); or first
``snn_spikes`` ``snn_spikes``  network output spikes (``snn_spikes_layout``); or first
``decoded``    ``decoded``     decoder output per bin (``decoded_layout(["vx", "vy"], rate)``)
                               or first ``decoded`` stream not named ``intent`` / ``cursor``
``intent``     ``decoded``     the subject's intended output, **same channel labels** as
                               ``decoded`` (e.g. ``vx, vy``); name required
``cursor``     ``decoded``     effector position the device reports, ``x, y``; name required
``task``       any, 1 string   task events, one JSON object per sample (``markers_layout``,
               channel         written with ``write_markers(h, [to_json(obj)], ts)``); name
                               required
``commands``   ``commands``    ``command_to_dict(cmd)`` per command (its ``type`` is counted);
                               or first
``acks``       ``acks``        one object per reply with ``status``: ``OK``/``DUPLICATE``
                               count as ACK, other wire :class:`~neurolink.hal.wire.Status`
                               names as NACK, anything else (``PUSHED``, ``RECORDED``,
                               ``DEVICE_LOST``) as unacknowledged; or first
``latencies``  ``latencies``   ``total`` then stage columns, seconds
                               (``latencies_layout(["acquire", "filter_detect", ...])``);
                               or first
any            any             ``raw`` and every other stream: counts and rates only
============== =============== =============================================================

Decoded channels ``vx, vy`` are velocities (a path is their running sum of ``v·Δt``), ``x, y``
positions; other labels (class posteriors) get time courses only. R² pairs each decoded bin
with the latest ``intent`` sample at or before its time stamp (equal time stamps pair exactly).

Task records (``event`` is required; other events are kept but not counted)::

    {"event": "trial_start", "trial": 0, "target": [0.1, 0.0]}
    {"event": "trial_end", "trial": 0, "success": true,
     "time_to_target": 1.24, "path_efficiency": 0.83}

``time_to_target`` is seconds from trial start to reaching the target; ``path_efficiency``
the straight-line distance over the path length (0–1). Success rate is over ``trial_end``
records; the means of both are over successful trials that give the value.

The latency deadline (for the miss count) is ``make_report(..., deadline_s=)``, else
``deadline_s`` in the sidecar's ``summary`` (``SessionRecorder.set_summary``), else a top-level
sidecar key ``deadline_s``. Scalar entries of the sidecar's ``summary`` are listed as well.
"""

from neurolink.loop.report.make import (
    FIGURES,
    SUMMARY_JSON,
    SUMMARY_TEXT,
    ReportResult,
    default_out_dir,
    make_report,
)
from neurolink.loop.report.stats import ReportStats, compute_stats
from neurolink.loop.report.streams import (
    CURSOR,
    DECODED,
    INTENT,
    TASK,
    TASK_TRIAL_END,
    TASK_TRIAL_START,
    ReportStreams,
    find_streams,
)

__all__ = [
    "CURSOR",
    "DECODED",
    "FIGURES",
    "INTENT",
    "SUMMARY_JSON",
    "SUMMARY_TEXT",
    "TASK",
    "TASK_TRIAL_END",
    "TASK_TRIAL_START",
    "ReportResult",
    "ReportStats",
    "ReportStreams",
    "compute_stats",
    "default_out_dir",
    "find_streams",
    "make_report",
]
