"""Where a host finds the session secret of a device (``docs/protocol.md`` §4).

In order, the first that gives one:

1. the ``secret`` a driver was given (bytes, or hex text);
2. the secret of an emulator this process started on that port
   (:class:`~neurolink.hal.emulate.Emulator` registers it with :func:`register_secret`), so a
   loop that starts its own emulators authenticates with no configuration;
3. the environment: ``NEUROLINK_DEVICE_SECRET`` (hex) or ``NEUROLINK_DEVICE_KEY_FILE`` (a key
   file, hex on its first line) — for a device started elsewhere, e.g. by ``neurolink emulate``,
   which prints the secret it generated.
"""

from __future__ import annotations

import threading

from neurolink.hal.errors import DeviceError
from neurolink.hal.wire import auth

__all__ = ["forget_secret", "register_secret", "resolve_secret"]

_LOCK = threading.Lock()
_BY_URL: dict[str, bytes] = {}


def register_secret(url: str, secret: bytes) -> None:
    """Remember the secret of the device at ``url`` for drivers of this process."""
    if len(secret) < auth.MIN_SECRET_BYTES:
        raise ValueError(f"secret of {len(secret)} bytes, needs {auth.MIN_SECRET_BYTES}+")
    with _LOCK:
        _BY_URL[url] = bytes(secret)


def forget_secret(url: str) -> None:
    """Forget the secret registered for ``url`` (its emulator stopped)."""
    with _LOCK:
        _BY_URL.pop(url, None)


def resolve_secret(url: str, secret: bytes | str | None = None) -> bytes:
    """The secret to authenticate with at ``url`` (see the module docstring for the order).

    Raises
    ------
    DeviceError
        None found, or the one given is malformed; the message says how to give one.
    """
    try:
        if isinstance(secret, str):
            return auth.parse_secret(secret, "the driver's secret")
        if secret is not None:
            if len(secret) < auth.MIN_SECRET_BYTES:
                raise auth.SecretError(
                    f"the driver's secret is {len(secret)} bytes, needs {auth.MIN_SECRET_BYTES}+"
                )
            return bytes(secret)
        with _LOCK:
            known = _BY_URL.get(url)
        if known is not None:
            return known
        found = auth.secret_from_env()
    except auth.SecretError as e:
        raise DeviceError(f"{url}: {e}") from None
    if found is None:
        raise DeviceError(
            f"{url}: no session secret for this device: pass secret=..., or set "
            f"${auth.SECRET_ENV} (hex) or ${auth.KEY_FILE_ENV} (the key file the device uses; "
            f"`neurolink emulate` prints the secret it generated)"
        )
    return found
