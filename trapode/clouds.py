"""Plasma diagnostics of a cloud of ions: size, shape, density, rotation, temperatures and centre of mass.

For every kept state of a run, :func:`cloud_diagnostics` measures what a
non-neutral-plasma physicist reads off a cloud (Dubin & O'Neil, Rev. Mod.
Phys. 71, 87 (1999)), over the particles still in the trap:

- the centre of mass and its velocity;
- the size as the uniform spheroid with the same second moments about the
  centre of mass: radius ``a = sqrt(5/2 ⟨ρ²⟩)``, axial half-length
  ``b = sqrt(5 ⟨z²⟩)``, aspect ratio ``α = b/a`` (exact for the cold-fluid
  equilibrium, a uniform spheroid);
- the density ``n = N / (4/3 π a² b)``, which that equilibrium fixes at
  ``2 ε0 m ωr (ωc − ωr) / q²`` for a rotation ``ωr``;
- the rotation frequency, the rigid rotation that fits the velocities best:
  ``ωr = Σ ρ v_θ / Σ ρ²`` (positive counter-clockwise about +z);
- the temperatures of the two motions of a magnetised plasma: axial,
  ``m ⟨δv_z²⟩ / k_B``, and cyclotron (perpendicular), ``m ⟨|δv_⊥|²⟩ / (2 k_B)``,
  with δv the velocity less the centre of mass's and the rigid rotation's.

A :class:`~trapode.StreamedResult` is read one state at a time, so the
diagnostics of a run of a million ions need memory for one state only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.constants

from ._validate import instance

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["CloudDiagnostics", "cloud_diagnostics", "cold_fluid_density"]


@dataclass(frozen=True)
class CloudDiagnostics:
    """The diagnostics of every kept state of a run (see :mod:`trapode.clouds`); arrays over the states.

    Attributes
    ----------
    t : ndarray, shape (rows,)
        Time in µs.
    n_particles : ndarray of int, shape (rows,)
        Particles in the trap (those counted).
    centre_of_mass, centre_of_mass_velocity : ndarray, shape (rows, 3)
        In µm and µm/µs.
    radius, axial_extent : ndarray, shape (rows,)
        Radius a and axial half-length b of the equivalent uniform spheroid, in µm.
    aspect_ratio : ndarray, shape (rows,)
        b / a (above 1: prolate; below: oblate).
    density : ndarray, shape (rows,)
        N / (4/3 π a² b) in m⁻³.
    rotation_frequency : ndarray, shape (rows,)
        The best rigid rotation about the z axis through the centre of mass, in rad/µs.
    temperature_axial, temperature_cyclotron : ndarray, shape (rows,)
        In kelvin.
    """

    t: np.ndarray
    n_particles: np.ndarray
    centre_of_mass: np.ndarray
    centre_of_mass_velocity: np.ndarray
    radius: np.ndarray
    axial_extent: np.ndarray
    aspect_ratio: np.ndarray
    density: np.ndarray
    rotation_frequency: np.ndarray
    temperature_axial: np.ndarray
    temperature_cyclotron: np.ndarray

    def plot(self, title: str | None = None) -> Figure:
        """Size, density, rotation and temperatures against time, in four labelled panels."""
        from .plotting import plot_cloud_diagnostics

        return plot_cloud_diagnostics(self, title)


#: Kelvin per (u µm²/µs²): the internal energy unit over Boltzmann's constant.
_KELVIN = scipy.constants.atomic_mass * 1.0 / scipy.constants.k  # (1e-6 m / 1e-6 s)² = 1 m²/s²


def _state_diagnostics(r: np.ndarray, v: np.ndarray, mass: np.ndarray, counted: np.ndarray) -> dict[str, Any]:
    """The diagnostics of one state: positions ``r`` and velocities ``v`` (N, 3), over the particles ``counted``."""
    r, v, mass = r[counted], v[counted], mass[counted]
    n = r.shape[0]
    if n == 0:
        nan = float("nan")
        return dict(n=0, com=np.full(3, nan), com_v=np.full(3, nan), a=nan, b=nan, omega=nan, t_z=nan, t_perp=nan)
    weights = mass / mass.sum()
    com = weights @ r
    com_v = weights @ v
    x, y, z = (r - com).T
    u, w_y, w_z = (v - com_v).T
    rho2 = x * x + y * y
    sum_rho2 = rho2.sum()
    omega = float((x * w_y - y * u).sum() / sum_rho2) if sum_rho2 > 0 else 0.0
    du, dv = u + omega * y, w_y - omega * x  # less the rigid rotation ω ẑ × ρ
    return dict(
        n=n,
        com=com,
        com_v=com_v,
        a=float(np.sqrt(2.5 * rho2.mean())),
        b=float(np.sqrt(5.0 * (z * z).mean())),
        omega=omega,
        t_z=float((mass * w_z * w_z).mean() * _KELVIN),
        t_perp=float((mass * (du * du + dv * dv)).mean() / 2 * _KELVIN),
    )


def cloud_diagnostics(result: Any) -> CloudDiagnostics:
    """Measure the cloud of a run at every kept state (see :mod:`trapode.clouds`).

    Parameters
    ----------
    result : SimulationResult or StreamedResult
        A run; a streamed one is read one state at a time. Particles that
        have left the trap (at or after their escape time) are not counted.

    Returns
    -------
    CloudDiagnostics

    Examples
    --------
    >>> import trapode
    >>> trap = trapode.PenningTrap()
    >>> config = trapode.SimulationConfig(trap=trap, particles=trapode.random_particles(50, trap, seed=1),
    ...                                   t_end=1.0, n_steps=100, method="boris", save_every=50)
    >>> diagnostics = trapode.cloud_diagnostics(trapode.simulate(config, progress=False))
    >>> diagnostics.t.tolist(), diagnostics.radius.shape
    ([0.0, 0.5, 1.0], (3,))
    """
    from .output import StreamedResult
    from .result import SimulationResult

    instance("result", result, (SimulationResult, StreamedResult), "a trapode.SimulationResult or StreamedResult")
    mass = result.config.particles.m
    times = np.asarray(result.t)
    rows = []
    for k, time in enumerate(times):
        r, v = (result.r[k], result.v[k])
        counted = ~(time >= result.escape_time) & np.isfinite(r).all(axis=1) & np.isfinite(v).all(axis=1)
        rows.append(_state_diagnostics(np.asarray(r), np.asarray(v), mass, counted))
    a = np.array([row["a"] for row in rows])
    b = np.array([row["b"] for row in rows])
    n = np.array([row["n"] for row in rows], dtype=np.int64)
    volume = 4.0 / 3.0 * np.pi * a * a * b * 1e-18  # µm³ → m³
    with np.errstate(invalid="ignore", divide="ignore"):
        density = np.where(volume > 0, n / volume, np.nan)
        aspect = b / a
    return CloudDiagnostics(
        t=times.copy(),
        n_particles=n,
        centre_of_mass=np.array([row["com"] for row in rows]).reshape(-1, 3),
        centre_of_mass_velocity=np.array([row["com_v"] for row in rows]).reshape(-1, 3),
        radius=a,
        axial_extent=b,
        aspect_ratio=aspect,
        density=density,
        rotation_frequency=np.array([row["omega"] for row in rows]),
        temperature_axial=np.array([row["t_z"] for row in rows]),
        temperature_cyclotron=np.array([row["t_perp"] for row in rows]),
    )


def cold_fluid_density(omega_r: float, omega_c: float, charge: float, mass: float) -> float:
    """The density (m⁻³) of a cold cloud rotating rigidly at ``omega_r``: ``2 ε0 m ωr (ωc − ωr) / q²``.

    ``omega_r`` and ``omega_c`` in rad/µs, ``charge`` in e, ``mass`` in u (PHYSICS.md, Dubin & O'Neil).
    """
    si_mass = mass * scipy.constants.atomic_mass
    si_charge = charge * scipy.constants.e
    return 2 * scipy.constants.epsilon_0 * si_mass * (omega_r * 1e6) * ((omega_c - omega_r) * 1e6) / si_charge**2
