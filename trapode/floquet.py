"""Parametric stability of the driven trap: the Floquet monodromy matrix over one drive period.

The report's drive modulates the electrode voltage, ``V0 → V0 (1 + f cos(ωV t))``,
and with it the field of every electrode term (the quadrupole, the
ellipticity, the multipoles). About the trap centre the motion is then a
linear system with periodic coefficients,

``ẏ = A(t) y``,  ``y = (r, v)``,  ``A(t) = [[0, I], [(q/m)(K + f cos(ωV t) K_V), −(q/m) [B0]×]]``

where ``E ≈ K r`` is the static field gradient (per unit charge), ``K_V`` its
part proportional to the electrode voltage (user potentials do not scale with
V0) and ``[B0]× v = B0 × v`` (:mod:`trapode.linear`). By Floquet's theorem
every solution is ``Φ(t) y0`` with ``Φ(t + T) = Φ(t) M``, where the
*monodromy matrix* ``M = Φ(T)`` is the fundamental matrix after one period
``T = 2π/ωV``. A solution grows as ``|λ|^(t/T)`` for each eigenvalue λ of M
(the Floquet multipliers), so the drive destabilises the trap at rate

``γ = ln(max |λ|) / T``.

The system is Hamiltonian and ``tr A = 0``, so ``det M = 1`` and the
multipliers come in pairs λ, 1/λ̄: ``max |λ| ≥ 1`` exactly, equality where
the point is stable. Expanded about ``f = 0`` (parametric resonance, as for the
Mathieu equation: Landau & Lifshitz, *Mechanics*, §27) the unstable bands
of the ideal trap are the axial tongues ``ωV ≈ 2ωz/n`` (for n = 1:
``|ωV − 2ωz| < f ωz/2``) and the radial band ``ωV ≈ ω₊ − ω₋`` of peak growth
``f ωz²/(4(ω₊ − ω₋))``; this module computes them without expansion.

References: G. Floquet, Ann. Sci. ENS 12, 47 (1883); V. A. Yakubovich and
V. M. Starzhinskii, *Linear Differential Equations with Periodic
Coefficients* (Wiley, 1975), ch. II (the monodromy matrix and its multipliers).

Examples
--------
>>> import numpy as np
>>> import trapode
>>> from trapode.floquet import stability_chart
>>> trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
>>> ion = trapode.Particle(species="40Ca+")
>>> chart = stability_chart(trap, ion, amplitudes=[0.1], omegas=np.linspace(1.3, 1.5, 201))
>>> [(band.label, round(band.prediction, 3)) for band in chart.bands()]
[('axial n=1', 1.39)]
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit, prange
from numpy.typing import ArrayLike

from ._validate import count, instance, real, reals
from .budget import check_duration, check_memory, seconds_at_least
from .errors import ConfigError
from .linear import TrapFrequencies, _linear_system, trap_frequencies
from .setup.particles import Particle
from .setup.trap import PenningTrap

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Band", "StabilityChart", "monodromy", "stability_chart"]

#: Default largest phase ``ω_max h`` of one RK4 step (rad). RK4 shifts a mode's phase by
#: ``(ωh)⁵/120`` and its amplitude by ``(ωh)⁶/144`` per step (:doc:`methods`): at 0.05 that is
#: 3e-9 rad and 1e-10 per step, ~1e-6 after the ~2000 steps of the longest period of a chart.
DEFAULT_PHASE_STEP = 0.05
#: Fewest steps per drive period, however slow the motion: the drive itself must be resolved.
MIN_STEPS_PER_PERIOD = 16
# A second mode takes part in the growing mode (a combination resonance) from this share of the first's on.
_PAIR_SHARE = 0.25
_MODE_NAMES = ("ω₊", "ωz", "ω₋")

# Points of a chart are dealt round-robin to this many work units, which numba's threads share:
# points at low ωV take many more steps, and a chart's grid is sorted by ωV, so contiguous blocks
# of points (numba's default split) would leave one thread with most of the work.
_CHUNKS = 64

_JIT: dict[str, Any] = {"cache": True, "error_model": "numpy", "nogil": True, "fastmath": {"contract"}}


@njit(inline="always", **_JIT)
def _acceleration(x, y, z, vx, vy, vz, drive, gs, gv, w):
    """The lower block row of A(t) times one column: (q/m)(K + drive K_V) r − (q/m) B0 × v."""
    ax = (
        (gs[0, 0] + drive * gv[0, 0]) * x
        + (gs[0, 1] + drive * gv[0, 1]) * y
        + (gs[0, 2] + drive * gv[0, 2]) * z
        + w[0, 1] * vy
        + w[0, 2] * vz
    )
    ay = (
        (gs[1, 0] + drive * gv[1, 0]) * x
        + (gs[1, 1] + drive * gv[1, 1]) * y
        + (gs[1, 2] + drive * gv[1, 2]) * z
        + w[1, 0] * vx
        + w[1, 2] * vz
    )
    az = (
        (gs[2, 0] + drive * gv[2, 0]) * x
        + (gs[2, 1] + drive * gv[2, 1]) * y
        + (gs[2, 2] + drive * gv[2, 2]) * z
        + w[2, 0] * vx
        + w[2, 1] * vy
    )
    return ax, ay, az


@njit(**_JIT)
def _monodromy_rk4(gs, gv, w, amplitude, omega, n_steps, out):
    """Write into ``out`` (6, 6) the fundamental matrix after one period 2π/omega: n_steps classical RK4 steps.

    Each column of the identity is advanced on its own, in scalars that stay
    in registers; only the lower block row of A is computed (the upper one
    is ṙ = v), and the zero diagonal of the antisymmetric ``w`` is skipped.
    """
    h = 2.0 * math.pi / omega / n_steps
    half = 0.5 * h
    sixth = h / 6.0
    # f cos(ωV t) at every half step, shared by the six columns; ωV t = π k / n_steps exactly.
    drive = np.empty(2 * n_steps + 1)
    for k in range(2 * n_steps + 1):
        drive[k] = amplitude * math.cos(math.pi * k / n_steps)
    for column in range(6):
        x = 1.0 if column == 0 else 0.0
        y = 1.0 if column == 1 else 0.0
        z = 1.0 if column == 2 else 0.0
        vx = 1.0 if column == 3 else 0.0
        vy = 1.0 if column == 4 else 0.0
        vz = 1.0 if column == 5 else 0.0
        for step in range(n_steps):
            d1 = drive[2 * step]
            d2 = drive[2 * step + 1]
            d3 = drive[2 * step + 2]
            a1x, a1y, a1z = _acceleration(x, y, z, vx, vy, vz, d1, gs, gv, w)
            v2x, v2y, v2z = vx + half * a1x, vy + half * a1y, vz + half * a1z
            a2x, a2y, a2z = _acceleration(x + half * vx, y + half * vy, z + half * vz, v2x, v2y, v2z, d2, gs, gv, w)
            v3x, v3y, v3z = vx + half * a2x, vy + half * a2y, vz + half * a2z
            a3x, a3y, a3z = _acceleration(x + half * v2x, y + half * v2y, z + half * v2z, v3x, v3y, v3z, d2, gs, gv, w)
            v4x, v4y, v4z = vx + h * a3x, vy + h * a3y, vz + h * a3z
            a4x, a4y, a4z = _acceleration(x + h * v3x, y + h * v3y, z + h * v3z, v4x, v4y, v4z, d3, gs, gv, w)
            x += sixth * (vx + 2.0 * (v2x + v3x) + v4x)
            y += sixth * (vy + 2.0 * (v2y + v3y) + v4y)
            z += sixth * (vz + 2.0 * (v2z + v3z) + v4z)
            vx += sixth * (a1x + 2.0 * (a2x + a3x) + a4x)
            vy += sixth * (a1y + 2.0 * (a2y + a3y) + a4y)
            vz += sixth * (a1z + 2.0 * (a2z + a3z) + a4z)
        out[0, column] = x
        out[1, column] = y
        out[2, column] = z
        out[3, column] = vx
        out[4, column] = vy
        out[5, column] = vz


@njit(parallel=True, **_JIT)
def _monodromies(gs, gv, w, amplitudes, omegas, n_steps):
    """The monodromy matrices (P, 6, 6) of the points (amplitudes[p], omegas[p]), on numba's threads."""
    n_points = amplitudes.shape[0]
    out = np.empty((n_points, 6, 6))
    for chunk in prange(_CHUNKS):
        # Each work unit reads its own copies: threads that share one array's reference count slow down.
        own_gs, own_gv, own_w = gs.copy(), gv.copy(), w.copy()
        for point in range(chunk, n_points, _CHUNKS):
            _monodromy_rk4(own_gs, own_gv, own_w, amplitudes[point], omegas[point], n_steps[point], out[point])
    return out


