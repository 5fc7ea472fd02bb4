"""The bookkeeping of a serial driver whose commands do not wait for their ACK (``ack="async"``).

A driver in async mode writes a command on the caller's thread (:meth:`Link.submit
<neurolink.hal.link.Link.submit>`) and returns a :class:`~neurolink.hal.device.Sent` whose
status is :data:`PENDING`; the link's collector thread awaits the reply, and the driver's reply
callback records it (audit, safety layer, :class:`Sent`) and hands it to :class:`Posted`:

- **one command in flight.** :meth:`Posted.wait_idle` (called under the driver's lock before
  every command is checked) returns once the reply of the command in flight has been recorded,
  so a command is checked against a safety layer that already knows whether the one before was
  refused, and the link's stop-and-wait rule holds (see ``docs/protocol.md`` §4);
- **replies kept in order**, taken by :meth:`Posted.take` (the loop's sinks) — final
  :class:`Sent` records with the device's status;
- **an error not taken is raised once**: a NACK (:class:`~neurolink.hal.errors.NackError`), or
  the loss of the device (:class:`~neurolink.hal.errors.DeviceLost`) or another failure of the
  exchange, is kept as *unclaimed* until :meth:`Posted.take` claims it or
  :meth:`Posted.raise_unclaimed` raises it (the next async send, :meth:`SerialDevice.flush
  <neurolink.hal.drivers.serial_base.SerialDevice.flush>`).
"""

from __future__ import annotations

import threading
from collections import deque

from neurolink.hal.device import Sent
from neurolink.hal.errors import DeviceError

__all__ = ["ACK_MODES", "PENDING", "Posted"]

PENDING = "PENDING"
"""Status of a :class:`Sent` written in async mode whose reply has not been recorded yet."""

ACK_MODES = ("sync", "async")
"""``sync``: a send returns with its reply (and raises its NACK); ``async``: a send returns once
its bytes are written, the reply is collected off the caller's thread."""


class Posted:
    """The command in flight of an async driver, its recorded replies and unclaimed errors.

    Parameters
    ----------
    lock : threading.RLock
        The driver's lock (held by the callers of :meth:`wait_idle`, :meth:`start` and
        :meth:`finished`).
    url : str
        The port, for messages.
    """

    def __init__(self, lock: threading.RLock, url: str) -> None:
        self._idle = threading.Condition(lock)
        self._url = url
        self._seq: int | None = None  # seq of the command in flight
        self._replies: deque[Sent] = deque()
        self._unclaimed: BaseException | None = None

    @property
    def in_flight(self) -> int | None:
        """The seq of the command whose reply is awaited, or None."""
        return self._seq

    def wait_idle(self, timeout: float) -> None:
        """Wait (the driver's lock released meanwhile) until no command is in flight.

        Must be called with the driver's lock held. The collector ends every exchange within
        the link's ``timeout × (1 + retries)``; ``timeout`` is a bound above that.

        Raises
        ------
        DeviceError
            Still in flight after ``timeout`` s (the collector is stuck).
        """
        if self._seq is None:
            return
        if not self._idle.wait_for(lambda: self._seq is None, timeout):
            raise DeviceError(
                f"{self._url}: the reply of seq {self._seq} was not collected within {timeout:g} s"
            )

    def start(self, seq: int) -> None:
        """A command was written (driver's lock held): its reply is awaited."""
        self._seq = seq

    def finished(self, sent: Sent, error: BaseException | None) -> None:
        """Its reply was recorded (driver's lock held): keep ``sent``, keep ``error`` unclaimed
        (a NACK, a loss), wake the waiters."""
        self._replies.append(sent)
        if error is not None:
            self._unclaimed = error
        self._seq = None
        self._idle.notify_all()

    @property
    def has_replies(self) -> bool:
        """Whether replies were recorded since the last :meth:`take` (a lock-free read)."""
        return bool(self._replies)

    def take(self) -> tuple[Sent, ...]:
        """The recorded replies since the last call, oldest first; claims the unclaimed error
        (the caller handles the statuses). Allocates nothing when there are none."""
        self._unclaimed = None
        replies = self._replies
        if not replies:
            return ()
        out = tuple(replies)
        replies.clear()
        return out

    def raise_unclaimed(self) -> None:
        """Raise the error of a reply nobody took (once)."""
        err, self._unclaimed = self._unclaimed, None
        if err is not None:
            raise err
