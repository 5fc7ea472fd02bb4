"""Tests of the emulated devices, each over a real pty with the emulator in a subprocess."""
