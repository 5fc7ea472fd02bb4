"""Discovery of Lab Streaming Layer streams: list what is visible, resolve one by identity.

LSL streams announce themselves; a resolver collects the announcements it hears within a time
window. How far announcements reach is set once per process by :mod:`neurolink.lsl_network`
(this machine unless ``NEUROLINK_LSL_NETWORK=lan``). :func:`list_streams` waits the whole window
and reports everything (for ``neurolink devices`` and for humans); :func:`resolve_stream` returns
the one stream matching the query and raises :class:`~neurolink.errors.StreamNotFoundError` when
none is heard within the timeout.

A query matched by more than one outlet is an error (:class:`AmbiguousStreamError`) that lists
the candidates (host, source id, uid): whichever answered first would otherwise drive the loop,
and a second outlet with the same name and source id (a stale producer, or one standing in for
the subject's stream) would be taken as readily as the real one. Pin the stream with
``source_id`` and, when outlets on several hosts share it, ``hostname``.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

import numpy as np
import pylsl

from neurolink.errors import SourceError, StreamNotFoundError
from neurolink.lsl_network import current as lsl_network

__all__ = [
    "RESOLVE_SETTLE",
    "AmbiguousStreamError",
    "PendingResolve",
    "StreamSummary",
    "list_streams",
    "query_predicate",
    "resolve_stream",
    "start_resolve",
]

#: After the first answer, how long resolving listens for other outlets matching the query (s),
#: by LSL scope. On this machine every outlet is asked within 0.1 s (the generated config's
#: MulticastMinRTT); liblsl's default asks each outlet's own port after 0.5 s.
RESOLVE_SETTLE = {"local": 0.4, "lan": 1.0, "user": 1.0}


class AmbiguousStreamError(SourceError, LookupError):
    """More than one LSL outlet matches a query; the message lists them."""


#: LSL channel format code → name used in stream descriptions (``"float32"``, ``"string"`` …).
CHANNEL_FORMATS: dict[int, str] = {
    pylsl.cf_float32: "float32",
    pylsl.cf_double64: "double64",
    pylsl.cf_string: "string",
    pylsl.cf_int32: "int32",
    pylsl.cf_int16: "int16",
    pylsl.cf_int8: "int8",
    pylsl.cf_int64: "int64",
}

#: numpy dtype liblsl writes for each numeric channel format (string streams have none).
NUMPY_DTYPES: dict[int, type] = {
    pylsl.cf_float32: np.float32,
    pylsl.cf_double64: np.float64,
    pylsl.cf_int32: np.int32,
    pylsl.cf_int16: np.int16,
    pylsl.cf_int8: np.int8,
    pylsl.cf_int64: np.int64,
}


@dataclass(frozen=True, slots=True)
class StreamSummary:
    """What an LSL stream announces about itself (its shallow ``StreamInfo``).

    Attributes
    ----------
    name, type, source_id : str
        LSL identity: stream name, content type (``"EEG"``, ``"Markers"`` …), source id
        (empty when the producer set none).
    n_channels : int
        Channel count.
    rate : float
        Nominal sampling rate (Hz); 0 for irregular streams.
    channel_format : str
        ``"float32"``, ``"double64"``, ``"string"``, ``"int32"``, ``"int16"``, ``"int8"`` or
        ``"int64"``.
    hostname : str
        Host the producer runs on.
    uid : str
        Unique id of this outlet instance (changes when the producer restarts).
    created_at : float
        Creation time of the outlet on the producer's clock (s).
    """

    name: str
    type: str
    source_id: str
    n_channels: int
    rate: float
    channel_format: str
    hostname: str
    uid: str
    created_at: float

    @classmethod
    def from_info(cls, info: pylsl.StreamInfo) -> StreamSummary:
        """Summarise a resolved ``pylsl.StreamInfo``."""
        return cls(
            name=info.name(),
            type=info.type(),
            source_id=info.source_id(),
            n_channels=int(info.channel_count()),
            rate=float(info.nominal_srate()),
            channel_format=CHANNEL_FORMATS.get(info.channel_format(), "undefined"),
            hostname=info.hostname(),
            uid=info.uid(),
            created_at=float(info.created_at()),
        )

    def as_dict(self) -> dict[str, str | int | float]:
        """Fields as a plain dict (for tables and JSON)."""
        return asdict(self)


def list_streams(timeout: float = 1.0) -> list[StreamSummary]:
    """List the LSL streams visible now.

    Parameters
    ----------
    timeout : float
        How long to listen for announcements (s). Always waits this long; 1 s finds the
        streams on this host and on a quiet local network.

    Returns
    -------
    list of StreamSummary
        Sorted by ``(name, source_id, uid)``; empty when no stream answered.
    """
    if not timeout > 0:
        raise ValueError(f"list_streams: timeout must be > 0 s, got {timeout!r}")
    found = [StreamSummary.from_info(i) for i in pylsl.resolve_streams(wait_time=timeout)]
    return sorted(found, key=lambda s: (s.name, s.source_id, s.uid))


def _quote(field: str, value: str) -> str:
    """Quote ``value`` as an XPath 1.0 string literal (which has no escape character)."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise ValueError(f"LSL {field} {value!r} holds both quote characters; it cannot be queried")


_FIELDS = ("name", "type", "source_id", "hostname")


