"""The total force on every particle: the trap's fields plus, if on, the Coulomb interaction.

A template (:mod:`trapode.compile.templates`) compiled into every model's
module; steppers that move all particles together (every method with
interactions, and the right-hand side for SciPy) call it once per stage.
"""

from __future__ import annotations

from ..compile.templates import kernel
from .protocol import acceleration, coulomb_accelerations, coulomb_accelerations_threaded, time_terms

__all__ = ["COULOMB_OFF", "COULOMB_SERIAL", "COULOMB_THREADED", "accelerations", "coulomb_part"]

#: How a run sums the Coulomb interaction: not at all, on one thread, on all of numba's threads.
COULOMB_OFF, COULOMB_SERIAL, COULOMB_THREADED = 0, 1, 2


@kernel(inline=True, uses={"COULOMB_SERIAL": COULOMB_SERIAL, "COULOMB_THREADED": COULOMB_THREADED})
def coulomb_part(pos, charge, q_over_m, coulomb, k_e, out):
    """Write the Coulomb acceleration of every particle into ``out`` (3, N); leave it untouched when ``coulomb`` is off.

    For methods that take the trap's fields apart from the interaction (Boris, the splitting's kicks).
    """
    if coulomb == COULOMB_THREADED:
        coulomb_accelerations_threaded(pos, charge, q_over_m, k_e, out)
    elif coulomb == COULOMB_SERIAL:
        coulomb_accelerations(pos, charge, q_over_m, k_e, out)


@kernel(
    inline=True,
    uses={"COULOMB_OFF": COULOMB_OFF, "COULOMB_SERIAL": COULOMB_SERIAL, "COULOMB_THREADED": COULOMB_THREADED},
)
def accelerations(t, pos, vel, charge, q_over_m, c, coulomb, k_e, out):
    """Write the acceleration (µm/µs²) of every particle at time ``t`` (µs) into ``out`` (3, N).

    ``coulomb`` is :data:`COULOMB_OFF`, :data:`COULOMB_SERIAL` or
    :data:`COULOMB_THREADED`; ``k_e`` is the Coulomb constant in internal units.
    The time-dependent terms are evaluated once for all particles.
    """
    coulomb_part(pos, charge, q_over_m, coulomb, k_e, out)
    s = time_terms(t, c)
    for i in range(pos.shape[1]):
        ax, ay, az = acceleration(pos[0, i], pos[1, i], pos[2, i], vel[0, i], vel[1, i], vel[2, i], q_over_m[i], c, s)
        if coulomb != COULOMB_OFF:
            out[0, i] += ax
            out[1, i] += ay
            out[2, i] += az
        else:
            out[0, i] = ax
            out[1, i] = ay
            out[2, i] = az