@dataclass(frozen=True)
class _DrivenSystem:
    """The lower blocks of A(t) for one trap and particle.

    ``A(t)[3:, :3] = static + f cos(ωV t) voltage`` (1/µs²) and ``A[3:, 3:] = rotation`` (1/µs).
    """

    static: np.ndarray
    voltage: np.ndarray
    rotation: np.ndarray

    def matrix(self, drive: float) -> np.ndarray:
        """A(t) (6 × 6) where the drive term ``f cos(ωV t)`` equals ``drive``."""
        matrix = np.zeros((6, 6))
        matrix[:3, 3:] = np.eye(3)
        matrix[3:, :3] = self.static + drive * self.voltage
        matrix[3:, 3:] = self.rotation
        return matrix

    def fastest(self, amplitude: float) -> float:
        """The largest |eigenvalue| of A(t) (rad/µs) at either extreme of a drive of relative amplitude f."""
        return max(float(np.max(np.abs(np.linalg.eigvals(self.matrix(drive))))) for drive in (amplitude, -amplitude))


def _driven_system(trap: PenningTrap, particle: Particle) -> _DrivenSystem:
    """The static gradient, its voltage-proportional part and the rotation block of ``particle`` in ``trap``."""
    # The linearisation leaves out the trap's own drive and every time-dependent term (see
    # PenningTrap.frequencies), so the trap's model serves as it is: nothing new to compile.
    matrix, _ = _linear_system(trap, particle.q, particle.m)
    # V0 = 0 keeps every term that does not scale with the voltage (user potentials): the difference
    # is exactly the electrode part that the drive modulates. V0 is a run-time value: same model.
    grounded, _ = _linear_system(dataclasses.replace(trap, V0=0.0), particle.q, particle.m)
    return _DrivenSystem(
        static=np.ascontiguousarray(matrix[3:, :3]),
        voltage=np.ascontiguousarray(matrix[3:, :3] - grounded[3:, :3]),
        rotation=np.ascontiguousarray(matrix[3:, 3:]),
    )


