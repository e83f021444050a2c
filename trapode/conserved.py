"""Conserved quantities of a run: the energy and the canonical angular momentum of every kept state.

In a static trap the total energy (kinetic + trap + Coulomb) is a constant
of the motion; in a static axisymmetric one so is the canonical angular
momentum about the axis. Their change over a run measures an integrator's
error (:doc:`/methods`); by O'Neil's theorem a cloud that keeps both cannot
leave the trap. :meth:`trapode.SimulationResult.energy` and
:func:`canonical_angular_momentum` compute them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .errors import ConfigError

if TYPE_CHECKING:
    from .result import SimulationResult

__all__ = ["Energies", "canonical_angular_momentum", "energies"]


@dataclass(frozen=True)
class Energies:
    """The energy of every kept state of a run, in eV, summed over the particles.

    Attributes
    ----------
    t : ndarray, shape (rows,)
        Times in µs.
    kinetic : ndarray, shape (rows,)
        Σ ½ m v².
    trap : ndarray, shape (rows,)
        Σ q Φ(r, t), the trap's electrostatic potential (with its drive and
        excitations at that time); zero outside the trap.
    coulomb : ndarray, shape (rows,)
        The pairs' Coulomb energy; zeros without interaction.
    """

    t: np.ndarray
    kinetic: np.ndarray
    trap: np.ndarray
    coulomb: np.ndarray

    @classmethod
    def of_states(cls, system, t: np.ndarray, r: np.ndarray, v: np.ndarray) -> Energies:
        """The energies of states ``r``, ``v`` (rows, N, 3) at ``t`` of a :class:`~trapode.system.ParticleSystem`."""
        columns = system.energies(t, r, v)
        return cls(np.asarray(t), columns[:, 0].copy(), columns[:, 1].copy(), columns[:, 2].copy())

    @property
    def total(self) -> np.ndarray:
        """Kinetic + trap + Coulomb, eV."""
        return self.kinetic + self.trap + self.coulomb

    @property
    def relative_change(self) -> np.ndarray:
        """``(E(t) − E(0)) / (|K(0)| + |U_trap(0)| + |U_C(0)|)``: the change of the total against its parts' size.

        Scaled by the sum of the magnitudes, not by the total, which may be
        near zero (the trap's potential energy is negative in the radial plane).
        """
        scale = abs(self.kinetic[0]) + abs(self.trap[0]) + abs(self.coulomb[0])
        return (self.total - self.total[0]) / scale


def energies(result: SimulationResult) -> Energies:
    """The energies of ``result``'s kept states (see :meth:`trapode.SimulationResult.energy`)."""
    from .system import ParticleSystem

    system = ParticleSystem.from_config(result.config)
    return Energies.of_states(system, result.t, result.r, result.v)


def canonical_angular_momentum(result: SimulationResult) -> np.ndarray:
    """The total canonical angular momentum about the trap axis of every kept state, in u µm²/µs.

    ``L = Σ [m (x v_y − y v_x) + q ρ A_φ(ρ, z)]`` with the vector potential of
    the uniform field and the magnetic bottle (as in :doc:`traps`),
    ``ρ A_φ = B0 ρ²/2 + B2 (z² ρ²/2 − ρ⁴/8)``. It is
    conserved when every force is axisymmetric: no tilt, ellipticity, user
    potentials or excitations, whatever the Coulomb forces between the
    particles (they are central).

    Parameters
    ----------
    result : SimulationResult

    Returns
    -------
    ndarray, shape (rows,)

    Raises
    ------
    ConfigError
        If the magnetic field is not axisymmetric (a tilt, or user magnetic
        fields): then there is no A_φ to speak of.
    """
    trap = result.config.trap
    if trap.tilt != 0 or trap.magnetic_fields:
        raise ConfigError(
            "canonical_angular_momentum needs a magnetic field symmetric about the trap axis, got "
            f"tilt = {trap.tilt:g} rad and {len(trap.magnetic_fields)} user magnetic field(s)."
        )
    q, m = result.config.particles.q, result.config.particles.m
    x, y, z = result.r[..., 0], result.r[..., 1], result.r[..., 2]
    rho2 = x**2 + y**2
    tesla = trap.units.tesla
    b2 = trap.B2 * 1e-12 * tesla  # T/m² → internal units per µm²
    mechanical = m * (x * result.v[..., 1] - y * result.v[..., 0])
    potential = q * (trap.B0 * tesla * rho2 / 2 + b2 * (z**2 * rho2 / 2 - rho2**2 / 8))
    return np.sum(mechanical + potential, axis=-1)
