"""Emulated prosthesis: ``python -m devices.prosthesis [--profile P] [--pty | --socket H:P]``.

A 2-D cursor (profile ``prosthesis_cursor``, the default) or an N-DoF arm with a hand
(``prosthesis_arm``); see :mod:`devices.prosthesis.model` for its behaviour on the wire.
"""

from devices.prosthesis.dynamics import Dof
from devices.prosthesis.model import Prosthesis
from devices.prosthesis.profile import DofSpec, ProsthesisProfile, parse_prosthesis_profile

__all__ = ["Dof", "DofSpec", "Prosthesis", "ProsthesisProfile", "parse_prosthesis_profile"]