def _check_types(trap: Any, particle: Any) -> None:
    instance("trap", trap, PenningTrap, "a trapode.PenningTrap")
    instance("particle", particle, Particle, "a trapode.Particle")


def _check_confinement(trap: PenningTrap, particle: Particle) -> None:
    """Refuse a trap that does not confine the particle (this compiles the trap's model, so it comes last)."""
    problems = trap.confinement_problems(particle)
    if problems:
        raise ConfigError(
            f"the trap does not confine {particle.label()} even without the drive, so its parametric "
            f"stability is not defined: {'; '.join(problems)}."
        )


def _check_phase_step(phase_step: Any) -> float:
    return real("phase_step", phase_step, "a phase per step in rad, > 0 and ≤ 1", minimum=0.0, strict=True, maximum=1.0)


def _grid(name: str, values: Any, unit: str, positive: bool) -> np.ndarray:
    """A non-empty 1-D grid of finite numbers, > 0 or ≥ 0."""
    grid = np.atleast_1d(reals(name, values, unit))
    if grid.size == 0:
        raise ConfigError(f"{name} must hold at least one value in {unit}, got none.")
    bad = grid[grid <= 0] if positive else grid[grid < 0]
    if bad.size:
        expected = "> 0" if positive else "≥ 0"
        raise ConfigError(f"{name} must all be {expected} ({unit}), got {bad[:5].tolist()}.")
    return grid


