"""Bit-accurate emulator of the neuromorphic chip (DESIGN.md §3).

Imports nothing from ``neurolink`` or ``devices``: it is the independent reference.
"""
