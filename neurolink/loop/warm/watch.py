"""Watch for numba compilation inside the real-time loop (DESIGN.md §8: nothing may compile
there).

:class:`KernelWatch` listens to numba's ``numba:compile`` events (a kernel compiled for a new
signature, not found in the cache) and ``numba:compiler_lock`` (any entry into the compiler,
cache loads included) while the engine loop runs. The listeners cost nothing until numba
compiles; the run's summary lists what compiled and for how long, so a first run with cold
caches says why it was late instead of hiding it.
"""

from __future__ import annotations

import threading
from typing import Any

from numba.core import event as numba_event

from neurolink.clock import now

__all__ = ["KernelWatch"]


class _Compiles(numba_event.Listener):
    def __init__(self, watch: KernelWatch) -> None:
        self.watch = watch
        self._starts: list[float] = []  # start times of the compilations under way (nested)

    def on_start(self, event: numba_event.Event) -> None:
        self._starts.append(now())

    def on_end(self, event: numba_event.Event) -> None:
        d = event.data["dispatcher"]
        t0 = self._starts.pop() if self._starts else now()
        fn = getattr(d, "py_func", None)
        name = f"{fn.__module__}.{fn.__qualname__}" if fn is not None else repr(d)
        # seconds of the outermost compilations only (nested ones are inside them)
        self.watch.compiled.append((name, now() - t0 if not self._starts else 0.0))


class _Entries(numba_event.Listener):
    def __init__(self, watch: KernelWatch) -> None:
        self.watch = watch

    def on_start(self, event: numba_event.Event) -> None:
        if threading.current_thread() is self.watch.thread:
            self.watch.n_entries += 1

    def on_end(self, event: numba_event.Event) -> None:
        """Counted at the start."""


class KernelWatch:
    """Kernels compiled while the watch is entered (a context manager, re-entrant once).

    Attributes
    ----------
    compiled : list of (str, float)
        ``module.function`` of each compilation, in the order they ended (numba's own helpers
        compiled for a kernel are listed too), and its seconds (0 for one nested in another).
    n_entries : int
        Entries into numba's compiler from the watching thread (compilations and cache loads).
    """

    def __init__(self) -> None:
        self.compiled: list[tuple[str, float]] = []
        self.n_entries = 0
        self.thread: threading.Thread | None = None
        self._listeners: list[tuple[str, numba_event.Listener]] = []

    def __enter__(self) -> KernelWatch:
        self.thread = threading.current_thread()
        self._listeners = [
            ("numba:compile", _Compiles(self)),
            ("numba:compiler_lock", _Entries(self)),
        ]
        for kind, listener in self._listeners:
            numba_event.register(kind, listener)
        return self

    def __exit__(self, *exc: Any) -> None:
        for kind, listener in self._listeners:
            numba_event.unregister(kind, listener)
        self._listeners = []

    def summary(self) -> dict[str, Any]:
        """``compiled`` (names of the project's kernels, in order), ``compile_s`` (seconds
        compiling, all of numba's included) and ``compiler_entries``."""
        ours = [n for n, _ in self.compiled if not n.startswith("numba.")]
        return {
            "compiled": list(dict.fromkeys(ours)),
            "compile_s": round(sum(s for _, s in self.compiled), 3),
            "compiler_entries": self.n_entries,
        }
