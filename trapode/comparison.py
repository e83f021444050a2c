"""The long-run comparison of the fixed-step methods: one particle, a long run, the same cost for each.

Each method gets the same number of force evaluations (``n_steps × stages``
of its registry entry), runs the ideal trap's particle for ``t_end`` and is
measured against the closed form at every kept state: the relative change
of the total energy (:meth:`trapode.SimulationResult.energy`) and the phase
error of each mode, from the mode phasors of :func:`trapode.modes.mode_phasors`
(in the ideal trap each turns exactly as ``e^{−iωt}``).

The adaptive methods choose their own steps from tolerances and are not part
of an equal-cost comparison.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ._validate import count, instance, real, sequence_of
from .errors import ConfigError
from .setup.config import SimulationConfig
from .setup.particle_set import ParticleSet
from .setup.particles import Particle, report_particle_1
from .setup.trap import PenningTrap
from .simulation import simulate, simulate_in_memory

if TYPE_CHECKING:
    from matplotlib.figure import Figure


__all__ = ["LONG_RUN_METHODS", "LongRunComparison", "compare_methods"]

#: The fixed-step methods compared by default.
LONG_RUN_METHODS = ("euler", "rk4", "boris", "boris-exact", "splitting", "splitting4")

_MODES = ("omega_plus", "omega_minus", "omega_z")
_MODE_LABELS = {"omega_plus": "cyclotron ω₊", "omega_minus": "magnetron ω₋", "omega_z": "axial ωz"}


@dataclass(frozen=True)
class LongRunComparison:
    """Energy and phase errors of each method over one long run, at equal cost.

    Attributes
    ----------
    t_end : float
        Duration in µs.
    evaluations : int
        Force evaluations every method was given.
    n_steps, seconds : dict of str
        Each method's steps and wall-clock time (s), not counting compilation.
    t : dict of str to ndarray
        Each method's kept times (µs).
    energy_error : dict of str to ndarray
        ``(E(t) − E(0)) / scale`` at the kept times
        (:attr:`trapode.conserved.Energies.relative_change`).
    phase_error : dict of str to ndarray, shape (rows, 3)
        Simulated minus exact phase (rad) of the cyclotron, magnetron and
        axial modes at the kept times, unwrapped; NaN once the particle has
        left the trap.
    escape_time : dict of str to float
        When the particle left the trap (µs), NaN if it stayed.
    """

    t_end: float
    evaluations: int
    n_steps: dict
    seconds: dict
    t: dict
    energy_error: dict
    phase_error: dict
    escape_time: dict

    @property
    def methods(self) -> tuple[str, ...]:
        return tuple(self.n_steps)

    def table(self) -> str:
        """A text table: steps, step size, final energy error, final phase errors, time."""
        header = (
            f"{'method':<12} {'steps':>9} {'h (µs)':>8} {'energy error':>13} "
            f"{'Δφ+ (rad)':>11} {'Δφ− (rad)':>11} {'Δφz (rad)':>11} {'time (s)':>9}"
        )
        lines = [
            f"Particle 1 for {self.t_end:g} µs, {self.evaluations:,} force evaluations per method; errors at the end",
            header,
            "-" * len(header),
        ]
        for method in self.methods:
            if np.isfinite(self.escape_time[method]):
                lines.append(
                    f"{method:<12} {self.n_steps[method]:>9,} {self.t_end / self.n_steps[method]:>8.3g}  "
                    f"left the trap at t = {self.escape_time[method]:.4g} µs"
                )
                continue
            phases = self.phase_error[method][-1]
            lines.append(
                f"{method:<12} {self.n_steps[method]:>9,} {self.t_end / self.n_steps[method]:>8.3g} "
                f"{self.energy_error[method][-1]:>13.2e} {phases[0]:>11.2e} {phases[1]:>11.2e} {phases[2]:>11.2e} "
                f"{self.seconds[method]:>9.2f}"
            )
        return "\n".join(lines)

    def plot(self) -> Figure:
        """The sizes of the energy error and of each mode's phase error against time, log scales, a curve per method."""
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True, layout="constrained")
        panels = [(axes[0, 0], "|relative energy error|", None)] + [
            (ax, f"|phase error| of {_MODE_LABELS[mode]} (rad)", k)
            for k, (ax, mode) in enumerate(zip(axes.flat[1:], _MODES, strict=True))
        ]
        for method in self.methods:
            t = self.t[method]
            keep = t > 0
            for ax, _, k in panels:
                values = self.energy_error[method] if k is None else self.phase_error[method][:, k]
                ax.loglog(t[keep], np.abs(values[keep]), label=method, lw=1.2)
        for ax, label, _ in panels:
            ax.set_ylabel(label)
            ax.grid(True, which="major", alpha=0.3)
        for ax in axes[1]:
            ax.set_xlabel("t (µs)")
        axes[0, 0].legend(fontsize="small")
        figure.suptitle(
            f"Particle 1, {self.t_end:g} µs at {self.evaluations:,} force evaluations per method, "
            "against the closed form"
        )
        return figure


