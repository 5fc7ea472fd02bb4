"""Continuum models: Amari neural fields and reaction–diffusion pattern formation.

- :mod:`~neurolink.models.fields.amari`: ``τ ∂u/∂t = −u + w ⊛ f(u) + h`` on periodic 1-D/2-D
  domains (bumps, travelling fronts and pulses), FFT convolution.
- :mod:`~neurolink.models.fields.reaction_diffusion`: Gray–Scott and Brusselator kinetics,
  spectral integration and Turing linear-stability analysis.
"""

from neurolink.models.fields.amari import (
    AmariField,
    FieldTrajectory,
    Firing,
    active_width,
    difference_of_gaussians,
    exponential_kernel,
)
from neurolink.models.fields.reaction_diffusion import (
    Brusselator,
    GrayScott,
    RDTrajectory,
    ReactionDiffusion,
    TuringAnalysis,
    dominant_wavelength,
    turing_analysis,
)

__all__ = [
    "AmariField",
    "Brusselator",
    "FieldTrajectory",
    "Firing",
    "GrayScott",
    "RDTrajectory",
    "ReactionDiffusion",
    "TuringAnalysis",
    "active_width",
    "difference_of_gaussians",
    "dominant_wavelength",
    "exponential_kernel",
    "turing_analysis",
]
