"""Exact single-particle motion: the ideal trap's closed form, and the linear system of any quadratic trap.

For the ideal trap the closed form derived by SymPy
(:mod:`trapode.physics.closed_form`) is evaluated through its cached module;
ω0 = qB0/m carries the charge's sign, so it is exact for negative ions too.
For a tilted or elliptic trap (any trap whose fields are exactly linear) the
motion is the linear system's matrix exponential (:func:`trapode.linear.linear_motion`).
"""

from __future__ import annotations

import cmath
from typing import Literal, NamedTuple, overload

import numpy as np
from numpy.typing import ArrayLike

from ._validate import flag, instance, reals
from .budget import check_memory
from .compile import closed_form_module, model_module
from .errors import ConfigError
from .linear import linear_motion
from .setup.fields import BuiltinTerm
from .setup.particles import Particle
from .setup.trap import PenningTrap

__all__ = ["RadialAmplitudes", "analytic_solution", "is_ideal", "radial_amplitudes"]

_IDEAL = {BuiltinTerm("quadrupole").key, BuiltinTerm("uniform_field").key}


def is_ideal(trap: PenningTrap) -> bool:
    """Whether ``trap`` is the report's ideal static trap: a quadrupole in a uniform B along z."""
    return {term.key for term in trap.terms()} == _IDEAL


def _closed_form_frequencies(trap: PenningTrap, particle: Particle, what: str) -> tuple[complex, complex]:
    """ω0 = qB0/m (signed) and ωz = √(2qV0/(m d²)) (complex where q V0 < 0) for the closed form."""
    omega_0 = particle.q * trap.B0_internal / particle.m
    omega_z = cmath.sqrt(2 * particle.q * trap.V0_internal / (particle.m * trap.d**2))
    if omega_z == 0 or omega_0**2 == 2 * omega_z**2:
        raise ConfigError(
            f"{what} is undefined for ω0 = {omega_0:g} rad/µs, ωz = {omega_z:g} rad/µs: it needs V0 ≠ 0, q ≠ 0 and "
            "ω0² ≠ 2 ωz² (ω+ ≠ ω−)."
        )
    return complex(omega_0), omega_z


def _check(trap: object, particle: object) -> None:
    instance("trap", trap, PenningTrap, "a trapode.PenningTrap")
    instance("particle", particle, Particle, "a trapode.Particle")


@overload
def analytic_solution(
    trap: PenningTrap, particle: Particle, t: ArrayLike, velocity: Literal[False] = False
) -> np.ndarray: ...
@overload
def analytic_solution(
    trap: PenningTrap, particle: Particle, t: ArrayLike, velocity: Literal[True]
) -> tuple[np.ndarray, np.ndarray]: ...
@overload
def analytic_solution(
    trap: PenningTrap, particle: Particle, t: ArrayLike, velocity: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]: ...
