"""The host end of an emulator's control channel (a Unix socket of JSON lines).

The emulator (``python -m devices.<name> --control PATH``) serves it from its own loop; see
``devices/core/sidechannel.py`` for the requests. Neurolink never imports ``devices``: this
client speaks the documented JSON, nothing more.
"""

from __future__ import annotations

import json
import os
import socket
import time
from typing import Any

from neurolink.hal.errors import DeviceError

__all__ = ["ControlClient", "ControlError"]


class ControlError(DeviceError):
    """The emulator refused a control request, or its control channel went away."""


class ControlClient:
    """Requests to one emulator's control channel, one at a time.

    Parameters
    ----------
    path : str
        The socket path given to the emulator as ``--control``.
    timeout : float
        Seconds to wait for the socket to appear, and for each reply.
    """

    def __init__(self, path: str | os.PathLike[str], timeout: float = 10.0) -> None:
        self.path = os.fspath(path)
        self.timeout = float(timeout)
        self._sock: socket.socket | None = None
        self._buf = bytearray()

    def _connect(self) -> socket.socket:
        if self._sock is not None:
            return self._sock
        deadline = time.monotonic() + self.timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.path)
            except (FileNotFoundError, ConnectionRefusedError):
                s.close()
                if time.monotonic() > deadline:
                    raise ControlError(
                        f"no control channel at {self.path} after {self.timeout:g} s"
                    ) from None
                time.sleep(0.01)
                continue
            s.settimeout(self.timeout)
            self._sock = s
            return s

    def request(self, op: str, **params: Any) -> dict[str, Any]:
        """Send ``{"op": op, **params}``; the reply's fields (without ``ok``).

        Raises
        ------
        ControlError
            The emulator refused the request (its one-line reason), did not answer within the
            timeout, or has gone.
        """
        s = self._connect()
        try:
            s.sendall((json.dumps({"op": op, **params}) + "\n").encode())
            while (end := self._buf.find(b"\n")) < 0:
                data = s.recv(65536)
                if not data:
                    raise ControlError(f"the emulator closed its control channel ({op!r})")
                self._buf += data
        except TimeoutError:
            raise ControlError(f"no reply to {op!r} within {self.timeout:g} s") from None
        except OSError as e:
            raise ControlError(f"control channel {self.path}: {e}") from None
        reply = json.loads(self._buf[:end])
        del self._buf[: end + 1]
        if not reply.pop("ok", False):
            raise ControlError(f"emulator refused {op!r}: {reply.get('error', reply)}")
        return reply

    def close(self) -> None:
        """Close the connection (the emulator keeps serving others)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
