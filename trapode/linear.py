"""The linear motion about the trap centre: frequencies, confinement and exact solutions of any quadratic trap.

Near its centre every trap is linear: with the static field ``E ≈ E0 + K r``
and the uniform part B0 of the magnetic field (both derived by SymPy and
compiled with the model, :func:`trapode.physics.model.SymbolicModel.linear_parts`),

``ẏ = A y + b``,  ``y = (r, v)``,  ``A = [[0, I], [(q/m) K, −(q/m) [B0]×]]``,  ``b = (0, (q/m) E0)``

where ``[B]× v = B × v``. Its eigenvalues ±iω are the trap's frequencies;
for the ideal trap they are the closed forms, and for a tilted or elliptic
trap they are the exact frequencies, which satisfy the Brown–Gabrielse
invariance theorem ω₊² + ωz² + ω₋² = ωc². For a trap without higher-order
terms the motion is exactly ``y(t) = exp(A t) y0`` (plus the affine part).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, overload

import numpy as np
from numpy.typing import ArrayLike

from .compile import model_module
from .errors import ConfigError
from .units import InHertz, angular_frequency_to_hz

if TYPE_CHECKING:
    from .setup.particles import Particle
    from .setup.trap import PenningTrap

__all__ = [
    "TrapFrequencies",
    "confinement_problems",
    "exact_flow",
    "linear_motion",
    "linear_system",
    "matrix_of",
    "trap_frequencies",
]

# Relative size of a real part of an eigenvalue that still counts as oscillation, not growth.
_GROWTH_TOLERANCE = 1e-9


@dataclass(frozen=True)
class TrapFrequencies(InHertz):
    """The eigenfrequencies of a particle's motion about the trap centre.

    Attributes
    ----------
    omega_plus : float
        Modified cyclotron frequency ω₊ in rad/µs (the largest radial one).
    omega_z : float
        Axial frequency ωz in rad/µs.
    omega_minus : float
        Magnetron frequency ω₋ in rad/µs (0 < ω₋ < ω₊).
    omega_c : float
        Free cyclotron frequency ``ωc = |q| |B0| / m`` in rad/µs (B0 the field at the centre).
    rotation : str
        Sense of the radial motions seen from the tip of B looking back along
        it: ``"clockwise"`` for q > 0, ``"counterclockwise"`` for q < 0.
    """

    omega_plus: float
    omega_z: float
    omega_minus: float
    omega_c: float
    rotation: str

    @property
    def nu_c(self) -> float:
        """ωc / 2π in Hz."""
        return angular_frequency_to_hz(self.omega_c)


def _check_particle(particle: object) -> None:
    from .setup.particles import Particle

    if not isinstance(particle, Particle):
        raise ConfigError(f"particle must be a trapode.Particle, got {particle!r}.")


def linear_system(trap: PenningTrap, particle: Particle) -> tuple[np.ndarray, np.ndarray]:
    """The matrix ``A`` (6 × 6) and vector ``b`` of the linearised static trap, ``ẏ = A y + b``.

    Units: ``y = (r, v)`` in µm and µm/µs, A in 1/µs and 1/µs², b in µm/µs².
    """
    _check_particle(particle)
    matrix, offset = _linear_system(trap, particle.q, particle.m)
    return matrix.copy(), offset.copy()


@lru_cache(maxsize=256)
def _linear_system(trap: PenningTrap, charge: float, mass: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`linear_system` for a charge and mass, kept for the trap (which is immutable)."""
    model = model_module(trap)
    linearization = model.linearization([trap.parameter_values()[p] for p in model.PARAMETERS])
    return matrix_of(linearization, charge / mass)


def matrix_of(linearization: tuple, q_over_m: float) -> tuple[np.ndarray, np.ndarray]:
    """``A`` and ``b`` of ``ẏ = A y + b`` from a model's ``linearization(p)`` ``(E0, K, B0)`` and q/m (e/u)."""
    field_at_centre, gradient, magnetic = linearization
    bx, by, bz = magnetic
    cross = np.array([[0.0, -bz, by], [bz, 0.0, -bx], [-by, bx, 0.0]])
    matrix = np.zeros((6, 6))
    matrix[:3, 3:] = np.eye(3)
    matrix[3:, :3] = q_over_m * np.array(gradient, dtype=float)
    matrix[3:, 3:] = -q_over_m * cross
    offset = np.concatenate([np.zeros(3), q_over_m * np.array(field_at_centre, dtype=float)])
    return matrix, offset


