"""The motion seen through its modes: radii, phases and energies of any state, and the quadrupole conversion profile.

For an axisymmetric trap with B along z and a particle of charge q > 0, the
radial motion is ``x + i y = ρ₊ e^{−i(ω₊t+φ₊)} + ρ₋ e^{−i(ω₋t+φ₋)}``
(Brown & Gabrielse, Rev. Mod. Phys. 58, 233 (1986); :doc:`analysis`), so
that from any state, with ``f = x + i y``,

``ρ₊ = |ḟ + i ω₋ f| / (ω₊ − ω₋)``,  ``ρ₋ = |ḟ + i ω₊ f| / (ω₊ − ω₋)``,  ``ρz = √(z² + (ż/ωz)²)``.

A negative charge (or a field along −z) turns the other way: the same
formulas hold for ``f = x − i y`` when q B0 < 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.constants

from ._validate import instance, short_repr
from .errors import ConfigError

if TYPE_CHECKING:
    from .result import SimulationResult
    from .scans import ScanResult
    from .setup.particles import Particle
    from .setup.trap import PenningTrap

__all__ = [
    "ModeAmplitudes",
    "conversion_prediction",
    "mode_amplitudes",
    "mode_phasors",
    "mode_radii",
    "orbit_energy",
    "quadrupole_conversion",
]

#: ½ u (µm/µs)² in eV.
_HALF_U_SPEED2_IN_EV = 0.5 * scipy.constants.atomic_mass / scipy.constants.e


def mode_phasors(positions: Any, velocities: Any, frequencies: Any, charge: Any, B0: float = 1.0) -> np.ndarray:
    """The complex amplitudes ``ρ e^{−iθ}`` of the cyclotron, magnetron and axial modes of states.

    With ``f = x + i y`` (``x − i y`` for q < 0) and ``θ = ω t + φ`` each
    mode's phase: ``ρ₊ e^{−iθ₊} = i (ḟ + i ω₋ f) / (ω₊ − ω₋)``,
    ``ρ₋ e^{−iθ₋} = −i (ḟ + i ω₊ f) / (ω₊ − ω₋)`` and
    ``ρz e^{−iθz} = z + i ż / ωz``. In the ideal trap each phasor turns as
    ``e^{−iωt}``, so comparing a simulated phasor with ``P(0) e^{−iωt}``
    gives the mode's phase error.

    Parameters
    ----------
    positions, velocities : array_like, shape (..., 3)
        States in µm and µm/µs.
    frequencies : array_like, shape (..., 3)
        (ω₊, ω₋, ωz) in rad/µs of each state's particle, broadcast against the states.
    charge : array_like, shape (...)
        The charges; broadcast likewise.
    B0 : float
        The field along z (T). The sign of q B0 decides the sense of
        rotation: ``f = x + i y`` for q B0 > 0, ``x − i y`` otherwise.

    Returns
    -------
    ndarray of complex, shape (..., 3)
        In the order (+, −, z); their magnitudes are :func:`mode_radii` (µm).
    """
    r, v, omega = (np.asarray(array, dtype=float) for array in (positions, velocities, frequencies))
    sign = np.where(np.asarray(charge) * B0 < 0, -1.0, 1.0)
    f = r[..., 0] + 1j * sign * r[..., 1]
    df = v[..., 0] + 1j * sign * v[..., 1]
    omega_plus, omega_minus, omega_z = omega[..., 0], omega[..., 1], omega[..., 2]
    split = omega_plus - omega_minus
    return np.stack(
        [
            1j * (df + 1j * omega_minus * f) / split,
            -1j * (df + 1j * omega_plus * f) / split,
            r[..., 2] + 1j * v[..., 2] / omega_z,
        ],
        axis=-1,
    )


def mode_radii(positions: Any, velocities: Any, frequencies: Any, charge: Any, B0: float = 1.0) -> np.ndarray:
    """Cyclotron, magnetron and axial radii (ρ₊, ρ₋, ρz) of states, in µm: the magnitudes of :func:`mode_phasors`.

    Parameters
    ----------
    positions, velocities : array_like, shape (..., 3)
        States in µm and µm/µs.
    frequencies : array_like, shape (..., 3)
        (ω₊, ω₋, ωz) in rad/µs of each state's particle, broadcast against the states.
    charge : array_like, shape (...)
        The charges; broadcast likewise.
    B0 : float
        The field along z (T); the sign of q B0 decides the sense of rotation.

    Returns
    -------
    ndarray, shape (..., 3)
    """
    return np.abs(mode_phasors(positions, velocities, frequencies, charge, B0))


def orbit_energy(radii: Any, frequencies: Any, mass: Any) -> np.ndarray:
    """Energy of the radial orbits, ``½ m (ω₊² ρ₊² + ω₋² ρ₋²)`` in eV (the radial kinetic energy over the orbits).

    ``radii`` and ``frequencies`` as from :func:`mode_radii` (..., 3), ``mass`` in u (...).
    """
    rho, omega = np.asarray(radii, dtype=float), np.asarray(frequencies, dtype=float)
    speed2 = (omega[..., 0] * rho[..., 0]) ** 2 + (omega[..., 1] * rho[..., 1]) ** 2
    return _HALF_U_SPEED2_IN_EV * np.asarray(mass, dtype=float) * speed2


def quadrupole_conversion(detuning: Any, coupling: Any, duration: Any) -> np.ndarray:
    """Fraction of a magnetron orbit's ρ₋² turned into ρ₊² by an azimuthal quadrupole pulse.

    ``(k0² / (4 ω_B²)) sin²(ω_B T)`` with ``ω_B = ½ √(δ² + k0²)`` (König et
    al., Int. J. Mass Spectrom. Ion Proc. 142, 95 (1995); :doc:`excitations`).

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
    charge, mass = config.particles.q, config.particles.m
    start = mode_radii(config.particles.r, config.particles.v, frequencies[(0,) * len(result.shape)], charge)
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


