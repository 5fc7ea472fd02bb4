"""Load any decoder file without knowing its class: :func:`load_decoder`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from neurolink.decode.base import Decoder
from neurolink.decode.bayes.decoder import BayesianDecoder
from neurolink.decode.eeg.csp import CSP
from neurolink.decode.eeg.decoder import EEGClassDecoder
from neurolink.decode.eeg.lda import ShrinkageLDA
from neurolink.decode.errors import ModelFileError
from neurolink.decode.linear.kalman import KalmanDecoder
from neurolink.decode.linear.wiener import WienerFilter
from neurolink.decode.persist import read_model_file

__all__ = ["DECODERS", "load_decoder"]

#: Every decoder class that writes model files, by class name.
DECODERS: dict[str, type[Decoder]] = {
    cls.__name__: cls
    for cls in (BayesianDecoder, KalmanDecoder, WienerFilter, ShrinkageLDA, CSP, EEGClassDecoder)
}


def load_decoder(path: str | Path, channels: Sequence[str] | None = None) -> Decoder:
    """Read a model file of any decoder class.

    Parameters
    ----------
    path : str or pathlib.Path
    channels : sequence of str, optional
        Labels of the columns the model will be given; checked against the model's.

    Returns
    -------
    Decoder
        The fitted decoder, online state reset.

    Raises
    ------
    ModelFileError
        Unreadable file, an unknown class, or an incompatible version.
    ChannelMismatchError
        ``channels`` differ from the model's.
    """
    _, _, name = read_model_file(path, None, None)
    if name not in DECODERS:
        raise ModelFileError(f"{path} holds an unknown decoder class {name!r}")
    return DECODERS[name].load(path, channels)
