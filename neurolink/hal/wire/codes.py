"""Numbers of the wire protocol: message types, status codes and the enums carried in payloads.

Every value here is part of the protocol (``docs/protocol.md``): never renumber, only append.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

__all__ = [
    "Capability",
    "CounterScope",
    "DeviceKind",
    "DeviceState",
    "Direction",
    "FaultCode",
    "Limit",
    "LogLevel",
    "MsgType",
    "Polarity",
    "ProbeVariable",
    "ProsthesisFlags",
    "ResetScope",
    "SpikesFlags",
    "Status",
    "limit_detail",
    "split_limit_detail",
]


class Direction(IntEnum):
    """Which side sends a message."""

    HOST_TO_DEVICE = 0
    DEVICE_TO_HOST = 1


class MsgType(IntEnum):
    """The frame's type byte. 0x0_ control, 0x2_ stimulator, 0x3_ prosthesis, 0x4_ neuromorphic."""

    HELLO = 0x01
    INFO = 0x02
    ACK = 0x03
    NACK = 0x04
    HEARTBEAT = 0x05
    ARM = 0x06
    DISARM = 0x07
    ESTOP = 0x08
    RESET_ESTOP = 0x09
    FAULT = 0x0A
    STATUS_QUERY = 0x0B
    STATUS_REPORT = 0x0C
    LOG = 0x0D
    AUTH = 0x0E
    AUTH_OK = 0x0F
    STIM = 0x20
    STIM_STOP = 0x21
    CHANNEL_QUERY = 0x22
    CHANNEL_LIMITS = 0x23
    PULSE_LOG_QUERY = 0x24
    PULSE_LOG = 0x25
    PROSTHESIS_VELOCITY = 0x30
    PROSTHESIS_STATE = 0x31
    NEURO_LOAD = 0x40
    NEURO_STEP = 0x41
    NEURO_SPIKES = 0x42
    NEURO_READ_PROBE = 0x43
    NEURO_PROBE_DATA = 0x44
    NEURO_READ_COUNTERS = 0x45
    NEURO_COUNTERS = 0x46
    NEURO_RESET = 0x47
    NEURO_STEP_BATCH = 0x48


class Status(IntEnum):
    """Status byte of ACK (``OK``, ``DUPLICATE``) and NACK (every other value)."""

    OK = 0
    DUPLICATE = 1  # ACK only: this seq was already executed; the command was not run again
    BAD_CRC = 2
    BAD_FRAME = 3  # bad COBS, frame too short or too long
    BAD_VERSION = 4
    UNKNOWN_TYPE = 5
    BAD_PAYLOAD = 6  # wrong length, out of wire range, or semantically invalid (detail says)
    OUT_OF_LIMITS = 7  # detail = limit_detail(Limit, index)
    NOT_ARMED = 8
    WATCHDOG_TRIPPED = 9
    E_STOPPED = 10
    BUSY = 11
    BAD_STATE = 12  # e.g. NEURO_STEP with no network loaded
    NOT_SUPPORTED = 13  # a known message this kind of device does not implement
    NOT_AUTHENTICATED = 14  # needs an authenticated session (HELLO, AUTH), or a wrong MAC
    SESSION_BUSY = 15  # another host session holds the device
    STALE_SEQ = 16  # seq behind the newest command's on this connection: a replay; not executed
    INTERNAL = 255


class DeviceKind(IntEnum):
    """What a device is; selects the limits block of INFO."""

    STIMULATOR = 1
    PROSTHESIS = 2
    NEUROMORPHIC = 3


class Capability(IntFlag):
    """Capability bits of INFO (u32). Unknown bits are kept, for newer devices."""

    WATCHDOG = 1 << 0  # stops and reports FAULT(WATCHDOG) when heartbeats stop
    ESTOP = 1 << 1  # latching emergency stop
    PULSE_LOG = 1 << 2  # answers PULSE_LOG_QUERY
    ASYMMETRIC_PHASES = 1 << 3  # second phase may differ in amplitude/width (same charge)
    INTERPHASE_GAP = 1 << 4
    STATE_REPORTS = 1 << 5  # sends PROSTHESIS_STATE periodically
    GRIP = 1 << 6
    PROBES = 1 << 7  # answers NEURO_READ_PROBE
    COUNTERS = 1 << 8  # answers NEURO_READ_COUNTERS
    LOG = 1 << 9  # may send LOG frames
    EMULATED = 1 << 31  # an emulator, not hardware


