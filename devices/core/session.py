"""Who may command the device: the authenticated host session (``docs/protocol.md`` §4).

A connection starts unauthenticated. HELLO hands out a fresh challenge (``device_nonce`` in
INFO); AUTH with the right HMAC over the HELLO's nonce and that challenge authenticates the
session, and AUTH_OK proves the device knows the secret too. Each challenge answers one AUTH
only (right or wrong); a new HELLO issues a new one, and an authenticated session stays
authenticated across a later HELLO (a stray HELLO cannot end it).

Until then only the commands of :data:`PUBLIC` are taken: identification, the status query and
the ones that make the device safer (ESTOP, DISARM, STIM_STOP). Everything else is refused with
``NOT_AUTHENTICATED``: ARM, STIM, PROSTHESIS_VELOCITY, HEARTBEAT (an intruder must not keep the
watchdog fed), the NEURO_* messages, the queries of pulses and channels.
"""

from __future__ import annotations

from collections.abc import Callable

from neurolink.hal import wire
from neurolink.hal.wire import auth

__all__ = ["PUBLIC", "Session"]

_MT = wire.MsgType
PUBLIC = frozenset({_MT.HELLO, _MT.AUTH, _MT.STATUS_QUERY, _MT.ESTOP, _MT.DISARM, _MT.STIM_STOP})
"""Commands a device takes from a session that has not authenticated."""


class Session:
    """Authentication state of the connection being served.

    Parameters
    ----------
    secret : bytes
        The shared secret (at least 16 bytes).
    new_nonce : callable returning bytes
        Source of challenges (default: 16 random bytes).
    """

    def __init__(self, secret: bytes, new_nonce: Callable[[], bytes] = auth.new_nonce) -> None:
        if len(secret) < auth.MIN_SECRET_BYTES:
            raise ValueError(f"secret of {len(secret)} bytes, needs {auth.MIN_SECRET_BYTES}+")
        self._secret = bytes(secret)
        self._new_nonce = new_nonce
        self.authenticated = False
        self._challenge: tuple[bytes, bytes] | None = None
        self.failures = 0

    def reset(self) -> None:
        """A new connection: not authenticated, no challenge outstanding."""
        self.authenticated = False
        self._challenge = None

    def allows(self, msg_type: wire.MsgType) -> bool:
        """True if this session may send ``msg_type`` now."""
        return self.authenticated or msg_type in PUBLIC

    def challenge(self, nonce: bytes) -> bytes:
        """HELLO with ``nonce``: a fresh ``device_nonce`` for INFO (the previous one is void)."""
        device_nonce = self._new_nonce()
        self._challenge = (bytes(nonce), device_nonce)
        return device_nonce

    def authenticate(self, mac: bytes, ack_seq: int) -> wire.Message:
        """AUTH: AUTH_OK (now authenticated) or the NACK that says why not."""
        challenge, self._challenge = self._challenge, None
        if challenge is None:
            return wire.Nack(ack_seq, wire.Status.BAD_STATE)
        nonce, device_nonce = challenge
        if not auth.verify(auth.host_mac(self._secret, nonce, device_nonce), mac):
            self.failures += 1
            return wire.Nack(ack_seq, wire.Status.NOT_AUTHENTICATED)
        self.authenticated = True
        return wire.AuthOk(ack_seq, auth.device_mac(self._secret, nonce, device_nonce))
