"""Session authentication: the shared secret and the HMAC-SHA256 challenge–response.

Standard library only (the device side imports it, as every module of the codec).

A host and a device share a secret of at least :data:`MIN_SECRET_BYTES` bytes. Each HELLO carries
a fresh random ``nonce`` (the host's, 16 bytes); the INFO that answers it carries a fresh
random ``device_nonce`` (the challenge). The host then sends AUTH with

    ``host_mac = HMAC-SHA256(secret, b"neurolink/2 host" | nonce | device_nonce)``

and the device answers AUTH_OK with

    ``device_mac = HMAC-SHA256(secret, b"neurolink/2 device" | nonce | device_nonce)``

so each side proves that it knows the secret, over nonces the other side chose: a recorded
exchange cannot be replayed, and the two MACs cannot be swapped (different labels).

Secrets travel as hex text: in the environment variable :data:`SECRET_ENV`, or as the first
line of a key file (:func:`read_key_file`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

__all__ = [
    "KEY_FILE_ENV",
    "MAC_BYTES",
    "MIN_SECRET_BYTES",
    "NONCE_BYTES",
    "SECRET_ENV",
    "SecretError",
    "device_mac",
    "host_mac",
    "new_nonce",
    "new_secret",
    "parse_secret",
    "read_key_file",
    "secret_from_env",
    "verify",
    "write_key_file",
]

NONCE_BYTES = 16
"""Length of each nonce (HELLO's ``nonce``, INFO's ``device_nonce``), bytes."""
MAC_BYTES = 32
"""Length of an HMAC-SHA256, bytes."""
MIN_SECRET_BYTES = 16
"""Shortest secret accepted, bytes (128 bits)."""
MAX_SECRET_BYTES = 256
"""Longest secret accepted, bytes."""
SECRET_ENV = "NEUROLINK_DEVICE_SECRET"
"""Environment variable holding the secret as hex (host and emulators read it)."""
KEY_FILE_ENV = "NEUROLINK_DEVICE_KEY_FILE"
"""Environment variable naming a key file (hex secret on its first line)."""

_HOST_LABEL = b"neurolink/2 host"
_DEVICE_LABEL = b"neurolink/2 device"


class SecretError(ValueError):
    """A secret or key file is missing, unreadable or malformed (the message says which)."""


def new_secret() -> bytes:
    """A fresh random 32-byte secret."""
    return secrets.token_bytes(32)


def new_nonce() -> bytes:
    """A fresh random nonce of :data:`NONCE_BYTES` bytes."""
    return secrets.token_bytes(NONCE_BYTES)


def parse_secret(text: str, where: str = "secret") -> bytes:
    """The secret written as hex (whitespace around it ignored).

    Raises
    ------
    SecretError
        Not hex, or shorter than :data:`MIN_SECRET_BYTES` or longer than 256 bytes.
    """
    text = text.strip()
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise SecretError(f"{where} is not hex text") from None
    if not MIN_SECRET_BYTES <= len(raw) <= MAX_SECRET_BYTES:
        raise SecretError(
            f"{where} is {len(raw)} bytes; it must be {MIN_SECRET_BYTES}..{MAX_SECRET_BYTES} "
            f"bytes ({2 * MIN_SECRET_BYTES}+ hex digits)"
        )
    return raw


def read_key_file(path: str | os.PathLike[str]) -> bytes:
    """The secret in a key file: hex on its first line (at most 4 KiB are read).

    Raises
    ------
    SecretError
        The file cannot be read or holds no valid secret.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise SecretError(f"key file {os.fspath(path)!r}: {e.strerror or e}") from None
    try:
        line = head.decode("ascii").splitlines()[0] if head.strip() else ""
    except UnicodeDecodeError:
        raise SecretError(f"key file {os.fspath(path)!r} is not hex text") from None
    return parse_secret(line, f"key file {os.fspath(path)!r}")


def write_key_file(path: str | os.PathLike[str], secret: bytes) -> Path:
    """Write ``secret`` as hex to a new file readable by its owner only (mode 0600).

    Raises
    ------
    SecretError
        The file exists already or cannot be created.
    """
    p = Path(path)
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        raise SecretError(f"cannot create key file {str(p)!r}: {e.strerror or e}") from None
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secret.hex() + "\n")
    return p


def secret_from_env(environ: dict[str, str] | None = None) -> bytes | None:
    """The secret of :data:`SECRET_ENV`, else of the key file :data:`KEY_FILE_ENV`, else None.

    Raises
    ------
    SecretError
        The variable is set but its secret (or key file) is not valid.
    """
    env = os.environ if environ is None else environ
    text = env.get(SECRET_ENV)
    if text:
        return parse_secret(text, f"${SECRET_ENV}")
    path = env.get(KEY_FILE_ENV)
    if path:
        return read_key_file(path)
    return None


def _mac(label: bytes, secret: bytes, nonce: bytes, device_nonce: bytes) -> bytes:
    return hmac.new(secret, label + nonce + device_nonce, hashlib.sha256).digest()


def host_mac(secret: bytes, nonce: bytes, device_nonce: bytes) -> bytes:
    """The MAC a host sends in AUTH (32 bytes)."""
    return _mac(_HOST_LABEL, secret, nonce, device_nonce)


def device_mac(secret: bytes, nonce: bytes, device_nonce: bytes) -> bytes:
    """The MAC a device sends in AUTH_OK (32 bytes)."""
    return _mac(_DEVICE_LABEL, secret, nonce, device_nonce)


def verify(expected: bytes, received: bytes) -> bool:
    """Constant-time comparison of two MACs."""
    return hmac.compare_digest(expected, received)
