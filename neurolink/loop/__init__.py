"""The real-time closed loop, one folder per concern (imported on use; this package imports
nothing):

- :mod:`~neurolink.loop.core` — ports, graph, builder, engine, latency, faults, sinks;
- :mod:`~neurolink.loop.nodes` — the node kinds (DSP, decoders, spiking networks, mappers);
- :mod:`~neurolink.loop.session` — one configured run, the closed-loop task coupling;
- :mod:`~neurolink.loop.calibration` — ``neurolink calibrate``;
- :mod:`~neurolink.loop.replay` — ``neurolink replay``;
- :mod:`~neurolink.loop.stages` — sub-chains as processes over LSL (``neurolink node``);
- :mod:`~neurolink.loop.sweep` — replay grids on Dask (``neurolink sweep``);
- :mod:`~neurolink.loop.recording`, :mod:`~neurolink.loop.report` — the session file and its
  report.
"""
