"""``.npz`` archives from outside, read with every declared size checked before allocating.

:func:`numpy.load` trusts an archive: a member's ``.npy`` header may declare any shape (numpy
allocates it before reading), a deflated member may expand a thousandfold (a 2 MiB zip bomb
declares gigabytes), and a file that is not a zip archive is tried as a pickle, with numpy's
advice to pass ``allow_pickle=True``. :func:`read_npz` reads the zip directory first and refuses
an archive whose declared uncompressed sizes exceed the caller's limits, then reads each member's
``.npy`` header and refuses one whose shape and dtype do not account for exactly the member's
declared size; the data is decompressed into an array of that size (zipfile stops at the
declared size and checks the CRC). Object arrays (pickles) are refused.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import numpy as np
import numpy.lib.format as npy_format

from neurolink.bounded.limits import MAX_NPZ_MEMBERS, gib

__all__ = ["read_npz"]

#: Largest ``.npy`` header accepted (numpy's own default limit).
_MAX_HEADER = 10_000


def _one_line(exc: BaseException) -> str:
    lines = [s.strip() for s in str(exc).splitlines() if s.strip()]
    return lines[0] if lines else type(exc).__name__


def _directory(
    zf: zipfile.ZipFile, path: Path, max_total: int, max_member: int, error: type[Exception]
) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_NPZ_MEMBERS:
        raise error(f"{path}: {len(infos)} members, more than the limit of {MAX_NPZ_MEMBERS}")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise error(f"{path}: the archive names a member twice")
    total = 0
    for info in infos:
        if not info.filename.endswith(".npy"):
            raise error(f"{path}: member {info.filename!r} is not an .npy array")
        if info.flag_bits & 0x1:  # zip's "encrypted" flag: zipfile would ask for a password
            raise error(f"{path}: member {info.filename!r} is encrypted; refused")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise error(f"{path}: member {info.filename!r} uses an unsupported compression")
        if info.file_size > max_member:
            raise error(
                f"{path}: member {info.filename!r} declares {gib(info.file_size)} uncompressed, "
                f"more than the limit of {gib(max_member)}"
            )
        total += info.file_size
    if total > max_total:
        raise error(
            f"{path}: declares {gib(total)} uncompressed, more than the limit of {gib(max_total)}"
        )
    return infos


def _member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, error: type[Exception]
) -> np.ndarray:
    name = info.filename[: -len(".npy")]
    with zf.open(info) as f:
        try:
            version = npy_format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = npy_format.read_array_header_1_0(f, _MAX_HEADER)
            elif version == (2, 0):
                shape, fortran, dtype = npy_format.read_array_header_2_0(f, _MAX_HEADER)
            else:
                raise ValueError(f".npy format version {version[0]}.{version[1]} not supported")
        except (ValueError, EOFError, SyntaxError, TypeError) as exc:
            raise error(f"{path}: member {name!r}: bad .npy header: {_one_line(exc)}") from None
        if dtype.hasobject:
            raise error(f"{path}: member {name!r} holds Python objects (a pickle); refused")
        header = f.tell()
        n_bytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if header + n_bytes != info.file_size:
            raise error(
                f"{path}: member {name!r}: its header declares shape {shape} of {dtype} "
                f"({n_bytes} bytes) but the member holds {info.file_size - header}"
            )
        out = np.empty(shape, dtype=dtype, order="F" if fortran else "C")
        view = memoryview(out.reshape(-1, order="A").view(np.uint8))
        got = 0
        while got < n_bytes:
            k = f.readinto(view[got:])
            if not k:
                raise error(f"{path}: member {name!r} ends after {got} of {n_bytes} bytes")
            got += k
        if f.read(1):
            raise error(f"{path}: member {name!r} holds more data than its header declares")
    return out


def read_npz(
    path: str | Path, *, max_total: int, max_member: int, error: type[Exception]
) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` archive, with sizes checked before anything is allocated.

    Parameters
    ----------
    path : str or pathlib.Path
        The archive.
    max_total : int
        Limit on the uncompressed bytes of all members together (bytes).
    max_member : int
        Limit on one member's uncompressed bytes.
    error : exception type
        Raised with a one-line message naming ``path`` and the problem (not a zip archive,
        over a limit, a member whose header disagrees with its size, a pickle, a bad CRC…).

    Returns
    -------
    dict of str to numpy.ndarray
        Arrays by name (the member name without ``.npy``), in archive order.
    """
    path = Path(path)
    try:
        if not zipfile.is_zipfile(path):
            raise error(f"{path}: not an .npz archive (an .npz is a zip of .npy arrays)")
        with zipfile.ZipFile(path) as zf:
            infos = _directory(zf, path, max_total, max_member, error)
            return {i.filename[: -len(".npy")]: _member(zf, i, path, error) for i in infos}
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or _one_line(exc)}") from None
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        ValueError,
        NotImplementedError,  # zipfile: an unsupported zip version, compression or encryption
        struct.error,
        OverflowError,
    ) as exc:
        if isinstance(exc, error):
            raise
        raise error(f"{path}: corrupt .npz archive: {_one_line(exc)}") from None
    except MemoryError:
        raise error(f"{path}: not enough memory to read the arrays") from None
