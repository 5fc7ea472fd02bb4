"""Host safety layer (DESIGN.md §5): limits, guards, e-stop, heartbeats and the audit log.

Pure logic, no I/O (the audit log's optional file aside): drivers call
:meth:`SafetyLayer.check` before writing a command and :meth:`SafetyLayer.record_reply` with the
device's ACK/NACK; the e-stop calls the stop callbacks drivers register. There is no global
"disable" flag; see :class:`NoHostSafety` for the one recorded way around the host checks.

Research software, not a medical device: these checks are a second line of defence, never a
substitute for the device's own limits.
"""

from neurolink.hal.safety.audit import AuditLog, AuditRecord, Event, Outcome
from neurolink.hal.safety.bypass import NoHostSafety
from neurolink.hal.safety.charge import (
    charge_density_uc_per_cm2,
    charge_nc,
    shannon_index,
    shannon_max_charge_nc,
    shannon_max_density_uc_per_cm2,
    shannon_ok,
)
from neurolink.hal.safety.estop import EStop, TripInfo
from neurolink.hal.safety.heartbeat import HeartbeatSender
from neurolink.hal.safety.layer import Accepted, SafetyLayer
from neurolink.hal.safety.limits import (
    ArmLimits,
    DofLimits,
    ElectrodeLimits,
    LimitTable,
    ProsthesisLimits,
    StimLimits,
    TotalStimLimits,
)
from neurolink.hal.safety.prosthesis_guard import Clip, ProsthesisDecision, ProsthesisGuard
from neurolink.hal.safety.stim_guard import StimGuard
from neurolink.hal.safety.storm import StormTrip

__all__ = [
    "Accepted",
    "ArmLimits",
    "AuditLog",
    "AuditRecord",
    "Clip",
    "DofLimits",
    "EStop",
    "ElectrodeLimits",
    "Event",
    "HeartbeatSender",
    "LimitTable",
    "NoHostSafety",
    "Outcome",
    "ProsthesisDecision",
    "ProsthesisGuard",
    "ProsthesisLimits",
    "SafetyLayer",
    "StimGuard",
    "StimLimits",
    "StormTrip",
    "TotalStimLimits",
    "TripInfo",
    "charge_density_uc_per_cm2",
    "charge_nc",
    "shannon_index",
    "shannon_max_charge_nc",
    "shannon_max_density_uc_per_cm2",
    "shannon_ok",
]
