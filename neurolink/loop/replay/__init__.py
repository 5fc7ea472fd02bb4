"""``neurolink replay``: drive the graph from a recording by sample index and compare with what
was recorded. Entry point :mod:`.run`; the recorded run (:mod:`.source`), the engine that replays
it (:mod:`.engine`), the comparison (:mod:`.compare`) and its report (:mod:`.report`)."""
