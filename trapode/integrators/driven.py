"""Time loops driven from Python: the FMM's Coulomb sum between compiled stages, and states streamed out.

The compiled steppers keep a whole run's states in memory and sum the
Coulomb interaction inside the loop. Two things need the loop in Python,
around compiled pieces:

- the fast multipole method (:mod:`trapode.forces.fmm`) is a library call:
  each step computes the Coulomb accelerations with it and hands them to a
  compiled step (:func:`~trapode.integrators.boris.boris_given_step`,
  :func:`~trapode.integrators.splitting.splitting_given_substep`); so only
  methods with one interaction per stage take it;
- a run that streams its states to a file (:class:`~trapode.output.Writer`)
  advances chunk by chunk to each save point and hands the state to the
  writer there; memory stays O(N) however many states are kept.

A run may start from a state part-way (``start``): :func:`trapode.resume`
goes on from the last state a killed run wrote. The rules of what is checked
are those of :mod:`trapode.observers`: escapes at every step, non-finite
states at every save point and chunk end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, Protocol

import numpy as np

from ..monitor import QUIET, Progress
from ..observers import row_of_step, rows_written
from .base import Trajectory, last_checked_before

__all__ = ["DrivenStep", "Rows", "StartState", "driven_boris", "driven_integrate", "driven_splitting"]

#: A Coulomb sum: positions (3, N) → accelerations (3, N), in µm and µm/µs².
CoulombSum = Callable[[np.ndarray], np.ndarray]


class Rows(Protocol):
    """Where a driven run puts the states it keeps: in memory, or a file (:class:`trapode.output.Writer`)."""

    def write(self, row: int, step: int, pos: np.ndarray, vel: np.ndarray, escape_step: np.ndarray) -> None:
        """Keep the state (3, N) after ``step`` steps as row ``row``; ``escape_step`` as it is then."""

    def trajectory_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows to put in the :class:`Trajectory`: r and v (rows, N, 3), and the step of each."""


class MemoryRows:
    """Rows kept in memory, as the compiled steppers keep them."""

    def __init__(self, n_steps: int, stride: int, n_particles: int) -> None:
        rows = rows_written(n_steps, stride)
        self.r, self.v = np.empty((2, rows, 3, n_particles))
        self.steps = np.zeros(rows, dtype=np.int64)
        self.written = 0

    def write(self, row: int, step: int, pos: np.ndarray, vel: np.ndarray, escape_step: np.ndarray) -> None:
        self.r[row], self.v[row], self.steps[row] = pos, vel, step
        self.written = row + 1

    def trajectory_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = self.written
        return self.r[:rows].transpose(0, 2, 1), self.v[:rows].transpose(0, 2, 1), self.steps[:rows].copy()


class StartState(NamedTuple):
    """Where a run goes on from: the state after ``step`` steps and the escapes found so far."""

    step: int
    pos: np.ndarray
    vel: np.ndarray
    escape_step: np.ndarray


