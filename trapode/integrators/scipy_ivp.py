"""SciPy's adaptive solvers (DOP853) as reference methods, on the compiled right-hand side."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..budget import adaptive_seconds_at_least, highest_angular_frequency
from ..compile.templates import kernel
from ..forces.total import accelerations
from ..monitor import QUIET, Progress
from ..observers import rows_written
from .base import Trajectory, empty_output, finish, interrupted, last_checked_before

__all__ = ["SolveIvpIntegrator", "flat_rhs"]


@kernel
def flat_rhs(t, y, charge, q_over_m, c, coulomb, k_e):
    """Right-hand side ``dy/dt = F(t, y)`` on the flat state ``y = (r_1..r_N, v_1..v_N)`` of length 6N.

    The positions of all particles (x, y, z each, in µm), then their
    velocities (µm/µs): the form ``scipy.integrate.solve_ivp`` takes.
    """
    n = charge.shape[0]
    state = np.ascontiguousarray(y).reshape(2, n, 3)
    pos = np.ascontiguousarray(state[0].T)
    vel = np.ascontiguousarray(state[1].T)
    acc = np.empty((3, n))
    accelerations(t, pos, vel, charge, q_over_m, c, coulomb, k_e, acc)
    derivative = np.empty((2, n, 3))
    derivative[0] = state[1]
    derivative[1] = acc.T
    return derivative.reshape(6 * n)


@dataclass(frozen=True)
class SolveIvpIntegrator:
    """An adaptive reference method of :mod:`scipy.integrate` (``DOP853``, ``RK45``, ``Radau``, ...).

    The compiled right-hand side is integrated by SciPy's solver class at
    tolerances ``rtol``/``atol``, one adaptive step at a time, as
    :func:`scipy.integrate.solve_ivp` does; each step's dense output is
    sampled at the fixed-step grid points it covers, and the samples are
    observed as a fixed-step run is (escapes at every grid step, states every
    ``stride`` steps). Driving the steps here, rather than through
    ``solve_ivp``, lets a run stop on Ctrl-C with what it has and show its
    progress.
    """

    name: str
    order: int
    scipy_method: str

    def cost(self, system, t_end: float, n_steps: int, stride: int) -> tuple[float, float]:
        """Bytes of the samples at every grid step and the kept states, and a lower bound of the seconds."""
        samples = (2 * (n_steps + 1) + 2 * rows_written(n_steps, stride)) * 3 * system.n_particles * 8
        return samples, adaptive_seconds_at_least(t_end, highest_angular_frequency(system.trap, system.q_over_m))

    def integrate(
        self,
        system,
        t_end: float,
        n_steps: int,
        stride: int,
        rtol: float = 1e-12,
        atol: float = 1e-12,
        monitor: Progress = QUIET,
    ) -> Trajectory:
        """Integrate ``system`` adaptively and observe it on the grid ``t_i = i t_end / n_steps``."""
        # Imported here: scipy.integrate doubles the start-up time of every process.
        import scipy.integrate

        grid = np.minimum(np.arange(n_steps + 1) * (t_end / n_steps), t_end)
        n = system.n_particles
        r_samples, v_samples = np.empty((2, n_steps + 1, 3, n))
        r_samples[0], v_samples[0] = system.positions, system.velocities
        computed, message, solver = 1, "", None
        # A state that overflows makes the step control warn before it gives up;
        # the failure is reported by simulate() with the step and the particle.
        with np.errstate(all="ignore"):
            y0 = system.initial_state()
            if not np.isfinite(system.rhs(0.0, y0)).all():
                message = "the derivative of the initial state is not finite"
            else:
                solver = getattr(scipy.integrate, self.scipy_method)(system.rhs, 0.0, y0, t_end, rtol=rtol, atol=atol)
            while solver is not None and not message and solver.status == "running":
                failure = solver.step()
                if solver.status == "failed" or not np.isfinite(solver.y).all():
                    message = failure or "the state became non-finite"
                    break
                reached = int(np.searchsorted(grid, solver.t, side="right"))
                if reached > computed:
                    samples = solver.dense_output()(grid[computed:reached])
                    states = samples.reshape(2, n, 3, -1).transpose(0, 3, 2, 1)
                    r_samples[computed:reached], v_samples[computed:reached] = states
                    monitor.update(reached - computed)
                    computed = reached
                if monitor.stop_requested and computed <= n_steps:
                    break
        r_out, v_out = empty_output(n_steps, stride, n)
        escape = np.full(n, -1, dtype=np.int64)
        last = computed - 1
        stopped_at = int(
            system.model.observe_samples(
                r_samples[:computed], v_samples[:computed], system.constants, last, stride, r_out, v_out, escape
            )
        )
        if stopped_at >= 0:
            return finish(
                system,
                r_out,
                v_out,
                n_steps,
                stride,
                escape,
                r_samples[stopped_at],
                stopped_at,
                "the state became non-finite",
                last_checked_before(stopped_at, 0, stride),
            )
        if last < n_steps and not message:
            return interrupted(system, r_out, v_out, n_steps, stride, escape, r_samples[last], v_samples[last], last)
        if last < n_steps:  # the solver gave up: the last state it computed is the last row
            trajectory = finish(system, r_out, v_out, last, stride, escape, r_samples[last], -1)
            return trajectory._replace(stopped_at=computed, message=message)
        return finish(system, r_out, v_out, n_steps, stride, escape, r_samples[-1], -1)
