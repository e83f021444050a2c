"""``"adaptive"``: Dormand and Prince's 8(5,3) pair with error control, compiled, for interacting ions.

Close encounters of interacting ions need steps a hundred times shorter than
the rest of a run; a fixed step either wastes work or misses them. This is
the method of :class:`scipy.integrate.DOP853` (its tableau is read from that
class, not copied), with SciPy's error norm and step-size control, written
as a compiled stepper: no Python between stages, so it takes a fraction of
SciPy's time on the same right-hand side (``benchmarks/run.py`` measures it).

It runs as a fixed-step stepper over the output grid ``t_i = i t_end/n_steps``
(its steps end exactly on every grid point, where escapes are marked and
states kept), so ``simulate``, sweeps, scans, checkpoints and Ctrl-C treat it
as any other method; inside each grid interval it takes as many steps as
``rtol``/``atol`` need (the tolerances of :class:`~trapode.SimulationConfig`).

Its data row (:meth:`AdaptiveIntegrator.flow`): ``rtol, atol``, the last step
size (kept between chunks), the number of steps taken, the number of steps
forced at the smallest step, then the tableau ``A`` (12 × 12), ``B``, ``C``,
``E3`` and ``E5``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validate import warn_outside_package
from ..compile.templates import kernel
from ..errors import AccuracyWarning
from ..forces.total import accelerations
from ..observers import observe
from .base import FixedStepIntegrator

__all__ = ["AdaptiveIntegrator", "adaptive_advance", "combine"]

_STAGES = 12
_TABLEAU = 5  # where the tableau starts in the data row
# Step-size control as SciPy's: safety factor, bounds of the change, and the exponent 1/(error order + 1).
_SAFETY, _SHRINK_MOST, _GROW_MOST, _EXPONENT = 0.9, 0.2, 10.0, -1.0 / 8.0
# The smallest step, relative to the grid interval: below it a step is taken as it is and counted.
_SMALLEST = 1e-12


@kernel(inline=True)
def combine(out_pos, out_vel, pos, vel, dt, kp, kv, flow, at, count):
    """``out = state + dt Σ_j w_j k_j`` over the first ``count`` stages, the weights ``w`` at ``flow[0, at:]``.

    One pass over the particles per stage (zero weights skipped): loops that vectorise.
    """
    n = pos.shape[1]
    for k in range(3):
        for i in range(n):
            out_pos[k, i] = pos[k, i]
            out_vel[k, i] = vel[k, i]
    for j in range(count):
        weight = dt * flow[0, at + j]
        if weight != 0.0:
            for k in range(3):
                for i in range(n):
                    out_pos[k, i] += weight * kp[j, k, i]
                    out_vel[k, i] += weight * kv[j, k, i]


@kernel(
    stepper=True,
    fastmath=("reassoc",),
    uses={"_STAGES": _STAGES, "_TABLEAU": _TABLEAU, "_SAFETY": _SAFETY, "_SMALLEST": _SMALLEST},
)
def adaptive_advance(
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
    """Adaptive DOP853 steps across the grid intervals ``first`` → ``last`` (each of length ``h``).

    ``flow`` is the method's data row (see the module); the last step size
    is written back to it. Returns the first grid step whose state is not
    finite, or -1, as :func:`~trapode.integrators.euler.euler_advance`.
    """
    if first == 0 and not observe(0, last, n_steps, stride, pos, vel, c, r_out, v_out, escape_step):
        return 0
    rtol, atol = flow[0, 0], flow[0, 1]
    b_at = _TABLEAU + _STAGES * _STAGES
    c_at = b_at + _STAGES
    e3_at = c_at + _STAGES
    e5_at = e3_at + _STAGES + 1
    n = pos.shape[1]
    kp = np.empty((_STAGES + 1, 3, n))
    kv = np.empty((_STAGES + 1, 3, n))
    stage_pos = np.empty((3, n))
    stage_vel = np.empty((3, n))
    new_pos = np.empty((3, n))
    new_vel = np.empty((3, n))
    e5_pos = np.empty((3, n))
    e5_vel = np.empty((3, n))
    e3_pos = np.empty((3, n))
    e3_vel = np.empty((3, n))
    zero = np.zeros((3, n))
    accelerations(first * h, pos, vel, charge, q_over_m, c, coulomb, k_e, kv[0])
    kp[0] = vel
    dt = flow[0, 2]
    if dt <= 0.0:  # the first step: a hundredth of the state's scale over its rate of change (Hairer's d0/d1)
        d0 = 0.0
        d1 = 0.0
        for k in range(3):
            for i in range(n):
                scale_p = atol + rtol * abs(pos[k, i])
                scale_v = atol + rtol * abs(vel[k, i])
                d0 += (pos[k, i] / scale_p) ** 2 + (vel[k, i] / scale_v) ** 2
                d1 += (kp[0, k, i] / scale_p) ** 2 + (kv[0, k, i] / scale_v) ** 2
        dt = h if d0 < 1e-10 or d1 < 1e-10 else min(h, 0.01 * math.sqrt(d0 / d1))
    for step in range(first, last):
        t = step * h
        end = (step + 1) * h
        rejected = False
        while t < end:
            clipped = dt >= end - t
            dt_try = end - t if clipped else dt
            for stage in range(1, _STAGES):
                combine(stage_pos, stage_vel, pos, vel, dt_try, kp, kv, flow, _TABLEAU + _STAGES * stage, stage)
                time = t + dt_try * flow[0, c_at + stage]
                accelerations(time, stage_pos, stage_vel, charge, q_over_m, c, coulomb, k_e, kv[stage])
                kp[stage] = stage_vel
            combine(new_pos, new_vel, pos, vel, dt_try, kp, kv, flow, b_at, _STAGES)
            t_new = end if clipped else t + dt_try
            accelerations(t_new, new_pos, new_vel, charge, q_over_m, c, coulomb, k_e, kv[_STAGES])
            kp[_STAGES] = new_vel
            # SciPy's error norm of DOP853: the fifth-order estimate, damped by the third-order one.
            combine(e5_pos, e5_vel, zero, zero, 1.0, kp, kv, flow, e5_at, _STAGES + 1)
            combine(e3_pos, e3_vel, zero, zero, 1.0, kp, kv, flow, e3_at, _STAGES + 1)
            err5 = 0.0
            err3 = 0.0
            for k in range(3):
                for i in range(n):
                    scale_p = atol + rtol * max(abs(pos[k, i]), abs(new_pos[k, i]))
                    scale_v = atol + rtol * max(abs(vel[k, i]), abs(new_vel[k, i]))
                    err5 += (e5_pos[k, i] / scale_p) ** 2 + (e5_vel[k, i] / scale_v) ** 2
                    err3 += (e3_pos[k, i] / scale_p) ** 2 + (e3_vel[k, i] / scale_v) ** 2
            if err5 == 0.0 and err3 == 0.0:
                error = 0.0
            else:
                error = dt_try * err5 / math.sqrt((err5 + 0.01 * err3) * 6 * n)
            if not (error == error):  # NaN: the state is not finite; keep it and let the observer stop the run
                pos[:] = new_pos
                vel[:] = new_vel
                break
            forced = dt_try <= _SMALLEST * h
            if error < 1.0 or forced:
                factor = 10.0 if error == 0.0 else min(10.0, _SAFETY * error**-0.125)
                if rejected:
                    factor = min(1.0, factor)
                pos[:] = new_pos
                vel[:] = new_vel
                kp[0] = kp[_STAGES]
                kv[0] = kv[_STAGES]
                t = t_new
                flow[0, 3] += 1.0
                if forced and error >= 1.0:
                    flow[0, 4] += 1.0
                dt = max(dt, dt_try * factor) if clipped else dt_try * factor
                rejected = False
            else:
                dt = dt_try * max(0.2, _SAFETY * error**-0.125)
                rejected = True
        if not observe(step + 1, last, n_steps, stride, pos, vel, c, r_out, v_out, escape_step):
            flow[0, 2] = dt
            return step + 1
    flow[0, 2] = dt
    return -1


@dataclass(frozen=True)
class AdaptiveIntegrator(FixedStepIntegrator):
    """The compiled DOP853 pair (``"adaptive"``); ``n_steps`` sets the output grid, ``rtol``/``atol`` the steps."""

    def flow(
        self,
        model,
        values: dict[str, float],
        species_q_over_m: np.ndarray,
        h: float,
        rtol: float = 1e-12,
        atol: float = 1e-12,
    ) -> np.ndarray:
        """The data row: tolerances, the step-size state and SciPy's DOP853 tableau (the same for every species)."""
        from scipy.integrate import DOP853

        row = np.concatenate([[rtol, atol, 0.0, 0.0, 0.0], DOP853.A.ravel(), DOP853.B, DOP853.C, DOP853.E3, DOP853.E5])
        return np.tile(row, (species_q_over_m.size, 1))

    def check(self, flow: np.ndarray) -> None:
        """Warn if some steps could not meet the tolerances even at the smallest step."""
        if flow[0, 4] > 0:
            warn_outside_package(
                f"'adaptive': {int(flow[0, 4])} of {int(flow[0, 3])} steps were taken at the smallest step "
                f"({_SMALLEST:g} of the output interval) without meeting rtol = {flow[0, 0]:g}, atol = {flow[0, 1]:g}; "
                "loosen the tolerances or look for particles that collide.",
                AccuracyWarning,
            )
