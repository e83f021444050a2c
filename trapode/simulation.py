"""The driver: one function from a configuration to a result.

configuration → compiled model (:mod:`trapode.compile`) → stepper
(:mod:`trapode.integrators`) → observers (:mod:`trapode.observers`) →
:class:`~trapode.SimulationResult`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pathlib
from collections.abc import Iterator

import numpy as np

from ._files import check_writable
from ._validate import count, flag, instance, warn_outside_package
from .budget import check_duration, check_memory
from .conserved import Energies
from .errors import (
    AccuracyWarning,
    ConfigError,
    ConfinementWarning,
    IntegrationError,
    Interrupted,
    NonFiniteStateError,
)
from .forces.coulomb import THREADED_COULOMB_MIN_PARTICLES
from .integrators import METHODS, AdaptiveIntegrator, FixedStepIntegrator, SolveIvpIntegrator, get_method
from .integrators.base import Integrator, Trajectory
from .integrators.driven import MemoryRows, StartState, driven_integrate
from .monitor import Monitor
from .output import StreamedResult, Writer, check_output, load_stream, start_of
from .result import SimulationResult
from .setup.config import SimulationConfig
from .system import ParticleSystem

__all__ = ["resume", "simulate", "simulate_in_memory", "uses_fmm"]


def _warn_unconfined(config: SimulationConfig) -> None:
    """Warn once per kind of particle that the static trap cannot hold."""
    for indices in config.particles.kinds():
        particle = config.particles[int(indices[0])]
        problems = config.trap.confinement_problems(particle)
        if problems:
            shown = ", ".join(map(str, indices[:5].tolist())) + (", ..." if len(indices) > 5 else "")
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


def uses_fmm(config: SimulationConfig, integrator: Integrator) -> bool:
    """Whether a run sums its Coulomb interaction by the FMM: ``coulomb`` resolved for its method and size.

    Raises ConfigError for ``"fmm"`` with a method that cannot take it, or without FMM3D installed.
    """
    from .forces.fmm import FMM_CROSSOVER, fmm_available, require_fmm

    if not config.interactions or config.n_particles < 2 or config.coulomb == "direct":
        return False
    driven = getattr(integrator, "driven_step", None) is not None
    if config.coulomb == "auto":
        return driven and config.n_particles >= FMM_CROSSOVER and fmm_available()
    if not driven:
        takes = ", ".join(repr(name) for name, method in METHODS.items() if getattr(method, "driven_step", None))
        raise ConfigError(
            f"SimulationConfig.coulomb = 'fmm' needs a method with one Coulomb sum per stage ({takes}), got "
            f"method {config.method!r}; use coulomb='direct' with it."
        )
    require_fmm("SimulationConfig.coulomb")
    return True


@contextlib.contextmanager
def _threads(threads: int | None) -> Iterator[None]:
    """Run the block with numba's thread count set to ``threads`` (None: as it is), and restore it after."""
    import numba

    before = numba.get_num_threads()
    if threads is not None:
        most = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
        numba.set_num_threads(count("threads", threads, maximum=most))
    try:
        yield
    finally:
        numba.set_num_threads(before)