def exact_flow(matrix: np.ndarray, offset: np.ndarray, duration: float) -> tuple[np.ndarray, np.ndarray]:
    """The flow of ``ẏ = A y + b`` over ``duration`` (µs): ``y → Φ y + φ``, by :func:`scipy.linalg.expm`.

    Computed from the augmented 7 × 7 matrix ``[[A, b], [0, 0]]``, whose
    exponential holds ``Φ = exp(A τ)`` and ``φ = ∫₀^τ exp(A s) b ds``.
    """
    from scipy.linalg import expm

    augmented = np.zeros((7, 7))
    augmented[:6, :6] = matrix
    augmented[:6, 6] = offset
    flow = expm(augmented * duration)
    return flow[:6, :6], flow[:6, 6]


def _cyclotron_frequency(matrix: np.ndarray) -> float:
    """ωc = |q/m| |B0| from the rotation block −(q/m)[B0]× of the linear system."""
    rotation = matrix[3:, 3:]
    return float(math.hypot(rotation[0, 1], rotation[0, 2], rotation[1, 2]))


def confinement_problems(trap: PenningTrap, particle: Particle) -> list[str]:
    """Why ``trap`` cannot confine ``particle``, in sentences; empty if it can.

    See :meth:`trapode.PenningTrap.confinement_problems`.
    """
    with np.errstate(all="ignore"):
        matrix, _ = linear_system(trap, particle)
    if not np.all(np.isfinite(matrix)):
        return [
            f"its fields (B0 = {trap.B0:g} T, V0 = {trap.V0:g} V, d = {trap.d:g} µm) overflow the range of "
            "floating-point numbers"
        ]
    gradient, rotation = matrix[3:, :3], matrix[3:, 3:]
    axisymmetric = (
        np.count_nonzero(gradient - np.diag(np.diag(gradient))) == 0
        and gradient[0, 0] == gradient[1, 1]
        and rotation[0, 2] == 0
        and rotation[1, 2] == 0
    )
    if not axisymmetric:
        eigenvalues = np.linalg.eigvals(matrix)
        scale = float(np.max(np.abs(eigenvalues)))
        growth = float(np.max(eigenvalues.real))
        if growth > _GROWTH_TOLERANCE * scale:
            return [f"the linearised motion about the trap centre has a growing mode (growth rate {growth:.6g} 1/µs)"]
        slowest = float(np.min(np.abs(eigenvalues)))
        if slowest <= _GROWTH_TOLERANCE * scale:
            return [
                "a mode of the linearised motion does not oscillate (eigenvalue 0): nothing pulls the particle back "
                "along it, so it drifts away from the centre"
            ]
        return []
    omega_c = _cyclotron_frequency(matrix)
    omega_z2, omega_c2 = -gradient[2, 2], omega_c * omega_c  # inf, not OverflowError, for absurd fields
    # The ideal trap's criteria in its own terms, where they apply (no user terms change E or B).
    ideal = not trap.potentials and not trap.magnetic_fields
    if omega_z2 <= 0:
        hint = f" (for this trap: q V0 = {particle.q * trap.V0:g} e V must be > 0)" if ideal else ""
        return [f"ωz² = {omega_z2:.6g} rad²/µs² is not > 0{hint}, so there is no axial confinement"]
    if omega_c2 < 2 * omega_z2:
        hint = ""
        if ideal and trap.B0_internal**2 * trap.d**2 > 0:
            threshold = 4 * abs(trap.V0_internal) / (trap.B0_internal**2 * trap.d**2)
            hint = (
                f" (for this trap: |q|/m = {abs(particle.q) / particle.m:.6g} e/u is below 4|V0|/(B0² d²) = "
                f"{threshold:.6g} e/u)"
            )
        return [
            f"ωc² = {omega_c2:.6g} is below 2ωz² = {2 * omega_z2:.6g} rad²/µs²{hint}, so the radial motion "
            "is not bounded"
        ]
    return []


