"""The energy of states: kinetic, in the trap's potential, and of the Coulomb pairs.

A template compiled into every model's module, so that it reads the model's
own potential (derived by SymPy with the fields). In a static trap the total
is conserved: :meth:`trapode.SimulationResult.energy` reports it per kept
state, and a run with interactions checks it (:func:`trapode.simulate` warns
when a fixed step lets it drift).
"""

from __future__ import annotations

from numba import prange

from ..compile.templates import kernel
from .protocol import coulomb_potential, potential, time_terms

__all__ = ["state_energies"]


@kernel(parallel=True)
def state_energies(times, r, v, charge, mass, c, interacting, k_e, out):
    """Write the kinetic, trap and Coulomb energies (u µm²/µs²) of each state into ``out`` (rows, 3).

    ``r`` and ``v`` (rows, N, 3) are states at ``times`` (rows,) in µs, as a
    result keeps them. The Coulomb energy is summed over pairs only if
    ``interacting``. The rows are shared out over numba's threads.
    """
    n = r.shape[1]
    for row in prange(r.shape[0]):
        s = time_terms(times[row], c)
        kinetic = 0.0
        trap = 0.0
        for i in range(n):
            kinetic += 0.5 * mass[i] * (v[row, i, 0] ** 2 + v[row, i, 1] ** 2 + v[row, i, 2] ** 2)
            trap += charge[i] * potential(r[row, i, 0], r[row, i, 1], r[row, i, 2], c, s)
        pairs = 0.0
        if interacting:
            for i in range(n):
                for j in range(i + 1, n):
                    pairs += (
                        charge[i]
                        * charge[j]
                        * coulomb_potential(
                            r[row, i, 0] - r[row, j, 0], r[row, i, 1] - r[row, j, 1], r[row, i, 2] - r[row, j, 2], k_e
                        )
                    )
        out[row, 0] = kinetic
        out[row, 1] = trap
        out[row, 2] = pairs
