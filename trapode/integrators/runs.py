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

__all__ = ["advance", "final_states", "observe_samples", "run_verdicts", "trapped_flags"]


def advance(
    first,
    last,
    h,
    n_steps,
    stride,
    pos,
    vel,
    charge,
    q_over_m,
    c,
    coulomb,
    k_e,
    r_out,
    v_out,
    escape_step,
    flow,
    species,
):
    """Placeholder for a fixed-step stepper (see :func:`trapode.integrators.euler.euler_advance`)."""
    raise NotImplementedError("advance stands for a stepper in templates instantiated per method.")


@kernel(per_stepper="final", parallel=True, serial_twin=True)
def final_states(first, last, h, charge, q_over_m, constant_rows, coulomb, k_e, pos, vel, flow_rows, species):
    """Advance the same particles once per row of ``constant_rows`` (P, n_constants), from step ``first`` to ``last``.

    ``flow_rows`` (P, species, L) holds each run's stepper data
    (:meth:`~trapode.integrators.FixedStepIntegrator.flow`), ``species`` (N,)
    each particle's row in it. What a stepper writes into its data (the
    adaptive method's step size) is written back, so that the next chunk goes
    on from it and a run's steps do not depend on where the chunks end.

    ``pos`` and ``vel`` (P, 3, N) hold each run's own state and are advanced
    in place, so that a long batch of runs goes in chunks (and stops between
    them on Ctrl-C). The stepper runs with the final-state-only observer
    (:data:`trapode.observers.FINAL_STATE_ONLY`): nothing is checked during a
    run; non-finite values propagate, so the final state shows a run that
    blew up (:func:`run_verdicts`). The Coulomb sum of each run is on one
    thread (``coulomb`` is off or serial): the runs are already spread over
    the threads.
    """
    n = pos.shape[2]
    for run in prange(constant_rows.shape[0]):
        c = as_constants(constant_rows[run])
        run_pos = pos[run].copy()
        run_vel = vel[run].copy()
        run_flow = flow_rows[run].copy()
        # Every array the stepper gets is the run's own: numba updates the reference counts of the arrays
        # it passes down, atomically, and threads that share one array's count run at two thirds of the speed.
        advance(
            first,
            last,
            h,
            last,
            last,
            run_pos,
            run_vel,
            charge.copy(),
            q_over_m.copy(),
            c,
            coulomb,
            k_e,
            np.empty((0, 3, n)),
            np.empty((0, 3, n)),
            np.empty(0, dtype=np.int64),
            run_flow,
            species.copy(),
        )
        pos[run] = run_pos
        vel[run] = run_vel
        flow_rows[run] = run_flow


@kernel
def run_verdicts(pos, vel, constant_rows, finite, trapped):
    """For each run's final state (P, 3, N): is it finite (``finite``, P), who is inside (``trapped``, P × N)."""
    for run in range(constant_rows.shape[0]):
        c = as_constants(constant_rows[run])
        nonfinite = False
        for i in range(pos.shape[2]):
            trapped[run, i] = inside(pos[run, 0, i], pos[run, 1, i], pos[run, 2, i], c)
            nonfinite |= is_nonfinite(
                pos[run, 0, i], pos[run, 1, i], pos[run, 2, i], vel[run, 0, i], vel[run, 1, i], vel[run, 2, i]
            )
        finite[run] = not nonfinite


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
