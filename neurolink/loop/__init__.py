"""The real-time closed loop: graph, engine, latency accounting, task, recording and replay.

Modules (imported on use; this package imports nothing so that the config schema can read
:mod:`neurolink.loop.ports` without pulling in the engine):

- :mod:`~neurolink.loop.ports`, :mod:`~neurolink.loop.tick` — what flows between nodes;
- node adapters, each testable alone: :mod:`~neurolink.loop.nodes_dsp` (filter, re-reference,
  detect, bin), :mod:`~neurolink.loop.nodes_decode` (decode, features, classify),
  :mod:`~neurolink.loop.nodes_snn` (spiking relay, burst detector, winner-take-all; networks in
  :mod:`~neurolink.loop.networks`), :mod:`~neurolink.loop.mapping` (command mappers);
- :mod:`~neurolink.loop.graph`, :mod:`~neurolink.loop.build`, :mod:`~neurolink.loop.wiring` —
  the graph and how a config becomes one;
- :mod:`~neurolink.loop.engine` (with :mod:`~neurolink.loop.latency`,
  :mod:`~neurolink.loop.faults`, :mod:`~neurolink.loop.status`, :mod:`~neurolink.loop.record`,
  :mod:`~neurolink.loop.sinks`) — the loop itself;
- :mod:`~neurolink.loop.task`, :mod:`~neurolink.loop.closed_loop`,
  :mod:`~neurolink.loop.subject` — the center-out task with the simulated subject;
- :mod:`~neurolink.loop.session` — one configured run (``neurolink run``, ``neurolink demo``);
- :mod:`~neurolink.loop.recording`, :mod:`~neurolink.loop.report` — the session file and its
  report.
"""
