"""Passive dendrite: the cable equation on a branched morphology, as compartments.

A :class:`Morphology` is a tree of cylindrical sections (parent index, length, diameter; the
root has parent −1; a child starts at its parent's far end). :class:`PassiveDendrite` cuts
each section into compartments of at most ``max_segment`` µm and couples neighbours by their
axial conductance (the two half-compartments in series, so diameter changes are handled).
Kirchhoff's current law at every node — in particular at branch points, where the parent's
last compartment meets the first compartment of each child — gives the sparse system

``C dV/dt = −G (V − E_L) + I_inj``,  ``G = A + diag(g_m)``,

with ``A`` the axial (graph-Laplacian) conductances and ``g_m`` the membrane conductances. The
steady state solves ``G (V − E_L) = I_inj`` (``scipy.sparse.linalg.spsolve``); time courses use
implicit Euler with one sparse LU factorization. Ends are sealed (no axial current).

Units: lengths and diameters µm; R_m Ω·cm²; R_i Ω·cm; C_m µF/cm²; conductances µS;
capacitances nF; currents nA; potentials mV; time ms. The length constant of a cylinder is
``λ = sqrt((d/4) R_m / R_i)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.sparse import csgraph
from scipy.sparse.linalg import splu, spsolve

from neurolink.models.dynamics.params import (
    ModelError,
    as_float_array,
    check_finite,
    check_positive,
)

__all__ = ["Morphology", "MorphologyError", "PassiveDendrite"]

_UM_TO_CM = 1e-4


class MorphologyError(ModelError):
    """A morphology is not a single connected tree (several roots, cycles, bad indices)."""


@dataclass(frozen=True, eq=False)
class Morphology:
    """A tree of cylindrical sections.

    Parameters
    ----------
    parent : array_like of int, shape (n_sections,)
        Parent section of each section; −1 for the single root.
    length : array_like, shape (n_sections,)
        Section lengths (µm).
    diameter : array_like, shape (n_sections,)
        Section diameters (µm).
    """

    parent: np.ndarray
    length: np.ndarray
    diameter: np.ndarray

    def __post_init__(self) -> None:
        parent = np.asarray(self.parent)
        if parent.ndim != 1 or not np.issubdtype(parent.dtype, np.integer):
            raise MorphologyError(
                f"Morphology: parent must be a 1-D integer array, got "
                f"{parent.dtype} shape {parent.shape}"
            )
        length = as_float_array("Morphology", "length", self.length, ndim=1)
        diameter = as_float_array("Morphology", "diameter", self.diameter, ndim=1)
        n = parent.size
        if n == 0 or length.shape != (n,) or diameter.shape != (n,):
            raise MorphologyError(
                f"Morphology: parent, length and diameter must have the same non-zero length, "
                f"got {parent.shape}, {length.shape}, {diameter.shape}"
            )
        for name, arr in (("length", length), ("diameter", diameter)):
            bad = np.flatnonzero(arr <= 0)
            if bad.size:
                raise MorphologyError(
                    f"Morphology: {name} must be > 0 µm; sections "
                    f"{bad.tolist()} have {arr[bad].tolist()}"
                )
        _check_tree(parent.astype(np.int64))
        object.__setattr__(self, "parent", parent.astype(np.int64))
        object.__setattr__(self, "length", length)
        object.__setattr__(self, "diameter", diameter)

    @property
    def n_sections(self) -> int:
        """Number of sections."""
        return int(self.parent.size)

    @classmethod
    def cylinder(cls, length: float, diameter: float) -> Morphology:
        """A single unbranched section."""
        return cls(np.array([-1]), np.array([length]), np.array([diameter]))


def _check_tree(parent: np.ndarray) -> None:
    n = parent.size
    out_of_range = np.flatnonzero((parent < -1) | (parent >= n))
    if out_of_range.size:
        raise MorphologyError(
            f"Morphology: parent indices out of range [-1, {n - 1}] at sections "
            f"{out_of_range.tolist()}"
        )
    roots = np.flatnonzero(parent == -1)
    if roots.size != 1:
        raise MorphologyError(
            f"Morphology is disconnected: it needs exactly one root (parent −1), found "
            f"{roots.size} at sections {roots.tolist()}"
        )
    reached = np.zeros(n, dtype=bool)
    children: list[list[int]] = [[] for _ in range(n)]
    for i, p in enumerate(parent.tolist()):
        if p >= 0:
            children[p].append(i)
    stack = [int(roots[0])]
    while stack:
        i = stack.pop()
        reached[i] = True
        stack.extend(children[i])
    if not reached.all():
        raise MorphologyError(
            f"Morphology is disconnected: sections {np.flatnonzero(~reached).tolist()} are not "
            "connected to the root (a cycle in the parent indices)"
        )


class PassiveDendrite:
    """Compartmental passive cable on a :class:`Morphology`.

    Parameters
    ----------
    morphology : Morphology
        The tree of sections.
    r_m : float
        Specific membrane resistance (Ω·cm²).
    r_i : float
        Axial (cytoplasmic) resistivity (Ω·cm).
    c_m : float
        Specific membrane capacitance (µF/cm²).
    e_leak : float
        Leak reversal = resting potential (mV).
    max_segment : float
        Largest compartment length (µm); keep it ≪ λ.

    Attributes
    ----------
    section : numpy.ndarray of int, shape (n_comp,)
        Section of each compartment.
    position : numpy.ndarray, shape (n_comp,)
        Centre of each compartment along its section (µm from the section start).
    distance : numpy.ndarray, shape (n_comp,)
        Path distance (µm) of each compartment centre from the start of the root.
    g_m, capacitance : numpy.ndarray, shape (n_comp,)
        Membrane conductance (µS) and capacitance (nF) per compartment.
    """

    def __init__(
        self,
        morphology: Morphology,
        r_m: float = 20_000.0,
        r_i: float = 100.0,
        c_m: float = 1.0,
        e_leak: float = -65.0,
        max_segment: float = 10.0,
    ) -> None:
        name = type(self).__name__
        self.morphology = morphology
        self.r_m = check_positive(name, "r_m", r_m, "Ω·cm²")
        self.r_i = check_positive(name, "r_i", r_i, "Ω·cm")
        self.c_m = check_positive(name, "c_m", c_m, "µF/cm²")
        self.e_leak = check_finite(name, "e_leak", e_leak, "mV")
        max_segment = check_positive(name, "max_segment", max_segment, "µm")
        self._build(max_segment)

    def length_constant(self, section: int = 0) -> float:
        """λ = sqrt((d/4) R_m / R_i) of a section (µm)."""
        d_cm = self.morphology.diameter[section] * _UM_TO_CM
        return float(np.sqrt(d_cm / 4.0 * self.r_m / self.r_i) / _UM_TO_CM)

    @property
    def tau_m(self) -> float:
        """Membrane time constant R_m C_m (ms)."""
        return self.r_m * self.c_m * 1e-3

    @property
    def n_compartments(self) -> int:
        """Number of compartments."""
        return int(self.section.size)

    def compartment(self, section: int, position: float) -> int:
        """Index of the compartment of ``section`` that contains ``position`` (µm from its
        start)."""
        idx = np.flatnonzero(self.section == section)
        if idx.size == 0:
            raise ModelError(f"{type(self).__name__}: no section {section}")
        seg = self._seg_len[idx[0]]
        k = min(int(position // seg), idx.size - 1)
        return int(idx[max(k, 0)])

    def _build(self, max_segment: float) -> None:
        m = self.morphology
        n_seg = np.maximum(np.ceil(m.length / max_segment - 1e-9).astype(np.int64), 1)
        first = np.concatenate(([0], np.cumsum(n_seg)[:-1]))
        self.section = np.repeat(np.arange(m.n_sections), n_seg)
        seg = (m.length / n_seg)[self.section]
        local = np.arange(self.section.size) - first[self.section]
        self.position = (local + 0.5) * seg
        start = np.zeros(m.n_sections)  # path distance of each section's start from the root
        for s in _topological(m.parent):
            if m.parent[s] >= 0:
                start[s] = start[m.parent[s]] + m.length[m.parent[s]]
        self.distance = start[self.section] + self.position
        d_cm = m.diameter[self.section] * _UM_TO_CM
        seg_cm = seg * _UM_TO_CM
        self._seg_len = seg
        self.g_m = np.pi * d_cm * seg_cm / self.r_m * 1e6  # µS
        self.capacitance = self.c_m * np.pi * d_cm * seg_cm * 1e3  # µF/cm² · cm² → nF
        half_r = self.r_i * (seg_cm / 2.0) / (np.pi * d_cm**2 / 4.0)  # Ω, half a compartment
        # Edges: consecutive compartments of a section, and parent's last → child's first.
        within = np.flatnonzero(local[1:] > 0) + 1
        a, b = list(within - 1), list(within)
        last = first + n_seg - 1
        for s in range(m.n_sections):
            if m.parent[s] >= 0:
                a.append(int(last[m.parent[s]]))
                b.append(int(first[s]))
        a_arr, b_arr = np.array(a, dtype=np.int64), np.array(b, dtype=np.int64)
        g_ax = 1e6 / (half_r[a_arr] + half_r[b_arr])  # µS
        n = self.section.size
        adj = sp.coo_matrix((g_ax, (a_arr, b_arr)), shape=(n, n)).tocsr()
        adj = adj + adj.T
        n_cc, _ = csgraph.connected_components(adj, directed=False)
        if n_cc != 1:  # cannot happen for a valid Morphology; kept as a guard
            raise MorphologyError(f"{type(self).__name__}: compartments form {n_cc} pieces")
        laplacian = sp.diags(np.asarray(adj.sum(axis=1)).ravel()) - adj
        self.conductance_matrix = (laplacian + sp.diags(self.g_m)).tocsc()  # µS

    def _injection(self, current: ArrayLike) -> np.ndarray:
        i = np.asarray(current, dtype=np.float64)
        if i.shape != (self.n_compartments,):
            raise ModelError(
                f"{type(self).__name__}: injected current must have shape "
                f"({self.n_compartments},) (nA per compartment), got {i.shape}"
            )
        if not np.all(np.isfinite(i)):
            raise ModelError(f"{type(self).__name__}: injected current contains NaN/inf")
        return i

    def steady_state(self, current: ArrayLike) -> np.ndarray:
        """Steady-state potential (mV) per compartment for constant injected ``current`` (nA
        per compartment, shape (n_comp,))."""
        rhs = self._injection(current)
        return self.e_leak + spsolve(self.conductance_matrix, rhs)

    def simulate(
        self,
        current: ArrayLike | Callable[[float], ArrayLike],
        t_span: tuple[float, float],
        dt: float,
        v0: ArrayLike | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Time course by implicit Euler: ``(C/dt + G) V'_{n+1} = C/dt V'_n + I_{n+1}``.

        Parameters
        ----------
        current : array_like or callable
            Injected current (nA): constant shape (n_comp,), or ``current(t)`` returning it.
        t_span : (float, float)
            Start and end (ms); a multiple of ``dt`` long.
        dt : float
            Step (ms).
        v0 : array_like, optional
            Initial potential (mV) per compartment; rest by default.

        Returns
        -------
        times : numpy.ndarray, shape (n_steps + 1,)
        v : numpy.ndarray, shape (n_steps + 1, n_comp)
            Potentials (mV).
        """
        name = type(self).__name__
        dt = check_positive(name, "dt", dt, "ms")
        n_steps = round((t_span[1] - t_span[0]) / dt)
        if n_steps < 1 or abs(n_steps * dt - (t_span[1] - t_span[0])) > 1e-6 * dt:
            raise ModelError(f"{name}: t_span {t_span} is not a positive multiple of dt={dt}")
        fixed = None if callable(current) else self._injection(current)
        c_dt = self.capacitance / dt
        lu = splu((sp.diags(c_dt) + self.conductance_matrix).tocsc())
        times = t_span[0] + dt * np.arange(n_steps + 1)
        v = np.empty((n_steps + 1, self.n_compartments))
        v[0] = self.e_leak if v0 is None else as_float_array(name, "v0", v0, ndim=1)
        dev = v[0] - self.e_leak
        for k in range(1, n_steps + 1):
            i_k = fixed if fixed is not None else self._injection(current(times[k]))
            dev = lu.solve(c_dt * dev + i_k)
            v[k] = self.e_leak + dev
        return times, v


def _topological(parent: np.ndarray) -> list[int]:
    """Sections ordered so that every parent comes before its children."""
    children: list[list[int]] = [[] for _ in range(parent.size)]
    for i, p in enumerate(parent.tolist()):
        if p >= 0:
            children[p].append(i)
    order, stack = [], [int(np.flatnonzero(parent == -1)[0])]
    while stack:
        i = stack.pop()
        order.append(i)
        stack.extend(children[i])
    return order
