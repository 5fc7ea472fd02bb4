"""Charge arithmetic for stimulation pulses and the Shannon charge-density criterion.

Units: current µA, duration µs, charge nC (1 µA · 1 µs = 1 pC = 10⁻³ nC), electrode area cm²,
charge density µC/cm² per phase.

Shannon criterion
-----------------
Shannon (1992) fitted the boundary between damaging and non-damaging stimulation of cortex
(McCreery's data) as

    log10(D) = k − log10(Q)

with ``D`` the charge density per phase (µC/cm²) and ``Q`` the charge per phase (µC); pulses
with ``log10(D) < k − log10(Q)`` are taken as safe. The fitted boundary had k ≈ 1.85; k = 1.5 is
the commonly used conservative value and the default here.

    R. V. Shannon, "A model of safe levels for electrical stimulation," IEEE Transactions on
    Biomedical Engineering, vol. 39, no. 4, pp. 424–426, 1992. doi:10.1109/10.126616

For an electrode of geometric area ``A`` (cm²), ``D = Q / A`` so the criterion reads
``log10(Q² / A) < k``, i.e. ``Q < sqrt(10^k · A)`` µC and ``D < sqrt(10^k / A)`` µC/cm².
Worked example: A = 0.001 cm² (0.1 mm²), k = 1.5 → Q_max = sqrt(31.62 · 0.001) = 0.1778 µC
= 177.8 nC, D_max = 177.8 µC/cm².
"""

from __future__ import annotations

import math

__all__ = [
    "charge_density_uc_per_cm2",
    "charge_nc",
    "shannon_index",
    "shannon_max_charge_nc",
    "shannon_max_density_uc_per_cm2",
    "shannon_ok",
]


def charge_nc(amplitude_ua: float, width_us: float) -> float:
    """Charge of one phase (nC): ``amplitude_ua · width_us / 1000``.

    Parameters
    ----------
    amplitude_ua : float
        Phase current (µA).
    width_us : float
        Phase duration (µs).
    """
    return amplitude_ua * width_us / 1000.0


def charge_density_uc_per_cm2(q_nc: float, area_cm2: float) -> float:
    """Charge density of one phase (µC/cm²): ``(q_nc / 1000) / area_cm2``.

    Parameters
    ----------
    q_nc : float
        Charge per phase (nC).
    area_cm2 : float
        Geometric electrode area (cm²), > 0.
    """
    return (q_nc / 1000.0) / area_cm2


def shannon_index(q_nc: float, area_cm2: float) -> float:
    """``log10(D) + log10(Q)`` with D in µC/cm² and Q in µC; the pulse is safe iff this < k.

    Parameters
    ----------
    q_nc : float
        Charge per phase (nC), > 0.
    area_cm2 : float
        Geometric electrode area (cm²), > 0.
    """
    q_uc = q_nc / 1000.0
    return math.log10(charge_density_uc_per_cm2(q_nc, area_cm2)) + math.log10(q_uc)


def shannon_ok(q_nc: float, area_cm2: float, k: float) -> bool:
    """True when ``log10(D) < k − log10(Q)`` (strict, as in Shannon 1992)."""
    return shannon_index(q_nc, area_cm2) < k


def shannon_max_charge_nc(area_cm2: float, k: float) -> float:
    """Charge per phase (nC) at the Shannon boundary: ``1000 · sqrt(10^k · area_cm2)``."""
    return 1000.0 * math.sqrt(10.0**k * area_cm2)


def shannon_max_density_uc_per_cm2(area_cm2: float, k: float) -> float:
    """Charge density (µC/cm²) at the Shannon boundary: ``sqrt(10^k / area_cm2)``."""
    return math.sqrt(10.0**k / area_cm2)
