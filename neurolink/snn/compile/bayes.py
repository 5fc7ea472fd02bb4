"""Placeholder: the Bayesian compiler (written next)."""

from __future__ import annotations


def compile_bayes(decoder, profile="loihi", max_neurons=None, dt_ms=1.0, seed=0):
    raise NotImplementedError