def compare_methods(
    trap: PenningTrap | None = None,
    particle: Particle | None = None,
    t_end: float = 1e5,
    evaluations: int = 4_000_000,
    methods: Sequence[str] = LONG_RUN_METHODS,
    samples: int = 2000,
) -> LongRunComparison:
    """Run one particle for a long time with each fixed-step method at the same cost, against the closed form.

    Parameters
    ----------
    trap : PenningTrap, optional
        An ideal trap (quadrupole, uniform B along z, no drive). Default: the
        report's (B0 = 1 T, V0 = 25 mV, d = 500 µm).
    particle : Particle, optional
        Default: the report's Particle 1.
    t_end : float
        Duration in µs. Default 10⁵.
    evaluations : int
        Force evaluations per method (each method takes ``evaluations //
        stages`` steps). Default 4 × 10⁶: RK4 at the report's h = 0.1 µs.
    methods : sequence of str
        Fixed-step methods of :func:`trapode.available_methods`. Default
        :data:`LONG_RUN_METHODS`.
    samples : int
        States kept per run (evenly spaced). Default 2000.

    Returns
    -------
    LongRunComparison

    Raises
    ------
    ConfigError
        Before any work: for a trap that is not ideal, an adaptive or unknown
        method, or a bad number.

    Examples
    --------
    >>> import trapode
    >>> comparison = trapode.compare_methods(t_end=1000.0, evaluations=40_000, methods=["rk4", "splitting"])
    >>> bool(abs(comparison.phase_error["splitting"]).max() < 1e-8)
    True
    """
    from .analytic import is_ideal
    from .integrators import get_method
    from .integrators.adaptive import AdaptiveIntegrator
    from .integrators.base import FixedStepIntegrator
    from .modes import mode_phasors

    trap = PenningTrap() if trap is None else instance("trap", trap, PenningTrap, "a trapode.PenningTrap")
    particle = (
        report_particle_1() if particle is None else instance("particle", particle, Particle, "a trapode.Particle")
    )
    if not is_ideal(trap) or trap.drive is not None:
        raise ConfigError("compare_methods needs an ideal static trap (its closed form): got one with other terms.")
    t_end = real("t_end", t_end, "a positive duration in µs", minimum=0.0, strict=True)
    evaluations = count("evaluations", evaluations)
    samples = count("samples", samples)
    methods = sequence_of("methods", methods, str, "method names", allow_empty=False)
    integrators = {}
    for method in methods:
        integrator = get_method(method)
        if not isinstance(integrator, FixedStepIntegrator) or isinstance(integrator, AdaptiveIntegrator):
            raise ConfigError(
                f"methods: {method!r} chooses its own steps; compare_methods compares fixed-step methods at equal cost."
            )
        if evaluations < integrator.stages:
            raise ConfigError(f"evaluations must be at least {integrator.stages} for {method!r}, got {evaluations}.")
        integrators[method] = integrator
    frequencies = trap.frequencies(particle)
    omega = np.array([frequencies.omega_plus, frequencies.omega_minus, frequencies.omega_z])
    fields: dict[str, dict] = {key: {} for key in ("n_steps", "seconds", "t", "energy", "phase", "escape")}
    for method, integrator in integrators.items():
        n_steps = evaluations // integrator.stages
        config = SimulationConfig(
            trap=trap,
            particles=ParticleSet.from_particles([particle]),
            t_end=t_end,
            n_steps=n_steps,
            method=method,
            save_every=max(1, n_steps // samples),
        )
        simulate(dataclasses.replace(config, n_steps=1, save_every=1, t_end=t_end / n_steps), progress=False)
        start = time.perf_counter()  # after a first step, which compiled or loaded the stepper
        result = simulate_in_memory(config, progress=False)
        fields["seconds"][method] = time.perf_counter() - start
        phasors = mode_phasors(result.r[:, 0], result.v[:, 0], omega, particle.q, trap.B0)
        exact = phasors[0] * np.exp(-1j * np.outer(result.t, omega))
        phase = np.unwrap(-np.angle(phasors / exact), axis=0)
        energy = result.energy().relative_change
        escape = float(result.escape_time[0])
        if np.isfinite(escape):
            phase[result.t >= escape] = np.nan
            energy[result.t >= escape] = np.nan
        fields["n_steps"][method] = n_steps
        fields["t"][method] = result.t
        fields["energy"][method] = energy
        fields["phase"][method] = phase
        fields["escape"][method] = escape
    return LongRunComparison(
        t_end=t_end,
        evaluations=evaluations,
        n_steps=fields["n_steps"],
        seconds=fields["seconds"],
        t=fields["t"],
        energy_error=fields["energy"],
        phase_error=fields["phase"],
        escape_time=fields["escape"],
    )
