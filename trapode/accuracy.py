"""The error budget of a fixed-step method: its discrete frequencies on the linear trap, and a step advisor.

A fixed-step method applied to the linear system ``ẏ = A y`` (:mod:`trapode.linear`)
is a linear map ``y → M y`` per step. Its eigenvalues ``λ = |λ| e^{iω_h h}``
give the method's own frequencies ``ω_h`` and the change of each mode's
amplitude per step ``|λ|``, exactly (not to leading order):

- forward Euler: ``M = I + A h``;
- RK4: ``M = G(A h)``, ``G(z) = 1 + z + z²/2 + z³/6 + z⁴/24``, so that
  ``ω_h = arg G(iωh)/h`` and ``|λ| = |G(iωh)|`` (:doc:`methods`);
- Boris and phase-exact Boris: the drift–kick–rotate–kick–drift map with the
  Cayley rotation (``θ = 2 arctan(ωc h/2)``, or ``θ = ωc h``); for the ideal
  trap its frequencies are ``ω±,h = (θ/2 ± ψ)/h`` with
  ``cos ψ = cos(θ/2)(1 + (ωz h)²/4)``, and ``ωz,h = (2/h) arcsin(ωz h/2)``
  (:doc:`methods`);
- the splitting methods: the exact flow, no error on a linear trap.

:func:`suggest_steps` turns these into the number of steps that keeps the
phase error of every mode below a tolerance over a run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validate import instance, real
from .errors import ConfigError
from .integrators.boris import boris_velocity
from .linear import TrapFrequencies, exact_flow, linear_system

__all__ = ["MethodErrors", "method_errors", "step_map", "suggest_steps"]

_MODES = ("omega_plus", "omega_z", "omega_minus")


@dataclass(frozen=True)
class MethodErrors:
    """A method's frequencies on the linear trap against the exact ones, at one step size.

    Attributes
    ----------
    method : str
    h : float
        Step in µs.
    exact : TrapFrequencies
        The trap's frequencies (rad/µs).
    omega_plus, omega_z, omega_minus : float
        The method's discrete frequencies ``ω_h`` of the three modes, rad/µs.
    frequency_error : dict
        ``(ω_h − ω)/ω`` of each mode, by the names ``"omega_plus"``, ``"omega_z"``, ``"omega_minus"``.
    amplitude_change : dict
        The relative change of each mode's amplitude over one period of that
        mode, ``|λ|^{2π/(ω_h h)} − 1`` (0 for a method that keeps amplitudes).
    """

    method: str
    h: float
    exact: TrapFrequencies
    omega_plus: float
    omega_z: float
    omega_minus: float
    frequency_error: dict
    amplitude_change: dict

    def phase_error(self, t: float) -> dict:
        """The phase error (rad) each mode collects over ``t`` µs: ``|ω_h − ω| t``."""
        return {mode: abs(getattr(self, mode) - getattr(self.exact, mode)) * t for mode in _MODES}


def _boris_rotation(b: np.ndarray, h: float, exact: bool) -> np.ndarray:
    """The rotation of a Boris update as a matrix: the stepper's own update, without E, on the unit vectors."""
    columns = [boris_velocity(*v, 0.0, 0.0, 0.0, *b, h, 1.0, exact) for v in np.eye(3)]
    return np.array(columns).T


def step_map(matrix: np.ndarray, method: str, h: float) -> np.ndarray:
    """The one-step map ``M`` (6 × 6) of ``method`` with step ``h`` (µs) on ``ẏ = A y`` (``matrix`` = A).

    Raises
    ------
    ConfigError
        For a method whose map is not known here (adaptive and registered ones).
    """
    eye = np.eye(6)
    z = matrix * h
    if method == "euler":
        return eye + z
    if method == "rk4":
        return eye + z + z @ z / 2 + z @ z @ z / 6 + z @ z @ z @ z / 24
    if method in ("splitting", "splitting4"):
        return exact_flow(matrix, np.zeros(6), h)[0]
    if method in ("boris", "boris-exact"):
        gradient, rotation = matrix[3:, :3], matrix[3:, 3:]
        b = np.array([-rotation[2, 1], -rotation[0, 2], -rotation[1, 0]])  # v̇ = v × b
        drift = np.block([[np.eye(3), 0.5 * h * np.eye(3)], [np.zeros((3, 3)), np.eye(3)]])
        kick = np.block([[np.eye(3), np.zeros((3, 3))], [0.5 * h * gradient, np.eye(3)]])
        turn = np.block(
            [[np.eye(3), np.zeros((3, 3))], [np.zeros((3, 3)), _boris_rotation(b, h, method == "boris-exact")]]
        )
        return drift @ kick @ turn @ kick @ drift
    raise ConfigError(
        f"method_errors knows the step maps of 'euler', 'rk4', 'boris', 'boris-exact', 'splitting' and "
        f"'splitting4', got method {method!r}."
    )


def _wrap(angle):
    """An angle (or array of them) moved into (−π, π]."""
    return np.pi - np.mod(np.pi - angle, 2 * np.pi)


