"""Exact-flow splitting: the trap's linear motion applied exactly, everything else as kicks.

Near its centre every trap is linear, ``ẏ = A y + b`` (:mod:`trapode.linear`:
the static quadrupole, its tilt and ellipticity, the uniform B0). Its flow
over a time τ, ``y → exp(A τ) y + φ``, is computed once per species and step
by :func:`scipy.linalg.expm` and applied as a 6 × 6 matrix, so the cyclotron
motion needs no resolving: on a linear trap the method is exact for any step
(as Wisdom–Holman maps are for Kepler orbits). The rest of the force — the
anharmonic terms, the bottle, excitations, the report's drive, the Coulomb
interaction and the drag — acts as kicks between the flows.

The kick
    With the positions frozen, the rest of the force is
    ``v̇ = a + v × b − γ v``, with ``a = (q/m) δE + Coulomb`` and ``b = (q/m) δB``
    (δE, δB: the fields of :func:`~trapode.forces.protocol.fields` minus their
    linear part). It is applied as a Boris update (half of ``a``, a Cayley
    rotation about ``b`` with the drag's factor ``exp(−γ τ/2)`` on each side,
    half of ``a``): time-symmetric and second order in τ, exact when ``b`` and
    γ vanish. Velocity-dependent perturbations (the bottle, the drag) are
    thereby treated to the method's order, not as velocity-independent kicks.

Strang (``"splitting"``)
    ``K(h/2) L(h) K(h/2)``: symmetric, second order, two field evaluations per step.
Fourth order (``"splitting4"``)
    Yoshida's triple jump ``S(w₁h) S(w₀h) S(w₁h)`` of the Strang step, with
    ``w₁ = 1/(2 − 2^{1/3})``, ``w₀ = 1 − 2w₁`` (a step back in time in the middle):
    fourth order because the Strang step is symmetric.

A particle outside the trap (``|r| ≥ d``, where there are no fields) drifts in
a straight line instead of following the flow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..compile.templates import kernel
from ..forces.protocol import damping_rate, fields, inside, time_terms
from ..forces.total import COULOMB_OFF, coulomb_part
from ..linear import exact_flow, matrix_of
from ..observers import mark_escapes, observe, store
from .base import FixedStepIntegrator
from .boris import boris_velocity

__all__ = [
    "STRANG",
    "YOSHIDA",
    "SplittingIntegrator",
    "linear_flow",
    "residual_kick",
    "splitting_advance",
    "splitting_given_substep",
    "splitting_substep",
]

#: Sub-step weights of the compositions: Strang's one step, and Yoshida's fourth-order triple jump.
STRANG = (1.0,)
_W1 = 1.0 / (2.0 - 2.0 ** (1.0 / 3.0))
YOSHIDA = (_W1, 1.0 - 2.0 * _W1, _W1)

# Layout of a species' row of the flow data: [m, w_0 .. w_{m-1}, then per sub-step Φ (6 × 6, by rows) and
# φ (6), then the linear field per unit charge E0 (3), K (3 × 3, by rows), B0 (3)].
_BLOCK = 42


@kernel(inline=True)
def residual_kick(x, y, z, u, v, w, qm, a_x, a_y, a_z, tau, decay, c, s, flow, r, o):
    """The velocity after a kick of ``tau`` µs from the fields at (x, y, z) beyond their linear part.

    ``a`` is the Coulomb acceleration; the linear field per unit charge is
    ``flow[r, o:o + 15]``: E0 (3), K (3 × 3, by rows), B0 (3).
    """
    if inside(x, y, z, c):
        e_x, e_y, e_z, b_x, b_y, b_z = fields(x, y, z, c, s)
        a_x += qm * (e_x - (flow[r, o] + flow[r, o + 3] * x + flow[r, o + 4] * y + flow[r, o + 5] * z))
        a_y += qm * (e_y - (flow[r, o + 1] + flow[r, o + 6] * x + flow[r, o + 7] * y + flow[r, o + 8] * z))
        a_z += qm * (e_z - (flow[r, o + 2] + flow[r, o + 9] * x + flow[r, o + 10] * y + flow[r, o + 11] * z))
        b_x, b_y, b_z = qm * (b_x - flow[r, o + 12]), qm * (b_y - flow[r, o + 13]), qm * (b_z - flow[r, o + 14])
    else:
        b_x, b_y, b_z = 0.0, 0.0, 0.0
    return boris_velocity(u, v, w, a_x, a_y, a_z, b_x, b_y, b_z, tau, decay, False)


@kernel(inline=True)
def linear_flow(x, y, z, u, v, w, flow, r, o):
    """``Φ y + φ`` for the state (x, y, z, u, v, w): Φ (6 × 6, by rows) at ``flow[r, o:o + 36]``, φ after it."""
    return (
        flow[r, o] * x
        + flow[r, o + 1] * y
        + flow[r, o + 2] * z
        + flow[r, o + 3] * u
        + flow[r, o + 4] * v
        + flow[r, o + 5] * w
        + flow[r, o + 36],
        flow[r, o + 6] * x
        + flow[r, o + 7] * y
        + flow[r, o + 8] * z
        + flow[r, o + 9] * u
        + flow[r, o + 10] * v
        + flow[r, o + 11] * w
        + flow[r, o + 37],
        flow[r, o + 12] * x
        + flow[r, o + 13] * y
        + flow[r, o + 14] * z
        + flow[r, o + 15] * u
        + flow[r, o + 16] * v
        + flow[r, o + 17] * w
        + flow[r, o + 38],
        flow[r, o + 18] * x
        + flow[r, o + 19] * y
        + flow[r, o + 20] * z
        + flow[r, o + 21] * u
        + flow[r, o + 22] * v
        + flow[r, o + 23] * w
        + flow[r, o + 39],
        flow[r, o + 24] * x
        + flow[r, o + 25] * y
        + flow[r, o + 26] * z
        + flow[r, o + 27] * u
        + flow[r, o + 28] * v
        + flow[r, o + 29] * w
        + flow[r, o + 40],
        flow[r, o + 30] * x
        + flow[r, o + 31] * y
        + flow[r, o + 32] * z
        + flow[r, o + 33] * u
        + flow[r, o + 34] * v
        + flow[r, o + 35] * w
        + flow[r, o + 41],
    )


@kernel(inline=True, uses={"_BLOCK": _BLOCK})
def splitting_substep(j, step, elapsed, h, pos, vel, q_over_m, c, acc, flow, species, escape_step):
    """Kick ``j`` of a step (with the Coulomb acceleration ``acc`` at the current positions), then flow ``j``.

    The kick spans half of the sub-step before it and half of the one after;
    the last kick (``j == m``) has no flow after it and marks escapes at
    ``step + 1``. ``elapsed`` is the sum of the weights of the sub-steps before.
    """
    n = pos.shape[1]
    m = int(flow[0, 0])
    linear = 1 + m + _BLOCK * m
    tau = 0.5 * h * ((flow[0, j] if j > 0 else 0.0) + (flow[0, 1 + j] if j < m else 0.0))
    decay = math.exp(-0.5 * damping_rate(c) * tau)
    s = time_terms((step + elapsed) * h, c)
    for i in range(n):
        r = species[i]
        x, y, z = pos[0, i], pos[1, i], pos[2, i]
        u, v, w = residual_kick(
            x, y, z, vel[0, i], vel[1, i], vel[2, i], q_over_m[i],
            acc[0, i], acc[1, i], acc[2, i], tau, decay, c, s, flow, r, linear,
        )  # fmt: skip
        if j < m:
            if inside(x, y, z, c):
                x, y, z, u, v, w = linear_flow(x, y, z, u, v, w, flow, r, 1 + m + _BLOCK * j)
            else:  # no fields outside the trap: a straight line
                span = flow[r, 1 + j] * h
                x, y, z = x + span * u, y + span * v, z + span * w
        pos[0, i], pos[1, i], pos[2, i] = x, y, z
        vel[0, i], vel[1, i], vel[2, i] = u, v, w
    if j == m:
        mark_escapes(step + 1, pos, c, escape_step)


@kernel
def splitting_given_substep(j, step, elapsed, h, pos, vel, q_over_m, c, acc, flow, species, escape_step):
    """:func:`splitting_substep` with ``acc`` computed by the caller (the FMM's time loop)."""
    splitting_substep(j, step, elapsed, h, pos, vel, q_over_m, c, acc, flow, species, escape_step)


@kernel(stepper=True)
def splitting_advance(
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
    """Exact-flow splitting steps ``first`` → ``last`` (Strang or a composition, as ``flow`` says).

    ``flow`` (species, L) holds each species' sub-step weights, exact flows
    and the linear field (:meth:`SplittingIntegrator.flow`); ``species`` (N,)
    each particle's row. Otherwise as :func:`~trapode.integrators.euler.euler_advance`.

    The Coulomb interaction is evaluated once per kick but the first: a
    step's first kick sees the positions of the last kick of the step
    before (kicks move no particle), so it reuses that sum.
    """
    if first == 0 and not observe(0, last, n_steps, stride, pos, vel, c, r_out, v_out, escape_step):
        return 0
    m = int(flow[0, 0])
    acc = np.zeros_like(pos)
    for step in range(first, last):
        elapsed = 0.0  # the sub-steps' weights so far: the time is (step + elapsed) h, never summed
        for j in range(m + 1):
            if coulomb != COULOMB_OFF and (j > 0 or step == first):
                coulomb_part(pos, charge, q_over_m, coulomb, k_e, acc)
            splitting_substep(j, step, elapsed, h, pos, vel, q_over_m, c, acc, flow, species, escape_step)
            if j < m:
                elapsed += flow[0, 1 + j]
        if store(step + 1, last, n_steps, stride, pos, vel, r_out, v_out):
            return step + 1
    return -1


@dataclass(frozen=True)
class SplittingIntegrator(FixedStepIntegrator):
    """Exact-flow splitting with the sub-step ``weights`` of a symmetric composition of Strang steps.

    :data:`STRANG` gives ``"splitting"`` (order 2), :data:`YOSHIDA` ``"splitting4"`` (order 4).
    """

    weights: tuple = STRANG

    def flow(
        self,
        model,
        values: dict[str, float],
        species_q_over_m: np.ndarray,
        h: float,
        rtol: float = 1e-12,
        atol: float = 1e-12,
    ) -> np.ndarray:
        """Per species: the weights, the exact linear flow of every sub-step, and the linear field.

        The linear part is the static trap at its centre (the model's
        ``linearization``, derived by SymPy), so each flow is computed for the
        run's own parameter values: a scan over V0 or B0 gets the right one at every point.
        """
        linearization = model.linearization([values[path] for path in model.PARAMETERS])
        field_at_centre, gradient, magnetic = (np.asarray(part, dtype=float).ravel() for part in linearization)
        linear = np.concatenate([field_at_centre, gradient, magnetic])
        m = len(self.weights)
        rows = np.empty((species_q_over_m.size, 1 + m + _BLOCK * m + linear.size))
        for index, q_over_m in enumerate(species_q_over_m):
            matrix, offset = matrix_of(linearization, float(q_over_m))
            blocks = {}
            for weight in set(self.weights):
                transition, affine = exact_flow(matrix, offset, weight * h)
                blocks[weight] = np.concatenate([transition.ravel(), affine])
            rows[index] = np.concatenate([[m], self.weights, *(blocks[w] for w in self.weights), linear])
        return rows