def _eigenfrequencies(matrix: np.ndarray) -> tuple[float, float, float, float] | None:
    """ω+, ωz, ω−, ωc of a confining linear system; None where they over- or underflow."""
    if not np.all(np.isfinite(matrix)):
        return None
    with np.errstate(all="ignore"):
        eigenvalues, eigenvectors = np.linalg.eig(matrix)
        order = np.argsort(-eigenvalues.imag)[:3]  # the three with positive imaginary part
        omegas = eigenvalues.imag[order]
        positions = np.abs(eigenvectors[:3, order]) ** 2
        axial = int(np.argmax(positions[2] / positions.sum(axis=0)))
    radial = sorted((omegas[k] for k in range(3) if k != axial), reverse=True)
    values = (float(radial[0]), float(omegas[axial]), float(radial[1]), _cyclotron_frequency(matrix))
    return values if all(math.isfinite(value) and value > 0 for value in values) else None


def trap_frequencies(trap: PenningTrap, particle: Particle) -> TrapFrequencies:
    """The eigenfrequencies of ``particle`` in ``trap``; see :meth:`trapode.PenningTrap.frequencies`."""
    problems = confinement_problems(trap, particle)
    if problems:
        raise ConfigError(
            f"the trap does not confine {particle.label()}, so it has no frequencies: {'; '.join(problems)}."
        )
    matrix, _ = linear_system(trap, particle)
    values = _eigenfrequencies(matrix)
    if values is None:
        raise ConfigError(
            f"the frequencies of {particle.label()} in this trap (B0 = {trap.B0:g} T, V0 = {trap.V0:g} V, "
            f"d = {trap.d:g} µm) lie outside the range of floating-point numbers; use physical values."
        )
    return TrapFrequencies(
        omega_plus=values[0],
        omega_z=values[1],
        omega_minus=values[2],
        omega_c=values[3],
        rotation="clockwise" if particle.q > 0 else "counterclockwise",
    )


@overload
def linear_motion(
    trap: PenningTrap, particle: Particle, t: ArrayLike, velocity: Literal[False] = False
) -> np.ndarray: ...
@overload
def linear_motion(
    trap: PenningTrap, particle: Particle, t: ArrayLike, velocity: Literal[True]
) -> tuple[np.ndarray, np.ndarray]: ...
@overload
def linear_motion(
    trap: PenningTrap, particle: Particle, t: ArrayLike, velocity: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]: ...
def linear_motion(
    trap: PenningTrap, particle: Particle, t: ArrayLike, velocity: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """The exact motion ``exp(A t) y0`` (with the affine part) of ``particle`` in a linear ``trap``.

    Evaluated through the eigendecomposition of the augmented 7 × 7 system, or
    by :func:`scipy.linalg.expm` at every time where that is ill-conditioned.

    Returns
    -------
    ndarray, shape (len(t), 3)
        Positions in µm; with ``velocity=True`` a pair (positions, velocities in µm/µs).
    """
    matrix, offset = linear_system(trap, particle)
    augmented = np.zeros((7, 7))
    augmented[:6, :6] = matrix
    augmented[:6, 6] = offset
    start = np.array([*particle.r, *particle.v, 1.0])
    times = np.asarray(t, dtype=np.float64)
    eigenvalues, eigenvectors = np.linalg.eig(augmented)
    if np.linalg.cond(eigenvectors) < 1e8:
        coefficients = np.linalg.solve(eigenvectors, start)
        states = np.real(np.exp(np.multiply.outer(times, eigenvalues)) * coefficients @ eigenvectors.T)
    else:
        from scipy.linalg import expm

        states = np.array([expm(augmented * time) @ start for time in times.ravel()]).reshape(*times.shape, 7)
    positions, velocities = states[..., :3], states[..., 3:6]
    return (positions, velocities) if velocity else positions
