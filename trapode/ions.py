"""Ready-made particles: the report's Ca⁺ ions and reproducible random ensembles."""

from __future__ import annotations

import numpy as np

from .config import Particle, _as_count
from .units import CALCIUM_ION_MASS

__all__ = ["report_particle_1", "report_particle_2", "random_particles"]


def report_particle_1():
    """Particle 1 of the report: Ca⁺ at r0 = (20, 0, 20) µm with v0 = (0, 25, 0) µm/µs."""
    return Particle(q=1, m=CALCIUM_ION_MASS, r=(20, 0, 20), v=(0, 25, 0))


def report_particle_2():
    """Particle 2 of the report: Ca⁺ at r0 = (25, 25, 0) µm with v0 = (0, 40, 5) µm/µs."""
    return Particle(q=1, m=CALCIUM_ION_MASS, r=(25, 25, 0), v=(0, 40, 5))


def random_particles(n, trap, seed=None, *, q=1.0, m=CALCIUM_ION_MASS):
    """Draw ``n`` identical ions with random initial states.

    Every Cartesian component of the position (µm) and of the velocity (µm/µs)
    is drawn independently from a normal distribution with mean 0 and
    standard deviation ``0.1 d`` (SPEC.md; the report's ``randu`` is an
    erratum). Positions are drawn first, then velocities, as two
    ``(n, 3)`` blocks.

    Parameters
    ----------
    n : int
        Number of ions (≥ 1).
    trap : PenningTrap
        Sets the scale d.
    seed : int, numpy.random.Generator or None
        Seed or generator; the same seed always gives the same ions.
    q : float
        Charge of every ion in e. Default 1 (Ca⁺).
    m : float
        Mass of every ion in u. Default 40.077 (Ca⁺).

    Returns
    -------
    list of Particle

    Examples
    --------
    >>> import trapode
    >>> ions = trapode.random_particles(100, trapode.PenningTrap(), seed=2022)
    >>> len(ions), ions == trapode.random_particles(100, trapode.PenningTrap(), seed=2022)
    (100, True)
    """
    n = _as_count("random_particles n", n)
    rng = np.random.default_rng(seed)
    scale = 0.1 * trap.d
    positions = rng.normal(0.0, scale, size=(n, 3))
    velocities = rng.normal(0.0, scale, size=(n, 3))
    return [Particle(q=q, m=m, r=tuple(r), v=tuple(v)) for r, v in zip(positions.tolist(), velocities.tolist())]
