"""The description of a simulation: trap, drive, particles and run settings.

Every class here is a frozen dataclass that checks its own fields when it is
made, so that a bad value is reported before any work starts, with the field,
the value and what was expected.

Units at this edge of the package are the laboratory ones a user types:
tesla, volt, µm, µs, u and e. The conversion to the internal unit system
(:mod:`trapode.units`) happens in the properties whose names end in
``_internal``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .errors import ConfigError
from .units import tesla_to_internal, volt_to_internal

__all__ = ["Drive", "Particle", "PenningTrap", "SimulationConfig", "TrapFrequencies"]


def _as_float(name, value, expected):
    """Return ``value`` as a float, or raise ConfigError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(f"{name} must be {expected}, got {value!r} ({type(value).__name__}).")
    value = float(value)
    if not math.isfinite(value):
        raise ConfigError(f"{name} must be {expected}, got {value!r} (not finite).")
    return value


def _as_positive_float(name, value, expected):
    value = _as_float(name, value, expected)
    if value <= 0:
        raise ConfigError(f"{name} must be {expected}, got {value!r}.")
    return value


def _as_count(name, value):
    """Return ``value`` as an int ≥ 1, or raise ConfigError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ConfigError(f"{name} must be an integer ≥ 1, got {value!r}.")
    return int(value)


def _as_vector(name, value, unit):
    """Return ``value`` as a tuple of three finite floats."""
    expected = f"a sequence of 3 finite numbers in {unit}"
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise ConfigError(f"{name} must be {expected}, got {value!r}.")
    if len(value) != 3:
        raise ConfigError(f"{name} must be {expected}, got {len(value)} values: {value!r}.")
    return tuple(_as_float(f"{name}[{k}]", c, f"a finite number in {unit}") for k, c in enumerate(value))


@dataclass(frozen=True)
class Drive:
    """A time-dependent modulation of the trap voltage.

    The trap voltage becomes ``V0 (1 + amplitude cos(omega t))`` (report eq. 27).

    Parameters
    ----------
    amplitude : float
        Relative amplitude f of the modulation (dimensionless, ≥ 0).
    omega : float
        Angular frequency ωV of the modulation in rad/µs (> 0).
    """

    amplitude: float
    omega: float

    def __post_init__(self):
        amplitude = _as_float("Drive.amplitude", self.amplitude, "a finite number ≥ 0 (dimensionless)")
        if amplitude < 0:
            raise ConfigError(f"Drive.amplitude must be a finite number ≥ 0 (dimensionless), got {amplitude!r}.")
        object.__setattr__(self, "amplitude", amplitude)
        object.__setattr__(
            self, "omega", _as_positive_float("Drive.omega", self.omega, "a positive finite angular frequency in rad/µs")
        )


@dataclass(frozen=True)
class Particle:
    """A point charge with its initial state.

    Parameters
    ----------
    q : float
        Charge in elementary charges e.
    m : float
        Mass in atomic mass units u (> 0).
    r : sequence of 3 floats
        Initial position in µm.
    v : sequence of 3 floats
        Initial velocity in µm/µs.

    Examples
    --------
    >>> from trapode import Particle
    >>> Particle(q=1, m=40.077, r=(20, 0, 20), v=(0, 25, 0)).r
    (20.0, 0.0, 20.0)
    """

    q: float
    m: float
    r: tuple
    v: tuple

    def __post_init__(self):
        object.__setattr__(self, "q", _as_float("Particle.q", self.q, "a finite charge in e"))
        object.__setattr__(self, "m", _as_positive_float("Particle.m", self.m, "a positive finite mass in u"))
        object.__setattr__(self, "r", _as_vector("Particle.r", self.r, "µm"))
        object.__setattr__(self, "v", _as_vector("Particle.v", self.v, "µm/µs"))


class TrapFrequencies(NamedTuple):
    """The characteristic angular frequencies of one particle in a trap, in rad/µs.

    ``omega_plus`` and ``omega_minus`` are complex when the radial motion is
    not bounded (ω0² < 2 ωz²), and ``omega_z`` is imaginary when q V0 < 0.
    """

    omega_0: float
    """Cyclotron frequency ω0 = q B0 / m."""
    omega_z: complex | float
    """Axial frequency ωz = sqrt(2 q V0 / (m d²))."""
    omega_plus: complex | float
    """Modified cyclotron frequency ω+ = (ω0 + sqrt(ω0² − 2 ωz²)) / 2."""
    omega_minus: complex | float
    """Magnetron frequency ω− = (ω0 − sqrt(ω0² − 2 ωz²)) / 2."""


@dataclass(frozen=True)
class PenningTrap:
    """An ideal Penning trap, optionally with a modulated voltage.

    The potential is ``V(x, y, z) = V0 / (2 d²) (2 z² − x² − y²)`` (report eq. 5)
    and the magnetic field is ``(0, 0, B0)``. Outside the sphere ``|r| > d`` both
    external fields vanish.

    Parameters
    ----------
    B0 : float
        Magnetic flux density in tesla. Default 1.0 T.
    V0 : float
        Electrode voltage in volt. Default 0.025 V (25 mV).
    d : float
        Characteristic dimension in µm (> 0). Default 500 µm.
    drive : Drive, optional
        Modulation of V0; ``None`` (default) for a static trap.

    Examples
    --------
    >>> from trapode import PenningTrap, Particle
    >>> trap = PenningTrap(B0=1.0, V0=0.025, d=500.0)
    >>> ion = Particle(q=1, m=40.077, r=(20, 0, 20), v=(0, 25, 0))
    >>> round(trap.frequencies(ion).omega_z, 4)
    0.6939
    """

    B0: float = 1.0
    V0: float = 0.025
    d: float = 500.0
    drive: Drive | None = None

    def __post_init__(self):
        object.__setattr__(self, "B0", _as_float("PenningTrap.B0", self.B0, "a finite magnetic field in tesla"))
        object.__setattr__(self, "V0", _as_float("PenningTrap.V0", self.V0, "a finite voltage in volt"))
        object.__setattr__(self, "d", _as_positive_float("PenningTrap.d", self.d, "a positive finite length in µm"))
        if self.drive is not None and not isinstance(self.drive, Drive):
            raise ConfigError(f"PenningTrap.drive must be a trapode.Drive or None, got {self.drive!r}.")

    @property
    def B0_internal(self):
        """Magnetic flux density in u / (µs e)."""
        return tesla_to_internal(self.B0)

    @property
    def V0_internal(self):
        """Electrode voltage in u µm² / (µs² e)."""
        return volt_to_internal(self.V0)

    def frequencies(self, particle):
        """Characteristic angular frequencies of ``particle`` in this trap (rad/µs).

        The drive, if any, is ignored: these are the frequencies of the static trap.

        Parameters
        ----------
        particle : Particle

        Returns
        -------
        TrapFrequencies
        """
        omega_0 = particle.q * self.B0_internal / particle.m
        omega_z_squared = 2 * particle.q * self.V0_internal / (particle.m * self.d**2)
        omega_z = math.sqrt(omega_z_squared) if omega_z_squared >= 0 else complex(0, math.sqrt(-omega_z_squared))
        discriminant = omega_0**2 - 2 * omega_z_squared
        root = math.sqrt(discriminant) if discriminant >= 0 else complex(0, math.sqrt(-discriminant))
        return TrapFrequencies(omega_0, omega_z, (omega_0 + root) / 2, (omega_0 - root) / 2)

    def confinement_problems(self, particle):
        """Say why this trap cannot confine ``particle``, if it cannot.

        The static trap confines a particle axially when q V0 > 0 and radially
        when q/m ≥ 4 V0 / (B0² d²), i.e. ω0² ≥ 2 ωz² (report eq. 22).

        Returns
        -------
        list of str
            One sentence per violated criterion; empty when both hold.
        """
        problems = []
        if particle.q * self.V0 <= 0:
            problems.append(f"q V0 = {particle.q * self.V0:g} e V is not > 0, so there is no axial confinement")
        else:
            q_over_m = particle.q / particle.m
            threshold = 4 * self.V0_internal / (self.B0_internal**2 * self.d**2)
            if q_over_m < threshold:
                problems.append(
                    f"q/m = {q_over_m:.6g} e/u is below 4 V0 / (B0² d²) = {threshold:.6g} e/u, "
                    "so the radial motion is not bounded"
                )
        return problems


@dataclass(frozen=True)
class SimulationConfig:
    """Everything one simulation needs.

    Parameters
    ----------
    trap : PenningTrap
        The trap, with its drive if any.
    particles : sequence of Particle
        The particles (at least one); stored as a tuple.
    t_end : float
        Duration in µs (> 0). The run covers ``[0, t_end]``.
    n_steps : int
        Number of time steps (≥ 1); the step is ``h = t_end / n_steps`` and the
        result holds ``n_steps + 1`` times. DOP853 is sampled at the same times.
    method : str
        Name of a registered method: ``"euler"``, ``"rk4"`` (default) or
        ``"dop853"`` (:func:`trapode.available_methods` lists them all).
    interactions : bool
        Whether particles feel each other's Coulomb force. Default True.
    rtol, atol : float
        Relative and absolute (µm, µm/µs) tolerances of the adaptive
        ``"dop853"`` reference; ignored by the fixed-step methods. The defaults
        (1e-12, 1e-12) give a relative error below 1e-10 on the report's
        single-particle case.
    """

    trap: PenningTrap
    particles: tuple
    t_end: float
    n_steps: int
    method: str = "rk4"
    interactions: bool = True
    rtol: float = 1e-12
    atol: float = 1e-12

    def __post_init__(self):
        if not isinstance(self.trap, PenningTrap):
            raise ConfigError(f"SimulationConfig.trap must be a trapode.PenningTrap, got {self.trap!r}.")
        if isinstance(self.particles, Particle):
            particles = (self.particles,)
        else:
            try:
                particles = tuple(self.particles)
            except TypeError:
                raise ConfigError(
                    f"SimulationConfig.particles must be a sequence of trapode.Particle, got {self.particles!r}."
                ) from None
        if not particles:
            raise ConfigError("SimulationConfig.particles must hold at least one trapode.Particle, got none.")
        for index, particle in enumerate(particles):
            if not isinstance(particle, Particle):
                raise ConfigError(
                    f"SimulationConfig.particles[{index}] must be a trapode.Particle, got {particle!r}."
                )
        object.__setattr__(self, "particles", particles)
        object.__setattr__(
            self, "t_end", _as_positive_float("SimulationConfig.t_end", self.t_end, "a positive finite duration in µs")
        )
        object.__setattr__(self, "n_steps", _as_count("SimulationConfig.n_steps", self.n_steps))
        if not isinstance(self.method, str) or not self.method:
            raise ConfigError(f"SimulationConfig.method must be the name of a method, got {self.method!r}.")
        if not isinstance(self.interactions, (bool, np.bool_)):
            raise ConfigError(f"SimulationConfig.interactions must be True or False, got {self.interactions!r}.")
        object.__setattr__(self, "interactions", bool(self.interactions))
        for name in ("rtol", "atol"):
            value = _as_positive_float(f"SimulationConfig.{name}", getattr(self, name), "a positive finite tolerance")
            object.__setattr__(self, name, value)
        if self.interactions and len(particles) > 1:
            _reject_coincident(np.array([p.r for p in particles], dtype=float))

    @property
    def n_particles(self):
        """Number of particles."""
        return len(self.particles)

    @property
    def step_size(self):
        """Fixed time step h = t_end / n_steps in µs."""
        return self.t_end / self.n_steps


def _reject_coincident(positions):
    """Raise ConfigError if two particles start at the same position (Coulomb force undefined)."""
    _, first, counts = np.unique(positions, axis=0, return_index=True, return_counts=True)
    if np.any(counts > 1):
        shared = positions[first[np.argmax(counts > 1)]]
        indices = np.flatnonzero(np.all(positions == shared, axis=1)).tolist()
        raise ConfigError(
            f"SimulationConfig.particles {indices} all start at r = {tuple(shared.tolist())} µm; with "
            "interactions=True particles must start at distinct positions (the Coulomb force is undefined)."
        )
