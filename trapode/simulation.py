"""The driver: one function from a configuration to a result.

configuration → compiled model (:mod:`trapode.compile`) → stepper
(:mod:`trapode.integrators`) → observers (:mod:`trapode.observers`) →
:class:`~trapode.SimulationResult`.
"""

from __future__ import annotations

import numpy as np

from ._validate import flag, instance, warn_outside_package
from .budget import check_duration, check_memory
from .conserved import Energies
from .errors import AccuracyWarning, ConfinementWarning, IntegrationError, Interrupted, NonFiniteStateError
from .integrators import AdaptiveIntegrator, FixedStepIntegrator, SolveIvpIntegrator, get_method
from .integrators.base import Integrator, Trajectory
from .monitor import Monitor
from .result import SimulationResult
from .setup.config import SimulationConfig
from .system import ParticleSystem

__all__ = ["simulate"]


def _warn_unconfined(config: SimulationConfig) -> None:
    """Warn once per kind of particle that the static trap cannot hold."""
    grouped: dict[tuple, list[int]] = {}
    for index, particle in enumerate(config.particles):
        grouped.setdefault(particle.kind, []).append(index)
    for indices in grouped.values():
        particle = config.particles[indices[0]]
        problems = config.trap.confinement_problems(particle)
        if problems:
            shown = ", ".join(map(str, indices[:5])) + (", ..." if len(indices) > 5 else "")
            warn_outside_package(
                f"The trap cannot confine particle{'s' if len(indices) > 1 else ''} {shown} ({particle.label()}): "
                f"{'; '.join(problems)}.",
                ConfinementWarning,
            )


def _check_cost(config: SimulationConfig, integrator: Integrator, system: ParticleSystem) -> None:
    """Refuse a run whose arrays cannot fit in memory or that could not finish, before it starts."""
    cost = getattr(integrator, "cost", None)
    if cost is None:
        return
    needed, seconds = cost(system, config.t_end, config.n_steps, config.save_stride)
    what = f"A {config.method} run of {config.n_particles} particle(s) over n_steps = {config.n_steps} steps"
    check_memory(
        needed,
        what,
        'keep fewer states (save_every=k keeps every k-th, save_every="final" only the last)'
        + (", or use a fixed-step method" if isinstance(integrator, SolveIvpIntegrator) else ""),
    )
    check_duration(seconds, what, "shorten t_end, use fewer steps or particles, or split the run")


def simulate(config: SimulationConfig, *, progress: bool = True) -> SimulationResult:
    """Integrate the motion of the particles of ``config``.

    Parameters
    ----------
    config : SimulationConfig
        Trap, particles, duration, number of steps, method, whether the
        particles interact and which states to keep.
    progress : bool
        Show a progress bar on stderr for a run that takes more than a second
        (only on a terminal). Default True.

    Returns
    -------
    SimulationResult
        Times ``t`` (µs), positions ``r`` (µm) and velocities ``v`` (µm/µs) of
        every particle at the kept steps, and ``trapped`` and ``escape_time``,
        checked at every step.

    Raises
    ------
    ConfigError
        If ``config`` is not a SimulationConfig, its method is not registered
        (the message lists the valid names), its kept states would not fit in
        the memory available, or it could not finish in 30 days; before any work.
    Interrupted
        On Ctrl-C, within a tenth of a second or so: the exception's
        ``result`` holds the states kept so far, ending with the state reached.
    NonFiniteStateError
        If a position or velocity becomes NaN or infinite; the exception holds
        the step, the time, the particle and the result computed so far.
    IntegrationError
        If an adaptive method fails for another reason, with the same fields.

    Warns
    -----
    ConfinementWarning
        For each kind of particle that the static trap cannot confine.

    Examples
    --------
    >>> import trapode
    >>> config = trapode.SimulationConfig(
    ...     trap=trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0),
    ...     particles=[trapode.Particle(q=1, m=40.077, r=(20, 0, 20), v=(0, 25, 0))],
    ...     t_end=50.0, n_steps=4000, method="rk4")
    >>> result = trapode.simulate(config)
    >>> result.r.shape, bool(result.trapped[0])
    ((4001, 1, 3), True)
    """
    instance("config", config, SimulationConfig, "a trapode.SimulationConfig")
    progress = flag("progress", progress)
    integrator = get_method(config.method)
    system = ParticleSystem.from_config(config)
    _check_cost(config, integrator, system)
    _warn_unconfined(config)
    with Monitor(config.n_steps, "step", config.method, progress) as monitor:
        trajectory = integrator.integrate(
            system, config.t_end, config.n_steps, config.save_stride, config.rtol, config.atol, monitor=monitor
        )
    result = _result(config, trajectory)
    if trajectory.stopped_at < 0:
        _warn_energy_drift(config, integrator, system, trajectory)
        return result
    if trajectory.interrupted:
        step = trajectory.stopped_at
        raise Interrupted(
            f"Interrupted at step {step} of {config.n_steps} (t = {step * config.step_size:.6g} µs); the "
            f"{result.t.size} state(s) kept so far, ending with that one, are on this exception's `result`.",
            result=result,
            step=step,
            time=step * config.step_size,
        )
    _raise_incomplete(config, system, trajectory, result)
    raise AssertionError("unreachable")  # _raise_incomplete always raises


