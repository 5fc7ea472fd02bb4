"""neurolink: a closed-loop brain-computer-interface framework.

Research software, not a medical device.
"""

__version__ = "0.1.0"

# LSL's reach (this machine unless NEUROLINK_LSL_NETWORK=lan) is set before liblsl first reads
# its configuration; see neurolink.lsl_network.
from neurolink import lsl_network as _lsl_network

_lsl_network.apply()
