"""``neurolink node``: any sub-chain of the graph as its own process, talking LSL to the others
with exact sample indices (:mod:`.process`, its graph :mod:`.graph`, inlet :mod:`.inlet`,
outlets :mod:`.io`, port streams :mod:`.lsl_ports`, set-up :mod:`.setup`)."""
