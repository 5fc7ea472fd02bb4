"""Device side: emulated peripherals that own a serial port (DESIGN.md §1).

May import ``firmware_sim`` and ``neurolink.hal.wire`` only.
"""
