"""The engine core: what flows between nodes (:mod:`.ports`, :mod:`.tick`), the graph and how a
config becomes one (:mod:`.graph`, :mod:`.build`, :mod:`.wiring`), the loop (:mod:`.engine`
with :mod:`.latency`, :mod:`.faults`, :mod:`.status`, :mod:`.settings`, :mod:`.hooks`,
:mod:`.record`) and the devices it writes to (:mod:`.sinks`)."""