def analytic_solution(
    trap: PenningTrap, particle: Particle, t: ArrayLike, velocity: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Exact position of a single particle in a static trap without higher-order terms.

    For the ideal trap, the closed form ``z(t) = z0 cos(ωz t) + (vz0/ωz) sin(ωz t)``
    and ``x + i y = A+ e^{−i(ω+ t + φ+)} + A− e^{−i(ω− t + φ−)}`` with A±, φ±
    fitted to the initial state (report eqs. 12–21), for any initial state and
    either sign of charge; complex arithmetic also covers traps that do not
    confine. For a tilted or elliptic trap (or any trap whose fields are
    exactly linear), the linear system's matrix exponential.

    The escape rule (no trap field for ``|r| ≥ d``) is not part of the exact
    solution: compare with a simulation only while the particle stays inside.

    Parameters
    ----------
    trap : PenningTrap
        A static trap (no drive) with no multipoles, bottle or nonlinear user terms.
    particle : Particle
        Charge, mass and initial state.
    t : array_like
        Times in µs.
    velocity : bool
        Also return the velocity.

    Returns
    -------
    ndarray, shape (len(t), 3)
        Positions in µm; with ``velocity=True`` a pair (positions, velocities
        in µm/µs).

    Raises
    ------
    ConfigError
        For a driven trap or one with nonlinear terms, which have no exact solution.

    Examples
    --------
    >>> import trapode
    >>> trap = trapode.PenningTrap()
    >>> r = trapode.analytic_solution(trap, trapode.report_particle_1(), [0.0, 50.0])
    >>> r[0].tolist()
    [20.0, 0.0, 20.0]
    """
    _check(trap, particle)
    velocity = flag("velocity", velocity)
    # Positions (and velocities) and the complex intermediates of the closed form: ~10 doubles per time;
    # checked before the times are read, which for a broadcast array of 10¹¹ would take a minute.
    try:
        size = int(np.prod(np.shape(t), dtype=np.float64))
    except (ValueError, TypeError):
        size = 0  # not an array: reals() says why
    check_memory(size * 8 * 10 * (2 if velocity else 1), f"analytic_solution at {size} times", "ask for fewer times")
    times = reals("t", t, "µs")
    if not is_ideal(trap):
        if not model_module(trap).IS_LINEAR:
            raise ConfigError(
                "This trap has no closed form: analytic_solution exists only for a static trap whose fields are "
                "linear (the ideal, tilted or elliptic trap), and this one has the terms "
                f"{', '.join(term.label for term in trap.terms())}. Simulate it instead, and compare with "
                "method='dop853'."
            )
        return linear_motion(trap, particle, times, velocity=velocity)
    omega_0, omega_z = _closed_form_frequencies(trap, particle, "The analytic solution")
    module = closed_form_module()
    arguments = (times, *particle.r, *particle.v, omega_0, omega_z)
    with np.errstate(all="ignore"):
        f, z = module.analytic_motion(*arguments)
        positions = _finite(_as_vectors(f, z, times.shape), particle)
        if not velocity:
            return positions
        f_dot, z_dot = module.analytic_velocity(*arguments)
        return positions, _finite(_as_vectors(f_dot, z_dot, times.shape), particle)


def _finite(values: np.ndarray, particle: Particle) -> np.ndarray:
    """``values``, if the closed form stayed within the range of floats."""
    if values.size and not (np.isfinite(values.min()) and np.isfinite(values.max())):
        raise ConfigError(
            f"the closed form of {particle.label()} in this trap leaves the range of floating-point numbers "
            "(frequencies or amplitudes too large); use physical values."
        )
    return values


def _as_vectors(f: ArrayLike, z: ArrayLike, shape: tuple[int, ...]) -> np.ndarray:
    """(x, y, z) from f = x + i y and z, as an array of shape ``shape + (3,)``."""
    f = np.broadcast_to(f, shape)
    z = np.broadcast_to(z, shape)
    return np.stack([f.real, f.imag, z.real], axis=-1)


class RadialAmplitudes(NamedTuple):
    """Amplitudes (µm) and phases (rad) of the radial motion.

    ``f(t) = x + i y = A+ e^{−i s(ω+ t + φ+)} + A− e^{−i s(ω− t + φ−)}`` with
    ω+ > ω− > 0 and s = sign(q) (a negative ion turns the other way): A+ is
    the cyclotron radius, A− the magnetron radius.
    """

    A_plus: float
    A_minus: float
    phi_plus: float
    phi_minus: float

    @property
    def radius_max(self) -> float:
        """Largest distance from the z axis, R+ = A+ + A− (µm)."""
        return self.A_plus + self.A_minus

    @property
    def radius_min(self) -> float:
        """Smallest distance from the z axis, R− = ``|A+ − A−|`` (µm)."""
        return abs(self.A_plus - self.A_minus)


def radial_amplitudes(trap: PenningTrap, particle: Particle) -> RadialAmplitudes:
    """A±, φ± of the radial motion of ``particle`` in the ideal trap, for either sign of charge.

    The coefficients C of ``f(t) = C_a e^{−i r_a t} + C_b e^{−i r_b t}`` come
    from the SymPy derivation, with the roots r = [ω0 ± √(ω0² − 2ωz²)]/2 of
    the signed ω0 = qB0/m; the root of larger magnitude is the cyclotron
    motion, so ``A+ = |C|`` of that one and ``φ = −s arg C`` (see
    :class:`RadialAmplitudes`).

    Examples
    --------
    >>> import trapode
    >>> amplitudes = trapode.radial_amplitudes(trapode.PenningTrap(), trapode.report_particle_1())
    >>> round(amplitudes.radius_min, 3), round(amplitudes.radius_max, 3)
    (20.0, 44.646)
    """
    _check(trap, particle)
    if not is_ideal(trap):
        raise ConfigError(
            "radial_amplitudes is the ideal trap's closed form; this trap has the terms "
            f"{[term.key for term in trap.terms()]}."
        )
    omega_0, omega_z = _closed_form_frequencies(trap, particle, "The radial amplitude")
    c_first, c_second = (
        complex(c) for c in closed_form_module().radial_coefficients(*particle.r[:2], *particle.v[:2], omega_0, omega_z)
    )
    # The closed form's roots are (ω0 + √…)/2 and (ω0 − √…)/2: for q < 0 the second is the cyclotron motion.
    sign = 1.0 if particle.q > 0 else -1.0
    cyclotron, magnetron = (c_first, c_second) if sign > 0 else (c_second, c_first)
    return RadialAmplitudes(
        abs(cyclotron), abs(magnetron), -sign * cmath.phase(cyclotron), -sign * cmath.phase(magnetron)
    )