def _steps_per_period(
    system: _DrivenSystem, amplitudes: np.ndarray, omegas: np.ndarray, phase_step: float
) -> np.ndarray:
    """Steps per drive period (n_amplitudes, n_omegas): ``ω_max h ≤ phase_step``, ω_max = max(fastest mode, ωV)."""
    fastest = np.array([system.fastest(float(amplitude)) for amplitude in amplitudes])
    omega_max = np.maximum(fastest[:, None], omegas[None, :])
    steps = np.maximum(np.ceil(2 * math.pi * omega_max / (omegas[None, :] * phase_step)), MIN_STEPS_PER_PERIOD)
    total = float(np.sum(steps))
    check_duration(
        seconds_at_least(total, 6, False),
        f"a stability chart of {steps.size} points ({total:.3g} RK4 steps)",
        "use fewer points, or higher drive frequencies (the steps per period grow as 1/ωV)",
    )
    return steps.astype(np.int64)


def _monodromy_grid(system: _DrivenSystem, amplitudes: np.ndarray, omegas: np.ndarray, phase_step: float) -> np.ndarray:
    """The monodromy matrices (n_amplitudes, n_omegas, 6, 6)."""
    steps = _steps_per_period(system, amplitudes, omegas, phase_step)
    # New writable arrays: numba compiles another version for read-only ones (as broadcasts are).
    matrices = _monodromies(
        system.static,
        system.voltage,
        system.rotation,
        np.repeat(amplitudes, omegas.size),
        np.tile(omegas, amplitudes.size),
        steps.ravel(),
    )
    return matrices.reshape(*steps.shape, 6, 6)


@dataclass(frozen=True)
class _Modes:
    """The static trap's eigenmodes ω₊, ωz, ω₋, to tell which of them a Floquet eigenvector holds.

    A vector ``y = Σ c_k u_k`` over the eigenvectors ``u_k`` of the static A
    carries the action ``|c_k|² |Im(u_kᴴ S u_k)|`` in eigenvector k, where
    ``Ω(y1, y2) = y1ᵀ S y2`` with ``S = [[W, −I], [I, 0]]`` (W the rotation
    block of A) is the symplectic form the motion conserves (AᵀS + SA = 0).
    Actions, unlike positions or velocities, weigh slow and fast modes alike:
    in a sum or difference resonance both modes grow with equal actions. The
    sign of ``Im(uᴴ S u)`` at +iω is the mode's energy sign (its Krein signature).
    """

    frequencies: TrapFrequencies
    inverse: np.ndarray  # (6, 6): row k times y is the coefficient c_k
    action: np.ndarray  # (6,): |Im(u_kᴴ S u_k)|
    mode: np.ndarray  # (6,): 0, 1, 2 where eigenvector k belongs to ω₊, ωz, ω₋
    signature: np.ndarray  # (3,): the energy signs of ω₊, ωz, ω₋

    def shares(self, vectors: np.ndarray) -> np.ndarray:
        """The fractions (…, 3) of the action of ``vectors`` (…, 6) in the modes ω₊, ωz, ω₋."""
        weights = np.abs(vectors @ self.inverse.T) ** 2 * self.action
        shares = np.stack([np.sum(weights[..., self.mode == m], axis=-1) for m in range(3)], axis=-1)
        return shares / np.sum(shares, axis=-1, keepdims=True)

    def name(self, shares: np.ndarray, omega: float) -> tuple[str, float]:
        """The name of the resonance that grows at drive frequency ``omega`` with these shares, and its centre.

        One mode alone is the parametric resonance ``2ω/n``. Two modes (the
        second holding at least a quarter of the first's action) are a
        combination resonance: at the difference of their frequencies where
        their energies have opposite signs (the magnetron mode with another),
        at the sum where they have the same.
        """
        values = (self.frequencies.omega_plus, self.frequencies.omega_z, self.frequencies.omega_minus)
        first, second = (int(k) for k in np.argsort(-shares, kind="stable")[:2])
        if shares[second] < _PAIR_SHARE * shares[first]:
            combination, text = 2 * values[first], f"2{_MODE_NAMES[first]}"
            kind = "axial" if first == 1 else "radial"
        else:
            high, low = sorted((first, second))  # ω₊ > ωz > ω₋
            same = self.signature[high] == self.signature[low]
            combination = values[high] + values[low] if same else abs(values[high] - values[low])
            text = f"{_MODE_NAMES[high]} {'+' if same else '−'} {_MODE_NAMES[low]}"
            kind = "mixed" if 1 in (high, low) else "radial"
        order = max(1, round(combination / omega))
        if kind == "axial":
            return f"axial n={order}", combination / order
        if order > 1:
            text = f"({text})/{order}" if " " in text else f"{text}/{order}"
        return f"{kind} {text}", combination / order


