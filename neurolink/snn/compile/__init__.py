"""Decoders compiled onto the chip: a fitted decoder becomes a network of the chip's arithmetic.

:func:`compile_decoder` turns a fitted :class:`~neurolink.decode.KalmanDecoder` (Neural
Engineering Framework: a recurrent population whose synapse is the profile's current decay) or
:class:`~neurolink.decode.BayesianDecoder` (grid cells accumulating log-likelihood evidence,
the prior as lateral connections, a winner-take-all readout) into a
:class:`CompiledDecoder` that runs on the ``fixed``, ``chip`` and ``float`` backends, fed by the
detected spikes of each channel, one chip step per ``dt_ms``. The mapping of every weight and
decay is in ``docs/decoders_on_chip.md``.
"""

from neurolink.snn.compile.api import NOT_COMPILABLE, compile_decoder
from neurolink.snn.compile.errors import DoesNotFitError, NotCompilableError, TooFewNeuronsError
from neurolink.snn.compile.network import CompiledDecoder
from neurolink.snn.compile.spikes import SpikeBacklog, counts_to_raster, events_to_counts

__all__ = [
    "NOT_COMPILABLE",
    "CompiledDecoder",
    "DoesNotFitError",
    "NotCompilableError",
    "SpikeBacklog",
    "TooFewNeuronsError",
    "compile_decoder",
    "counts_to_raster",
    "events_to_counts",
]
