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
    _raise_incomplete(config, system, t, trajectory)


def _raise_incomplete(config, system, t, trajectory):
    """Raise for a run that stopped early, keeping the valid part of the trajectory."""
    n_stored = trajectory.n_stored
    last = n_stored - 1
    if last >= 1:
        finite = np.isfinite(trajectory.r[last]).all(axis=1) & np.isfinite(trajectory.v[last]).all(axis=1)
        if not finite.all():
            # The integrator stored the first non-finite state as its last row.
            particle = int(np.argmin(finite))
            raise NonFiniteStateError(
                f"The state of particle {particle} became non-finite at step {last} (t = {t[last]:.6g} µs) "
                f"with method {config.method!r}; the {last} steps before it are kept on this exception's "
                "`result`. Try a smaller step (more n_steps) or check for particles that collide.",
                step=last, time=float(t[last]), particle=particle,
                result=_partial_result(config, t, trajectory, last),
            )
    # An adaptive method gave up: name the particle whose derivative is not finite, if one is.
    step = n_stored
    time = float(t[step])
    if n_stored >= 1:
        state = np.concatenate([trajectory.r[last].ravel(), trajectory.v[last].ravel()])
    else:
        state = system.initial_state()
    bad = ~np.isfinite(system.rhs(t[max(last, 0)], state).reshape(2, -1, 3)).all(axis=(0, 2))
    particle = int(np.argmax(bad)) if bad.any() else None
    named = f" (particle {particle} has a non-finite acceleration)" if particle is not None else ""
    raise IntegrationError(
        f"Method {config.method!r} stopped before step {step} (t = {time:.6g} µs){named}: "
        f"{trajectory.message.rstrip('.')}. The {step} steps before it are kept on this exception's `result`.",
        step=step, time=time, particle=particle, result=_partial_result(config, t, trajectory, step),
    )


def _partial_result(config, t, trajectory, n_rows):
    return SimulationResult(config=config, t=t[:n_rows], r=trajectory.r[:n_rows], v=trajectory.v[:n_rows])