#: The relative change of a static trap's total energy above which an interacting fixed-step run warns.
ENERGY_DRIFT_WARNING = 1e-2


def _warn_energy_drift(
    config: SimulationConfig, integrator: Integrator, system: ParticleSystem, trajectory: Trajectory
) -> None:
    """Warn if an interacting fixed-step run in a static trap changed its total energy (close encounters missed).

    The change from the first to the last state, relative to the sum of the
    magnitudes of the kinetic, trap and Coulomb energies at the start.
    """
    if not system.interactions or isinstance(integrator, AdaptiveIntegrator):
        return
    if not isinstance(integrator, FixedStepIntegrator) or not system.model.IS_STATIC:
        return
    rows = [0, -1]
    drift = abs(Energies.of_states(system, np.zeros(2), trajectory.r[rows], trajectory.v[rows]).relative_change[-1])
    if drift > ENERGY_DRIFT_WARNING:
        warn_outside_package(
            f"The total energy of the {system.n_particles} interacting particles changed by {drift:.2g} of its size "
            f"over the run ({config.method}, h = {config.step_size:g} µs), though the trap is static: the step does "
            "not resolve close encounters, and particles may leave that cannot. Use method='adaptive' (with rtol), "
            "or more steps.",
            AccuracyWarning,
        )


def _result(config: SimulationConfig, trajectory: Trajectory) -> SimulationResult:
    h = config.step_size
    escape_time = np.where(trajectory.escape_step >= 0, trajectory.escape_step * h, np.nan)
    return SimulationResult(
        config=config,
        t=np.minimum(trajectory.steps * h, config.t_end),
        r=trajectory.r,
        v=trajectory.v,
        trapped=trajectory.trapped,
        escape_time=escape_time,
    )


def _raise_incomplete(
    config: SimulationConfig, system: ParticleSystem, trajectory: Trajectory, result: SimulationResult
) -> None:
    """Raise for a run that stopped early, keeping what it computed on the exception's ``result``."""
    step = trajectory.stopped_at
    time = step * config.step_size
    last_r, last_v = trajectory.r[-1], trajectory.v[-1]
    if trajectory.steps[-1] == step:  # the stored last state is the first non-finite one found
        finite = np.isfinite(last_r).all(axis=1) & np.isfinite(last_v).all(axis=1)
        # Name the particle at fault only if some are still finite: an interaction spreads NaN to all.
        particle = int(np.argmin(finite)) if finite.any() else None
        who = f"particle {particle}" if particle is not None else "every particle"
        checked = trajectory.last_finite
        when = (
            f"became non-finite at step {step} (t = {time:.6g} µs)"
            if checked == step - 1
            else f"was found non-finite at step {step} (t = {time:.6g} µs); it was last checked finite at step "
            f"{checked} (states are checked when kept and at the end of every chunk: save_every=1 checks them all)"
        )
        kept = _first_rows(result, result.t.size - 1)
        raise NonFiniteStateError(
            f"The state of {who} {when}, with method {config.method!r}; the {kept.t.size} "
            f"state{'s' if kept.t.size != 1 else ''} kept before it {'are' if kept.t.size != 1 else 'is'} on this "
            "exception's `result`. Try a smaller step (more n_steps) or check for particles that collide.",
            step=step,
            time=time,
            particle=particle,
            result=kept,
        )
    # An adaptive method gave up: name the particle whose derivative is not finite, if one is.
    state = np.concatenate([last_r.ravel(), last_v.ravel()])
    bad = ~np.isfinite(system.rhs(float(result.t[-1]), state).reshape(2, -1, 3)).all(axis=(0, 2))
    culprit = int(np.argmax(bad)) if bad.any() else None
    named = f" (particle {culprit} has a non-finite acceleration)" if culprit is not None else ""
    raise IntegrationError(
        f"Method {config.method!r} stopped before step {step} (t = {time:.6g} µs){named}: "
        f"{trajectory.message.rstrip('.')}. The states kept before it are on this exception's `result`.",
        step=step,
        time=time,
        particle=culprit,
        result=result,
    )


def _first_rows(result: SimulationResult, rows: int) -> SimulationResult:
    """The result cut to its first ``rows`` kept states (the finite part of a run that blew up)."""
    return SimulationResult(
        config=result.config,
        t=result.t[:rows],
        r=result.r[:rows],
        v=result.v[:rows],
        trapped=result.trapped,
        escape_time=result.escape_time,
    )
