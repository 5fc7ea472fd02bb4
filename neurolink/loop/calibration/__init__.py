"""``neurolink calibrate``: record a calibration block through the graph, fit the decoder and
save it (kinematics on the center-out task, classes at markers). Entry point :mod:`.run`."""
