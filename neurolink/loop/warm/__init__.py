"""Warm-up: every numba kernel a run uses compiled (or loaded from the cache) before the
real-time part starts, and a watch on what still compiles inside the loop (DESIGN.md §8)."""
