"""The classical fourth-order Runge–Kutta method, each stage at its own time.

Two forms, picked at run time by whether the particles interact:

- independent particles: each particle's whole step is done in registers
  (its derivative depends on its own six numbers only), vectorised across
  particles: about a tenth of the memory traffic of the stage-by-stage form;
- interacting particles: stage by stage for all particles together, each
  stage's accelerations from :func:`trapode.forces.total.accelerations`.

The stages are written out in full: helpers for them, even inlined, cost a
third more per step. Each loop touches few arrays, so that LLVM can prove
they do not overlap and vectorise it.
"""

from __future__ import annotations

import numpy as np

from ..compile.templates import kernel
from ..forces.protocol import acceleration, time_terms
from ..forces.total import COULOMB_OFF, accelerations
from ..observers import mark_escapes, observe, store

__all__ = ["rk4_advance", "rk4_independent_step"]


@kernel(inline=True)
def rk4_independent_step(step, h, pos, vel, q_over_m, c, escape_step):
    """RK4 step ``step`` → ``step + 1`` for particles that do not interact, each done whole in registers.

    Escapes are marked after the particle loop (:func:`trapode.observers.mark_escapes`), which keeps it vectorised.
    """
    t = step * h
    half = 0.5 * h
    sixth = h / 6.0
    s_start = time_terms(t, c)
    s_middle = time_terms(t + half, c)
    s_end = time_terms(t + h, c)
    for i in range(pos.shape[1]):
        qm = q_over_m[i]
        x, y, z = pos[0, i], pos[1, i], pos[2, i]
        u, v, w = vel[0, i], vel[1, i], vel[2, i]
        a1x, a1y, a1z = acceleration(x, y, z, u, v, w, qm, c, s_start)
        u2, v2, w2 = u + half * a1x, v + half * a1y, w + half * a1z
        a2x, a2y, a2z = acceleration(x + half * u, y + half * v, z + half * w, u2, v2, w2, qm, c, s_middle)
        u3, v3, w3 = u + half * a2x, v + half * a2y, w + half * a2z
        a3x, a3y, a3z = acceleration(x + half * u2, y + half * v2, z + half * w2, u3, v3, w3, qm, c, s_middle)
        u4, v4, w4 = u + h * a3x, v + h * a3y, w + h * a3z
        a4x, a4y, a4z = acceleration(x + h * u3, y + h * v3, z + h * w3, u4, v4, w4, qm, c, s_end)
        x, y, z = (
            x + sixth * (u + 2.0 * u2 + 2.0 * u3 + u4),
            y + sixth * (v + 2.0 * v2 + 2.0 * v3 + v4),
            z + sixth * (w + 2.0 * w2 + 2.0 * w3 + w4),
        )
        u, v, w = (
            u + sixth * (a1x + 2.0 * a2x + 2.0 * a3x + a4x),
            v + sixth * (a1y + 2.0 * a2y + 2.0 * a3y + a4y),
            w + sixth * (a1z + 2.0 * a2z + 2.0 * a3z + a4z),
        )
        pos[0, i], pos[1, i], pos[2, i] = x, y, z
        vel[0, i], vel[1, i], vel[2, i] = u, v, w
    mark_escapes(step + 1, pos, c, escape_step)


@kernel(stepper=True, uses={"COULOMB_OFF": COULOMB_OFF})
def rk4_advance(
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
    """Advance ``pos`` and ``vel`` in place from step ``first`` to step ``last`` by classical RK4.

    Signature and return value as :func:`trapode.integrators.euler.euler_advance`.
    """
    if first == 0 and not observe(0, last, n_steps, stride, pos, vel, c, r_out, v_out, escape_step):
        return 0
    if coulomb == COULOMB_OFF:
        for step in range(first, last):
            rk4_independent_step(step, h, pos, vel, q_over_m, c, escape_step)
            if store(step + 1, last, n_steps, stride, pos, vel, r_out, v_out):
                return step + 1
        return -1
    half = 0.5 * h
    sixth = h / 6.0
    n = pos.shape[1]
    stage_pos = np.empty_like(pos)
    stage_vel = np.empty_like(pos)
    acc = np.empty_like(pos)
    sum_vel = np.empty_like(pos)  # k1 + 2 k2 + 2 k3 + k4 of the position equation
    sum_acc = np.empty_like(pos)  # the same for the velocity equation
    for step in range(first, last):
        # Time is step * h, never summed, so that it carries no round-off.
        t = step * h
        accelerations(t, pos, vel, charge, q_over_m, c, coulomb, k_e, acc)
        # Stage 1 at t, leading to stage 2 at t + h/2.
        for k in range(3):
            for i in range(n):
                sum_vel[k, i] = vel[k, i]
                sum_acc[k, i] = acc[k, i]
                stage_pos[k, i] = pos[k, i] + half * vel[k, i]
                stage_vel[k, i] = vel[k, i] + half * acc[k, i]
        # Stages 2 and 3 at t + h/2, leading to stage 3 (at t + h/2) and stage 4 (at t + h).
        for reach in (half, h):
            accelerations(t + half, stage_pos, stage_vel, charge, q_over_m, c, coulomb, k_e, acc)
            for k in range(3):
                for i in range(n):
                    sum_vel[k, i] += 2.0 * stage_vel[k, i]
                    sum_acc[k, i] += 2.0 * acc[k, i]
                    stage_pos[k, i] = pos[k, i] + reach * stage_vel[k, i]
                    stage_vel[k, i] = vel[k, i] + reach * acc[k, i]
        # Stage 4 at t + h, and the weighted sum of all four.
        accelerations(t + h, stage_pos, stage_vel, charge, q_over_m, c, coulomb, k_e, acc)
        for k in range(3):
            for i in range(n):
                pos[k, i] += sixth * (sum_vel[k, i] + stage_vel[k, i])
                vel[k, i] += sixth * (sum_acc[k, i] + acc[k, i])
        if not observe(step + 1, last, n_steps, stride, pos, vel, c, r_out, v_out, escape_step):
            return step + 1
    return -1
