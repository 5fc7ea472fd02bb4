"""Charge arithmetic and the Shannon criterion, against hand derivations."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neurolink.hal.safety.charge import (
    charge_density_uc_per_cm2,
    charge_nc,
    shannon_index,
    shannon_max_charge_nc,
    shannon_max_density_uc_per_cm2,
    shannon_ok,
)


def test_charge_units() -> None:
    # 1 µA · 1 µs = 1 pC = 0.001 nC; 100 µA · 200 µs = 20 000 pC = 20 nC
    assert charge_nc(1.0, 1.0) == 0.001
    assert charge_nc(100.0, 200.0) == 20.0
    # 20 nC = 0.02 µC on 0.001 cm² → 20 µC/cm²
    assert charge_density_uc_per_cm2(20.0, 0.001) == pytest.approx(20.0, rel=1e-15)


def test_shannon_accept_by_hand() -> None:
    # area 0.001 cm² (= 0.1 mm²), Q = 10 nC = 0.01 µC → D = 0.01 / 0.001 = 10 µC/cm²
    # log10(D) + log10(Q) = 1 + (−2) = −1 < 1.5 → safe
    assert charge_density_uc_per_cm2(10.0, 0.001) == pytest.approx(10.0, rel=1e-15)
    assert shannon_index(10.0, 0.001) == pytest.approx(-1.0, abs=1e-12)
    assert shannon_ok(10.0, 0.001, 1.5)


def test_shannon_refuse_by_hand() -> None:
    # area 0.001 cm², Q = 200 nC = 0.2 µC → D = 200 µC/cm²
    # log10(200) + log10(0.2) = 2.30103 − 0.69897 = 1.60206 ≥ 1.5 → unsafe
    assert shannon_index(200.0, 0.001) == pytest.approx(1.60206, abs=1e-5)
    assert not shannon_ok(200.0, 0.001, 1.5)
    # but safe with k = 1.85 (Shannon's fitted boundary)
    assert shannon_ok(200.0, 0.001, 1.85)


def test_shannon_boundary_by_hand() -> None:
    # area 0.01 cm², k = 2: Q² / A < 10² → Q < sqrt(100 · 0.01) = 1 µC = 1000 nC, D < 100 µC/cm²
    assert shannon_max_charge_nc(0.01, 2.0) == pytest.approx(1000.0, rel=1e-12)
    assert shannon_max_density_uc_per_cm2(0.01, 2.0) == pytest.approx(100.0, rel=1e-12)
    # exactly on the boundary: log10(100) + log10(1) = 2 + 0 = 2, not < 2 → refused (strict)
    assert shannon_index(1000.0, 0.01) == 2.0
    assert not shannon_ok(1000.0, 0.01, 2.0)
    # 999 nC: 2·log10(0.999) + 2 = 1.99913 < 2 → safe
    assert shannon_ok(999.0, 0.01, 2.0)


def test_shannon_electrode_maxima_default_k() -> None:
    # A = 0.001 cm², k = 1.5: 10^1.5 = 31.6228; Q_max = sqrt(31.6228 · 0.001) = 0.177828 µC
    assert shannon_max_charge_nc(0.001, 1.5) == pytest.approx(177.828, rel=1e-5)
    # D_max = sqrt(31.6228 / 0.001) = 177.828 µC/cm² (equal to Q_max in nC only because A = 1e-3)
    assert shannon_max_density_uc_per_cm2(0.001, 1.5) == pytest.approx(177.828, rel=1e-5)


@given(q=st.floats(1e-3, 1e5), area=st.floats(1e-6, 1.0), k=st.floats(0.0, 3.0))
def test_shannon_forms_agree(q: float, area: float, k: float) -> None:
    # log10(D) + log10(Q) = log10(Q² / A); safe ⇔ Q < Q_max(A, k) (away from float ties)
    q_max = shannon_max_charge_nc(area, k)
    if abs(q / q_max - 1.0) > 1e-9:
        assert shannon_ok(q, area, k) == (q < q_max)
    q_uc = q / 1000.0
    assert shannon_index(q, area) == pytest.approx(math.log10(q_uc * q_uc / area), abs=1e-9)