def simulate(
    config: SimulationConfig, *, progress: bool = True, threads: int | None = None
) -> SimulationResult | StreamedResult:
    """Integrate the motion of the particles of ``config``.

    Parameters
    ----------
    config : SimulationConfig
        Trap, particles, duration, number of steps, method, whether the
        particles interact and which states to keep.
    progress : bool
        Show a progress bar on stderr for a run that takes more than a second
        (only on a terminal). Default True.
    threads : int, optional
        Threads for the compiled kernels (numba's), at most the cores numba
        found; default: numba's setting (``NUMBA_NUM_THREADS``, all cores).
        The FMM's threads are OpenMP's (``OMP_NUM_THREADS``).

    Returns
    -------
    SimulationResult or StreamedResult
        Times ``t`` (µs), positions ``r`` (µm) and velocities ``v`` (µm/µs) of
        every particle at the kept steps, and ``trapped`` and ``escape_time``,
        checked at every step. With ``config.output``, a
        :class:`~trapode.output.StreamedResult` that reads them from the file.

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
    fmm = uses_fmm(config, integrator)
    _check_output(config, integrator)
    system = ParticleSystem.from_config(config, fmm=fmm)
    _check_cost(config, integrator, system)
    _warn_unconfined(config)
    with _threads(threads):
        if config.output is not None or fmm:
            return _driven(config, integrator, system, progress)
        with Monitor(config.n_steps, "step", config.method, progress) as monitor:
            trajectory = integrator.integrate(
                system, config.t_end, config.n_steps, config.save_stride, config.rtol, config.atol, monitor=monitor
            )
    return _finish(config, integrator, system, trajectory)


def resume(path: str | os.PathLike[str], *, progress: bool = True, threads: int | None = None) -> StreamedResult:
    """Go on with a run streamed to ``path`` (``output=``) that was killed or interrupted, from its last state.

    The states written are copied into a new file, which then replaces the
    old one (so a failure before that leaves the old file as it was), and the
    run goes on from the last state written, step for step as the run itself
    would have gone: a fixed-step run resumed ends in the same state, bit for
    bit (the ``"adaptive"`` method starts its step size afresh).

    Parameters
    ----------
    path : str or path-like
        The stream file.
    progress, threads
        As for :func:`simulate`.

    Returns
    -------
    StreamedResult
        The whole run, read from ``path``; the file as it is if the run was complete.

    Raises
    ------
    ConfigError
        If the file is not a trapode stream file, holds no state, or its last state is not finite.
    """
    stream = load_stream(path)
    target = stream.path
    with stream:
        if stream.complete:
            return load_stream(target)
        config = stream.config
        start = start_of(stream)
        if not (np.isfinite(start.pos).all() and np.isfinite(start.vel).all()):
            raise ConfigError(
                f"{target}: its last state (step {start.step}) is not finite; there is nothing to go on from."
            )
        integrator = get_method(config.method)
        fmm = uses_fmm(config, integrator)
        system = ParticleSystem.from_config(config, fmm=fmm)
        temporary = target.with_name(f".{target.name}.resuming")
        check_writable("resume path", temporary)
        writer = Writer(temporary, config, copy_from=stream.file, rows=stream.n_rows)
    os.replace(temporary, target)  # the writer goes on writing to the file under its new name
    writer.path = target
    with _threads(threads):
        result = _driven(config, integrator, system, progress, start=start, writer=writer)
    assert isinstance(result, StreamedResult)
    return result


def simulate_in_memory(config: SimulationConfig, *, progress: bool = True) -> SimulationResult:
    """:func:`simulate` keeping the states in memory, whatever ``config.output`` says (for analyses that need them)."""
    result = simulate(dataclasses.replace(config, output=None), progress=progress)
    assert isinstance(result, SimulationResult)
    return result


def _check_output(config: SimulationConfig, integrator: Integrator) -> None:
    """Before any work: a run with ``output`` has a fixed-step method, h5py, and a file it can write."""
    if config.output is None:
        return
    if not isinstance(integrator, FixedStepIntegrator):
        raise ConfigError(
            f"SimulationConfig.output streams the states of a fixed-step method; method {config.method!r} keeps "
            "them in memory: leave output unset, or use 'adaptive' (the compiled DOP853)."
        )
    check_output(config)


def _driven(
    config: SimulationConfig,
    integrator: Integrator,
    system: ParticleSystem,
    progress: bool,
    start: StartState | None = None,
    writer: Writer | None = None,
) -> SimulationResult | StreamedResult:
    """A run whose loop is driven from Python (:mod:`trapode.integrators.driven`): FMM, streamed, or resumed."""
    assert isinstance(integrator, FixedStepIntegrator)
    if writer is None and config.output is not None:
        writer = Writer(pathlib.Path(config.output), config)
    rows = writer if writer is not None else MemoryRows(config.n_steps, config.save_stride, system.n_particles)
    done = start.step if start is not None else 0
    try:
        with Monitor(config.n_steps - done, "step", config.method, progress) as monitor:
            trajectory = driven_integrate(
                integrator,
                system,
                config.t_end,
                config.n_steps,
                config.save_stride,
                rows,
                config.rtol,
                config.atol,
                monitor,
                coulomb_sum=system.coulomb_sum() if system.fmm_tolerance else None,
                start=start,
            )
    except BaseException:
        if writer is not None:
            writer.close()
        raise
    if writer is None:
        return _finish(config, integrator, system, trajectory)
    writer.finish(trajectory.trapped, complete=trajectory.stopped_at < 0)
    streamed = load_stream(writer.path)
    if trajectory.stopped_at < 0:
        return streamed
    step = trajectory.stopped_at
    time = step * config.step_size
    kept = f"the {streamed.n_rows} state(s) written to {writer.path}, ending with that one,"
    if trajectory.interrupted:
        raise Interrupted(
            f"Interrupted at step {step} of {config.n_steps} (t = {time:.6g} µs); {kept} are on this exception's "
            "`result`, and trapode.resume(path) goes on from there.",
            result=streamed,
            step=step,
            time=time,
        )
    raise NonFiniteStateError(
        f"The state became non-finite by step {step} (t = {time:.6g} µs), with method {config.method!r}; {kept} "
        "are on this exception's `result`. Try a smaller step (more n_steps) or check for particles that collide.",
        step=step,
        time=time,
        particle=None,
        result=streamed,
    )


def _finish(
    config: SimulationConfig, integrator: Integrator, system: ParticleSystem, trajectory: Trajectory
) -> SimulationResult:
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

#: The check sums the Coulomb energy of two states, about as much work as 6 force sums of the run (the
#: energy's pair loop is neither vectorised nor split beyond the two states); above a few thousand
#: particles, a run of fewer force sums than this is not checked, so that the check costs at most a
#: sixth of the run (one Boris step of 10⁵ ions: 4 s, its check 25 s).
ENERGY_CHECK_MIN_SUMS = 50


def _warn_energy_drift(
    config: SimulationConfig, integrator: Integrator, system: ParticleSystem, trajectory: Trajectory
) -> None:
    """Warn if an interacting fixed-step run in a static trap changed its total energy (close encounters missed).

    The change from the first to the last state, relative to the sum of the
    magnitudes of the kinetic, trap and Coulomb energies at the start. Not
    with the FMM, and not for a short run (fewer than ``ENERGY_CHECK_MIN_SUMS``
    force sums) of more than ``THREADED_COULOMB_MIN_PARTICLES`` particles,
    which the check would cost more than.
    """
    if not system.interactions or system.fmm_tolerance or isinstance(integrator, AdaptiveIntegrator):
        return
    if not isinstance(integrator, FixedStepIntegrator) or not system.model.IS_STATIC:
        return
    short = config.n_steps * integrator.stages < ENERGY_CHECK_MIN_SUMS
    if short and system.n_particles > THREADED_COULOMB_MIN_PARTICLES:
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
