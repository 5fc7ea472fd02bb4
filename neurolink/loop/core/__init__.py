"""The engine core: what flows between nodes (:mod:`.ports`, :mod:`.tick`), the node registry
(:mod:`.registry`), the graph and how a config becomes one (:mod:`.config`, :mod:`.graph`,
:mod:`.build`, :mod:`.wiring`, :mod:`.open`), the one driver of a graph over blocks
(:mod:`.driver`), the live loop (:mod:`.engine` with :mod:`.latency`, :mod:`.faults`,
:mod:`.status`, :mod:`.settings`, :mod:`.hooks`, :mod:`.record`) and the devices it writes to
(:mod:`.sinks`)."""
