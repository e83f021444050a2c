"""The description of one simulation: trap, particles and run settings."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .._validate import choice, count, file_path, flag, instance, real, short_repr, warn_outside_package
from ..errors import ConfigError, FieldWarning
from .particle_set import ParticleSet, as_particle_set
from .trap import PenningTrap

__all__ = ["COULOMB_METHODS", "SimulationConfig", "reject_coincident"]

#: The ways to sum the Coulomb interaction (:attr:`SimulationConfig.coulomb`).
COULOMB_METHODS = ("auto", "direct", "fmm")


@dataclass(frozen=True)
class SimulationConfig:
    """Everything one simulation needs.

    Parameters
    ----------
    trap : PenningTrap
        The trap, with its drive if any.
    particles : ParticleSet or sequence of Particle
        The particles (at least one); stored as a :class:`~trapode.ParticleSet`
        (which is also a sequence of Particle).
    t_end : float
        Duration in µs (> 0). The run covers ``[0, t_end]``.
    n_steps : int
        Number of time steps (≥ 1); the step is ``h = t_end / n_steps``.
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
    save_every : int or "final"
        Keep the state every ``save_every`` steps (and at the last step).
        Default 1: every step, ``n_steps + 1`` states. ``"final"`` keeps only
        the initial and the final state. Whether a particle left the trap, and
        when, is checked at every step whatever is kept.
    damping : float
        Damping rate γ in 1/µs (≥ 0) of a buffer gas: every particle feels the
        drag force ``−m γ v``. For an ion of mobility K in the gas,
        ``γ = q / (m K)``, with K = K0 (1013 mbar / p)(T / 273 K) from the
        reduced mobility K0: ⁴⁰Ca⁺ in helium (K0 ≈ 19.5 cm²/(V s)) at room
        temperature has γ ≈ 1.1e-4 /µs at 1e-4 mbar and 1.1e-3 /µs at 1e-3 mbar. The cyclotron radius then
        decays at γω₊/(ω₊ − ω₋) and the magnetron radius grows at
        γω₋/(ω₊ − ω₋) (Savard et al., Phys. Lett. A 158, 247 (1991)). Default 0.

    Warns
    -----
    FieldWarning
        For an excitation of the trap that is switched on only after ``t_end``.
    """

    trap: PenningTrap
    particles: ParticleSet
    t_end: float
    n_steps: int
    method: str = "rk4"
    interactions: bool = True
    rtol: float = 1e-12
    atol: float = 1e-12
    save_every: int | str = 1
    damping: float = 0.0
    coulomb: str = "auto"
    fmm_tolerance: float = 1e-6
    output: str | os.PathLike[str] | None = None

    def __post_init__(self) -> None:
        instance("SimulationConfig.trap", self.trap, PenningTrap, "a trapode.PenningTrap")
        particles = as_particle_set("SimulationConfig.particles", self.particles)
        object.__setattr__(self, "particles", particles)
        object.__setattr__(
            self,
            "t_end",
            real("SimulationConfig.t_end", self.t_end, "a positive finite duration in µs", minimum=0.0, strict=True),
        )
        object.__setattr__(self, "n_steps", count("SimulationConfig.n_steps", self.n_steps))
        # method is typed str, but any value given at run time is checked.
        if not isinstance(self.method, str) or not self.method:  # type: ignore[redundant-expr]
            raise ConfigError(f"SimulationConfig.method must be the name of a method, got {short_repr(self.method)}.")
        object.__setattr__(self, "interactions", flag("SimulationConfig.interactions", self.interactions))
        for name in ("rtol", "atol"):
            value = real(
                f"SimulationConfig.{name}", getattr(self, name), "a positive finite tolerance", minimum=0.0, strict=True
            )
            object.__setattr__(self, name, value)
        if isinstance(self.save_every, str):
            choice("SimulationConfig.save_every", self.save_every, ("final",))
        else:
            object.__setattr__(self, "save_every", count("SimulationConfig.save_every", self.save_every))
        object.__setattr__(
            self,
            "damping",
            real("SimulationConfig.damping", self.damping, "a finite damping rate γ ≥ 0 in 1/µs", minimum=0.0),
        )
        for index, excitation in enumerate(self.trap.excitations):
            if excitation.start >= self.t_end:
                warn_outside_package(
                    f"trap.excitations[{index}] starts at {excitation.start:g} µs, at or after t_end = "
                    f"{self.t_end:g} µs: it does nothing in this run.",
                    FieldWarning,
                )
        choice("SimulationConfig.coulomb", self.coulomb, COULOMB_METHODS)
        tolerance = real(
            "SimulationConfig.fmm_tolerance",
            self.fmm_tolerance,
            "a relative precision from 1e-15 to 0.1",
            minimum=1e-15,
            maximum=0.1,
        )
        object.__setattr__(self, "fmm_tolerance", tolerance)
        if self.output is not None:
            object.__setattr__(self, "output", file_path("SimulationConfig.output", self.output))
        if self.interactions and len(particles) > 1:
            reject_coincident("SimulationConfig.particles", particles.r)

    @property
    def n_particles(self) -> int:
        """Number of particles."""
        return len(self.particles)

    @property
    def step_size(self) -> float:
        """Fixed time step h = t_end / n_steps in µs."""
        return self.t_end / self.n_steps

    @property
    def save_stride(self) -> int:
        """Steps between kept states: ``save_every``, or ``n_steps`` when only the final state is kept."""
        return self.n_steps if self.save_every == "final" else min(int(self.save_every), self.n_steps)


#: The closest two interacting particles may start, in µm: below it |Δ|² is under the floor of the
#: compiled pair field (1e-200 µm², whose 1/|Δ|³ is still a float), so their force is not resolved.
RESOLVED_SEPARATION = 1e-100


def reject_coincident(name: str, positions: np.ndarray | list) -> None:
    """Raise ConfigError if two particles start closer than :data:`RESOLVED_SEPARATION` (at one point, say).

    Their Coulomb force is undefined there, or beyond floating point. A k-d
    tree finds such pairs in O(N log N), for clouds of any size.
    """
    from scipy.spatial import cKDTree

    array = np.array(positions, dtype=float).reshape(-1, 3)
    pairs = cKDTree(array).query_pairs(RESOLVED_SEPARATION, output_type="ndarray")
    if len(pairs):
        i, j = sorted(pairs.tolist())[0]
        where = (
            f"both start at r = {tuple(array[i].tolist())} µm"
            if np.array_equal(array[i], array[j])
            else f"start {float(np.linalg.norm(array[i] - array[j])):.3g} µm apart"
        )
        raise ConfigError(
            f"{name} [{i}, {j}] {where}; with interactions on, particles must start at distinct positions, at "
            f"least {RESOLVED_SEPARATION:g} µm apart (closer, their Coulomb force is undefined or beyond floats)."
        )
