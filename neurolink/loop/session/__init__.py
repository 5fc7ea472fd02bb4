"""One configured run (``neurolink run``, ``neurolink demo``): :mod:`.run` opens the source,
the devices and the graph and runs the engine; :mod:`.closed_loop` couples the center-out task
with the simulated subject."""