def query_predicate(
    name: str | None = None,
    type: str | None = None,
    source_id: str | None = None,
    hostname: str | None = None,
) -> str:
    """XPath predicate matching every given field (``name='X' and source_id='Y'``).

    Raises
    ------
    ValueError
        When no field is given.
    """
    given = (name, type, source_id, hostname)
    parts = [
        f"{field}={_quote(field, value)}"
        for field, value in zip(_FIELDS, given, strict=True)
        if value is not None
    ]
    if not parts:
        raise ValueError("an LSL stream query needs at least one of name, type, source_id")
    return " and ".join(parts)


def describe_query(
    name: str | None = None,
    type: str | None = None,
    source_id: str | None = None,
    hostname: str | None = None,
) -> str:
    """Human-readable query (``name='X', source_id='Y'``) for messages."""
    given = zip(_FIELDS, (name, type, source_id, hostname), strict=True)
    return ", ".join(f"{k}={v!r}" for k, v in given if v is not None)


def _candidates(infos: list[pylsl.StreamInfo]) -> str:
    rows = sorted((i.hostname(), i.source_id(), i.uid(), i.name(), i.type()) for i in infos)
    return "; ".join(
        f"host {h!r} source_id {s!r} (name {n!r}, type {t!r}, uid {u})" for h, s, u, n, t in rows
    )


def resolve_stream(
    name: str | None = None,
    type: str | None = None,
    source_id: str | None = None,
    timeout: float = 5.0,
    *,
    hostname: str | None = None,
    settle: float | None = None,
) -> pylsl.StreamInfo:
    """Find the one LSL stream matching every given field.

    Parameters
    ----------
    name, type, source_id, hostname : str, optional
        Fields to match exactly; at least one is needed.
    timeout : float
        Longest wait for a first answer (s).
    settle : float, optional
        After the first answer, how long to listen for other outlets that match (s); returns
        at once when a second one answers. Default: :data:`RESOLVE_SETTLE` of the LSL scope.

    Returns
    -------
    pylsl.StreamInfo
        The shallow description of the stream (no ``desc`` node; an inlet's ``info()`` has it).

    Raises
    ------
    StreamNotFoundError
        When no matching stream answered within ``timeout``.
    AmbiguousStreamError
        When several outlets match: the message lists each (host, source id, uid) and says which
        keys pin one.
    ValueError
        When no field is given or ``timeout`` is not positive.
    """
    return start_resolve(name, type, source_id, timeout, hostname=hostname, settle=settle).result()


class PendingResolve:
    """A stream's first answer, while resolving still listens for a second outlet matching.

    :func:`start_resolve` makes it; :attr:`info` may be used at once (to open an inlet), and
    :meth:`result` says whether it was the only one, so that the listening (``settle`` s)
    overlaps the inlet's connection and first clock probe instead of coming before them.

    Attributes
    ----------
    info : pylsl.StreamInfo
        The first outlet that answered.
    """

    def __init__(
        self,
        info: pylsl.StreamInfo,
        predicate: str,
        settle: float,
        query: str,
        given: tuple[str | None, str | None],
    ) -> None:
        self.info = info
        self._query, self._given = query, given
        self._others: list[pylsl.StreamInfo] = []
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if settle > 0:
            self._thread = threading.Thread(
                target=self._listen, args=(predicate, settle), daemon=True, name="lsl settle"
            )
            self._thread.start()

    def _listen(self, predicate: str, settle: float) -> None:
        try:
            self._others = list(pylsl.resolve_bypred(predicate, 2, settle))
        except BaseException as e:  # handed to result()
            self._error = e

    def result(self) -> pylsl.StreamInfo:
        """The stream, once the listening ended and no other outlet matched.

        Raises
        ------
        AmbiguousStreamError
            When several outlets match (as :func:`resolve_stream`).
        """
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        unique = list({i.uid(): i for i in (self.info, *self._others)}.values())
        if len(unique) > 1:
            source_id, hostname = self._given
            pins = [k for k, v in zip(_FIELDS[2:], (source_id, hostname), strict=True) if v is None]
            how = (
                f"pin one with {' and/or '.join(pins)} (a source config's keys of those names)"
                if pins
                else "they share source id and host: stop the one that should not be there"
            )
            raise AmbiguousStreamError(
                f"{len(unique)} LSL outlets match {self._query}: {_candidates(unique)}; {how}"
            )
        return unique[0]


def start_resolve(
    name: str | None = None,
    type: str | None = None,
    source_id: str | None = None,
    timeout: float = 5.0,
    *,
    hostname: str | None = None,
    settle: float | None = None,
) -> PendingResolve:
    """Wait for the first outlet matching (as :func:`resolve_stream`) and go on listening for a
    second one in the background; :meth:`PendingResolve.result` gives the verdict.

    Raises
    ------
    StreamNotFoundError
        When no matching stream answered within ``timeout``.
    ValueError
        When no field is given or ``timeout`` is not positive.
    """
    predicate = query_predicate(name, type, source_id, hostname)
    net = lsl_network()
    net.check()
    settle = RESOLVE_SETTLE.get(net.scope, 1.0) if settle is None else settle
    if not timeout > 0 or not settle >= 0:
        raise ValueError(
            f"resolve_stream: timeout must be > 0 s and settle >= 0 s, got {timeout!r}, {settle!r}"
        )
    query = describe_query(name, type, source_id, hostname)
    found = pylsl.resolve_bypred(predicate, 1, timeout)
    if not found:
        raise StreamNotFoundError(
            f"no LSL stream with {query} appeared within {timeout:g} s ({net.describe()}; "
            "list_streams() shows the visible ones)"
        )
    return PendingResolve(found[0], predicate, settle, query, (source_id, hostname))
