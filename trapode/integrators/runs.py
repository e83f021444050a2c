"""Kernels over whole runs: many parameter sets at once, and the verdicts a finished run needs.

:func:`final_states` is written once against a placeholder stepper,
``advance``, and instantiated for every fixed-step method's stepper by the
code generator (``final_states__rk4_advance``, ...). Its runs are dealt out to
numba's threads; within a run every particle advances together and nothing is
stored but the final state, so each run's result is the same whatever the
batching or the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ..compile.templates import kernel
from ..forces.protocol import as_constants, inside
from ..observers import is_nonfinite, observe

__all__ = ["advance", "final_states", "observe_samples", "trapped_flags"]


def advance(first, last, h, n_steps, stride, pos, vel, charge, q_over_m, c, coulomb, k_e, r_out, v_out, escape_step):
    """Placeholder for a fixed-step stepper (see :func:`trapode.integrators.euler.euler_advance`)."""
    raise NotImplementedError("advance stands for a stepper in templates instantiated per method.")


@kernel(per_stepper="final", parallel=True)
def final_states(
    n_steps, h, pos0, vel0, charge, q_over_m, constant_rows, coulomb, k_e, final_pos, final_vel, finite, trapped
):
    """Run the same particles once per row of ``constant_rows`` (P, n_constants) and keep the final states.

    The stepper runs with the final-state-only observer
    (:data:`trapode.observers.FINAL_STATE_ONLY`): nothing is checked during a
    run. Writes ``final_pos``/``final_vel`` (P, 3, N), ``finite`` (P: whether
    the final state is finite; non-finite values propagate, so a run that blew
    up shows it) and ``trapped`` (P, N: inside the trap at the end). The
    Coulomb sum of each run is on one thread (``coulomb`` is off or serial):
    the runs are already spread over the threads.
    """
    n = pos0.shape[1]
    for run in prange(constant_rows.shape[0]):
        c = as_constants(constant_rows[run])
        pos = pos0.copy()
        vel = vel0.copy()
        # Every array the stepper gets is the run's own: numba updates the reference counts of the arrays
        # it passes down, atomically, and threads that share one array's count run at two thirds of the speed.
        advance(
            0,
            n_steps,
            h,
            n_steps,
            n_steps,
            pos,
            vel,
            charge.copy(),
            q_over_m.copy(),
            c,
            coulomb,
            k_e,
            np.empty((0, 3, n)),
            np.empty((0, 3, n)),
            np.empty(0, dtype=np.int64),
        )
        nonfinite = False
        for i in range(n):
            trapped[run, i] = inside(pos[0, i], pos[1, i], pos[2, i], c)
            nonfinite |= is_nonfinite(pos[0, i], pos[1, i], pos[2, i], vel[0, i], vel[1, i], vel[2, i])
        finite[run] = not nonfinite
        final_pos[run] = pos
        final_vel[run] = vel


@kernel
def trapped_flags(pos, c):
    """Whether each particle at ``pos`` (3, N) is inside the trap: the escape rule, vectorised."""
    out = np.empty(pos.shape[1], dtype=np.bool_)
    for i in range(pos.shape[1]):
        out[i] = inside(pos[0, i], pos[1, i], pos[2, i], c)
    return out


@kernel
def observe_samples(r_samples, v_samples, c, n_steps, stride, r_out, v_out, escape_step):
    """Observe states sampled at every step (shape (steps, 3, N)) as a fixed-step run would.

    For methods that do not step on the grid themselves (SciPy's): returns the
    first non-finite step, or -1.
    """
    last = r_samples.shape[0] - 1
    for step in range(r_samples.shape[0]):
        if not observe(step, last, n_steps, stride, r_samples[step], v_samples[step], c, r_out, v_out, escape_step):
            return step
    return -1
