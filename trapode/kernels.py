"""Compiled numerical kernels: the right-hand side and the fixed-step integrators.

Every function here is a pure function of arrays, compiled by numba with
``cache=True`` (so a second process loads machine code instead of compiling)
and ``error_model="numpy"`` (so divisions do not check for zero, which would
stop the loops from vectorising).

Layout: positions, velocities and accelerations are ``(3, N)`` arrays, one row
per Cartesian component, so that the loops over particles run over contiguous
memory and vectorise; trajectories are written as ``(n_steps + 1, 3, N)``. The
trap is a float array ``(B0, V0, d, f, omega_V)`` in internal units
(:func:`trap_parameters`). Particles enter through their charges (e) and
charge-to-mass ratios (e/u).

The physics comes from :mod:`trapode._generated`, which SymPy wrote; nothing
here restates a force law.
"""

from __future__ import annotations

import hashlib
import pathlib

import numpy as np
from numba import njit

from . import _generated
from .units import COULOMB_CONSTANT

__all__ = [
    "trap_parameters",
    "coulomb_accelerations",
    "accelerations",
    "flat_rhs",
    "euler_trajectory",
    "rk4_trajectory",
]

_JIT = {"cache": True, "error_model": "numpy", "nogil": True}


def drop_stale_cache(generated_path, cache_dir):
    """Delete numba's cached kernels in ``cache_dir`` if ``generated_path`` changed since they were made.

    numba keys its cache on the file that defines a kernel (this one), so it
    would keep machine code compiled from an older ``_generated.py``, for
    instance after a ``git pull`` that changed the model. A hash of that file,
    stored beside the cache, catches this. Returns True if files were deleted.
    """
    generated_path, cache_dir = pathlib.Path(generated_path), pathlib.Path(cache_dir)
    stamp = cache_dir / "trapode_generated.sha256"
    digest = hashlib.sha256(generated_path.read_bytes()).hexdigest()
    try:
        if stamp.read_text() == digest:
            return False
    except OSError:
        pass
    try:
        stale = list(cache_dir.glob("*.nb[ic]"))
        for cached in stale:
            cached.unlink()
        cache_dir.mkdir(exist_ok=True)
        stamp.write_text(digest)
    except OSError:  # a read-only install: numba caches elsewhere, or not at all
        return False
    return bool(stale)


drop_stale_cache(_generated.__file__, pathlib.Path(__file__).with_name("__pycache__"))

external_acceleration = njit(inline="always", **_JIT)(_generated.external_acceleration)
coulomb_field = njit(inline="always", **_JIT)(_generated.coulomb_field)
electrode_voltage = njit(inline="always", **_JIT)(_generated.electrode_voltage)


def trap_parameters(trap):
    """Pack a :class:`~trapode.PenningTrap` as the float array the kernels take.

    Returns
    -------
    numpy.ndarray
        ``(B0, V0, d, f, omega_V)`` with B0 in u/(µs e), V0 in u µm²/(µs² e),
        d in µm, the drive amplitude and its angular frequency in rad/µs
        (both zero without a drive).
    """
    drive = trap.drive
    amplitude, omega = (drive.amplitude, drive.omega) if drive is not None else (0.0, 0.0)
    return np.array([trap.B0_internal, trap.V0_internal, trap.d, amplitude, omega], dtype=np.float64)


# The pair loop's reduction only vectorises if LLVM may reassociate the sums.
@njit(fastmath={"reassoc", "contract", "nsz"}, **_JIT)
def _field_from_charges(x, y, z, xs, ys, zs, charges):
    """Coulomb field at (x, y, z) from the charges at (xs, ys, zs); loops from 0."""
    field_x = 0.0
    field_y = 0.0
    field_z = 0.0
    for j in range(xs.shape[0]):
        ex, ey, ez = coulomb_field(x - xs[j], y - ys[j], z - zs[j], charges[j], COULOMB_CONSTANT)
        field_x += ex
        field_y += ey
        field_z += ez
    return field_x, field_y, field_z