def _modes(system: _DrivenSystem, frequencies: TrapFrequencies) -> _Modes:
    """The eigenmodes of the static system, named by the frequencies of :func:`trapode.linear.trap_frequencies`."""
    symplectic = np.zeros((6, 6))
    symplectic[:3, :3] = system.rotation
    symplectic[:3, 3:] = -np.eye(3)
    symplectic[3:, :3] = np.eye(3)
    eigenvalues, vectors = np.linalg.eig(system.matrix(0.0))
    krein = np.imag(np.einsum("ik,ij,jk->k", vectors.conj(), symplectic, vectors))
    values = np.array([frequencies.omega_plus, frequencies.omega_z, frequencies.omega_minus])
    mode = np.argmin(np.abs(np.abs(eigenvalues.imag)[:, None] - values[None, :]), axis=1)
    signature = np.ones(3)
    for k in np.flatnonzero(eigenvalues.imag > 0):
        signature[mode[k]] = np.sign(krein[k])
    return _Modes(frequencies, np.linalg.inv(vectors), np.abs(krein), mode, signature)


def _floquet_analysis(matrices: np.ndarray, omegas: np.ndarray, modes: _Modes) -> tuple[np.ndarray, ...]:
    """Multipliers (…, 6) by decreasing |λ|, growth rates (1/µs) and the mode shares (…, 3) of the largest."""
    multipliers, vectors = np.linalg.eig(matrices)
    order = np.argsort(-np.abs(multipliers), axis=-1, kind="stable")
    multipliers = np.take_along_axis(multipliers, order, axis=-1)
    dominant = np.take_along_axis(vectors, order[..., None, :1], axis=-1)[..., 0]
    # max |λ| ≥ 1 holds exactly (det M = 1, multipliers in pairs λ, 1/λ̄): a value below 1 is RK4's
    # slight damping of every mode (≤ 1e-6 per period at the default step), not a decaying trap, and
    # is reported as 0. Where the point is stable, round-off leaves ~1e-13 1/µs either side of 0.
    growth = np.maximum(np.log(np.abs(multipliers[..., 0])), 0.0) * omegas / (2 * math.pi)
    return multipliers, growth, modes.shares(dominant)


@dataclass(frozen=True)
class Band:
    """One interval of drive frequencies where the trap is parametrically unstable.

    Attributes
    ----------
    amplitude : float
        Relative drive amplitude f.
    left, right : float
        Edges in rad/µs: midway between the last stable and the first
        unstable point of the grid (each known to ± half the grid spacing),
        or the end of the grid where the band reaches it.
    peak_growth : float
        Largest growth rate in the band, in 1/µs.
    peak_omega : float
        Drive frequency of that peak, in rad/µs.
    label : str
        The resonance that grows at the peak, named by the static modes its
        Floquet eigenvector holds: ``"axial n=2"`` (ωV ≈ 2ωz/n), a radial
        one such as ``"radial ω₊ − ω₋"``, ``"radial (ω₊ − ω₋)/2"``,
        ``"radial 2ω₊/3"``, or, in a tilted trap, a mixed one such as
        ``"mixed ω₊ + ωz"``.
    prediction : float
        The centre its formula predicts (2ωz/n, ω₊ − ω₋, ...) from the
        trap's frequencies, in rad/µs.
    resolved : bool
        False where the band reaches an end of the grid, so that edge is only a bound.
    """

    amplitude: float
    left: float
    right: float
    peak_growth: float
    peak_omega: float
    label: str
    prediction: float
    resolved: bool = True

    @property
    def width(self) -> float:
        """Width of the band in rad/µs."""
        return self.right - self.left

    @property
    def centre(self) -> float:
        """Middle of the band in rad/µs."""
        return 0.5 * (self.left + self.right)


