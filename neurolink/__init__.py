"""neurolink: a closed-loop brain-computer-interface framework.

Research software, not a medical device.
"""

__version__ = "0.1.0"