@njit(inline="always", **_JIT)
def coulomb_accelerations(pos, charge, charge_to_mass, out):
    """Write ``q_i/m_i Σ_{j≠i} E_j(r_i)``, the Coulomb acceleration of every particle, into ``out``."""
    xs, ys, zs = pos[0], pos[1], pos[2]
    for i in range(pos.shape[1]):
        x, y, z = xs[i], ys[i], zs[i]
        # Two loops that both start at 0 skip the particle itself and vectorise.
        below = _field_from_charges(x, y, z, xs[:i], ys[:i], zs[:i], charge[:i])
        above = _field_from_charges(x, y, z, xs[i + 1:], ys[i + 1:], zs[i + 1:], charge[i + 1:])
        out[0, i] = charge_to_mass[i] * (below[0] + above[0])
        out[1, i] = charge_to_mass[i] * (below[1] + above[1])
        out[2, i] = charge_to_mass[i] * (below[2] + above[2])


@njit(inline="always", **_JIT)
def _voltage(t, trap):
    """Electrode voltage at time t; the drive, a function of time alone, is skipped when off."""
    amplitude = trap[3]
    return electrode_voltage(t, trap[1], amplitude, trap[4]) if amplitude != 0.0 else trap[1]


@njit(inline="always", **_JIT)
def accelerations(t, pos, vel, charge, charge_to_mass, trap, interactions, out):
    """Write the acceleration of every particle at time ``t`` into ``out``.

    Parameters
    ----------
    t : float
        Time in µs (the drive is evaluated there).
    pos, vel : ndarray, shape (3, N)
        Positions in µm and velocities in µm/µs.
    charge, charge_to_mass : ndarray, shape (N,)
        Charges in e and charge-to-mass ratios in e/u.
    trap : ndarray, shape (5,)
        See :func:`trap_parameters`.
    interactions : bool
        Add the Coulomb field of every other particle.
    out : ndarray, shape (3, N)
        Accelerations in µm/µs², overwritten.
    """
    if interactions:
        coulomb_accelerations(pos, charge, charge_to_mass, out)
    B0, d = trap[0], trap[2]
    voltage = _voltage(t, trap)
    for i in range(pos.shape[1]):
        ax, ay, az = external_acceleration(
            pos[0, i], pos[1, i], pos[2, i], vel[0, i], vel[1, i], vel[2, i], charge_to_mass[i], B0, voltage, d
        )
        if interactions:
            out[0, i] += ax
            out[1, i] += ay
            out[2, i] += az
        else:
            out[0, i] = ax
            out[1, i] = ay
            out[2, i] = az


@njit(**_JIT)
def flat_rhs(t, y, charge, mass, trap, interactions):
    """Right-hand side ``dy/dt = F(t, y)`` on the flat state ``y = (r_1..r_N, v_1..v_N)``.

    ``y`` has length 6N: the positions of all particles (x, y, z each, in µm),
    then their velocities (µm/µs). This is the form ``scipy.integrate.solve_ivp``
    takes.
    """
    n = charge.shape[0]
    state = y.reshape(2, n, 3)
    pos = np.ascontiguousarray(state[0].T)
    vel = np.ascontiguousarray(state[1].T)
    acc = np.empty((3, n))
    accelerations(t, pos, vel, charge, charge / mass, trap, interactions, acc)
    derivative = np.empty((2, n, 3))
    derivative[0] = state[1]
    derivative[1] = acc.T
    return derivative.reshape(6 * n)


@njit(inline="always", **_JIT)
def _store(step, pos, vel, r_out, v_out):
    """Copy the state into row ``step`` of the (n_steps + 1, 3, N) outputs; False if non-finite."""
    nonfinite = False
    for k in range(3):
        for i in range(pos.shape[1]):
            r_out[step, k, i] = pos[k, i]
            v_out[step, k, i] = vel[k, i]
            # x - x is 0 for finite x and NaN otherwise; an or-reduction vectorises, a float sum would not.
            nonfinite |= (pos[k, i] - pos[k, i] != 0.0) | (vel[k, i] - vel[k, i] != 0.0)
    return not nonfinite


