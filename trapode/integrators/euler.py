"""Forward Euler, ``y_{n+1} = y_n + h F(t_n, y_n)``: first order, for the report's comparison."""

from __future__ import annotations

import numpy as np

from ..compile.templates import kernel
from ..forces.total import accelerations
from ..observers import observe

__all__ = ["euler_advance"]


@kernel(stepper=True)
def euler_advance(
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
    """Advance ``pos`` and ``vel`` in place from step ``first`` to step ``last`` by forward Euler.

    The stepper signature shared by every fixed-step method: ``h`` is the
    step (µs), ``t = step h``; states are observed after every step
    (:func:`trapode.observers.observe`, which marks escapes and keeps every
    ``stride``-th state in ``r_out``/``v_out``). ``flow`` (species, L) and
    ``species`` (N,) are the per-species data of
    :meth:`~trapode.integrators.FixedStepIntegrator.flow` and each particle's
    row in it (used by the splitting methods only). Returns the first step
    whose state was found non-finite (the run stops there), or -1.
    """
    if first == 0 and not observe(0, last, n_steps, stride, pos, vel, c, r_out, v_out, escape_step):
        return 0
    acc = np.empty_like(pos)
    for step in range(first, last):
        accelerations(step * h, pos, vel, charge, q_over_m, c, coulomb, k_e, acc)
        for k in range(3):
            for i in range(pos.shape[1]):
                pos[k, i] += h * vel[k, i]
                vel[k, i] += h * acc[k, i]
        if not observe(step + 1, last, n_steps, stride, pos, vel, c, r_out, v_out, escape_step):
            return step + 1
    return -1
