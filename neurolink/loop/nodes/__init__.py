"""The node kinds of the loop graph, one module per kind (plus :mod:`.clocked`, what the
spiking-network nodes share). Each node class declares itself to the registry
(:mod:`neurolink.loop.core.registry`); importing this package imports every module in it, so a
new kind is one new module here.

Each node holds explicit state, preallocates its output for blocks of up to ``max_samples``
samples, and has ``step(x, tick) -> output`` with no I/O, so a test drives it without the engine
(set the input, call, compare). Output buffers are reused: a caller that keeps an output past the
next ``step`` copies it.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
