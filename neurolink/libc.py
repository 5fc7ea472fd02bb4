"""The C library, for the few POSIX calls Python's standard library lacks (``prctl``,
``mlockall``): one handle for the process, loaded once."""

from __future__ import annotations

import ctypes
import functools
from typing import Any

__all__ = ["libc"]


@functools.cache
def libc() -> Any:
    """The process's C library (``dlopen(NULL)``: the symbols already loaded, no library search
    and no subprocess, so it may be called in a child before ``exec``), with ``errno`` kept for
    ``ctypes.get_errno``.

    Raises
    ------
    OSError
        The platform has no loader to ask (not seen on Linux or macOS).
    """
    return ctypes.CDLL(None, use_errno=True)
