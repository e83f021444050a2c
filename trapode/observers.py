"""What a run keeps: states on a schedule, who left the trap at every step, and whether the run stayed finite.

A fixed-step run stores its state every ``stride`` steps and at its last step
(:attr:`trapode.SimulationConfig.save_stride`). Whether each particle is still
in the trap is checked at every step whatever is stored, so ``trapped`` and
the escape times are exact. States are checked for NaN and infinity when they
are kept and at the end of every chunk of steps (where the check costs
nothing, the state being copied anyway); a non-finite value propagates, and a
particle whose position is NaN counts as outside at once, so nothing is lost.
The first non-finite state found stops the run and is stored as the last row.

The rules are written here once: :func:`mark_escape` and :func:`store`
(composed by :func:`observe`) run inside the compiled steppers, and the
Python side reads their output through :func:`saved_steps` and
:func:`rows_written`, built on the same :func:`row_of_step`.
:data:`FINAL_STATE_ONLY` is the observer of runs that keep nothing.
"""

from __future__ import annotations

import numpy as np

from .compile.templates import kernel, variant
from .forces.protocol import inside

__all__ = [
    "FINAL_STATE_ONLY",
    "is_nonfinite",
    "mark_escape",
    "mark_escapes",
    "observe",
    "row_of_step",
    "rows_written",
    "saved_steps",
    "store",
]


@kernel(inline=True)
def row_of_step(step, stride):
    """The row that stores the state after ``step`` steps: ``⌈step / stride⌉``.

    A multiple of ``stride`` has its own row; the last step, and a first
    non-finite state, go to the row after the last regular one.
    """
    return (step + stride - 1) // stride


def saved_steps(n_steps: int, stride: int) -> np.ndarray:
    """The steps whose states a complete run stores: 0, stride, 2 stride, …, and n_steps."""
    steps = np.arange(0, n_steps + 1, stride)
    if steps[-1] != n_steps:
        steps = np.append(steps, n_steps)
    return steps


def rows_written(last_step: int, stride: int) -> int:
    """Rows written by a run whose last stored state is that of ``last_step``."""
    return row_of_step(last_step, stride) + 1


@kernel(inline=True)
def is_nonfinite(x, y, z, v_x, v_y, v_z):
    """Whether any of a particle's six numbers is NaN or infinite, without a branch."""
    # x - x is 0 for finite x and NaN otherwise; an or-reduction vectorises, a float sum would not.
    return (
        (x - x != 0.0) | (y - y != 0.0) | (z - z != 0.0) | (v_x - v_x != 0.0) | (v_y - v_y != 0.0) | (v_z - v_z != 0.0)
    )


@kernel(inline=True)
def mark_escape(step, i, x, y, z, c, escape_step):
    """Record ``step`` as particle ``i``'s escape if it is outside the trap for the first time.

    Always stored, and ``&`` rather than ``and``, so that a loop of it has no
    branch. Called by :func:`mark_escapes` after a step's loop, not inside it:
    its integer store in a stepper's particle loop keeps that loop from
    vectorising (RK4 on independent ions ran at half speed).
    """
    left = (escape_step[i] < 0) & (not inside(x, y, z, c))
    escape_step[i] = step if left else escape_step[i]


@kernel(inline=True)
def mark_escapes(step, pos, c, escape_step):
    """:func:`mark_escape` for every particle at its position in ``pos`` (3, N), after ``step`` steps."""
    for i in range(pos.shape[1]):
        mark_escape(step, i, pos[0, i], pos[1, i], pos[2, i], c, escape_step)


@kernel(inline=True)
def store(step, last, n_steps, stride, pos, vel, r_out, v_out):
    """Keep the state after ``step`` if it is due, and check it; returns True if it is non-finite.

    A state is kept in row :func:`row_of_step` of ``r_out``/``v_out`` (shape
    (rows, 3, N); no rows: nothing is kept) when ``step`` is on the schedule
    or is the last step. Kept states, and the state at the end of the chunk
    (``step == last``), are checked for non-finite values; a non-finite state
    is kept too.
    """
    keep = r_out.shape[0] > 0 and (step % stride == 0 or step == n_steps)
    if not (keep or step == last):
        return False
    n = pos.shape[1]
    row = row_of_step(step, stride)
    nonfinite = False
    if keep:
        for k in range(3):
            for i in range(n):
                r_out[row, k, i] = pos[k, i]
                v_out[row, k, i] = vel[k, i]
                nonfinite |= (pos[k, i] - pos[k, i] != 0.0) | (vel[k, i] - vel[k, i] != 0.0)
        return nonfinite
    for k in range(3):
        for i in range(n):
            nonfinite |= (pos[k, i] - pos[k, i] != 0.0) | (vel[k, i] - vel[k, i] != 0.0)
    if nonfinite and r_out.shape[0] > 0:
        for k in range(3):
            for i in range(n):
                r_out[row, k, i] = pos[k, i]
                v_out[row, k, i] = vel[k, i]
    return nonfinite


@kernel(inline=True)
def observe(step, last, n_steps, stride, pos, vel, c, r_out, v_out, escape_step):
    """:func:`mark_escapes`, then :func:`store`; returns False if the state is non-finite."""
    mark_escapes(step, pos, c, escape_step)
    return not store(step, last, n_steps, stride, pos, vel, r_out, v_out)


@kernel(inline=True)
def mark_nothing(step, i, x, y, z, c, escape_step):
    """The final-state-only observer's :func:`mark_escape`."""
    return


@kernel(inline=True)
def store_nothing(step, last, n_steps, stride, pos, vel, r_out, v_out):
    """The final-state-only observer's :func:`store`: nothing is kept or checked during the run."""
    return False


@kernel(inline=True)
def observe_nothing(step, last, n_steps, stride, pos, vel, c, r_out, v_out, escape_step):
    """The final-state-only observer's :func:`observe`."""
    return True


#: The observer of runs that keep only their final state (sweeps and scans, which ask only who is
#: trapped at the end): nothing is marked, kept or checked during the run, which makes RK4 on
#: independent ions a fifth faster. Non-finite values propagate, so the final state shows them. Every
#: stepper is also compiled with it, as ``<stepper>__final``.
FINAL_STATE_ONLY = {"mark_escape": "mark_nothing", "store": "store_nothing", "observe": "observe_nothing"}
variant("final", FINAL_STATE_ONLY)
