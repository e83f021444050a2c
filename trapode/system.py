"""The arrays a simulation runs on, built once from a configuration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import kernels

__all__ = ["ParticleSystem", "right_hand_side"]


@dataclass(frozen=True)
class ParticleSystem:
    """A configuration turned into the contiguous arrays the kernels take.

    Attributes
    ----------
    positions, velocities : ndarray, shape (3, N)
        Initial state in µm and µm/µs, one row per Cartesian component.
    charge, mass : ndarray, shape (N,)
        In e and u.
    trap : ndarray, shape (5,)
        ``(B0, V0, d, f, omega_V)`` in internal units, see
        :func:`trapode.kernels.trap_parameters`.
    interactions : bool
        Whether the Coulomb force between particles is on.
    """

    positions: np.ndarray
    velocities: np.ndarray
    charge: np.ndarray
    mass: np.ndarray
    trap: np.ndarray
    interactions: bool

    @classmethod
    def from_config(cls, config):
        """Build the arrays of a :class:`~trapode.SimulationConfig`."""
        return cls.from_particles(config.particles, config.trap, config.interactions)

    @classmethod
    def from_particles(cls, particles, trap, interactions):
        """Build the arrays for ``particles`` in ``trap`` (a :class:`~trapode.PenningTrap`)."""
        return cls(
            positions=np.ascontiguousarray(np.array([p.r for p in particles], dtype=np.float64).T),
            velocities=np.ascontiguousarray(np.array([p.v for p in particles], dtype=np.float64).T),
            charge=np.array([p.q for p in particles], dtype=np.float64),
            mass=np.array([p.m for p in particles], dtype=np.float64),
            trap=kernels.trap_parameters(trap),
            interactions=bool(interactions and len(particles) > 1),
        )

    @property
    def n_particles(self):
        return self.charge.shape[0]

    @property
    def threaded_coulomb(self):
        """Whether the Coulomb sum is worth spreading over threads (thousands of interacting particles)."""
        return self.interactions and self.n_particles >= kernels.THREADED_COULOMB_MIN_PARTICLES

    def initial_state(self):
        """The flat state ``y0 = (r_1..r_N, v_1..v_N)`` of length 6N."""
        return np.concatenate([self.positions.T.ravel(), self.velocities.T.ravel()])

    def rhs(self, t, y):
        """Compiled ``dy/dt = F(t, y)`` on the flat state, for ``solve_ivp``."""
        return kernels.flat_rhs(t, y, self.charge, self.mass, self.trap, self.interactions)


def right_hand_side(config):
    """The compiled right-hand side of a configuration's equations of motion.

    Parameters
    ----------
    config : SimulationConfig

    Returns
    -------
    fun : callable
        ``fun(t, y)`` for the flat state ``y = (x_1, y_1, z_1, ..., x_N, y_N,
        z_N, vx_1, ..., vz_N)`` (µm, µm/µs), as
        :func:`scipy.integrate.solve_ivp` takes it.
    y0 : ndarray, shape (6N,)
        The initial state in the same layout.

    Examples
    --------
    >>> import trapode
    >>> from scipy.integrate import solve_ivp
    >>> config = trapode.SimulationConfig(
    ...     trap=trapode.PenningTrap(), particles=[trapode.report_particle_1()], t_end=50.0, n_steps=10)
    >>> fun, y0 = trapode.right_hand_side(config)
    >>> solution = solve_ivp(fun, (0.0, 50.0), y0, method="RK45", rtol=1e-9, atol=1e-9)
    >>> solution.status
    0
    """
    system = ParticleSystem.from_config(config)
    return system.rhs, system.initial_state()