_MODE_ORDER = ("plus", "minus", "z")
#: The per-mode arrays of ModeAmplitudes: rho_plus, ..., energy_z.
_COLUMNS = tuple(f"{kind}_{mode}" for kind in ("rho", "phase", "energy") for mode in _MODE_ORDER)


@dataclass(frozen=True)
class ModeAmplitudes:
    """Radii, phases and energies of the cyclotron (+), magnetron (−) and axial (z) modes of states.

    Every array has the shape of the states: (rows, N) for a result, (N,) for
    a list of particles, () for one particle.

    Attributes
    ----------
    rho_plus, rho_minus, rho_z : ndarray
        Radii in µm: for the ideal trap those of the closed forms
        (:func:`mode_phasors`, :doc:`analysis`); for a tilted or
        elliptic trap the largest displacement of each mode over its cycle
        (the semi-major axis of its ellipse).
    phase_plus, phase_minus, phase_z : ndarray
        Phases θ = ω t + φ in rad, in (−π, π]: in the ideal trap
        ``x + i y = ρ₊ e^{−iθ₊} + ρ₋ e^{−iθ₋}`` (``x − i y`` for q < 0) and
        ``z = ρz cos θz``; in a tilted or elliptic trap θ = 0 where the mode's
        displacement is largest along its major axis.
    energy_plus, energy_minus, energy_z : ndarray
        Energy of each mode in eV, kinetic plus the linear trap's potential
        energy of the mode's own motion; the three add up to the energy of the
        state in the linear trap. The magnetron energy is negative: the
        magnetron motion runs down the radial potential hill, so that a
        larger magnetron orbit has less energy (cooling it makes it grow).
    t : ndarray or None
        Times of the states in µs (rows,), for a result; a particle's values
        are NaN from the time it left the trap.
    """

    rho_plus: np.ndarray
    rho_minus: np.ndarray
    rho_z: np.ndarray
    phase_plus: np.ndarray
    phase_minus: np.ndarray
    phase_z: np.ndarray
    energy_plus: np.ndarray
    energy_minus: np.ndarray
    energy_z: np.ndarray
    t: np.ndarray | None = None

    @property
    def energy(self) -> np.ndarray:
        """The sum of the three mode energies in eV."""
        return self.energy_plus + self.energy_minus + self.energy_z


