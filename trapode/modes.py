"""The motion seen through its modes: radii from a state, orbit energies, and the quadrupole conversion profile.

For an axisymmetric trap with B along z and a particle of charge q > 0, the
radial motion is ``x + i y = ρ₊ e^{−i(ω₊t+φ₊)} + ρ₋ e^{−i(ω₋t+φ₋)}``
(PHYSICS.md, "Frequencies and modes"), so that from any state, with
``f = x + i y``,

``ρ₊ = |ḟ + i ω₋ f| / (ω₊ − ω₋)``,  ``ρ₋ = |ḟ + i ω₊ f| / (ω₊ − ω₋)``,  ``ρz = √(z² + (ż/ωz)²)``.

A negative charge turns the other way: the same formulas hold for ``f = x − i y``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.constants

if TYPE_CHECKING:
    from .scans import ScanResult

__all__ = ["conversion_prediction", "mode_radii", "orbit_energy", "quadrupole_conversion"]

#: ½ u (µm/µs)² in eV.
_HALF_U_SPEED2_IN_EV = 0.5 * scipy.constants.atomic_mass / scipy.constants.e


def mode_radii(positions: Any, velocities: Any, frequencies: Any, charge: Any) -> np.ndarray:
    """Cyclotron, magnetron and axial radii (ρ₊, ρ₋, ρz) of states, in µm.

    Parameters
    ----------
    positions, velocities : array_like, shape (..., 3)
        States in µm and µm/µs.
    frequencies : array_like, shape (..., 3)
        (ω₊, ω₋, ωz) in rad/µs of each state's particle, broadcast against the states.
    charge : array_like, shape (...)
        The charges' signs decide the sense of rotation; broadcast likewise.

    Returns
    -------
    ndarray, shape (..., 3)
    """
    r, v, omega = (np.asarray(array, dtype=float) for array in (positions, velocities, frequencies))
    sign = np.where(np.asarray(charge) < 0, -1.0, 1.0)
    f = r[..., 0] + 1j * sign * r[..., 1]
    df = v[..., 0] + 1j * sign * v[..., 1]
    omega_plus, omega_minus, omega_z = omega[..., 0], omega[..., 1], omega[..., 2]
    split = omega_plus - omega_minus
    return np.stack(
        [
            np.abs(df + 1j * omega_minus * f) / split,
            np.abs(df + 1j * omega_plus * f) / split,
            np.hypot(r[..., 2], v[..., 2] / omega_z),
        ],
        axis=-1,
    )


def orbit_energy(radii: Any, frequencies: Any, mass: Any) -> np.ndarray:
    """Energy of the radial orbits, ``½ m (ω₊² ρ₊² + ω₋² ρ₋²)`` in eV (the radial kinetic energy over the orbits).

    ``radii`` and ``frequencies`` as from :func:`mode_radii` (..., 3), ``mass`` in u (...).
    """
    rho, omega = np.asarray(radii, dtype=float), np.asarray(frequencies, dtype=float)
    speed2 = (omega[..., 0] * rho[..., 0]) ** 2 + (omega[..., 1] * rho[..., 1]) ** 2
    return _HALF_U_SPEED2_IN_EV * np.asarray(mass, dtype=float) * speed2


def quadrupole_conversion(detuning: Any, coupling: Any, duration: Any) -> np.ndarray:
    """Fraction of a magnetron orbit's ρ₋² turned into ρ₊² by an azimuthal quadrupole pulse.

    ``(k0² / (4 ω_B²)) sin²(ω_B T)`` with ``ω_B = ½ √(δ² + k0²)`` (PHYSICS.md;
    König et al., Int. J. Mass Spectrom. Ion Proc. 142, 95 (1995)).

    Parameters
    ----------
    detuning : array_like
        δ = ω − (ω₊ + ω₋) in rad/µs.
    coupling : array_like
        k0 = q g0 / (m (ω₊ − ω₋)) in rad/µs.
    duration : array_like
        The pulse length T in µs.
    """
    delta, k0, t = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (detuning, coupling, duration)))
    omega_b = 0.5 * np.hypot(delta, k0)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(omega_b > 0, k0**2 / (4 * omega_b**2) * np.sin(omega_b * t) ** 2, 0.0)
    return fraction


def conversion_prediction(result: ScanResult) -> np.ndarray | None:
    """The conversion profile's prediction of a scan's radii or radial energy, or None where it does not apply.

    It applies to a scan of a trap whose only time-dependent term is one
    :class:`~trapode.QuadrupoleExcitation` (other excitations of amplitude 0
    are allowed), without damping or interaction,
    from particles in pure magnetron orbits (ρ₊ below 1e-3 ρ₋). Then every
    point's final ``ρ₊² = ρ₋(0)² F`` and ``ρ₋² = ρ₋(0)² (1 − F)`` with F from
    :func:`quadrupole_conversion`, and ρz unchanged.
    """
    from .setup.excitations import QuadrupoleExcitation

    config = result.config
    trap = config.trap
    quadrupoles = [i for i, excitation in enumerate(trap.excitations) if isinstance(excitation, QuadrupoleExcitation)]
    interacting = config.interactions and len(config.particles) > 1
    if len(quadrupoles) != 1 or trap.drive is not None or config.damping != 0 or interacting:
        return None
    (which,) = quadrupoles
    frequencies = result.frequencies
    charge = np.array([particle.q for particle in config.particles])
    mass = np.array([particle.m for particle in config.particles])
    start = mode_radii(
        np.array([particle.r for particle in config.particles]),
        np.array([particle.v for particle in config.particles]),
        frequencies[(0,) * len(result.shape)],
        charge,
    )
    if np.any(start[:, 0] > 1e-3 * start[:, 1]):
        return None
    values = np.empty((*result.shape, len(config.particles), 3))
    for index in np.ndindex(*result.shape):
        point = result.config_at(index)
        others = [excitation for i, excitation in enumerate(point.trap.excitations) if i != which]
        if point.damping != 0 or any(excitation.amplitude != 0 for excitation in others):
            return None
        excitation = point.trap.excitations[which]
        omega_plus, omega_minus, _ = np.moveaxis(frequencies[index], -1, 0)
        # E per unit charge: g0 x in V/m is g0·1e-12 x(µm) V/µm; times the volt factor, an acceleration per e/u.
        gradient = excitation.amplitude * 1e-12 * point.trap.units.volt
        coupling = np.abs(charge / mass) * gradient / (omega_plus - omega_minus)
        on = max(0.0, min(excitation.end, point.t_end) - excitation.start) if excitation.start < point.t_end else 0.0
        fraction = quadrupole_conversion(excitation.omega - (omega_plus + omega_minus), coupling, on)
        values[index] = np.stack(
            [start[:, 1] * np.sqrt(fraction), start[:, 1] * np.sqrt(1 - fraction), start[:, 2]], axis=-1
        )
    if result.observe == "radii":
        return values.mean(axis=-2)
    return orbit_energy(values, frequencies, mass).mean(axis=-1)