@dataclass(frozen=True, eq=False)
class StabilityChart:
    """Floquet growth rates of the driven trap over a grid of drive amplitudes and frequencies.

    Made by :func:`stability_chart`.

    Attributes
    ----------
    trap : PenningTrap
        The trap (its own ``drive`` and excitations are not used: the grid replaces them).
    particle : Particle
    amplitudes : ndarray, shape (n_amplitudes,)
        Relative drive amplitudes f.
    omegas : ndarray, shape (n_omegas,)
        Drive angular frequencies ωV in rad/µs, increasing.
    growth_rate : ndarray, shape (n_amplitudes, n_omegas)
        ``max(ln(max |λ|), 0) / T`` in 1/µs, the growth rate of the
        fastest-growing mode; 0 where the point is stable, up to round-off
        (~1e-13 1/µs).
    multipliers : ndarray of complex, shape (n_amplitudes, n_omegas, 6)
        The Floquet multipliers λ (eigenvalues of the monodromy matrix), by decreasing ``|λ|``.
    mode_shares : ndarray, shape (n_amplitudes, n_omegas, 3)
        How the action of the eigenvector of the largest multiplier divides
        among the static modes ω₊, ωz, ω₋ (each row sums to 1): what names
        the bands. Meaningful where the point is unstable.
    phase_step : float
        The largest phase ``ω_max h`` of one integration step, in rad.
    """

    trap: PenningTrap
    particle: Particle
    amplitudes: np.ndarray
    omegas: np.ndarray
    growth_rate: np.ndarray
    multipliers: np.ndarray
    mode_shares: np.ndarray
    phase_step: float

    def _modes(self) -> _Modes:
        return _modes(_driven_system(self.trap, self.particle), trap_frequencies(self.trap, self.particle))

    def bands(self, amplitude_index: int | None = None, threshold: float = 1e-6) -> tuple[Band, ...]:
        """The unstable intervals: runs of consecutive grid points where the growth rate exceeds ``threshold``.

        Parameters
        ----------
        amplitude_index : int, optional
            Only the bands at ``amplitudes[amplitude_index]``; default: at every amplitude.
        threshold : float
            Growth rate (1/µs, ≥ 0) above which a point counts as unstable.
            The default lies far above the round-off at stable points (~1e-13 1/µs).

        Returns
        -------
        tuple of Band
            By amplitude (in the order of :attr:`amplitudes`), then by frequency.
        """
        threshold = real("threshold", threshold, "a growth rate ≥ 0 in 1/µs", minimum=0.0)
        rows: range | list[int] = range(len(self.amplitudes))
        if amplitude_index is not None:
            rows = [count("amplitude_index", amplitude_index, minimum=0, maximum=len(self.amplitudes) - 1)]
        modes = self._modes()
        omegas = self.omegas
        found = []
        for row in rows:
            growth = self.growth_rate[row]
            unstable = np.concatenate([[False], growth > threshold, [False]])
            starts = np.flatnonzero(~unstable[:-1] & unstable[1:])
            stops = np.flatnonzero(unstable[:-1] & ~unstable[1:])
            for start, stop in zip(starts, stops, strict=True):
                peak = start + int(np.argmax(growth[start:stop]))
                left = omegas[start] if start == 0 else 0.5 * (omegas[start - 1] + omegas[start])
                last = len(omegas) - 1
                right = omegas[stop - 1] if stop - 1 == last else 0.5 * (omegas[stop - 1] + omegas[stop])
                label, prediction = modes.name(self.mode_shares[row, peak], float(omegas[peak]))
                found.append(
                    Band(
                        amplitude=float(self.amplitudes[row]),
                        left=float(left),
                        right=float(right),
                        peak_growth=float(growth[peak]),
                        peak_omega=float(omegas[peak]),
                        label=label,
                        prediction=float(prediction),
                        resolved=bool(start > 0 and stop - 1 < last),
                    )
                )
        return tuple(found)

    def loss_bands(
        self, t_end: float, initial_amplitude: float, d: float | None = None, amplitude_index: int | None = None
    ) -> tuple[Band, ...]:
        """The bands where a run of length ``t_end`` loses ions that start at ``initial_amplitude``.

        An amplitude A0 that grows at rate γ reaches ``d`` within ``t_end`` where
        ``γ t_end > ln(d / A0)`` (:doc:`sweeps`): these are :meth:`bands` with that threshold.

        Parameters
        ----------
        t_end : float
            Length of the run in µs (> 0).
        initial_amplitude : float
            Initial amplitude A0 of the growing mode in µm, 0 < A0 < d.
        d : float, optional
            Distance at which an ion counts as lost, in µm; default the trap's ``d`` (the escape rule).
        amplitude_index : int, optional
            As for :meth:`bands`.

        Returns
        -------
        tuple of Band
        """
        t_end = real("t_end", t_end, "a positive duration in µs", minimum=0.0, strict=True)
        d = self.trap.d if d is None else real("d", d, "a positive distance in µm", minimum=0.0, strict=True)
        initial_amplitude = real(
            "initial_amplitude",
            initial_amplitude,
            f"an amplitude in µm, > 0 and below d = {d:g} µm",
            minimum=0.0,
            strict=True,
        )
        if initial_amplitude >= d:
            raise ConfigError(
                f"initial_amplitude must be an amplitude in µm, > 0 and below d = {d:g} µm, got {initial_amplitude!r}."
            )
        return self.bands(amplitude_index, threshold=math.log(d / initial_amplitude) / t_end)

    def label(self, amplitude: float, omega: float, threshold: float = 1e-6) -> str:
        """The name of the mode that grows at drive amplitude ``amplitude`` and frequency ``omega`` (rad/µs).

        Computed from the monodromy matrix at that point (which need not be on
        the grid), as the labels of :meth:`bands`; ``"stable"`` where the
        growth rate is not above ``threshold`` (1/µs).
        """
        amplitude = real("amplitude", amplitude, "a relative amplitude ≥ 0", minimum=0.0)
        omega = real("omega", omega, "a positive angular frequency in rad/µs", minimum=0.0, strict=True)
        threshold = real("threshold", threshold, "a growth rate ≥ 0 in 1/µs", minimum=0.0)
        matrix = monodromy(self.trap, self.particle, amplitude, omega, phase_step=self.phase_step)
        modes = self._modes()
        _, growth, shares = _floquet_analysis(matrix[None], np.array([omega]), modes)
        if growth[0] <= threshold:
            return "stable"
        return modes.name(shares[0], omega)[0]

    def plot(self, ax: Axes | None = None) -> Axes:
        """The growth rate against ωV, one line per amplitude; returns the Axes (a new figure if ``ax`` is None)."""
        from .plotting import _axes

        ax = _axes(ax)
        for row, amplitude in enumerate(self.amplitudes):
            ax.plot(self.omegas, self.growth_rate[row], label=f"f = {amplitude:g}")
        ax.set_xlabel(r"drive angular frequency $\omega_V$ (rad/µs)")
        ax.set_ylabel(r"growth rate $\ln(\max|\lambda|)\,/\,T$ (1/µs)")
        ax.set_title(f"Floquet stability of {self.particle.label()}, B0 = {self.trap.B0:g} T, V0 = {self.trap.V0:g} V")
        ax.set_xlim(self.omegas[0], self.omegas[-1])
        ax.set_ylim(bottom=0.0)
        ax.legend()
        return ax