def mode_amplitudes(trap: PenningTrap, states: Particle | Sequence[Particle] | SimulationResult) -> ModeAmplitudes:
    """The radii, phases and energies of each mode of a particle, of particles, or of every state of a result.

    Parameters
    ----------
    trap : PenningTrap
        Its linear part (quadrupole, ellipticity, uniform B of any direction)
        defines the modes; it must confine the particles.
    states : Particle, sequence of Particle, or SimulationResult
        One state, several, or every kept state of every particle of a run.

    Returns
    -------
    ModeAmplitudes
        Arrays of shape () for a particle, (N,) for particles, (rows, N) for a result.

    Raises
    ------
    ConfigError
        If ``trap`` does not confine a particle (no linear modes: the message
        names the criterion), or ``states`` is of another type.

    Notes
    -----
    In an axisymmetric trap with B along its axis the closed forms of the
    modes (Brown & Gabrielse, Rev. Mod. Phys. 58, 233 (1986); :doc:`analysis`)
    are used (:func:`mode_phasors`). Otherwise the state, less
    the trap's equilibrium, is expanded in the eigenvectors ``u_k`` of the
    linear system ``ẏ = A y + b`` (``y = Σ_k 2 Re(c_k u_k)`` over the three
    eigenvalues ``+iω_k``); each mode's radius is the largest displacement of
    ``2 Re(c_k u_k e^{iθ})`` over θ and its energy that of the motion
    ``2 Re(c_k u_k)`` alone.

    Examples
    --------
    >>> import trapode
    >>> modes = trapode.mode_amplitudes(trapode.PenningTrap(), trapode.report_particle_1())
    >>> print(f"{modes.rho_plus:.3f} {modes.rho_minus:.3f} {modes.rho_z:.3f}")
    12.323 32.323 20.000
    """
    from .linear import linear_system
    from .result import SimulationResult
    from .setup.particle_set import ParticleSet, as_particle_set
    from .setup.particles import Particle
    from .setup.trap import PenningTrap

    instance("trap", trap, PenningTrap, "a trapode.PenningTrap")
    times = None
    if isinstance(states, SimulationResult):
        particles = states.config.particles
        r, v, times = states.r, states.v, states.t
    elif isinstance(states, Particle):
        particles = as_particle_set("states", states)
        r, v = particles.r[0], particles.v[0]
    else:
        if not isinstance(states, (ParticleSet, list, tuple)):
            raise ConfigError(
                "states must be a trapode.Particle, a ParticleSet, a sequence of trapode.Particle or a "
                f"SimulationResult, got {short_repr(states)}."
            )
        particles = as_particle_set("states", states)
        r, v = particles.r, particles.v
    columns = {name: np.empty(r.shape[:-1]) for name in _COLUMNS}
    flat_r, flat_v = r.reshape(-1, len(particles), 3), v.reshape(-1, len(particles), 3)
    for indices in particles.kinds():
        mine = np.zeros(len(particles), dtype=bool)
        mine[indices] = True
        particle = particles[int(indices[0])]
        frequencies = trap.frequencies(particle)  # raises, naming the criterion, if the trap does not confine it
        matrix, offset = linear_system(trap, particle)
        values = _modes(matrix, offset, frequencies, particle.q, particle.m, flat_r[:, mine], flat_v[:, mine])
        for name, value in values.items():
            columns[name].reshape(flat_r.shape[:2])[:, mine] = value
    # Internal energies are u µm²/µs²; one volt is `volt` internal units per e.
    for name in ("energy_plus", "energy_minus", "energy_z"):
        columns[name] /= trap.units.volt
    if isinstance(states, SimulationResult):  # outside the trap there are no modes
        gone = states.t[:, np.newaxis] >= states.escape_time[np.newaxis, :]  # NaN escape times compare False
        for column in columns.values():
            column[gone] = np.nan
    return ModeAmplitudes(**columns, t=times)


