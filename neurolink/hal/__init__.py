"""Device abstraction layer: wire codec, transports, safety layer and device drivers.

This package's ``__init__`` imports nothing, so that ``from neurolink.hal import wire`` (the
codec that the device side in ``devices/`` shares with the host) stays light: it loads only the
standard library.
"""
