"""A plain NumPy implementation of the same physics, for the benchmark's ratios.

Vectorised the way a careful NumPy user would write it: one array operation
per term for all particles, the Coulomb sum through (N, N, 3) broadcasting,
and a Python loop over time steps.
"""

import numpy as np

from trapode import units


def accelerations(t, r, v, charge_to_mass, charge, B0, V0, d, f, omega_v, interactions, factors=units.CODATA):
    voltage = V0 * factors.volt * (1 + f * np.cos(omega_v * t))
    inside = (np.einsum("ij,ij->i", r, r) < d * d)[:, None]
    E = voltage / d**2 * r * np.array([1.0, 1.0, -2.0])
    B = B0 * factors.tesla
    lorentz = np.column_stack([E[:, 0] + v[:, 1] * B, E[:, 1] - v[:, 0] * B, E[:, 2]])
    a = np.where(inside, charge_to_mass[:, None] * lorentz, 0.0)
    if interactions:
        separation = r[:, None, :] - r[None, :, :]
        distance2 = np.einsum("ijk,ijk->ij", separation, separation)
        np.fill_diagonal(distance2, np.inf)
        weights = charge[None, :] / (distance2 * np.sqrt(distance2))
        a += factors.coulomb_constant * charge_to_mass[:, None] * np.einsum("ij,ijk->ik", weights, separation)
    return a


def rk4(config, n_steps=None):
    """RK4 on ``config`` for ``n_steps`` (default: all) steps; returns positions (steps + 1, N, 3)."""
    trap = config.trap
    f, omega_v = (trap.drive.amplitude, trap.drive.omega) if trap.drive else (0.0, 0.0)
    charge = np.array([p.q for p in config.particles])
    charge_to_mass = charge / np.array([p.m for p in config.particles])
    r = np.array([p.r for p in config.particles], dtype=float)
    v = np.array([p.v for p in config.particles], dtype=float)
    h = config.t_end / config.n_steps
    n_steps = config.n_steps if n_steps is None else n_steps
    interactions = config.interactions and len(charge) > 1
    out = np.empty((n_steps + 1, *r.shape))
    out[0] = r

    def a(t, r, v):
        return accelerations(
            t, r, v, charge_to_mass, charge, trap.B0, trap.V0, trap.d, f, omega_v, interactions, trap.units
        )

    for n in range(n_steps):
        t = n * h
        k1r, k1v = v, a(t, r, v)
        k2r, k2v = v + h / 2 * k1v, a(t + h / 2, r + h / 2 * k1r, v + h / 2 * k1v)
        k3r, k3v = v + h / 2 * k2v, a(t + h / 2, r + h / 2 * k2r, v + h / 2 * k2v)
        k4r, k4v = v + h * k3v, a(t + h, r + h * k3r, v + h * k3v)
        r = r + h / 6 * (k1r + 2 * k2r + 2 * k3r + k4r)
        v = v + h / 6 * (k1v + 2 * k2v + 2 * k3v + k4v)
        out[n + 1] = r
    return out