def monodromy(
    trap: PenningTrap, particle: Particle, amplitude: float, omega: float, phase_step: float = DEFAULT_PHASE_STEP
) -> np.ndarray:
    """The monodromy matrix of the trap driven as ``V0 (1 + amplitude cos(omega t))``.

    Parameters
    ----------
    trap : PenningTrap
        The trap; its own ``drive`` (and excitations) are not used.
    particle : Particle
        Its charge and mass are used (its initial state is not).
    amplitude : float
        Relative drive amplitude f (≥ 0).
    omega : float
        Drive angular frequency ωV in rad/µs (> 0).
    phase_step : float
        Largest phase ``ω_max h`` of one RK4 step in rad (0 < phase_step ≤ 1),
        ω_max the larger of ωV and the fastest ``|eigenvalue|`` of A(t); at least
        16 steps per period are taken.

    Returns
    -------
    ndarray, shape (6, 6)
        ``Φ(2π/ωV)`` with ``Φ(0) = I``, acting on ``(x, y, z, vx, vy, vz)`` in µm and µm/µs.

    Raises
    ------
    ConfigError
        If an argument is invalid or the trap does not confine the particle.
    """
    _check_types(trap, particle)
    amplitude = real("amplitude", amplitude, "a relative amplitude ≥ 0", minimum=0.0)
    omega = real("omega", omega, "a positive angular frequency in rad/µs", minimum=0.0, strict=True)
    phase_step = _check_phase_step(phase_step)
    _check_confinement(trap, particle)
    system = _driven_system(trap, particle)
    return _monodromy_grid(system, np.array([amplitude]), np.array([omega]), phase_step)[0, 0]