def method_errors(trap, particle, method: str, h: float) -> MethodErrors:
    """The frequency and amplitude errors of a fixed-step ``method`` on ``particle``'s linear motion in ``trap``.

    Parameters
    ----------
    trap : PenningTrap
        Its linear part (the static trap at the centre: quadrupole, tilt,
        ellipticity, uniform B) is what is measured.
    particle : Particle
    method : str
        ``"euler"``, ``"rk4"``, ``"boris"``, ``"boris-exact"``, ``"splitting"`` or ``"splitting4"``.
    h : float
        Step in µs (``t_end / n_steps``).

    Returns
    -------
    MethodErrors

    Examples
    --------
    >>> import trapode
    >>> errors = trapode.method_errors(trapode.PenningTrap(), trapode.report_particle_1(), "boris", 0.01)
    >>> f"{errors.frequency_error['omega_plus']:.3e}"  # −(ωc h)²/12 and a little more
    '-5.050e-05'
    """
    from .setup.particles import Particle
    from .setup.trap import PenningTrap

    instance("trap", trap, PenningTrap, "a trapode.PenningTrap")
    instance("particle", particle, Particle, "a trapode.Particle")
    h = real("h", h, "a positive step in µs", minimum=0.0, strict=True)
    exact = trap.frequencies(particle)
    matrix, _ = linear_system(trap, particle)
    step = step_map(matrix, method, h)
    eigenvalues, eigenvectors = np.linalg.eig(step)
    modes, vectors = np.linalg.eig(matrix)
    discrete, change = {}, {}
    for mode in _MODES:
        omega = getattr(exact, mode)
        # The exact mode: the eigenvector of A with eigenvalue +iω; its image is the eigenvector of M nearest to it.
        target = vectors[:, np.argmin(np.abs(modes - 1j * omega))]
        overlap = np.abs(eigenvectors.conj().T @ target) / np.linalg.norm(eigenvectors, axis=0)
        # The +iω branch only: eigenvalues nearer e^{+iωh} than e^{−iωh} (angles compared modulo 2π, as a
        # step longer than a period turns the eigenvalue past π).
        angles = np.angle(eigenvalues)
        overlap[np.abs(_wrap(angles - omega * h)) > np.abs(_wrap(angles + omega * h))] = -1.0
        value = eigenvalues[np.argmax(overlap)]
        # The discrete frequency is the alias of arg λ / h nearest ω: the phase error per step is below π.
        omega_h = omega + _wrap(np.angle(value) - omega * h) / h
        discrete[mode] = omega_h
        change[mode] = abs(value) ** (2 * math.pi / (omega_h * h)) - 1.0 if omega_h > 0 else math.inf
    return MethodErrors(
        method=method,
        h=h,
        exact=exact,
        **discrete,
        frequency_error={mode: discrete[mode] / getattr(exact, mode) - 1.0 for mode in _MODES},
        amplitude_change=change,
    )


def suggest_steps(config, tolerance: float) -> int:
    """The fewest steps with which every mode's phase error over the run stays below ``tolerance``.

    The phase error of each mode of each species over ``t_end`` is
    ``|ω_h − ω| t_end`` (:func:`method_errors`), a power of the step; the
    smallest ``n_steps`` below the tolerance is found by bisection.

    Parameters
    ----------
    config : SimulationConfig
        Its trap, particles, ``t_end`` and ``method`` (Euler, RK4 or Boris; the
        splitting methods have no phase error on the linear trap, and the
        adaptive ones choose their own steps).
    tolerance : float
        Largest phase error in radians.

    Returns
    -------
    int
        ``n_steps`` for the run.

    Examples
    --------
    >>> import trapode
    >>> config = trapode.SimulationConfig(trap=trapode.PenningTrap(), particles=[trapode.report_particle_1()],
    ...                                   t_end=1e5, n_steps=100, method="rk4")
    >>> trapode.suggest_steps(config, 0.01)  # h ≈ 0.02 µs
    4819572
    """
    from .setup.config import SimulationConfig

    instance("config", config, SimulationConfig, "a trapode.SimulationConfig")
    tolerance = real("tolerance", tolerance, "a positive phase error in radians", minimum=0.0, strict=True)
    if config.method not in ("euler", "rk4", "boris", "boris-exact"):
        raise ConfigError(
            f"suggest_steps needs config.method 'euler', 'rk4', 'boris' or 'boris-exact', got {config.method!r}: "
            "the splitting methods follow the linear trap exactly (their error comes from the perturbations: "
            "check it with trapode.convergence_study), and 'adaptive' and 'dop853' choose their own steps."
        )
    species = {(p.q, p.m): p for p in config.particles}.values()

    def worst(n_steps: int) -> float:
        h = config.t_end / n_steps
        return max(
            max(method_errors(config.trap, particle, config.method, h).phase_error(config.t_end).values())
            for particle in species
        )

    # Start where the fastest mode turns by one radian a step: coarser steps alias (their phase wraps).
    fastest = max(config.trap.frequencies(particle).omega_plus for particle in species)
    high = max(1, math.ceil(fastest * config.t_end))
    while worst(high) > tolerance:
        high *= 2
        if high > 2**50:
            raise ConfigError(f"no number of steps below 2**50 reaches a phase error of {tolerance:g} rad.")
    low = high // 2
    while high - low > max(1, high // 10000):
        middle = (low + high) // 2
        low, high = (low, middle) if worst(middle) <= tolerance else (middle, high)
    return high
