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

The Coulomb sum runs on one thread inside a run, except in the ``*_threaded``
kernels, meant for thousands of particles. Which one is used is a constant
passed down through inlined helpers, so numba drops the other branch and a
kernel compiles only the code it can reach.
"""

from __future__ import annotations

import hashlib
import pathlib

import numpy as np
from numba import njit, prange

from . import _generated
from .units import COULOMB_CONSTANT

__all__ = [
    "THREADED_COULOMB_MIN_PARTICLES",
    "trap_parameters",
    "coulomb_accelerations",
    "coulomb_accelerations_threaded",
    "rk4_trapped_after",
    "accelerations",
    "flat_rhs",
    "euler_trajectory",
    "euler_trajectory_threaded",
    "rk4_trajectory",
    "rk4_trajectory_threaded",
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


#: From this many interacting particles on, a run uses the ``*_threaded`` kernels.
THREADED_COULOMB_MIN_PARTICLES = 2048

#: Work units of the threaded pair sum: numba's threads share them out. A
#: fixed number, so that the summation order, and so the result, does not
#: depend on the thread count.
COULOMB_CHUNKS = 16


# The reductions over j only vectorise if LLVM may reassociate the sums.
@njit(fastmath={"reassoc", "contract", "nsz"}, **_JIT)
def _two_rows_against(x1, y1, z1, q1, x2, y2, z2, q2, xs, ys, zs, charges, field_x, field_y, field_z):
    """Coulomb pairs of particles 1 and 2 with every particle j of the slices.

    Returns the field at 1 and at 2 from all j, and subtracts the field of 1
    and 2 at each j from ``field_*[j]`` (Newton's third law: one evaluation per
    pair). Loading each j once for two rows halves the memory traffic.
    """
    s1x = 0.0
    s1y = 0.0
    s1z = 0.0
    s2x = 0.0
    s2y = 0.0
    s2z = 0.0
    for j in range(xs.shape[0]):
        e1x, e1y, e1z = coulomb_field(x1 - xs[j], y1 - ys[j], z1 - zs[j], 1.0, COULOMB_CONSTANT)
        e2x, e2y, e2z = coulomb_field(x2 - xs[j], y2 - ys[j], z2 - zs[j], 1.0, COULOMB_CONSTANT)
        q = charges[j]
        s1x += q * e1x
        s1y += q * e1y
        s1z += q * e1z
        s2x += q * e2x
        s2y += q * e2y
        s2z += q * e2z
        field_x[j] -= q1 * e1x + q2 * e2x
        field_y[j] -= q1 * e1y + q2 * e2y
        field_z[j] -= q1 * e1z + q2 * e2z
    return s1x, s1y, s1z, s2x, s2y, s2z


@njit(inline="always", **_JIT)
def _add_field_of_row_pair(i, pos, charge, field):
    """Add to ``field`` (per unit charge) every pair (i, j) and (i + 1, j) with j > i."""
    xs, ys, zs = pos[0], pos[1], pos[2]
    j = i + 1
    ex, ey, ez = coulomb_field(xs[i] - xs[j], ys[i] - ys[j], zs[i] - zs[j], 1.0, COULOMB_CONSTANT)
    field[0, i] += charge[j] * ex
    field[1, i] += charge[j] * ey
    field[2, i] += charge[j] * ez
    field[0, j] -= charge[i] * ex
    field[1, j] -= charge[i] * ey
    field[2, j] -= charge[i] * ez
    # The slices start at 0, which keeps the inner loop free of index checks.
    rest = i + 2
    s = _two_rows_against(
        xs[i], ys[i], zs[i], charge[i], xs[j], ys[j], zs[j], charge[j],
        xs[rest:], ys[rest:], zs[rest:], charge[rest:], field[0, rest:], field[1, rest:], field[2, rest:],
    )
    field[0, i] += s[0]
    field[1, i] += s[1]
    field[2, i] += s[2]
    field[0, j] += s[3]
    field[1, j] += s[4]
    field[2, j] += s[5]


# Not inlined: one call per stage costs nothing next to the pair sum, and a
# copy in every stage of every kernel would multiply the compile time.
@njit(**_JIT)
def coulomb_accelerations(pos, charge, charge_to_mass, out):
    """Write ``q_i/m_i Σ_{j≠i} E_j(r_i)``, the Coulomb acceleration of every particle, into ``out``.

    Each pair is evaluated once (Newton's third law), two rows at a time.
    """
    n = pos.shape[1]
    for k in range(3):
        for i in range(n):
            out[k, i] = 0.0
    for i in range(0, n - 1, 2):
        _add_field_of_row_pair(i, pos, charge, out)
    for k in range(3):
        for i in range(n):
            out[k, i] *= charge_to_mass[i]


@njit(parallel=True, **_JIT)
def coulomb_accelerations_threaded(pos, charge, charge_to_mass, out):
    """:func:`coulomb_accelerations` with the row pairs dealt out to numba's threads.

    The row pairs are dealt round-robin to :data:`COULOMB_CHUNKS` chunks, so
    that the triangular work is shared evenly, and each chunk sums into its
    own field buffer: memory O(chunks × N), never O(N²).
    """
    n = pos.shape[1]
    buffers = np.zeros((COULOMB_CHUNKS, 3, n))
    n_row_pairs = n // 2
    for chunk in prange(COULOMB_CHUNKS):
        for row_pair in range(chunk, n_row_pairs, COULOMB_CHUNKS):
            _add_field_of_row_pair(2 * row_pair, pos, charge, buffers[chunk])
    for k in range(3):
        for i in range(n):
            total = 0.0
            for chunk in range(COULOMB_CHUNKS):
                total += buffers[chunk, k, i]
            out[k, i] = charge_to_mass[i] * total


@njit(inline="always", **_JIT)
def _voltage(t, trap):
    """Electrode voltage at time t; the drive, a function of time alone, is skipped when off."""
    amplitude = trap[3]
    return electrode_voltage(t, trap[1], amplitude, trap[4]) if amplitude != 0.0 else trap[1]


@njit(inline="always", **_JIT)
def accelerations(t, pos, vel, charge, charge_to_mass, trap, interactions, threaded, out):
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
    threaded : bool
        A compile-time constant: spread the Coulomb sum over numba's threads.
    out : ndarray, shape (3, N)
        Accelerations in µm/µs², overwritten.
    """
    if interactions:
        if threaded:
            coulomb_accelerations_threaded(pos, charge, charge_to_mass, out)
        else:
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
    accelerations(t, pos, vel, charge, charge / mass, trap, interactions, False, acc)
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


_EULER, _RK4 = 1, 4


@njit(inline="always", **_JIT)
def _rk4_step_independent(t, h, pos, vel, charge_to_mass, trap):
    """One RK4 step for particles that do not interact, each done whole in registers.

    Without the Coulomb force a particle's derivative depends on its own
    state only, so all four stages of one particle need no memory but its
    six numbers: about a tenth of the loads and stores of the stage-by-stage
    form. The loop over particles vectorises.
    """
    half = 0.5 * h
    sixth = h / 6.0
    B0, d = trap[0], trap[2]
    voltage_start = _voltage(t, trap)
    voltage_middle = _voltage(t + half, trap)
    voltage_end = _voltage(t + h, trap)
    for i in range(pos.shape[1]):
        kappa = charge_to_mass[i]
        x, y, z = pos[0, i], pos[1, i], pos[2, i]
        u, v, w = vel[0, i], vel[1, i], vel[2, i]
        a1x, a1y, a1z = external_acceleration(x, y, z, u, v, w, kappa, B0, voltage_start, d)
        u2, v2, w2 = u + half * a1x, v + half * a1y, w + half * a1z
        a2x, a2y, a2z = external_acceleration(x + half * u, y + half * v, z + half * w, u2, v2, w2, kappa, B0,
                                              voltage_middle, d)
        u3, v3, w3 = u + half * a2x, v + half * a2y, w + half * a2z
        a3x, a3y, a3z = external_acceleration(x + half * u2, y + half * v2, z + half * w2, u3, v3, w3, kappa, B0,
                                              voltage_middle, d)
        u4, v4, w4 = u + h * a3x, v + h * a3y, w + h * a3z
        a4x, a4y, a4z = external_acceleration(x + h * u3, y + h * v3, z + h * w3, u4, v4, w4, kappa, B0,
                                              voltage_end, d)
        pos[0, i] = x + sixth * (u + 2.0 * u2 + 2.0 * u3 + u4)
        pos[1, i] = y + sixth * (v + 2.0 * v2 + 2.0 * v3 + v4)
        pos[2, i] = z + sixth * (w + 2.0 * w2 + 2.0 * w3 + w4)
        vel[0, i] = u + sixth * (a1x + 2.0 * a2x + 2.0 * a3x + a4x)
        vel[1, i] = v + sixth * (a1y + 2.0 * a2y + 2.0 * a3y + a4y)
        vel[2, i] = w + sixth * (a1z + 2.0 * a2z + 2.0 * a3z + a4z)


@njit(inline="always", **_JIT)
def _integrate(method, t_end, n_steps, pos, vel, charge, mass, trap, interactions, threaded, store, r_out, v_out):
    """Advance ``pos`` and ``vel`` in place over ``n_steps`` steps of ``method`` (``_EULER`` or ``_RK4``).

    ``method``, ``threaded`` and ``store`` are constants at every call, so numba
    drops the branches not taken. With ``store``, every state is written to
    ``r_out``/``v_out`` (shape ``(n_steps + 1, 3, N)``) and the run stops at the
    first non-finite one; the return value is the number of rows written.

    RK4 evaluates each of its four stages at its own time (t, t + h/2, t + h/2,
    t + h) for all particles together. The stages are written out in full:
    helpers for them, even inlined, cost a third more per step. Each loop
    touches few arrays: LLVM vectorises a loop only if it can check cheaply
    that its arrays do not overlap, which one fused loop over all of them defeats.
    """
    h = t_end / n_steps
    half = 0.5 * h
    sixth = h / 6.0
    n = pos.shape[1]
    charge_to_mass = charge / mass
    stage_pos = np.empty_like(pos)
    stage_vel = np.empty_like(pos)
    acc = np.empty_like(pos)
    sum_vel = np.empty_like(pos)  # k1 + 2 k2 + 2 k3 + k4 of the position equation
    sum_acc = np.empty_like(pos)  # the same for the velocity equation
    if store:
        _store(0, pos, vel, r_out, v_out)
    for step in range(n_steps):
        # Time is step * h, never summed, so that it carries no round-off.
        t = step * h
        if method == _RK4 and not interactions:
            _rk4_step_independent(t, h, pos, vel, charge_to_mass, trap)
            if store and not _store(step + 1, pos, vel, r_out, v_out):
                return step + 2
            continue
        accelerations(t, pos, vel, charge, charge_to_mass, trap, interactions, threaded, acc)
        if method == _EULER:
            for k in range(3):
                for i in range(n):
                    pos[k, i] += h * vel[k, i]
                    vel[k, i] += h * acc[k, i]
        else:
            # Stage 1 at t, leading to stage 2 at t + h/2.
            for k in range(3):
                for i in range(n):
                    sum_vel[k, i] = vel[k, i]
                    sum_acc[k, i] = acc[k, i]
                    stage_pos[k, i] = pos[k, i] + half * vel[k, i]
                    stage_vel[k, i] = vel[k, i] + half * acc[k, i]
            # Stage 2 at t + h/2, leading to stage 3 at t + h/2.
            accelerations(t + half, stage_pos, stage_vel, charge, charge_to_mass, trap, interactions, threaded, acc)
            for k in range(3):
                for i in range(n):
                    sum_vel[k, i] += 2.0 * stage_vel[k, i]
                    sum_acc[k, i] += 2.0 * acc[k, i]
                    stage_pos[k, i] = pos[k, i] + half * stage_vel[k, i]
                    stage_vel[k, i] = vel[k, i] + half * acc[k, i]
            # Stage 3 at t + h/2, leading to stage 4 at t + h.
            accelerations(t + half, stage_pos, stage_vel, charge, charge_to_mass, trap, interactions, threaded, acc)
            for k in range(3):
                for i in range(n):
                    sum_vel[k, i] += 2.0 * stage_vel[k, i]
                    sum_acc[k, i] += 2.0 * acc[k, i]
                    stage_pos[k, i] = pos[k, i] + h * stage_vel[k, i]
                    stage_vel[k, i] = vel[k, i] + h * acc[k, i]
            # Stage 4 at t + h, and the weighted sum of all four.
            accelerations(t + h, stage_pos, stage_vel, charge, charge_to_mass, trap, interactions, threaded, acc)
            for k in range(3):
                for i in range(n):
                    pos[k, i] += sixth * (sum_vel[k, i] + stage_vel[k, i])
                    vel[k, i] += sixth * (sum_acc[k, i] + acc[k, i])
        if store and not _store(step + 1, pos, vel, r_out, v_out):
            return step + 2
    return n_steps + 1


@njit(**_JIT)
def euler_trajectory(t_end, n_steps, pos0, vel0, charge, mass, trap, interactions, r_out, v_out):
    """Forward Euler, ``y_{n+1} = y_n + h F(t_n, y_n)``, with h = t_end / n_steps.

    Fills ``r_out`` and ``v_out`` (shape ``(n_steps + 1, 3, N)``) and returns
    the number of rows written: ``n_steps + 1``, or ``k + 1`` when the state
    of step k is the first non-finite one (row k holds it, and the run stops).
    """
    return _integrate(_EULER, t_end, n_steps, pos0.copy(), vel0.copy(), charge, mass, trap, interactions, False, True,
                      r_out, v_out)


@njit(**_JIT)
def euler_trajectory_threaded(t_end, n_steps, pos0, vel0, charge, mass, trap, interactions, r_out, v_out):
    """:func:`euler_trajectory` with the Coulomb sum spread over numba's threads."""
    return _integrate(_EULER, t_end, n_steps, pos0.copy(), vel0.copy(), charge, mass, trap, interactions, True, True,
                      r_out, v_out)


@njit(**_JIT)
def rk4_trajectory(t_end, n_steps, pos0, vel0, charge, mass, trap, interactions, r_out, v_out):
    """Classical fourth-order Runge–Kutta with h = t_end / n_steps.

    Output and return value as :func:`euler_trajectory`.
    """
    return _integrate(_RK4, t_end, n_steps, pos0.copy(), vel0.copy(), charge, mass, trap, interactions, False, True,
                      r_out, v_out)


@njit(**_JIT)
def rk4_trajectory_threaded(t_end, n_steps, pos0, vel0, charge, mass, trap, interactions, r_out, v_out):
    """:func:`rk4_trajectory` with the Coulomb sum spread over numba's threads."""
    return _integrate(_RK4, t_end, n_steps, pos0.copy(), vel0.copy(), charge, mass, trap, interactions, True, True,
                      r_out, v_out)


@njit(parallel=True, **_JIT)
def rk4_trapped_after(t_end, n_steps, pos0, vel0, charge, mass, trap, amplitudes, omegas, interactions, trapped_out):
    """Run one RK4 simulation per drive (amplitude, ω) and record who is still trapped.

    The runs are dealt out to numba's threads; within a run every particle
    advances together and nothing is stored but the final verdict, so each
    run's result is the same whatever the batching or the thread count.

    Parameters
    ----------
    t_end, n_steps, pos0, vel0, charge, mass :
        As for :func:`rk4_trajectory`.
    trap : ndarray, shape (5,)
        The trap; its drive entries are replaced by each run's.
    amplitudes, omegas : ndarray, shape (P,)
        Drive amplitude and angular frequency (rad/µs) of each run.
    interactions : bool
        Coulomb force between the particles of a run (summed on one thread:
        the runs are already spread over the threads).
    trapped_out : ndarray of bool, shape (P, N)
        Overwritten: whether each particle has ``|r| < d`` at ``t_end``; a
        particle whose state became non-finite counts as lost.
    """
    d = trap[2]
    no_output = np.empty((0, 3, 0))
    for run in prange(amplitudes.shape[0]):
        run_trap = trap.copy()
        run_trap[3] = amplitudes[run]
        run_trap[4] = omegas[run]
        pos = pos0.copy()
        vel = vel0.copy()
        _integrate(_RK4, t_end, n_steps, pos, vel, charge, mass, run_trap, interactions, False, False,
                   no_output, no_output)
        for i in range(pos.shape[1]):
            trapped_out[run, i] = pos[0, i] ** 2 + pos[1, i] ** 2 + pos[2, i] ** 2 < d * d