def stability_chart(
    trap: PenningTrap,
    particle: Particle,
    amplitudes: ArrayLike,
    omegas: ArrayLike,
    phase_step: float = DEFAULT_PHASE_STEP,
) -> StabilityChart:
    """Floquet growth rates of the trap driven as ``V0 (1 + f cos(ωV t))`` over a grid of f and ωV.

    Each point's monodromy matrix is integrated by the classical RK4 method
    with a fixed step (compiled, the points shared out over numba's threads);
    its largest multiplier gives the growth rate ``ln(max |λ|)/T``.

    Parameters
    ----------
    trap : PenningTrap
        The trap; its own ``drive`` (and excitations) are not used.
    particle : Particle
        Its charge and mass are used (its initial state is not).
    amplitudes : array_like, shape (n_amplitudes,)
        Relative drive amplitudes f (finite, ≥ 0), kept in the order given.
    omegas : array_like, shape (n_omegas,)
        Drive angular frequencies ωV in rad/µs (finite, > 0); sorted and
        duplicates removed. The cost of a point grows as 1/ωV.
    phase_step : float
        Largest phase ``ω_max h`` of one step, as for :func:`monodromy`.

    Returns
    -------
    StabilityChart

    Raises
    ------
    ConfigError
        If an argument is invalid or the trap does not confine the particle,
        before anything is computed.
    """
    _check_types(trap, particle)
    amplitude_grid = _grid("amplitudes", amplitudes, "relative amplitudes (dimensionless)", positive=False)
    omega_grid = np.unique(_grid("omegas", omegas, "rad/µs", positive=True))
    phase_step = _check_phase_step(phase_step)
    _check_confinement(trap, particle)
    size = amplitude_grid.size * omega_grid.size
    # The matrices, the multipliers and eigenvectors (complex) and their temporaries.
    check_memory(size * 36 * 8 * 6, f"a stability chart of {size} points", "use fewer amplitudes or frequencies")
    system = _driven_system(trap, particle)
    matrices = _monodromy_grid(system, amplitude_grid, omega_grid, phase_step)
    modes = _modes(system, trap_frequencies(trap, particle))
    multipliers, growth, shares = _floquet_analysis(matrices, omega_grid[None, :], modes)
    return StabilityChart(
        trap=trap,
        particle=particle,
        amplitudes=amplitude_grid,
        omegas=omega_grid,
        growth_rate=growth,
        multipliers=multipliers,
        mode_shares=shares,
        phase_step=phase_step,
    )
