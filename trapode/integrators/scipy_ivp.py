"""SciPy's adaptive solvers (DOP853) as reference methods, on the compiled right-hand side."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..compile.templates import kernel
from ..forces.total import accelerations
from .base import Trajectory, empty_output, finish, last_checked_before

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
    """An adaptive reference method from :func:`scipy.integrate.solve_ivp`.

    The compiled right-hand side is integrated with ``scipy_method`` at
    tolerances ``rtol``/``atol``, sampled through its dense output at every
    step of the fixed-step grid, and observed there as a fixed-step run is
    (escapes at every step, states every ``stride`` steps).
    """

    name: str
    order: int
    scipy_method: str

    def integrate(
        self, system, t_end: float, n_steps: int, stride: int, rtol: float = 1e-12, atol: float = 1e-12
    ) -> Trajectory:
        """Integrate ``system`` adaptively and observe it on the grid ``t_i = i t_end / n_steps``."""
        # Imported here: scipy.integrate doubles the start-up time of every process.
        from scipy.integrate import solve_ivp

        grid = np.minimum(np.arange(n_steps + 1) * (t_end / n_steps), t_end)
        # A state that overflows makes SciPy's step control warn before it gives up;
        # the failure is reported by simulate() with the step and the particle.
        with np.errstate(all="ignore"):
            solution = solve_ivp(
                system.rhs,
                (0.0, t_end),
                system.initial_state(),
                method=self.scipy_method,
                t_eval=grid,
                rtol=rtol,
                atol=atol,
            )
        n_particles, computed = system.n_particles, len(solution.t)
        samples = np.reshape(solution.y, (2, n_particles, 3, computed)).transpose(0, 3, 2, 1)
        r_samples, v_samples = np.ascontiguousarray(samples[0]), np.ascontiguousarray(samples[1])
        if computed == 0:  # the solver gave up before its first step: the initial state is all there is
            r_samples, v_samples, computed = system.positions[np.newaxis], system.velocities[np.newaxis], 1
        r_out, v_out = empty_output(n_steps, stride, n_particles)
        escape = np.full(n_particles, -1, dtype=np.int64)
        # A solver that gave up keeps its last computed state as the last row.
        last = n_steps if computed == n_steps + 1 else computed - 1
        stopped_at = int(
            system.model.observe_samples(r_samples, v_samples, system.constants, last, stride, r_out, v_out, escape)
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
        if last < n_steps:
            trajectory = finish(system, r_out, v_out, last, stride, escape, r_samples[last], -1)
            return trajectory._replace(stopped_at=computed, message=solution.message)
        return finish(system, r_out, v_out, n_steps, stride, escape, r_samples[-1], -1)
