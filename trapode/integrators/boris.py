"""The Boris pusher and its phase-exact variant: one evaluation of E and B per step, volume-preserving.

Each step is drift–kick–drift (the synchronised form of the leapfrog, with
positions and velocities at the same times, which a run keeps):

1. half a drift, ``r ← r + (h/2) v``;
2. E and B at that point and at ``t + h/2``; the Boris velocity update:
   half an electric kick, a rotation about B, half an electric kick;
3. half a drift with the new velocity.

It is second order and time-symmetric; its maps conjugate to the staggered
leapfrog's, so they share its discrete frequencies (:doc:`methods`,
:func:`trapode.method_errors`). The rotation is the Cayley form
``t = (q/m) B h/2``, which turns the velocity by ``θ = 2 arctan(ωc h/2)``
instead of ``ωc h``; ``"boris-exact"`` scales ``t`` by ``tan(ωc h/2)/(ωc h/2)``
so that ``θ = ωc h`` for the local ``|B|`` (Zenitani & Umeda 2018).

A buffer gas's drag ``−γ v`` acts as the factor ``exp(−γ h/2)`` on each
side of the rotation: exact for the drag alone, symmetric, so the method
stays second order. The Coulomb interaction adds to the electric kick, at
the mid-step positions.
"""

from __future__ import annotations

import math

import numpy as np

from ..compile.templates import kernel
from ..forces.protocol import damping_rate, fields, time_terms
from ..forces.total import COULOMB_OFF, coulomb_part
from ..observers import mark_escapes, observe, store

__all__ = ["boris_advance", "boris_exact_advance", "boris_given_step", "boris_step", "boris_steps", "boris_velocity"]


@kernel(inline=True)
def boris_velocity(u, v, w, a_x, a_y, a_z, b_x, b_y, b_z, h, decay, exact):
    """The velocity after one Boris update of length ``h`` (µs).

    ``a`` is the velocity-independent acceleration (µm/µs²), ``b = (q/m) B``
    (rad/µs), ``decay`` the drag's factor over half the step. ``exact``
    rotates by ``|b| h`` (phase-exact) instead of ``2 arctan(|b| h/2)``.
    """
    half = 0.5 * h
    u, v, w = (u + half * a_x) * decay, (v + half * a_y) * decay, (w + half * a_z) * decay
    t_x, t_y, t_z = half * b_x, half * b_y, half * b_z
    if exact:
        angle = math.sqrt(t_x * t_x + t_y * t_y + t_z * t_z)
        # tan(x)/x = 1 + x²/3 + ...: below 1e-8 the ratio is 1 to the last bit.
        scale = math.tan(angle) / angle if angle > 1e-8 else 1.0
        t_x, t_y, t_z = scale * t_x, scale * t_y, scale * t_z
    factor = 2.0 / (1.0 + t_x * t_x + t_y * t_y + t_z * t_z)
    s_x, s_y, s_z = factor * t_x, factor * t_y, factor * t_z
    p_u = u + (v * t_z - w * t_y)
    p_v = v + (w * t_x - u * t_z)
    p_w = w + (u * t_y - v * t_x)
    u += p_v * s_z - p_w * s_y
    v += p_w * s_x - p_u * s_z
    w += p_u * s_y - p_v * s_x
    return u * decay + half * a_x, v * decay + half * a_y, w * decay + half * a_z


@kernel(inline=True)
def boris_step(step, h, decay, pos, vel, q_over_m, c, acc, escape_step, exact):
    """One drift–kick–drift Boris step of every particle, from step ``step`` to ``step + 1``.

    ``acc`` (3, N) is the Coulomb acceleration at the mid-step positions
    ``r + (h/2) v`` (zeros without interaction), ``decay`` the drag's factor
    over half a step. Marks escapes at ``step + 1``.
    """
    half = 0.5 * h
    s = time_terms((step + 0.5) * h, c)
    for i in range(pos.shape[1]):
        qm = q_over_m[i]
        u, v, w = vel[0, i], vel[1, i], vel[2, i]
        x, y, z = pos[0, i] + half * u, pos[1, i] + half * v, pos[2, i] + half * w
        e_x, e_y, e_z, b_x, b_y, b_z = fields(x, y, z, c, s)
        u, v, w = boris_velocity(
            u,
            v,
            w,
            qm * e_x + acc[0, i],
            qm * e_y + acc[1, i],
            qm * e_z + acc[2, i],
            qm * b_x,
            qm * b_y,
            qm * b_z,
            h,
            decay,
            exact,
        )
        x, y, z = x + half * u, y + half * v, z + half * w
        pos[0, i], pos[1, i], pos[2, i] = x, y, z
        vel[0, i], vel[1, i], vel[2, i] = u, v, w
    mark_escapes(step + 1, pos, c, escape_step)


@kernel
def boris_given_step(step, h, pos, vel, q_over_m, c, acc, escape_step, exact):
    """:func:`boris_step` with the Coulomb acceleration ``acc`` computed by the caller (the FMM's time loop)."""
    boris_step(step, h, math.exp(-damping_rate(c) * 0.5 * h), pos, vel, q_over_m, c, acc, escape_step, exact)


@kernel(inline=True)
def boris_steps(
    first, last, h, n_steps, stride, pos, vel, charge, q_over_m, c, coulomb, k_e, r_out, v_out, escape_step, exact
):
    """Drift–kick–drift Boris steps ``first`` → ``last``; ``exact`` picks the phase-exact rotation.

    Signature and return value otherwise as :func:`trapode.integrators.euler.euler_advance`.
    """
    if first == 0 and not observe(0, last, n_steps, stride, pos, vel, c, r_out, v_out, escape_step):
        return 0
    half = 0.5 * h
    decay = math.exp(-damping_rate(c) * half)
    n = pos.shape[1]
    middle = np.empty_like(pos)
    acc = np.zeros_like(pos)
    for step in range(first, last):
        if coulomb != COULOMB_OFF:
            for k in range(3):
                for i in range(n):
                    middle[k, i] = pos[k, i] + half * vel[k, i]
            coulomb_part(middle, charge, q_over_m, coulomb, k_e, acc)
        boris_step(step, h, decay, pos, vel, q_over_m, c, acc, escape_step, exact)
        if store(step + 1, last, n_steps, stride, pos, vel, r_out, v_out):
            return step + 1
    return -1


@kernel(stepper=True)
def boris_advance(
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
    """The Boris pusher (:func:`boris_steps`, Cayley rotation), with the signature of every stepper."""
    return boris_steps(
        first, last, h, n_steps, stride, pos, vel, charge, q_over_m, c, coulomb, k_e, r_out, v_out, escape_step, False
    )


@kernel(stepper=True)
def boris_exact_advance(
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
    """The phase-exact Boris pusher (:func:`boris_steps`, rotation by ``ωc h``)."""
    return boris_steps(
        first, last, h, n_steps, stride, pos, vel, charge, q_over_m, c, coulomb, k_e, r_out, v_out, escape_step, True
    )
