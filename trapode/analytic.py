"""The closed-form motion of one particle in the static trap.

The formula is derived by SymPy in :func:`trapode.model.analytic_solution_expressions`
and evaluated through the generated :func:`trapode._generated.analytic_motion`.
"""

from __future__ import annotations

import cmath
from typing import NamedTuple

import numpy as np

from . import _generated
from .errors import ConfigError

__all__ = ["analytic_solution", "RadialAmplitudes", "radial_amplitudes"]


def _frequencies(trap, particle, what):
    if trap.drive is not None:
        raise ConfigError(
            f"{what} exists only for a static trap; PenningTrap.drive must be None, got {trap.drive!r}."
        )
    frequencies = trap.frequencies(particle)
    omega_0 = complex(frequencies.omega_0)
    omega_z = complex(frequencies.omega_z)
    if omega_z == 0 or omega_0**2 == 2 * omega_z**2:
        raise ConfigError(
            f"{what} is undefined for ω0 = {frequencies.omega_0:g} rad/µs, ωz = {frequencies.omega_z:g} rad/µs: "
            "it needs V0 ≠ 0, q ≠ 0 and ω0² ≠ 2 ωz² (ω+ ≠ ω−)."
        )
    return omega_0, omega_z


def analytic_solution(trap, particle, t, velocity=False):
    """Position of a single particle in a static ideal trap, in closed form.

    ``z(t) = z0 cos(ωz t) + (vz0/ωz) sin(ωz t)`` and
    ``x + i y = A+ e^{−i(ω+ t + φ+)} + A− e^{−i(ω− t + φ−)}`` with A±, φ± fitted
    to the initial position and velocity (report eqs. 12–21), valid for any
    initial state. Complex arithmetic throughout also covers traps that do
    not confine (then ω± or ωz are complex and the motion grows).

    The escape rule (no trap field for ``|r| > d``) is not part of the closed
    form: compare with a simulation only while the particle stays inside.

    Parameters
    ----------
    trap : PenningTrap
        A trap without a drive.
    particle : Particle
        Charge, mass and initial state.
    t : array_like
        Times in µs.
    velocity : bool
        Also return the velocity (the time derivative of the closed form,
        taken by SymPy).

    Returns
    -------
    ndarray, shape (len(t), 3)
        Positions in µm; with ``velocity=True`` a pair (positions, velocities
        in µm/µs).

    Examples
    --------
    >>> import trapode
    >>> trap = trapode.PenningTrap()
    >>> r = trapode.analytic_solution(trap, trapode.report_particle_1(), [0.0, 50.0])
    >>> r[0].tolist()
    [20.0, 0.0, 20.0]
    """
    omega_0, omega_z = _frequencies(trap, particle, "The analytic solution")
    t = np.asarray(t, dtype=np.float64)
    arguments = (t, *particle.r, *particle.v, omega_0, omega_z)
    positions = _as_vectors(*_generated.analytic_motion(*arguments), t.shape)
    if not velocity:
        return positions
    return positions, _as_vectors(*_generated.analytic_velocity(*arguments), t.shape)


def _as_vectors(f, z, shape):
    """(x, y, z) from f = x + i y and z, as an array of shape ``shape + (3,)``."""
    f = np.broadcast_to(f, shape)
    z = np.broadcast_to(z, shape)
    return np.stack([f.real, f.imag, z.real], axis=-1)


class RadialAmplitudes(NamedTuple):
    """Amplitudes (µm) and phases (rad) of ``f(t) = A+ e^{−i(ω+ t + φ+)} + A− e^{−i(ω− t + φ−)}``."""

    A_plus: float
    A_minus: float
    phi_plus: float
    phi_minus: float

    @property
    def radius_max(self):
        """Largest distance from the z axis, R+ = A+ + A− (µm)."""
        return self.A_plus + self.A_minus

    @property
    def radius_min(self):
        """Smallest distance from the z axis, R− = ``|A+ − A−|`` (µm)."""
        return abs(self.A_plus - self.A_minus)


def radial_amplitudes(trap, particle):
    """A±, φ± of the radial motion of ``particle`` (for a trap that confines it).

    The coefficients C± of ``f(t) = C+ e^{−i ω+ t} + C− e^{−i ω− t}`` come from
    the SymPy derivation; ``A± = |C±|`` and ``φ± = −arg C±``.

    Examples
    --------
    >>> import trapode
    >>> amplitudes = trapode.radial_amplitudes(trapode.PenningTrap(), trapode.report_particle_1())
    >>> round(amplitudes.radius_min, 3), round(amplitudes.radius_max, 3)
    (20.0, 44.646)
    """
    omega_0, omega_z = _frequencies(trap, particle, "The radial amplitude")
    c_plus, c_minus = (
        complex(c) for c in _generated.radial_coefficients(*particle.r[:2], *particle.v[:2], omega_0, omega_z)
    )
    return RadialAmplitudes(abs(c_plus), abs(c_minus), -cmath.phase(c_plus), -cmath.phase(c_minus))
