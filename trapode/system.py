"""The arrays a simulation runs on, built once from a configuration, with its compiled model.

Parameters travel by name: :meth:`trapode.PenningTrap.parameter_values` gives
every value by its path, the compiled model lists the paths it uses
(``PARAMETERS``), and :func:`model_constants` turns them into the run's
derived constants. Nothing below this layer sees the trap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from ._validate import instance, short_repr
from .compile import model_module
from .errors import ConfigError
from .forces.coulomb import THREADED_COULOMB_MIN_PARTICLES
from .forces.total import COULOMB_OFF, COULOMB_SERIAL, COULOMB_THREADED

if TYPE_CHECKING:
    from .setup.config import SimulationConfig
    from .setup.particle_set import ParticleSet
    from .setup.particles import Particle
    from .setup.trap import PenningTrap

__all__ = ["ParticleSystem", "model_constants", "right_hand_side"]

# A chunk of a fixed-step run does about this many particle-evaluations (a
# pair of interacting particles counts as one): a few hundredths of a second
# on one core for RK4 (less than 0.3 s, Ctrl-C's grace, for any method).
_CHUNK_WORK = 4e6


def model_constants(model: ModuleType, values: dict[str, float]) -> tuple:
    """The derived constants ``c`` of a run from parameter values by path (:meth:`PenningTrap.parameter_values`)."""
    return tuple(float(value) for value in model.constants([values[path] for path in model.PARAMETERS]))


@dataclass(frozen=True, eq=False)
class ParticleSystem:
    """A configuration turned into the contiguous arrays the kernels take.

    Picklable (it holds the trap, not its compiled module), so that sweeps can
    send it to other processes.

    Attributes
    ----------
    trap : PenningTrap
    positions, velocities : ndarray, shape (3, N)
        Initial state in µm and µm/µs, one row per Cartesian component.
    charge, mass : ndarray, shape (N,)
        In e and u.
    interactions : bool
        Whether the Coulomb force between particles is on (never for one particle).
    damping : float
        Damping rate γ of a buffer gas in 1/µs; 0 compiles the model without drag.
    fmm_tolerance : float
        0 (default): the compiled kernels sum the Coulomb pairs directly. A
        tolerance: the interaction is summed by the fast multipole method,
        from Python (:meth:`coulomb_sum`), and the compiled kernels leave it out.
    """

    trap: Any
    positions: np.ndarray
    velocities: np.ndarray
    charge: np.ndarray
    mass: np.ndarray
    interactions: bool
    damping: float = 0.0
    fmm_tolerance: float = 0.0

    @classmethod
    def from_config(cls, config: SimulationConfig, fmm: bool = False) -> ParticleSystem:
        """Build the arrays of a :class:`~trapode.SimulationConfig`; ``fmm``: sum the interaction by the FMM."""
        system = cls.from_particles(config.particles, config.trap, config.interactions, config.damping)
        if fmm and system.interactions:
            return dataclasses.replace(system, fmm_tolerance=config.fmm_tolerance)
        return system

    @classmethod
    def from_particles(
        cls,
        particles: ParticleSet | Sequence[Particle],
        trap: PenningTrap,
        interactions: bool,
        damping: float = 0.0,
    ) -> ParticleSystem:
        """Build the arrays for ``particles`` in ``trap`` (a :class:`~trapode.PenningTrap`), with drag γ ``damping``."""
        from .setup.particle_set import ParticleSet, as_particle_set

        if not isinstance(particles, ParticleSet):
            particles = as_particle_set("particles", list(particles))
        return cls(
            trap=trap,
            positions=np.ascontiguousarray(particles.r.T),
            velocities=np.ascontiguousarray(particles.v.T),
            charge=np.array(particles.q, dtype=np.float64),
            mass=np.array(particles.m, dtype=np.float64),
            interactions=bool(interactions and len(particles) > 1),
            damping=float(damping),
        )

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for derived in ("constants", "q_over_m", "_flat_rhs"):  # cached here; the receiver derives them again
            state.pop(derived, None)
        return state

    @property
    def model(self) -> ModuleType:
        """The compiled module of the trap's model (loaded once per process)."""
        return model_module(self.trap, damped=self.damping != 0)

    def parameter_values(self) -> dict[str, float]:
        """Every run-time parameter by path: the trap's and the damping rate (``"damping"``)."""
        return {**self.trap.parameter_values(), "damping": self.damping}

    @cached_property
    def constants(self) -> tuple:
        """The run's derived constants ``c``."""
        return model_constants(self.model, self.parameter_values())

    @cached_property
    def q_over_m(self) -> np.ndarray:
        """Charge-to-mass ratios in e/u."""
        return self.charge / self.mass

    @property
    def coulomb_constant(self) -> float:
        """k_e in u µm³/(µs² e²), from the trap's constants."""
        return self.trap.units.coulomb_constant

    @property
    def n_particles(self) -> int:
        return self.charge.shape[0]

    @property
    def coulomb(self) -> int:
        """How the Coulomb sum runs: off, on one thread, or on all threads (thousands of particles)."""
        if not self.interactions or self.fmm_tolerance:
            return COULOMB_OFF
        return COULOMB_THREADED if self.n_particles >= THREADED_COULOMB_MIN_PARTICLES else COULOMB_SERIAL

    def coulomb_sum(self) -> Callable[[np.ndarray], np.ndarray]:
        """The fast multipole method's Coulomb accelerations, positions (3, N) µm → (3, N) µm/µs²."""
        from .forces.fmm import fmm_accelerations

        out = np.empty_like(self.positions)

        def accelerations(pos: np.ndarray) -> np.ndarray:
            fmm_accelerations(pos, self.charge, self.q_over_m, self.coulomb_constant, self.fmm_tolerance, out)
            return out

        return accelerations

    def chunk_steps(self, runs_per_thread: int = 1) -> int:
        """Steps per call of a compiled stepper: about a tenth of a second of work.

        ``runs_per_thread`` is how many runs of these particles each thread
        advances in one call (a batch of sweep runs).
        """
        n = self.n_particles
        work = (n + (n * n / 2 if self.interactions else 0)) * runs_per_thread
        return max(1, int(_CHUNK_WORK / work))

    def trapped_flags(self, positions: np.ndarray) -> np.ndarray:
        """The escape rule applied to positions (3, N): True where a particle is in the trap."""
        return self.model.trapped_flags(np.ascontiguousarray(positions), self.constants)

    def energies(self, times: np.ndarray, r: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Kinetic, trap and Coulomb energy (eV) of states ``r``, ``v`` (rows, N, 3) at ``times`` (rows,): (rows, 3).

        The Coulomb column is zero when the particles do not interact.
        """
        out = np.empty((np.shape(times)[0], 3))
        self.model.state_energies(
            np.ascontiguousarray(times, dtype=np.float64),
            np.ascontiguousarray(r, dtype=np.float64),
            np.ascontiguousarray(v, dtype=np.float64),
            self.charge,
            self.mass,
            self.constants,
            self.interactions,
            self.coulomb_constant,
            out,
        )
        # Internal energies are u µm²/µs²; an electron volt is e · 1 V, and one volt is `volt` internal units per e.
        return out / self.trap.units.volt

    def initial_state(self) -> np.ndarray:
        """The flat state ``y0 = (r_1..r_N, v_1..v_N)`` of length 6N."""
        return np.concatenate([self.positions.T.ravel(), self.velocities.T.ravel()])

    def rhs(self, t: float, y: np.ndarray) -> np.ndarray:
        """Compiled ``dy/dt = F(t, y)`` on the flat state, for ``solve_ivp``."""
        return self._flat_rhs(t, y, self.charge, self.q_over_m, self.constants, self.coulomb, self.coulomb_constant)

    @cached_property
    def _flat_rhs(self) -> Callable:
        # Looked up once: rhs is called ~12 times per DOP853 step.
        return self.model.flat_rhs


def right_hand_side(config: SimulationConfig) -> tuple[Callable[[float, np.ndarray], np.ndarray], np.ndarray]:
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
    from .setup.config import SimulationConfig

    instance("config", config, SimulationConfig, "a trapode.SimulationConfig")
    system = ParticleSystem.from_config(config)
    y0 = system.initial_state()
    size = y0.size

    def fun(t: Any, y: Any) -> np.ndarray:
        # Checked here, cheaply, for callers other than solve_ivp; the compiled function takes only this.
        if not (isinstance(y, np.ndarray) and y.dtype == np.float64 and y.shape == (size,)):
            raise ConfigError(
                f"y must be a float64 array of shape ({size},) (positions then velocities), got {short_repr(y)}."
            )
        if not isinstance(t, (float, int, np.floating, np.integer)) or isinstance(t, bool):
            raise ConfigError(f"t must be a time in µs, got {short_repr(t)}.")
        return system.rhs(float(t), y)

    return fun, y0
