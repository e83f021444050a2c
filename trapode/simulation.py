"""The driver: one function from a configuration to a result."""

from __future__ import annotations

import warnings

import numpy as np

from .errors import ConfinementWarning, IntegrationError, NonFiniteStateError
from .integrators import get_method, time_grid
from .result import SimulationResult
from .system import ParticleSystem

__all__ = ["simulate"]


def _warn_unconfined(config):
    """Warn once per kind of particle that the static trap cannot hold."""
    grouped = {}
    for index, particle in enumerate(config.particles):
        problems = tuple(config.trap.confinement_problems(particle))
        if problems:
            grouped.setdefault((particle.q, particle.m, problems), []).append(index)
    for (q, m, problems), indices in grouped.items():
        shown = ", ".join(map(str, indices[:5])) + (", ..." if len(indices) > 5 else "")
        warnings.warn(
            f"The trap cannot confine particle{'s' if len(indices) > 1 else ''} {shown} "
            f"(q = {q:g} e, m = {m:g} u): {'; '.join(problems)}.",
            ConfinementWarning,
            stacklevel=3,
        )


def simulate(config):
    """Integrate the motion of the particles of ``config``.

    Parameters
    ----------
    config : SimulationConfig
        Trap, particles, duration, number of steps, method and whether the
        particles interact.

    Returns
    -------
    SimulationResult
        Times ``t`` (µs), positions ``r`` (µm) and velocities ``v`` (µm/µs) of
        every particle at ``t_i = i t_end / n_steps``, with ``trapped`` and
        ``escape_time``.

    Raises
    ------
    ConfigError
        If ``config.method`` is not registered (the message lists the valid names).
    NonFiniteStateError
        If a position or velocity becomes NaN or infinite; the exception holds
        the step, the time, the particle and the result computed so far.
    IntegrationError
        If an adaptive method fails for another reason, with the same fields.

    Warns
    -----
    ConfinementWarning
        For particles that the static trap cannot confine.

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
    integrator = get_method(config.method)
    _warn_unconfined(config)
    system = ParticleSystem.from_config(config)
    trajectory = integrator.integrate(system, config.t_end, config.n_steps, config.rtol, config.atol)
    t = time_grid(config.t_end, config.n_steps)
    n_stored = trajectory.n_stored
    if n_stored == config.n_steps + 1:
        return SimulationResult(config=config, t=t, r=trajectory.r, v=trajectory.v)
    _raise_incomplete(config, t, trajectory)


def _raise_incomplete(config, t, trajectory):
    """Raise for a run that stopped early, keeping the valid part of the trajectory."""
    n_stored = trajectory.n_stored
    last = n_stored - 1
    finite = np.isfinite(trajectory.r[last]).all(axis=1) & np.isfinite(trajectory.v[last]).all(axis=1)
    if last >= 1 and not finite.all():
        # A fixed-step kernel stores the first non-finite state as its last row.
        step = last
        particle = int(np.argmin(finite))
        partial = SimulationResult(config=config, t=t[:step], r=trajectory.r[:step], v=trajectory.v[:step])
        raise NonFiniteStateError(
            f"The state of particle {particle} became non-finite at step {step} (t = {t[step]:.6g} µs) "
            f"with method {config.method!r}; the {step} steps before it are kept on this exception's "
            "`result`. Try a smaller step (more n_steps) or check for particles that collide.",
            step=step, time=float(t[step]), particle=particle, result=partial,
        )
    step = n_stored
    partial = SimulationResult(config=config, t=t[:step], r=trajectory.r[:step], v=trajectory.v[:step])
    raise IntegrationError(
        f"Method {config.method!r} stopped at step {step} (t = {t[min(step, len(t) - 1)]:.6g} µs): "
        f"{trajectory.message}. The {step} steps before it are kept on this exception's `result`.",
        step=step, time=float(t[min(step, len(t) - 1)]), particle=None, result=partial,
    )