def _next_save(step: int, n_steps: int, stride: int) -> int:
    """The first step after ``step`` whose state is kept."""
    return min((step // stride + 1) * stride, n_steps)


#: One step with its Coulomb sum given from Python:
#: ``step(i, h, pos, vel, system, flow, species, escape, coulomb_sum, cache)``.
DrivenStep = Callable[..., None]


def driven_boris(model, *, exact: bool = False) -> DrivenStep:
    """A Boris step (``exact``: the phase-exact rotation) around :func:`~trapode.integrators.boris.boris_given_step`."""

    def boris(i, h, pos, vel, system, flow, species, escape, coulomb_sum, cache):
        acc = coulomb_sum(pos + (0.5 * h) * vel)  # at the mid-step positions, as the compiled Boris step
        model.boris_given_step(i, h, pos, vel, system.q_over_m, system.constants, acc, escape, exact)

    return boris


def driven_splitting(model) -> DrivenStep:
    """A splitting step (any weights) around :func:`~trapode.integrators.splitting.splitting_given_substep`."""

    def splitting(i, h, pos, vel, system, flow, species, escape, coulomb_sum, cache):
        sub_steps = int(flow[0, 0])
        elapsed = 0.0
        for j in range(sub_steps + 1):
            # A step's first kick sees the positions of the last kick before it: its sum is reused.
            if j > 0 or "acc" not in cache:
                cache["acc"] = coulomb_sum(pos)
            model.splitting_given_substep(
                j, i, elapsed, h, pos, vel, system.q_over_m, system.constants, cache["acc"], flow, species, escape
            )
            if j < sub_steps:
                elapsed += flow[0, 1 + j]

    return splitting


def driven_integrate(
    integrator,
    system,
    t_end: float,
    n_steps: int,
    stride: int,
    rows: Rows,
    rtol: float = 1e-12,
    atol: float = 1e-12,
    monitor: Progress = QUIET,
    coulomb_sum: CoulombSum | None = None,
    start: StartState | None = None,
) -> Trajectory:
    """Integrate ``system`` as :meth:`FixedStepIntegrator.integrate` does, keeping states through ``rows``.

    With ``coulomb_sum``, every step runs in Python around the compiled
    step of ``integrator.driven_step`` (the compiled kernels then sum no
    Coulomb pairs); otherwise the compiled stepper runs chunk by chunk up to
    each save point. Returns a :class:`Trajectory` whose rows are
    ``rows.trajectory_rows()``.
    """
    model = system.model
    advance = getattr(model, integrator.stepper)
    h = t_end / n_steps
    flow, species = integrator.stepper_data(system, h, rtol=rtol, atol=atol)
    if start is None:
        step, pos, vel = 0, system.positions.copy(), system.velocities.copy()
        escape = np.full(system.n_particles, -1, dtype=np.int64)
    else:
        step, pos, vel, escape = start.step, start.pos.copy(), start.vel.copy(), start.escape_step.copy()
    nothing = np.empty((0, 3, system.n_particles))
    one_step = integrator.driven_step(model) if coulomb_sum is not None else None
    cache: dict = {}
    chunk = system.chunk_steps()

    def finite() -> bool:
        return bool(np.isfinite(pos).all() and np.isfinite(vel).all())

    if step == 0:
        outside = ~system.trapped_flags(pos)
        escape[outside & (escape < 0)] = 0
        rows.write(0, 0, pos, vel, escape)
        if not finite():
            return _trajectory(system, rows, escape, pos, 0, "the state became non-finite", -1)
    first_of_chunk = step
    while step < n_steps:
        first_of_chunk = step
        target = min(step + chunk, _next_save(step, n_steps, stride))
        if one_step is not None:
            for i in range(step, target):
                one_step(i, h, pos, vel, system, flow, species, escape, coulomb_sum, cache)
                monitor.update(1)
            stopped = -1 if finite() else target
        else:
            stopped = int(
                advance(
                    step, target, h, target, target, pos, vel, system.charge, system.q_over_m, system.constants,
                    system.coulomb, system.coulomb_constant, nothing, nothing, escape, flow, species,
                )
            )  # fmt: skip
            monitor.update(target - step)
        step = target
        if stopped >= 0 or step % stride == 0 or step == n_steps:
            rows.write(row_of_step(step, stride), step, pos, vel, escape)
        if stopped >= 0:
            last_good = last_checked_before(stopped, first_of_chunk, stride)
            return _trajectory(system, rows, escape, pos, stopped, "the state became non-finite", last_good)
        if step < n_steps and monitor.stop_requested:
            if step % stride:  # the state reached is the last row, as in the compiled loop
                rows.write(row_of_step(step, stride), step, pos, vel, escape)
            return _trajectory(system, rows, escape, pos, step, "interrupted", -1, interrupted=True)
    integrator.check(flow)
    return _trajectory(system, rows, escape, pos, -1, "", -1)


def _trajectory(
    system, rows: Rows, escape, pos, stopped_at: int, message: str, last_finite: int, interrupted: bool = False
) -> Trajectory:
    """The :class:`Trajectory` of a driven run: its rows as ``rows`` keeps them, who is trapped at ``pos``."""
    r, v, steps = rows.trajectory_rows()
    return Trajectory(
        r=r,
        v=v,
        steps=steps,
        escape_step=escape,
        trapped=system.trapped_flags(pos),
        stopped_at=stopped_at,
        last_finite=last_finite,
        message=message,
        interrupted=interrupted,
    )