def _is_axisymmetric(matrix: np.ndarray) -> bool:
    """Whether the linear system is the ideal trap's: B along z, an axisymmetric quadrupole."""
    gradient, rotation = matrix[3:, :3], matrix[3:, 3:]
    scale = np.abs(gradient).max() + np.abs(rotation).max()
    off = [
        gradient[0, 1],
        gradient[0, 2],
        gradient[1, 2],
        gradient[0, 0] - gradient[1, 1],
        rotation[0, 2],
        rotation[1, 2],
    ]
    return bool(np.abs(off).max() <= 1e-13 * scale)


def _modes(matrix, offset, frequencies, q, m, r, v) -> dict[str, np.ndarray]:
    """Radii, phases and energies (internal units) of states r, v (..., 3) of one kind of particle."""
    omega = np.array([frequencies.omega_plus, frequencies.omega_minus, frequencies.omega_z])
    if _is_axisymmetric(matrix) and not np.any(offset):
        # matrix[3, 4] = (q/m) Bz: its sign is that of q B0, the sense of rotation.
        phasors = mode_phasors(r, v, omega, q, B0=float(np.sign(matrix[3, 4]) * np.sign(q)))
        rho = np.abs(phasors)
        phase = -np.angle(phasors)
        # E± = ½ m (ω±² − ωz²/2) ρ±², Ez = ½ m ωz² ρz² (the modes of the module docstring;
        # ω₊ω₋ = ωz²/2 removes the cross terms)
        factors = (
            0.5 * m * np.array([omega[0] ** 2 - omega[2] ** 2 / 2, omega[1] ** 2 - omega[2] ** 2 / 2, omega[2] ** 2])
        )
        energy = factors * rho**2
    else:
        rho, phase, energy = _eigenmodes(matrix, offset, omega, m, r, v)
    values = {}
    for k, mode in enumerate(_MODE_ORDER):
        values[f"rho_{mode}"] = rho[..., k]
        values[f"phase_{mode}"] = phase[..., k]
        values[f"energy_{mode}"] = energy[..., k]
    return values


def _eigenmodes(matrix, offset, omega, m, r, v):
    """Radii, phases and energies of states expanded in the eigenvectors of the linear system (see mode_amplitudes)."""
    eigenvalues, vectors = np.linalg.eig(matrix)
    y = np.concatenate([r, v], axis=-1) + np.linalg.solve(matrix, offset)  # less the equilibrium −A⁻¹ b
    coefficients = np.linalg.solve(vectors, y.reshape(-1, 6).T).T.reshape(*y.shape[:-1], 6)
    potential = matrix[3:, :3]
    rho = np.empty((*y.shape[:-1], 3))
    phase = np.empty_like(rho)
    energy = np.empty_like(rho)
    for k, target in enumerate(omega):
        j = int(np.argmin(np.abs(eigenvalues - 1j * target)))
        u = vectors[:, j]
        p = u[:3]
        # Turn u so that Re(u[:3]) is the major axis of the mode's ellipse, its largest component positive.
        turn = np.exp(-0.5j * np.angle(p @ p)) if abs(p @ p) > 0 else 1.0
        major = np.real(p * turn)
        if major[np.argmax(np.abs(major))] < 0:
            turn = -turn
        c = coefficients[..., j] / turn
        u = u * turn
        rho[..., k] = 2 * np.abs(c) * np.linalg.norm(np.real(u[:3]))
        phase[..., k] = np.angle(c)
        component = 2 * np.real(c[..., np.newaxis] * u)  # the mode's own motion now
        position, velocity = component[..., :3], component[..., 3:]
        energy[..., k] = (
            0.5 * m * (np.sum(velocity**2, axis=-1) - np.einsum("...i,ij,...j->...", position, potential, position))
        )
    return rho, phase, energy