class DeviceState(IntEnum):
    """Safety state of a device (STATUS_REPORT)."""

    DISARMED = 0
    ARMED = 1
    ESTOPPED = 2  # latched; RESET_ESTOP then ARM
    WATCHDOG_TRIPPED = 3  # heartbeat timeout; RESET_ESTOP then ARM
    FAULT = 4


class FaultCode(IntEnum):
    """Code of an unsolicited FAULT report."""

    WATCHDOG = 1  # no heartbeat within the timeout; output stopped
    ESTOP = 2  # emergency stop latched (commanded or hardware button)
    STALE_COMMAND = 3  # prosthesis: no velocity command within its stale timeout; stopped
    WORKSPACE_LIMIT = 4  # prosthesis: a joint reached a workspace bound; that joint stopped
    CHARGE_IMBALANCE = 5  # stimulator: measured imbalance; output stopped
    ELECTRODE = 6  # stimulator: compliance / impedance fault on channel ``detail``
    RX_OVERFLOW = 7  # receive buffer overflow: a frame was dropped
    INTERNAL = 255


class Limit(IntEnum):
    """Which limit a NACK(OUT_OF_LIMITS) refers to (low byte of its detail)."""

    CHANNEL = 1
    AMPLITUDE = 2
    PHASE_WIDTH = 3
    INTERPHASE_GAP = 4
    FREQUENCY = 5
    CHARGE_PER_PHASE = 6
    CHARGE_DENSITY = 7  # Shannon criterion
    CHARGE_BALANCE = 8
    PULSE_RATE = 9
    PULSE_COUNT = 10
    RAMP_RATE = 11
    DOF_COUNT = 16
    VELOCITY = 17
    ACCELERATION = 18
    WORKSPACE = 19
    GRIP = 20
    NETWORK_RESOURCES = 32
    PORT = 33
    POPULATION = 34
    NEURON_INDEX = 35
    NETWORK_SIZE = 36
    STEP_COUNT = 37  # NEURO_STEP(_BATCH) of more steps than INFO's max_steps


def limit_detail(limit: Limit, index: int = 0) -> int:
    """NACK detail for ``OUT_OF_LIMITS``: ``limit`` in bits 0-7, ``index`` (channel/DoF) in 8-23.

    Parameters
    ----------
    limit : Limit
        The limit that was exceeded.
    index : int
        Channel, degree of freedom, port or population it applies to (0..65535).

    Returns
    -------
    int
        The u32 detail.
    """
    if not 0 <= index <= 0xFFFF:
        raise ValueError(f"limit index {index} is outside 0..65535")
    return int(limit) | index << 8


def split_limit_detail(detail: int) -> tuple[Limit | int, int]:
    """Inverse of :func:`limit_detail`: ``(limit, index)``; an unknown limit stays an int."""
    code = detail & 0xFF
    limit: Limit | int = Limit(code) if code in Limit._value2member_map_ else code
    return limit, detail >> 8 & 0xFFFF


class Polarity(IntEnum):
    """Which phase of a biphasic pulse comes first."""

    CATHODIC_FIRST = 0
    ANODIC_FIRST = 1


class LogLevel(IntEnum):
    """Severity of a LOG frame (the numbers of Python's ``logging``)."""

    DEBUG = 10
    INFO = 20
    WARNING = 30
    ERROR = 40


class ProsthesisFlags(IntFlag):
    """Flags of PROSTHESIS_STATE (u16)."""

    ARMED = 1 << 0
    MOVING = 1 << 1
    STALE_STOP = 1 << 2  # stopped because the last velocity command is older than its timeout
    AT_WORKSPACE_LIMIT = 1 << 3
    VELOCITY_CLAMPED = 1 << 4
    ACCELERATION_CLAMPED = 1 << 5
    ESTOPPED = 1 << 6
    FAULT = 1 << 7


class SpikesFlags(IntFlag):
    """Flags of NEURO_SPIKES (u8)."""

    NONE = 0
    MORE = 1 << 0  # another NEURO_SPIKES frame follows for the same step


class ProbeVariable(IntEnum):
    """State variable read by NEURO_READ_PROBE."""

    U = 0  # synaptic current
    V = 1  # membrane voltage


class CounterScope(IntEnum):
    """Which counters NEURO_READ_COUNTERS asks for."""

    LAST_STEP = 0
    RUN = 1  # summed since load or the last reset


class ResetScope(IntEnum):
    """What NEURO_RESET clears."""

    STATE = 0  # neuron state, queued inputs, step counter and counters; network stays loaded
    UNLOAD = 1  # also unload the network