@njit(**_JIT)
def euler_trajectory(t_end, n_steps, pos0, vel0, charge, mass, trap, interactions, r_out, v_out):
    """Forward Euler, ``y_{n+1} = y_n + h F(t_n, y_n)``, with h = t_end / n_steps.

    Fills ``r_out`` and ``v_out`` (shape ``(n_steps + 1, 3, N)``) and returns
    the number of rows written: ``n_steps + 1``, or ``k + 1`` when the state
    of step k is the first non-finite one (row k holds it, and the run stops).
    """
    h = t_end / n_steps
    n = pos0.shape[1]
    charge_to_mass = charge / mass
    pos = pos0.copy()
    vel = vel0.copy()
    acc = np.empty_like(pos)
    _store(0, pos, vel, r_out, v_out)
    for step in range(n_steps):
        accelerations(step * h, pos, vel, charge, charge_to_mass, trap, interactions, acc)
        for k in range(3):
            for i in range(n):
                pos[k, i] += h * vel[k, i]
                vel[k, i] += h * acc[k, i]
        if not _store(step + 1, pos, vel, r_out, v_out):
            return step + 2
    return n_steps + 1


@njit(**_JIT)
def rk4_trajectory(t_end, n_steps, pos0, vel0, charge, mass, trap, interactions, r_out, v_out):
    """Classical fourth-order Runge–Kutta with h = t_end / n_steps.

    Each of the four stages is evaluated at its own time (t, t + h/2, t + h/2,
    t + h) for all particles together. Time is ``step * h``, never summed, so
    that it carries no round-off. Output and return value as
    :func:`euler_trajectory`.
    """
    h = t_end / n_steps
    half = 0.5 * h
    sixth = h / 6.0
    n = pos0.shape[1]
    charge_to_mass = charge / mass
    pos = pos0.copy()
    vel = vel0.copy()
    stage_pos = np.empty_like(pos)
    stage_vel = np.empty_like(pos)
    acc = np.empty_like(pos)
    sum_vel = np.empty_like(pos)  # k1 + 2 k2 + 2 k3 + k4 of the position equation
    sum_acc = np.empty_like(pos)  # the same for the velocity equation
    _store(0, pos, vel, r_out, v_out)
    # Loops with few arrays each: LLVM vectorises a loop only if it can check
    # cheaply that its arrays do not overlap, which one fused loop over all
    # eight arrays defeats.
    for step in range(n_steps):
        t = step * h
        # Stage 1 at t, leading to stage 2 at t + h/2.
        accelerations(t, pos, vel, charge, charge_to_mass, trap, interactions, acc)
        for k in range(3):
            for i in range(n):
                sum_vel[k, i] = vel[k, i]
                sum_acc[k, i] = acc[k, i]
                stage_pos[k, i] = pos[k, i] + half * vel[k, i]
                stage_vel[k, i] = vel[k, i] + half * acc[k, i]
        # Stages 2 and 3, both at t + h/2; they lead to stage 3 at +h/2 and stage 4 at +h.
        for advance in (half, h):
            accelerations(t + half, stage_pos, stage_vel, charge, charge_to_mass, trap, interactions, acc)
            for k in range(3):
                for i in range(n):
                    sum_vel[k, i] += 2.0 * stage_vel[k, i]
                    sum_acc[k, i] += 2.0 * acc[k, i]
                    stage_pos[k, i] = pos[k, i] + advance * stage_vel[k, i]
                    stage_vel[k, i] = vel[k, i] + advance * acc[k, i]
        # Stage 4 at t + h, and the weighted sum of all four.
        accelerations(t + h, stage_pos, stage_vel, charge, charge_to_mass, trap, interactions, acc)
        for k in range(3):
            for i in range(n):
                pos[k, i] += sixth * (sum_vel[k, i] + stage_vel[k, i])
                vel[k, i] += sixth * (sum_acc[k, i] + acc[k, i])
        if not _store(step + 1, pos, vel, r_out, v_out):
            return step + 2
    return n_steps + 1
